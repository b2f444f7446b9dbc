"""dilate (f32, i8, i32): TFLite's DILATE inputs are the input, the dilations
(an int32 vector, one per dim: must be a constant, written as params) and the
padding value (a one-element tensor of the input's dtype, constant or not)."""

from __future__ import annotations

import numpy as np

from selbuild.convert.ops._common import describe
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node

MAX_RANK = 6


def _dilations(g: Graph, n: Node) -> list[int]:
    t, x = g.tensors[n.inputs[1]], g.tensors[n.inputs[0]]
    if not t.is_const:
        raise UnsupportedError(f"{describe(g, n)}: the dilations must be a constant tensor",
                               hint="selbuild runs static shapes: make DILATE's dilations a constant")
    d = [int(v) for v in np.asarray(t.data).reshape(-1)]
    if len(d) != len(x.shape) or min(d, default=1) < 1 or len(d) > MAX_RANK:
        raise UnsupportedError(f"{describe(g, n)}: dilations {d} for a rank-{len(x.shape)} input; one >= 1 per "
                               f"dim (rank <= {MAX_RANK}) is needed (LiteRT fails Prepare otherwise)")
    return d


@shape("dilate")
def dilate_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    d = _dilations(g, n)
    return [tuple((s - 1) * k + 1 for s, k in zip(g.tensors[n.inputs[0]].shape, d))]


@lower("dilate")
def dilate_lower(g: Graph, n: Node) -> Lowered:
    d = _dilations(g, n)
    v = g.tensors[n.inputs[2]]
    if int(np.prod(v.shape)) != 1:
        raise UnsupportedError(f"{describe(g, n)}: the padding value has shape {list(v.shape)}, not one element")
    ip = {"rank": len(d), **{f"dilations{k}": d[k] if k < len(d) else 1 for k in range(MAX_RANK)}}
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0], n.inputs[2]], outputs=[n.outputs[0]], iparams=ip)
