"""Which tensors of a legacy uint8 graph run as int8: decided from dtypes alone.

The decision (`plan`) reads tensors that have `.dtype`, `.quant`, `.name` and
either `.is_const` (the IR) or `.has_data` (the TFLite reader's raw tensors),
so `analyze` (a frontend) and the converter (selbuild/convert/uint8.py, which
applies it) name the same kernels; it lives below both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from selbuild.errors import UnsupportedError

# Ops that read the stored integers rather than the values they quantize:
# shifting their tensors would change their results.
_VALUE_BLIND = frozenset({"cast", "bitwise_xor", "right_shift", "left_shift"})


@dataclass
class Plan:
    shift: set[int] = field(default_factory=set)          # uint8 tensors that become int8
    in_boundary: list[int] = field(default_factory=list)  # uint8 graph inputs: quantize.u8i8 after them
    out_boundary: list[int] = field(default_factory=list)  # uint8 graph outputs: quantize.i8u8 before them
    dtypes: dict[int, str] = field(default_factory=dict)  # node index -> its int8 dtype

    @property
    def kernels(self) -> list[str]:
        """The boundary kernels the plan adds."""
        return ["quantize.u8i8"] * len(self.in_boundary) + ["quantize.i8u8"] * len(self.out_boundary)


def _quantized_u8(t: Any) -> bool:
    return t.dtype == "u8" and t.quant is not None and np.asarray(t.quant.scale).size > 0


def _const(t: Any) -> bool:
    """ir.Tensor or the TFLite reader's RawTensor."""
    return t.is_const if hasattr(t, "is_const") else t.has_data and not t.is_variable


def plan(tensors: Sequence[Any], nodes: Sequence[tuple[str, str, Sequence[int], Sequence[int]]],
         inputs: Sequence[int], outputs: Sequence[int]) -> Plan | None:
    """None for a graph without uint8 compute; otherwise what to_int8 changes.

    nodes: (canonical op, dtype, inputs, outputs) per node; tensors need
    .dtype, .quant and .name. A uint8 node is one of dtype "u8" touching a
    quantized uint8 activation (a dequantize of constant uint8 weights folds
    instead; requantize nodes "u8i8"/"i8u8" are not: they only follow their
    tensors)."""
    legacy = [i for i, (op, dt, ins, outs) in enumerate(nodes)
              if dt == "u8" and op not in _VALUE_BLIND
              and any(t >= 0 and _quantized_u8(tensors[t]) and not _const(tensors[t]) for t in [*ins, *outs])]
    if not legacy:
        return None
    touched = {t for i in legacy for t in [*nodes[i][2], *nodes[i][3]] if t >= 0 and _quantized_u8(tensors[t])}
    p = Plan(in_boundary=sorted(t for t in touched if t in inputs),
             out_boundary=sorted(t for t in touched if t in outputs and t not in inputs))
    p.shift = touched - set(inputs) - set(outputs)
    renamed = set(p.shift) | set(p.in_boundary) | set(p.out_boundary)
    for i, (op, dt, ins, outs) in enumerate(nodes):
        mine = [t for t in [*ins, *outs] if t in renamed]
        if not mine:
            continue
        if op in _VALUE_BLIND:
            raise UnsupportedError(f"node {i} ({op}.{dt}) reads the stored uint8 integers of "
                                   f"'{tensors[mine[0]].name}', which selbuild runs as int8",
                                   hint="legacy uint8 models run on the int8 kernels; this op is not shift-invariant")
        if dt == "u8":
            p.dtypes[i] = "i8"
        elif op == "quantize" and len(dt) == 4 and ins and outs:
            # A requantize: its dtype follows its tensors (quantize.i8i8 when both shift).
            p.dtypes[i] = "".join("i8" if t in renamed else tensors[t].dtype for t in (ins[0], outs[0]))
    return p


def note(p: Plan) -> str:
    """analyze's line for a legacy uint8 model."""
    edges = ", ".join(sorted(set(p.kernels))) or "none"
    return (f"legacy uint8 quantized: runs on the int8 kernels ({len(p.shift)} uint8 tensors become int8 with "
            f"zero point - 128, weight zero points go to filter_zp); uint8 program inputs/outputs stay uint8 "
            f"(boundary kernels: {edges})")
