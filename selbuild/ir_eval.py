"""Values of a graph known before it runs, and the trip counts they decide.

Integer and bool arithmetic on constants (and on values derived from them)
evaluated on the build machine, as numpy computes it (int32 wraps, as the
kernels do); float values are never evaluated here, so nothing depends on
float rounding agreeing with the device. Used by the converter to unroll
constant-trip WHILE loops (convert/unroll.py) and by analysis to say which
loops those are. Reads the IR only.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from selbuild.ir import Graph, Model, Node

MAX_TRIPS = 64          # iterations a speed build unrolls at most

_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "minimum": np.minimum, "maximum": np.maximum,
    "less": np.less, "less_equal": np.less_equal, "greater": np.greater, "greater_equal": np.greater_equal,
    "equal": np.equal, "not_equal": np.not_equal, "logical_and": np.logical_and, "logical_or": np.logical_or,
}
_VIEWS = {"reshape", "squeeze", "expand_dims"}
_EXACT = ("i8", "u8", "i16", "i32", "i64", "bool")      # dtypes evaluated here (no float rounding questions)


def _evaluate(g: Graph, n: Node, known: dict[int, np.ndarray]) -> np.ndarray | None:
    """The value of `n`'s one output when its operands are known and the op is exact here."""
    if len(n.outputs) != 1 or n.attrs.get("activation", "none") not in (None, "none"):
        return None
    out = g.tensors[n.outputs[0]]
    if out.dtype not in _EXACT or out.quant is not None:
        return None
    ins = [known.get(i) for i in n.inputs if i >= 0]
    if not ins or ins[0] is None:
        return None
    dt = np.dtype({"bool": np.bool_, "i8": np.int8, "u8": np.uint8, "i16": np.int16, "i32": np.int32,
                   "i64": np.int64}[out.dtype])
    with np.errstate(over="ignore"):            # int32 wraps, as the kernels do
        if n.op in _BINARY and len(ins) == 2 and ins[1] is not None:
            value = _BINARY[n.op](ins[0], ins[1])
        elif n.op == "logical_not":
            value = np.logical_not(ins[0])
        elif n.op in _VIEWS:
            value = ins[0]
        elif n.op == "concatenation" and all(v is not None for v in ins):
            value = np.concatenate([np.atleast_1d(v) for v in ins], axis=int(n.attrs.get("axis", 0)))
        else:
            return None
    value = np.asarray(value).astype(dt)
    return value.reshape(out.shape) if value.size == out.numel else None


def simulate(g: Graph, given: dict[int, np.ndarray | None]) -> dict[int, np.ndarray]:
    """Every value of `g` computable from its constants and the `given` inputs."""
    known = {i: np.asarray(t.data) for i, t in enumerate(g.tensors) if t.is_const}
    known.update({i: v for i, v in given.items() if v is not None})
    for n in g.nodes:
        v = _evaluate(g, n, known)
        if v is not None:
            known[n.outputs[0]] = v
    return known


def trip_count(model: Model, g: Graph, n: Node, limit: int) -> int | None:
    """How often WHILE node `n` of `g` runs its body, if conversion can tell (and it is <= limit)."""
    cond, body = model.graphs[n.attrs["cond_subgraph_index"]], model.graphs[n.attrs["body_subgraph_index"]]
    if len(cond.inputs) != len(n.inputs) or len(body.inputs) != len(n.inputs) or len(body.outputs) != len(n.inputs):
        return None
    vals = [np.asarray(g.tensors[i].data) if i >= 0 and g.tensors[i].is_const else None for i in n.inputs]
    for k in range(limit + 1):
        c = simulate(cond, dict(zip(cond.inputs, vals))).get(cond.outputs[0]) if cond.outputs else None
        if c is None or c.size != 1:
            return None
        if not bool(c.reshape(-1)[0]):
            return k
        known = simulate(body, dict(zip(body.inputs, vals)))
        vals = [known.get(o) for o in body.outputs]
    return None


def loop_notes(model: Model) -> list[str]:
    """analyze's word on each WHILE of graph 0: unrolled in speed builds, or a loop."""
    notes = []
    for n in model.main.nodes:
        if n.op != "while":
            continue
        bi = n.attrs.get("body_subgraph_index")
        name = model.graphs[bi].name if isinstance(bi, int) and 0 <= bi < len(model.graphs) else "?"
        try:
            trips = trip_count(model, model.main, n, MAX_TRIPS)
        except (KeyError, IndexError, ValueError, TypeError):
            trips = None
        if trips is None:
            notes.append(f"WHILE (body {name!r}): its trip count is not known at conversion (or above "
                         f"{MAX_TRIPS}): a loop in every build, each iteration counting against the iteration budget")
        else:
            notes.append(f"WHILE (body {name!r}): constant trip count {trips}: unrolled in speed builds "
                         f"(profile: speed), a loop in size builds")
    return notes
