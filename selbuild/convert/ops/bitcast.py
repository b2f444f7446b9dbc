"""bitcast: the bitcast.<source dtype> kernel copies the bytes into the output
tensor's dtype; the output shape is TFLite's: the input's for equal element
sizes, the input's plus a last dim of the size ratio for a wider input, the
input's without its last dim (which must be the ratio) for a narrower one.
bool is refused either way (its bytes must be 0 or 1)."""

from __future__ import annotations

import numpy as np

from selbuild.convert.ops._common import describe
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node

_DTYPES = {"f32": np.float32, "i8": np.int8, "u8": np.uint8, "i16": np.int16, "i32": np.int32, "i64": np.int64}


def _sizes(g: Graph, n: Node) -> tuple[int, int]:
    src, dst = g.tensors[n.inputs[0]].dtype, g.tensors[n.outputs[0]].dtype
    if src not in _DTYPES or dst not in _DTYPES:
        raise UnsupportedError(f"{describe(g, n)}: bitcast {src} -> {dst}; the bitcast kernels take "
                               f"{', '.join(_DTYPES)} both ways")
    return np.dtype(_DTYPES[src]).itemsize, np.dtype(_DTYPES[dst]).itemsize


@shape("bitcast")
def bitcast_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    xs = tuple(g.tensors[n.inputs[0]].shape)
    a, b = _sizes(g, n)
    if a > b:
        return [xs + (a // b,)]
    if a < b:
        if not xs or xs[-1] != b // a:
            raise UnsupportedError(f"{describe(g, n)}: a bitcast from {a}-byte to {b}-byte elements needs a last "
                                   f"dim of {b // a}, not shape {list(xs)} (LiteRT fails Prepare)")
        return [xs[:-1]]
    return [xs]


@lower("bitcast")
def bitcast_lower(g: Graph, n: Node) -> Lowered:
    if tuple(g.tensors[n.outputs[0]].shape) != bitcast_shape(g, n)[0]:
        raise UnsupportedError(f"{describe(g, n)}: output shape {list(g.tensors[n.outputs[0]].shape)} is not "
                               f"the bitcast's {list(bitcast_shape(g, n)[0])}")
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0]], outputs=[n.outputs[0]])
