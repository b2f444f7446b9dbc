"""ATen data movers onto the shape/data-movement kernels (see
selbuild/convert/ops/movers.py): repeat -> tile, flip -> reverse_v2,
reflection_pad{1,2,3}d -> mirror_pad (REFLECT), expand -> broadcast_to; full_like,
zeros_like, ones_like become constants.
They work on the plain (torch-order) layout: moving data does not care where
channels sit, and one transpose in is cheaper to reason about than permuted
multiples or axes. See torch_handlers.py."""

from __future__ import annotations

import numpy as np

from selbuild.frontends.torch_handlers import _shape
from selbuild.frontends.torch_handlers_shape import pad_rows
from selbuild.frontends.torch_lower import TO_NHWC, Unsupported, Val
from selbuild.frontends.torch_registry import handles


@handles("aten.repeat.default")
def _repeat(low, n, x, repeats):
    shape = _shape(n)
    reps = [int(r) for r in repeats]
    tin = low.plain(x, f"{n.name}_x")
    lead = len(reps) - len(x.shape)
    if lead < 0:
        raise Unsupported("repeat with fewer repeats than dims")
    if lead:   # torch prepends size-1 dims first; TILE needs equal ranks
        full = (1,) * lead + tuple(x.shape)
        t = low.new(f"{n.name}_r", full, False)
        low.node("reshape", [tin, low.ints(list(full), f"{n.name}_shape")], [t.tid], new_shape=list(full))
        tin = t.tid
    out = low.new(n.name, shape, False)
    low.node("tile", [tin, low.ints(reps, f"{n.name}_multiples")], [out.tid])
    return out


@handles("aten.flip.default")
def _flip(low, n, x, dims):
    rank = len(x.shape)
    axes = sorted({int(d) % rank for d in dims})
    if not axes:
        return x
    if x.nhwc:   # reverse the NHWC tensor along the mapped dims: no transpose needed
        axes = sorted(TO_NHWC.index(d) for d in axes)
    out = low.new(n.name, _shape(n), x.nhwc)
    low.node("reverse_v2", [x.tid, low.ints(axes, f"{n.name}_axes")], [out.tid])
    return out


@handles("aten.reflection_pad1d.default", "aten.reflection_pad2d.default", "aten.reflection_pad3d.default")
def _reflection_pad(low, n, x, padding):
    rows = pad_rows(x, padding, "negative reflection padding")
    out = low.new(n.name, _shape(n), x.nhwc)
    low.node("mirror_pad", [x.tid, low.const_tensor(np.asarray(rows, np.int32), f"{n.name}_paddings")],
             [out.tid], mode="reflect")
    return out


@handles("aten.expand.default", "aten.expand_copy.default")
def _expand(low, n, x, sizes, implicit=False):
    shape = _shape(n)
    if shape == x.shape:
        return x
    if isinstance(x, Val) and x.const is not None:
        return Val(shape, const=np.ascontiguousarray(np.broadcast_to(x.const, shape)))
    out = low.new(n.name, shape, False)
    low.node("broadcast_to", [low.plain(x, f"{n.name}_x"), low.ints(list(shape), f"{n.name}_shape")], [out.tid])
    return out


@handles("aten.full_like.default", "aten.zeros_like.default", "aten.ones_like.default")
def _full_like(low, n, x, fill_value=None, **_options):
    # Shapes are static, so ones_like(x) and the like are constants whatever x holds.
    if fill_value is None:
        fill_value = 1 if "ones" in str(n.target) else 0
    val = n.meta.get("val")
    dt = {"torch.float32": np.float32, "torch.int32": np.int32, "torch.int64": np.int64,
          "torch.bool": np.bool_}.get(str(getattr(val, "dtype", "torch.float32")))
    if dt is None:
        raise Unsupported(f"{n.target} of dtype {getattr(val, 'dtype', '?')}")
    return Val(_shape(n), const=np.full(_shape(n), fill_value, dt))
