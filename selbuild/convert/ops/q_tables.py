"""int8 activations as 256-entry lookup tables (kernels relu.i8, relu6.i8,
relu_n1_to_1.i8, relu_0_to_1.i8, leaky_relu.i8, hard_swish.i8, elu.i8).

Any int8 -> int8 elementwise function is a table over its 256 inputs. Each
table below holds exactly what TFLite's int8 kernel computes, emulated here
on the build machine with TFLite's own parameter derivation (float32 where
TFLite's Prepare uses float) and integer arithmetic (q_common's mbqm and the
gemmlowp int16 primitives); the device then does one load per element.
"""

from __future__ import annotations

import numpy as np

from selbuild.convert.ops._common import describe
from selbuild.convert.ops.q_common import (F32, const_tensor, expm1f, lut_i8, mbqm, per_tensor, quantize_multiplier,
                                           round_away, _rdbpot, sat_lshift16, sdhm16, srdhm16, to_int16_multiplier)
from selbuild.convert.registry import Lowered, lower
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node

_RELU_BOUNDS = {"relu": (0.0, None), "relu6": (0.0, 6.0), "relu_n1_to_1": (-1.0, 1.0), "relu_0_to_1": (0.0, 1.0)}


def _relu_table(g: Graph, n: Node) -> np.ndarray:
    (si, zi), (so, zo) = per_tensor(g, n, n.inputs[0]), per_tensor(g, n, n.outputs[0])
    # ReluPrepare: float32 quotient; QuantizedReluX: bounds via roundf(bound / scale).
    m, sh = quantize_multiplier(float(F32(si) / F32(so)))
    lo_f, hi_f = _RELU_BOUNDS[n.op]
    lo = max(-128, zo + round_away(float(F32(lo_f) / F32(so))))
    hi = 127 if hi_f is None else min(127, zo + round_away(float(F32(hi_f) / F32(so))))
    return np.array([max(lo, min(hi, zo + mbqm(v - zi, m, sh))) for v in _inputs()], np.int8)


def _leaky_relu_table(g: Graph, n: Node) -> np.ndarray:
    (si, zi), (so, zo) = per_tensor(g, n, n.inputs[0]), per_tensor(g, n, n.outputs[0])
    alpha = F32(n.attrs.get("alpha", 0.2))
    ma, sa = quantize_multiplier(float(F32(F32(si) * alpha) / F32(so)))
    mi, si_ = quantize_multiplier(float(F32(si) / F32(so)))
    out = []
    for v in _inputs():
        x = v - zi
        y = zo + (mbqm(x, mi, si_) if x >= 0 else mbqm(x, ma, sa))
        out.append(max(-128, min(127, y)))
    return np.array(out, np.int8)


def _hard_swish_table(g: Graph, n: Node) -> np.ndarray:
    (si, zi), (so, zo) = per_tensor(g, n, n.inputs[0]), per_tensor(g, n, n.outputs[0])
    # HardSwishPrepare, in float32 as TFLite computes it.
    hires = F32(F32(1.0 / 128.0) * F32(si))
    m_out, e_out = quantize_multiplier(float(F32(hires / F32(so))))
    m_rel, e_rel = quantize_multiplier(float(F32(hires / F32(3.0 / 32768.0))))
    if e_out > 0:
        raise UnsupportedError(f"{describe(g, n)}: output scale too small for int8 hard_swish")
    m_out16, m_rel16 = to_int16_multiplier(m_out), to_int16_multiplier(m_rel)
    out = []
    for v in _inputs():
        x = (v - zi) * 128                       # hires input, fits int16
        pre_out = srdhm16(x, m_out16)
        rel = x if e_rel <= 0 else sat_lshift16(x, e_rel - 1)
        rel = srdhm16(rel, m_rel16)
        if e_rel > 0:
            rel = sat_lshift16(rel, 1)
        elif e_rel < 0:
            rel = _rdbpot(rel, -e_rel)
        rel = (rel + (1 << 15)) >> 1
        y = _rdbpot(sdhm16(rel, pre_out), -e_out) + zo
        out.append(max(-128, min(127, y)))
    return np.array(out, np.int8)


def _elu_table(g: Graph, n: Node) -> np.ndarray:
    return lut_i8(per_tensor(g, n, n.inputs[0]), per_tensor(g, n, n.outputs[0]),
                  lambda x: expm1f(x) if x < 0 else F32(x))


def _inputs() -> range:
    return range(-128, 128)


def _as_lut(values: np.ndarray) -> np.ndarray:
    """Table indexed by (uint8)x: inputs -128..127 map to entries 128..255, 0..127."""
    return np.concatenate([values[128:], values[:128]]).astype(np.int8)


_BUILDERS = {"relu": _relu_table, "relu6": _relu_table, "relu_n1_to_1": _relu_table, "relu_0_to_1": _relu_table,
             "leaky_relu": _leaky_relu_table, "hard_swish": _hard_swish_table}


@lower(*_BUILDERS, "elu", dtype="i8")
def table_i8_lower(g: Graph, n: Node) -> Lowered:
    table = _elu_table(g, n) if n.op == "elu" else _as_lut(_BUILDERS[n.op](g, n))
    t = const_tensor(g, f"{g.tensors[n.outputs[0]].name}/{n.op}_table", table, "i8")
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0], t], outputs=[n.outputs[0]])
