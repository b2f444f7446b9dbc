"""bench/arm_cost.py counts instructions under qemu with its own TCG plugin: the
count must be a real measurement (it grows linearly with the inferences run)
and the multiply-adds it divides by must be the model's."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from selbuild.convert.pipeline import prepare
from selbuild.frontends import load_model

REPO = Path(__file__).resolve().parent.parent


def _bench():
    spec = importlib.util.spec_from_file_location("arm_cost", REPO / "bench" / "arm_cost.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_multiply_adds_of_tiny_cnn() -> None:
    g = prepare(load_model(REPO / "tests" / "models" / "tflite" / "tiny_cnn_f32.tflite"))[0]
    by_hand = 0
    for n in g.nodes:
        w = g.tensors[n.inputs[1]].shape if len(n.inputs) > 1 and n.inputs[1] >= 0 else None
        out = g.tensors[n.outputs[0]].shape
        if n.op == "conv2d":
            by_hand += out[0] * out[1] * out[2] * out[3] * w[1] * w[2] * w[3]
        elif n.op == "depthwise_conv2d":
            by_hand += out[0] * out[1] * out[2] * out[3] * w[1] * w[2]
        elif n.op == "fully_connected":
            by_hand += out[0] * out[1] * w[1]
    assert by_hand > 0 and _bench().multiply_adds(g) == by_hand


@pytest.mark.qemu
def test_instruction_count_grows_with_the_inferences(tmp_path: Path) -> None:
    arm = _bench()
    from selbuild import verify
    from selbuild.build import build_target
    from selbuild.config import BuildConfig
    from selbuild.convert import convert, read_program
    from selbuild.convert.pipeline import required_kernels
    model = load_model(REPO / "tests" / "models" / "tflite" / "tiny_cnn_f32.tflite")
    kernels = required_kernels(model)
    cfg = BuildConfig(path=tmp_path / "c.yaml", name="armcost", models=[], targets=["android-arm64"],
                      ops={k: ["m"] for k in kernels})
    rt = verify.load_runtime(build_target(cfg, "android-arm64", out_root=tmp_path / "build").manifest)
    program = convert(model, kernels=set(kernels)).program
    info = read_program(program)
    arrays = verify.check_inputs(info, verify.random_inputs(info, seed=0))
    plugin = arm.build_plugin(rt.command[0], tmp_path)
    c1, _ = arm.count(list(rt.command), plugin, None, program, arrays, 1)
    c2, _ = arm.count(list(rt.command), plugin, None, program, arrays, 2)
    c4, _ = arm.count(list(rt.command), plugin, None, program, arrays, 4)
    one = c2 - c1
    assert one > arm.multiply_adds(prepare(model)[0]) / 8          # an inference is real work
    assert abs((c4 - c1) - 3 * one) <= 0.01 * one                 # and the same work each time
