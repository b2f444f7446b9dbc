"""conv2d, depthwise_conv2d and transpose_conv (float kernels).

TFLite's SAME/VALID padding is resolved here into explicit pad_top/pad_left
(the device never sees a padding enum), and the conv2d / transpose_conv
filters are re-laid from the IR's OHWI into the shared GEMM's panels
[ceil(Cout/8), KH, KW, Cin, 8] (see runtime_src/kernels/shared/gemm_f32.h):
the vector direction is the output channel, and each 8-channel panel is one
contiguous stream. Depthwise filters are used as they are ([1, KH, KW, C*M]
already has output channels innermost).
"""

from __future__ import annotations

import numpy as np

from selbuild.convert.ops._common import activation_fparams, describe
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node, Tensor


def out_size(padding: str, in_size: int, k: int, stride: int, dilation: int = 1) -> int:
    """TFLite's output size for SAME/VALID windows (ComputeOutSize)."""
    eff = (k - 1) * dilation + 1
    if padding == "same":
        return (in_size + stride - 1) // stride
    return (in_size + stride - eff) // stride


def pad_before(in_size: int, k: int, stride: int, dilation: int, out: int) -> int:
    """Padding before the data: half the total, rounded down (the odd cell goes after)."""
    total = (out - 1) * stride + (k - 1) * dilation + 1 - in_size
    return max(total, 0) // 2


def window_attrs(g: Graph, n: Node, dilated: bool = True) -> tuple[str, int, int, int, int]:
    """(padding, stride_h, stride_w, dilation_h, dilation_w), validated."""
    padding = n.attrs.get("padding", "same")
    sh, sw = int(n.attrs.get("stride_h", 1)), int(n.attrs.get("stride_w", 1))
    dh = int(n.attrs.get("dilation_h", 1)) if dilated else 1
    dw = int(n.attrs.get("dilation_w", 1)) if dilated else 1
    if padding not in ("same", "valid"):
        raise UnsupportedError(f"{describe(g, n)}: padding '{padding}' is not supported")
    if min(sh, sw, dh, dw) < 1:
        raise UnsupportedError(f"{describe(g, n)}: strides and dilations must be >= 1 "
                               f"(got stride {sh}x{sw}, dilation {dh}x{dw})")
    return padding, sh, sw, dh, dw


def _const(g: Graph, n: Node, idx: int, what: str) -> np.ndarray:
    t = g.tensors[idx]
    if not t.is_const:
        raise UnsupportedError(f"{describe(g, n)}: the {what} must be a constant tensor")
    return np.asarray(t.data)


def _rank4(g: Graph, n: Node, *idx: int) -> None:
    for i in idx:
        if len(g.tensors[i].shape) != 4:
            raise UnsupportedError(f"{describe(g, n)}: tensor '{g.tensors[i].name}' has rank "
                                   f"{len(g.tensors[i].shape)}; the kernel takes 4-D NHWC tensors")


GEMM_NR = 8  # SELRT_SHARED_GEMM_F32_NR


def gemm_panels(kn: np.ndarray) -> np.ndarray:
    """[K, N] weights -> [ceil(N/8), K, 8] panels, the last one zero-padded."""
    k, n = kn.shape
    p = -(-n // GEMM_NR)
    padded = np.zeros((k, p * GEMM_NR), np.float32)
    padded[:, :n] = kn
    return np.ascontiguousarray(padded.reshape(k, p, GEMM_NR).transpose(1, 0, 2))


def _panels(g: Graph, n: Node, idx: int) -> int:
    """A constant OHWI filter as GEMM panels [P, KH, KW, Cin, 8]; returns the new tensor."""
    t = g.tensors[idx]
    w = _const(g, n, idx, "filter").astype(np.float32, copy=False)
    o, kh, kw, ci = w.shape
    data = gemm_panels(w.reshape(o, kh * kw * ci).T).reshape(-1, kh, kw, ci, GEMM_NR)
    return g.add_tensor(Tensor(name=f"{t.name}/panels", shape=tuple(data.shape), dtype="f32", data=data))


def _opt(n: Node, i: int) -> int:
    return n.inputs[i] if len(n.inputs) > i and n.inputs[i] is not None else -1


def _conv_geometry(g: Graph, n: Node, kh: int, kw: int):
    padding, sh, sw, dh, dw = window_attrs(g, n)
    _, h, w, _ = g.tensors[n.inputs[0]].shape
    oh, ow = out_size(padding, h, kh, sh, dh), out_size(padding, w, kw, sw, dw)
    return (oh, ow), {"stride_h": sh, "stride_w": sw, "dilation_h": dh, "dilation_w": dw,
                      "pad_top": pad_before(h, kh, sh, dh, oh), "pad_left": pad_before(w, kw, sw, dw, ow)}


# --------------------------------------------------------------------------- conv2d

@shape("conv2d")
def conv2d_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    _rank4(g, n, n.inputs[0], n.inputs[1])
    o, kh, kw, _ = g.tensors[n.inputs[1]].shape
    (oh, ow), _ = _conv_geometry(g, n, kh, kw)
    return [(g.tensors[n.inputs[0]].shape[0], oh, ow, o)]


@lower("conv2d")
def conv2d_lower(g: Graph, n: Node) -> Lowered:
    _rank4(g, n, n.inputs[0], n.inputs[1], n.outputs[0])
    x, f = g.tensors[n.inputs[0]], g.tensors[n.inputs[1]]
    if f.shape[3] != x.shape[3]:
        raise UnsupportedError(f"{describe(g, n)}: grouped convolution (filter depth {f.shape[3]}, "
                               f"input depth {x.shape[3]}) is not supported")
    _, ip = _conv_geometry(g, n, f.shape[1], f.shape[2])
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0], _panels(g, n, n.inputs[1]), _opt(n, 2)],
                   outputs=[n.outputs[0]], iparams=ip, fparams=activation_fparams(g, n))


# --------------------------------------------------------------------------- depthwise

@shape("depthwise_conv2d")
def depthwise_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    _rank4(g, n, n.inputs[0], n.inputs[1])
    _, kh, kw, oc = g.tensors[n.inputs[1]].shape
    (oh, ow), _ = _conv_geometry(g, n, kh, kw)
    return [(g.tensors[n.inputs[0]].shape[0], oh, ow, oc)]


@lower("depthwise_conv2d")
def depthwise_lower(g: Graph, n: Node) -> Lowered:
    _rank4(g, n, n.inputs[0], n.inputs[1], n.outputs[0])
    x, f = g.tensors[n.inputs[0]], g.tensors[n.inputs[1]]
    c, oc = x.shape[3], f.shape[3]
    # TFLite derives the multiplier from the shapes (the attr is unreliable in old files).
    if f.shape[0] != 1 or oc % c:
        raise UnsupportedError(f"{describe(g, n)}: filter {list(f.shape)} does not fit input depth {c}")
    _, ip = _conv_geometry(g, n, f.shape[1], f.shape[2])
    ip["depth_multiplier"] = oc // c
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0], n.inputs[1], _opt(n, 2)],
                   outputs=[n.outputs[0]], iparams=ip, fparams=activation_fparams(g, n))


# --------------------------------------------------------------------------- transpose_conv
# TFLite inputs: output_shape, weights (OHWI), input, bias (optional, newer files).

@shape("transpose_conv")
def transpose_conv_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    t = g.tensors[n.inputs[0]]
    if not t.is_const:
        return [tuple(g.tensors[n.outputs[0]].shape)]
    return [tuple(int(v) for v in np.asarray(t.data).reshape(-1))]


@lower("transpose_conv")
def transpose_conv_lower(g: Graph, n: Node) -> Lowered:
    x_idx, f_idx = n.inputs[2], n.inputs[1]
    _rank4(g, n, x_idx, f_idx, n.outputs[0])
    x, f, y = g.tensors[x_idx], g.tensors[f_idx], g.tensors[n.outputs[0]]
    if f.shape[3] != x.shape[3] or f.shape[0] != y.shape[3]:
        raise UnsupportedError(f"{describe(g, n)}: filter {list(f.shape)} does not fit input "
                               f"{list(x.shape)} and output {list(y.shape)}")
    padding, sh, sw, _, _ = window_attrs(g, n, dilated=False)
    kh, kw = f.shape[1], f.shape[2]
    # TFLite computes the padding as for a forward conv from the output back to the input.
    oh, ow = y.shape[1], y.shape[2]
    ip = {"stride_h": sh, "stride_w": sw,
          "pad_top": pad_before(oh, kh, sh, 1, out_size(padding, oh, kh, sh)),
          "pad_left": pad_before(ow, kw, sw, 1, out_size(padding, ow, kw, sw))}
    return Lowered(kernel=n.kernel, inputs=[x_idx, _panels(g, n, f_idx), _opt(n, 3)],
                   outputs=[n.outputs[0]], iparams=ip, fparams=activation_fparams(g, n))
