"""Dynamic-range ("hybrid") nodes: float activations with int8/uint8/int4
constant weights (node dtype f32i8 / f32u8 / f32i4, e.g. TFLite's dynamic
range quantization). Ops with a hybrid kernel lower in hybrid.py; any other
such node fails the conversion with a message that names the hybrid kernel
and the ways out, instead of falling through to a float lowering that would
emit a kernel the catalogue does not declare.
"""

from __future__ import annotations

from selbuild.convert.ops._common import describe
from selbuild.convert.ops.hybrid import HYBRID_I4_KERNELS, HYBRID_KERNELS
from selbuild.convert.registry import Lowered, lower
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node

HYBRID_DTYPES = ("f32i8", "f32u8", "f32i4")
# Ops TFLite runs as hybrid kernels when their weights are quantized.
HYBRID_OPS = ("fully_connected", "conv2d", "depthwise_conv2d", "batch_matmul", "transpose_conv",
              "lstm", "unidirectional_sequence_lstm", "bidirectional_sequence_lstm", "svdf", "rnn",
              "unidirectional_sequence_rnn", "embedding_lookup")


def _reject(g: Graph, n: Node) -> Lowered:
    raise UnsupportedError(
        f"{describe(g, n)}: '{n.kernel}' is a dynamic-range (hybrid) kernel: float activations with "
        f"{n.dtype[3:]} weights quantized on the fly. selbuild has no such kernel (hybrid kernels: "
        f"{', '.join([k + '.f32i8' for k in HYBRID_KERNELS] + [k + '.f32i4' for k in HYBRID_I4_KERNELS])})",
        hint="re-export the model with full-integer quantization (int8 kernels) or as float32 "
             "(TFLiteConverter without `optimizations`, or with a representative dataset)")


_HAVE = {"f32i8": HYBRID_KERNELS, "f32i4": HYBRID_I4_KERNELS}
for _dt in HYBRID_DTYPES:
    lower(*(op for op in HYBRID_OPS if op not in _HAVE.get(_dt, ())), dtype=_dt)(_reject)
