"""The partition pass: which runs of nodes an accelerator backend takes.

After lowering (the backends see the same params the CPU kernels get, and
their payloads reuse them), every node is offered to the config's backends in
order; maximal runs of consecutive nodes claimed by the same backend become
one Partition of the program. Consecutive runs keep the runtime simple: a
partition replaces nodes [first, first + count) of the loop, its inputs are
whatever earlier nodes left in the arena and its outputs are copied back
into the arena for later nodes (uploads/downloads below).

With `fallback: cpu` the partition's nodes keep their CPU kernels (the
program is the same either way); a `fallback: none` build just omits the CPU
kernels that only partitioned nodes use (selbuild.planning.cpu_kernels).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from selbuild import backends as bk
from selbuild.backends.contract import PartitionPlan
from selbuild.convert.registry import Lowered
from selbuild.ir import Graph


@dataclass
class Assignment:
    """Per node: the backend that takes it (None: CPU) and why the others did not."""

    backend: list[str | None]
    reasons: list[dict[str, str]] = field(default_factory=list)


def assign(g: Graph, lowered: list[Lowered], backends: list[str]) -> Assignment:
    out = Assignment([], [])
    for node, low in zip(g.nodes, lowered):
        name, reasons = bk.claim(backends, g, node, low) if backends else (None, {})
        out.backend.append(name)
        out.reasons.append(reasons)
    return out


def runs(assignment: Assignment) -> list[tuple[str, list[int]]]:
    """Maximal runs of consecutive nodes with the same backend."""
    out: list[tuple[str, list[int]]] = []
    for i, name in enumerate(assignment.backend):
        if name is None:
            continue
        if out and out[-1][0] == name and out[-1][1][-1] == i - 1:
            out[-1][1].append(i)
        else:
            out.append((name, [i]))
    return out


def plans(g: Graph, lowered: list[Lowered], backends: list[str],
          remap: dict[int, int], arena_size: int = 0) -> list[PartitionPlan]:
    """Partition plans with program tensor indices (`remap`: graph id -> program index).

    A plan the backend says does not fit (optional `fits`, e.g. device
    memory) is dropped: its nodes stay on the CPU, and the stats (hence a
    `fallback: none` build's kernel list) say so."""
    result: list[PartitionPlan] = []
    graph_outputs = set(g.outputs)
    for name, nodes in runs(assign(g, lowered, backends)):
        inside = set(nodes)
        produced: set[int] = set()
        uploads: list[int] = []
        for i in nodes:
            for t in lowered[i].inputs:
                if t >= 0 and t not in produced and not g.tensors[t].is_const and t not in uploads:
                    uploads.append(t)
            produced.update(lowered[i].outputs)
        later = {t for j, low in enumerate(lowered) if j not in inside and j > nodes[-1] for t in low.inputs}
        downloads = sorted(t for t in produced if t in later or t in graph_outputs)
        consts = {t for i in nodes for t in lowered[i].inputs if t >= 0 and g.tensors[t].is_const}
        plan = PartitionPlan(
            backend=name, nodes=list(nodes), kernels=[lowered[i].kernel for i in nodes],
            inputs=[[remap[t] if t >= 0 else -1 for t in lowered[i].inputs] for i in nodes],
            outputs=[[remap[t] for t in lowered[i].outputs] for i in nodes],
            uploads=[remap[t] for t in uploads], downloads=[remap[t] for t in downloads],
            arena_size=arena_size, constant_bytes=sum(g.tensors[t].nbytes for t in consts),
            graph=g, lowered=[lowered[i] for i in nodes], remap=remap)
        if bk.fits(name, plan) is True:
            result.append(plan)
    return result


def serialize(parts: list[PartitionPlan]) -> list[tuple[str, list[int], bytes]]:
    """(backend, nodes, payload) per partition, as the writer stores them."""
    return [(p.backend, p.nodes, bk.get(p.backend).payload(p)) for p in parts]

