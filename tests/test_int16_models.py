"""The converter-made int16x8 model (tiny_cnn_int16x8: TensorFlow's 16x8
post-training quantization; int16 activations, int8 weights, int64 biases)
converted and run by the shipped runtime (SCons product build) on the host
and under qemu on android-arm64 and android-armv7, against LiteRT's
BUILTIN_REF kernels: every output element identical (the spec allows one
quantization step), over several random images."""

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
from harness import litert

MODEL = Path(__file__).parent / "models" / "tflite" / "tiny_cnn_int16x8.tflite"
KERNELS = ["average_pool2d.i16", "conv2d.i16", "depthwise_conv2d.i16", "dequantize.i16", "fully_connected.i16",
           "max_pool2d.i16", "quantize.i16", "reshape.i16", "softmax.i16"]


def test_model_needs_exactly_the_int16_kernels():
    assert sorted(required_kernels(load_model(MODEL))) == KERNELS
    program = convert(load_model(MODEL)).program
    assert sorted({n.kernel for n in read_program(program).nodes}) == KERNELS


@pytest.fixture(scope="module", params=["host", "android-arm64", "android-armv7"])
def runtime(request, tmp_path_factory) -> tuple[str, Path]:
    target = request.param
    av = toolchain_loader.availability(target)
    if not av.ok:
        pytest.skip(av.reason)
    root = tmp_path_factory.getbasetemp() / "int16_models"
    root.mkdir(exist_ok=True)
    cfg = BuildConfig(path=root / "int16.yaml", name="int16", models=[], targets=[target], ops={k: [] for k in KERNELS})
    r = build_target(cfg, target, out_root=root, profile="size")
    if target != "host" and toolchain_loader.run_prefix(target, r.out_dir) is None:
        pytest.skip(f"{target}: qemu not installed")
    return target, r.manifest


@pytest.mark.qemu
def test_int16x8_model_matches_litert_reference(runtime):
    target, manifest = runtime
    program = convert(load_model(MODEL)).program
    name = read_program(program).inputs[0].name
    for seed in range(4):
        x = {name: np.random.default_rng(seed).uniform(-1, 1, size=(1, 32, 32, 3)).astype(np.float32)}
        ours, ref = verify.run_program(manifest, program, x), litert(MODEL, x)
        assert set(ours) == set(ref)
        for k in ref:
            # Outputs are dequantized int16 (step 1/32768): equal floats = equal steps.
            assert ours[k].dtype == ref[k].dtype and np.array_equal(ours[k], ref[k]), (target, seed, ours[k], ref[k])
