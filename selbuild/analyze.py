"""`selbuild analyze`: what kernels, dtypes and delegates a set of models needs.

Works for every format selbuild.frontends knows (dispatch by suffix); the
TFLite frontend is one of them. The JSON form is a contract (CI jobs and the
config writer read it):

    {"models": [<ModelSummary.to_json()>, ...],
     "ops": ["conv2d.f32", ...],                 # union of canonical kernels, sorted
     "delegates": [{"name": ..., "reason": ...}]} # union, by name

Each model also says what a selbuild runtime cannot run (selbuild.support):
every entry of its "ops" has `"supported": true|false` and the model an
`"unsupported": [...]` list (kernel names, or the source op of ops without
one: custom, unknown, delegate ops).

With `backends` (`selbuild analyze --backend vulkan`), one more key:
"backends": [{model, backend, nodes, backend_nodes, cpu_nodes, partitions,
kernels: {kernel: {backend, cpu}}, cpu: [{kernel, reason, count}]}] (see
selbuild/planning.py backend_report).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from selbuild import planning
from selbuild.frontends.base import Delegate, ModelSummary
from selbuild.support import Support, judge


@dataclass
class Analysis:
    models: list[ModelSummary]
    backends: list[dict] | None = None     # per (model, backend), only when asked for
    support: list[Support] = field(default_factory=list)   # per model, same order

    def unsupported(self) -> dict[str, list[str]]:
        """model path -> what its runtime cannot run (models with nothing unsupported left out)."""
        return {m.path: list(s.unsupported) for m, s in zip(self.models, self.support) if s.unsupported}

    def ops(self) -> list[str]:
        """Union of canonical kernels over all models (custom/unknown ops excluded)."""
        return sorted({u.op for m in self.models for u in m.ops if u.op})

    def delegates(self) -> list[Delegate]:
        seen: dict[str, Delegate] = {}
        for m in self.models:
            for d in m.delegates:
                seen.setdefault(d.name, d)
        return [seen[k] for k in sorted(seen)]

    def users(self) -> dict[str, list[str]]:
        """kernel → the models (file stems) that need it."""
        out: dict[str, list[str]] = {}
        for m in self.models:
            for u in m.ops:
                if u.op and Path(m.path).stem not in out.setdefault(u.op, []):
                    out[u.op].append(Path(m.path).stem)
        return dict(sorted(out.items()))

    def to_json(self) -> dict:
        doc = {"models": [_model_json(m, s) for m, s in zip(self.models, self.support)], "ops": self.ops(),
               "delegates": [{"name": d.name, "reason": d.reason} for d in self.delegates()]}
        if self.backends is not None:
            doc["backends"] = self.backends
        return doc


def _model_json(m: ModelSummary, s: Support) -> dict:
    d = m.to_json()
    for u, ok in zip(d["ops"], s.flags):
        u["supported"] = ok
    d["unsupported"] = list(s.unsupported)
    return d


def analyze(paths: Iterable[Path | str], example_inputs: Path | None = None,
            backends: list[str] | None = None) -> Analysis:
    """Summarize every model; raises ModelError (with the path) on the first bad one.

    `example_inputs` reaches the TorchScript frontend (.ptl/.pt), which then
    observes exact dtypes by running the module once. `backends`: also report
    which nodes each backend would take."""
    paths = [Path(p) for p in paths]
    analyses = [planning.analysis(p, example_inputs) for p in paths]
    summaries = [a.summary for a in analyses]
    result = Analysis(summaries, support=[judge(a) for a in analyses])
    if backends:
        from selbuild.backends import get
        for b in backends:
            get(b)   # unknown name: a clear error before any work
        result.backends = [row for p in paths for row in planning.backend_report(p, list(backends))]
    return result


def _shape(shape: list[int]) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"


def render(result: Analysis, console) -> None:
    """Rich tables: one per model, then the union (when there are several models)."""
    from rich.table import Table

    for m, s in zip(result.models, result.support):
        title = f"{m.path}  ({m.format}, {m.subgraphs} subgraph{'s' if m.subgraphs != 1 else ''}, " \
                f"sha256 {m.sha256[:12]}…)"
        t = Table(title=title, title_justify="left")
        t.add_column("kernel")
        t.add_column("source op")
        t.add_column("version", justify="right")
        t.add_column("count", justify="right")
        t.add_column("supported")
        for u, ok in zip(m.ops, s.flags):
            kernel = u.op or ("— (no kernel needed)" if not u.kernel_needed
                              else "[red]— (no selbuild kernel)[/red]")
            t.add_row(kernel, u.source_op,
                      "" if u.version is None else str(u.version), str(u.count),
                      "yes" if ok else "[red]NO[/red]")
        console.print(t)
        if s.unsupported:
            console.print(f"  [red]unsupported[/red] (no kernel, the runtime cannot run them): "
                          f"{', '.join(s.unsupported)}", highlight=False)
        for label, infos in (("inputs", m.inputs), ("outputs", m.outputs)):
            items = ", ".join(f"{i.name} {_shape(i.shape)} {i.dtype}" for i in infos)
            console.print(f"  {label}: {items or '(none)'}", highlight=False)
        if m.custom_ops:
            console.print(f"  custom ops: {', '.join(m.custom_ops)} (an app's own op is declared under "
                          "`custom_ops:` in the build config: docs/custom_ops.md)", highlight=False)
        for d in m.delegates:
            console.print(f"  [yellow]needs delegate {d.name}[/yellow]: {d.reason}", highlight=False)
        from selbuild.frontends.tflite_metadata import describe
        for line in describe(m.metadata):
            console.print(f"  {line}", highlight=False, markup=False)
        for n in m.notes:
            console.print(f"  note: {n}", highlight=False)
        console.print()
    if len(result.models) > 1:
        t = Table(title=f"union of {len(result.models)} models: {len(result.ops())} kernels",
                  title_justify="left")
        t.add_column("kernel")
        t.add_column("models")
        for kernel, users in result.users().items():
            t.add_row(kernel, ", ".join(users))
        console.print(t)
        for d in result.delegates():
            console.print(f"  [yellow]needs delegate {d.name}[/yellow]: {d.reason}", highlight=False)
    for row in result.backends or []:
        head = f"{row['model']} on {row['backend']}: "
        if "error" in row:
            console.print(head + f"cannot convert: {row['error']}", highlight=False)
            continue
        console.print(head + f"{row['backend_nodes']}/{row['nodes']} nodes in {row['partitions']} "
                      f"partition(s), {row['cpu_nodes']} on the CPU", highlight=False)
        for c in row["cpu"]:
            console.print(f"  cpu: {c['kernel']} x{c['count']}: {c['reason']}", highlight=False)


# `selbuild.analyze(...)`: the module is callable (selbuild/api.py).
from selbuild.public_module import make_callable  # noqa: E402

make_callable(__name__)
