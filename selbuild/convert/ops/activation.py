"""Activation ops with parameters: leaky_relu (alpha), gelu (approximate) and
prelu (alpha tensor, broadcast against the input like a binary op). The plain
ones (relu, tanh, ...) are lowered in unary.py.
"""

from __future__ import annotations

from selbuild.convert.ops._common import broadcast_iparams, broadcast_inputs_shape
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.ir import Graph, Node

@shape("leaky_relu", "gelu")
def activation_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    return [tuple(g.tensors[n.inputs[0]].shape)]


@lower("leaky_relu")
def leaky_relu_lower(g: Graph, n: Node) -> Lowered:
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0]], outputs=[n.outputs[0]],
                   fparams={"alpha": float(n.attrs.get("alpha", 0.0))})


@lower("gelu")
def gelu_lower(g: Graph, n: Node) -> Lowered:
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0]], outputs=[n.outputs[0]],
                   iparams={"approximate": int(bool(n.attrs.get("approximate", False)))})


shape("prelu")(broadcast_inputs_shape)      # x and alpha broadcast like add's a and b


@lower("prelu")
def prelu_lower(g: Graph, n: Node) -> Lowered:
    # a = input, b = alpha: the kernel walks both with broadcast strides.
    return Lowered(kernel=n.kernel, inputs=list(n.inputs[:2]), outputs=[n.outputs[0]],
                   iparams=broadcast_iparams(g, n, ("a", "b")))
