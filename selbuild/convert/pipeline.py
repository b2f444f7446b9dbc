"""The converter: ir.Model -> .selrt program bytes.

    check control flow -> [specialise to the input shapes] -> fold constants
    -> remove dead nodes -> check order -> check shapes -> [uint8 -> int8]
    -> lower -> check kernels
    -> plan memory -> write

Each step lives in its own module (passes, planner, writer); this one only
sequences them and gathers the numbers `selbuild convert` prints.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from selbuild import __version__
from selbuild.catalogue import Catalogue
from selbuild.convert import control, inline, passes, planner, registry, specialize, uint8
from selbuild.convert.unroll import unroll_loops
from selbuild.convert.ops import fft, recurrent
from selbuild.convert.ops._common import describe
from selbuild.convert.registry import Lowered
from selbuild.convert.writer import WriteInput, used_tensors, write_program
from selbuild.errors import SelbuildError, UnsupportedError
from selbuild.ir import Graph, Model

InputShapes = Mapping[str, Sequence[int]]


@dataclass
class ConvertStats:
    nodes_in: int                       # nodes of graph 0 as the frontend gave them
    nodes_out: int                      # nodes in the program
    folded_nodes: int
    removed_nodes: int
    tensors: int                        # tensors in the program
    constant_bytes: int                 # bytes of constant data (before deduplication)
    kernel_counts: dict[str, int] = field(default_factory=dict)   # kernel -> nodes using it
    partitions: list[tuple[str, int]] = field(default_factory=list)  # (backend, node count) per partition
    backend_nodes: dict[str, int] = field(default_factory=dict)      # kernel -> nodes backends take


@dataclass
class ConvertResult:
    program: bytes
    arena_size: int
    arena_lower_bound: int
    kernels: list[str]
    stats: ConvertStats


def model_metadata(model: Model) -> dict[str, str]:
    """Metadata stored in the program: where it came from and who wrote it.

    The source is stored by file name only (plus its sha256), so converting
    the same model in two checkouts gives the same bytes.
    """
    meta = {f"model.{k}": str(v) for k, v in sorted(model.metadata.items())}
    meta["selbuild_version"] = __version__
    meta["source"] = Path(model.path).name if model.path else ""
    meta["source_format"] = model.format
    sha = model.metadata.get("sha256")
    if not sha and model.path and Path(model.path).is_file():
        sha = hashlib.sha256(Path(model.path).read_bytes()).hexdigest()
    if sha:
        meta["source_sha256"] = sha
    return meta


def lower_all(g: Graph) -> list[Lowered]:
    """Lower every node; all failures are reported together."""
    lowered: list[Lowered] = []
    errors: list[str] = []
    for n in g.nodes:
        try:
            lowered.append(registry.lower_fn(n.op, n.dtype)(g, n))
        except UnsupportedError as e:
            msg = e.message if describe(g, n) in e.message else f"{describe(g, n)}: {e.message}"
            errors.append(msg)
    if errors:
        head = errors[0] if len(errors) == 1 else f"{len(errors)} nodes cannot be lowered:\n  " + "\n  ".join(errors)
        raise UnsupportedError(head, hint="run `selbuild ops` for the operators selbuild supports")
    return lowered


def check_kernels(g: Graph, allowed: set[str]) -> None:
    """UnsupportedError listing every kernel the graph needs that `allowed` lacks.

    Checked on the nodes' canonical kernels before lowering, so the user gets
    the full list even when some ops cannot be lowered yet.
    """
    missing = Counter(n.kernel for n in g.nodes if n.kernel not in allowed)
    if missing:
        listing = ", ".join(f"{k} ({c} node{'s' if c > 1 else ''})" for k, c in sorted(missing.items()))
        raise UnsupportedError(f"the model needs kernels the build config does not select: {listing}",
                               hint="add them to the config's `ops:` (or `extra_ops:`), or regenerate it with "
                                    "`selbuild config init`")


def prepare(model: Model, input_shapes: InputShapes | None = None,
            unroll: bool = False) -> tuple[Graph, passes.PassStats]:
    """Graph 0 after the passes that run before lowering (folding, dead code, checks).

    `input_shapes` (input name -> dims) specialises a model with dynamic
    input dimensions; inputs it does not name keep the model's shapes.
    `unroll` unrolls WHILE loops whose trip count conversion can tell
    (convert/unroll.py; speed builds).
    """
    if not model.graphs:
        raise SelbuildError(f"{model.path}: the model has no graph")
    model = inline.inline_calls(model)
    if unroll:
        model = unroll_loops(model)
    if control.uses_control_flow(model):
        # Several subgraphs in one flat graph (convert/control.py), each after the same passes.
        pstats = passes.PassStats()
        flat = control.flatten(model, pstats)
        control.check_signatures(flat)
        return flat, pstats
    passes.check_control_flow(model)
    g = passes.working_copy(model.main)
    recurrent.thread_state(g)      # variable state tensors -> node outputs, before dead-code removal
    pstats = passes.PassStats()
    if input_shapes or specialize.dynamic_inputs(g):
        passes.check_topological(g)
        pstats.folded_nodes += specialize.specialize(g, input_shapes or {})
    passes.fold_constants(g, pstats)
    passes.remove_dead(g, pstats)
    fft.fuse_complex(g)            # RFFT2D + its complex readers -> float rfft2d nodes
    passes.materialize_const_outputs(g)
    passes.check_topological(g)
    passes.check_shapes(g)
    uint8.to_int8(g)               # legacy uint8 models run on the int8 kernels
    return g, pstats


def required_kernels(model: Model) -> dict[str, int]:
    """Kernel -> node count the program of `model` will use (after folding: an
    f16-weight model needs no dequantize kernel). Ops without a lowering are
    listed under their canonical kernel name."""
    g, _ = prepare(model)
    return dict(sorted(Counter(n.kernel for n in g.nodes).items()))


def convert(model: Model, *, kernels: set[str] | None = None, catalogue: Catalogue | None = None,
            backends: list[str] | None = None, input_shapes: InputShapes | None = None,
            max_iterations: int | None = None, unroll: bool = False) -> ConvertResult:
    """Compile graph 0 of `model`; `kernels` restricts the kernels the program may use.

    `catalogue` defaults to runtime_src/kernels/kernels.yaml (tests pass their own).
    `backends` (config order) may take runs of nodes (convert/partition.py).
    `input_shapes` gives inputs with dynamic dimensions their sizes, `unroll`
    unrolls constant-trip loops (see `prepare`).
    """
    nodes_in = len(model.main.nodes) if model.graphs else 0
    g, pstats = prepare(model, input_shapes, unroll)
    if kernels is not None:
        check_kernels(g, set(kernels))
    lowered = lower_all(g)
    if kernels is not None:
        # A lowering may pick another kernel than the node's canonical one.
        extra = sorted({low.kernel for low in lowered} - set(kernels))
        if extra:
            raise UnsupportedError(f"the model needs kernels the build config does not select: {', '.join(extra)}")

    flat = g if isinstance(g, control.FlatGraph) else None
    ids = used_tensors(g, lowered, control.span_tensors(flat) if flat else ())
    arena_ids = [i for i in ids if not g.tensors[i].is_const]
    sizes = {i: g.tensors[i].nbytes for i in arena_ids}
    reads, writes = [low.inputs for low in lowered], [low.outputs for low in lowered]
    if flat:
        if backends:
            raise UnsupportedError("backends cannot take part of a model with control flow yet",
                                   hint="build this model for the CPU (no `backends:` in the config)")
        reads, writes = control.plan_steps(flat, reads, writes)
    # Variables keep their bytes between runs: live over the whole run, like inputs.
    persistent = list(g.inputs) + (sorted(flat.variables.values()) if flat else [])
    intervals = planner.lifetimes(len(reads), reads, writes, persistent, g.outputs, sizes)
    plan = planner.plan(intervals)
    planner.check_plan(intervals, plan)

    parts = []
    if backends:
        from selbuild.convert import partition
        remap = {old: new for new, old in enumerate(ids)}   # the writer's numbering
        parts = partition.serialize(partition.plans(g, lowered, list(backends), remap, plan.arena_size))
    program = write_program(WriteInput(graph=g, lowered=lowered, arena_offsets=plan.offsets,
                                       arena_size=plan.arena_size, metadata=model_metadata(model),
                                       partitions=parts,
                                       subgraphs=[(sp.name, sp.first, sp.count, sp.inputs, sp.outputs)
                                                  for sp in flat.spans] if flat else [],
                                       max_iterations=max_iterations or control.DEFAULT_MAX_ITERATIONS),
                            catalogue)
    counts = Counter(low.kernel for low in lowered)
    stats = ConvertStats(nodes_in=nodes_in, nodes_out=len(lowered), folded_nodes=pstats.folded_nodes,
                         removed_nodes=pstats.removed_nodes, tensors=len(ids),
                         constant_bytes=sum(g.tensors[i].nbytes for i in ids if g.tensors[i].is_const),
                         kernel_counts=dict(sorted(counts.items())),
                         partitions=[(b, len(n)) for b, n, _ in parts],
                         backend_nodes=dict(sorted(Counter(lowered[i].kernel for _, n, _ in parts
                                                           for i in n).items())))
    return ConvertResult(program=program, arena_size=plan.arena_size, arena_lower_bound=plan.lower_bound,
                         kernels=sorted(counts), stats=stats)
