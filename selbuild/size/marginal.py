"""Marginal cost of each op: what a rebuild without it saves.

The per-op row counts the op's own bytes; the marginal cost also counts what
disappears with it (a shared helper no other op uses, a string, table slots)
and what moves (alignment). It needs real rebuilds: a copy of the config
without the op, built with selbuild.build's `build_target` into a scratch
directory, then measured with the same normalized (gated) size.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from pathlib import Path

from selbuild.errors import SizeError


def marginal_costs(config_path: Path, target: str, ops: list[str] | None = None,
                   out_root: Path | None = None, progress: Callable[[str], None] | None = None,
                   problems: list[str] | None = None) -> dict[str, int]:
    """{op: gated bytes saved by removing it}; ops default to all of the config's kernels.

    An op whose removal breaks the build (another kernel needs code only it
    pulls in) gets no number; the reason goes to `problems`."""
    try:
        from selbuild.build import build_target
        from selbuild.config import load_config
    except ImportError as e:
        raise SizeError(f"--marginal needs selbuild.build and selbuild.config ({e})") from None
    from selbuild.errors import BuildError
    from selbuild.size.report import report_artifact

    cfg = load_config(Path(config_path), check_models=False)
    kernels = cfg.kernels()
    todo = ops or kernels
    unknown = [o for o in todo if o not in kernels]
    if unknown:
        raise SizeError(f"--marginal: {', '.join(unknown)} not in {config_path}")
    root = Path(out_root) if out_root else Path(tempfile.mkdtemp(prefix="selbuild-marginal-"))

    def gated(c) -> int:
        r = build_target(c, target, out_root=root)
        lib = r.dylib or r.library
        return report_artifact(lib, r.manifest).gated_size

    # The models are left out: without one op the config no longer covers them,
    # which is the point of the experiment, not an error.
    base_cfg = dataclasses.replace(cfg, models=[], path=root / f"{cfg.stem}-marginal-base.yaml")
    base = gated(base_cfg)
    out: dict[str, int] = {}
    for op in todo:
        c = dataclasses.replace(cfg, models=[], ops={k: v for k, v in cfg.ops.items() if k != op},
                                extra_ops=[k for k in cfg.extra_ops if k != op],
                                path=root / f"{cfg.stem}-without-{op.replace('.', '_')}.yaml")
        if progress:
            progress(f"rebuilding without {op}")
        try:
            out[op] = base - gated(c)
        except BuildError as e:
            first = next((ln for ln in str(e).splitlines() if "error" in ln), str(e).splitlines()[0])
            if problems is not None:
                problems.append(f"without {op} the runtime does not link: {first.strip()}")
    return out
