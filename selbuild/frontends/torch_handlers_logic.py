"""Core ATen lowerings, part 3: comparisons, logical ops and where(), the
bool-valued ops behind masking. See torch_handlers.py."""

from __future__ import annotations

from selbuild.frontends.torch_handlers import _as_val, _binary, _shape
from selbuild.frontends.torch_lower import Unsupported
from selbuild.frontends.torch_registry import HANDLERS, Handler, handles

# Comparisons give bool tensors (the kernel is named by the operands' dtype,
# f32 here); logical ops take and give bool.
for _name, _op in (("eq", "equal"), ("ne", "not_equal"), ("lt", "less"), ("le", "less_equal"),
                   ("gt", "greater"), ("ge", "greater_equal")):
    def _make_cmp(op: str) -> Handler:
        return lambda low, n, a, b: _binary(low, n, op, a, b, out_dtype="bool")
    HANDLERS[f"aten.{_name}.Tensor"] = _make_cmp(_op)
    HANDLERS[f"aten.{_name}.Scalar"] = _make_cmp(_op)
for _name in ("logical_and", "logical_or"):
    HANDLERS[f"aten.{_name}.default"] = (lambda op: lambda low, n, a, b: _binary(
        low, n, op, a, b, out_dtype="bool", dtype="bool"))(_name)


@handles("aten.logical_not.default")
def _logical_not(low, n, x):
    out = low.new(n.name, _shape(n), x.nhwc, "bool")
    low.node("logical_not", [x.tid], [out.tid]).dtype = "bool"
    return out


@handles("aten.where.self")
def _where(low, n, cond, a, b):
    vals = [_as_val(v) for v in (cond, a, b)]
    out_shape = _shape(n)
    nhwc = len(out_shape) == 4 and any(v.const is None and v.nhwc for v in vals)
    if nhwc and any(v.const is None and len(v.shape) != 4 for v in vals):
        raise Unsupported("where() over operands of mixed rank with a 4-D NHWC operand")
    tids = [low.layout(v, nhwc, f"{n.name}_in{i}") for i, v in enumerate(vals)]
    out = low.new(n.name, out_shape, nhwc)
    low.node("select_v2", tids, [out.tid])
    return out
