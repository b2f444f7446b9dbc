"""Planning: what a build config's models need, above the converter.

One `ModelAnalysis` per model file holds everything the commands ask about
it: the summary (analyze's view), the IR (the frontend's `load`), the kernels
the program needs (the converter's view after folding) and the delegates.
Each piece is computed once, when first asked for. Inside `command_scope()`
(the CLI opens one per command) analyses are cached by the file's sha256, so
`config check`, `build`, `convert` and `run` read and parse each model once
however many steps look at it.

On top of it: the kernels a config needs (`needed_kernels`, `missing_ops`),
the delegates no configured backend stands in for (`delegate_problems`), the
CPU kernels a `fallback: none` build still needs (`cpu_kernels`) and the
per-backend view of `analyze --backend` (`backend_report`).

Layering: this module may use selbuild.convert, selbuild.backends and
selbuild.frontends; none of them imports it (tests/test_layers.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from selbuild import frontends
from selbuild.errors import CatalogueError, ModelError, SelbuildError
from selbuild.frontends.base import Delegate, ModelSummary

if TYPE_CHECKING:
    from selbuild.ir import Model

# The converter and the backends (numpy, the op registry) are imported where
# they are used: the CLI opens a command scope for every command, and
# `selbuild --help` must not pay for them.


@dataclass
class ModelAnalysis:
    """One model file, read once: each view is built on first use and kept.

    A view that fails keeps its error and raises it again when asked, so a
    broken model is not parsed once per question either."""

    path: Path
    sha256: str
    example_inputs: Path | None = None
    input_shapes: dict[str, list[int]] | None = None    # for TorchScript modules (no stored shapes)
    _summary: ModelSummary | None = None
    _model: Model | None = None
    _kernels: list[str] | None = None
    _errors: dict[str, SelbuildError] = field(default_factory=dict)

    def _once(self, what: str, make: Any) -> Any:
        if what in self._errors:
            raise self._errors[what]
        try:
            return make()
        except CatalogueError:
            raise               # selbuild's own mistake: never remembered as the model's
        except SelbuildError as e:
            self._errors[what] = e
            raise

    @property
    def summary(self) -> ModelSummary:
        if self._summary is None:
            self._summary = self._once("summary", self._summarize)
        return self._summary

    def _summarize(self) -> ModelSummary:
        if self.example_inputs is not None and frontends.frontend_for(self.path).__name__ == \
                "selbuild.frontends.torchscript":
            from selbuild.frontends import torchscript
            return torchscript.summarize(self.path, example_inputs=self.example_inputs)
        return frontends.summarize(self.path)

    @property
    def model(self) -> Model:
        """The IR (the converter's input). Loaded once; convert() copies the
        graph it works on (passes.working_copy), so sharing it is safe."""
        if self._model is None:
            self._model = self._once("model", lambda: frontends.load_model(self.path, self.input_shapes))
        return self._model

    @property
    def delegates(self) -> list[Delegate]:
        return self.summary.delegates

    @property
    def ops(self) -> list[str]:
        """Every canonical kernel the summary names, sorted."""
        return sorted({u.op for u in self.summary.ops if u.op})

    @property
    def kernels(self) -> list[str]:
        """Kernels the runtime needs for this model, sorted.

        The converter's view when the model converts: it folds constants
        first, so e.g. the DEQUANTIZE of float16 weights needs no kernel. When
        the converter refuses the model (a SelbuildError: control flow, other
        formats, unsupported ops, no torch) every canonical op of the summary
        is needed: a superset is safe, a subset would fail at run time. Any
        other exception is a bug and propagates (the CLI's internal error)."""
        if self._kernels is None:
            from selbuild.convert.pipeline import prepare
            ops = self.ops
            try:
                g, _ = prepare(self.model)
                converted = {n.kernel for n in g.nodes}
            except CatalogueError:
                raise
            except SelbuildError:
                converted = None
            from selbuild.convert.control import INTRODUCED
            # a TorchScript module converted for given shapes: its summary is the
            # module's operator list, which knows no layout kernels (transpose,
            # pad), so the converted view is the one to build
            ok = converted is not None and (converted - set(ops) <= INTRODUCED or bool(self.input_shapes))
            self._kernels = sorted(converted) if ok else ops
        return self._kernels


_cache: dict[tuple[str, str, str], ModelAnalysis] | None = None


@contextlib.contextmanager
def command_scope() -> Iterator[None]:
    """Cache analyses for the duration of one command (nested scopes share it)."""
    global _cache
    outer = _cache
    if outer is None:
        _cache = {}
    try:
        yield
    finally:
        if outer is None:
            _cache = None


def analysis(path: Path | str, example_inputs: Path | None = None,
             input_shapes: dict[str, list[int]] | None = None) -> ModelAnalysis:
    """The analysis of the model at `path`: the cached one inside a command
    scope when a file with the same bytes was analyzed under the same path,
    else a new one. Raises ModelError for a file that is not a readable model."""
    path = Path(path)
    frontends.frontend_for(path)            # no such file, directory, unknown suffix: one clear error
    sha = _sha256(path)
    shapes = input_shapes or None
    if _cache is None:
        return ModelAnalysis(path, sha, example_inputs, shapes)
    key = (sha, str(path.resolve()), str(example_inputs or ""), repr(sorted((shapes or {}).items())))
    if key not in _cache:
        _cache[key] = ModelAnalysis(path, sha, example_inputs, shapes)
    return _cache[key]


def _sha256(path: Path) -> str:
    """The cache key, streamed (no copy of the file in memory), opened like
    inputs.read_file: non-blocking, regular files only, at most MODEL_LIMIT."""
    from selbuild.inputs import MODEL_LIMIT
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        raise ModelError(f"{path}: cannot read: {e.strerror or e}") from None
    h = hashlib.sha256()
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise ModelError(f"{path}: not a regular file; selbuild reads models only from a regular file")
        left = MODEL_LIMIT + 1
        while left > 0 and (chunk := f.read(min(left, 1 << 20))):
            h.update(chunk)
            left -= len(chunk)
    return h.hexdigest()


def needed_kernels(path: Path) -> list[str]:
    """Kernels the runtime needs for one model (ModelAnalysis.kernels)."""
    return analysis(path).kernels


def missing_ops(cfg: Any) -> dict[str, list[str]]:
    """Kernels the config's models need that the config lacks → the model names needing them.

    Only canonical kernels (custom/unknown ops have none; `config check` reports
    those separately). Raises ModelError when a model cannot be read.
    """
    have = set(cfg.kernels())
    out: dict[str, list[str]] = {}
    for m in cfg.models:
        for kernel in needed_kernels(m.path):
            if kernel not in have and m.name not in out.setdefault(kernel, []):
                out[kernel].append(m.name)
    return dict(sorted(out.items()))


def delegate_messages(summary: ModelSummary, backends: list[str]) -> list[str]:
    """One message per delegate the model needs that none of `backends` stands
    in for (config check and build report the same words)."""
    from selbuild.backends import for_delegate
    out: list[str] = []
    for d in summary.delegates:
        if d.name in backends or for_delegate(d.name) in backends:
            continue
        if d.name == "flex":
            flex = sorted({u.source_op for u in summary.ops if u.source_op.startswith("Flex")} |
                          {c for c in summary.custom_ops if c.startswith("Flex")})
            out.append("needs delegate flex: Select TF ops are not supported; the model needs "
                       f"{', '.join(flex) or 'Flex ops'}")
        else:
            out.append(f"needs delegate {d.name}, which no selbuild backend provides ({d.reason})")
    return out


def delegate_problems(config: Any) -> list[tuple[str, str]]:
    """("models", "<model>: message") for every delegate a model needs that no
    configured backend stands in for."""
    out: list[tuple[str, str]] = []
    for m in config.models:
        if not Path(m.path).is_file():
            continue        # reported by the config checks
        out += [("models", f"{m.name}: {msg}") for msg in
                delegate_messages(analysis(m.path).summary, list(config.backends))]
    return out


def cpu_kernels(config: Any) -> list[str]:
    """The CPU kernels a `fallback: none` build of `config` still needs: those
    with at least one node (in any model) that no configured backend takes.
    The models are converted with the config's backends to find out."""
    from selbuild.backends import configured
    from selbuild.convert.pipeline import convert
    wanted = set(config.kernels())
    need: set[str] = set(config.extra_ops)
    for m in config.models:
        stats = convert(analysis(m.path, input_shapes=m.input_shapes).model, kernels=wanted, backends=configured(config),
                        input_shapes=m.input_shapes or None).stats
        need |= {k for k, n in stats.kernel_counts.items() if stats.backend_nodes.get(k, 0) < n}
    return sorted(need & wanted)


def backend_report(path: Path, backends: list[str]) -> list[dict]:
    """Per backend: which nodes of the model it would take and which stay on
    the CPU (with the reason). The model is lowered as the converter would;
    a model that cannot be converted gets an "error" entry instead."""
    from selbuild.convert import partition
    from selbuild.convert.pipeline import lower_all, prepare
    stem = Path(path).stem
    try:
        g, _ = prepare(analysis(path).model)
        lowered = lower_all(g)
    except CatalogueError:
        raise
    except SelbuildError as e:
        return [{"model": stem, "backend": b, "error": e.message} for b in backends]
    out = []
    for name in backends:
        a = partition.assign(g, lowered, [name])
        kernels: dict[str, dict[str, int]] = {}
        cpu: Counter = Counter()
        for low, taken, reasons in zip(lowered, a.backend, a.reasons):
            k = kernels.setdefault(low.kernel, {"backend": 0, "cpu": 0})
            k["backend" if taken else "cpu"] += 1
            if not taken:
                cpu[(low.kernel, reasons.get(name, "not supported"))] += 1
        taken_n = sum(1 for t in a.backend if t)
        out.append({"model": stem, "backend": name, "nodes": len(lowered), "backend_nodes": taken_n,
                    "cpu_nodes": len(lowered) - taken_n, "partitions": len(partition.runs(a)),
                    "kernels": dict(sorted(kernels.items())),
                    "cpu": [{"kernel": k, "reason": r, "count": c} for (k, r), c in sorted(cpu.items())]})
    return out

