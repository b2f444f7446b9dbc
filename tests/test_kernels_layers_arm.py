"""Float layer kernels (harness.FLOAT_LAYER_KERNELS) as shipped: the Android
armv7 (Thumb-2, softfp, NEON, -Oz) and arm64 libraries (size, and speed for arm64), run under qemu-user, against LiteRT.

One library per target holds every float layer kernel (size profile, the product
flags). Each small single-op model of harness.small_models plus a few shapes
that fill the GEMM's 4x8 register tiles and the depthwise 16/8-channel blocks
runs on it, and two real models run end to end.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import harness as H
import tflite_builder as TB
from selbuild import toolchain_loader, verify
from selbuild.build import build_target
from selbuild.config import BuildConfig
from selbuild.convert import convert, read_program
from selbuild.frontends import load_model

# (target, profile): the shipped size builds, and arm64's speed build (8x8 GEMM tiles).
TARGETS = [("android-armv7", "size"), ("android-arm64", "size"), ("android-arm64", "speed")]
MODELS = Path(__file__).parent / "models" / "tflite"


@pytest.fixture(scope="module", params=TARGETS, ids=lambda t: f"{t[0]}-{t[1]}")
def arm_runtime(request, tmp_path_factory) -> Path:
    target, profile = request.param
    av = toolchain_loader.availability(target)
    if not av.ok:
        pytest.skip(av.reason)
    root = tmp_path_factory.getbasetemp() / f"layer_kernels_arm_{profile}"
    root.mkdir(exist_ok=True)
    cfg = BuildConfig(path=root / "layers.yaml", name="layers", models=[], targets=[target],
                      ops={k: [] for k in H.FLOAT_LAYER_KERNELS + ["add.f32", "reshape.f32"]})
    r = build_target(cfg, target, out_root=root, profile=profile)
    if toolchain_loader.run_prefix(target, r.out_dir) is None:
        pytest.skip(f"{target}: qemu not installed")
    return r.manifest


def _big_models() -> dict[str, bytes]:
    r = H.rnd
    return {
        "conv3x3": TB.float_model("CONV_2D", [1, 9, 9, 16], [("w", r([24, 3, 3, 16]), "f32"), ("b", r([24]), "f32")],
                           dict(padding="same", stride_h=1, stride_w=1, activation="relu6")),
        "conv1x1": TB.float_model("CONV_2D", [1, 8, 8, 24], [("w", r([40, 1, 1, 24]), "f32"), ("b", r([40]), "f32")],
                           dict(padding="same", stride_h=1, stride_w=1)),
        "depthwise": TB.float_model("DEPTHWISE_CONV_2D", [1, 9, 9, 40],
                             [("w", r([1, 3, 3, 40]), "f32"), ("b", r([40]), "f32")],
                             dict(padding="same", stride_h=2, stride_w=2, depth_multiplier=1), version=2),
        "fully_connected": TB.float_model("FULLY_CONNECTED", [5, 64], [("w", r([20, 64]), "f32"), ("b", r([20]), "f32")]),
    }


@pytest.mark.qemu
def test_single_op_models(arm_runtime):
    failures = []
    for name, m in {**H.small_models(), **_big_models()}.items():
        program = H.convert_bytes(m)
        inputs = {"x": H.rnd(read_program(program).inputs[0].shape, 5)}
        try:
            H.assert_close(verify.run_program(arm_runtime, program, inputs), H.litert(m, inputs))
        except AssertionError as e:
            failures.append(f"{name}: {e}")
    assert not failures, "\n".join(failures)


@pytest.mark.qemu
@pytest.mark.parametrize("model", ["tiny_cnn_f32", "mobilenetv2_a035_96_f32"])
def test_real_models(arm_runtime, model):
    path = MODELS / f"{model}.tflite"
    program = convert(load_model(path)).program
    inputs = verify.random_inputs(read_program(program))
    ours = verify.run_program(arm_runtime, program, inputs)
    ref = verify.litert_reference(path, inputs)
    bad = [c for c in verify.compare_float(ours, ref) if not c.ok]
    assert not bad, bad
