"""Helpers for the int8 lowerings (q_*.py): TFLite's quantization arithmetic
computed on the build machine.

Every int8 kernel reproduces TFLite's reference integer kernels bit for bit,
so the parameters must be computed exactly as TFLite's Prepare computes them:
the same float32/double mix, the same rounding (std::round: half away from
zero), the same frexp-based Q31 multipliers. The device then only runs
integer multiply-adds and the fixed-point requantize of shared/qi8.c.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
from typing import Callable

import numpy as np

from selbuild.convert.ops._common import describe
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node, Tensor

F32 = np.float32


def round_away(v: float) -> int:
    """std::round: ties away from zero."""
    return int(math.copysign(math.floor(abs(v) + 0.5), v))


def quantize_multiplier(m: float) -> tuple[int, int]:
    """TFLite QuantizeMultiplier: m = q * 2^(shift - 31) with q a Q31 int in [2^30, 2^31)."""
    if m == 0.0:
        return 0, 0
    q, shift = math.frexp(m)
    qf = round_away(q * (1 << 31))
    if qf == 1 << 31:
        qf //= 2
        shift += 1
    if shift < -31:  # flushed to zero, as TFLite does
        return 0, 0
    if shift > 30:
        raise UnsupportedError(f"requantization multiplier {m} is too large for int8 kernels")
    return qf, shift


def per_tensor(g: Graph, n: Node, idx: int) -> tuple[float, int]:
    """(scale as float32 value, zero point) of an int8 tensor with per-tensor quantization."""
    t = g.tensors[idx]
    q = t.quant
    if q is None or np.asarray(q.scale).size != 1:
        raise UnsupportedError(f"{describe(g, n)}: '{t.name}' needs per-tensor quantization "
                               f"({'none' if q is None else 'per-channel'} given)")
    scale = float(F32(np.asarray(q.scale).reshape(-1)[0]))
    zp = int(np.asarray(q.zero_point).reshape(-1)[0])
    if not (scale > 0 and math.isfinite(scale)) or not -128 <= zp <= 127:
        raise UnsupportedError(f"{describe(g, n)}: '{t.name}' scale {scale} / zero point {zp} not usable for int8")
    return scale, zp


def channel_scales(g: Graph, n: Node, idx: int, channels: int, zero_point_ok: bool = False) -> np.ndarray:
    """float32 scales of a symmetric int8 weight tensor, one per output channel
    (`zero_point_ok`: any zero point, the caller handles it: filter_zp)."""
    t = g.tensors[idx]
    q = t.quant
    if q is None:
        raise UnsupportedError(f"{describe(g, n)}: weights '{t.name}' are not quantized")
    scales = np.asarray(q.scale, dtype=F32).reshape(-1)
    if not zero_point_ok and np.any(np.asarray(q.zero_point).reshape(-1) != 0):
        raise UnsupportedError(f"{describe(g, n)}: weights '{t.name}' have a non-zero zero point "
                               f"(int8 kernels take symmetric weights)")
    if scales.size == 1:
        scales = np.repeat(scales, channels)
    if scales.size != channels or not np.all(scales > 0):
        raise UnsupportedError(f"{describe(g, n)}: weights '{t.name}' have {scales.size} scales "
                               f"for {channels} channels")
    return scales


def filter_zp(g: Graph, n: Node, idx: int) -> int:
    """The weight tensor's per-tensor zero point (conv2d.i8, depthwise_conv2d.i8
    and fully_connected.i8 take it as filter_zp); 0 for symmetric weights."""
    t = g.tensors[idx]
    zps = np.asarray(t.quant.zero_point if t.quant is not None else 0).reshape(-1)
    if zps.size == 0 or not np.any(zps != 0):
        return 0
    if np.asarray(t.quant.scale).size != 1 or np.any(zps != zps[0]) or not -255 <= int(zps[0]) <= 255:
        raise UnsupportedError(f"{describe(g, n)}: weights '{t.name}' have per-channel zero points "
                               f"{zps[:4].tolist()}...; int8 kernels take one per-tensor weight zero point")
    return int(zps[0])


def same_quant(g: Graph, n: Node, a: int, b: int) -> None:
    """Ops that move bytes need input and output quantized alike (TFLite's converter ensures it)."""
    qa, qb = per_tensor(g, n, a), per_tensor(g, n, b)
    if qa != qb:
        raise UnsupportedError(f"{describe(g, n)}: input quantization {qa} differs from output {qb}; "
                               f"this int8 kernel does not rescale")


def act_range(g: Graph, n: Node, out_idx: int) -> dict[str, int]:
    """{act_min, act_max}: TFLite CalculateActivationRangeQuantized for the output's int8 range."""
    scale, zp = per_tensor(g, n, out_idx)
    act = n.attrs.get("activation") or "none"

    def q(f: float) -> int:
        return zp + round_away(float(F32(f) / F32(scale)))
    if act == "none":
        lo, hi = -128, 127
    elif act == "relu":
        lo, hi = max(-128, q(0.0)), 127
    elif act == "relu6":
        lo, hi = max(-128, q(0.0)), min(127, q(6.0))
    elif act == "relu_n1_to_1":
        lo, hi = max(-128, q(-1.0)), min(127, q(1.0))
    else:
        raise UnsupportedError(f"{describe(g, n)}: fused activation '{act}' is not supported by int8 kernels")
    if lo > hi:
        raise UnsupportedError(f"{describe(g, n)}: activation '{act}' leaves an empty int8 range")
    return {"act_min": lo, "act_max": hi}


def const_tensor(g: Graph, name: str, data: np.ndarray, dtype: str) -> int:
    data = np.ascontiguousarray(data)
    return g.add_tensor(Tensor(name=name, shape=tuple(int(d) for d in data.shape), dtype=dtype, data=data))


def requant_tensor(g: Graph, name: str, mults: list[float]) -> int:
    """int32 [2, C] tensor: Q31 multipliers, then shifts, of the real multipliers."""
    pairs = [quantize_multiplier(m) for m in mults]
    data = np.array([[p[0] for p in pairs], [p[1] for p in pairs]], dtype=np.int32)
    return const_tensor(g, f"{name}/requant", data, "i32")


def folded_bias(g: Graph, n: Node, bias_idx: int, wsum: np.ndarray, input_zp: int) -> np.ndarray:
    """int32 bias - input_zp * sum(weights) per output channel (the zero-point term of the dot product)."""
    c = wsum.size
    if bias_idx >= 0:
        b = g.tensors[bias_idx]
        if not b.is_const or b.dtype != "i32" or b.numel != c:
            raise UnsupportedError(f"{describe(g, n)}: the bias must be a constant int32 tensor of {c} values")
        bias = np.asarray(b.data, dtype=np.int64).reshape(-1)
    else:
        bias = np.zeros(c, np.int64)
    out = bias - np.int64(input_zp) * wsum.astype(np.int64)
    if out.min(initial=0) < -(1 << 31) or out.max(initial=0) >= 1 << 31:
        raise UnsupportedError(f"{describe(g, n)}: folded bias overflows int32")
    return out.astype(np.int32)


# ---------------------------------------------------------------- float32 libm
# Lookup tables must hold what TFLite's float32 code computes; libm's expf and
# tanhf are what TFLite calls, so use them (numpy's own float32 exp/tanh may
# differ in the last bit, which can flip a rounding).

def _libm() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("m")
    try:
        lib = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    if lib is not None:
        for fn in ("expf", "tanhf", "expm1f"):
            getattr(lib, fn).restype = ctypes.c_float
            getattr(lib, fn).argtypes = [ctypes.c_float]
    return lib


_LIBM = _libm()


def expf(x) -> np.float32:
    return F32(_LIBM.expf(float(x))) if _LIBM is not None else F32(np.exp(F32(x)))


def tanhf(x) -> np.float32:
    return F32(_LIBM.tanhf(float(x))) if _LIBM is not None else F32(np.tanh(F32(x)))


def expm1f(x) -> np.float32:
    return F32(_LIBM.expm1f(float(x))) if _LIBM is not None else F32(np.expm1(F32(x)))


def lut_i8(in_q: tuple[float, int], out_q: tuple[float, int], fn: Callable[[np.float32], np.float32]) -> np.ndarray:
    """TFLite PopulateLookupTable<int8_t>: table[(uint8)v] = quantize(fn(dequantize(v))), in float32."""
    (s_in, z_in), (s_out, z_out) = in_q, out_q
    inv = F32(1) / F32(s_out)
    table = np.zeros(256, np.int8)
    for v in range(-128, 128):
        deq = F32(s_in) * F32(v - z_in)
        r = F32(round_away(float(F32(fn(deq)) * inv)))
        q = int(F32(r + F32(z_out)))
        table[v & 0xFF] = max(-128, min(127, q))
    return table


# ---------------------------------------------------------------- integer emulation
# For tabulating int8 -> int8 functions whose TFLite reference is integer code:
# the table must hold exactly what that code computes for each of the 256 inputs.

def _rdbpot(x: int, exponent: int) -> int:
    """gemmlowp RoundingDivideByPOT: arithmetic shift rounding half away from zero."""
    if exponent <= 0:
        return x
    mask = (1 << exponent) - 1
    return (x >> exponent) + (1 if (x & mask) > (mask >> 1) + (1 if x < 0 else 0) else 0)


def _tdiv(a: int, b: int) -> int:
    """C integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def mbqm(x: int, m: int, shift: int) -> int:
    """TFLite MultiplyByQuantizedMultiplier on int32 (shared/qi8.c does the same)."""
    a = x << max(shift, 0)
    ab = a * m
    hi = _tdiv(ab + ((1 << 30) if ab >= 0 else 1 - (1 << 30)), 1 << 31)
    return _rdbpot(hi, max(-shift, 0))


def srdhm16(a: int, b: int) -> int:
    """gemmlowp SaturatingRoundingDoublingHighMul on int16."""
    if a == b == -32768:
        return 32767
    ab = a * b
    return _tdiv(ab + ((1 << 14) if ab >= 0 else 1 - (1 << 14)), 1 << 15)


def sdhm16(a: int, b: int) -> int:
    """TFLite SaturatingDoublingHighMul on int16 (no rounding)."""
    if a == b == -32768:
        return 32767
    return _tdiv(a * b, 1 << 15)


def sat_lshift16(v: int, s: int) -> int:
    return max(-32768, min(32767, v * (1 << s)))


def to_int16_multiplier(m: int) -> int:
    """TFLite DownScaleInt32ToInt16Multiplier."""
    return 32767 if m >= (1 << 31) - 1 - (1 << 15) else (m + (1 << 15)) >> 16
