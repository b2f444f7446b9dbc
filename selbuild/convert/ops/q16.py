"""int16x8 lowerings (TFLite's 16x8 mode, kernels `<op>.i16`): int16
activations symmetric with zero point 0, int8 symmetric weights, int64 bias.

As for int8 (q_conv.py, q_ops.py) everything TFLite's Prepare computes is
computed here, the same way: per-channel Q31 multipliers and shifts of
input_scale * filter_scale / output_scale, the fused activation as an int16
clamp, and for softmax the input rescale (input_scale * beta mapped so that
[-10, 0] spans [-65535, 0]) and the two 513-entry tables (exp on [-10, 0],
1/(1+x) on [0, 1]) TFLite's gen_lut builds in double precision. conv2d
keeps its OHWI filter and fully_connected its [N, K] weights (the kernels
sum each output channel's contiguous row); biases become int64 constants.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from selbuild.convert.ops import conv as fconv
from selbuild.convert.ops._common import describe
from selbuild.convert.ops.q_common import (F32, channel_scales, const_tensor, quantize_multiplier, requant_tensor,
                                           round_away)
from selbuild.convert.ops.q_conv import _conv_mults, _opt, _weights
from selbuild.convert.ops.q_ops import _generic
from selbuild.convert.registry import Lowered, lower
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node

I16_MIN, I16_MAX = -32768, 32767
LUT_SIZE = 513   # 512 segments plus the end point the last slope needs (SELRT_SOFTMAX_I16_LUT)


def per_tensor16(g: Graph, n: Node, idx: int, *, symmetric: bool = True) -> tuple[float, int]:
    """(float32 scale, zero point) of an int16 tensor; 16x8 activations have zero point 0."""
    t = g.tensors[idx]
    q = t.quant
    if t.dtype != "i16" or q is None or np.asarray(q.scale).size != 1:
        raise UnsupportedError(f"{describe(g, n)}: '{t.name}' needs per-tensor int16 quantization")
    scale = float(F32(np.asarray(q.scale).reshape(-1)[0]))
    zp = int(np.asarray(q.zero_point).reshape(-1)[0])
    if not (scale > 0 and math.isfinite(scale)) or not I16_MIN <= zp <= I16_MAX or (symmetric and zp != 0):
        raise UnsupportedError(f"{describe(g, n)}: '{t.name}' scale {scale} / zero point {zp} not usable for "
                               f"int16x8 kernels (zero point must be 0)")
    return scale, zp


def act_range16(g: Graph, n: Node, out_idx: int) -> dict[str, int]:
    """TFLite CalculateActivationRangeQuantized for an int16 output (zero point 0)."""
    scale, zp = per_tensor16(g, n, out_idx)
    act = n.attrs.get("activation") or "none"

    def q(f: float) -> int:
        return zp + round_away(float(F32(f) / F32(scale)))
    bounds = {"none": (I16_MIN, I16_MAX), "relu": (max(I16_MIN, q(0.0)), I16_MAX),
              "relu6": (max(I16_MIN, q(0.0)), min(I16_MAX, q(6.0))),
              "relu_n1_to_1": (max(I16_MIN, q(-1.0)), min(I16_MAX, q(1.0)))}
    if act not in bounds:
        raise UnsupportedError(f"{describe(g, n)}: fused activation '{act}' is not supported by int16 kernels")
    lo, hi = bounds[act]
    return {"act_min": lo, "act_max": hi}


def _bias64(g: Graph, n: Node, idx: int, c: int) -> np.ndarray:
    if idx < 0:
        return np.zeros(c, np.int64)
    b = g.tensors[idx]
    if not b.is_const or b.dtype not in ("i64", "i32") or b.numel != c:
        raise UnsupportedError(f"{describe(g, n)}: the bias must be a constant int64/int32 tensor of {c} values")
    return np.asarray(b.data, dtype=np.int64).reshape(-1)


def _requant(g: Graph, n: Node, mults: list[float]) -> int:
    for m in mults:
        if quantize_multiplier(m)[1] > 7:      # the 64-bit requantize takes shifts up to 7
            raise UnsupportedError(f"{describe(g, n)}: requantization multiplier {m} is too large for int16 kernels")
    return requant_tensor(g, g.tensors[n.outputs[0]].name, mults)


@lower("conv2d", dtype="i16")
def conv2d_i16_lower(g: Graph, n: Node) -> Lowered:
    fconv._rank4(g, n, n.inputs[0], n.inputs[1], n.outputs[0])
    x, f = g.tensors[n.inputs[0]], g.tensors[n.inputs[1]]
    if f.shape[3] != x.shape[3]:
        raise UnsupportedError(f"{describe(g, n)}: grouped convolution (filter depth {f.shape[3]}, "
                               f"input depth {x.shape[3]}) is not supported")
    _, ip = fconv._conv_geometry(g, n, f.shape[1], f.shape[2])
    _weights(g, n, n.inputs[1])
    s_in, _ = per_tensor16(g, n, n.inputs[0])
    s_out, _ = per_tensor16(g, n, n.outputs[0])
    oc = f.shape[0]
    scales = channel_scales(g, n, n.inputs[1], oc)
    ip.update(act_range16(g, n, n.outputs[0]))
    bias = const_tensor(g, f"{g.tensors[n.outputs[0]].name}/bias64", _bias64(g, n, _opt(n, 2), oc), "i64")
    return Lowered(kernel="conv2d.i16",
                   inputs=[n.inputs[0], n.inputs[1], bias, _requant(g, n, _conv_mults(s_in, scales, s_out))],
                   outputs=[n.outputs[0]], iparams=ip)


@lower("depthwise_conv2d", dtype="i16")
def depthwise_i16_lower(g: Graph, n: Node) -> Lowered:
    fconv._rank4(g, n, n.inputs[0], n.inputs[1], n.outputs[0])
    x, f = g.tensors[n.inputs[0]], g.tensors[n.inputs[1]]
    c, oc = x.shape[3], f.shape[3]
    if f.shape[0] != 1 or oc % c:
        raise UnsupportedError(f"{describe(g, n)}: filter {list(f.shape)} does not fit input depth {c}")
    _, ip = fconv._conv_geometry(g, n, f.shape[1], f.shape[2])
    _weights(g, n, n.inputs[1])
    s_in, _ = per_tensor16(g, n, n.inputs[0])
    s_out, _ = per_tensor16(g, n, n.outputs[0])
    scales = channel_scales(g, n, n.inputs[1], oc)
    ip.update(depth_multiplier=oc // c, **act_range16(g, n, n.outputs[0]))
    bias = const_tensor(g, f"{g.tensors[n.outputs[0]].name}/bias64", _bias64(g, n, _opt(n, 2), oc), "i64")
    return Lowered(kernel="depthwise_conv2d.i16",
                   inputs=[n.inputs[0], n.inputs[1], bias, _requant(g, n, _conv_mults(s_in, scales, s_out))],
                   outputs=[n.outputs[0]], iparams=ip)


@lower("fully_connected", dtype="i16")
def fully_connected_i16_lower(g: Graph, n: Node) -> Lowered:
    x, wt = g.tensors[n.inputs[0]], g.tensors[n.inputs[1]]
    if n.attrs.get("weights_format", "default") != "default":
        raise UnsupportedError(f"{describe(g, n)}: weights_format '{n.attrs['weights_format']}' is not supported")
    w = _weights(g, n, n.inputs[1])
    if w.ndim != 2 or x.numel % w.shape[1]:
        raise UnsupportedError(f"{describe(g, n)}: weights {list(w.shape)} do not fit input {list(x.shape)}")
    units = w.shape[0]
    s_in, _ = per_tensor16(g, n, n.inputs[0])
    s_out, _ = per_tensor16(g, n, n.outputs[0])
    scales = channel_scales(g, n, n.inputs[1], units)
    mults = _conv_mults(s_in, scales, s_out)   # double products, per tensor or per unit alike
    bias = const_tensor(g, f"{g.tensors[n.outputs[0]].name}/bias64", _bias64(g, n, _opt(n, 2), units), "i64")
    return Lowered(kernel="fully_connected.i16", inputs=[n.inputs[0], n.inputs[1], bias, _requant(g, n, mults)],
                   outputs=[n.outputs[0]], iparams=act_range16(g, n, n.outputs[0]))


def _same16(g: Graph, n: Node, a: int, b: int) -> None:
    qa, qb = per_tensor16(g, n, a), per_tensor16(g, n, b)
    if qa != qb:
        raise UnsupportedError(f"{describe(g, n)}: input quantization {qa} differs from output {qb}; "
                               f"this int16 kernel does not rescale")


@lower("average_pool2d", "max_pool2d", dtype="i16")
def pool_i16_lower(g: Graph, n: Node) -> Lowered:
    _same16(g, n, n.inputs[0], n.outputs[0])
    low = _generic(g, n)
    low.fparams = {}
    low.iparams.update(act_range16(g, n, n.outputs[0]))
    if n.op == "average_pool2d":
        low.iparams["ties_up"] = 0     # half away from zero, LiteRT's int16 rounding
    return low


@lower("reshape", dtype="i16")
def reshape_i16_lower(g: Graph, n: Node) -> Lowered:
    _same16(g, n, n.inputs[0], n.outputs[0])
    return _generic(g, n)


# ------------------------------------------------------------------ quantize / dequantize

@lower("quantize", dtype="i16")
def quantize_i16_lower(g: Graph, n: Node) -> Lowered:
    if g.tensors[n.inputs[0]].dtype != "f32":
        raise UnsupportedError(f"{describe(g, n)}: quantize {g.tensors[n.inputs[0]].dtype} -> i16 has no kernel")
    scale, zp = per_tensor16(g, n, n.outputs[0])   # LiteRT too refuses int16 zero points != 0
    return Lowered(kernel="quantize.i16", inputs=[n.inputs[0]], outputs=[n.outputs[0]],
                   iparams={"zero_point": zp}, fparams={"scale": scale})


@lower("dequantize", dtype="i16")
def dequantize_i16_lower(g: Graph, n: Node) -> Lowered:
    if g.tensors[n.outputs[0]].dtype != "f32":
        raise UnsupportedError(f"{describe(g, n)}: dequantize i16 -> {g.tensors[n.outputs[0]].dtype} has no kernel")
    scale, zp = per_tensor16(g, n, n.inputs[0])
    return Lowered(kernel="dequantize.i16", inputs=[n.inputs[0]], outputs=[n.outputs[0]],
                   iparams={"zero_point": zp}, fparams={"scale": scale})


# ------------------------------------------------------------------ softmax

def gen_lut16(fn: Callable[[float], float], lo: float, hi: float) -> np.ndarray:
    """TFLite's gen_lut for int16 -> int16 tables (output range [-1, 1] in Q15):
    512 samples, each biased by half the error of linear interpolation at the
    segment's midpoint, and the end point, all in double."""
    steps = LUT_SIZE - 1
    step = (hi - lo) / steps
    k = 65536.0 / 2.0
    out = np.zeros(LUT_SIZE, np.int16)
    for i in range(steps):
        val, mid, nxt = fn(lo + i * step), fn(lo + i * step + step / 2), fn(lo + (i + 1) * step)
        sample = round_away(val * k)
        interp = round_away((nxt * k + round_away(val * k)) / 2)
        bias = round_away((interp - round_away(mid * k)) / 2)
        out[i] = max(I16_MIN, min(I16_MAX, sample - bias))
    out[steps] = max(I16_MIN, min(I16_MAX, round_away(fn(hi) * k)))
    return out


@lower("softmax", dtype="i16")
def softmax_i16_lower(g: Graph, n: Node) -> Lowered:
    x = g.tensors[n.inputs[0]]
    if not x.shape:
        raise UnsupportedError(f"{describe(g, n)}: a scalar input has no last axis")
    s_in, _ = per_tensor16(g, n, n.inputs[0])
    s_out, _ = per_tensor16(g, n, n.outputs[0])
    if abs(s_out - 1.0 / 32768) > 0.001 / 32768:
        raise UnsupportedError(f"{describe(g, n)}: int16 softmax needs output scale 1/32768 (given {s_out})")
    beta = float(F32(n.attrs.get("beta", 1.0)))
    mult, shift = quantize_multiplier(s_in * beta / (10.0 / 65535.0))
    exp_t = const_tensor(g, f"{x.name}/softmax_exp16", gen_lut16(math.exp, -10.0, 0.0), "i16")
    rec_t = const_tensor(g, f"{x.name}/softmax_recip16", gen_lut16(lambda v: 1.0 / (1.0 + v), 0.0, 1.0), "i16")
    return Lowered(kernel="softmax.i16", inputs=[n.inputs[0], exp_t, rec_t], outputs=[n.outputs[0]],
                   iparams={"multiplier": mult, "shift": shift})


# ------------------------------------------------------------------ requantize

_INT_RANGE = {"i8": (-128, 127), "u8": (0, 255), "i16": (I16_MIN, I16_MAX)}
REQUANTIZE = ("i8i8", "i8u8", "u8i8", "u8u8", "i16i8", "i16i16")


def _int_quant(g: Graph, n: Node, idx: int) -> tuple[float, int]:
    t = g.tensors[idx]
    q = t.quant
    if q is None or np.asarray(q.scale).size != 1:
        raise UnsupportedError(f"{describe(g, n)}: '{t.name}' needs per-tensor quantization "
                               f"({'none' if q is None else 'per-channel'} given)")
    scale, zp = float(F32(np.asarray(q.scale).reshape(-1)[0])), int(np.asarray(q.zero_point).reshape(-1)[0])
    lo, hi = _INT_RANGE[t.dtype]
    if not (scale > 0 and math.isfinite(scale)) or not lo <= zp <= hi:
        raise UnsupportedError(f"{describe(g, n)}: '{t.name}' scale {scale} / zero point {zp} not usable for {t.dtype}")
    return scale, zp


for _dt in REQUANTIZE:
    @lower("quantize", dtype=_dt)
    def requantize_lower(g: Graph, n: Node) -> Lowered:
        """TFLite's requantize Prepare: input_scale / output_scale in double as a Q31 multiplier."""
        (s_in, z_in), (s_out, z_out) = _int_quant(g, n, n.inputs[0]), _int_quant(g, n, n.outputs[0])
        mult, shift = quantize_multiplier(float(s_in) / float(s_out))
        return Lowered(kernel=n.kernel, inputs=[n.inputs[0]], outputs=[n.outputs[0]],
                       iparams={"input_zp": z_in, "output_zp": z_out, "multiplier": mult, "shift": shift})


# ------------------------------------------------------------------ data movers

MOVERS16 = ("squeeze", "expand_dims", "transpose", "slice", "strided_slice", "reverse_v2", "concatenation", "pack",
            "gather")


@lower(*MOVERS16, dtype="i16")
def mover_i16_lower(g: Graph, n: Node) -> Lowered:
    """Ops that only move int16 values: every int16 tensor they touch must be
    quantized alike (zero point 0), as TFLite's converter writes them."""
    low = _generic(g, n)
    tensors = [i for i in low.inputs + low.outputs if i >= 0 and g.tensors[i].dtype == "i16"]
    for t in tensors[1:]:
        _same16(g, n, tensors[0], t)
    if n.op == "concatenation":
        if (n.attrs.get("activation") or "none") != "none":
            raise UnsupportedError(f"{describe(g, n)}: int16 concatenation with a fused activation")
        low.fparams = {}
    return low


# ------------------------------------------------------------------ add, sub, mul

LEFT_SHIFT16 = 15   # LiteRT's headroom for general-scale int16 add/sub


@lower("add", "sub", "mul", dtype="i16")
def binary_i16_lower(g: Graph, n: Node) -> Lowered:
    """LiteRT's int16 Prepare (general scales): as int8 with a 15-bit left shift."""
    from selbuild.convert.ops._common import broadcast_iparams
    if n.op in ("add", "sub") and n.attrs.get("pot_scale_int16", True):
        raise UnsupportedError(f"{describe(g, n)}: int16 {n.op} with pot_scale_int16 (LiteRT's power-of-two "
                               f"path) is not supported; TensorFlow's 16x8 converter writes pot_scale_int16 false")
    (sa, _), (sb, _) = per_tensor16(g, n, n.inputs[0]), per_tensor16(g, n, n.inputs[1])
    so, _ = per_tensor16(g, n, n.outputs[0])
    ip = broadcast_iparams(g, n, ("a", "b"))
    if n.op == "mul":
        mo, sho = quantize_multiplier(float(sa) * float(sb) / float(so))
        ma = sha = mb = shb = left = 0
    else:
        twice_max = 2.0 * max(sa, sb)
        (ma, sha), (mb, shb) = quantize_multiplier(sa / twice_max), quantize_multiplier(sb / twice_max)
        mo, sho = quantize_multiplier(twice_max / ((1 << LEFT_SHIFT16) * so))
        left = LEFT_SHIFT16
    ip.update(a_zp=0, b_zp=0, out_zp=0, a_mult=ma, a_shift=sha, b_mult=mb, b_shift=shb, out_mult=mo, out_shift=sho,
              left_shift=left, **act_range16(g, n, n.outputs[0]))
    return Lowered(kernel=n.kernel, inputs=list(n.inputs[:2]), outputs=[n.outputs[0]], iparams=ip)


@lower("transpose_conv", dtype="i16")
def transpose_conv_i16_lower(g: Graph, n: Node) -> Lowered:
    # TFLite inputs: output_shape, weights (OHWI), input, bias (optional); the
    # float lowering resolves the geometry (its re-laid float filter is not used).
    ip = fconv.transpose_conv_lower(g, n).iparams
    x_idx, f_idx, y_idx = n.inputs[2], n.inputs[1], n.outputs[0]
    w = _weights(g, n, f_idx)
    s_in, _ = per_tensor16(g, n, x_idx)
    s_out, _ = per_tensor16(g, n, y_idx)
    oc = w.shape[0]
    scales = channel_scales(g, n, f_idx, oc)
    ip.update(act_range16(g, n, y_idx))
    name = g.tensors[y_idx].name
    hwio = const_tensor(g, f"{g.tensors[f_idx].name}/hwio", np.transpose(w, (1, 2, 3, 0)), "i8")
    bias = const_tensor(g, f"{name}/bias64", _bias64(g, n, _opt(n, 3), oc), "i64")
    return Lowered(kernel="transpose_conv.i16", inputs=[x_idx, hwio, bias, _requant(g, n, _conv_mults(s_in, scales, s_out))],
                   outputs=[y_idx], iparams=ip)


# ------------------------------------------------------------------ logistic, tanh

def sigmoid_table16() -> np.ndarray:
    """sigmoid(i / 24) in 0.16 fixed point, i < 256 (LiteRT's int16 logistic/tanh
    table spans [0, 10.7] the same way; its stored values are not reproduced
    exactly: results agree within one step)."""
    return np.array([min(65535, round_away(65536.0 / (1.0 + math.exp(-i / 24.0)))) for i in range(256)], np.int32)


@lower("logistic", "tanh", dtype="i16")
def sigmoid_i16_lower(g: Graph, n: Node) -> Lowered:
    s_in, _ = per_tensor16(g, n, n.inputs[0])
    s_out, _ = per_tensor16(g, n, n.outputs[0])
    if abs(s_out - 1.0 / 32768) > 0.001 / 32768:
        raise UnsupportedError(f"{describe(g, n)}: int16 {n.op} needs output scale 1/32768 (given {s_out})")
    if math.frexp(s_in)[0] == 0.5:
        raise UnsupportedError(f"{describe(g, n)}: int16 {n.op} with a power-of-two input scale ({s_in}) takes "
                               f"LiteRT's other fixed-point path, which is not supported")
    # LiteRT's Prepare: input_scale * 3 * 4096 doubled until above 2^14 - 1, truncated.
    mult, shift = s_in * 4096.0 * 3.0, 0
    while mult <= 32767.0 / 2.0 and shift <= 30:
        shift, mult = shift + 1, mult * 2.0
    if not 1 <= int(mult) <= 32767:
        raise UnsupportedError(f"{describe(g, n)}: input scale {s_in} too large for the int16 {n.op} kernel")
    t = const_tensor(g, f"{g.tensors[n.outputs[0]].name}/sigmoid16", sigmoid_table16(), "i32")
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0], t], outputs=[n.outputs[0]],
                   iparams={"multiplier": int(mult), "left_shift": shift})
