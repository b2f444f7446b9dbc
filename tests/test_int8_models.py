"""Every int8 model without control flow in tests/models/tflite, run by the
shipped runtime (SCons product build) on the host and under qemu on
android-arm64 and android-armv7, against LiteRT.

Reference: LiteRT's BUILTIN_REF kernels, whose integer arithmetic the int8
kernels reproduce, so every element must be identical (the spec allows one
quantization step; we hold ourselves to zero and report the count).
conv1d_audio_int8 has an ELU between DEQUANTIZE and QUANTIZE and the
reference kernel set has no ELU: it is compared against LiteRT's default
kernels, within one step.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from selbuild import toolchain_loader, verify
from selbuild.build import build_target
from selbuild.config import BuildConfig
from selbuild.convert import convert, read_program
from selbuild.convert.pipeline import required_kernels
from selbuild.frontends import load_model
from harness import diffs, litert

MODELS = Path(__file__).parent / "models" / "tflite"
# model -> LiteRT kernels to compare with (True = BUILTIN_REF)
INT8_MODELS = {"tiny_cnn_int8": True, "mobilenetv2_a035_96_int8": True, "mobilenetv2_a100_224_int8": True,
               "lstm_unroll_int8": True, "gru_unroll_int8": True, "conv1d_audio_int8": False}
TARGETS = ["host", "android-arm64", "android-armv7"]


def _kernels() -> list[str]:
    ks: set[str] = set()
    for m in INT8_MODELS:
        ks |= set(required_kernels(load_model(MODELS / f"{m}.tflite")))
    return sorted(ks)


@pytest.fixture(scope="module", params=TARGETS)
def runtime(request, tmp_path_factory) -> tuple[str, Path]:
    target = request.param
    av = toolchain_loader.availability(target)
    if not av.ok:
        pytest.skip(av.reason)
    root = tmp_path_factory.getbasetemp() / "int8_models"
    root.mkdir(exist_ok=True)
    cfg = BuildConfig(path=root / "int8.yaml", name="int8", models=[], targets=[target],
                      ops={k: [] for k in _kernels()})
    r = build_target(cfg, target, out_root=root, profile="size")
    if target != "host" and toolchain_loader.run_prefix(target, r.out_dir) is None:
        pytest.skip(f"{target}: qemu not installed")
    return target, r.manifest


def _inputs(program: bytes, seed: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {}
    for t in read_program(program).inputs:
        if t.dtype == "i8":
            out[t.name] = rng.integers(-128, 128, size=t.shape, dtype=np.int8)
        else:
            out[t.name] = rng.uniform(-1, 1, size=t.shape).astype(np.float32)
    return out


@pytest.mark.qemu
@pytest.mark.parametrize("model", sorted(INT8_MODELS))
def test_int8_model_matches_litert(runtime, model, record_property):
    target, manifest = runtime
    path = MODELS / f"{model}.tflite"
    program = convert(load_model(path)).program
    inputs = _inputs(program)
    ours = verify.run_program(manifest, program, inputs)
    reference = INT8_MODELS[model]
    report = diffs(ours, litert(path, inputs, reference=reference))
    line = f"{model} on {target} vs LiteRT {'BUILTIN_REF' if reference else 'default kernels'}: " + \
        ", ".join(map(str, report))
    print(line)
    record_property("int8_diff", line)
    assert all(d.max_steps <= 1 for d in report), line
    if reference:
        assert all(d.differing == 0 for d in report), line
