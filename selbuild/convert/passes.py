"""Graph passes run before lowering: control-flow check, constant folding,
dead code removal, shape check.

Every pass works on a *working copy* of graph 0 (`working_copy`): the node
list and tensor list are new lists, and a pass that changes a tensor replaces
the Tensor object instead of mutating it, so the frontend's Model is never
modified and weight arrays are never copied needlessly.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass

import numpy as np

from selbuild.convert import registry
from selbuild.convert.ops._common import describe
from selbuild.convert.ops.movers import fold_value
from selbuild.errors import ModelError, SelbuildError, UnsupportedError
from selbuild.ir import Graph, Model, Node, Tensor

# Ops that call other subgraphs; the runtime has no control flow.
CONTROL_FLOW_OPS = {"while", "if", "call_once", "call"}

# Constant integer dtypes DEQUANTIZE may be folded from, and f16.
_FOLD_DEQUANT_FROM = {"f16", "i8", "u8", "i16"}

# Ops whose result on a constant is that constant in the output's shape.
_FOLD_COPY_OPS = {"reshape", "squeeze", "expand_dims", "densify"}

# Ops selbuild.convert.ops.movers.fold_value computes from shapes or constants.
_FOLD_DATA_OPS = {"shape", "rank", "zeros_like", "range", "fill", "tile", "broadcast_to", "broadcast_args",
                  "bucketize"}


@dataclass
class PassStats:
    folded_nodes: int = 0
    removed_nodes: int = 0


def working_copy(g: Graph) -> Graph:
    return Graph(name=g.name, tensors=list(g.tensors), nodes=[copy.copy(n) for n in g.nodes],
                 inputs=list(g.inputs), outputs=list(g.outputs))


def check_control_flow(model: Model) -> None:
    """UnsupportedError naming the control-flow ops of graph 0, if any."""
    found = sorted({(n.source_op or n.op.upper()) for n in model.main.nodes
                    if n.op in CONTROL_FLOW_OPS or n.source_op.upper() in {o.upper() for o in CONTROL_FLOW_OPS}})
    if found:
        raise UnsupportedError(
            f"{model.path}: uses control flow ({', '.join(found)}); the selbuild runtime runs "
            f"straight-line graphs only",
            hint="convert the model with unrolled loops (e.g. an unrolled LSTM/GRU); "
                 "`selbuild analyze` lists the ops it needs")


# --------------------------------------------------------------------------- folding

def _dequantize_const(t: Tensor) -> np.ndarray | None:
    """f32 values of a constant DEQUANTIZE input, or None when not exact/known.

    f16 -> f32 is exact. For integers, (q - zp) is an integer of at most 17
    bits and the scale a float32, so the product in float64 is exact and the
    cast to float32 is one correctly rounded step: bit-identical to what
    LiteRT's reference Dequantize computes at run time.
    """
    if t.data is None or t.dtype not in _FOLD_DEQUANT_FROM:
        return None
    if t.dtype == "f16":
        return t.data.astype(np.float32)
    q = t.quant
    if q is None:
        return None
    scale = np.asarray(q.scale, dtype=np.float32).astype(np.float64)
    zp = np.asarray(q.zero_point, dtype=np.int64)
    data = t.data.astype(np.int64)
    if scale.size > 1:
        shape = [1] * data.ndim
        if not (0 <= q.axis < data.ndim) or data.shape[q.axis] != scale.size:
            return None
        shape[q.axis] = scale.size
        scale, zp = scale.reshape(shape), zp.reshape(shape)
    else:
        scale, zp = scale.reshape(()), zp.reshape(())
    return (scale * (data - zp).astype(np.float64)).astype(np.float32)


def fold_constants(g: Graph, stats: PassStats) -> None:
    """Replace nodes whose result is a trivially exact function of constants.

    DEQUANTIZE of a constant (f16 or int weights) becomes an f32 constant, so
    f16-weight models need no dequantize kernel at run time. RESHAPE/SQUEEZE/
    EXPAND_DIMS of a constant become a constant of the declared shape, and so
    does DENSIFY (the frontend has already made its sparse input dense); SHAPE,
    RANK, ZEROS_LIKE (static shapes) and RANGE, FILL, TILE, BROADCAST_TO,
    BROADCAST_ARGS, BUCKETIZE of constants become constants (movers.fold_value). Graph
    outputs are never folded: callers read them from the arena.
    """
    outputs = set(g.outputs)
    kept: list[Node] = []
    for n in g.nodes:
        value = None
        if len(n.outputs) == 1 and n.outputs[0] not in outputs and n.inputs and n.inputs[0] >= 0:
            src = g.tensors[n.inputs[0]]
            dst = g.tensors[n.outputs[0]]
            if n.op == "dequantize" and dst.dtype == "f32":
                value = _dequantize_const(src)
            elif n.op in _FOLD_DATA_OPS:
                value = fold_value(g, n)
            elif n.op in _FOLD_COPY_OPS and src.is_const and src.dtype == dst.dtype \
                    and all(i < 0 or g.tensors[i].is_const for i in n.inputs):
                value = src.data
            if value is not None and value.size == dst.numel:
                g.tensors[n.outputs[0]] = dataclasses.replace(
                    dst, data=np.ascontiguousarray(value).reshape(dst.shape))
                stats.folded_nodes += 1
                continue
        kept.append(n)
    g.nodes = kept


def materialize_const_outputs(g: Graph) -> None:
    """A graph output that is a constant (a model returning a weight, a CALL
    returning its callee's constant) gets a copy node into the arena: the
    caller reads every output from the session, never from the program."""
    for k, o in enumerate(g.outputs):
        t = g.tensors[o]
        if not t.is_const:
            continue
        src = g.add_tensor(dataclasses.replace(t, name=f"{t.name}/value"))
        g.tensors[o] = dataclasses.replace(t, data=None)
        g.nodes.append(Node("reshape", [src], [o], {"new_shape": list(t.shape)}, source_op="constant output",
                            dtype=t.dtype))


# --------------------------------------------------------------------------- dead code

def remove_dead(g: Graph, stats: PassStats, effects: frozenset[str] = frozenset()) -> None:
    """Drop nodes none of whose outputs reach a graph output.

    Walks backwards from the graph outputs, so chains of dead nodes go in one
    pass. (Tensors nothing references are dropped by the writer.) Ops in
    `effects` (variable assignments, CALL_ONCE) always stay.
    """
    needed = set(g.outputs)
    live: list[Node] = []
    for n in reversed(g.nodes):
        if n.op in effects or any(o in needed for o in n.outputs):
            live.append(n)
            needed.update(i for i in n.inputs if i >= 0)
    stats.removed_nodes += len(g.nodes) - len(live)
    g.nodes = live[::-1]


# --------------------------------------------------------------------------- checks

def check_topological(g: Graph) -> None:
    """Every non-constant node input is a graph input or produced earlier.

    The planner and the runtime both assume execution order = list order.
    """
    ready = set(g.inputs) | {i for i, t in enumerate(g.tensors) if t.is_const}
    for n in g.nodes:
        for i in n.inputs:
            if i >= 0 and i not in ready:
                raise SelbuildError(f"{describe(g, n)}: reads tensor '{g.tensors[i].name}' before any node "
                                    f"produces it (graph not in execution order, or a frontend bug)")
        ready.update(n.outputs)
    for o in g.outputs:
        if o not in ready:
            raise SelbuildError(f"graph output '{g.tensors[o].name}' is never produced")


def check_shapes(g: Graph) -> None:
    """Where an op has a @shape hook, its result must equal the declared shapes.

    A mismatch means the frontend or a kernel's shape rule is wrong; either
    would make the runtime read or write the wrong number of elements.
    """
    for n in g.nodes:
        fn = registry.shape_fn(n.op, n.dtype)
        if fn is None:
            continue
        declared = [tuple(g.tensors[o].shape) for o in n.outputs]
        try:
            inferred = [tuple(int(d) for d in s) for s in fn(g, n)]
        except (IndexError, KeyError, ValueError) as e:
            # The hooks read the operands the op has by definition; a damaged model
            # lacks them (bench/fuzz_python.py: a RESHAPE with no inputs -> IndexError,
            # an ADD with one or none -> ValueError unpacking its two shapes).
            raise ModelError(f"{describe(g, n)}: malformed node ({len(n.inputs)} inputs, "
                             f"{len(n.outputs)} outputs): the op's operands are missing ({type(e).__name__})",
                             hint="the model file is damaged; convert the model again") from None
        if inferred != declared:
            raise SelbuildError(
                f"{describe(g, n)}: shape inference gives {_fmt(inferred)} but the model declares {_fmt(declared)}",
                hint="this is a bug in the model's frontend or in the op's @shape hook; please report it")


def _fmt(shapes: list[tuple[int, ...]]) -> str:
    return ", ".join(str(list(s)) for s in shapes)
