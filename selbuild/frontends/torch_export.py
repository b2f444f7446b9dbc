"""torch.export programs (.pt2, written by `torch.export.save`): analysis and conversion.

`summarize` lists the ATen operators of the stored graph (spelled
`aten::convolution`, `aten::add.Tensor`) and, for each, the canonical kernels
the converted program will use; `load` lowers the program to the IR.

Both first decompose the stored graph with torch's own core-ATen
decompositions (`ExportedProgram.run_decompositions()`): the lowering then
handles one small op set (convolution, addmm, native_layer_norm, ...) whatever
level the user exported at, and LSTM/GRU layers arrive unrolled into matmuls
and activations. Decomposed nodes remember the stored node they came from
(`from_node` meta), which is how a kernel is attributed to the user's op.
The lowering itself is selbuild/frontends/torch_lower.py (+ torch_handlers*).
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

from selbuild import ir
from selbuild.errors import ModelError, UnsupportedError
from selbuild.frontends import aten_ops
from selbuild.frontends.base import Delegate, ModelSummary, OpUse, TensorInfo, torch_extra_files
from selbuild.frontends.torch_state import describe, note
from selbuild.frontends.torchscript import require_torch
from selbuild.inputs import bounded_memory, probe_foreign_loader
from selbuild.opmaps import fusable_ops

# Ops that take a fused activation in the TFLite conventions the kernels follow
# (`fuses_activation: true` in kernels.yaml).
_FUSABLE = fusable_ops()
_ACTS = ("relu", "relu6", "relu_n1_to_1")


def read_program(path: Path) -> Any:
    torch = require_torch()
    from selbuild import custom_ops
    custom_ops.register_torch_ops()     # an app's torch.library ops (docs/custom_ops.md)
    # torch.export.load logs each failed attempt before raising; our error says it once
    log = logging.getLogger("torch.export")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            probe_foreign_loader(Path(path), lambda: torch.export.load(str(path)), "torch.export.load")
            with bounded_memory(Path(path).stat().st_size):   # see torchscript.summarize
                return torch.export.load(str(path))
    except ModelError:
        raise
    except Exception as e:          # torch raises many kinds for a bad archive
        why = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ModelError(f"{path}: not a torch.export program ({why})",
                         hint="write it with torch.export.save(torch.export.export(module, args), path)") from None
    finally:
        log.setLevel(level)


def decompose(ep: Any) -> Any:
    import torch
    table = torch.export.default_decompositions()
    # Ops with a kernel of their own stay whole: hardswish would become five
    # elementwise ops, prelu a compare and a select, linear on a rank > 2 input
    # a batched matmul, reflection padding index gathers (it is mirror_pad).
    for op in (torch.ops.aten.linear.default, torch.ops.aten.hardswish.default, torch.ops.aten.prelu.default,
               torch.ops.aten._prelu_kernel.default, torch.ops.aten.reflection_pad1d.default,
               torch.ops.aten.reflection_pad2d.default, torch.ops.aten.reflection_pad3d.default):
        table.pop(op, None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ep.run_decompositions(table)
    except Exception as e:
        raise UnsupportedError(f"torch could not decompose the program: {str(e).splitlines()[0]}") from None


def fuse_activations(g: ir.Graph) -> None:
    """relu/relu6/relu_n1_to_1 after an op with a fused-activation slot -> that slot."""
    consumers: Counter[int] = Counter(i for n in g.nodes for i in n.inputs)
    producer = {o: k for k, n in enumerate(g.nodes) for o in n.outputs}
    drop: set[int] = set()
    for k, n in enumerate(g.nodes):
        if n.op not in _ACTS or n.inputs[0] not in producer:
            continue
        t = n.inputs[0]
        p = g.nodes[producer[t]]
        if (p.op in _FUSABLE and p.attrs.get("activation", "none") == "none" and consumers[t] == 1
                and t not in g.outputs):
            p.attrs["activation"] = n.op
            p.outputs = [n.outputs[0]]
            drop.add(k)
    g.nodes = [n for k, n in enumerate(g.nodes) if k not in drop]


def lower_program(ep: Any, path: str = "") -> tuple[ir.Model, list[tuple[str, str]]]:
    """IR model of an ExportedProgram plus the (source op, reason) of every node
    that could not be lowered (the model is incomplete when that list is not empty)."""
    from selbuild.frontends.torch_lower import lower_graph
    low = lower_graph(decompose(ep), "main")
    # outputs keep the names of the program as stored (decomposition renames nodes)
    names = list(ep.graph_signature.user_outputs)
    if len(names) == len(low.g.outputs):
        for tid, nm in zip(low.g.outputs, names):
            if nm and nm not in {t.name for t in low.g.tensors}:
                low.g.tensors[tid].name = nm
    fuse_activations(low.g)
    model = ir.Model(path=str(path), format="pt2", graphs=[low.g, *low.state.graphs()])
    if low.state.spec:
        model.metadata["state"] = describe(low.state.spec)
    return model, low.errors


def _stored_ops(ep: Any) -> Counter[str]:
    return Counter(aten_ops.spell(*aten_ops.split_name(_spell_target(n.target)))
                   for n in ep.graph.nodes if n.op == "call_function" and _spell_target(n.target))


def _spell_target(target: Any) -> str:
    from selbuild.frontends.torch_lower import source_name
    s = str(target)
    return source_name(s) if s.count(".") >= 2 and not s.startswith("<") else ""


def _tensor_infos(ep: Any, kind: str) -> list[TensorInfo]:
    import torch
    sig = ep.graph_signature
    names = sig.user_inputs if kind == "input" else sig.user_outputs
    nodes = {n.name: n for n in ep.graph.nodes}
    out = []
    if kind == "output":
        out_node = next(n for n in ep.graph.nodes if n.op == "output")
        vals = [a.meta.get("val") if hasattr(a, "meta") else None for a in out_node.args[0]]
        vals = vals[len(vals) - len(names):]
    else:
        vals = [nodes[nm].meta.get("val") if nm in nodes else None for nm in names]
    from selbuild.frontends.torchscript import _dtype_name
    for name, v in zip(names, vals):
        if isinstance(v, torch.Tensor):
            dims = [d if isinstance(d, int) else -1 for d in v.shape]      # -1: dynamic, as TFLite writes it
            out.append(TensorInfo(str(name), dims, _dtype_name(torch, v.dtype) or "unknown"))
    return out


def summarize(path: Path) -> ModelSummary:
    path = Path(path)
    ep = read_program(path)
    stored = _stored_ops(ep)
    model, errors = lower_program(ep, str(path))
    rows: Counter[tuple[str | None, str]] = Counter()
    for n in (n for g in model.graphs for n in g.nodes if n.op != "var_handle"):   # handles need no kernel
        rows[(n.kernel, n.source_op or "?")] += 1
    for src, _ in errors:
        if src not in ("input", "output"):          # graph-level problems are notes, not ops
            rows[(None, src)] += 1
    notes = []
    folded = sorted(s for s in stored if not any(src == s for _, src in rows))
    if folded:
        notes.append("folded or fused during conversion (no kernel of their own): " + ", ".join(folded))
    notes += note(model)
    if errors:
        notes.append("cannot convert yet: " + "; ".join(f"{s} ({why})" for s, why in errors))
    ops = [OpUse(op, src, None, c) for (op, src), c in sorted(rows.items(), key=lambda r: (r[0][1], r[0][0] or ""))]
    return ModelSummary(
        path=str(path), format="pt2", sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        subgraphs=len(model.graphs),
        inputs=_tensor_infos(ep, "input"), outputs=_tensor_infos(ep, "output"), ops=ops,
        custom_ops=sorted(s for s in stored if not s.startswith(("aten::", "prims::"))),
        delegates=_delegates(ep), notes=notes, metadata=torch_extra_files(path))


def _delegates(ep: Any) -> list[Delegate]:
    # An exported program lowered to a backend (executorch_call_delegate) names it in a submodule.
    calls = Counter(str(getattr(n.args[0], "target", n.args[0])) for n in ep.graph.nodes
                    if n.op == "call_function" and "call_delegate" in str(n.target))
    return [Delegate(name, f"{c} delegated subgraph{'s' if c != 1 else ''}") for name, c in sorted(calls.items())]


def load(path: Path) -> ir.Model:
    path = Path(path)
    ep = read_program(path)
    model, errors = lower_program(ep, str(path))
    if errors:
        raise unsupported(errors, str(path))
    model.metadata["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return model


def unsupported(errors: list[tuple[str, str]], where: str) -> UnsupportedError:
    lines = [f"{src}: {why}" for src, why in errors]
    head = lines[0] if len(lines) == 1 else f"{len(lines)} ops cannot be converted:\n  " + "\n  ".join(lines)
    return UnsupportedError(f"{where}: {head}", hint="run `selbuild ops` for the operators selbuild supports")
