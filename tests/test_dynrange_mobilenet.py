"""MobileNetV2 (alpha 0.35, 96x96) made dynamic-range (tests/dynrange_models:
per-channel int8 filters as TF's converter writes them, asymmetric FC input):
every hybrid layer against LiteRT's reference kernels on LiteRT's own
intermediate input (one rounding flip in a deep random-weight network's input
quantization cascades to ~0.1 at the softmax, so whole-model outputs are not
comparable within 1e-4; layer by layer they are), and the program size
against the float one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import dynrange_models as D
import harness as H
from selbuild.convert import convert
from selbuild.frontends import tflite

F32 = Path(__file__).parent / "models" / "tflite" / "mobilenetv2_a035_96_f32.tflite"
KERNELS = ["conv2d.f32i8", "depthwise_conv2d.f32i8", "fully_connected.f32i8"]


@pytest.fixture(scope="module", params=["host", pytest.param("android-arm64", marks=pytest.mark.qemu),
                                        pytest.param("android-armv7", marks=pytest.mark.qemu)])
def rt(request, tmp_path_factory):
    """The host runner (ASan+UBSan) and the Android libraries under qemu."""
    if request.param == "host":
        return H.build_runtime(tmp_path_factory.mktemp("dynrange_mb"), KERNELS)
    from selbuild import toolchain_loader
    from selbuild.build import build_target
    from selbuild.config import BuildConfig
    target = request.param
    if not toolchain_loader.availability(target).ok:
        pytest.skip(toolchain_loader.availability(target).reason)
    root = tmp_path_factory.mktemp(f"dynrange_mb_{target}")
    cfg = BuildConfig(path=root / "dyn.yaml", name="dyn", models=[], targets=[target], ops={k: [] for k in KERNELS})
    r = build_target(cfg, target, out_root=root, profile="size")
    if toolchain_loader.run_prefix(target, r.out_dir) is None:
        pytest.skip(f"{target}: qemu not installed")
    return r.manifest


def _program(model: bytes):
    return convert(tflite.to_ir(tflite.parse_bytes(model, "m.tflite")))


def test_program_is_about_a_quarter_of_the_float_one():
    dyn, f32 = _program(D.dynamic_range(F32)), _program(F32.read_bytes())
    assert set(KERNELS) <= set(dyn.kernels)
    # 1,806,144 B vs 6,724,384 B: the small (< 1024-element) filters and biases stay float.
    assert 0.25 < len(dyn.program) / len(f32.program) < 0.30, (len(dyn.program), len(f32.program))


@pytest.fixture(scope="module")
def intermediates():
    """LiteRT BUILTIN_REF's every tensor for one random image."""
    import warnings
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        it = Interpreter(model_content=D.dynamic_range(F32), num_threads=1,
                         experimental_op_resolver_type=OpResolverType.BUILTIN_REF,
                         experimental_preserve_all_tensors=True)
    it.allocate_tensors()
    d = it.get_input_details()[0]
    it.set_tensor(d["index"], np.random.default_rng(1).uniform(-1, 1, d["shape"]).astype(np.float32))
    it.invoke()
    return {t["name"]: it.get_tensor(t["index"]).copy() for t in it.get_tensor_details()
            if t["dtype"] == np.float32}


def test_every_hybrid_layer_matches_litert(rt, intermediates):
    nodes = D.hybrid_nodes(F32)
    assert len(nodes) >= 35          # 38: the filters of >= 1024 elements
    for model, x_name, y_name in nodes:
        ours = H.run_ours(rt, model, {x_name: intermediates[x_name]})
        H.assert_close(ours, {y_name: intermediates[y_name]})
