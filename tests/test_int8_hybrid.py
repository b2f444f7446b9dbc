"""Dynamic-range (hybrid) models end to end: the converter-made
tiny_cnn_dynrange (its Dense layer is FULLY_CONNECTED with int8 weights)
converts, builds and matches LiteRT's reference kernels; its weights stay int8
in the program, so a hybrid program is about a quarter of the float one.
lstm_dynrange still stops at its control flow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import harness as H
from selbuild.build import check_config
from selbuild.config import load_config
from selbuild.config_write import init_config
from selbuild.convert import convert
from selbuild.frontends import load_model
from tflite_builder import T, one_op, qt

MODELS = Path(__file__).parent / "models" / "tflite"
DYN = MODELS / "tiny_cnn_dynrange.tflite"


@pytest.fixture(scope="module")
def dyn_rt(tmp_path_factory):
    return H.build_runtime(tmp_path_factory.mktemp("dynrange"), convert(load_model(DYN)).kernels)


def test_tiny_cnn_dynrange_matches_litert(dyn_rt):
    r = convert(load_model(DYN))
    assert "fully_connected.f32i8" in r.kernels and "fully_connected.f32" not in r.kernels
    for seed in range(3):
        x = np.random.default_rng(seed).uniform(0.0, 1.0, (1, 32, 32, 3)).astype(np.float32)
        from selbuild.verify import run_program
        ours = run_program(dyn_rt, r.program, {"serving_default_image:0": x})
        H.assert_close(ours, H.litert(DYN, {"serving_default_image:0": x}))


def test_lstm_dynrange_converts_with_its_while_loop_and_int8_weights():
    """Control flow exists now (tests/test_control_models.py runs it against LiteRT):
    the hybrid LSTM keeps its loop and its int8 weights (smaller than lstm_f32's program)."""
    r = convert(load_model(MODELS / "lstm_dynrange.tflite"))
    assert "while.any" in r.kernels and "fully_connected.f32i8" in r.kernels
    assert len(r.program) < len(convert(load_model(MODELS / "lstm_f32.tflite")).program)


def test_build_config_accepts_the_hybrid_model(tmp_path):
    cfg_path = tmp_path / "dyn.yaml"
    init_config([DYN], cfg_path, targets=["host"])
    cfg = load_config(cfg_path)
    assert "fully_connected.f32i8" in cfg.ops
    check_config(cfg)


def _fc(units, k, hybrid):
    rng = np.random.default_rng(0)
    wf = rng.standard_normal((units, k)).astype(np.float32)
    w = qt("w", [units, k], 0.01, 0, data=np.clip(np.round(wf * 40), -127, 127).astype(np.int8)) if hybrid \
        else T("w", [units, k], data=wf)
    return one_op("FULLY_CONNECTED", [T("x", [1, k]), w, T("b", [units], data=np.zeros(units, np.float32)),
                                      T("y", [1, units])], ["x", "w", "b"], ["y"], version=3)


def test_hybrid_program_is_a_quarter_of_the_float_one():
    from selbuild.frontends import tflite
    sizes = {}
    for hybrid in (False, True):
        r = convert(tflite.to_ir(tflite.parse_bytes(_fc(256, 512, hybrid), "fc.tflite")))
        sizes[hybrid] = (len(r.program), r.stats.constant_bytes)
    (pf, cf), (ph, ch) = sizes[False], sizes[True]
    assert cf >= 256 * 512 * 4 and ch < 256 * 512 + 4096, sizes     # int8 weights, not re-expanded
    assert 0.24 < ph / pf < 0.27, sizes


def test_analyze_reports_the_8bit_weights(capsys):
    import json
    from selbuild.cli import main
    with pytest.raises(SystemExit) as e:
        main(["analyze", "--json", str(DYN), str(MODELS / "tiny_cnn_f32.tflite")])
    assert e.value.code == 0
    dyn, f32 = json.loads(capsys.readouterr().out)["models"]
    # The Dense layer: 1024 x 10 int8 weights.
    assert "dynamic-range (hybrid) quantized: 10,240 weight values stay 8-bit" in " ".join(dyn["notes"])
    assert not any("dynamic-range" in n for n in f32.get("notes", []))
    assert all(u["supported"] for u in dyn["ops"]) and dyn["unsupported"] == []


def test_hybrid_op_without_a_kernel_is_refused_by_name():
    """uint8 weights (old converters) have no hybrid kernel: the conversion
    names the kernel and the hybrid kernels that exist."""
    from selbuild.errors import UnsupportedError
    from selbuild.frontends import tflite
    w = np.random.default_rng(0).integers(0, 255, (4, 8)).astype(np.uint8)
    model = one_op("FULLY_CONNECTED", [T("x", [1, 8]), qt("w", [4, 8], 0.1, 128, data=w, dtype="u8"),
                                       T("y", [1, 4])], ["x", "w", None], ["y"], version=3)
    with pytest.raises(UnsupportedError) as e:
        convert(tflite.to_ir(tflite.parse_bytes(model, "u8.tflite")))
    assert "fully_connected.f32u8" in e.value.message and "dynamic-range (hybrid)" in e.value.message
    assert "fully_connected.f32i8" in e.value.message
