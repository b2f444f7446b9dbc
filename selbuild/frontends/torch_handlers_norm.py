"""Core ATen lowerings, part 5: what classification and transformer models
decompose into beyond the basics: any/all reductions (attention masks),
adaptive pooling to whole windows, group norm, index_select / index with a
constant index. See torch_handlers.py for the conventions."""

from __future__ import annotations

from typing import Any

import numpy as np

from selbuild import ir
from selbuild.frontends.torch_handlers import _pool, _shape
from selbuild.frontends.torch_handlers_shape import _mean
from selbuild.frontends.torch_lower import Lowerer, Unsupported, Val
from selbuild.frontends.torch_registry import handles


def _bool_reduce(low: Lowerer, n: Any, x: Val, dims: Any, keep: bool, op: str) -> Val:
    if isinstance(dims, int):
        dims = [dims]
    out = _mean(low, n, x, list(range(len(x.shape))) if not dims else list(dims), keep, op=op)
    low.g.tensors[out.tid].dtype = "bool"
    low.g.nodes[-1].dtype = "bool"
    return out


@handles("aten.any.dim", "aten.any.dims", "aten.any.default")
def _any(low, n, x, dims=None, keepdim=False):
    return _bool_reduce(low, n, x, dims, keepdim, "reduce_any")


@handles("aten.all.dim", "aten.all.dims", "aten.all.default")
def _all(low, n, x, dims=None, keepdim=False):
    return _bool_reduce(low, n, x, dims, keepdim, "reduce_all")


def _whole_windows(x: Val, size: Any) -> list[int]:
    """Adaptive pooling is a plain pooling when each output cell sees in/out input cells."""
    size = [x.shape[2 + i] if s is None else int(s) for i, s in enumerate(size)]
    if len(x.shape) != 4 or any(x.shape[2 + i] % s for i, s in enumerate(size)):
        raise Unsupported(f"adaptive pooling of {list(x.shape[2:])} to {size} (sizes must divide)")
    return [x.shape[2 + i] // s for i, s in enumerate(size)]


@handles("aten._adaptive_avg_pool2d.default", "aten.adaptive_avg_pool2d.default")
def _adaptive_avg(low, n, x, size):
    if list(size) == [1, 1]:
        return _mean(low, n, x, [2, 3], True)
    k = _whole_windows(x, size)
    return _pool(low, n, "average_pool2d", x, k, k, 0, False)


@handles("aten.adaptive_max_pool2d.default")
def _adaptive_max(low, n, x, size):
    k = _whole_windows(x, size)
    return [_pool(low, n, "max_pool2d", x, k, k, 0, False), None]


@handles("aten.native_group_norm.default")
def _group_norm(low, n, x, w, b, batch, channels, hw, groups, eps):
    """(x - mean) * rsqrt(var + eps) per group of channels, then the per-channel affine."""
    shape = x.shape
    grouped = (int(batch), int(groups), int(channels) // int(groups) * int(hw))

    def t(name: str, shp: tuple[int, ...]) -> int:
        return low.g.add_tensor(ir.Tensor(f"{n.name}_{name}", shp, "f32"))

    def const(arr: Any, name: str) -> int:
        return low.const_tensor(np.asarray(arr, np.float32), f"{n.name}_{name}")

    xg = t("grouped", grouped)
    low.node("reshape", [low.plain(x, f"{n.name}_x"), low.ints(list(grouped), f"{n.name}_gshape")], [xg],
             new_shape=list(grouped))
    stat = grouped[:2] + (1,)
    mean, centred, sq, var, std, normed = (t("mean", stat), t("centred", grouped), t("sq", grouped),
                                           t("var", stat), t("rstd", stat), t("normed", grouped))
    axes = low.ints([2], f"{n.name}_axes")
    low.node("mean", [xg, axes], [mean], keep_dims=True)
    low.node("sub", [xg, mean], [centred], activation="none")
    low.node("mul", [centred, centred], [sq], activation="none")
    low.node("mean", [sq, axes], [var], keep_dims=True)
    veps = t("var_eps", stat)
    low.node("add", [var, const(eps, "eps")], [veps], activation="none")
    low.node("rsqrt", [veps], [std])
    low.node("mul", [centred, std], [normed], activation="none")
    y = t("y", shape)
    low.node("reshape", [normed, low.ints(list(shape), f"{n.name}_shape")], [y], new_shape=list(shape))
    cshape = (1, int(channels)) + (1,) * (len(shape) - 2)
    if isinstance(w, Val) and w.const is not None:
        yw = t("scaled", shape)
        low.node("mul", [y, const(w.const.reshape(cshape), "gamma")], [yw], activation="none")
        y = yw
    if isinstance(b, Val) and b.const is not None:
        yb = t("shifted", shape)
        low.node("add", [y, const(b.const.reshape(cshape), "beta")], [yb], activation="none")
        y = yb
    return [Val(tuple(shape), tid=y), None, None]


def _gather(low: Lowerer, n: Any, x: Val, dim: int, index: Any) -> Val:
    if not isinstance(index, Val) or index.const is None or index.const.ndim != 1:
        raise Unsupported("indexing with a run-time or multi-dimensional index")
    dim %= len(x.shape)
    idx = index.const.astype(np.int64)
    if idx.size and (idx.min() < -x.shape[dim] or idx.max() >= x.shape[dim]):
        raise Unsupported(f"index out of range for dimension {dim} of size {x.shape[dim]}")
    idx = np.where(idx < 0, idx + x.shape[dim], idx).astype(np.int32)
    src = x if x.const is None else Val(x.shape, tid=low.const_tensor(x.const.astype(np.float32), f"{n.name}_x"))
    out = low.new(n.name, _shape(n), False)
    low.node("gather", [low.plain(src, f"{n.name}_x"), low.const_tensor(idx, f"{n.name}_index")], [out.tid],
             axis=dim, batch_dims=0)
    return out


@handles("aten.index_select.default")
def _index_select(low, n, x, dim, index):
    return _gather(low, n, x, dim, index)


@handles("aten.index.Tensor")
def _index(low, n, x, indices):
    given = [(d, i) for d, i in enumerate(indices) if i is not None]
    if len(given) != 1:
        raise Unsupported("indexing with more than one index tensor")
    return _gather(low, n, x, *given[0])
