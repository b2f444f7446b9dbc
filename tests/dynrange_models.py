"""Dynamic-range models made from the bundled float ones, for tests that need
a converter-shaped hybrid network bigger than tiny_cnn_dynrange (TF is not
installed here, so its converter cannot be run).

dynamic_range(path) re-emits graph 0 of a float .tflite through
tests/tflite_builder with the weights TF's dynamic-range quantization
touches: constant filters of CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED
with at least 1024 elements become symmetric int8 per output channel
(scale = max|w| / 127), FULLY_CONNECTED gets asymmetric_quantize_inputs, as in
the bundled converter-made tiny_cnn_dynrange. Everything else is copied.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from selbuild.frontends import load_model
from tflite_builder import Op, T, build_model

_AXIS = {"CONV_2D": 0, "DEPTHWISE_CONV_2D": 3, "FULLY_CONNECTED": 0}
_HYBRID_VERSION = {"CONV_2D": 2, "DEPTHWISE_CONV_2D": 2, "FULLY_CONNECTED": 9}
MIN_ELEMENTS = 1024          # TF leaves smaller weights float


def _quantize(w: np.ndarray, axis: int) -> tuple[np.ndarray, list[float]]:
    moved = np.moveaxis(w.astype(np.float64), axis, 0).reshape(w.shape[axis], -1)
    scale = np.maximum(np.abs(moved).max(axis=1), 1e-30) / 127.0
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(np.round(w / scale.reshape(shape)), -127, 127).astype(np.int8)
    return q, [float(s) for s in scale]


def dynamic_range(path: Path) -> bytes:
    tensors, ops, g = _parts(path)
    return build_model(ops=ops, tensors=tensors, inputs=list(g.inputs), outputs=list(g.outputs))


def hybrid_nodes(path: Path) -> list[tuple[bytes, str, str]]:
    """Each hybrid node of dynamic_range(path) as its own model: (model,
    input tensor name, output tensor name), to compare layer by layer with
    LiteRT's intermediate tensors (one rounding flip in a deep random-weight
    network's input quantization cascades; each layer alone is exact)."""
    tensors, ops, _ = _parts(path)
    out = []
    for op in ops:
        if op.version == 1:
            continue
        used = [i for i in op.inputs if i is not None] + list(op.outputs)
        local = {old: new for new, old in enumerate(used)}
        sub = [tensors[i] for i in used]
        one = Op(op.builtin, [None if i is None else local[i] for i in op.inputs], [local[i] for i in op.outputs],
                 options=op.options, version=op.version)
        x, y = local[op.inputs[0]], local[op.outputs[0]]
        out.append((build_model(ops=[one], tensors=sub, inputs=[x], outputs=[y]), sub[x].name, sub[y].name))
    return out


def _parts(path: Path):
    g = load_model(path).main
    quant: dict[int, tuple[np.ndarray, list[float], int]] = {}
    for n in g.nodes:
        if n.source_op in _AXIS and len(n.inputs) > 1:
            w = g.tensors[n.inputs[1]]
            if w.is_const and w.dtype == "f32" and w.numel >= MIN_ELEMENTS:
                q, s = _quantize(np.asarray(w.data), _AXIS[n.source_op])
                quant[n.inputs[1]] = (q, s, _AXIS[n.source_op])
    tensors = []
    for i, t in enumerate(g.tensors):
        if i in quant:
            q, s, axis = quant[i]
            tensors.append(T(t.name, list(t.shape), "i8", data=q, scale=s, zero_point=[0] * len(s),
                             quantized_dimension=axis))
        else:
            tensors.append(T(t.name, list(t.shape), t.dtype, data=t.data))
    ops = []
    for n in g.nodes:
        hybrid = len(n.inputs) > 1 and n.inputs[1] in quant
        opts = dict(n.attrs)
        if hybrid and n.source_op == "FULLY_CONNECTED":
            opts["asymmetric_quantize_inputs"] = True
        ops.append(Op(n.source_op, [i if i >= 0 else None for i in n.inputs], list(n.outputs), options=opts,
                      version=_HYBRID_VERSION[n.source_op] if hybrid else 1))
    return tensors, ops, g
