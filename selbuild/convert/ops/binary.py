"""Elementwise binary ops with numpy broadcasting and a fused activation.

`add` is the pilot: its lowering shows the pattern the other elementwise ops
follow (see _common.py for the shared stride and activation helpers).
"""

from __future__ import annotations

from selbuild.convert.ops._common import (MAX_RANK, activation_fparams, broadcast_iparams, broadcast_inputs_shape,
                                         broadcast_shape, broadcast_strides, describe, padded_strides)
from selbuild.convert.ops._views import check_same_quant
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import SelbuildError, UnsupportedError
from selbuild.ir import Graph, Node


@lower("add")
def add_lower(g: Graph, n: Node) -> Lowered:
    params = broadcast_iparams(g, n, ("a", "b"))
    return Lowered(kernel=n.kernel, inputs=list(n.inputs[:2]), outputs=list(n.outputs[:1]),
                   iparams=params, fparams=activation_fparams(g, n))


@lower("add", dtype="i32")
def add_i32_lower(g: Graph, n: Node) -> Lowered:
    # Loop counters of converted recurrent models; the kernel has no clamp.
    if n.attrs.get("activation", "none") not in (None, "none"):
        raise UnsupportedError(f"{describe(g, n)}: add.i32 takes no fused activation")
    return Lowered(kernel=n.kernel, inputs=list(n.inputs[:2]), outputs=list(n.outputs[:1]),
                   iparams=broadcast_iparams(g, n, ("a", "b")))


# --- sub, mul, div, maximum, minimum, squared_difference ---
# Same catalogue params as add.f32, so they reuse add's hooks. TFLite gives a
# fused activation to SUB/MUL/DIV only (and with "none" still clamps to
# +-FLT_MAX, as activation_fparams does); MAXIMUM, MINIMUM and
# SQUARED_DIFFERENCE never clamp, so infinities must pass: bounds +-inf.
_FUSED_ACT = ("sub", "mul", "div")
_NO_ACT = ("maximum", "minimum", "squared_difference")


shape("add", *_FUSED_ACT, *_NO_ACT)(broadcast_inputs_shape)


@lower(*_FUSED_ACT, *_NO_ACT)
def family_b_binary_lower(g: Graph, n: Node) -> Lowered:
    if n.op in _NO_ACT:
        if n.attrs.get("activation", "none") not in (None, "none"):
            raise UnsupportedError(f"{describe(g, n)}: {n.op} takes no fused activation")
        low = add_lower(g, n)
        low.fparams = {"act_min": float("-inf"), "act_max": float("inf")}
        return low
    return add_lower(g, n)


# --- comparisons, logical and/or (-> bool) and pow, floor_div, floor_mod, atan2,
# bitwise_xor, right_shift: broadcasting, no activation ---
_COMPARE = ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and", "logical_or",
            "pow", "floor_div", "floor_mod", "atan2", "bitwise_xor", "right_shift")
shape(*_COMPARE)(broadcast_inputs_shape)


@lower(*_COMPARE)
def compare_lower(g: Graph, n: Node) -> Lowered:
    return Lowered(kernel=n.kernel, inputs=list(n.inputs[:2]), outputs=list(n.outputs[:1]),
                   iparams=broadcast_iparams(g, n, ("a", "b")))


# --- add_n: two or more inputs of one shape (LiteRT neither broadcasts them nor takes one) ---
@shape("add_n")
def add_n_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    shapes = {tuple(g.tensors[i].shape) for i in n.inputs if i >= 0}
    if len(shapes) != 1 or len(n.inputs) < 2 or any(i < 0 for i in n.inputs):
        raise SelbuildError(f"{describe(g, n)}: add_n needs two or more inputs of one shape "
                            f"(got {sorted(list(s) for s in shapes)})")
    return [shapes.pop()]


@lower("add_n")
def add_n_lower(g: Graph, n: Node) -> Lowered:
    return Lowered(kernel=n.kernel, inputs=list(n.inputs), outputs=list(n.outputs[:1]))


# --- select_v2: condition ? x : y, the three inputs broadcast together ---
@shape("select_v2")
def select_v2_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    c, x, y = (g.tensors[i].shape for i in n.inputs[:3])
    try:
        return [broadcast_shape(c, x, y)]
    except ValueError as e:
        raise SelbuildError(f"{describe(g, n)}: {e}") from None


@lower("select_v2")
def select_v2_lower(g: Graph, n: Node) -> Lowered:
    if n.dtype == "i8":                        # a copy of x or y: no rescale possible
        check_same_quant(g, n, [n.inputs[1], n.inputs[2], n.outputs[0]])
    return Lowered(kernel=n.kernel, inputs=list(n.inputs[:3]), outputs=list(n.outputs[:1]),
                   iparams=broadcast_iparams(g, n, ("c", "x", "y")))


# --- select (TFLite SELECT v1): x and y of one shape; the condition has that
# shape too, or is rank 1 and picks along dim 0 (= broadcast as [N, 1, ..]).
@shape("select")
def select_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    c, x, y = (tuple(g.tensors[i].shape) for i in n.inputs[:3])
    if x != y or not (c == x or (len(c) == 1 and x and c[0] == x[0])):
        raise SelbuildError(f"{describe(g, n)}: select needs x and y of one shape and a condition of that shape "
                            f"or of [dim 0] (got {list(c)}, {list(x)}, {list(y)})")
    return [x]


@lower("select")
def select_lower(g: Graph, n: Node) -> Lowered:
    c, x = (g.tensors[i].shape for i in n.inputs[:2])
    if not (len(c) == 1 and len(x) > 1):
        return select_v2_lower(g, n)
    if n.dtype == "i8":
        check_same_quant(g, n, [n.inputs[1], n.inputs[2], n.outputs[0]])
    # rank-1 condition: element i of dim 0 of the output reads condition[i]
    out = g.tensors[n.outputs[0]].shape
    if len(out) > MAX_RANK:
        raise UnsupportedError(f"{describe(g, n)}: rank {len(out)} output; kernels support rank <= {MAX_RANK}")
    ip = {"rank": len(out)}
    for name, idx in (("x", n.inputs[1]), ("y", n.inputs[2])):
        strides = padded_strides(broadcast_strides(g.tensors[idx].shape, out))
        ip.update({f"{name}_strides{k}": v for k, v in enumerate(strides)})
    ip.update({f"c_strides{k}": 1 if k == 0 else 0 for k in range(MAX_RANK)})
    return Lowered(kernel=n.kernel, inputs=list(n.inputs[:3]), outputs=list(n.outputs[:1]), iparams=ip)
