"""resize_bilinear and resize_nearest_neighbor (float kernels).

The size operand (a constant in TFLite) gives the output shape; the
input/output ratios are computed here in float32 exactly as TFLite does, with
align_corners folded in, and passed as fparams scale_h/scale_w.
"""

from __future__ import annotations

import numpy as np

from selbuild.convert.ops._common import describe
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node

_RESIZES = ("resize_bilinear", "resize_nearest_neighbor")


def _size(g: Graph, n: Node) -> tuple[int, int]:
    t = g.tensors[n.inputs[1]]
    if not t.is_const:
        raise UnsupportedError(f"{describe(g, n)}: the size must be a constant tensor")
    v = [int(s) for s in np.asarray(t.data).reshape(-1)]
    if len(v) != 2 or min(v) < 1:
        raise UnsupportedError(f"{describe(g, n)}: size {v} is not two positive ints")
    return v[0], v[1]


def scale(in_size: int, out_size: int, align_corners: bool) -> float:
    """float32 source/destination ratio (TFLite's height_scale / width_scale)."""
    if align_corners and out_size > 1:
        return float(np.float32(in_size - 1) / np.float32(out_size - 1))
    return float(np.float32(in_size) / np.float32(out_size))


@shape(*_RESIZES)
def resize_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    x = g.tensors[n.inputs[0]]
    if len(x.shape) != 4:
        raise UnsupportedError(f"{describe(g, n)}: input rank {len(x.shape)}; resize takes 4-D NHWC")
    oh, ow = _size(g, n)
    return [(x.shape[0], oh, ow, x.shape[3])]


@lower(*_RESIZES)
def resize_lower(g: Graph, n: Node) -> Lowered:
    x = g.tensors[n.inputs[0]]
    resize_shape(g, n)
    oh, ow = _size(g, n)
    ac, hp = bool(n.attrs.get("align_corners", False)), bool(n.attrs.get("half_pixel_centers", False))
    fp = {"scale_h": scale(x.shape[1], oh, ac), "scale_w": scale(x.shape[2], ow, ac)}
    if n.op == "resize_bilinear":
        if ac and hp:
            raise UnsupportedError(f"{describe(g, n)}: align_corners and half_pixel_centers together")
        ip = {"half_pixel_centers": int(hp)}
    else:
        ip = {"align_corners": int(ac), "half_pixel_centers": int(hp)}
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0]], outputs=[n.outputs[0]], iparams=ip, fparams=fp)
