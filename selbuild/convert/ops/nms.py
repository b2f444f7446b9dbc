"""non_max_suppression_v4 / v5 (f32): max_output_size must be a constant (it
is the static length of the selected outputs); v5's soft_nms_sigma a constant
0 (hard NMS: soft-NMS is not implemented). The thresholds stay inputs (run
time or constant)."""

from __future__ import annotations

import numpy as np

from selbuild.convert.ops._common import describe
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node

_OPS = ("non_max_suppression_v4", "non_max_suppression_v5")


def _max_outputs(g: Graph, n: Node) -> int:
    t = g.tensors[n.inputs[2]]
    if not t.is_const or np.asarray(t.data).size != 1:
        raise UnsupportedError(f"{describe(g, n)}: max_output_size must be a one-element constant",
                               hint="selbuild runs static shapes: the selected outputs are max_output_size long, "
                                    "so give it a constant")
    m = int(np.asarray(t.data).reshape(-1)[0])
    if m < 1:
        raise UnsupportedError(f"{describe(g, n)}: max_output_size {m} selects nothing")
    return m


@shape(*_OPS)
def nms_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    m = _max_outputs(g, n)
    return [(m,), (m,), ()] if n.op.endswith("v5") else [(m,), ()]


@lower(*_OPS)
def nms_lower(g: Graph, n: Node) -> Lowered:
    _max_outputs(g, n)
    if n.op.endswith("v5"):
        sigma = g.tensors[n.inputs[5]]
        if not sigma.is_const or np.asarray(sigma.data).size != 1 or float(np.asarray(sigma.data).reshape(-1)[0]) != 0:
            raise UnsupportedError(f"{describe(g, n)}: soft_nms_sigma must be a constant 0 (soft-NMS is not supported)",
                                   hint="use hard NMS (soft_nms_sigma 0) or NON_MAX_SUPPRESSION_V4")
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0], n.inputs[1], n.inputs[3], n.inputs[4]],
                   outputs=list(n.outputs))
