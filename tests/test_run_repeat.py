"""Inputs set once survive every run: each bundled model the runtime supports,
run three times in one session (`selrt_run --repeat 3`: inputs copied in once,
outputs read after the last run), gives bit-identical outputs to a single run,
on the host and under qemu on both Android ABIs.

This fails if the memory planner lets an activation reuse a graph input's
bytes (runs 2..N would then compute on whatever the first run left there) or
an activation live at the end of the run overwrite an output.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from selbuild import verify
from selbuild.build import build_target
from selbuild.config import BuildConfig
from selbuild.convert import convert, read_program
from selbuild.convert.pipeline import required_kernels
from selbuild.frontends import load_model

MODELS = Path(__file__).parent / "models"
# Every bundled model without control flow or 16x8 quantization (those fail to
# convert with a clear error, tested elsewhere), the dynamic-range tiny CNN too
# (its hybrid FC writes an int8 scratch output beside its result); the 224x224 MobileNetV2s only
# on the host, where three runs take a fraction of a second.
SMALL = ["tflite/sine_float", "tflite/tiny_cnn_f32", "tflite/tiny_cnn_f16", "tflite/tiny_cnn_int8",
         "tflite/tiny_cnn_dynrange",
         "tflite/conv1d_audio_f32", "tflite/conv1d_audio_int8", "tflite/mobilenetv2_a035_96_f32",
         "tflite/mobilenetv2_a035_96_int8", "tflite/lstm_unroll_int8", "tflite/gru_unroll_int8",
         "pte/tiny_cnn_portable"]
LARGE = ["tflite/mobilenetv2_a100_224_f32", "tflite/mobilenetv2_a100_224_int8"]
CASES = [pytest.param("host", m, id=f"host-{m}") for m in SMALL + LARGE] + \
        [pytest.param(t, m, id=f"{t}-{m}", marks=pytest.mark.qemu)
         for t in ("android-arm64", "android-armv7") for m in SMALL]
RUNS = 3


def _path(name: str) -> Path:
    return next(MODELS.glob(f"{name}.*"))


@pytest.fixture(scope="module")
def runtimes(build_root):
    """target -> manifest of a runtime with every kernel its models need (one build per target)."""
    built: dict[str, Path] = {}

    def get(target: str) -> Path:
        if target not in built:
            names = [m for t, m in (c.values for c in CASES) if t == target]
            ops: dict[str, list[str]] = {}
            for name in names:
                for k in required_kernels(load_model(_path(name))):
                    ops.setdefault(k, []).append(name)
            cfg = BuildConfig(path=build_root / "repeat_models.yaml", name="repeat_models", models=[],
                              targets=[target], ops=ops)
            built[target] = build_target(cfg, target, out_root=build_root).manifest
        return built[target]
    return get


@pytest.mark.slow
@pytest.mark.parametrize(("target", "name"), CASES)
def test_outputs_identical_when_inputs_are_set_once_and_run_again(target: str, name: str, runtimes) -> None:
    manifest = runtimes(target)
    program = convert(load_model(_path(name))).program
    inputs = verify.random_inputs(read_program(program), seed=20261203)
    once = verify.run_program(manifest, program, inputs)
    again = verify.run_program(manifest, program, inputs, repeat=RUNS)
    assert set(once) == set(again)
    for out in once:
        assert np.array_equal(once[out], again[out], equal_nan=True), \
            f"{name} on {target}: output '{out}' after {RUNS} runs differs from one run " \
            f"(max |diff| {np.max(np.abs(once[out].astype(np.float64) - again[out])):.3g}): " \
            "a run overwrote its own inputs"
