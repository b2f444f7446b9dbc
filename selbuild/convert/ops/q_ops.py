"""int8 lowerings of the elementwise, pooling, reduction, softmax, lookup-table
and data-movement ops (TFLite full-integer semantics).

* add/sub: TFLite's 20-bit left shift, per-input multipliers relative to
  twice the larger input scale, one output multiplier (add.cc / sub.cc
  Prepare); mul: one multiplier s_a * s_b / s_out.
* logistic/tanh: 256-entry int8 tables built the way TFLite's reference
  kernels build theirs (float32 math on the dequantized value).
* softmax: TFLite's float exp table (PopulateSoftmaxLookupTable).
* mean: the reference kernel's three integer paths (see mean_i8.c).
* pools, reduce_max and the byte movers need input and output quantized
  alike (TFLite's converter guarantees it); checked here.
"""

from __future__ import annotations

import math

import numpy as np

from selbuild.convert import registry
from selbuild.convert.ops._common import broadcast_iparams, describe
from selbuild.convert.ops.q_common import (F32, act_range, const_tensor, expf, lut_i8, per_tensor,
                                           quantize_multiplier, same_quant, tanhf)
from selbuild.convert.ops.reduce import _axes
from selbuild.convert.uint8 import TIES_UP_ATTR
from selbuild.convert.registry import Lowered, lower
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node

LEFT_SHIFT = 20  # TFLite's headroom for int8 add/sub


def _generic(g: Graph, n: Node) -> Lowered:
    """The dtype-agnostic lowering of the op (its params do not depend on the dtype)."""
    low = registry.lower_fn(n.op, None)(g, n)
    low.kernel = n.kernel
    return low


# ------------------------------------------------------------------ add, sub, mul

@lower("add", "sub", "mul", dtype="i8")
def binary_i8_lower(g: Graph, n: Node) -> Lowered:
    (sa, za), (sb, zb) = per_tensor(g, n, n.inputs[0]), per_tensor(g, n, n.inputs[1])
    so, zo = per_tensor(g, n, n.outputs[0])
    ip = broadcast_iparams(g, n, ("a", "b"))
    if n.op == "mul":
        mo, sho = quantize_multiplier(float(sa) * float(sb) / float(so))
        ma = sha = mb = shb = left = 0
    else:
        twice_max = 2.0 * max(sa, sb)
        ma, sha = quantize_multiplier(sa / twice_max)
        mb, shb = quantize_multiplier(sb / twice_max)
        mo, sho = quantize_multiplier(twice_max / ((1 << LEFT_SHIFT) * so))
        left = LEFT_SHIFT
        if sha > 0 or shb > 0:
            raise UnsupportedError(f"{describe(g, n)}: input rescale above 1")
    ip.update(a_zp=za, b_zp=zb, out_zp=zo, a_mult=ma, a_shift=sha, b_mult=mb, b_shift=shb,
              out_mult=mo, out_shift=sho, left_shift=left, **act_range(g, n, n.outputs[0]))
    return Lowered(kernel=n.kernel, inputs=list(n.inputs[:2]), outputs=[n.outputs[0]], iparams=ip)


# ------------------------------------------------------------------ pools

@lower("average_pool2d", "max_pool2d", dtype="i8")
def pool_i8_lower(g: Graph, n: Node) -> Lowered:
    same_quant(g, n, n.inputs[0], n.outputs[0])
    low = _generic(g, n)
    low.fparams = {}
    low.iparams.update(act_range(g, n, n.outputs[0]))
    if n.op == "average_pool2d":   # a legacy uint8 pool rounds ties up, as LiteRT's uint8 kernel (convert/uint8.py)
        low.iparams["ties_up"] = int(bool(n.attrs.get(TIES_UP_ATTR)))
    return low


# ------------------------------------------------------------------ reductions

@lower("reduce_max", "reduce_min", dtype="i8")
def reduce_max_i8_lower(g: Graph, n: Node) -> Lowered:
    same_quant(g, n, n.inputs[0], n.outputs[0])
    return _generic(g, n)


@lower("sum", dtype="i8")
def sum_i8_lower(g: Graph, n: Node) -> Lowered:
    """LiteRT 2.3's default int8 SUM (sum_i8.c): a saturated sum when input and output are quantized alike,
    else float32 rint(sum * scale + bias) with LiteRT's float32 scale and bias."""
    low = _generic(g, n)
    s_in, z_in = per_tensor(g, n, n.inputs[0])
    s_out, z_out = per_tensor(g, n, n.outputs[0])
    x = g.tensors[n.inputs[0]]
    count = 1
    for a in _axes(g, n):
        count *= x.shape[a]
    rescale = int((s_in, z_in) != (s_out, z_out))
    scale = F32(F32(s_in) / F32(s_out))
    bias = F32(F32(F32(-z_in) * scale) * F32(count))
    low.iparams.update(rescale=rescale, input_zp=z_in, output_zp=z_out)
    low.fparams = {"scale": float(scale), "bias": float(bias)}
    return low


@lower("reduce_prod", dtype="i8")
def reduce_prod_i8_lower(g: Graph, n: Node) -> Lowered:
    low = _generic(g, n)
    s_in, z_in = per_tensor(g, n, n.inputs[0])
    s_out, z_out = per_tensor(g, n, n.outputs[0])
    count = max(1, g.tensors[n.inputs[0]].numel // max(1, g.tensors[n.outputs[0]].numel))
    # LiteRT's PrepareProd: each of the count steps scales by s_in / s_out^(1/count)
    mult, sh = quantize_multiplier(float(s_in) / math.pow(float(s_out), 1.0 / count))
    if not -31 <= sh <= 7:
        raise UnsupportedError(f"{describe(g, n)}: int8 product rescale 2^{sh} outside LiteRT's range")
    low.iparams.update(input_zp=z_in, output_zp=z_out, multiplier=mult, shift=sh)
    return low


@lower("mean", dtype="i8")
def mean_i8_lower(g: Graph, n: Node) -> Lowered:
    low = _generic(g, n)
    s_in, z_in = per_tensor(g, n, n.inputs[0])
    s_out, z_out = per_tensor(g, n, n.outputs[0])
    x = g.tensors[n.inputs[0]]
    count = 1
    for a in _axes(g, n):
        count *= x.shape[a]
    if x.numel > (1 << 31) // 256:
        raise UnsupportedError(f"{describe(g, n)}: input too large for int32 sums")
    # LiteRT's reference QuantizedMeanOrSum: the s_in / s_out multiplier gets
    # 1/count folded in by integer division after a left shift of
    # floor(log2(count)) bits (clamped so that the shift stays >= -31).
    m0, s0 = quantize_multiplier(float(s_in) / float(s_out))
    shift = min(count.bit_length() - 1, 32, 31 + s0)
    mult, sh = (m0 << shift) // count, s0 - shift
    # The kernel left-shifts |u| <= 255 * count by sh when sh > 0.
    if sh > 30 or (sh > 0 and (255 * count) << sh >= 1 << 31):
        raise UnsupportedError(f"{describe(g, n)}: output scale too small for the int8 mean")
    low.iparams.update(input_zp=z_in, output_zp=z_out, multiplier=mult, shift=sh)
    return low


# ------------------------------------------------------------------ batch_matmul

@lower("batch_matmul", dtype="i8")
def batch_matmul_i8_lower(g: Graph, n: Node) -> Lowered:
    """LiteRT's int8 BatchMatMul: one multiplier s_a * s_b / s_out, both zero points subtracted."""
    low = _generic(g, n)
    (sa, za), (sb, zb) = per_tensor(g, n, n.inputs[0]), per_tensor(g, n, n.inputs[1])
    so, zo = per_tensor(g, n, n.outputs[0])
    if g.tensors[n.outputs[0]].dtype != "i8" or g.tensors[n.inputs[1]].dtype != "i8":
        raise UnsupportedError(f"{describe(g, n)}: int8 batch_matmul needs int8 b and output")
    mult, sh = quantize_multiplier(float(sa) * float(sb) / float(so))
    if sh > 30:
        raise UnsupportedError(f"{describe(g, n)}: output scale too small for the int8 batch_matmul")
    low.iparams.update(a_zp=za, b_zp=zb, out_zp=zo, multiplier=mult, shift=sh)
    return low


# ------------------------------------------------------------------ softmax

@lower("softmax", dtype="i8")
def softmax_i8_lower(g: Graph, n: Node) -> Lowered:
    x = g.tensors[n.inputs[0]]
    if not x.shape:
        raise UnsupportedError(f"{describe(g, n)}: a scalar input has no last axis")
    s_in, _ = per_tensor(g, n, n.inputs[0])
    s_out, z_out = per_tensor(g, n, n.outputs[0])
    if g.tensors[n.outputs[0]].dtype != "i8":
        raise UnsupportedError(f"{describe(g, n)}: int8 softmax with {g.tensors[n.outputs[0]].dtype} output")
    # PopulateSoftmaxLookupTable: table[255 - v] = expf(-input_scale * beta * v), float32.
    scale = F32(-F32(s_in)) * F32(n.attrs.get("beta", 1.0))
    table = np.zeros(256, np.float32)
    for v in range(256):
        table[255 - v] = expf(F32(scale * F32(v)))
    t = const_tensor(g, f"{x.name}/softmax_exp", table, "f32")
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0], t], outputs=[n.outputs[0]],
                   iparams={"output_zp": z_out}, fparams={"output_scale": s_out})


# ------------------------------------------------------------------ lookup tables

_LUT_FN = {
    "logistic": lambda v: F32(1) / (F32(1) + expf(-v)),
    "tanh": tanhf,
}


@lower(*_LUT_FN, dtype="i8")
def lut_op_i8_lower(g: Graph, n: Node) -> Lowered:
    table = lut_i8(per_tensor(g, n, n.inputs[0]), per_tensor(g, n, n.outputs[0]), _LUT_FN[n.op])
    t = const_tensor(g, f"{g.tensors[n.outputs[0]].name}/{n.op}_table", table, "i8")
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0], t], outputs=[n.outputs[0]])


# ------------------------------------------------------------------ byte movers

_MOVERS = ("reshape", "squeeze", "expand_dims", "split", "split_v", "unpack", "strided_slice", "slice",
           "transpose", "concatenation", "pack", "gather", "resize_nearest_neighbor", "pad",
           "depth_to_space", "space_to_depth", "space_to_batch_nd", "batch_to_space_nd")


@lower(*_MOVERS, dtype="i8")
def mover_i8_lower(g: Graph, n: Node) -> Lowered:
    """Ops that only move int8 bytes: every int8 tensor they touch must be
    quantized alike (TFLite's converter arranges it; a rescaling concat is not
    supported)."""
    low = _generic(g, n)
    tensors = [i for i in low.inputs + low.outputs if i >= 0 and g.tensors[i].dtype == "i8"]
    for t in tensors[1:]:
        same_quant(g, n, tensors[0], t)
    if n.op == "concatenation":
        if (n.attrs.get("activation") or "none") != "none":
            raise UnsupportedError(f"{describe(g, n)}: int8 concatenation with a fused activation")
        low.fparams = {}
    if n.op == "pad":
        low.iparams["value"] = per_tensor(g, n, n.outputs[0])[1]   # int8 pads with the real value 0
    return low


# ------------------------------------------------------------------ resize_bilinear

@lower("resize_bilinear", dtype="i8")
def resize_bilinear_i8_lower(g: Graph, n: Node) -> Lowered:
    same_quant(g, n, n.inputs[0], n.outputs[0])
    low = _generic(g, n)            # validates size and the align_corners/half_pixel_centers pair
    _, h, w, _ = g.tensors[n.inputs[0]].shape
    _, oh, ow, _ = g.tensors[n.outputs[0]].shape
    ac = bool(n.attrs.get("align_corners", False))

    def scale10(i: int, o: int) -> int:
        # TFLite's integer resize: the input/output ratio in 10-bit fixed point, rounded.
        if ac and o > 1:
            return ((1 << 10) * (i - 1) + (o - 1) // 2) // (o - 1)
        return ((1 << 10) * i + o // 2) // o
    low.iparams = {"half_pixel_centers": int(bool(n.attrs.get("half_pixel_centers", False))),
                   "scale_h10": scale10(h, oh), "scale_w10": scale10(w, ow)}
    low.fparams = {}
    return low
