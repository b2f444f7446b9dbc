"""Specialise a graph whose inputs have dynamic dimensions to the shapes an app feeds.

A TFLite file marks a dynamic dimension with -1 in the input's shape_signature
and stores a default size (usually 1) in its shape; every tensor shape in the
file is then worked out for those defaults. The runtime plans memory ahead of
time, so a program is always for one set of input shapes: given the config's
`input_shapes:`, the shapes of the whole graph are inferred again in graph
order with the ops' @shape hooks, and the small integer computations models do
on shapes (SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE, Keras' Flatten with a
dynamic batch) are evaluated here, so the program is static again and the
device never computes a shape.

Only integer tensors of at most FOLD_LIMIT elements are evaluated: that is
shape arithmetic, where numpy and the runtime agree exactly. Float math stays
in the program.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np

from selbuild.convert import registry
from selbuild.convert.ops._common import describe
from selbuild.convert.ops.movers import fold_value
from selbuild.errors import ModelError, SelbuildError, UnsupportedError
from selbuild.ir import Graph, Node, Tensor, numpy_dtype

FOLD_LIMIT = 4096
MAX_ELEMENTS = 2**31 - 1
_INT_DTYPES = {"i32", "i64"}
_HINT = "check the model's inputs with `selbuild analyze` and the `input_shapes:` of its config entry"


def declared(t: Tensor) -> list[int]:
    """The input's shape as the model declares it: -1 for a dynamic dimension."""
    return list(t.signature) if t.signature is not None else list(t.shape)


def dynamic_inputs(g: Graph) -> dict[str, list[int]]:
    """Input name -> declared shape, for the inputs with a dynamic dimension."""
    return {g.tensors[i].name: declared(g.tensors[i]) for i in g.inputs if -1 in declared(g.tensors[i])}


def input_problems(g: Graph, shapes: Mapping[str, Sequence[int]]) -> list[tuple[tuple, str]]:
    """Every mistake in `shapes` for graph `g`, as (path below input_shapes, message)."""
    by_name = {g.tensors[i].name: g.tensors[i] for i in g.inputs}
    out: list[tuple[tuple, str]] = []
    for name, dims in shapes.items():
        t = by_name.get(name)
        if t is None:
            out.append(((name,), f"{name!r} is not an input of the model (inputs: {', '.join(by_name) or 'none'})"))
            continue
        want = declared(t)
        if len(dims) != len(want):
            out.append(((name,), f"{len(dims)} dimensions given; input {name!r} has rank {len(want)} ({want})"))
            continue
        for k, (d, w) in enumerate(zip(dims, want)):
            if not isinstance(d, int) or isinstance(d, bool) or d < 1:
                out.append(((name, k), f"dimension {k} must be a whole number >= 1, got {d!r}"))
            elif w != -1 and d != w:
                out.append(((name, k), f"dimension {k} of {name!r} is fixed at {w} in the model, not {d}"))
        if all(isinstance(d, int) and d >= 1 for d in dims) and int(np.prod(dims, dtype=object)) > MAX_ELEMENTS:
            out.append(((name,), f"{list(dims)} has more than {MAX_ELEMENTS:,} elements"))
    return out


def needs_work(g: Graph, shapes: Mapping[str, Sequence[int]]) -> bool:
    by_name = {g.tensors[i].name: g.tensors[i] for i in g.inputs}
    return any(tuple(dims) != tuple(by_name[n].shape) for n, dims in shapes.items() if n in by_name)


def specialize(g: Graph, shapes: Mapping[str, Sequence[int]]) -> int:
    """Give `g` (a working copy) the input `shapes`; returns the nodes evaluated away.

    Inputs `shapes` does not name keep their shapes. Run on every graph with a
    dynamic input (and any given shapes), so a program at the default shapes
    is the same whether or not the config names them.

    ModelError for shapes that do not fit the model, UnsupportedError where a
    shape depends on values only known at run time.
    """
    problems = input_problems(g, shapes)
    if problems:
        raise ModelError("; ".join(f"input_shapes.{'.'.join(map(str, w))}: {m}" for w, m in problems), hint=_HINT)
    # At the file's default shapes the declared shapes hold, including those a
    # RESHAPE computes at run time; the shape arithmetic is still evaluated.
    resized = needs_work(g, shapes)
    for i in g.inputs:
        t = g.tensors[i]
        if t.name in shapes:
            g.tensors[i] = dataclasses.replace(t, shape=tuple(int(d) for d in shapes[t.name]))
    outputs = set(g.outputs)
    kept: list[Node] = []
    for n in g.nodes:
        # The output shape first (fill, reshape and the like build their value in it).
        if resized and (registry.shape_fn(n.op, n.dtype) is not None or not _computable(g, n)):
            _infer(g, n, shapes)
        value = None if any(o in outputs for o in n.outputs) else _evaluate(g, n)
        if value is None:
            kept.append(n)
            continue
        dst = g.tensors[n.outputs[0]]
        g.tensors[n.outputs[0]] = dataclasses.replace(dst, shape=tuple(value.shape), data=value)
    folded = len(g.nodes) - len(kept)
    g.nodes = kept
    return folded


def _infer(g: Graph, n: Node, shapes: Mapping[str, Sequence[int]]) -> None:
    if n.op == "reshape" and len(n.inputs) > 1 and n.inputs[1] >= 0 and g.tensors[n.inputs[1]].data is None:
        raise UnsupportedError(f"{describe(g, n)}: its new shape is computed from tensor values at run time, "
                               f"so the program cannot be specialised to the input shapes", hint=_HINT)
    fn = registry.shape_fn(n.op, n.dtype)
    if fn is None:
        raise UnsupportedError(f"{describe(g, n)}: selbuild has no shape rule for this op, so the model "
                               f"cannot be specialised to other input shapes",
                               hint="give input_shapes equal to the model's default shapes, or report the op")
    try:
        got = [tuple(int(d) for d in s) for s in fn(g, n)]
    except SelbuildError as e:
        given = ", ".join(f"{k} {list(v)}" for k, v in shapes.items())
        raise type(e)(f"with input shapes {given}: {e.message}", hint=_HINT) from None
    except (IndexError, KeyError, ValueError, TypeError) as e:
        raise ModelError(f"{describe(g, n)}: malformed node ({type(e).__name__})",
                         hint="the model file is damaged; convert the model again") from None
    if len(got) != len(n.outputs):
        raise ModelError(f"{describe(g, n)}: {len(n.outputs)} outputs but its shape rule gives {len(got)}")
    for o, s in zip(n.outputs, got):
        if any(d < 0 for d in s) or int(np.prod(s, dtype=object)) > MAX_ELEMENTS:
            raise ModelError(f"{describe(g, n)}: output shape {list(s)} is out of range", hint=_HINT)
        if g.tensors[o].data is None:
            g.tensors[o] = dataclasses.replace(g.tensors[o], shape=s)


# --------------------------------------------------------------------------- evaluating shape arithmetic

def _const(g: Graph, i: int) -> np.ndarray | None:
    return None if i < 0 or g.tensors[i].data is None else np.asarray(g.tensors[i].data)


def _computable(g: Graph, n: Node) -> bool:
    """Whether `_evaluate` may compute the node: one small integer result from
    constants (or, for shape and rank, from the input's shape alone)."""
    if len(n.outputs) != 1 or not n.inputs or n.inputs[0] < 0:
        return False
    dst = g.tensors[n.outputs[0]]
    if dst.dtype not in _INT_DTYPES | {"bool"} or dst.quant is not None:
        return False
    if n.op in ("shape", "rank"):
        return True
    args = [_const(g, i) for i in n.inputs if i >= 0]
    return all(a is not None for a in args) and sum(a.size for a in args) <= FOLD_LIMIT


def _evaluate(g: Graph, n: Node) -> np.ndarray | None:
    """The value of a node that computes on shapes or small integer constants, or None."""
    if not _computable(g, n):
        return None
    if n.op in ("shape", "rank"):
        return fold_value(g, n)
    args = [_const(g, i) for i in n.inputs if i >= 0]
    try:
        value = _EVAL[n.op](g, n, args) if n.op in _EVAL else fold_value(g, n)
    except (UnsupportedError, ValueError, IndexError, TypeError):
        return None                                 # left to the kernel; its check has the final say
    if value is None or value.size > FOLD_LIMIT:
        return None
    return np.array(value, order="C").astype(numpy_dtype(g.tensors[n.outputs[0]].dtype))


def _view(g: Graph, n: Node, args: list[np.ndarray]) -> np.ndarray:
    from selbuild.convert.ops.slice import _VIEWS
    out_shape, dims, strides, offset = _VIEWS[n.op](g, n)
    flat = args[0].reshape(-1)
    index = np.full(dims, offset, dtype=np.int64)
    for k, (d, s) in enumerate(zip(dims, strides)):
        index = index + (np.arange(d, dtype=np.int64) * s).reshape([d if j == k else 1 for j in range(len(dims))])
    return flat[index].reshape(out_shape)


def _axis(n: Node, rank: int) -> int:
    a = int(n.attrs.get("axis", 0))
    if not -rank <= a < rank:
        raise ValueError(a)
    return a % rank


def _plain_activation(n: Node) -> bool:
    return n.attrs.get("activation") in (None, "none", "NONE", 0)


def _binary(fn):
    def run(g: Graph, n: Node, args: list[np.ndarray]) -> np.ndarray | None:
        if len(args) != 2 or not _plain_activation(n) or any(a.dtype.kind not in "iu" for a in args):
            return None
        return fn(args[0].astype(np.int64), args[1].astype(np.int64))
    return run


def _floor_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if np.any(b == 0):
        raise ValueError("division by zero")
    return np.floor_divide(a, b)


def _reduce(fn):
    def run(g: Graph, n: Node, args: list[np.ndarray]) -> np.ndarray:
        x, axes = args[0], tuple(int(a) % max(args[0].ndim, 1) for a in args[1].reshape(-1))
        return fn(x.astype(np.int64), axis=axes, keepdims=bool(n.attrs.get("keep_dims", False)))
    return run


_EVAL = {
    "slice": _view,
    "strided_slice": _view,
    "pack": lambda g, n, a: np.stack(a, axis=_axis(n, a[0].ndim + 1)),
    "concatenation": lambda g, n, a: np.concatenate(a, axis=_axis(n, a[0].ndim)) if _plain_activation(n) else None,
    "gather": lambda g, n, a: np.take(a[0], a[1].astype(np.int64), axis=_axis(n, a[0].ndim), mode="raise"),
    "cast": lambda g, n, a: a[0],
    # (their output shape was just inferred from their operands)
    "reshape": lambda g, n, a: a[0].reshape(g.tensors[n.outputs[0]].shape),
    "squeeze": lambda g, n, a: a[0].reshape(g.tensors[n.outputs[0]].shape),
    "expand_dims": lambda g, n, a: a[0].reshape(g.tensors[n.outputs[0]].shape),
    "add": _binary(np.add),
    "sub": _binary(np.subtract),
    "mul": _binary(np.multiply),
    "maximum": _binary(np.maximum),
    "minimum": _binary(np.minimum),
    "floor_div": _binary(_floor_div),
    "reduce_prod": _reduce(np.prod),
    "sum": _reduce(np.sum),
}
