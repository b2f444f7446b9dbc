"""TensorListSetItem, as the TF converter leaves it in a recurrent WHILE body,
becomes one dynamic_update_slice node.

Keras LSTM/GRU layers converted without unrolling write step t's output into
a [T, ...] list like this (t is a loop counter, L the list):

    head  = SLICE(L, begin=0,               size=CONCAT(RESHAPE(t), rest))
    tail  = SLICE(L, begin=CONCAT(RESHAPE(t + 1), zeros), size=-1)
    L'    = CONCATENATION(axis 0)(head, item[1, ...], tail)

The two slices have run-time sizes (t rows, then T - t - 1 rows), which a
statically planned runtime cannot hold; the whole is L with row t replaced,
which has static shapes. The rewrite proves the pattern piece by piece
(constants, the +1, shapes) and otherwise leaves the graph alone.
"""

from __future__ import annotations

import numpy as np

from selbuild.ir import Graph, Node, Tensor


def _producers(g: Graph) -> dict[int, Node]:
    return {o: n for n in g.nodes for o in n.outputs}


def _const(g: Graph, i: int) -> np.ndarray | None:
    if i < 0 or not g.tensors[i].is_const:
        return None
    return np.asarray(g.tensors[i].data)


def _row_of(g: Graph, prod: dict[int, Node], vec: int, tail: np.ndarray, or_all: bool = False) -> int | None:
    """The scalar int32 t when `vec` = CONCATENATION(RESHAPE(t) -> [1], const tail), else None
    (or_all: a tail entry may also be -1, "to the end of that dim", which equals it)."""
    cat = prod.get(vec)
    if cat is None or cat.op != "concatenation" or len(cat.inputs) != 2 or cat.attrs.get("axis", 0) != 0:
        return None
    c = _const(g, cat.inputs[1])
    if c is None or c.shape != tail.shape or not np.all((c == tail) | (or_all & (c == -1))):
        return None
    rs = prod.get(cat.inputs[0])
    if rs is None or rs.op != "reshape" or tuple(g.tensors[rs.outputs[0]].shape) != (1,):
        return None
    t = rs.inputs[0]
    return t if g.tensors[t].dtype == "i32" and g.tensors[t].numel == 1 else None


def _plus_one(g: Graph, prod: dict[int, Node], t1: int, t: int) -> bool:
    n = prod.get(t1)
    if n is None or n.op != "add" or n.attrs.get("activation", "none") not in (None, "none"):
        return False
    a, b = n.inputs[:2]
    for x, k in ((a, b), (b, a)):
        c = _const(g, k)
        if x == t and c is not None and c.size == 1 and int(c.reshape(-1)[0]) == 1:
            return True
    return False


def rewrite_set_item(g: Graph) -> int:
    """Rewrites every proven TensorListSetItem in g; returns how many."""
    prod = _producers(g)
    done = 0
    for k, n in enumerate(list(g.nodes)):
        if n.op != "concatenation" or n.dtype != "f32" or len(n.inputs) != 3 or n.attrs.get("axis", 0) != 0:
            continue
        head, item, tail = (prod.get(i) for i in n.inputs)
        if head is None or tail is None or head.op != "slice" or tail.op != "slice":
            continue
        lst = head.inputs[0]
        shape = tuple(g.tensors[lst].shape)
        if tail.inputs[0] != lst or tuple(g.tensors[n.outputs[0]].shape) != shape or len(shape) < 1:
            continue
        if tuple(g.tensors[n.inputs[1]].shape) != (1,) + shape[1:]:
            continue
        rank = len(shape)
        b0, s1 = _const(g, head.inputs[1]), _const(g, tail.inputs[2])
        if b0 is None or s1 is None or np.any(b0 != 0) or np.any(s1 != -1) or b0.size != rank or s1.size != rank:
            continue
        t = _row_of(g, prod, head.inputs[2], np.asarray(shape[1:], np.int64), or_all=True)
        t1 = _row_of(g, prod, tail.inputs[1], np.zeros(rank - 1, np.int64))
        if t is None or t1 is None or not _plus_one(g, prod, t1, t):
            continue
        # start = [t, 0, ...]: the head's RESHAPE(t) joined with zeros.
        zeros = g.add_tensor(Tensor(f"{g.tensors[n.outputs[0]].name}/start_tail", (rank - 1,), "i32",
                                    data=np.zeros(rank - 1, np.int32)))
        start = g.add_tensor(Tensor(f"{g.tensors[n.outputs[0]].name}/start", (rank,), "i32"))
        row = prod[head.inputs[2]].inputs[0]
        join = Node("concatenation", [row, zeros], [start], {"axis": 0, "activation": "none"},
                    "CONCATENATION", "i32")
        dus = Node("dynamic_update_slice", [lst, n.inputs[1], start], list(n.outputs), {},
                   "TensorListSetItem", "f32")
        g.nodes[g.nodes.index(n)] = dus
        g.nodes.insert(g.nodes.index(dus), join)
        done += 1
    return done
