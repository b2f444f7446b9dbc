"""Control flow: a model whose graph 0 calls other graphs (WHILE, IF) becomes
one program with several subgraphs.

The program keeps one node list and one tensor list (schema/program.fbs
Subgraph): subgraph 0 is graph 0, then every graph it reaches, each a run of
consecutive nodes. Graphs are numbered so that a callee always comes after
every caller; the runtime checks that rule at load, so a call cycle
(recursion) cannot be expressed.

Memory is planned for the whole program at once (`plan_steps`): a control
node's step is expanded in place into the steps of the graphs it calls, so a
body's tensors live inside its caller's step and share bytes only with
tensors that are dead over the whole call. The values a loop carries (the
callee's inputs and outputs) are live across the whole call, because every
iteration reads what the previous one wrote; they move by copy.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from selbuild.convert import passes, tensorlist
from selbuild.convert.ops import fft
from selbuild.errors import ModelError, SelbuildError, UnsupportedError
from selbuild.ir import Graph, Model, Node, Tensor

# IR op -> the attrs naming the graphs it calls, in the kernel's iparam order.
CALLS = {"while": ("cond_subgraph_index", "body_subgraph_index"),
         "if": ("then_subgraph_index", "else_subgraph_index"),
         "call_once": ("init_subgraph_index",)}
# Their kernels and the iparam names of those attrs.
KERNELS = {"while": ("while.any", ("cond", "body")), "if": ("if.any", ("then_branch", "else_branch")),
           "call_once": ("call_once.any", ("init",))}
# Resource variables (resolved here, see `_resolve_variables`).
VARIABLE_OPS = {"var_handle", "read_variable", "assign_variable"}
# Nodes without outputs that still matter.
EFFECTS = frozenset({"assign_variable", "call_once"})

# Kernels the converter's rewrites bring in that the model's own ops do not
# name (tensorlist.py: TensorListSetItem); analysis accepts them as needed.
# The copies into the arena of outputs that are constants or passed-through
# CALL inputs (passes.materialize_const_outputs, inline.py) are reshapes.
INTRODUCED = frozenset({"dynamic_update_slice.f32", "concatenation.i32"}
                       | {f"reshape.{dt}" for dt in ("f32", "f16", "i8", "u8", "i16", "i32", "i64", "bool")})

# Loop iterations one run may take unless the config says otherwise.
DEFAULT_MAX_ITERATIONS = 1 << 20


@dataclass
class Span:
    """One subgraph of the program: nodes [first, first + count) of the flat graph."""

    name: str
    first: int
    count: int
    inputs: list[int]
    outputs: list[int]
    source_index: int               # the graph's index in the model


@dataclass
class FlatGraph(Graph):
    """All reachable graphs in one tensor and node list; spans[0] is graph 0.
    `variables`: (container, shared_name) -> the arena tensor holding it."""

    spans: list[Span] = field(default_factory=list)
    variables: dict[tuple[str, str], int] = field(default_factory=dict)


def _variable(flat: FlatGraph, key: tuple[str, str], like: int) -> int:
    """The flat tensor of variable `key`, made on first use with the type of tensor `like`."""
    t = flat.tensors[like]
    if key not in flat.variables:
        flat.variables[key] = flat.add_tensor(Tensor(f"variable:{key[1] or key[0] or 'unnamed'}",
                                                     tuple(t.shape), t.dtype, quant=t.quant))
    v = flat.tensors[flat.variables[key]]
    if (v.dtype, tuple(v.shape)) != (t.dtype, tuple(t.shape)):
        raise UnsupportedError(f"resource variable {key[1]!r} is used as {v.dtype}{list(v.shape)} and as "
                               f"{t.dtype}{list(t.shape)} ({t.name!r}); selbuild needs one static type")
    return flat.variables[key]


def _resolve_variables(flat: FlatGraph, nodes: list[Node]) -> list[Node]:
    """VAR_HANDLE nodes go; READ/ASSIGN_VARIABLE read/write the variable's own tensor.

    A handle is known by (container, shared_name), as LiteRT keys it, so every
    graph's handles of one name are one variable."""
    handle: dict[int, tuple[str, str]] = {}
    out = []
    for n in nodes:
        if n.op == "var_handle":
            handle[n.outputs[0]] = (str(n.attrs.get("container") or ""), str(n.attrs.get("shared_name") or ""))
            continue
        if n.op in ("read_variable", "assign_variable"):
            if not n.inputs or n.inputs[0] not in handle:
                raise UnsupportedError(f"{n.source_op}: its resource does not come from a VAR_HANDLE of the same "
                                       f"graph; selbuild resolves variables ahead of time")
            if n.op == "read_variable":
                var = _variable(flat, handle[n.inputs[0]], n.outputs[0])
                n = dataclasses.replace(n, inputs=[var], dtype="any")
            else:
                var = _variable(flat, handle[n.inputs[0]], n.inputs[1])
                n = dataclasses.replace(n, inputs=[n.inputs[1]], outputs=[var], dtype="any")
        out.append(n)
    return out


def uses_control_flow(model: Model) -> bool:
    return bool(model.graphs) and any(n.op in CALLS or n.op in VARIABLE_OPS
                                      for n in model.main.nodes)


def _callees(model: Model, gi: int) -> list[int]:
    out = []
    for n in model.graphs[gi].nodes:
        for attr in CALLS.get(n.op, ()):
            ci = n.attrs.get(attr)
            if ci is None:
                # An IR node from a frontend that does not describe its subgraphs.
                raise UnsupportedError(f"{model.path}: {n.source_op or n.op.upper()} in graph {gi} does not name "
                                       f"its {attr.replace('_index', '')}; selbuild converts TFLite control flow")
            if not isinstance(ci, int) or not (0 <= ci < len(model.graphs)):
                raise ModelError(f"{model.path}: {n.source_op or n.op} in graph {gi} calls subgraph {ci}, "
                                 f"which does not exist ({len(model.graphs)} subgraphs)")
            out.append(ci)
    return out


def call_order(model: Model) -> list[int]:
    """Model graph indices in program order: graph 0 first, every callee after
    all its callers (a topological order of the call graph). ModelError on a cycle."""
    state: dict[int, int] = {}          # 1 = on the current path, 2 = done
    post: list[int] = []

    def visit(gi: int, path: list[int]) -> None:
        # Iterative would be longer; the depth is the call nesting, which the
        # runtime bounds at 8 anyway, and a cycle is caught before it grows.
        state[gi] = 1
        for ci in _callees(model, gi):
            if state.get(ci) == 1:
                cycle = " -> ".join(str(x) for x in path + [gi, ci])
                raise ModelError(f"{model.path}: subgraphs call each other in a cycle ({cycle}); "
                                 f"recursion cannot run ahead of time")
            if ci not in state:
                visit(ci, path + [gi])
        state[gi] = 2
        post.append(gi)

    visit(0, [])
    return post[::-1]


def _prepare_one(g: Graph, stats: passes.PassStats, entry: bool) -> Graph:
    w = passes.working_copy(g)
    tensorlist.rewrite_set_item(w)
    passes.fold_constants(w, stats)
    passes.remove_dead(w, stats, EFFECTS)
    fft.fuse_complex(w)
    if entry:       # the program's outputs must be arena tensors; a callee's results are copied
        passes.materialize_const_outputs(w)
    passes.check_topological(w)
    passes.check_shapes(w)
    return w


def flatten(model: Model, stats: passes.PassStats) -> FlatGraph:
    """The program's graph: every reachable graph after the usual passes,
    tensors and nodes concatenated, call attrs renumbered to program order."""
    order = call_order(model)
    new_index = {gi: k for k, gi in enumerate(order)}
    flat = FlatGraph(name=model.main.name, tensors=[], nodes=[], inputs=[], outputs=[])
    callers = {ci: n.source_op or n.op.upper() for gi in order for n in model.graphs[gi].nodes
               for ci in (n.attrs.get(a) for a in CALLS.get(n.op, ()))}
    for gi in order:
        try:
            g = _prepare_one(model.graphs[gi], stats, gi == 0)
        except SelbuildError as e:
            if gi == 0:
                raise
            # Say where: the user sees a WHILE body, not an anonymous graph number.
            raise type(e)(f"{model.path}: control flow ({callers.get(gi, 'call')} subgraph {gi} "
                          f"{model.graphs[gi].name!r}): {e.message}", hint=e.hint) from None
        base = len(flat.tensors)
        flat.tensors.extend(g.tensors)
        first = len(flat.nodes)
        nodes = []
        for n in g.nodes:
            m = dataclasses.replace(n, inputs=[i + base if i >= 0 else -1 for i in n.inputs],
                                    outputs=[o + base for o in n.outputs], attrs=dict(n.attrs))
            if m.op in CALLS:
                for attr in CALLS[m.op]:
                    m.attrs[attr] = new_index[m.attrs[attr]]
                m.dtype = "any"
            nodes.append(m)
        nodes = _resolve_variables(flat, nodes)
        flat.nodes.extend(nodes)
        flat.spans.append(Span(g.name, first, len(nodes), [i + base for i in g.inputs],
                               [o + base for o in g.outputs], gi))
        if gi == 0:
            flat.inputs, flat.outputs = list(flat.spans[0].inputs), list(flat.spans[0].outputs)
    return flat


def span_tensors(flat: FlatGraph) -> list[int]:
    """Tensors the subgraph tables name (kept by the writer even if no node reads them)."""
    return sorted({t for s in flat.spans[1:] for t in s.inputs + s.outputs})


def plan_steps(flat: FlatGraph, inputs: list[list[int]], outputs: list[list[int]]
               ) -> tuple[list[list[int]], list[list[int]]]:
    """Per-step (reads, writes) for the planner, control calls expanded in place.

    inputs/outputs are the lowered nodes' tensors (flat node order). A control
    node becomes a step before and a step after its callees' steps; its
    operands, results and every callee input/output are live over that whole
    stretch, so loop-carried values are never overwritten mid-call.
    """
    reads: list[list[int]] = []
    writes: list[list[int]] = []
    spans = flat.spans

    def emit(si: int, depth: int) -> None:
        if depth > 8:
            raise ModelError("subgraph calls nest deeper than 8 (the runtime's limit)")
        s = spans[si]
        for ni in range(s.first, s.first + s.count):
            n = flat.nodes[ni]
            if n.op not in CALLS:
                reads.append(inputs[ni])
                writes.append(outputs[ni])
                continue
            called = [n.attrs[a] for a in CALLS[n.op]]
            carried = [t for c in called for t in spans[c].inputs + spans[c].outputs]
            reads.append(list(inputs[ni]))
            writes.append(list(outputs[ni]) + carried)
            for c in called:
                emit(c, depth + 1)
            reads.append(list(inputs[ni]) + list(outputs[ni]) + carried)
            writes.append([])

    emit(0, 0)
    return reads, writes


def check_signatures(flat: FlatGraph) -> None:
    """What the runtime verifies at load, said in the model's terms first."""
    for n in flat.nodes:
        if n.op not in CALLS:
            continue
        args = n.inputs if n.op == "while" else n.inputs[1:] if n.op == "if" else []
        for attr in CALLS[n.op]:
            s = flat.spans[n.attrs[attr]]
            if len(s.inputs) != len(args):
                raise ModelError(f"{n.source_op or n.op} calls subgraph {s.name!r} with {len(args)} values; "
                                 f"it takes {len(s.inputs)}")
            for a, t in zip(args, s.inputs):
                ta, tt = flat.tensors[a], flat.tensors[t]
                if (ta.dtype, tuple(ta.shape)) != (tt.dtype, tuple(tt.shape)):
                    raise UnsupportedError(
                        f"{n.source_op or n.op}: value {ta.name!r} {ta.dtype}{list(ta.shape)} enters subgraph "
                        f"{s.name!r} as {tt.dtype}{list(tt.shape)}; selbuild needs static, equal shapes")
            if len(s.outputs) != len(n.outputs) or any(
                    (flat.tensors[a].dtype, tuple(flat.tensors[a].shape))
                    != (flat.tensors[t].dtype, tuple(flat.tensors[t].shape)) for a, t in zip(n.outputs, s.outputs)):
                if n.op == "while" and attr == "cond_subgraph_index":
                    continue
                raise UnsupportedError(f"{n.source_op or n.op}: the results of subgraph {s.name!r} differ from the "
                                       f"node's outputs in number, dtype or shape")
        if n.op == "while":
            body = flat.spans[n.attrs["body_subgraph_index"]]
            for i, o in enumerate(body.outputs):
                if o in body.inputs and body.inputs.index(o) != i:
                    raise UnsupportedError(f"WHILE body {body.name!r}: output {i} is input "
                                           f"{body.inputs.index(o)} (a swap of loop values) is not supported")
