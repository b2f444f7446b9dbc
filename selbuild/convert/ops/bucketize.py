"""bucketize (the option's boundaries become a constant float32 input of the
kernel) and broadcast_args (run-time shapes; constant ones fold, see
`fold_value`)."""

from __future__ import annotations

import numpy as np

from selbuild.convert.ops._common import describe
from selbuild.convert.ops.q_common import const_tensor
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import UnsupportedError
from selbuild.ir import NUMPY_DTYPES, Graph, Node


def _boundaries(g: Graph, n: Node) -> np.ndarray:
    b = np.asarray(n.attrs.get("boundaries") or [], np.float32)
    if b.size == 0:
        raise UnsupportedError(f"{describe(g, n)}: bucketize without boundaries (every index 0) is not supported")
    if np.any(np.isnan(b)) or np.any(b[1:] < b[:-1]):
        raise UnsupportedError(f"{describe(g, n)}: bucketize boundaries must be sorted ascending (LiteRT fails Prepare)")
    return b


@shape("bucketize")
def bucketize_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    return [tuple(g.tensors[n.inputs[0]].shape)]


@lower("bucketize")
def bucketize_lower(g: Graph, n: Node) -> Lowered:
    if g.tensors[n.outputs[0]].dtype != "i32":
        raise UnsupportedError(f"{describe(g, n)}: bucketize gives int32 indices")
    b = const_tensor(g, f"{g.tensors[n.outputs[0]].name}/boundaries", _boundaries(g, n), "f32")
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0], b], outputs=[n.outputs[0]])


def _shapes(g: Graph, n: Node) -> tuple[list[int], list[int]] | None:
    """Both shape operands when they are constants, else None."""
    a, b = (g.tensors[i] for i in n.inputs[:2])
    if a.data is None or b.data is None:
        return None
    return [int(v) for v in np.asarray(a.data).reshape(-1)], [int(v) for v in np.asarray(b.data).reshape(-1)]


def _broadcast(g: Graph, n: Node, a: list[int], b: list[int]) -> list[int]:
    try:
        return list(np.broadcast_shapes(tuple(a), tuple(b)))
    except ValueError:
        raise UnsupportedError(f"{describe(g, n)}: shapes {a} and {b} do not broadcast (LiteRT fails the run)") from None


@shape("broadcast_args")
def broadcast_args_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    a, b = (g.tensors[i] for i in n.inputs[:2])
    if len(a.shape) != 1 or len(b.shape) != 1 or a.dtype != b.dtype:
        raise UnsupportedError(f"{describe(g, n)}: broadcast_args takes two 1-D shapes of one dtype")
    return [(max(a.shape[0], b.shape[0]),)]


@lower("broadcast_args")
def broadcast_args_lower(g: Graph, n: Node) -> Lowered:
    consts = _shapes(g, n)
    if consts is not None:
        _broadcast(g, n, *consts)         # only a graph output gets here with constants: check them
    return Lowered(kernel=n.kernel, inputs=list(n.inputs[:2]), outputs=[n.outputs[0]])


def fold_value(g: Graph, n: Node) -> np.ndarray | None:
    """broadcast_args of constant shapes, bucketize of a constant input."""
    dst = g.tensors[n.outputs[0]]
    if n.op == "broadcast_args" and dst.dtype in NUMPY_DTYPES:
        consts = _shapes(g, n)
        return None if consts is None else np.asarray(_broadcast(g, n, *consts), NUMPY_DTYPES[dst.dtype])
    if n.op == "bucketize" and dst.dtype == "i32":
        x = g.tensors[n.inputs[0]]
        if x.data is None:
            return None
        v = np.asarray(x.data).astype(np.float32)
        return np.searchsorted(_boundaries(g, n), v, side="right").astype(np.int32)
    return None
