"""The float <-> int8 boundary: quantize (f32 -> i8) and dequantize (i8 or
f16 -> f32). Scale and zero point are the int8 tensor's per-tensor
quantization, passed as params (kernels never read tensor quantization).
Constant dequantizes are folded by passes.fold_constants before lowering.
"""

from __future__ import annotations

import numpy as np

from selbuild.convert.ops._common import describe
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node, Tensor


def _per_tensor(g: Graph, n: Node, t: Tensor) -> tuple[float, int]:
    q = t.quant
    if q is None or np.asarray(q.scale).size != 1:
        raise UnsupportedError(f"{describe(g, n)}: '{t.name}' needs per-tensor quantization "
                               f"({'none' if q is None else 'per-channel'} given)")
    scale, zp = float(np.float32(np.asarray(q.scale).reshape(-1)[0])), int(np.asarray(q.zero_point).reshape(-1)[0])
    if not (scale > 0 and np.isfinite(scale)) or not -128 <= zp <= 127:
        raise UnsupportedError(f"{describe(g, n)}: scale {scale} / zero point {zp} not usable for int8")
    return scale, zp


@shape("quantize", "dequantize")
def quant_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    return [tuple(g.tensors[n.inputs[0]].shape)]


@lower("quantize")
def quantize_lower(g: Graph, n: Node) -> Lowered:
    src, dst = g.tensors[n.inputs[0]], g.tensors[n.outputs[0]]
    if src.dtype != "f32" or dst.dtype != "i8":
        raise UnsupportedError(f"{describe(g, n)}: quantize {src.dtype} -> {dst.dtype} has no kernel (quantize.i8 and "
                               f"quantize.i16 take f32; requantize kernels: quantize.i8i8, i8u8, u8i8, u8u8, i16i8, "
                               f"i16i16)")
    scale, zp = _per_tensor(g, n, dst)
    return Lowered(kernel="quantize.i8", inputs=[n.inputs[0]], outputs=[n.outputs[0]],
                   iparams={"zero_point": zp}, fparams={"scale": scale})


@lower("dequantize")
def dequantize_lower(g: Graph, n: Node) -> Lowered:
    src, dst = g.tensors[n.inputs[0]], g.tensors[n.outputs[0]]
    if dst.dtype != "f32" or src.dtype not in ("i8", "f16"):
        raise UnsupportedError(f"{describe(g, n)}: dequantize {src.dtype} -> {dst.dtype}; "
                               f"kernels exist for i8 -> f32 and f16 -> f32")
    if src.dtype == "f16":
        return Lowered(kernel="dequantize.f16", inputs=[n.inputs[0]], outputs=[n.outputs[0]])
    scale, zp = _per_tensor(g, n, src)
    return Lowered(kernel="dequantize.i8", inputs=[n.inputs[0]], outputs=[n.outputs[0]],
                   iparams={"zero_point": zp}, fparams={"scale": scale})
