"""Finds the toolchain modules in toolchains/ (one per platform family) by glob.

There is no central list: a new file toolchains/<family>.py exposing NAME,
TARGETS, available(), configure() and run_prefix() is picked up as is (see
toolchains/README.md). Used by build.py, doctor, verify.py
and, inside SCons, by the SConstruct.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from selbuild import REPO_ROOT
from selbuild.errors import ToolchainError

TOOLCHAINS_DIR = REPO_ROOT / "toolchains"
_REQUIRED = ("NAME", "TARGETS", "available", "configure", "run_prefix")


@dataclass(frozen=True)
class Availability:
    target: str
    family: str
    ok: bool
    reason: str
    install_hint: str


def make_importable() -> None:
    """Put the repo root on sys.path: toolchains/ is a package there (the
    modules import toolchains._common, and tests import it too)."""
    root = str(REPO_ROOT)
    if root not in sys.path:
        sys.path.insert(0, root)


def _import(stem: str) -> ModuleType:
    make_importable()
    return importlib.import_module(f"toolchains.{stem}")


def load_all() -> dict[str, ModuleType]:
    """target -> toolchain module, for every module found in toolchains/."""
    by_target: dict[str, ModuleType] = {}
    for path in sorted(TOOLCHAINS_DIR.glob("*.py")):
        if path.name.startswith("_"):
            continue
        try:
            mod = _import(path.stem)
        except Exception as e:  # a broken module must not look like a selbuild bug
            raise ToolchainError(f"toolchains/{path.name} cannot be imported: {type(e).__name__}: {e}",
                                 hint="see toolchains/README.md for the module contract") from e
        missing = [a for a in _REQUIRED if not hasattr(mod, a)]
        if missing:
            raise ToolchainError(f"toolchains/{path.name} lacks {', '.join(missing)}",
                                 hint="see toolchains/README.md for the module contract")
        for target in mod.TARGETS:
            if target in by_target:
                raise ToolchainError(f"target {target} is claimed by both toolchains/{by_target[target].NAME}.py "
                                     f"and toolchains/{path.name}")
            by_target[target] = mod
    return by_target


def for_target(target: str) -> ModuleType:
    mods = load_all()
    if target not in mods:
        raise ToolchainError(f"no toolchain module implements target {target!r}",
                             hint=f"known targets: {', '.join(sorted(mods))}")
    return mods[target]


def availability(target: str) -> Availability:
    mod = for_target(target)
    ok, reason, hint = mod.available(target)
    return Availability(target, mod.NAME, bool(ok), reason, hint)


def require(target: str) -> ModuleType:
    """The module for `target`, or ToolchainError saying what to install."""
    mod = for_target(target)
    ok, reason, hint = mod.available(target)
    if not ok:
        raise ToolchainError(f"cannot build {target}: {reason}", hint=hint or None)
    return mod


def run_prefix(target: str, artifact_dir: Path) -> list[str] | None:
    """Command prefix that executes a runner built for `target` on this machine
    ([] = run directly, None = cannot run here, e.g. iOS)."""
    return for_target(target).run_prefix(target, Path(artifact_dir))
