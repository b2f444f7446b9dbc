"""sparse_to_dense and embedding_lookup_sparse.

sparse_to_dense: the output shape operand decides the output's shape, so it
must be a constant of the model (refused with a hint otherwise); indices,
values and default_value may be computed at run time. LiteRT's rules are
kept: indices a scalar or vector (a rank-1 output) or an [n, rank] matrix,
values a scalar or one per index, an output of rank <= 4, validate_indices
without effect (a repeated index keeps the last write); constant indices
outside the output are refused here, run-time ones fail the run as they
fail LiteRT's invoke. int8 values are copied raw, as LiteRT does.
"""

from __future__ import annotations

import numpy as np

from selbuild.convert.ops._common import describe
from selbuild.convert.ops._views import check_ranks
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node

LITERT_MAX_RANK = 4


def _output_shape(g: Graph, n: Node) -> list[int]:
    t = g.tensors[n.inputs[1]]
    if t.data is None:
        raise UnsupportedError(
            f"{describe(g, n)}: output_shape '{t.name}' is computed at run time; selbuild plans every shape at "
            f"conversion", hint="make the output shape a constant of the model (export it with a fixed shape)")
    out = [int(v) for v in np.asarray(t.data).reshape(-1)]
    if not out or len(out) > LITERT_MAX_RANK or min(out) < 1:
        raise UnsupportedError(f"{describe(g, n)}: output shape {out}: LiteRT takes ranks 1..{LITERT_MAX_RANK} "
                               f"and the runtime no zero-size tensors")
    return out


@shape("sparse_to_dense")
def sparse_to_dense_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    return [tuple(_output_shape(g, n))]


@lower("sparse_to_dense")
def sparse_to_dense_lower(g: Graph, n: Node) -> Lowered:
    check_ranks(g, n)
    out = _output_shape(g, n)
    it, vt, dt = (g.tensors[i] for i in (n.inputs[0], n.inputs[2], n.inputs[3]))
    if it.dtype not in ("i32", "i64") or len(it.shape) > 2:
        raise UnsupportedError(f"{describe(g, n)}: {it.dtype} indices of rank {len(it.shape)}; "
                               f"LiteRT and the kernel take int32/int64 of rank 0..2")
    count = it.shape[0] if it.shape else 1
    tuple_len = it.shape[1] if len(it.shape) == 2 else 1
    if tuple_len != len(out):
        raise UnsupportedError(f"{describe(g, n)}: index tuples of {tuple_len} for an output of rank {len(out)}")
    if vt.shape and vt.numel != count:
        raise UnsupportedError(f"{describe(g, n)}: {vt.numel} values for {count} indices (LiteRT fails too)")
    if dt.numel != 1:
        raise UnsupportedError(f"{describe(g, n)}: default_value has {dt.numel} elements, not one")
    if it.data is not None:
        idx = np.asarray(it.data).reshape(count, tuple_len)
        bad = ((idx < 0) | (idx >= np.asarray(out))).any(axis=1)
        if bad.any():
            raise UnsupportedError(f"{describe(g, n)}: index {idx[bad][0].tolist()} outside the output {out} "
                                   f"(LiteRT fails on it too)")
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0], n.inputs[2], n.inputs[3]], outputs=[n.outputs[0]])


# --------------------------------------------------------------------------- embedding_lookup_sparse
# ids [n], indices [n, k], dense_shape [k] (constant: it is the output shape),
# weights [n], params [rows, e...] -> [dense_shape[:k-1], e...]

COMBINERS = {"sum": 0, "mean": 1, "sqrtn": 2}


def _lookup_dims(g: Graph, n: Node) -> list[int]:
    t = g.tensors[n.inputs[2]]
    if t.data is None:
        raise UnsupportedError(
            f"{describe(g, n)}: dense_shape '{t.name}' is computed at run time; it decides the output shape and "
            f"selbuild plans every shape at conversion",
            hint="make dense_shape a constant of the model (the sparse tensor's shape fixed at export)")
    dense = [int(v) for v in np.asarray(t.data).reshape(-1)]
    ids, ind, w = (list(g.tensors[i].shape) for i in n.inputs[:2] + n.inputs[3:4])
    if len(ids) != 1 or len(ind) != 2 or ind[0] != ids[0] or w != ids or ind[1] != len(dense) or not dense:
        raise UnsupportedError(f"{describe(g, n)}: ids {ids}, indices {ind}, weights {w} and dense_shape {dense} "
                               f"do not describe one sparse tensor (LiteRT fails too)")
    if min(dense[:-1], default=1) < 1:
        raise UnsupportedError(f"{describe(g, n)}: dense_shape {dense}; the runtime has no zero-size tensors")
    return dense[:-1]


@shape("embedding_lookup_sparse")
def embedding_lookup_sparse_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    return [(*_lookup_dims(g, n), *g.tensors[n.inputs[4]].shape[1:])]


@lower("embedding_lookup_sparse")
def embedding_lookup_sparse_lower(g: Graph, n: Node) -> Lowered:
    check_ranks(g, n)
    _lookup_dims(g, n)
    kinds = [g.tensors[i].dtype for i in n.inputs[:5]]
    if kinds[:2] != ["i32", "i32"] or kinds[3:] != ["f32", "f32"]:
        raise UnsupportedError(f"{describe(g, n)}: dtypes {kinds}; LiteRT and the kernel take int32 ids and "
                               f"indices, float32 weights and params")
    params = g.tensors[n.inputs[4]]
    ids = g.tensors[n.inputs[0]]
    if ids.data is not None and params.shape:
        bad = [int(v) for v in np.asarray(ids.data).reshape(-1) if not 0 <= v < params.shape[0]]
        if bad:
            raise UnsupportedError(f"{describe(g, n)}: id {bad[0]} outside params' {params.shape[0]} rows "
                                   f"(LiteRT fails on it too)")
    comb = n.attrs.get("combiner", "sum")
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0], n.inputs[1], n.inputs[3], n.inputs[4]],
                   outputs=[n.outputs[0]], iparams={"combiner": COMBINERS.get(comb, comb)})
