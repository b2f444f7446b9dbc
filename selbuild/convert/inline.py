"""CALL (a plain subgraph call) is inlined at conversion.

A CALL runs its subgraph once, with the node's inputs as the subgraph's
inputs and the subgraph's outputs as the node's outputs: nothing about it is
decided at run time, so the ahead-of-time answer is to paste the callee's
nodes in place of the call (its tensors copied into the caller, named
`<callee>/<tensor>`). The program then needs no call kernel, no subgraph
table and no per-call copies; the planner shares the callee's temporaries with
the caller's like any others. A callee that itself calls is inlined first
(nesting bounded at 8, as the runtime bounds calls; a cycle is refused).
"""

from __future__ import annotations

import dataclasses

from selbuild.errors import ModelError, UnsupportedError
from selbuild.ir import Graph, Model, Node

MAX_DEPTH = 8


def inline_calls(model: Model) -> Model:
    """`model` with every CALL node replaced by its subgraph's nodes (the model itself when it has none)."""
    if not any(n.op == "call" for g in model.graphs for n in g.nodes):
        return model
    done: dict[int, Graph] = {}
    graphs = [_inlined(model, gi, [], done) for gi in range(len(model.graphs))]
    return dataclasses.replace(model, graphs=graphs)


def _inlined(model: Model, gi: int, path: list[int], done: dict[int, Graph]) -> Graph:
    if gi in done:
        return done[gi]
    g = model.graphs[gi]
    if not any(n.op == "call" for n in g.nodes):
        done[gi] = g
        return g
    if len(path) >= MAX_DEPTH:
        raise ModelError(f"{model.path}: CALLs nest deeper than {MAX_DEPTH} (subgraphs {path + [gi]})")
    tensors = list(g.tensors)
    nodes: list[Node] = []
    rename: dict[int, int] = {}         # a call output that is the callee's input or constant
    for n in g.nodes:
        n = dataclasses.replace(n, inputs=[rename.get(i, i) for i in n.inputs])
        if n.op != "call":
            nodes.append(n)
            continue
        ci = n.attrs.get("subgraph")
        if not isinstance(ci, int) or not 0 <= ci < len(model.graphs):
            raise ModelError(f"{model.path}: CALL in graph {gi} calls subgraph {ci}, which does not exist "
                             f"({len(model.graphs)} subgraphs)")
        if ci in path + [gi]:
            cycle = " -> ".join(str(x) for x in path + [gi, ci])
            raise ModelError(f"{model.path}: subgraphs call each other in a cycle ({cycle}); "
                             f"recursion cannot run ahead of time")
        callee = _inlined(model, ci, path + [gi], done)
        nodes.extend(_paste(model, tensors, n, callee, rename))
    for o in g.outputs:
        if o in rename:
            # a graph output keeps its own tensor (and name): copy the value in
            t = tensors[o]
            nodes.append(Node("reshape", [rename[o]], [o], {"new_shape": list(t.shape)}, source_op="CALL result",
                              dtype=t.dtype))
    done[gi] = Graph(g.name, tensors, nodes, list(g.inputs), list(g.outputs))
    return done[gi]


def _paste(model: Model, tensors: list, call: Node, callee: Graph, rename: dict[int, int]) -> list[Node]:
    """The callee's nodes over the caller's tensors (new tensors appended to `tensors`)."""
    if len(call.inputs) != len(callee.inputs) or len(call.outputs) != len(callee.outputs):
        raise ModelError(f"{model.path}: CALL of subgraph {callee.name!r} passes {len(call.inputs)} values and "
                         f"takes {len(call.outputs)}; the subgraph has {len(callee.inputs)} inputs and "
                         f"{len(callee.outputs)} outputs")
    where: dict[int, int] = {}
    for ours, theirs in zip(call.inputs + call.outputs, callee.inputs + callee.outputs):
        a, b = tensors[ours], callee.tensors[theirs]
        if (a.dtype, tuple(a.shape)) != (b.dtype, tuple(b.shape)):
            raise UnsupportedError(f"CALL of subgraph {callee.name!r}: value {a.name!r} {a.dtype}{list(a.shape)} "
                                   f"stands for {b.name!r} {b.dtype}{list(b.shape)}; selbuild needs static, "
                                   f"equal shapes")
    where.update(zip(callee.inputs, call.inputs))
    produced = {o for m in callee.nodes for o in m.outputs}
    for ours, theirs in zip(call.outputs, callee.outputs):
        if theirs in where or theirs not in produced:
            # an input passed straight through, a constant, or an output listed twice:
            # later readers of the call's output read that tensor instead
            rename[ours] = _copy(tensors, callee, theirs, where)
        else:
            where[theirs] = ours

    def mapped(t: int) -> int:
        return -1 if t < 0 else where[t] if t in where else _copy(tensors, callee, t, where)

    return [dataclasses.replace(m, inputs=[mapped(i) for i in m.inputs], outputs=[mapped(o) for o in m.outputs],
                                attrs=dict(m.attrs)) for m in callee.nodes]


def _copy(tensors: list, callee: Graph, t: int, where: dict[int, int]) -> int:
    if t not in where:
        tensors.append(dataclasses.replace(callee.tensors[t], name=f"{callee.name}/{callee.tensors[t].name}"))
        where[t] = len(tensors) - 1
    return where[t]
