"""Ops along one axis: arg_max, arg_min, cumsum, topk_v2 (the last axis), and
local_response_normalization (across the channels).

TFLite passes the axis as a constant one-element tensor (int32 or int64);
it is folded here into the [outer, axis_size, inner] flattening the kernels
take (shared/argminmax.h), so the runtime never reads it. The output dtype
is the output tensor's (ArgMaxOptions.output_type says the same, int32 or
int64); the kernel writes either.
"""

from __future__ import annotations

from selbuild.convert.ops._common import describe
from selbuild.convert.ops._views import check_ranks, check_same_quant, const_ints, norm_axis, prod
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node


def _axis(g: Graph, n: Node) -> int:
    x = g.tensors[n.inputs[0]]
    axes = const_ints(g, n, 1, "axis")
    if len(axes) != 1:
        raise UnsupportedError(f"{describe(g, n)}: {len(axes)} axes; {n.op} takes exactly one")
    if not x.shape:
        raise UnsupportedError(f"{describe(g, n)}: a scalar input has no axis to reduce")
    return norm_axis(g, n, axes[0], len(x.shape))


@shape("arg_max", "arg_min")
def arg_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    x = g.tensors[n.inputs[0]]
    a = _axis(g, n)
    return [tuple(d for i, d in enumerate(x.shape) if i != a)]


@lower("arg_max", "arg_min")
def arg_lower(g: Graph, n: Node) -> Lowered:
    check_ranks(g, n)
    x, y = g.tensors[n.inputs[0]], g.tensors[n.outputs[0]]
    if y.dtype not in ("i32", "i64"):
        raise UnsupportedError(f"{describe(g, n)}: {y.dtype} output; {n.op} writes int32 or int64 indices")
    a = _axis(g, n)
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0]], outputs=[n.outputs[0]],
                   iparams={"outer": prod(x.shape[:a]), "axis_size": int(x.shape[a]),
                            "inner": prod(x.shape[a + 1:])})


# --------------------------------------------------------------------------- cumsum

@shape("cumsum")
def cumsum_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    return [tuple(g.tensors[n.inputs[0]].shape)]


@lower("cumsum")
def cumsum_lower(g: Graph, n: Node) -> Lowered:
    check_ranks(g, n)
    x = g.tensors[n.inputs[0]]
    a = _axis(g, n)
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0]], outputs=[n.outputs[0]],
                   iparams={"outer": prod(x.shape[:a]), "axis_size": int(x.shape[a]), "inner": prod(x.shape[a + 1:]),
                            "exclusive": int(bool(n.attrs.get("exclusive", False))),
                            "reverse": int(bool(n.attrs.get("reverse", False)))})


# --------------------------------------------------------------------------- topk_v2

def _k(g: Graph, n: Node) -> int:
    x = g.tensors[n.inputs[0]]
    ks = const_ints(g, n, 1, "k")
    if len(ks) != 1 or not x.shape or not 1 <= ks[0] <= x.shape[-1]:
        raise UnsupportedError(f"{describe(g, n)}: k {ks} must be one value in 1..{x.shape[-1] if x.shape else 0} "
                               f"(the last dim)")
    return ks[0]


@shape("topk_v2")
def topk_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    x = g.tensors[n.inputs[0]]
    out = tuple(x.shape[:-1]) + (_k(g, n),)
    return [out, out]


@lower("topk_v2")
def topk_lower(g: Graph, n: Node) -> Lowered:
    check_ranks(g, n)
    x = g.tensors[n.inputs[0]]
    if len(n.outputs) != 2 or g.tensors[n.outputs[1]].dtype != "i32":
        raise UnsupportedError(f"{describe(g, n)}: topk_v2 needs a values and an int32 indices output")
    check_same_quant(g, n, [n.inputs[0], n.outputs[0]])
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0]], outputs=list(n.outputs[:2]),
                   iparams={"rows": prod(x.shape[:-1]), "n": int(x.shape[-1]), "k": _k(g, n)})


# --------------------------------------------------------------------------- local_response_normalization

@shape("local_response_normalization")
def lrn_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    return [tuple(g.tensors[n.inputs[0]].shape)]


@lower("local_response_normalization")
def lrn_lower(g: Graph, n: Node) -> Lowered:
    x = g.tensors[n.inputs[0]]
    if len(x.shape) != 4:
        raise UnsupportedError(f"{describe(g, n)}: rank {len(x.shape)} input; TFLite's kernel takes 4-D")
    radius = int(n.attrs.get("radius", 0))
    if radius < 0:
        raise UnsupportedError(f"{describe(g, n)}: radius {radius} < 0")
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0]], outputs=[n.outputs[0]],
                   iparams={"depth": int(x.shape[-1]), "radius": radius},
                   fparams={k: float(n.attrs.get(k, 0.0)) for k in ("bias", "alpha", "beta")})
