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


def _build(target: str, profile: str, tmp_path_factory) -> Path:
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


@pytest.fixture(scope="module", params=TARGETS, ids=lambda t: f"{t[0]}-{t[1]}")
def arm_runtime(request, tmp_path_factory) -> Path:
    return _build(*request.param, tmp_path_factory)


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


def _gemm_edge_models() -> dict[str, bytes]:
    """Shapes around the arm64 speed GEMM's tiles (4 rows x 16 or 8 columns, 8/4/1 k
    steps): rows, columns and depth off every tile size, 1x1 and kxk, strides,
    dilation, padding, batch > 1, matrix-vector fully_connected, each activation;
    and the depthwise 3x3 pixel-pair paths (stride 1, 2, other steps, odd rows)."""
    r, conv, fc = H.rnd, "CONV_2D", "FULLY_CONNECTED"

    def cv(x, co, kh, kw, act="none", pad="same", s=1, d=1, seed=0):
        w, b = r([co, kh, kw, x[3]], seed), r([co], seed + 1)
        return TB.float_model(conv, x, [("w", w, "f32"), ("b", b, "f32")],
                              dict(padding=pad, stride_h=s, stride_w=s, dilation_h=d, dilation_w=d, activation=act))

    def fcm(m, k, n, act="none", seed=0):
        return TB.float_model(fc, [m, k], [("w", r([n, k], seed), "f32"), ("b", r([n], seed + 1), "f32")],
                              dict(activation=act))

    def dwm(x, s, d, act="none", pad="same"):
        return TB.float_model("DEPTHWISE_CONV_2D", x, [("w", r([1, 3, 3, x[3]], 2), "f32"), ("b", r([x[3]], 3), "f32")],
                              dict(padding=pad, stride_h=s, stride_w=s, dilation_h=d, dilation_w=d,
                                   depth_multiplier=1, activation=act), version=2)

    return {
        "pw_m35_k13_n21": cv([1, 5, 7, 13], 21, 1, 1, "relu6"),        # k 8+4+1, 2 panels + partial
        "pw_m16_k8_n16": cv([1, 4, 4, 8], 16, 1, 1, "relu"),            # exactly one 4x16 tile, one k8 step
        "pw_batch2_k27_n40": cv([2, 3, 5, 27], 40, 1, 1),               # k 3*8+3, pair + single panel
        "pw_m6_k64_n8": cv([1, 2, 3, 64], 8, 1, 1, "relu6"),            # single panel, 2 leftover rows
        "pw_m9_k336_n112": cv([1, 3, 3, 336], 112, 1, 1),               # MobileNetV2's deepest 1x1 shape
        "pw_stride2_k20_n24": cv([1, 9, 9, 20], 24, 1, 1, "relu", "valid", 2),
        "conv3x3_batch2_n19": cv([2, 7, 6, 12], 19, 3, 3, "relu"),      # interior k 36, border taps k 12
        "conv3x3_s2_valid_n17": cv([1, 11, 10, 9], 17, 3, 3, "relu6", "valid", 2),
        "conv3x3_dil2_n33": cv([1, 9, 8, 5], 33, 3, 3, "none", "same", 1, 2),
        "conv5x5_k80_n10": cv([1, 8, 8, 16], 10, 5, 5, "relu6"),
        "conv3x3_c3_n16": cv([1, 12, 12, 3], 16, 3, 3, "relu6", "same", 2),  # MobileNetV2's first conv
        "fc_m1_k100_n37": fcm(1, 100, 37),
        "fc_m1_k1280_n50": fcm(1, 1280, 50, "relu"),
        "fc_m7_k64_n50": fcm(7, 64, 50, "relu6"),
        "fc_m3_k5_n9": fcm(3, 5, 9),
        # depthwise 3x3 (arm64 speed: 8 channels x 2 pixels per step on whole windows)
        "dw_s1_c16_odd": dwm([1, 7, 9, 16], 1, 1, "relu6"),               # 7 whole pixels a row: 3 pairs + 1
        "dw_s2_batch2_c24": dwm([2, 9, 10, 24], 2, 1, "relu"),
        "dw_s2_valid_c8": dwm([1, 8, 11, 8], 2, 1, "none", "valid"),
        "dw_dil2_c16": dwm([1, 9, 9, 16], 1, 2, "relu6"),                 # pixel step != 1 or 2 taps
        "dw_s3_c8": dwm([1, 10, 10, 8], 3, 1),
        "dw_s1_c40_6x6": dwm([1, 6, 6, 40], 1, 1, "relu6"),
    }


@pytest.mark.qemu
def test_speed_edge_shapes_arm64(tmp_path_factory):
    """The arm64 speed build's NEON GEMM and depthwise against LiteRT's reference kernels
    and against the portable C kernels of the arm64 size build, on shapes that miss
    every tile edge."""
    speed = _build("android-arm64", "speed", tmp_path_factory)
    portable = _build("android-arm64", "size", tmp_path_factory)
    failures = []
    for name, m in _gemm_edge_models().items():
        program = H.convert_bytes(m)
        inputs = {"x": H.rnd(read_program(program).inputs[0].shape, 7)}
        ours = verify.run_program(speed, program, inputs)
        try:
            H.assert_close(ours, H.litert(m, inputs))
            H.assert_close(ours, verify.run_program(portable, program, inputs))
        except AssertionError as e:
            failures.append(f"{name}: {e}")
    assert not failures, "\n".join(failures)
