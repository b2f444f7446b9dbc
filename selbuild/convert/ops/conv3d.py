"""conv3d and conv3d_transpose (float kernels), NDHWC.

TFLite stores the conv3d filter as DHWIO ([KD, KH, KW, Cin, Cout]) and the
conv3d_transpose one as [KD, KH, KW, Cout, Cin]; both kernels read them as
they are (output channels innermost, or input channels innermost for the
transpose: each is the vector direction of its inner loop). SAME/VALID is
resolved here into pad_front/pad_top/pad_left, as conv.py does for 2-D.
conv3d_transpose's output_shape must be a constant.
"""

from __future__ import annotations

import numpy as np

from selbuild.convert.ops._common import activation_fparams, describe
from selbuild.convert.ops.conv import out_size, pad_before
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node

_DIMS = ("d", "h", "w")
_PADS = ("pad_front", "pad_top", "pad_left")


def _window(g: Graph, n: Node) -> tuple[str, list[int], list[int]]:
    padding = n.attrs.get("padding", "same")
    strides = [int(n.attrs.get(f"stride_{d}", 1)) for d in _DIMS]
    dilations = [int(n.attrs.get(f"dilation_{d}", 1)) for d in _DIMS]
    if padding not in ("same", "valid"):
        raise UnsupportedError(f"{describe(g, n)}: padding '{padding}' is not supported")
    if min(strides + dilations) < 1:
        raise UnsupportedError(f"{describe(g, n)}: strides and dilations must be >= 1 "
                               f"(got stride {strides}, dilation {dilations})")
    return padding, strides, dilations


def _rank5(g: Graph, n: Node, *idx: int) -> None:
    for i in idx:
        if len(g.tensors[i].shape) != 5:
            raise UnsupportedError(f"{describe(g, n)}: tensor '{g.tensors[i].name}' has rank "
                                   f"{len(g.tensors[i].shape)}; the kernel takes 5-D NDHWC tensors and filters")


def _opt(n: Node, i: int) -> int:
    return n.inputs[i] if len(n.inputs) > i and n.inputs[i] is not None else -1


def _iparams(strides, dilations, pads) -> dict[str, int]:
    ip = {f"stride_{d}": s for d, s in zip(_DIMS, strides)}
    ip.update({f"dilation_{d}": v for d, v in zip(_DIMS, dilations)})
    ip.update(dict(zip(_PADS, pads)))
    return ip


# --------------------------------------------------------------------------- conv3d

@shape("conv3d")
def conv3d_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    _rank5(g, n, n.inputs[0], n.inputs[1])
    x, f = g.tensors[n.inputs[0]].shape, g.tensors[n.inputs[1]].shape
    padding, strides, dilations = _window(g, n)
    spatial = [out_size(padding, x[1 + i], f[i], strides[i], dilations[i]) for i in range(3)]
    return [(x[0], *spatial, f[4])]


@lower("conv3d")
def conv3d_lower(g: Graph, n: Node) -> Lowered:
    _rank5(g, n, n.inputs[0], n.inputs[1], n.outputs[0])
    x, f, y = (g.tensors[i].shape for i in (n.inputs[0], n.inputs[1], n.outputs[0]))
    if f[3] != x[4]:
        raise UnsupportedError(f"{describe(g, n)}: filter {list(f)} does not fit input depth {x[4]} "
                               "(grouped 3-D convolution is not supported, nor does LiteRT run it)")
    padding, strides, dilations = _window(g, n)
    pads = [pad_before(x[1 + i], f[i], strides[i], dilations[i], y[1 + i]) for i in range(3)]
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0], n.inputs[1], _opt(n, 2)], outputs=[n.outputs[0]],
                   iparams=_iparams(strides, dilations, pads), fparams=activation_fparams(g, n))


# --------------------------------------------------------------------------- conv3d_transpose
# TFLite inputs: output_shape, filter [KD, KH, KW, Cout, Cin], input, bias (optional).

def _output_shape(g: Graph, n: Node) -> tuple[int, ...]:
    t = g.tensors[n.inputs[0]]
    if not t.is_const:
        raise UnsupportedError(f"{describe(g, n)}: output_shape must be a constant tensor",
                               hint="selbuild runs static shapes: give CONV_3D_TRANSPOSE a constant output_shape")
    return tuple(int(v) for v in np.asarray(t.data).reshape(-1))


@shape("conv3d_transpose")
def conv3d_transpose_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    return [_output_shape(g, n)]


@lower("conv3d_transpose")
def conv3d_transpose_lower(g: Graph, n: Node) -> Lowered:
    x_idx, f_idx = n.inputs[2], n.inputs[1]
    _rank5(g, n, x_idx, f_idx, n.outputs[0])
    x, f, y = (g.tensors[i].shape for i in (x_idx, f_idx, n.outputs[0]))
    if _output_shape(g, n) != tuple(y):
        raise UnsupportedError(f"{describe(g, n)}: output_shape {list(_output_shape(g, n))} differs from the "
                               f"output tensor's {list(y)}")
    if f[4] != x[4] or f[3] != y[4] or x[0] != y[0]:
        raise UnsupportedError(f"{describe(g, n)}: filter {list(f)} does not fit input {list(x)} and output {list(y)}")
    padding, strides, dilations = _window(g, n)
    # as for a forward conv from the output back to the input
    pads = [pad_before(y[1 + i], f[i], strides[i], dilations[i],
                       out_size(padding, y[1 + i], f[i], strides[i], dilations[i])) for i in range(3)]
    return Lowered(kernel=n.kernel, inputs=[x_idx, f_idx, _opt(n, 3)], outputs=[n.outputs[0]],
                   iparams=_iparams(strides, dilations, pads), fparams=activation_fparams(g, n))
