"""The float elementwise kernels (harness.FLOAT_ELEMENTWISE_KERNELS) built for
android-armv7 (Thumb-2, softfp) by `selbuild build` and run under qemu-user: a
few multi-op programs that together cover every one of those kernel files and
shared helpers, compared with LiteRT."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import harness as H
from selbuild.verify import run_program
from tflite_builder import Op, T, build_model

MODELS = Path(__file__).parent / "models" / "tflite"

pytestmark = [pytest.mark.qemu, pytest.mark.slow]


@pytest.fixture(scope="module")
def arm_rt(tmp_path_factory):
    if shutil.which("qemu-arm") is None:
        pytest.skip("qemu-arm not installed")
    from selbuild.cli import main as cli_main
    d = tmp_path_factory.mktemp("elementwise_arm")
    cfg = d / "elementwise.yaml"
    cfg.write_text(f"schema_version: 1\nname: elementwise\nmodels:\n  - path: {MODELS / 'sine_float.tflite'}\n"
                   f"targets: [android-armv7]\nprofile: size\nops:\n  fully_connected.f32: [sine_float]\n"
                   f"extra_ops: [{', '.join(H.FLOAT_ELEMENTWISE_KERNELS)}]\n")
    with pytest.raises(SystemExit) as e:
        cli_main(["build", str(cfg), "--out", str(d / "build"), "-t", "android-armv7"])
    assert e.value.code == 0
    return d / "build" / "elementwise" / "android-armv7"


def rnd(shape, seed=0, scale=2.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


def i32(v):
    return np.asarray(v, np.int32)


def _check(rt, model, inputs, exact=False):
    H.assert_close(run_program(rt, H.convert_bytes(model), inputs), H.litert(model, inputs, fallback=True), exact)


def test_math_chain(arm_rt):
    s = [2, 3, 4]
    names = ["x", "a", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9", "t10", "t11", "t12", "y"]
    ops = [Op("SUB", ["x", "a"], ["t0"], options={"activation": "relu6"}), Op("MUL", ["t0", "x"], ["t1"]),
           Op("DIV", ["t1", "a"], ["t2"]), Op("MAXIMUM", ["t2", "x"], ["t3"]), Op("MINIMUM", ["t3", "a"], ["t4"]),
           Op("SQUARED_DIFFERENCE", ["t4", "x"], ["t5"]), Op("ABS", ["t5"], ["t6"]), Op("SQRT", ["t6"], ["t7"]),
           Op("EXP", ["t7"], ["t8"]), Op("LOG", ["t8"], ["t9"]), Op("NEG", ["t9"], ["t10"]),
           Op("LOGISTIC", ["t10"], ["t11"]), Op("RSQRT", ["t11"], ["t12"]), Op("TANH", ["t12"], ["y"])]
    tensors = [T("a", [4], data=np.array([0.5, -1.5, 2.0, 3.0], np.float32))]
    tensors += [T(n, s) for n in names if n != "a"]
    _check(arm_rt, build_model(ops=ops, tensors=tensors), {"x": rnd(s, 1)})


@pytest.mark.parametrize("op,opts", [("RELU", None), ("RELU6", None), ("RELU_N1_TO_1", None), ("ELU", None),
                                     ("HARD_SWISH", None), ("LEAKY_RELU", {"alpha": 0.3}),
                                     ("GELU", {"approximate": False}), ("GELU", {"approximate": True})])
def test_activations(arm_rt, op, opts):
    s = [1, 4, 4, 3]
    _check(arm_rt, build_model(ops=[Op(op, ["x"], ["y"], options=opts)], tensors=[T("x", s), T("y", s)]),
           {"x": rnd(s, 2, 4.0)})


def test_data_movement_chain(arm_rt):
    ops = [Op("PRELU", ["x", "al"], ["t0"]), Op("TRANSPOSE", ["t0", "perm"], ["t1"]),
           Op("STRIDED_SLICE", ["t1", "b", "e", "st"], ["t2"], options={"end_mask": 1}),
           Op("SLICE", ["t2", "sb", "ss"], ["t3"]), Op("RESHAPE", ["t3", "shp"], ["t4"]),
           Op("EXPAND_DIMS", ["t4", "ax"], ["t5"]), Op("SQUEEZE", ["t5"], ["t6"], options={"squeeze_dims": [0]}),
           Op("SPLIT", ["sax", "t6"], ["u0", "u1"], options={"num_splits": 2}),
           Op("SPLIT_V", ["u0", "sz", "vax"], ["v0", "v1"], options={"num_splits": 2}),
           Op("CONCATENATION", ["v1", "u1", "v0"], ["c"], options={"axis": 1}),
           Op("UNPACK", ["c"], ["w0", "w1"], options={"num": 2, "axis": 0}),
           Op("PACK", ["w1", "w0"], ["y"], options={"values_count": 2, "axis": 1})]
    tensors = [T("x", [2, 3, 4, 5]), T("al", [5], data=np.linspace(-1, 1, 5).astype(np.float32)),
               T("t0", [2, 3, 4, 5]), T("perm", [4], "i32", data=i32([3, 1, 0, 2])), T("t1", [5, 3, 2, 4]),
               T("b", [4], "i32", data=i32([4, 0, 1, 3])), T("e", [4], "i32", data=i32([0, 3, 2, -5])),
               T("st", [4], "i32", data=i32([-2, 1, 1, -1])), T("t2", [3, 3, 1, 4]),
               T("sb", [4], "i32", data=i32([1, 0, 0, 0])), T("ss", [4], "i32", data=i32([2, 3, 1, 4])),
               T("t3", [2, 3, 1, 4]), T("shp", [2], "i32", data=i32([2, 12])), T("t4", [2, 12]),
               T("ax", [1], "i32", data=i32([0])), T("t5", [1, 2, 12]), T("t6", [2, 12]),
               T("sax", [], "i32", data=i32(1)), T("u0", [2, 6]), T("u1", [2, 6]),
               T("sz", [2], "i32", data=i32([2, 4])), T("vax", [], "i32", data=i32(1)), T("v0", [2, 2]),
               T("v1", [2, 4]), T("c", [2, 12]), T("w0", [12]), T("w1", [12]), T("y", [12, 2])]
    _check(arm_rt, build_model(ops=ops, tensors=tensors), {"x": rnd([2, 3, 4, 5], 3)}, exact=True)


def test_gather_cast_quantize(arm_rt):
    ops = [Op("GATHER", ["p", "i"], ["g"], options={"axis": 1, "batch_dims": 1}),
           Op("CAST", ["g"], ["c"], options={"in_data_type": "f32", "out_data_type": "i64"}),
           Op("QUANTIZE", ["g"], ["q"]), Op("DEQUANTIZE", ["q"], ["y"]), Op("DEQUANTIZE", ["h"], ["hy"])]
    tensors = [T("p", [2, 5, 3]), T("i", [2, 4], "i64"), T("g", [2, 4, 3]), T("c", [2, 4, 3], "i64"),
               T("q", [2, 4, 3], "i8", scale=0.04, zero_point=-7), T("y", [2, 4, 3]), T("h", [6], "f16"),
               T("hy", [6])]
    inputs = {"p": rnd([2, 5, 3], 4, 3.0), "i": np.array([[4, 0, 2, 2], [1, 3, 0, 4]], np.int64),
              "h": np.array([0.5, -2.0, 65504, 6e-8, -0.0, 1 / 3], np.float16)}
    _check(arm_rt, build_model(ops=ops, tensors=tensors), inputs, exact=True)
