"""Core ATen lowerings that change or keep an element type: `_to_copy` (also
`to.dtype` and ExecuTorch's `_to_dim_order_copy`, which decompose or map to
it) onto the cast.<source dtype> kernels, and cumsum onto cumsum.<dtype>.

Torch semantics kept: float -> integer truncates toward zero, bool -> number
is 0/1, integer narrowing wraps (int64 -> int32 keeps the low 32 bits), and
cumsum of an integer tensor accumulates in int64 unless `dtype=` says
otherwise (the input is cast first, as torch does). See torch_handlers.py.
"""

from __future__ import annotations

from typing import Any

from selbuild.frontends.torch_handlers import _shape
from selbuild.frontends.torch_lower import TO_NHWC, Lowerer, Unsupported, Val
from selbuild.frontends.torch_registry import handles

# what the cast kernels read (cast.<src>) and write
_CAST_FROM = ("f32", "i32", "i64", "bool")
_CAST_TO = ("f32", "i32", "i64", "bool")
_CUMSUM = ("f32", "i32", "i64")


def _result_dtype(n: Any) -> str:
    import torch
    from selbuild.frontends.torchscript import _dtype_name
    val = n.meta.get("val")
    dt = _dtype_name(torch, val.dtype) if isinstance(val, torch.Tensor) else None
    if dt is None:
        raise Unsupported(f"result of dtype {getattr(val, 'dtype', None)}")
    return dt


def _src_dtype(low: Lowerer, x: Val) -> str:
    return low.g.tensors[x.tid].dtype


def cast(low: Lowerer, n: Any, x: Val, dst: str, name: str) -> Val:
    """`x` converted to `dst` (same layout); `x` itself when it already is."""
    src = _src_dtype(low, x)
    if src == dst:
        return x
    if src not in _CAST_FROM or dst not in _CAST_TO:
        raise Unsupported(f"conversion from {src} to {dst} (the cast kernels convert "
                          f"{', '.join(_CAST_FROM)} to {', '.join(_CAST_TO)})")
    tin = x.tid
    if x.nhwc and dst != "f32":       # integer and bool values stay in the torch layout
        tin, x = low.plain(x, f"{name}_x"), Val(x.shape, tid=-1, nhwc=False)
    out = low.new(name, x.shape, x.nhwc, dst)
    low.node("cast", [tin], [out.tid], in_data_type=src, out_data_type=dst).dtype = src
    return out


@handles("aten._to_copy.default")
def _to_copy(low, n, x, dtype=None, **kw):
    if dtype is None:
        return x
    return cast(low, n, x, _result_dtype(n), n.name)


@handles("aten.cumsum.default")
def _cumsum(low, n, x, dim, dtype=None):
    dst = _result_dtype(n)
    if dst not in _CUMSUM:
        raise Unsupported(f"cumsum into {dst} (cumsum kernels: {', '.join(_CUMSUM)})")
    rank = len(x.shape)
    if not rank:
        raise Unsupported("cumsum of a scalar")
    d = int(dim) % rank
    y = cast(low, n, x, dst, f"{n.name}_in")
    if y.nhwc and rank == 4:
        d = TO_NHWC.index(d)          # the same torch dim, where NHWC keeps it
    out = low.new(n.name, _shape(n), y.nhwc, dst)
    low.node("cumsum", [y.tid, low.ints([d], f"{n.name}_axis")], [out.tid],
             exclusive=False, reverse=False).dtype = dst
    return out
