"""matrix_diag and matrix_set_diag (TFLite v1: the main diagonal of the two
innermost dims). The kernels take no params: shared/diag.c proves the shapes.
int8 values are copied raw, so every tensor must share one quantization."""

from __future__ import annotations

from selbuild.convert.ops._common import describe
from selbuild.convert.ops._views import check_ranks, check_same_quant
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node


@shape("matrix_diag")
def matrix_diag_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    x = tuple(g.tensors[n.inputs[0]].shape)
    if not x:
        raise UnsupportedError(f"{describe(g, n)}: matrix_diag needs a diagonal of rank >= 1")
    return [x + (x[-1],)]


@shape("matrix_set_diag")
def matrix_set_diag_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    x, d = (tuple(g.tensors[i].shape) for i in n.inputs[:2])
    if len(x) < 2 or d != x[:-2] + (min(x[-2:]),):
        raise UnsupportedError(f"{describe(g, n)}: matrix_set_diag needs matrices [..., M, N] and a diagonal "
                               f"[..., min(M, N)] (got {list(x)} and {list(d)})")
    return [x]


@lower("matrix_diag", "matrix_set_diag")
def diag_lower(g: Graph, n: Node) -> Lowered:
    check_ranks(g, n)
    if n.dtype == "i8":
        check_same_quant(g, n, [*n.inputs, n.outputs[0]])
    return Lowered(kernel=n.kernel, inputs=list(n.inputs), outputs=[n.outputs[0]])
