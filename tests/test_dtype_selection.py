"""dtype-selective builds: a float-only config compiles no int8 code and an
int8-only config no float code (quantize/dequantize at a model's boundary
aside), proven from what a build records (manifest `kernels` / `objects`)
and from what the library contains (size report rows and symbols)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from selbuild import toolchain_loader
from selbuild.build import build_target
from selbuild.config import load_config
from selbuild.convert import convert
from selbuild.errors import UnsupportedError
from selbuild.frontends import load_model
from selbuild.size import report_artifact

REPO = Path(__file__).resolve().parent.parent
TARGET = "android-arm64"
BOUNDARY = {"quantize.i8", "dequantize.i8"}   # f32 <-> i8 converters belong to both worlds


def _dtype(name: str) -> str:
    return name.rsplit(".", 1)[1]


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    av = toolchain_loader.availability(TARGET)
    if not av.ok:
        pytest.skip(av.reason)
    root = tmp_path_factory.mktemp("dtype_sel")
    out = {}
    for name in ("mobilenetv2_f32", "mobilenetv2_int8", "mobilenetv2_f32_int8"):
        cfg = load_config(REPO / "configs" / f"{name}.yaml")
        r = build_target(cfg, TARGET, out_root=root, profile="size")
        out[name] = (json.loads(Path(r.manifest).read_text()), report_artifact(r.library, r.manifest))
    return out


def _sources(manifest) -> list[str]:
    return [o["source"] for o in manifest["objects"]]


def _symbols(report) -> list[str]:
    """Symbols of kernels and their helpers (the core is dtype-neutral and
    always linked; it reads float fields of the program, selrt_fb_f32)."""
    return [s.name for row in report.rows if row.kind in ("op", "shared") for s in row.symbols]


def test_float_build_has_no_int8_code(builds):
    manifest, report = builds["mobilenetv2_f32"]
    assert manifest["kernels"] and {_dtype(k) for k in manifest["kernels"]} == {"f32"}
    srcs = _sources(manifest)
    assert any(s.endswith("_f32.c") for s in srcs)
    # int8 kernels and their helpers (shared/qi8.c, shared/qbinary_i8.c) all carry i8 in the name.
    assert not [s for s in srcs if "i8" in Path(s).stem], srcs
    ops = [r.name for r in report.rows if r.kind == "op"]
    assert ops and all(_dtype(o) == "f32" for o in ops), ops
    assert not [s for s in _symbols(report) if "_i8" in s or "qi8" in s]


def test_int8_build_has_no_float_code(builds):
    manifest, report = builds["mobilenetv2_int8"]
    assert manifest["kernels"] and {_dtype(k) for k in manifest["kernels"] if k not in BOUNDARY} == {"i8"}
    srcs = _sources(manifest)
    assert any(s.endswith("_i8.c") for s in srcs)
    assert not [s for s in srcs if s.endswith("_f32.c")], srcs   # kernels and float helpers (gemm_f32, ...)
    ops = [r.name for r in report.rows if r.kind == "op"]
    assert ops and all(_dtype(o) == "i8" for o in ops), ops
    shared = [r.name for r in report.rows if r.kind == "shared"]
    assert not [s for s in shared if "f32" in s], shared
    assert not [s for s in _symbols(report) if "_f32" in s]


def test_mixed_build_is_the_union(builds):
    (mf, rf), (mi, ri), (mb, rb) = (builds[n] for n in ("mobilenetv2_f32", "mobilenetv2_int8",
                                                         "mobilenetv2_f32_int8"))
    assert set(mb["kernels"]) == set(mf["kernels"]) | set(mi["kernels"])
    assert set(_sources(mb)) == set(_sources(mf)) | set(_sources(mi))
    op_bytes = {r.name: r.size for r in rb.rows if r.kind == "op"}
    # Each kernel costs the same bytes alone or beside the other dtype's.
    for rep in (rf, ri):
        for r in rep.rows:
            if r.kind == "op":
                assert op_bytes[r.name] == r.size, r.name


def test_int8_model_rejected_by_float_config():
    model = load_model(REPO / "tests" / "models" / "tflite" / "mobilenetv2_a100_224_int8.tflite")
    with pytest.raises(UnsupportedError) as e:
        convert(model, kernels=set(load_config(REPO / "configs" / "mobilenetv2_f32.yaml").kernels()))
    assert "conv2d.i8" in e.value.message


def test_hybrid_build_has_no_full_int8_code(tmp_path):
    """A dynamic-range model's runtime: its f32i8 kernel and the float ones,
    no full-integer kernel (conv2d.i8, shared/qi8.c, ...)."""
    from selbuild.config_write import init_config
    av = toolchain_loader.availability(TARGET)
    if not av.ok:
        pytest.skip(av.reason)
    cfg_path = tmp_path / "dyn.yaml"
    init_config([REPO / "tests" / "models" / "tflite" / "tiny_cnn_dynrange.tflite"], cfg_path, targets=[TARGET])
    r = build_target(load_config(cfg_path), TARGET, out_root=tmp_path, profile="size")
    manifest = json.loads(Path(r.manifest).read_text())
    report = report_artifact(r.library, r.manifest)
    assert "fully_connected.f32i8" in manifest["kernels"]
    assert {_dtype(k) for k in manifest["kernels"]} == {"f32", "f32i8"}, manifest["kernels"]
    srcs = _sources(manifest)
    assert not [s for s in srcs if Path(s).stem.endswith("_i8") or "qi8" in s], srcs
    ops = {r.name: r.size for r in report.rows if r.kind == "op"}
    assert ops.get("fully_connected.f32i8", 0) > 0, ops
    assert not [s for s in _symbols(report) if s.endswith("_i8_run") or "qi8" in s]
