"""Quantization-mode builds stay selective (issue 13 item 6): the runtime of
a model in one mode (tiny_cnn as TensorFlow writes it: full-integer int8,
dynamic-range, int16x8) compiles only that mode's kernels and helpers,
proven from the manifest (kernels, objects) and the library's size report
(op rows, symbols): an int8-only runtime has no hybrid (`.f32i8`,
shared/hybrid.c) and no int16 code, a hybrid-only runtime no full-int8 and
no int16 code, an int16x8 runtime no int8 and no hybrid kernels (its float
edges are quantize.i16 / dequantize.i16)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from selbuild import toolchain_loader
from selbuild.build import build_target
from selbuild.size import report_artifact

REPO = Path(__file__).resolve().parent.parent
TARGET = "android-arm64"
sys.path.insert(0, str(REPO / "bench"))
import dtype_size  # noqa: E402


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    av = toolchain_loader.availability(TARGET)
    if not av.ok:
        pytest.skip(av.reason)
    root = tmp_path_factory.mktemp("dtype_modes")
    out = {}
    for mode in ("i8", "hybrid", "i16"):
        cfg = dtype_size.mode_config(mode, TARGET, root / "cfg")
        r = build_target(cfg, TARGET, out_root=root / mode, profile="size")
        out[mode] = (json.loads(Path(r.manifest).read_text()), report_artifact(r.library, r.manifest))
    return out


def _dtypes(manifest) -> set[str]:
    return {k.rsplit(".", 1)[1] for k in manifest["kernels"]}


def _stems(manifest) -> list[str]:
    return [Path(o["source"]).stem for o in manifest["objects"]]


def _symbols(report) -> list[str]:
    return [s.name for row in report.rows if row.kind in ("op", "shared") for s in row.symbols]


def test_int8_runtime_has_no_hybrid_or_int16_code(builds):
    manifest, report = builds["i8"]
    assert _dtypes(manifest) == {"i8"}, manifest["kernels"]
    stems = _stems(manifest)
    assert any(s.endswith("_i8") for s in stems)
    assert not [s for s in stems if s.endswith(("_f32i8", "_i16")) or s in ("hybrid", "qi16")], stems
    assert not [s for s in _symbols(report) if "f32i8" in s or "hybrid" in s or "_i16" in s or "qi16" in s]


def test_hybrid_runtime_has_no_full_int8_or_int16_code(builds):
    manifest, report = builds["hybrid"]
    assert "f32i8" in _dtypes(manifest) and _dtypes(manifest) <= {"f32", "f32i8"}, manifest["kernels"]
    stems = _stems(manifest)
    assert "hybrid" in stems
    assert not [s for s in stems if s.endswith(("_i8", "_i16")) or s in ("qi8", "qi16", "qbinary_i8")], stems
    assert not [s for s in _symbols(report) if s.endswith(("_i8_run", "_i16_run")) or "qi8" in s or "qi16" in s]


def test_int16_runtime_has_no_int8_or_hybrid_kernels(builds):
    manifest, report = builds["i16"]
    assert _dtypes(manifest) == {"i16"}, manifest["kernels"]
    stems = _stems(manifest)
    assert "qi16" in stems
    # softmax.i16 shares the int32 requantize of shared/qi8.c (the one helper
    # both integer modes use); no int8 kernel and no hybrid code.
    assert not [s for s in stems if s.endswith(("_i8", "_f32i8", "_f32")) or s == "hybrid"], stems
    ops = [r.name for r in report.rows if r.kind == "op"]
    assert ops and all(o.endswith(".i16") for o in ops), ops
    assert not [s for s in _symbols(report) if s.endswith("_i8_run") or "f32i8" in s or "hybrid" in s]


def test_each_mode_pays_only_for_its_kernels(builds):
    """bench/dtype_size.py's bytes per dtype: each runtime's op bytes are
    all of its own mode's dtypes, each of them non-zero."""
    for mode, (manifest, report) in builds.items():
        by = dtype_size.by_dtype(report)
        op_dtypes = {r.name.rsplit(".", 1)[1] for r in report.rows if r.kind == "op"}
        want = {"i8": {"i8"}, "hybrid": {"f32", "f32i8"}, "i16": {"i16"}}[mode]
        assert op_dtypes == want, (mode, op_dtypes)
        assert all(by[k] > 0 for k in want), (mode, by)
