"""average_pool2d, max_pool2d and l2_pool2d (float kernels): SAME/VALID
resolved to explicit pads here, like conv (see conv.py)."""

from __future__ import annotations

from selbuild.convert.ops._common import activation_fparams, describe
from selbuild.convert.ops.conv import out_size, pad_before, window_attrs
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node

_POOLS = ("average_pool2d", "max_pool2d", "l2_pool2d")


def _geometry(g: Graph, n: Node) -> tuple[tuple[int, int, int, int], dict[str, int]]:
    x = g.tensors[n.inputs[0]]
    if len(x.shape) != 4:
        raise UnsupportedError(f"{describe(g, n)}: input rank {len(x.shape)}; pooling takes 4-D NHWC")
    padding, sh, sw, _, _ = window_attrs(g, n, dilated=False)
    fh, fw = int(n.attrs.get("filter_height", 0)), int(n.attrs.get("filter_width", 0))
    if fh < 1 or fw < 1:
        raise UnsupportedError(f"{describe(g, n)}: filter {fh}x{fw} is empty")
    nb, h, w, c = x.shape
    oh, ow = out_size(padding, h, fh, sh), out_size(padding, w, fw, sw)
    return (nb, oh, ow, c), {"filter_h": fh, "filter_w": fw, "stride_h": sh, "stride_w": sw,
                             "pad_top": pad_before(h, fh, sh, 1, oh), "pad_left": pad_before(w, fw, sw, 1, ow)}


@shape(*_POOLS)
def pool_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    return [_geometry(g, n)[0]]


@lower(*_POOLS)
def pool_lower(g: Graph, n: Node) -> Lowered:
    _, ip = _geometry(g, n)
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0]], outputs=[n.outputs[0]], iparams=ip,
                   fparams=activation_fparams(g, n))
