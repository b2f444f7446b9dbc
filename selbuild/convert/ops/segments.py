"""Segment reductions: segment_sum and unsorted_segment_{sum,max,min,prod}.

The output's first dim is the number of segments: for segment_sum the last
(largest) segment id + 1, for the unsorted ops the num_segments operand.
selbuild plans every shape at conversion, so the tensor that decides it must
be a constant of the model (segment_ids for segment_sum, num_segments for the
unsorted ops); the unsorted ops' ids may still be computed at run time, and
the kernel (kernels/shared/segment.h) drops negative ids and fails the run on
an id >= num_segments, as LiteRT does. Constant ids that LiteRT would refuse
are refused here, so a bad model fails at conversion, not on the device.
"""

from __future__ import annotations

import numpy as np

from selbuild.convert.ops._common import describe
from selbuild.convert.ops._views import check_ranks, check_same_quant
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node

UNSORTED = ("unsorted_segment_sum", "unsorted_segment_max", "unsorted_segment_min", "unsorted_segment_prod")


def _constant(g: Graph, n: Node, pos: int, what: str) -> np.ndarray:
    t = g.tensors[n.inputs[pos]] if pos < len(n.inputs) and n.inputs[pos] >= 0 else None
    if t is None:
        raise UnsupportedError(f"{describe(g, n)}: missing {what} operand")
    if t.data is None:
        raise UnsupportedError(
            f"{describe(g, n)}: {what} '{t.name}' is computed at run time, but it decides the output's first dim "
            f"and selbuild plans every shape at conversion",
            hint=f"make {what} a constant of the model (export it with a fixed value), or pass the result of this "
                 f"op's producer as a model input with a fixed shape")
    return np.asarray(t.data).reshape(-1).astype(np.int64)


def _segment_ids(g: Graph, n: Node) -> np.ndarray:
    data = list(g.tensors[n.inputs[0]].shape)
    ids = _constant(g, n, 1, "segment_ids")
    if len(g.tensors[n.inputs[1]].shape) != 1 or not data or ids.size != data[0] or ids.size == 0:
        raise UnsupportedError(f"{describe(g, n)}: segment_ids {list(g.tensors[n.inputs[1]].shape)} must be 1-D "
                               f"with one id per row of the data {data}")
    # LiteRT's rule: ids start at 0 and each next id is the same or one more
    steps = np.diff(ids)
    if ids[0] != 0 or ((steps != 0) & (steps != 1)).any():
        raise UnsupportedError(f"{describe(g, n)}: segment_ids {ids.tolist()[:8]} are not sorted from 0 without gaps "
                               f"(LiteRT fails on them too)",
                               hint="use UNSORTED_SEGMENT_SUM (tf.math.unsorted_segment_sum) for unsorted ids")
    return ids


@shape("segment_sum")
def segment_sum_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    ids = _segment_ids(g, n)
    return [(int(ids[-1]) + 1, *g.tensors[n.inputs[0]].shape[1:])]


@lower("segment_sum")
def segment_sum_lower(g: Graph, n: Node) -> Lowered:
    check_ranks(g, n)
    _segment_ids(g, n)
    check_same_quant(g, n, [n.inputs[0], n.outputs[0]])
    return Lowered(kernel=n.kernel, inputs=list(n.inputs[:2]), outputs=[n.outputs[0]])


def _num_segments(g: Graph, n: Node) -> tuple[int, list[int], list[int]]:
    data, ids = (list(g.tensors[i].shape) for i in n.inputs[:2])
    num = _constant(g, n, 2, "num_segments")
    if num.size != 1 or len(g.tensors[n.inputs[2]].shape) > 1:
        raise UnsupportedError(f"{describe(g, n)}: num_segments must be a scalar or one element")
    if not ids or len(ids) > len(data) or data[:len(ids)] != ids:
        raise UnsupportedError(f"{describe(g, n)}: segment_ids shape {ids} is not a leading part of the data's {data}")
    if num[0] < 1:
        raise UnsupportedError(f"{describe(g, n)}: num_segments {int(num[0])}; the runtime has no zero-size tensors")
    return int(num[0]), data, ids


@shape(*UNSORTED)
def unsorted_segment_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    num, data, ids = _num_segments(g, n)
    return [(num, *data[len(ids):])]


@lower(*UNSORTED)
def unsorted_segment_lower(g: Graph, n: Node) -> Lowered:
    check_ranks(g, n)
    num, _, _ = _num_segments(g, n)
    it = g.tensors[n.inputs[1]]
    if it.dtype != "i32":
        raise UnsupportedError(f"{describe(g, n)}: {it.dtype} segment_ids; LiteRT and the kernel take int32")
    if it.data is not None and np.asarray(it.data).size and int(np.max(it.data)) >= num:
        raise UnsupportedError(f"{describe(g, n)}: segment id {int(np.max(it.data))} is not below num_segments "
                               f"{num} (LiteRT fails on it too)")
    check_same_quant(g, n, [n.inputs[0], n.outputs[0]])
    return Lowered(kernel=n.kernel, inputs=list(n.inputs[:2]), outputs=[n.outputs[0]])
