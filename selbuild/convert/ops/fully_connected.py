"""fully_connected and batch_matmul (float kernels).

Both run on the shared GEMM, whose vector direction is the output column, so
constant right-hand sides are re-laid here once: fully_connected weights from
TFLite's [N, K] into GEMM panels [ceil(N/8), K, 8] (see conv.gemm_panels),
and a constant batch_matmul `b` with adj_y is transposed so that the kernel
takes its GEMM path.
"""

from __future__ import annotations

import math

import numpy as np

from selbuild.convert.ops._common import activation_fparams, broadcast_shape, describe
from selbuild.convert.ops.conv import gemm_panels
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import SelbuildError, UnsupportedError
from selbuild.ir import Graph, Node, Tensor


def _opt(n: Node, i: int) -> int:
    return n.inputs[i] if len(n.inputs) > i else -1


# --------------------------------------------------------------------------- fully_connected

@shape("fully_connected")
def fully_connected_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    x, w = g.tensors[n.inputs[0]], g.tensors[n.inputs[1]]
    units, k = w.shape[0], w.shape[-1]
    if n.attrs.get("keep_num_dims", False):
        return [tuple(x.shape[:-1]) + (units,)]
    # TFLite flattens everything but the last weight dim into rows.
    return [(math.prod(x.shape) // k, units)]


@lower("fully_connected")
def fully_connected_lower(g: Graph, n: Node) -> Lowered:
    x, w = g.tensors[n.inputs[0]], g.tensors[n.inputs[1]]
    if n.attrs.get("weights_format", "default") != "default":
        raise UnsupportedError(f"{describe(g, n)}: weights_format '{n.attrs['weights_format']}' is not supported")
    if not w.is_const or len(w.shape) != 2:
        raise UnsupportedError(f"{describe(g, n)}: the weights must be a constant 2-D tensor")
    if x.numel % w.shape[1]:
        raise UnsupportedError(f"{describe(g, n)}: input {list(x.shape)} does not flatten into rows of {w.shape[1]}")
    data = gemm_panels(np.asarray(w.data, dtype=np.float32).T)
    wt = g.add_tensor(Tensor(name=f"{w.name}/panels", shape=tuple(data.shape), dtype="f32", data=data))
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0], wt, _opt(n, 2)], outputs=[n.outputs[0]],
                   fparams=activation_fparams(g, n))


# --------------------------------------------------------------------------- batch_matmul

_MAX_BATCH_DIMS = 4


def _mkn(a: tuple[int, ...], b: tuple[int, ...], adj_x: bool, adj_y: bool) -> tuple[int, int, int, int]:
    m, k = (a[-1], a[-2]) if adj_x else (a[-2], a[-1])
    kb, nn = (b[-1], b[-2]) if adj_y else (b[-2], b[-1])
    return m, k, kb, nn


@shape("batch_matmul")
def batch_matmul_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    a, b = (tuple(g.tensors[i].shape) for i in n.inputs[:2])
    if len(a) < 2 or len(b) < 2:
        raise SelbuildError(f"{describe(g, n)}: operands must have rank >= 2, got {list(a)} and {list(b)}")
    m, k, kb, nn = _mkn(a, b, n.attrs.get("adj_x", False), n.attrs.get("adj_y", False))
    if k != kb:
        raise SelbuildError(f"{describe(g, n)}: inner dimensions differ ({k} vs {kb})")
    try:
        batch = broadcast_shape(a[:-2], b[:-2])
    except ValueError as e:
        raise SelbuildError(f"{describe(g, n)}: {e}") from None
    return [tuple(batch) + (m, nn)]


def _batch_strides(shape_: tuple[int, ...], batch: tuple[int, ...]) -> list[int]:
    """Element stride of each output batch dim in an operand (0 where it broadcasts)."""
    own = list(shape_[:-2])
    full = [1] * (len(batch) - len(own)) + own
    step = shape_[-2] * shape_[-1]
    strides = [0] * len(batch)
    for d in range(len(batch) - 1, -1, -1):
        strides[d] = step if full[d] != 1 else 0
        step *= full[d]
    return strides


@lower("batch_matmul")
def batch_matmul_lower(g: Graph, n: Node) -> Lowered:
    a_idx, b_idx = n.inputs[0], n.inputs[1]
    adj_x, adj_y = bool(n.attrs.get("adj_x", False)), bool(n.attrs.get("adj_y", False))
    bt = g.tensors[b_idx]
    if adj_y and bt.is_const and bt.dtype == "f32":
        # Pre-transpose a constant b: the f32 kernel's GEMM path wants [.., K, N].
        data = np.ascontiguousarray(np.swapaxes(np.asarray(bt.data, dtype=np.float32), -1, -2))
        b_idx = g.add_tensor(Tensor(name=f"{bt.name}/kn", shape=tuple(data.shape), dtype="f32", data=data))
        adj_y = False
    a, b = tuple(g.tensors[a_idx].shape), tuple(g.tensors[b_idx].shape)
    batch = tuple(g.tensors[n.outputs[0]].shape[:-2])
    sa, sb = _batch_strides(a, batch), _batch_strides(b, batch)
    # Drop batch dims of size 1 (they contribute nothing) so that up to 4 real ones fit.
    dims = [(d, x, y) for d, x, y in zip(batch, sa, sb) if d != 1]
    if len(dims) > _MAX_BATCH_DIMS:
        raise UnsupportedError(f"{describe(g, n)}: {len(dims)} batch dims; the kernel takes up to {_MAX_BATCH_DIMS}")
    dims = [(1, 0, 0)] * (_MAX_BATCH_DIMS - len(dims)) + dims
    ip = {"adj_x": int(adj_x), "adj_y": int(adj_y)}
    for i, (d, x, y) in enumerate(dims):
        ip[f"batch{i}"], ip[f"a_stride{i}"], ip[f"b_stride{i}"] = d, x, y
    return Lowered(kernel=n.kernel, inputs=[a_idx, b_idx], outputs=[n.outputs[0]], iparams=ip)
