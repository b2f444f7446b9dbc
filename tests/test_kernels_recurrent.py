"""The recurrent builtins in float32 (lstm.f32, unidirectional_sequence_lstm.f32,
unidirectional_sequence_rnn.f32, bidirectional_sequence_lstm.f32,
bidirectional_sequence_rnn.f32, svdf.f32) and dynamic-range
(unidirectional_sequence_lstm.f32i8, unidirectional_sequence_rnn.f32i8,
svdf.f32i8: int8 weights, one scale each,
symmetric or asymmetric input quantization) against LiteRT's reference kernels,
on the host (ASan+UBSan) and as shipped for android-arm64/armv7 under qemu.

Models: tests/rnn_models.py (tflite_builder), the state in TFLite variable
tensors; LSTM with and without CIFG, peephole, layer norm, projection (+bias),
clips, time-major, each activation; SVDF chained over one shared state (each
op one time step) so the state's shift is exercised within one invoke. One
invoke each: LiteRT carries variable state across invokes, selbuild programs
start every run from zeros (selbuild/convert/ops/recurrent.py).
"""

from __future__ import annotations

import numpy as np
import pytest

import harness as H
import rnn_models as R
from program_edits import BAD_PROGRAM, OK, UNSUPPORTED, rebuild, run_batch, variants
from selbuild.convert import read_program
from selbuild.errors import UnsupportedError

KERNELS = ["unidirectional_sequence_lstm.f32", "unidirectional_sequence_rnn.f32", "svdf.f32",
           "unidirectional_sequence_rnn.f32i8", "svdf.f32i8", "unidirectional_sequence_lstm.f32i8",
           "bidirectional_sequence_rnn.f32", "lstm.f32", "bidirectional_sequence_lstm.f32"]


@pytest.fixture(scope="module", params=["host", pytest.param("android-arm64", marks=pytest.mark.qemu),
                                        pytest.param("android-armv7", marks=pytest.mark.qemu)])
def rt(request, tmp_path_factory):
    if request.param == "host":
        return H.build_runtime(tmp_path_factory.mktemp("recurrent_kernels"), KERNELS)
    from selbuild import toolchain_loader
    from selbuild.build import build_target
    from selbuild.config import BuildConfig
    target = request.param
    av = toolchain_loader.availability(target)
    if not av.ok:
        pytest.skip(av.reason)
    root = tmp_path_factory.mktemp(f"recurrent_kernels_{target}")
    cfg = BuildConfig(path=root / "rnn.yaml", name="rnn", models=[], targets=[target], ops={k: [] for k in KERNELS})
    r = build_target(cfg, target, out_root=root, profile="size")
    if toolchain_loader.run_prefix(target, r.out_dir) is None:
        pytest.skip(f"{target}: qemu not installed")
    return r.manifest


def _seq(shape, seed, scale=1.0):
    return H.rnd(shape, seed, scale)


LSTM_CASES = {
    "plain": dict(),
    "long": dict(batch=1, time=12, n_in=7, n_cell=9, seed=5),
    "peephole": dict(peephole=True, seed=1),
    "projection": dict(projection=True, n_out=3, seed=2),
    "projection_bias_clips": dict(projection=True, proj_bias=True, n_out=4, cell_clip=0.3, proj_clip=0.2, seed=3),
    "layer_norm": dict(layer_norm=True, seed=4),
    "all": dict(peephole=True, projection=True, proj_bias=True, layer_norm=True, n_out=3, cell_clip=1.0, seed=6),
    "cifg": dict(cifg=True, seed=7),
    "cifg_peephole_time_major": dict(cifg=True, peephole=True, time_major=True, seed=8),
    "cifg_layer_norm_projection": dict(cifg=True, layer_norm=True, projection=True, n_out=2, seed=9),
    "time_major": dict(time_major=True, batch=3, time=4, seed=10),
    "relu": dict(activation="relu", seed=11),
    "relu6": dict(activation="relu6", seed=12),
    "relu_n1_to_1": dict(activation="relu_n1_to_1", seed=13),
}


@pytest.mark.parametrize("case", sorted(LSTM_CASES))
def test_lstm(rt, case):
    kw = dict(LSTM_CASES[case])
    b, t, i = kw.get("batch", 2), kw.get("time", 3), kw.get("n_in", 4)
    shape = [t, b, i] if kw.get("time_major") else [b, t, i]
    (y,) = H.check(rt, R.lstm_model(**kw), {"x": _seq(shape, 20 + len(case), 2.0)}).values()
    assert np.abs(y).max() > 1e-3          # the sequence produced something


@pytest.mark.parametrize("case", ["plain", "peephole", "projection_bias_clips", "all", "cifg", "relu"])
def test_lstm_one_step(rt, case):
    """The LSTM op: one step of the same cell, x [B, I]."""
    kw = {k: v for k, v in LSTM_CASES[case].items() if k not in ("time", "time_major")}
    (y,) = H.check(rt, R.lstm_model(step=True, **kw), {"x": _seq([kw.get("batch", 2), kw.get("n_in", 4)], 7, 2.0)}).values()
    assert np.abs(y).max() > 1e-3


@pytest.mark.parametrize("time_major", [False, True])
@pytest.mark.parametrize("act", ["tanh", "relu", "none"])
def test_rnn(rt, time_major, act):
    shape = [5, 2, 6] if time_major else [2, 5, 6]
    model = R.rnn_model(batch=2, time=5, n_in=6, units=7, time_major=time_major, activation=act, seed=3)
    H.check(rt, model, {"x": _seq(shape, 4)})


@pytest.mark.parametrize("time_major", [False, True])
@pytest.mark.parametrize("merge", [False, True], ids=["two_outputs", "merged"])
@pytest.mark.parametrize("act", ["tanh", "relu6"])
def test_bidirectional_rnn(rt, time_major, merge, act):
    """The backward direction starts at the last step: its first output differs from a forward run."""
    shape = [6, 3, 5] if time_major else [3, 6, 5]
    model = R.bidi_rnn_model(batch=3, time=6, n_in=5, fw_units=4, bw_units=7, time_major=time_major, merge=merge,
                             activation=act, seed=2)
    H.check(rt, model, {"x": _seq(shape, 9)})


BIDI_LSTM_CASES = {
    "plain": dict(),
    "merged": dict(merge=True),
    "batch_major": dict(time_major=False),
    "projection_peephole_cifg_clips": dict(outs=(3, 3), peephole=(True, False), cifg=(False, True), cell_clip=0.7,
                                           proj_clip=0.4),
    "relu_long": dict(time=7, batch=3, activation="relu", peephole=(True, True)),
}


@pytest.mark.parametrize("case", sorted(BIDI_LSTM_CASES))
def test_bidirectional_lstm(rt, case):
    kw = dict(BIDI_LSTM_CASES[case])
    b, t = kw.get("batch", 2), kw.get("time", 3)
    shape = [b, t, 4] if kw.get("time_major") is False else [t, b, 4]
    H.check(rt, R.bidi_lstm_model(seed=len(case), **kw), {"x": _seq(shape, 11, 2.0)})


def test_bidirectional_lstm_merged_batch_major(rt):
    """LiteRT's merged output is wrong for batch-major inputs with batch >= 2
    (garbage, up to 1e19, in batch 1); ours equals its unmerged outputs side by side."""
    x = _seq([3, 4, 4], 12, 2.0)
    kw = dict(time_major=False, batch=3, time=4, peephole=(True, True), seed=3)
    (ours,) = H.run_ours(rt, R.bidi_lstm_model(merge=True, **kw), {"x": x}).values()
    ref = H.litert(R.bidi_lstm_model(merge=False, **kw), {"x": x})
    H.assert_close({"y": ours}, {"y": np.concatenate([ref["y_fw"], ref["y_bw"]], -1)})


@pytest.mark.parametrize("rank,memory,steps,act,bias", [
    (1, 4, 1, "none", True), (2, 5, 3, "relu", True), (3, 2, 4, "tanh", False), (1, 1, 2, "relu6", True),
])
def test_svdf(rt, rank, memory, steps, act, bias):
    model = R.svdf_model(batch=3, n_in=5, units=4, rank=rank, memory=memory, activation=act, bias=bias, steps=steps,
                         seed=rank + memory)
    H.check(rt, model, {f"x{k}": _seq([3, 5], 30 + k) for k in range(steps)})


@pytest.mark.parametrize("asym", [False, True], ids=["symmetric", "asymmetric"])
@pytest.mark.parametrize("time_major,act,shift", [(False, "tanh", 0.0), (True, "relu", 0.8), (False, "none", -1.5)])
def test_rnn_hybrid(rt, asym, time_major, act, shift):
    shape = [6, 3, 9] if time_major else [3, 6, 9]
    model = R.rnn_model(batch=3, time=6, n_in=9, units=8, time_major=time_major, activation=act, hybrid=True,
                        asymmetric=asym, seed=5)
    x = _seq(shape, 6) + np.float32(shift)
    x.reshape(-1, 9)[1] = 0.0                     # an all-zero row: scale 1, nothing added
    assert "unidirectional_sequence_rnn.f32i8" in _kernels(model)
    H.check(rt, model, {"x": x})


@pytest.mark.parametrize("asym", [False, True], ids=["symmetric", "asymmetric"])
@pytest.mark.parametrize("rank,memory,steps,act,bias", [(1, 4, 2, "none", True), (2, 3, 4, "relu", False)])
def test_svdf_hybrid(rt, asym, rank, memory, steps, act, bias):
    model = R.svdf_model(batch=2, n_in=7, units=3, rank=rank, memory=memory, activation=act, bias=bias,
                         steps=steps, hybrid=True, asymmetric=asym, seed=rank)
    assert "svdf.f32i8" in _kernels(model)
    H.check(rt, model, {f"x{k}": _seq([2, 7], 40 + k) + np.float32(0.3 * k) for k in range(steps)})


HYBRID_LSTM_CASES = {
    "plain": dict(),
    "peephole": dict(peephole=True, seed=1),
    "projection_bias_clip": dict(projection=True, proj_bias=True, n_out=3, proj_clip=0.3, seed=2),
    "layer_norm": dict(layer_norm=True, seed=3),
    "cifg_peephole_time_major": dict(cifg=True, peephole=True, time_major=True, seed=4),
    "all": dict(peephole=True, projection=True, proj_bias=True, layer_norm=True, n_out=4, cell_clip=0.5, seed=5),
    "long_relu6": dict(batch=1, time=10, n_in=11, n_cell=6, activation="relu6", seed=6),
}


@pytest.mark.parametrize("asym", [False, True], ids=["symmetric", "asymmetric"])
@pytest.mark.parametrize("case", sorted(HYBRID_LSTM_CASES))
def test_lstm_hybrid(rt, asym, case):
    """LiteRT's hybrid LSTM; every weight has its own scale (a mixed-up scale shows)."""
    kw = dict(HYBRID_LSTM_CASES[case])
    b, t, i = kw.get("batch", 2), kw.get("time", 3), kw.get("n_in", 4)
    shape = [t, b, i] if kw.get("time_major") else [b, t, i]
    model = R.lstm_model(hybrid=True, asymmetric=asym, **kw)
    assert "unidirectional_sequence_lstm.f32i8" in _kernels(model)
    x = _seq(shape, 50 + len(case), 2.0) + np.float32(0.5 if asym else 0.0)
    (y,) = H.check(rt, model, {"x": x}).values()
    assert np.abs(y).max() > 1e-3


def _kernels(model: bytes) -> list[str]:
    return read_program(H.convert_bytes(model)).kernels


def test_shared_state_is_threaded():
    """Three SVDF ops on one variable state: each reads the state the one before wrote."""
    info = read_program(H.convert_bytes(R.svdf_model(steps=3)))
    states = [(n.inputs[4], n.outputs[1]) for n in info.nodes]
    assert states[0][0] == -1 and states[1][0] == states[0][1] and states[2][0] == states[1][1], states


def test_refusals():
    from selbuild.convert.pipeline import convert
    from selbuild.frontends import tflite
    for model, words in [(R.lstm_model(activation="sign_bit"), "activation 'sign_bit'"),
                         (R.lstm_model(activation="none"), "activation 'none'"),
                         (R.rnn_model(activation="sign_bit"), "activation 'sign_bit'"),
                         (R.svdf_model(rank=2, rank_attr=0), "rank 0"),
                         (R.svdf_model(rank=2, rank_attr=0, hybrid=True), "rank 0"), (R.svdf_model(rank=2, rank_attr=4), "rank 4")]:
        with pytest.raises(UnsupportedError, match=words):
            convert(tflite.to_ir(tflite.parse_bytes(model, "m.tflite")))


# ------------------------------------------------------------------ hostile programs

@pytest.fixture(scope="module")
def checker(tmp_path_factory):
    if H.find_cc(("clang-19",)) is None:
        pytest.skip("clang-19 (ASan+UBSan) not installed")
    d = tmp_path_factory.getbasetemp() / "recurrent_check"
    d.mkdir(exist_ok=True)
    return d, H.build(d, KERNELS, cc="clang-19", sanitize=True, main=H.TESTS_C / "selrt_check.c",
                      name="selrt_check_rnn")


@pytest.fixture(scope="module")
def programs():
    return {name: H.convert_bytes(m) for name, m in R.small_recurrent_models().items()}


@pytest.mark.parametrize("name", sorted(R.small_recurrent_models()))
def test_edited_programs_are_rejected_or_safe(checker, programs, name):
    assert run_batch(*checker, name, [rebuild(programs[name])]) == [(OK, 1)]
    for fill in (0, 0xFF):
        results = run_batch(*checker, name, variants(programs[name]), fill=fill)
        assert results and all(st in (OK, BAD_PROGRAM, UNSUPPORTED) for st, _ in results), results
        assert all(ran for st, ran in results if st == OK)
        assert any(st != OK for st, _ in results)


@pytest.mark.parametrize("name,index,value", [
    ("lstm", 0, 2), ("lstm", 1, 5), ("lstm", 1, -1), ("lstm_cifg", 0, -7),
    ("rnn", 0, 3), ("rnn", 1, 9), ("svdf", 0, 0), ("svdf", 0, 5), ("svdf", 1, 5),
    ("lstm_step", 0, 5), ("bilstm", 0, 2), ("bilstm", 2, 3), ("bilstm_merged", 1, 9), ("birnn", 0, 2), ("birnn", 2, 2), ("birnn_merged", 2, -1), ("birnn", 1, 7),
    ("lstm_f32i8", 2, 2), ("lstm_f32i8", 1, 6), ("rnn_f32i8", 2, 2), ("rnn_f32i8", 1, -3), ("svdf_f32i8", 2, -1), ("svdf_f32i8", 0, 4),
])
def test_bad_iparams_are_rejected(checker, programs, name, index, value):
    assert run_batch(*checker, name, [rebuild(programs[name], iparam=(index, value))]) == [(UNSUPPORTED, 0)]


@pytest.mark.parametrize("value", [-1.0, float("inf"), float("nan")])
def test_bad_clips_are_rejected(checker, programs, value):
    for i in (0, 1):
        assert run_batch(*checker, "lstm", [rebuild(programs["lstm"], fparam=(i, value))]) == [(UNSUPPORTED, 0)]
