"""More int8 elementwise ops as TFLite runs them: abs, neg, rsqrt, gelu as
256-entry tables (kernels SELRT_LUT_I8), maximum and minimum on raw values.

* abs (elementwise.cc AbsEvalQuantized): |x - zi|, rescaled by the float32
  quotient s_in / s_out only when the scales differ, plus zo, clamped.
* neg (neg.cc): the raw int8 value negated, wrapping -128 to -128; TFLite
  ignores the quantization (its converter gives the output scale s, zero
  point -zi), so this does too.
* rsqrt (elementwise.cc RsqrtEvalQuantized): TFLite's fixed-point inverse
  square root (GetInvSqrtQuantizedMultiplierExp, a Newton iteration in Q3
  fixed point) emulated below with the gemmlowp primitives. TFLite fails the
  invoke for inputs below the zero point; the table holds 127 there.
* gelu (gelu.cc): PopulateLookupTable of the float GELU (erf in double, as
  std::erf(x * M_SQRT1_2) promotes; or the tanh form in float32).
* squared_difference (squared_difference.cc): add.i8's arithmetic with a
  7-bit left shift and the output multiplier (2 max s)^2 / (2^14 s_out).
* prelu (prelu.cc): x - zx >= 0 ? mbqm(x - zx, s_x / s_out) : mbqm((x - zx) *
  (alpha - za), s_x s_alpha / s_out), + zo (float32 quotients, as Prepare).
* l2_normalization (reference_integer_ops::L2Normalization): the kernel runs
  the fixed-point inverse square root per row; TFLite requires the output
  quantized as scale 1/128, zero point 0.
* maximum / minimum (maximum_minimum.cc): max/min of the raw int8 values; a
  rescale is impossible, so all three tensors must be quantized alike.
"""

from __future__ import annotations

import math

import numpy as np

from selbuild.convert.ops._common import broadcast_iparams, describe
from selbuild.convert.ops.q_common import (F32, _rdbpot, const_tensor, lut_i8, mbqm, per_tensor, quantize_multiplier,
                                           same_quant, tanhf)
from selbuild.convert.registry import Lowered, lower
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node

_I32_MAX, _I32_MIN = (1 << 31) - 1, -(1 << 31)


def _table(values: list[int]) -> np.ndarray:
    """Values for inputs -128..127 as a LUT indexed by (uint8)x."""
    t = np.zeros(256, np.int8)
    for v, y in zip(range(-128, 128), values):
        t[v & 0xFF] = max(-128, min(127, y))
    return t


def _abs(g: Graph, n: Node) -> np.ndarray:
    (si, zi), (so, zo) = per_tensor(g, n, n.inputs[0]), per_tensor(g, n, n.outputs[0])
    m, sh = quantize_multiplier(float(F32(si) / F32(so)))
    rescale = F32(si) != F32(so)
    return _table([(mbqm(abs(v - zi), m, sh) if rescale else abs(v - zi)) + zo for v in range(-128, 128)])


def _neg(g: Graph, n: Node) -> np.ndarray:
    return _table([((-v + 128) & 0xFF) - 128 for v in range(-128, 128)])


# ---------------------------------------------------------------- gemmlowp fixed point (int32)

def _srdhm(a: int, b: int) -> int:
    """SaturatingRoundingDoublingHighMul on int32."""
    if a == b == _I32_MIN:
        return _I32_MAX
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    q = abs(ab + nudge) >> 31
    return q if ab + nudge >= 0 else -q


def _wrap(v: int) -> int:
    return ((v + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def _sat_pot(x: int, exponent: int) -> int:
    """SaturatingRoundingMultiplyByPOT<exponent>."""
    if exponent <= 0:
        return _rdbpot(x, -exponent)
    threshold = (1 << (31 - exponent)) - 1
    if x > threshold:
        return _I32_MAX
    if x < -threshold:
        return _I32_MIN
    return _wrap(x << exponent)


def _inv_sqrt(value: int) -> tuple[int, int]:
    """GetInvSqrtQuantizedMultiplierExp(value, reverse_shift = -1)."""
    if value <= 1:
        return _I32_MAX, 0
    shift = 11
    while value >= (1 << 29):
        value //= 4
        shift += 1
    clz = 32 - value.bit_length()
    pairs = (clz - 1) // 2 - 1
    shift -= pairs
    value <<= 2 * pairs
    half_input = _sat_pot(value >> 1, -1)                  # F3
    half_three = (1 << 28) + (1 << 27)                     # 1.5 in F3
    x = 1 << 28                                            # 1.0 in F3
    for _ in range(5):
        x3 = _sat_pot(_srdhm(_srdhm(x, x), x), 6)          # F9 -> F3
        x = _sat_pot(_wrap(_srdhm(half_three, x) - _srdhm(half_input, x3)), 3)   # F6 -> F3
    x = _srdhm(x, 1518500250)                              # * sqrt(2)/2 (F0)
    if shift < 0:
        x = _wrap(x << -shift)
        shift = 0
    return x, -shift


def _rsqrt(g: Graph, n: Node) -> np.ndarray:
    (si, zi), (so, zo) = per_tensor(g, n, n.inputs[0]), per_tensor(g, n, n.outputs[0])
    m, sh = quantize_multiplier(float(F32(1) / (F32(math.sqrt(F32(si))) * F32(so))))
    k_shift = 20
    out = []
    for v in range(-128, 128):
        value = v - zi
        if value <= 0:
            out.append(127)
            continue
        inv, inv_shift = _inv_sqrt(value)
        data = mbqm(1, inv, inv_shift + k_shift)
        out.append(mbqm(data, m, sh - k_shift) + zo)
    return _table(out)


def _gelu(g: Graph, n: Node) -> np.ndarray:
    if n.attrs.get("approximate", False):
        k = F32(math.sqrt(2.0 / math.pi))
        fn = lambda x: F32(F32(0.5) * x * (F32(1) + tanhf(k * (x + F32(0.044715) * x * x * x))))  # noqa: E731
    else:
        fn = lambda x: F32(0.5 * float(x) * (1.0 + math.erf(float(x) * math.sqrt(0.5))))  # noqa: E731
    return lut_i8(per_tensor(g, n, n.inputs[0]), per_tensor(g, n, n.outputs[0]), fn)


_TABLES = {"abs": _abs, "neg": _neg, "rsqrt": _rsqrt, "gelu": _gelu}


@lower(*_TABLES, dtype="i8")
def table_lower(g: Graph, n: Node) -> Lowered:
    t = const_tensor(g, f"{g.tensors[n.outputs[0]].name}/{n.op}_table", _TABLES[n.op](g, n), "i8")
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0], t], outputs=[n.outputs[0]])


@lower("maximum", "minimum", dtype="i8")
def max_min_lower(g: Graph, n: Node) -> Lowered:
    same_quant(g, n, n.inputs[0], n.outputs[0])
    same_quant(g, n, n.inputs[1], n.outputs[0])
    return Lowered(kernel=n.kernel, inputs=list(n.inputs[:2]), outputs=[n.outputs[0]],
                   iparams=broadcast_iparams(g, n, ("a", "b")))


@lower("squared_difference", dtype="i8")
def squared_difference_i8_lower(g: Graph, n: Node) -> Lowered:
    (sa, za), (sb, zb) = per_tensor(g, n, n.inputs[0]), per_tensor(g, n, n.inputs[1])
    so, zo = per_tensor(g, n, n.outputs[0])
    twice_max = 2.0 * max(sa, sb)
    ma, sha = quantize_multiplier(sa / twice_max)
    mb, shb = quantize_multiplier(sb / twice_max)
    mo, sho = quantize_multiplier(twice_max * twice_max / ((1 << 14) * so))
    ip = broadcast_iparams(g, n, ("a", "b"))
    ip.update(a_zp=za, b_zp=zb, out_zp=zo, a_mult=ma, a_shift=sha, b_mult=mb, b_shift=shb,
              out_mult=mo, out_shift=sho, left_shift=7, act_min=-128, act_max=127)
    return Lowered(kernel=n.kernel, inputs=list(n.inputs[:2]), outputs=[n.outputs[0]], iparams=ip)


@lower("prelu", dtype="i8")
def prelu_i8_lower(g: Graph, n: Node) -> Lowered:
    (sx, zx), (sa, za) = per_tensor(g, n, n.inputs[0]), per_tensor(g, n, n.inputs[1])
    so, zo = per_tensor(g, n, n.outputs[0])
    m1, s1 = quantize_multiplier(float(F32(sx) / F32(so)))
    m2, s2 = quantize_multiplier(float(F32(F32(sx) * F32(sa)) / F32(so)))
    ip = broadcast_iparams(g, n, ("a", "b"))
    ip.update(x_zp=zx, alpha_zp=za, out_zp=zo, pos_mult=m1, pos_shift=s1, neg_mult=m2, neg_shift=s2)
    return Lowered(kernel=n.kernel, inputs=list(n.inputs[:2]), outputs=[n.outputs[0]], iparams=ip)


@lower("l2_normalization", dtype="i8")
def l2_normalization_i8_lower(g: Graph, n: Node) -> Lowered:
    act = n.attrs.get("activation", "none") or "none"
    if act != "none":
        raise UnsupportedError(f"{describe(g, n)}: fused activation '{act}' (TFLite supports none here)")
    _si, zi = per_tensor(g, n, n.inputs[0])
    so, zo = per_tensor(g, n, n.outputs[0])
    if so != 1.0 / 128 or zo != 0:
        raise UnsupportedError(f"{describe(g, n)}: output scale {so} / zero point {zo}; int8 l2_normalization "
                               f"needs 1/128 and 0 (as TFLite)")
    x = g.tensors[n.inputs[0]]
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0]], outputs=[n.outputs[0]],
                   iparams={"depth": int(x.shape[-1]) if x.shape else 1, "input_zp": zi})
