"""Legacy uint8 models run on the int8 kernels.

Older TFLite converters wrote uint8 models: uint8 activations and per-tensor
uint8 weights with a non-zero weight zero point. selbuild has no uint8
compute kernels; instead every quantized uint8 tensor of the graph's uint8
ops becomes int8 with the same scale and zero point - 128 (constant values -
128 too), which leaves every real value, and so every integer step of
LiteRT's arithmetic (x - zp, w - w_zp), unchanged. The weights' zero points
reach the int8 GEMM kernels as `filter_zp` (convert/ops/q_conv.py). The
program's inputs and outputs stay uint8 for the app: a requantize
(quantize.u8i8 / quantize.i8u8, an exact shift) sits at each such boundary.

`plan` (selbuild/uint8_plan.py) decides from dtypes alone, so `analyze` (on
the raw TFLite tensors) and the converter (on the IR) name the same kernels.
"""

from __future__ import annotations

import numpy as np

from selbuild.ir import Graph, Node, Quant, Tensor
from selbuild.uint8_plan import Plan, note, plan  # noqa: F401 - note/Plan re-exported for callers

# The attr to_int8 sets on a uint8 average pool: its int8 kernel rounds ties up
# (LiteRT's uint8 sums are never negative: ties round up, int8 rounds them half
# away from zero), so the shifted pool is exact (convert/ops/q_ops.py).
TIES_UP_ATTR = "uint8_ties_up"

def _shifted_quant(q: Quant) -> Quant:
    return Quant(scale=q.scale, zero_point=np.asarray(q.zero_point, np.int64) - 128, axis=q.axis)


def _twin(g: Graph, idx: int) -> int:
    t = g.tensors[idx]
    return g.add_tensor(Tensor(name=f"{t.name}/int8", shape=t.shape, dtype="i8", quant=_shifted_quant(t.quant),
                               signature=t.signature))


def to_int8(g: Graph) -> Plan | None:
    """Run a legacy uint8 graph on the int8 kernels (in place); the plan applied, or None."""
    p = plan(g.tensors, [(n.op, n.dtype, n.inputs, n.outputs) for n in g.nodes], g.inputs, g.outputs)
    if p is None:
        return None
    for i in sorted(p.shift):
        t = g.tensors[i]
        if t.is_const:
            t.data = (np.asarray(t.data, np.int16) - 128).astype(np.int8)
        t.dtype, t.quant = "i8", _shifted_quant(t.quant)
    for i, dt in p.dtypes.items():
        g.nodes[i].dtype = dt
        if g.nodes[i].op == "average_pool2d" and dt == "i8":
            g.nodes[i].attrs[TIES_UP_ATTR] = True
    head, tail = [], []
    for t in p.in_boundary:
        tw = _twin(g, t)
        for n in g.nodes:
            n.inputs = [tw if v == t else v for v in n.inputs]
        head.append(Node(op="quantize", inputs=[t], outputs=[tw], source_op="QUANTIZE", dtype="u8i8"))
    for t in p.out_boundary:
        tw = _twin(g, t)
        for n in g.nodes:
            n.inputs = [tw if v == t else v for v in n.inputs]
            n.outputs = [tw if v == t else v for v in n.outputs]
        tail.append(Node(op="quantize", inputs=[tw], outputs=[t], source_op="QUANTIZE", dtype="i8u8"))
    g.nodes[:] = head + g.nodes + tail
    return p
