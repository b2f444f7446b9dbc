"""Plain one-input ops: float math (rsqrt, exp, ...) and activations (relu, tanh, ...).

Every op the descriptor (runtime_src/kernels/kernels.yaml) marks `lowering:
plain`: no attributes reach the kernel, which takes no params, and the output
has the input's shape. An int8 kernel of such an op (a lookup table) has its
own lowering registered for dtype i8, which takes precedence.
"""

from __future__ import annotations

from selbuild.convert.registry import Lowered, lower, shape
from selbuild.ir import Graph, Node
from selbuild.opmaps import plain_ops

PLAIN_OPS = plain_ops()


@shape(*PLAIN_OPS)
def unary_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    return [tuple(g.tensors[n.inputs[0]].shape)]


@lower(*PLAIN_OPS)
def unary_lower(g: Graph, n: Node) -> Lowered:
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0]], outputs=[n.outputs[0]])
