#!/usr/bin/env python3
"""Stripped runtime size for the MobileNetV2 f32 config and for the core alone.

    .venv/bin/python bench/size.py [--out bench/results/size.json] [--quick] [--clean]

Builds configs/mobilenetv2_f32.yaml (conv2d, depthwise_conv2d, add, mean,
fully_connected, softmax; all f32) for android-armv7, android-arm64 and
ios-arm64, plus a runtime with no kernels at all (the core's fixed cost), and
writes bench/results/size.json. Variants (skipped with --quick): LTO, and
without the stack protector (what -fstack-protector-strong costs).

Reference, like with like: TFLite Micro built with the same clang-19 -Oz
NDK-free flags needs 47,868 B (armv7) for MobileNetV2's six kernels and
15,920 B for its framework alone. (TFLite's 296,635 B is a compressed AAR of
MobileNet V1 with its Java API, not a .so.)
For iOS the dylib's file size is mostly 16 KB segment alignment, so the sum of
its section sizes is reported beside it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import lief  # noqa: E402

from selbuild.build import build_target  # noqa: E402
from selbuild.config import BuildConfig, load_config  # noqa: E402

TARGETS = ["android-armv7", "android-arm64", "ios-arm64"]
TFLITE = {"android-armv7": 296_635, "android-arm64": 382_892}
GOAL = {"android-armv7": 32 * 1024, "android-arm64": 48 * 1024}


def section_bytes(path: Path) -> int:
    """Sum of the allocated sections' file bytes: the size without page padding."""
    b = lief.parse(str(path))
    if isinstance(b, lief.MachO.Binary):
        return sum(s.size for s in b.sections if s.segment_name != "__PAGEZERO" and s.type != lief.MachO.Section.TYPE.ZEROFILL)
    return sum(s.size for s in b.sections
               if s.has(lief.ELF.Section.FLAGS.ALLOC) and s.type != lief.ELF.Section.TYPE.NOBITS)


def measure(cfg: BuildConfig, target: str, variant: str, out_root: Path, extra_cflags: list[str]) -> dict:
    start = time.monotonic()
    r = build_target(cfg, target, out_root=out_root, extra_cflags=extra_cflags)
    seconds = time.monotonic() - start
    start = time.monotonic()
    build_target(cfg, target, out_root=out_root, extra_cflags=extra_cflags)   # nothing changed: no-op
    noop = time.monotonic() - start
    row = {
        "config": cfg.stem,
        "variant": variant,
        "target": target,
        "kernels": cfg.kernels(),
        "stripped_bytes": r.library.stat().st_size,
        "section_bytes": section_bytes(r.library),
        "static_library_bytes": r.static_library.stat().st_size,
        "build_seconds": round(seconds, 2),
        "noop_rebuild_seconds": round(noop, 2),
    }
    if target in TFLITE:
        row["tflite_bytes"] = TFLITE[target]
        row["vs_tflite"] = round(row["stripped_bytes"] / TFLITE[target], 4)
        row["goal_bytes"] = GOAL[target]
        row["meets_goal"] = row["stripped_bytes"] <= GOAL[target]
    print(f"{cfg.stem:<18} {variant:<20} {target:<14} {row['stripped_bytes']:>8,} B "
          f"(sections {row['section_bytes']:,} B) {row['build_seconds']:>6.1f}s, no-op {noop:.1f}s", file=sys.stderr)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "size.json")
    ap.add_argument("--build-root", type=Path, default=REPO / "build" / "bench")
    ap.add_argument("--quick", action="store_true", help="only the size profile, no variants")
    ap.add_argument("--clean", action="store_true", help="wipe the bench build root first (clean build times)")
    args = ap.parse_args(argv)
    if args.clean and args.build_root.exists():
        shutil.rmtree(args.build_root)

    mobilenet = load_config(REPO / "configs" / "mobilenetv2_f32.yaml")
    core = BuildConfig(path=REPO / "configs" / "core_only.yaml", name="core_only", models=[], targets=TARGETS)
    variants = [("size", mobilenet, []), ("core-only", core, [])]
    if not args.quick:
        variants += [
            ("size+lto", replace(mobilenet, build=replace(mobilenet.build, lto=True)), []),
            ("no-stack-protector", mobilenet, ["-fno-stack-protector"]),
        ]
    rows = []
    for name, cfg, extra in variants:
        root = args.build_root / name
        for t in TARGETS:
            rows.append(measure(cfg, t, name, root, extra))
    result = {
        "schema": 1,
        "benchmark": "runtime size (stripped shared library)",
        "reference": {"tflite_selective_mobilenet": TFLITE, "goal": GOAL},
        "results": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
