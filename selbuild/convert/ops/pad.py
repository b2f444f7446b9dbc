"""pad and pad_v2 (float kernels).

The paddings operand ([rank, 2], constant in TFLite) becomes before0..5; the
padding after each dim is implied by the output shape. pad_v2's constant
value stays a tensor input that the kernel reads at run time.
"""

from __future__ import annotations

import numpy as np

from selbuild.convert.ops._common import MAX_RANK, describe
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node


def _paddings(g: Graph, n: Node) -> list[tuple[int, int]]:
    x, t = g.tensors[n.inputs[0]], g.tensors[n.inputs[1]]
    if not t.is_const:
        raise UnsupportedError(f"{describe(g, n)}: the paddings must be a constant tensor")
    p = np.asarray(t.data).reshape(-1, 2) if np.asarray(t.data).size else np.zeros((0, 2), np.int64)
    if p.shape[0] != len(x.shape) or (p < 0).any():
        raise UnsupportedError(f"{describe(g, n)}: paddings {p.tolist()} do not fit rank {len(x.shape)} "
                               f"(or are negative)")
    return [(int(a), int(b)) for a, b in p]


@shape("pad", "pad_v2")
def pad_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    x = g.tensors[n.inputs[0]]
    return [tuple(d + a + b for d, (a, b) in zip(x.shape, _paddings(g, n)))]


@lower("pad", "pad_v2")
def pad_lower(g: Graph, n: Node) -> Lowered:
    pads = _paddings(g, n)
    if len(pads) > MAX_RANK:
        raise UnsupportedError(f"{describe(g, n)}: rank {len(pads)}; the kernel takes rank <= {MAX_RANK}")
    ip = {f"before{i}": (pads[i][0] if i < len(pads) else 0) for i in range(MAX_RANK)}
    inputs = [n.inputs[0]]
    if n.op == "pad_v2":
        if len(n.inputs) < 3 or n.inputs[2] < 0:
            raise UnsupportedError(f"{describe(g, n)}: no constant_values operand")
        v = g.tensors[n.inputs[2]]
        if v.numel != 1:
            raise UnsupportedError(f"{describe(g, n)}: constant_values has {v.numel} elements, expected 1")
        inputs.append(n.inputs[2])
    return Lowered(kernel=n.kernel, inputs=inputs, outputs=[n.outputs[0]], iparams=ip)
