"""depth_to_space and space_to_depth (float kernels): NHWC, block_size."""

from __future__ import annotations

from selbuild.convert.ops._common import describe
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node


def _block(g: Graph, n: Node) -> int:
    b = int(n.attrs.get("block_size", 0))
    x = g.tensors[n.inputs[0]]
    if b < 1 or len(x.shape) != 4:
        raise UnsupportedError(f"{describe(g, n)}: needs a 4-D NHWC input and block_size >= 1 "
                               f"(got {list(x.shape)}, {b})")
    nb, h, w, c = x.shape
    if n.op == "depth_to_space" and c % (b * b):
        raise UnsupportedError(f"{describe(g, n)}: depth {c} is not a multiple of {b}x{b}")
    if n.op == "space_to_depth" and (h % b or w % b):
        raise UnsupportedError(f"{describe(g, n)}: {h}x{w} is not a multiple of block {b}")
    return b


@shape("depth_to_space", "space_to_depth")
def space_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    b = _block(g, n)
    nb, h, w, c = g.tensors[n.inputs[0]].shape
    if n.op == "depth_to_space":
        return [(nb, h * b, w * b, c // (b * b))]
    return [(nb, h // b, w // b, c * b * b)]


@lower("depth_to_space", "space_to_depth")
def space_lower(g: Graph, n: Node) -> Lowered:
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0]], outputs=[n.outputs[0]],
                   iparams={"block_size": _block(g, n)})
