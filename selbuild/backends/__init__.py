"""Accelerator backends: the registry. The contract itself (`Backend`,
`PartitionPlan`, the optional hooks) is the leaf module backends/contract.py.

Nothing registers itself: `get(name)` imports selbuild/backends/<name>.py by
name when runtime_src/backends/<name>/ exists too. This module sits below the
converter (convert/partition.py asks `claim`); what needs the converter
(CPU kernels under `fallback: none`, per-backend analysis, delegate problems)
is in selbuild/planning.py.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from selbuild import RUNTIME_SRC
from selbuild.backends.contract import (Backend, Configurable, Fits, PartitionPlan, RowNaming,
                                        SizeNoted)
from selbuild.errors import ConfigError

__all__ = ["Backend", "Fits", "PartitionPlan", "available", "claim", "configured", "configured_one",
           "for_delegate", "generate_sources", "get", "size_note"]


def available() -> list[str]:
    """Backends that have both halves (a Python module and a runtime folder)."""
    here = Path(__file__).parent
    return sorted(p.stem for p in here.glob("*.py")
                  if not p.stem.startswith("_") and (RUNTIME_SRC / "backends" / p.stem).is_dir())


def get(name: str) -> Backend:
    if name not in available():
        raise ConfigError(f"unknown backend {name!r}",
                          hint=f"available backends: {', '.join(available()) or 'none'}")
    return importlib.import_module(f"selbuild.backends.{name}").BACKEND


def configured_one(name: str, options: dict | None):
    """The backend with the config's options applied (a name when there are none)."""
    if not options:
        return name
    b = get(name)
    if not isinstance(b, Configurable):
        raise ConfigError(f"backend {name!r} takes no options")
    return b.configure(options)


def configured(config) -> list:
    """The config's backends for convert(): names, or configured backend objects
    where the config gives backend_options (claim() accepts both)."""
    opts = getattr(config, "backend_options", {}) or {}
    return [configured_one(n, opts.get(n)) for n in config.backends]


def for_delegate(delegate: str) -> str | None:
    """The backend that can stand in for a delegate `analyze` reports, if any."""
    for name in available():
        if delegate in get(name).delegates or delegate == name:
            return name
    return None


def generate_sources(backends: list[str], kernels: list[str], gen_dir: Path) -> list[tuple[Path, str]]:
    """(generated C file, size-report row) for every selected backend. The row is
    the backend's name unless the backend names it (`row_for(path)`, e.g.
    "vulkan/spirv" for the embedded shaders, so code and data show apart)."""
    out: list[tuple[Path, str]] = []
    for name in sorted(set(backends)):
        b = get(name)
        row = b.row_for if isinstance(b, RowNaming) else (lambda p, name=name: name)
        out += [(Path(p), row(Path(p))) for p in b.generate_sources(sorted(kernels), Path(gen_dir))]
    return out


def claim(backends: list[str], graph, node, lowered) -> tuple[str | None, dict[str, str]]:
    """(first backend in config order that takes the node, {backend: reason} of those that do not)."""
    reasons: dict[str, str] = {}
    for entry in backends:
        b = get(entry) if isinstance(entry, str) else entry    # configured(): objects carry options
        name = b.name
        if lowered.kernel not in b.kernels:
            reasons[name] = f"{lowered.kernel} is not a {name} op"
            continue
        ok = b.supports(graph, node, lowered)
        if ok is True:
            return name, reasons
        reasons[name] = str(ok) if ok else "not supported"
    return None, reasons


def fits(backend: str, part: PartitionPlan) -> bool | str:
    """The backend's whole-partition limit (True when it declares none)."""
    b = get(backend)
    return b.fits(part) if isinstance(b, Fits) else True


def size_note(name: str) -> str | None:
    """The backend's caveat for size reports, if it declares one."""
    b = get(name)
    return b.size_note if isinstance(b, SizeNoted) else None
