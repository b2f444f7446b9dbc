"""reverse_sequence: the input seen as [outer, d0, mid, d1, inner] around its
sequence and batch dims (shared/revseq.h). The lengths stay a node input (they
may be computed at run time; the kernel fails the run on one past the
sequence dim, as LiteRT's Invoke does); constant ones are checked here."""

from __future__ import annotations

import numpy as np

from selbuild.convert.ops._common import describe
from selbuild.convert.ops._views import check_ranks, prod
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node


def _dims(g: Graph, n: Node) -> tuple[int, int]:
    x, lengths = (g.tensors[i] for i in n.inputs[:2])
    rank = len(x.shape)
    seq, batch = int(n.attrs.get("seq_dim", 0)), int(n.attrs.get("batch_dim", 0))
    # LiteRT fails Invoke on a negative dim; TF needs the two to differ
    if not (0 <= seq < rank and 0 <= batch < rank) or seq == batch:
        raise UnsupportedError(f"{describe(g, n)}: seq_dim {seq} and batch_dim {batch} must be two different dims "
                               f"in 0 .. {rank - 1} (LiteRT takes no negative dims)")
    if len(lengths.shape) != 1 or lengths.shape[0] != x.shape[batch] or lengths.dtype not in ("i32", "i64"):
        raise UnsupportedError(f"{describe(g, n)}: seq_lengths must be int32/int64 of shape [{x.shape[batch]}] "
                               f"(got {lengths.dtype} {list(lengths.shape)})")
    if lengths.data is not None and np.any(np.asarray(lengths.data) > x.shape[seq]):
        raise UnsupportedError(f"{describe(g, n)}: a seq_length exceeds the sequence dim {x.shape[seq]} "
                               f"(LiteRT fails the run)")
    return seq, batch


@shape("reverse_sequence")
def reverse_sequence_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    _dims(g, n)
    return [tuple(g.tensors[n.inputs[0]].shape)]


@lower("reverse_sequence")
def reverse_sequence_lower(g: Graph, n: Node) -> Lowered:
    check_ranks(g, n)
    seq, batch = _dims(g, n)
    a, b = sorted((seq, batch))
    s = list(g.tensors[n.inputs[0]].shape)
    ip = {"outer": prod(s[:a]), "d0": s[a], "mid": prod(s[a + 1:b]), "d1": s[b], "inner": prod(s[b + 1:]),
          "seq_first": int(seq < batch)}
    return Lowered(kernel=n.kernel, inputs=list(n.inputs[:2]), outputs=[n.outputs[0]], iparams=ip)
