#!/usr/bin/env python3
"""Stripped runtime size of MobileNetV2 with float32 kernels, int8 kernels,
and both: what dtype-selective builds buy.

    .venv/bin/python bench/dtype_size.py [--out bench/results/dtype_size.json]

Builds configs/mobilenetv2_f32.yaml, configs/mobilenetv2_int8.yaml and
configs/mobilenetv2_f32_int8.yaml (size profile) for android-armv7,
android-arm64 and ios-arm64 and writes, per build, the stripped library size,
the compiled kernels and the size report's bytes per dtype (op rows of
`<op>.f32` / `<op>.i8`, the shared helpers, the core). The f32+i8 runtime
should cost about f32 + i8 - core: each dtype only pays for its own kernels.
iOS dylib files are mostly 16 KB segment alignment, so the sum of their
section sizes is reported beside the file size (as bench/size.py does).

Then the same for every quantization mode of one model, tiny_cnn in
tests/models/tflite as TensorFlow's converter writes it in each mode
(`modes` in the output): f32, full-integer int8, dynamic-range (hybrid
`.f32i8` kernels, float activations), int16x8 (`.i16`). Each runtime is
built from `selbuild config init` of that one model, so it holds exactly
the kernels the mode needs; `--modes-only` skips the MobileNetV2 builds.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import lief  # noqa: E402

from selbuild.build import build_target  # noqa: E402
from selbuild.config import load_config  # noqa: E402
from selbuild.size import report_artifact  # noqa: E402

TARGETS = ["android-armv7", "android-arm64", "ios-arm64"]
CONFIGS = ["mobilenetv2_f32", "mobilenetv2_int8", "mobilenetv2_f32_int8"]


def section_bytes(path: Path) -> int:
    """Sum of the allocated sections' file bytes: the size without page padding."""
    b = lief.parse(str(path))
    if isinstance(b, lief.MachO.Binary):
        return sum(s.size for s in b.sections
                   if s.segment_name != "__PAGEZERO" and s.type != lief.MachO.Section.TYPE.ZEROFILL)
    return sum(s.size for s in b.sections
               if s.has(lief.ELF.Section.FLAGS.ALLOC) and s.type != lief.ELF.Section.TYPE.NOBITS)


def by_dtype(report) -> dict[str, int]:
    """Bytes of the size report grouped by what they belong to: op rows by the
    dtype of their `<op>.<dtype>` name, everything else by the row's kind."""
    out: dict[str, int] = {}
    for row in report.rows:
        key = row.name.rsplit(".", 1)[1] if row.kind == "op" and "." in row.name else row.kind
        out[key] = out.get(key, 0) + row.size
    return dict(sorted(out.items()))


MODES = {"f32": "tiny_cnn_f32", "i8": "tiny_cnn_int8", "hybrid": "tiny_cnn_dynrange", "i16": "tiny_cnn_int16x8"}
MODELS = REPO / "tests" / "models" / "tflite"


def mode_config(mode: str, target: str, root: Path):
    """The config `selbuild config init` writes for the mode's one model."""
    from selbuild.config_write import init_config
    path = root / f"mode_{mode}.yaml"
    root.mkdir(parents=True, exist_ok=True)
    init_config([MODELS / f"{MODES[mode]}.tflite"], path, targets=[target])
    return load_config(path)


def measure(config: str, target: str, out_root: Path, cfg=None) -> dict:
    cfg = cfg if cfg is not None else load_config(REPO / "configs" / f"{config}.yaml")
    r = build_target(cfg, target, out_root=out_root, profile="size")
    rep = report_artifact(r.library, r.manifest)
    row = {"config": config, "target": target, "kernels": cfg.kernels(),
           "stripped_bytes": r.library.stat().st_size, "section_bytes": section_bytes(r.library),
           "report_total": sum(x.size for x in rep.rows),
           "bytes_by_dtype": by_dtype(rep)}
    print(f"{config:<22} {target:<14} {row['stripped_bytes']:>8,} B (sections {row['section_bytes']:,} B) "
          f"{row['bytes_by_dtype']}", file=sys.stderr)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "dtype_size.json")
    ap.add_argument("--build-root", type=Path, default=REPO / "build" / "bench" / "dtype")
    ap.add_argument("--modes-only", action="store_true", help="only the per-mode tiny_cnn builds")
    ap.add_argument("--targets", nargs="+", default=TARGETS)
    args = ap.parse_args(argv)
    rows = [] if args.modes_only else [measure(c, t, args.build_root) for c in CONFIGS for t in args.targets]
    summary = {}
    for t in args.targets:
        size = {r["config"]: r["stripped_bytes"] for r in rows if r["target"] == t}
        sect = {r["config"]: r["section_bytes"] for r in rows if r["target"] == t}
        summary[t] = {"stripped_bytes": size, "section_bytes": sect}
    modes = []
    for t in args.targets:
        for mode in MODES:
            cfg = mode_config(mode, t, args.build_root / "modes" / t)
            modes.append({"mode": mode, "model": MODES[mode],
                          **measure(f"{MODES[mode]} ({mode})", t, args.build_root / "modes", cfg)})
    result = {"schema": 2, "benchmark": "runtime size by kernel dtype (stripped shared library, size profile)",
              "summary": summary, "results": rows, "modes": modes}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
