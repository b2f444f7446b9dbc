"""Shape and data-movement ops: mirror_pad, tile, broadcast_to, fill,
reverse_v2, gather_nd, one_hot, embedding_lookup, scatter_nd, and the
int32/bool concatenation.

Shapes are static in a selbuild program, so every operand that only decides
the output shape (tile multiples, broadcast_to shape, fill dims) is read at
conversion time and dropped; kernels find what they need in the tensors'
dims. Ops whose result depends on shapes alone (shape, rank, zeros_like) or
on constants (range, fill of a constant) fold into constants (`fold_value`,
called by passes.fold_constants), so they need no kernel.
"""

from __future__ import annotations

import numpy as np

from selbuild.convert.ops._common import MAX_RANK, broadcast_shape, contiguous_strides, describe
from selbuild.convert.ops._views import check_ranks, check_same_quant, const_ints, norm_axis, prod, strided_iparams
from selbuild.convert.ops.concat import concatenation_lower
from selbuild.convert.ops.pad import _paddings
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import SelbuildError, UnsupportedError
from selbuild.ir import NUMPY_DTYPES, Graph, Node


def _only_input(g: Graph, n: Node) -> Lowered:
    check_ranks(g, n)
    check_same_quant(g, n, [n.inputs[0], n.outputs[0]])
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0]], outputs=[n.outputs[0]])


# --------------------------------------------------------------------------- mirror_pad

@shape("mirror_pad")
def mirror_pad_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    x = g.tensors[n.inputs[0]]
    return [tuple(d + a + b for d, (a, b) in zip(x.shape, _paddings(g, n)))]


@lower("mirror_pad")
def mirror_pad_lower(g: Graph, n: Node) -> Lowered:
    check_ranks(g, n)
    pads = _paddings(g, n)
    sym = 1 if n.attrs.get("mode", "reflect") == "symmetric" else 0
    dims = g.tensors[n.inputs[0]].shape
    for d, (a, b) in zip(dims, pads):
        # TensorFlow's limits: a reflection never passes the far edge.
        if max(a, b) > d - 1 + sym:
            raise UnsupportedError(f"{describe(g, n)}: padding {(a, b)} of a dim of size {d} exceeds "
                                   f"{d - 1 + sym}, the most {n.attrs.get('mode', 'reflect')} padding allows")
    ip = {f"before{i}": (pads[i][0] if i < len(pads) else 0) for i in range(MAX_RANK)}
    ip["mode"] = sym
    check_same_quant(g, n, [n.inputs[0], n.outputs[0]])
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0]], outputs=[n.outputs[0]], iparams=ip)


# --------------------------------------------------------------------------- tile, broadcast_to, fill

@shape("tile")
def tile_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    src = g.tensors[n.inputs[0]].shape
    mult = const_ints(g, n, 1, "multiples")
    if len(mult) != len(src) or min(mult, default=1) < 0:
        raise SelbuildError(f"{describe(g, n)}: multiples {mult} do not fit an input of shape {list(src)}")
    return [tuple(d * m for d, m in zip(src, mult))]


@shape("broadcast_to")
def broadcast_to_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    src = list(g.tensors[n.inputs[0]].shape)
    want = const_ints(g, n, 1, "shape")
    try:
        out = broadcast_shape(src, want)
    except ValueError as e:
        raise SelbuildError(f"{describe(g, n)}: {e}") from None
    if list(out) != want:
        raise SelbuildError(f"{describe(g, n)}: an input of shape {src} does not broadcast to {want}")
    return [tuple(want)]


@lower("tile", "broadcast_to")
def repeat_lower(g: Graph, n: Node) -> Lowered:
    if g.tensors[n.outputs[0]].numel == 0:
        raise UnsupportedError(f"{describe(g, n)}: empty output; the runtime has no zero-size tensors")
    return _only_input(g, n)


@shape("fill")
def fill_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    return [tuple(const_ints(g, n, 0, "dims"))]


@lower("fill")
def fill_lower(g: Graph, n: Node) -> Lowered:
    check_ranks(g, n)
    if g.tensors[n.inputs[1]].numel != 1:
        raise UnsupportedError(f"{describe(g, n)}: the value operand must have one element")
    return Lowered(kernel=n.kernel, inputs=[n.inputs[1]], outputs=[n.outputs[0]])


# --------------------------------------------------------------------------- reverse_v2

@shape("reverse_v2")
def reverse_v2_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    return [tuple(g.tensors[n.inputs[0]].shape)]


@lower("reverse_v2")
def reverse_v2_lower(g: Graph, n: Node) -> Lowered:
    # Reversing dim k = walking it from its last element with stride -stride_k.
    src = g.tensors[n.inputs[0]].shape
    axes = {norm_axis(g, n, a, len(src)) for a in const_ints(g, n, 1, "axis")}
    strides = contiguous_strides(src)
    offset = sum((src[k] - 1) * strides[k] for k in axes)
    view = [-s if k in axes else s for k, s in enumerate(strides)]
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0]], outputs=[n.outputs[0]],
                   iparams=strided_iparams(g, n, list(src), view, offset))


# --------------------------------------------------------------------------- gather_nd

@shape("gather_nd")
def gather_nd_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    params, indices = (list(g.tensors[i].shape) for i in n.inputs[:2])
    if not indices or indices[-1] > len(params):
        raise SelbuildError(f"{describe(g, n)}: indices of shape {indices} do not index params {params}")
    return [tuple(indices[:-1] + params[indices[-1]:])]


@lower("gather_nd")
def gather_nd_lower(g: Graph, n: Node) -> Lowered:
    check_ranks(g, n)
    check_same_quant(g, n, [n.inputs[0], n.outputs[0]])
    params, it = g.tensors[n.inputs[0]], g.tensors[n.inputs[1]]
    if it.dtype not in ("i32", "i64"):
        raise UnsupportedError(f"{describe(g, n)}: {it.dtype} indices; the kernel takes i32 or i64")
    if it.data is not None:
        # Constant indices: fail at conversion, not on the device.
        k = it.shape[-1]
        idx = np.asarray(it.data).reshape(-1, k)
        bad = (idx < 0) | (idx >= np.asarray(params.shape[:k]))
        if bad.any():
            raise UnsupportedError(f"{describe(g, n)}: index {idx[bad.any(axis=1)][0].tolist()} out of range "
                                   f"for params {list(params.shape)}")
    return Lowered(kernel=n.kernel, inputs=list(n.inputs[:2]), outputs=[n.outputs[0]])


# --------------------------------------------------------------------------- one_hot, embedding_lookup, scatter_nd

def _one_hot_axis(g: Graph, n: Node) -> tuple[list[int], int, int]:
    ind = list(g.tensors[n.inputs[0]].shape)
    (depth,) = const_ints(g, n, 1, "depth")
    axis = int(n.attrs.get("axis", 0))
    axis = len(ind) if axis == -1 else norm_axis(g, n, axis, len(ind) + 1)
    return ind, depth, axis


@shape("one_hot")
def one_hot_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    ind, depth, axis = _one_hot_axis(g, n)
    return [tuple(ind[:axis] + [depth] + ind[axis:])]


@lower("one_hot")
def one_hot_lower(g: Graph, n: Node) -> Lowered:
    check_ranks(g, n)
    ind, depth, axis = _one_hot_axis(g, n)
    if depth < 1:
        raise UnsupportedError(f"{describe(g, n)}: depth {depth}; the runtime has no zero-size tensors")
    if g.tensors[n.inputs[0]].dtype not in ("i32", "i64"):
        raise UnsupportedError(f"{describe(g, n)}: {g.tensors[n.inputs[0]].dtype} indices; the kernel takes i32 or i64")
    for i in n.inputs[2:4]:
        if g.tensors[i].numel != 1:
            raise UnsupportedError(f"{describe(g, n)}: on/off values must have one element")
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0], n.inputs[2], n.inputs[3]], outputs=[n.outputs[0]],
                   iparams={"depth": depth, "inner": prod(ind[axis:])})


def _check_const_index(g: Graph, n: Node, it_pos: int, dims: list[int], k: int) -> None:
    """Constant indices are checked at conversion: a bad model fails here, not on the device."""
    it = g.tensors[n.inputs[it_pos]]
    if it.dtype not in ("i32", "i64"):
        raise UnsupportedError(f"{describe(g, n)}: {it.dtype} indices; the kernel takes i32 or i64")
    if it.data is not None:
        idx = np.asarray(it.data).reshape(-1, k)
        bad = ((idx < 0) | (idx >= np.asarray(dims[:k]))).any(axis=1)
        if bad.any():
            raise UnsupportedError(f"{describe(g, n)}: index {idx[bad][0].tolist()} out of range for {dims}")


@shape("embedding_lookup")
def embedding_lookup_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    ids, params = (list(g.tensors[i].shape) for i in n.inputs[:2])
    if len(ids) != 1 or len(params) < 2:      # LiteRT's rule too
        raise SelbuildError(f"{describe(g, n)}: ids {ids} must be 1-D and params {params} at least 2-D")
    return [tuple(ids + params[1:])]


@lower("embedding_lookup")
def embedding_lookup_lower(g: Graph, n: Node) -> Lowered:
    check_ranks(g, n)
    if g.tensors[n.inputs[0]].dtype != "i32":
        raise UnsupportedError(f"{describe(g, n)}: the ids must be int32")
    _check_const_index(g, n, 0, list(g.tensors[n.inputs[1]].shape), 1)
    return Lowered(kernel=n.kernel, inputs=list(n.inputs[:2]), outputs=[n.outputs[0]])


@shape("scatter_nd")
def scatter_nd_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    ind, upd = (list(g.tensors[i].shape) for i in n.inputs[:2])
    out = const_ints(g, n, 2, "shape")
    if not ind or ind[-1] > len(out) or upd != ind[:-1] + out[ind[-1]:]:
        raise SelbuildError(f"{describe(g, n)}: indices {ind} and updates {upd} do not scatter into {out}")
    return [tuple(out)]


@lower("scatter_nd")
def scatter_nd_lower(g: Graph, n: Node) -> Lowered:
    check_ranks(g, n)
    ind = g.tensors[n.inputs[0]].shape
    if g.tensors[n.inputs[0]].dtype != "i32":
        raise UnsupportedError(f"{describe(g, n)}: the indices must be int32 (as LiteRT requires)")
    _check_const_index(g, n, 0, list(g.tensors[n.outputs[0]].shape), ind[-1])
    return Lowered(kernel=n.kernel, inputs=list(n.inputs[:2]), outputs=[n.outputs[0]])


# --------------------------------------------------------------------------- int32/int64/bool concatenation

@lower("concatenation", dtype="i32")
@lower("concatenation", dtype="i64")
@lower("concatenation", dtype="bool")
def concatenation_int_lower(g: Graph, n: Node) -> Lowered:
    # The integer movers have no clamp: a fused activation cannot be honoured.
    if (n.attrs.get("activation") or "none") != "none":
        raise UnsupportedError(f"{describe(g, n)}: fused activation on {n.dtype} concatenation")
    low = concatenation_lower(g, n)
    low.fparams = {}
    return low


# --------------------------------------------------------------------------- folding

def _const(g: Graph, n: Node, pos: int) -> np.ndarray | None:
    if pos >= len(n.inputs) or n.inputs[pos] < 0:
        return None
    t = g.tensors[n.inputs[pos]]
    return None if t.data is None else np.asarray(t.data)


def fold_value(g: Graph, n: Node) -> np.ndarray | None:
    """The value of a node computable at conversion time, or None.

    shape, rank and zeros_like depend only on the (static) input shape; range,
    fill, tile, broadcast_to, broadcast_args and bucketize fold when their data
    operands are constants.
    """
    dst = g.tensors[n.outputs[0]]
    if dst.dtype not in NUMPY_DTYPES:
        return None
    dt = NUMPY_DTYPES[dst.dtype]
    x = g.tensors[n.inputs[0]] if n.inputs and n.inputs[0] >= 0 else None
    if n.op == "shape" and x is not None:
        return np.asarray(x.shape, dt)
    if n.op == "rank" and x is not None:
        return np.asarray(len(x.shape), dt)
    if n.op == "zeros_like" and x is not None:
        return np.zeros(x.shape, dt)
    if n.op == "range":
        vals = [_const(g, n, i) for i in range(3)]
        if any(v is None or v.size != 1 for v in vals):
            return None
        start, limit, delta = (v.reshape(()).item() for v in vals)
        return None if delta == 0 else np.arange(start, limit, delta).astype(dt)
    if n.op == "fill":
        v = _const(g, n, 1)
        return None if v is None or v.size != 1 else np.full(dst.shape, v.reshape(()), dt)
    if n.op in ("tile", "broadcast_to") and x is not None and x.data is not None:
        src = np.asarray(x.data)
        if n.op == "tile":
            return np.tile(src, const_ints(g, n, 1, "multiples")).astype(dt)
        return np.broadcast_to(src, dst.shape).astype(dt)
    if n.op in ("broadcast_args", "bucketize"):
        from selbuild.convert.ops import bucketize
        return bucketize.fold_value(g, n)
    return None


__all__ = ["fold_value", "prod"]
