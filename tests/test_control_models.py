"""The bundled WHILE models (Keras LSTM/GRU converted without unrolling) against
LiteRT: host runner under ASan+UBSan, and the Android libraries under qemu.

lstm_f32 writes its output sequence with TensorListSetItem (two run-time sized
slices around the new row), which the converter proves and rewrites into
dynamic_update_slice.f32 (selbuild/convert/tensorlist.py); lstm_dynrange adds
the hybrid fully_connected.f32i8."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import harness as H
from selbuild import verify
from selbuild.convert import convert, read_program
from selbuild.convert.pipeline import required_kernels
from selbuild.frontends import load_model

MODELS = Path(__file__).parent / "models" / "tflite"
NAMES = ["lstm_f32", "gru_f32", "lstm_dynrange"]


def _kernels() -> list[str]:
    ks: set[str] = set()
    for name in NAMES:
        ks |= set(required_kernels(load_model(MODELS / f"{name}.tflite")))
    return sorted(ks)


@pytest.fixture(scope="module", params=["host", pytest.param("android-arm64", marks=pytest.mark.qemu),
                                        pytest.param("android-armv7", marks=pytest.mark.qemu)])
def rt(request, tmp_path_factory):
    if request.param == "host":
        return H.build_runtime(tmp_path_factory.mktemp("control_models"), _kernels())
    from selbuild import toolchain_loader
    from selbuild.build import build_target
    from selbuild.config import BuildConfig
    target = request.param
    if not toolchain_loader.availability(target).ok:
        pytest.skip(toolchain_loader.availability(target).reason)
    root = tmp_path_factory.mktemp(f"control_models_{target}")
    cfg = BuildConfig(path=root / "cf.yaml", name="cf", models=[], targets=[target],
                      ops={k: [] for k in _kernels()})
    r = build_target(cfg, target, out_root=root, profile="size")
    if toolchain_loader.run_prefix(target, r.out_dir) is None:
        pytest.skip(f"{target}: qemu not installed")
    return r.manifest


def test_the_models_need_the_control_kernels():
    ks = _kernels()
    assert "while.any" in ks and "add.i32" in ks and "dynamic_update_slice.f32" in ks
    assert "fully_connected.f32i8" in ks


@pytest.mark.parametrize("name", NAMES)
def test_while_model_matches_litert(rt, name):
    path = MODELS / f"{name}.tflite"
    res = convert(load_model(path))
    assert "while.any" in res.kernels
    info = read_program(res.program)
    for seed in (1, 2):
        inputs = verify.random_inputs(info, seed=seed)
        ours = verify.run_program(rt, res.program, inputs)
        ref = verify.litert_reference(path, inputs)
        for k, r in ref.items():
            np.testing.assert_allclose(ours[k], r, rtol=1e-4, atol=1e-5 * max(1.0, float(np.abs(r).max())),
                                       err_msg=f"{name} {k} seed {seed}")
