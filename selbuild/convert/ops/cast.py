"""cast: the cast.<source dtype> kernel (f32, i32, i64, bool, i8) converts to
the output tensor's dtype (f32, i8, u8, i16, i32, i64, bool); no params.
"""

from __future__ import annotations

from selbuild.convert.ops._common import describe
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node

_TARGETS = ("f32", "i8", "u8", "i16", "i32", "i64", "bool")
_SOURCES = ("f32", "i32", "i64", "bool", "i8")


@shape("cast")
def cast_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    return [tuple(g.tensors[n.inputs[0]].shape)]


@lower("cast")
def cast_lower(g: Graph, n: Node) -> Lowered:
    src, dst = g.tensors[n.inputs[0]], g.tensors[n.outputs[0]]
    if src.dtype not in _SOURCES or dst.dtype not in _TARGETS:
        raise UnsupportedError(f"{describe(g, n)}: cast {src.dtype} -> {dst.dtype}; "
                               f"the cast kernels convert {', '.join(_SOURCES)} to {', '.join(_TARGETS)}")
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0]], outputs=[n.outputs[0]])
