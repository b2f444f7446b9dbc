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


@pytest.mark.parametrize("name", NAMES)
def test_unrolled_model_matches_litert_and_the_loop(rt, name):
    """Speed builds unroll the constant 20-step time loops (convert/unroll.py):
    no control kernels left, the same values as the loop and as LiteRT."""
    path = MODELS / f"{name}.tflite"
    loop, flat = convert(load_model(path)), convert(load_model(path), unroll=True)
    assert not {"while.any", "less.i32", "logical_and.bool", "add.i32"} & set(flat.kernels), flat.kernels
    info = read_program(flat.program)
    inputs = verify.random_inputs(info, seed=3)
    ours = verify.run_program(rt, flat.program, inputs)
    looped = verify.run_program(rt, loop.program, inputs)
    ref = verify.litert_reference(path, inputs)
    for k, r in ref.items():
        np.testing.assert_allclose(ours[k], looped[k], rtol=1e-6, atol=1e-7, err_msg=f"{name} {k} vs loop")
        np.testing.assert_allclose(ours[k], r, rtol=1e-4, atol=1e-5 * max(1.0, float(np.abs(r).max())),
                                   err_msg=f"{name} {k} vs LiteRT")


def test_analyze_says_which_loops_unroll():
    from selbuild.frontends import summarize
    notes = " ".join(summarize(MODELS / "lstm_f32.tflite").notes)
    assert notes.count("constant trip count 20: unrolled in speed builds") == 2


def test_a_loop_counting_to_an_input_stays_a_loop():
    """The trip count comes from an input: unroll leaves the WHILE alone."""
    from tflite_builder import Op, Subgraph, T, build_model
    from selbuild.frontends import tflite
    main = Subgraph([T("i", [], "i32", data=np.array(0, np.int32)), T("n", [], "i32"), T("x", [1, 2]),
                     T("io", [], "i32"), T("no", [], "i32"), T("xo", [1, 2])],
                    [Op("WHILE", ["i", "n", "x"], ["io", "no", "xo"],
                        options=dict(cond_subgraph_index=1, body_subgraph_index=2))],
                    inputs=["n", "x"], outputs=["xo"], name="main")
    cond = Subgraph([T("ci", [], "i32"), T("cn", [], "i32"), T("cx", [1, 2]), T("go", [], "bool")],
                    [Op("LESS", ["ci", "cn"], ["go"])], inputs=["ci", "cn", "cx"], outputs=["go"], name="cond")
    body = Subgraph([T("bi", [], "i32"), T("bn", [], "i32"), T("bx", [1, 2]),
                     T("one", [], "i32", data=np.array(1, np.int32)), T("bi2", [], "i32"), T("bx2", [1, 2])],
                    [Op("ADD", ["bi", "one"], ["bi2"]), Op("ADD", ["bx", "bx"], ["bx2"])],
                    inputs=["bi", "bn", "bx"], outputs=["bi2", "bn", "bx2"], name="body")
    model = tflite.to_ir(tflite.parse_bytes(build_model(subgraphs=[main, cond, body]), "count.tflite"))
    assert "while.any" in convert(model, unroll=True).kernels
    from selbuild.ir_eval import loop_notes
    assert "not known at conversion" in loop_notes(model)[0]
