"""softmax, log_softmax and l2_normalization over the last axis (float kernels)."""

from __future__ import annotations

from selbuild.convert.ops._common import describe
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node

# TFLite's L2_NORMALIZATION floor on the norm (reference kernel default).
L2_EPSILON = 1e-6


@shape("softmax", "log_softmax", "l2_normalization")
def last_axis_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    return [tuple(g.tensors[n.inputs[0]].shape)]


def _lowered(g: Graph, n: Node, fparams: dict[str, float]) -> Lowered:
    if not g.tensors[n.inputs[0]].shape:
        raise UnsupportedError(f"{describe(g, n)}: a scalar input has no last axis")
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0]], outputs=[n.outputs[0]], fparams=fparams)


@lower("softmax")
def softmax_lower(g: Graph, n: Node) -> Lowered:
    return _lowered(g, n, {"beta": float(n.attrs.get("beta", 1.0))})


@lower("log_softmax")
def log_softmax_lower(g: Graph, n: Node) -> Lowered:
    return _lowered(g, n, {})


@lower("l2_normalization")
def l2_normalization_lower(g: Graph, n: Node) -> Lowered:
    act = n.attrs.get("activation", "none") or "none"
    if act != "none":
        raise UnsupportedError(f"{describe(g, n)}: fused activation '{act}' (TFLite supports none here)")
    return _lowered(g, n, {"epsilon": L2_EPSILON})
