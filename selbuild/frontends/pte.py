"""The ExecuTorch frontend (.pte): `summarize` and `load`.

The file is read by frontends/executorch.py (no torch needed: a .pte is
analyzed on a machine without torch); only the converted view (exact kernels
in `summarize`, the IR in `load`) goes through executorch_load and torch.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

from selbuild.errors import ModelError
from selbuild.frontends import aten_ops
from selbuild.frontends.base import Delegate, ModelSummary, OpUse
from selbuild.frontends.executorch import PteProgram, read_program


def _read(path: Path) -> bytes:
    from selbuild.frontends import read_model
    return read_model(Path(path))


def summarize(path: Path) -> ModelSummary:
    data = _read(path)
    try:
        prog = read_program(data)
    except ModelError as e:
        raise ModelError(f"{path}: {e.message}", hint=e.hint) from None
    uses: Counter[tuple[str | None, str]] = Counter()
    for plan in prog.plans:
        for call in plan.calls:
            spelled = aten_ops.spell(call.name, call.overload)
            uses[(aten_ops.kernel_name(call.name, call.args), spelled)] += 1
    # operators a plan lists without calling them (rare) still need registering
    for plan in prog.plans:
        for name, overload in plan.operators:
            spelled = aten_ops.spell(name, overload)
            if not any(src == spelled for _, src in uses):
                uses[(aten_ops.kernel_name(name), spelled)] += 0
    ops = [OpUse(op, src, None, n) for (op, src), n in uses.items()]
    per_backend: dict[str, list[tuple[str, int]]] = {}
    for plan in prog.plans:
        for backend, n in Counter(plan.delegates).items():
            per_backend.setdefault(backend, []).append((plan.name, n))
    delegates = []
    for backend, uses_ in per_backend.items():
        total = sum(n for _, n in uses_)
        where = ", ".join(f"{n} subgraph{'s' if n != 1 else ''} of plan '{p}'" for p, n in uses_)
        delegates.append(Delegate(backend, f"{where} {'is' if total == 1 else 'are'} delegated to {backend}"))
    notes = []
    converted = _converted_rows(data, prog)
    if converted is not None:
        # the exact kernels the converted program uses (batch norm folded,
        # activations fused, layout transposes and views as their own kernels)
        rows, errors = converted
        listed = {src for _, src in rows}
        folded = sorted({o.source_op for o in ops} - listed)
        ops = [OpUse(op, src, None, n) for (op, src), n in sorted(rows.items(), key=lambda r: (r[0][1], r[0][0] or ""))]
        if folded:
            notes.append("folded or fused during conversion (no kernel of their own): " + ", ".join(folded))
        if errors:
            notes.append("cannot convert yet: " + "; ".join(f"{s} ({why})" for s, why in errors))
        lowered = [d for d in delegates if d.name == "XnnpackBackend"]
        if lowered:
            # its nodes are selbuild kernels now: no backend needed for them
            delegates = [d for d in delegates if d.name != "XnnpackBackend"]
            kinds = sorted({src.split("::", 1)[1] for _, src in rows if src.startswith("xnnpack::")})
            notes.append(lowered[0].reason.replace("delegated to XnnpackBackend", "lowered to selbuild kernels")
                         + f" (XNNPACK node kinds: {', '.join(kinds)})")
    elif any(p.delegates for p in prog.plans):
        why = _conversion_error(data, prog)
        if why:
            notes.append(f"cannot convert the delegated program yet: {why}")
    notes += _state_notes(prog)
    unmapped = sorted({o.source_op for o in ops if o.op is None})
    if unmapped:
        notes.append("no selbuild kernel for: " + ", ".join(unmapped))
    return ModelSummary(
        path=str(path), format="pte", sha256=hashlib.sha256(data).hexdigest(),
        subgraphs=len(prog.plans),
        inputs=[t for p in prog.plans for t in p.inputs],
        outputs=[t for p in prog.plans for t in p.outputs],
        ops=ops, custom_ops=[], delegates=delegates, notes=notes)


def _converted_rows(data: bytes, prog: PteProgram):
    """(kernel, source op) -> count of the converted program, or None when the
    program is not convertible (delegates other than XNNPACK) or torch is absent."""
    import importlib.util
    if any(set(p.delegates) - {"XnnpackBackend"} for p in prog.plans) or importlib.util.find_spec("torch") is None:
        return None
    from selbuild.frontends import executorch_load
    return executorch_load.kernel_rows(data, prog)


def _conversion_error(data: bytes, prog: PteProgram) -> str | None:
    """Why a program with delegates cannot be rebuilt (None if torch is absent or it can)."""
    import importlib.util
    if importlib.util.find_spec("torch") is None:
        return None
    from selbuild.errors import SelbuildError
    from selbuild.frontends import executorch_load
    for plan in prog.plans:
        try:
            executorch_load.build_fx(data, prog, plan)
        except SelbuildError as e:
            return e.message
    return None


def load(path: Path):
    """The IR of a portable program (no delegates); needs torch, see executorch_load."""
    from selbuild.frontends import executorch_load
    try:
        return executorch_load.load(Path(path))
    except ModelError as e:
        raise ModelError(f"{path}: {e.message}" if str(path) not in e.message else e.message, hint=e.hint) from None


def _state_notes(prog: PteProgram) -> list[str]:
    """Mutable buffers (what `aten::copy_` writes): the state a session keeps."""
    notes = []
    for plan in prog.plans:
        held = {c.arg_ids[0]: c.args[0] for c in plan.calls if c.name == "aten::copy_" and c.args}
        if not held:
            continue
        given = sum(v in plan.inits for v in held)
        start = ("their initial values from the program" if given == len(held) else
                 "zeros where the program gives no initial value (ExecuTorch leaves those unspecified)")
        notes.append(f"plan '{plan.name}' keeps state in {len(held)} mutable buffer(s) across runs (resource "
                     f"variables, {start}): " + ", ".join(f"buffer{v} {getattr(t, 'dtype', '?')}"
                                                          f"{list(getattr(t, 'shape', None) or ())}"
                                                          for v, t in sorted(held.items())))
    return notes
