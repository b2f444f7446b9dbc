"""Core ATen lowerings, part 2: reductions, dense layers, normalization,
shape/layout ops (view, permute, cat, slicing), resize and prelu. See
torch_handlers.py."""

from __future__ import annotations

from typing import Any

import numpy as np

from selbuild.frontends.torch_handlers import _binary, _shape, _unary
from selbuild.frontends.torch_lower import TO_NHWC, Lowerer, Unsupported, Val, _same_bytes
from selbuild.frontends.torch_registry import handles


def _ir_axis(x: Val, d: int) -> int:
    d %= max(len(x.shape), 1)
    return TO_NHWC.index(d) if x.nhwc else d


# ------------------------------------------------------------------ reductions

def _mean(low: Lowerer, n: Any, x: Val, dims: list[int], keep: bool, name: str | None = None,
          op: str = "mean") -> Val:
    rank = len(x.shape)
    dims = sorted({d % rank for d in dims})
    out_shape = tuple(1 if i in dims else s for i, s in enumerate(x.shape)) if keep else \
        tuple(s for i, s in enumerate(x.shape) if i not in dims)
    nhwc = x.nhwc
    if nhwc and not keep:
        kept = [p for p in TO_NHWC if p not in dims]
        nhwc = False
        if kept != sorted(kept):            # the NHWC order of what stays is not torch's
            x = Val(x.shape, tid=low.plain(x, f"{n.name}_x"))
    tin = x.tid
    axes = [_ir_axis(x, d) for d in dims]
    out = low.new(name or n.name, out_shape, nhwc and keep)
    low.node(op, [tin, low.ints(axes, f"{out.tid}_axes")], [out.tid], keep_dims=bool(keep))
    return out


@handles("aten.mean.dim")
def _mean_dim(low, n, x, dims=None, keepdim=False, dtype=None):
    return _mean(low, n, x, list(range(len(x.shape))) if not dims else list(dims), keepdim)


@handles("aten.amax.default")
def _amax(low, n, x, dims=(), keepdim=False):
    return _mean(low, n, x, list(range(len(x.shape))) if not dims else list(dims), keepdim, op="reduce_max")


@handles("aten.amin.default")
def _amin(low, n, x, dims=(), keepdim=False):
    return _mean(low, n, x, list(range(len(x.shape))) if not dims else list(dims), keepdim, op="reduce_min")


@handles("aten.prod.dim_int")
def _prod(low, n, x, dim, keepdim=False, dtype=None):
    return _mean(low, n, x, [dim], keepdim, op="reduce_prod")


@handles("aten.sum.dim_IntList")
def _sum(low, n, x, dims=None, keepdim=False, dtype=None):
    return _mean(low, n, x, list(range(len(x.shape))) if not dims else list(dims), keepdim, op="sum")


@handles("aten._softmax.default", "aten._log_softmax.default", "aten.softmax.int", "aten.log_softmax.int")
def _softmax(low, n, x, dim, half_to_float=False):
    op = "log_softmax" if "log" in str(n.target) else "softmax"
    last = len(x.shape) - 1
    if _ir_axis(x, dim) != last:
        if x.nhwc and dim % len(x.shape) == last:
            x = Val(x.shape, tid=low.plain(x, f"{n.name}_x"))
        else:
            raise Unsupported(f"{op} over dim {dim} of a rank-{len(x.shape)} tensor (only the last)")
    return _unary(low, n, op, x, beta=1.0) if op == "softmax" else _unary(low, n, op, x)


# ------------------------------------------------------------------ dense

def _dense(low: Lowerer, n: Any, x: Val, w: np.ndarray, bias: np.ndarray | None) -> Val:
    """fully_connected: [rows, in] x [out, in]^T; inputs of rank > 2 are flattened
    to rows by the kernel (TFLite semantics) and reshaped back here."""
    out_f = w.shape[0]
    b = np.zeros(out_f, np.float32) if bias is None else np.broadcast_to(bias, (out_f,)).astype(np.float32)
    shape = _shape(n)
    flat = len(shape) != 2
    out = low.new(f"{n.name}_2d" if flat else n.name, (int(np.prod(shape[:-1])), out_f) if flat else shape, False)
    low.node("fully_connected", [low.plain(x, f"{n.name}_x"), low.const_tensor(w.astype(np.float32), f"{n.name}_w"),
                                 low.const_tensor(b, f"{n.name}_b")], [out.tid],
             activation="none", keep_num_dims=False, weights_format="default")
    if not flat:
        return out
    res = low.new(n.name, shape, False)
    low.node("reshape", [out.tid, low.ints(list(shape), f"{n.name}_shape")], [res.tid], new_shape=list(shape))
    return res


@handles("aten.linear.default")
def _linear(low, n, x, w, b=None):
    # kept out of the decompositions: they would turn a rank-3/4 linear into a
    # batched matmul against copies of the weights
    if w.const is None or (isinstance(b, Val) and b.const is None):
        raise Unsupported("linear with weights computed at run time")
    return _dense(low, n, x, w.const, b.const if isinstance(b, Val) else None)


@handles("aten.addmm.default")
def _addmm(low, n, bias, m1, m2, beta=1, alpha=1):
    if beta != 1 or alpha != 1:
        raise Unsupported("addmm with beta/alpha")
    if m2.const is not None and bias.const is not None and m1.const is None:
        return _dense(low, n, m1, m2.const.T, bias.const)
    mm = _matmul(low, n, m1, m2, f"{n.name}_mm")
    return _binary(low, n, "add", mm, bias)


@handles("aten.mm.default")
def _mm(low, n, a, b):
    if b.const is not None and a.const is None:
        return _dense(low, n, a, b.const.T, None)
    return _matmul(low, n, a, b)


def _matmul(low: Lowerer, n: Any, a: Val, b: Val, name: str | None = None) -> Val:
    out = low.new(name or n.name, _shape(n), False)
    low.node("batch_matmul", [low.plain(a, f"{n.name}_a"), low.plain(b, f"{n.name}_b")], [out.tid],
             adj_x=False, adj_y=False)
    return out


@handles("aten.bmm.default")
def _bmm(low, n, a, b):
    return _matmul(low, n, a, b)


@handles("aten.native_layer_norm.default")
def _layer_norm(low, n, x, normalized_shape, w, b, eps):
    # (x - mean) * rsqrt(var + eps) * w + b over the last len(normalized_shape) dims
    x = Val(x.shape, tid=low.plain(x, f"{n.name}_x"))
    dims = list(range(len(x.shape) - len(normalized_shape), len(x.shape)))
    mu = _mean(low, n, x, dims, True, f"{n.name}_mean")
    d = low.new(f"{n.name}_centered", x.shape, False)
    low.node("sub", [x.tid, mu.tid], [d.tid], activation="none")
    sq = low.new(f"{n.name}_sq", x.shape, False)
    low.node("squared_difference", [x.tid, mu.tid], [sq.tid], activation="none")
    var = _mean(low, n, sq, dims, True, f"{n.name}_var")
    ve = low.new(f"{n.name}_var_eps", var.shape, False)
    low.node("add", [var.tid, low.const_tensor(np.asarray(eps, np.float32), f"{n.name}_eps")], [ve.tid],
             activation="none")
    r = low.new(f"{n.name}_rstd", var.shape, False)
    low.node("rsqrt", [ve.tid], [r.tid])
    y = low.new(f"{n.name}_norm", x.shape, False)
    low.node("mul", [d.tid, r.tid], [y.tid], activation="none")
    for k, (op, p) in enumerate((("mul", w), ("add", b))):
        if isinstance(p, Val):
            z = low.new(f"{n.name}_{'scaled' if k == 0 else 'out'}", x.shape, False)
            low.node(op, [y.tid, low.layout(p, False, f"{n.name}_p{k}")], [z.tid], activation="none")
            y = z
    return [y, None, None]


# ------------------------------------------------------------------ shapes

@handles("aten.view.default", "aten._unsafe_view.default", "aten.reshape.default", "aten.squeeze.dims",
         "aten.squeeze.dim", "aten.squeeze.default", "aten.unsqueeze.default", "aten.flatten.using_ints",
         "aten.view_copy.default")
def _reshape(low, n, x, *rest):
    shape = _shape(n)
    if shape == x.shape and not x.nhwc:
        return x
    tin = x.tid if x.nhwc and _same_bytes(x.shape) else low.plain(x, f"{n.name}_x")
    out = low.new(n.name, shape, False)
    low.node("reshape", [tin, low.ints(list(shape), f"{n.name}_shape")], [out.tid], new_shape=list(shape))
    return out


@handles("aten.permute.default", "aten.permute_copy.default")
def _permute(low, n, x, dims):
    rank = len(x.shape)
    dims = [d % rank for d in dims]
    perm = [TO_NHWC.index(d) for d in dims] if x.nhwc else dims
    shape = _shape(n)
    if perm == list(range(rank)):                  # the IR tensor already is the result
        return Val(shape, tid=x.tid)
    if not x.nhwc and rank == 4 and dims == [0, 3, 1, 2]:
        # NHWC data read as NCHW (XNNPACK graphs, channels-last models): the
        # IR tensor is this value in the NHWC layout, so nothing moves
        return Val(shape, tid=x.tid, nhwc=True)
    out = low.new(n.name, shape, False)
    low.node("transpose", [x.tid, low.ints(perm, f"{n.name}_perm")], [out.tid])
    return out


@handles("aten.cat.default")
def _cat(low, n, tensors, dim=0):
    shape = _shape(n)
    vals = [t for t in tensors if not (isinstance(t, Val) and t.const is not None and t.const.size == 0)]
    nhwc = len(shape) == 4 and any(v.const is None and v.nhwc for v in vals)
    tids = [low.layout(v, nhwc, f"{n.name}_in{i}") for i, v in enumerate(vals)]
    axis = TO_NHWC.index(dim % len(shape)) if nhwc else dim % len(shape)
    out = low.new(n.name, shape, nhwc)
    low.node("concatenation", tids, [out.tid], axis=axis, activation="none")
    return out


def _slice(low: Lowerer, n: Any, x: Val, dim: int, start: int, stop: int, step: int, name: str,
           shape: tuple[int, ...]) -> Val:
    rank = len(x.shape)
    dim %= rank
    if not x.nhwc and rank == 4 and x.other >= 0:
        x = Val(x.shape, tid=x.other, nhwc=True, other=x.tid)     # slice the NHWC copy we already have
    ir_shape = [x.shape[p] for p in TO_NHWC] if x.nhwc else list(x.shape)
    ax = _ir_axis(x, dim)
    begin = [0] * rank
    begin[ax] = start
    out = low.new(name, shape, x.nhwc)
    if step == 1:
        size = list(ir_shape)
        size[ax] = stop - start
        low.node("slice", [x.tid, low.ints(begin, f"{name}_begin"), low.ints(size, f"{name}_size")], [out.tid])
    else:
        end = list(ir_shape)
        end[ax] = stop
        strides = [1] * rank
        strides[ax] = step
        low.node("strided_slice", [x.tid, low.ints(begin, f"{name}_begin"), low.ints(end, f"{name}_end"),
                                   low.ints(strides, f"{name}_strides")], [out.tid],
                 begin_mask=0, end_mask=0, ellipsis_mask=0, new_axis_mask=0, shrink_axis_mask=0, offset=False)
    return out


@handles("aten.slice.Tensor", "aten.slice_copy.Tensor")
def _slice_t(low, n, x, dim=0, start=None, end=None, step=1):
    size = x.shape[dim]
    start, end, _ = slice(start, end, step).indices(size)
    if (start, end, step) == (0, size, 1):
        return x
    return _slice(low, n, x, dim, start, max(end, start), step, n.name, _shape(n))


@handles("aten.select.int", "aten.select_copy.int")
def _select(low, n, x, dim, index):
    dim %= len(x.shape)
    index %= x.shape[dim]
    kept = tuple(1 if i == dim else s for i, s in enumerate(x.shape))
    part = _slice(low, n, x, dim, index, index + 1, 1, f"{n.name}_slice", kept)
    return _reshape(low, n, part)


@handles("aten.split_with_sizes.default", "aten.split_with_sizes_copy.default")
def _split(low, n, x, sizes, dim=0):
    outs, start = [], 0
    for i, s in enumerate(sizes):
        shape = tuple(s if k == dim % len(x.shape) else d for k, d in enumerate(x.shape))
        outs.append(_slice(low, n, x, dim, start, start + s, 1, f"{n.name}_{i}", shape))
        start += s
    return outs


def pad_rows(x, pad, refusal: str) -> list[list[int]]:
    """TFLite's [rank, 2] paddings (in x's layout) from torch's flat pad list,
    which lists the last dim first; negative padding is refused with `refusal`."""
    rank = len(x.shape)
    rows = [[0, 0] for _ in range(rank)]
    for i in range(len(pad) // 2):
        rows[rank - 1 - i] = [int(pad[2 * i]), int(pad[2 * i + 1])]
    if min(min(r) for r in rows) < 0:
        raise Unsupported(refusal)
    return [rows[p] for p in TO_NHWC] if x.nhwc else rows


@handles("aten.constant_pad_nd.default")
def _pad(low, n, x, pad, value=0.0):
    if value != 0:
        raise Unsupported("padding with a value other than 0")
    rows = pad_rows(x, pad, "negative padding (cropping)")
    out = low.new(n.name, _shape(n), x.nhwc)
    low.node("pad", [x.tid, low.const_tensor(np.asarray(rows, np.int32), f"{n.name}_paddings")], [out.tid])
    return out


# ------------------------------------------------------------------ resize, prelu

@handles("aten.prelu.default", "aten._prelu_kernel.default")
def _prelu(low, n, x, weight):
    c = weight.shape[0] if weight.shape else 1
    shape = (1, c) + (1,) * (len(x.shape) - 2) if len(x.shape) >= 2 and c > 1 else ()
    alpha = Val(shape, const=weight.const.reshape(shape) if shape else weight.const.reshape(()))
    out = low.new(n.name, _shape(n), x.nhwc)
    low.node("prelu", [x.tid, low.layout(alpha, x.nhwc, f"{n.name}_alpha")], [out.tid])
    return out


@handles("aten.upsample_nearest2d.vec", "aten.upsample_bilinear2d.vec")
def _upsample(low, n, x, output_size, *rest):
    bilinear = "bilinear" in str(n.target)
    align = bool(rest[0]) if bilinear and rest else False
    factors = rest[-1] if rest else None
    out_shape = _shape(n)
    if factors and any(x.shape[2 + i] * float(f) != out_shape[2 + i] for i, f in enumerate(factors)):
        # torch then samples with 1/factor, TFLite with in/out: they differ
        raise Unsupported(f"resize by non-integral factors {list(factors)}")
    op = "resize_bilinear" if bilinear else "resize_nearest_neighbor"
    out = low.new(n.name, out_shape, True)
    low.node(op, [low.layout(x, True, f"{n.name}_x"), low.ints(list(out_shape[2:]), f"{n.name}_size")], [out.tid],
             align_corners=align, half_pixel_centers=bilinear and not align)
    return out


@handles("aten.embedding.default")
def _embedding(low, n, weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    if weight.const is None:
        raise Unsupported("embedding table computed at run time")
    out = low.new(n.name, _shape(n), False)
    low.node("gather", [low.const_tensor(weight.const.astype(np.float32), f"{n.name}_table"), indices.tid],
             [out.tid], axis=0, batch_dims=0)
    return out
