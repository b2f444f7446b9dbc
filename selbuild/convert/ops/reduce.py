"""mean, sum, reduce_max, reduce_min, reduce_prod (float kernels), reduce_any and reduce_all (bool).

The axes operand (a constant tensor in TFLite) becomes a bit mask over the
input dims; negative and repeated axes are normalized here. keep_dims only
decides the output shape: the kept elements are in the same order either way.
"""

from __future__ import annotations

import numpy as np

from selbuild.convert.ops._common import MAX_RANK, describe
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node

_REDUCERS = ("mean", "sum", "reduce_max", "reduce_min", "reduce_prod", "reduce_any", "reduce_all")


def _axes(g: Graph, n: Node) -> set[int]:
    x = g.tensors[n.inputs[0]]
    if len(n.inputs) < 2 or n.inputs[1] < 0:
        raise UnsupportedError(f"{describe(g, n)}: no axes operand")
    t = g.tensors[n.inputs[1]]
    if not t.is_const:
        raise UnsupportedError(f"{describe(g, n)}: the axes must be a constant tensor")
    r = len(x.shape)
    axes = set()
    for a in np.asarray(t.data).reshape(-1).tolist():
        a = int(a)
        if not -max(r, 1) <= a < max(r, 1):
            raise UnsupportedError(f"{describe(g, n)}: axis {a} is out of range for rank {r}")
        axes.add(a % r if r else 0)
    return axes


@shape(*_REDUCERS)
def reduce_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    x = g.tensors[n.inputs[0]]
    axes = _axes(g, n)
    if n.attrs.get("keep_dims", False):
        return [tuple(1 if i in axes else d for i, d in enumerate(x.shape))]
    return [tuple(d for i, d in enumerate(x.shape) if i not in axes)]


@lower(*_REDUCERS)
def reduce_lower(g: Graph, n: Node) -> Lowered:
    x = g.tensors[n.inputs[0]]
    if len(x.shape) > MAX_RANK:
        raise UnsupportedError(f"{describe(g, n)}: rank {len(x.shape)} input; the kernel takes rank <= {MAX_RANK}")
    mask = sum(1 << a for a in _axes(g, n) if a < len(x.shape))
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0]], outputs=[n.outputs[0]], iparams={"axis_mask": mask})
