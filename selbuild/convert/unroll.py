"""WHILE loops with a trip count known at conversion, unrolled (speed builds).

Keras recurrent layers converted without unrolling keep their time loop as a
WHILE whose condition reads only counters: `i < 20 && t < 20`, with i and t
starting at constant 0 and the body adding 1. Such a loop runs the same
number of times on every input, so it can be decided here: the condition and
the counter arithmetic are evaluated on the build machine (integer and bool
values only: the runtime's float arithmetic is never second-guessed), and the
body is pasted that many times into graph 0 with every value the evaluation
knew turned into a constant (the counter, a gather index, an update-slice
start). The program then needs no control kernels, no per-iteration copies of
the carried values and no iteration budget; it grows by one body per step, so
this is for speed builds (`profile: speed`) and bounded (MAX_TRIPS,
MAX_NODES). Size builds keep loops: one body, plus the ~1 KB of control code.

A loop whose condition depends on anything else (an input, a float) stays a
loop. `analyze` says which of the two each loop is (selbuild/ir_eval.py
`loop_notes`, where the evaluation lives).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from selbuild.convert import tensorlist
from selbuild.ir import Graph, Model, Node, Tensor
from selbuild.ir_eval import MAX_TRIPS, simulate, trip_count

MAX_NODES = 4096        # nodes the unrolled loops may add to graph 0

def unroll_loops(model: Model, max_trips: int = MAX_TRIPS, max_nodes: int = MAX_NODES) -> Model:
    """`model` with graph 0's constant-trip WHILE loops unrolled (the model itself when none is)."""
    g = model.main
    if not any(n.op == "while" for n in g.nodes):
        return model
    bodies = {}
    for n in g.nodes:
        if n.op == "while":
            bi = n.attrs.get("body_subgraph_index")
            if isinstance(bi, int) and 0 <= bi < len(model.graphs) and bi not in bodies:
                b = dataclasses.replace(model.graphs[bi], tensors=list(model.graphs[bi].tensors),
                                        nodes=list(model.graphs[bi].nodes))
                tensorlist.rewrite_set_item(b)      # its run-time slices become one update (static shapes)
                bodies[bi] = b
    graphs = list(model.graphs)
    for bi, b in bodies.items():
        graphs[bi] = b
    work = dataclasses.replace(model, graphs=graphs)
    tensors, nodes, rename, added = list(g.tensors), [], {}, 0
    shared: dict[tuple[int, int], int] = {}        # (body, body constant) -> caller tensor, one per loop
    for n in g.nodes:
        n = dataclasses.replace(n, inputs=[rename.get(i, i) for i in n.inputs])
        trips = trip_count(work, dataclasses.replace(g, tensors=tensors), n, max_trips) if n.op == "while" else None
        body = work.graphs[n.attrs["body_subgraph_index"]] if trips is not None else None
        if body is None or added + trips * len(body.nodes) > max_nodes:
            nodes.append(n)
            continue
        carried = list(n.inputs)
        for step in range(trips):
            carried = _paste_step(tensors, nodes, body, n.attrs["body_subgraph_index"], carried, shared, step)
        added += trips * len(body.nodes)
        rename.update(zip(n.outputs, carried))
    outputs = []
    for o in g.outputs:
        if o in rename:
            # the loop's result is a graph output: it keeps its own tensor (and name)
            t = tensors[o]
            nodes.append(Node("reshape", [rename[o]], [o], {"new_shape": list(t.shape)}, source_op="WHILE result",
                              dtype=t.dtype))
        outputs.append(o)
    graphs[0] = Graph(g.name, tensors, nodes, list(g.inputs), outputs)
    return dataclasses.replace(model, graphs=graphs)


def _paste_step(tensors: list[Tensor], nodes: list[Node], body: Graph, bi: int, carried: list[int],
                shared: dict[tuple[int, int], int], step: int) -> list[int]:
    """One iteration of `body` appended to `nodes`; returns the caller tensors of its results.
    Its tensors are named `<last part of the body tensor's name>@<step>` (the
    converter's long scoped names, once per step, would be most of the program)."""
    given = {b: np.asarray(tensors[c].data) if tensors[c].is_const else None for b, c in zip(body.inputs, carried)}
    known = simulate(body, given)
    where = dict(zip(body.inputs, carried))

    def tensor(t: int) -> int:
        if t < 0:
            return -1
        if t in where:
            return where[t]
        src = body.tensors[t]
        if src.is_const:
            key = (bi, t)
            if key not in shared:           # weights once per loop, not once per step
                tensors.append(dataclasses.replace(src, name=f"{body.name}/{src.name}"))
                shared[key] = len(tensors) - 1
            where[t] = shared[key]
        else:
            tensors.append(dataclasses.replace(src, name=f"{src.name.rsplit('/', 1)[-1]}@{step}",
                                               data=known.get(t)))
            where[t] = len(tensors) - 1
        return where[t]

    for m in body.nodes:
        if m.outputs and all(o in known for o in m.outputs):
            continue                        # computed here: its outputs are constants
        nodes.append(dataclasses.replace(m, inputs=[tensor(i) for i in m.inputs],
                                         outputs=[tensor(o) for o in m.outputs], attrs=dict(m.attrs)))
    return [tensor(o) for o in body.outputs]
