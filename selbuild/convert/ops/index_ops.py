"""arg_max and arg_min: an index along one axis.

TFLite passes the axis as a constant one-element tensor (int32 or int64);
it is folded here into the [outer, axis_size, inner] flattening the kernels
take (shared/argminmax.h), so the runtime never reads it. The output dtype
is the output tensor's (ArgMaxOptions.output_type says the same, int32 or
int64); the kernel writes either.
"""

from __future__ import annotations

from selbuild.convert.ops._common import describe
from selbuild.convert.ops._views import check_ranks, const_ints, norm_axis, prod
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
