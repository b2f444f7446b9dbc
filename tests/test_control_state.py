"""Streaming state (issue 14 item 3): resource variables (VAR_HANDLE,
READ_VARIABLE, ASSIGN_VARIABLE) initialised by CALL_ONCE, of f32, int8,
int16, int32 and bool, kept across runs of one session. 24 consecutive runs
through one selbuild session against one LiteRT interpreter invoked the same
way; selrt_session_reset gives the first run's outputs again (host, in
process through selbuild.runtime.Interpreter). The runner's --frames mode
(selbuild.verify.run_frames) streams the same frames through one session on
the ASan+UBSan host runner and the Android libraries under qemu."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tflite_builder import Op, Subgraph, T, build_model

from selbuild.convert import convert
from selbuild.frontends import tflite

KERNELS = ["call_once.any", "read_variable.any", "assign_variable.any", "add.f32", "add.i32",
           "concatenation.i8", "slice.i8", "logical_not.bool"]
RUNS = 24


def _vh(name: str) -> Op:
    return Op("VAR_HANDLE", [], [f"h_{name}"], options=dict(shared_name=name), options_table="VarHandleOptions")


def streaming_model() -> bytes:
    """Per run: acc += x (f32); ring = ring[2:] ++ xq (int8 ring buffer of the last
    4 int8 pairs); n += 1 (int32); flag = not flag (bool); prev16 out, x16 in (an
    int16 delay line). Outputs the new values (the delay line: the previous input)."""
    names = ["acc", "ring", "n", "flag", "d16"]
    handles = [T(f"h_{k}", [], "resource") for k in names]
    main = Subgraph(
        handles + [T("x", [1, 4]), T("xq", [1, 2], "i8", scale=0.5, zero_point=0), T("x16", [1, 3], "i16"),
                   T("acc_v", [1, 4]), T("acc", [1, 4]),
                   T("ring_v", [1, 8], "i8", scale=0.5, zero_point=0),
                   T("b6", [2], "i32", data=np.array([0, 2], np.int32)),
                   T("s6", [2], "i32", data=np.array([1, 6], np.int32)),
                   T("tail", [1, 6], "i8", scale=0.5, zero_point=0), T("ring", [1, 8], "i8", scale=0.5, zero_point=0),
                   T("n_v", [], "i32"), T("one", [], "i32", data=np.array(1, np.int32)), T("n", [], "i32"),
                   T("flag_v", [1], "bool"), T("flag", [1], "bool"), T("prev16", [1, 3], "i16")],
        [Op("CALL_ONCE", [], [], options=dict(init_subgraph_index=1))] + [_vh(k) for k in names] + [
            Op("READ_VARIABLE", ["h_acc"], ["acc_v"]), Op("ADD", ["acc_v", "x"], ["acc"]),
            Op("ASSIGN_VARIABLE", ["h_acc", "acc"], []),
            Op("READ_VARIABLE", ["h_ring"], ["ring_v"]), Op("SLICE", ["ring_v", "b6", "s6"], ["tail"]),
            Op("CONCATENATION", ["tail", "xq"], ["ring"], options=dict(axis=1)),
            Op("ASSIGN_VARIABLE", ["h_ring", "ring"], []),
            Op("READ_VARIABLE", ["h_n"], ["n_v"]), Op("ADD", ["n_v", "one"], ["n"]),
            Op("ASSIGN_VARIABLE", ["h_n", "n"], []),
            Op("READ_VARIABLE", ["h_flag"], ["flag_v"]), Op("LOGICAL_NOT", ["flag_v"], ["flag"]),
            Op("ASSIGN_VARIABLE", ["h_flag", "flag"], []),
            Op("READ_VARIABLE", ["h_d16"], ["prev16"]), Op("ASSIGN_VARIABLE", ["h_d16", "x16"], [])],
        inputs=["x", "xq", "x16"], outputs=["acc", "ring", "n", "flag", "prev16"], name="main")
    init = Subgraph(
        [T(f"h_{k}", [], "resource") for k in names] + [
            T("acc0", [1, 4], data=np.array([[0.5, -1.0, 2.0, 0.0]], np.float32)),
            T("ring0", [1, 8], "i8", data=np.arange(-4, 4, dtype=np.int8), scale=0.5, zero_point=0),
            T("n0", [], "i32", data=np.array(100, np.int32)), T("flag0", [1], "bool", data=np.array([True])),
            T("d0", [1, 3], "i16", data=np.array([[-7, 0, 7]], np.int16))],
        [_vh(k) for k in names] + [Op("ASSIGN_VARIABLE", [f"h_{k}", f"{k}0" if k != "d16" else "d0"], [])
                                   for k in names],
        inputs=[], outputs=[], name="init")
    return build_model(subgraphs=[main, init])


def frames(runs: int = RUNS, seed: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"x": rng.standard_normal((runs, 1, 4)).astype(np.float32),
            "xq": rng.integers(-128, 128, (runs, 1, 2)).astype(np.int8),
            "x16": rng.integers(-30000, 30000, (runs, 1, 3)).astype(np.int16)}


def litert_steps(model: bytes, fr: dict[str, np.ndarray]) -> list[dict[str, np.ndarray]]:
    """One interpreter, invoked once per frame."""
    from ai_edge_litert.interpreter import Interpreter
    it = Interpreter(model_content=model, num_threads=1)
    it.allocate_tensors()
    out = []
    for k in range(len(fr["x"])):
        for d in it.get_input_details():
            it.set_tensor(d["index"], fr[d["name"]][k])
        it.invoke()
        out.append({d["name"]: it.get_tensor(d["index"]).copy() for d in it.get_output_details()})
    return out


@pytest.fixture(scope="module")
def host(build_root) -> Path:
    from selbuild.build import build_target
    from selbuild.config import BuildConfig
    cfg = BuildConfig(path=build_root / "control_state.yaml", name="control_state", models=[], targets=["host"],
                      ops={k: ["test"] for k in KERNELS})
    return build_target(cfg, "host", out_root=build_root).manifest


def _program() -> bytes:
    res = convert(tflite.to_ir(tflite.parse_bytes(streaming_model(), "stream.tflite")))
    assert {"call_once.any", "read_variable.any", "assign_variable.any"} <= set(res.kernels)
    return res.program


def _same(ours: dict, ref: dict, step: int) -> None:
    assert set(ours) == set(ref)
    for k in ref:
        np.testing.assert_array_equal(np.asarray(ours[k]).reshape(ref[k].shape), ref[k], err_msg=f"run {step} {k}")


def test_runs_through_one_session_match_one_litert_interpreter(host):
    from selbuild.runtime import Interpreter
    model, fr = streaming_model(), frames()
    ref = litert_steps(model, fr)
    assert not np.array_equal(ref[0]["acc"], ref[-1]["acc"])       # the state really moves
    with Interpreter(_program(), host) as it:
        for k in range(RUNS):
            _same(it({n: v[k] for n, v in fr.items()}), ref[k], k)
        it.reset()
        _same(it({n: v[0] for n, v in fr.items()}), ref[0], 0)    # the first run's outputs again
        _same(it({n: v[1] for n, v in fr.items()}), ref[1], 1)


def test_two_sessions_keep_separate_state(host):
    from selbuild.runtime import Interpreter
    model, fr = streaming_model(), frames()
    ref = litert_steps(model, fr)
    program = _program()
    with Interpreter(program, host) as a, Interpreter(program, host) as b:
        for k in range(3):
            _same(a({n: v[k] for n, v in fr.items()}), ref[k], k)
        _same(b({n: v[0] for n, v in fr.items()}), ref[0], 0)


@pytest.fixture(scope="module", params=["host-asan", pytest.param("android-arm64", marks=pytest.mark.qemu),
                                        pytest.param("android-armv7", marks=pytest.mark.qemu)])
def runner(request, tmp_path_factory):
    import harness as H
    if request.param == "host-asan":
        return H.build_runtime(tmp_path_factory.mktemp("control_state"), KERNELS)
    from selbuild import toolchain_loader
    from selbuild.build import build_target
    from selbuild.config import BuildConfig
    target = request.param
    if not toolchain_loader.availability(target).ok:
        pytest.skip(toolchain_loader.availability(target).reason)
    root = tmp_path_factory.mktemp(f"control_state_{target}")
    cfg = BuildConfig(path=root / "st.yaml", name="st", models=[], targets=[target], ops={k: [] for k in KERNELS})
    r = build_target(cfg, target, out_root=root, profile="size")
    if toolchain_loader.run_prefix(target, r.out_dir) is None:
        pytest.skip(f"{target}: qemu not installed")
    return r.manifest


def test_frames_through_the_runner_match_litert(runner):
    from selbuild import verify
    model, fr = streaming_model(), frames()
    ref = litert_steps(model, fr)
    ours = verify.run_frames(runner, _program(), fr)
    for k in range(RUNS):
        _same({n: v[k] for n, v in ours.items()}, ref[k], k)


def test_a_variable_of_two_types_is_refused():
    from selbuild.errors import UnsupportedError
    main = Subgraph([T("h_s", [], "resource"), T("x", [1, 4]), T("y", [1, 2]), T("v", [1, 2])],
                    [_vh("s"), Op("ASSIGN_VARIABLE", ["h_s", "x"], []), Op("READ_VARIABLE", ["h_s"], ["v"]),
                     Op("ADD", ["v", "y"], ["z"])], name="main")
    main.tensors.append(T("z", [1, 2]))
    main.inputs, main.outputs = ["x", "y"], ["z"]
    with pytest.raises(UnsupportedError, match="one static type"):
        convert(tflite.to_ir(tflite.parse_bytes(build_model(subgraphs=[main]), "bad.tflite")))


def _cli(args: list[str], capsys) -> tuple[int, str, str]:
    from selbuild.cli import main as cli_main
    with pytest.raises(SystemExit) as e:
        cli_main(args)
    out, err = capsys.readouterr()
    return e.value.code, out, err


def test_selbuild_run_streams_frames_through_one_session(tmp_path, build_root, capsys):
    """`selbuild run --inputs frames.npz --frames` and repeated --inputs: every step's outputs."""
    model = tmp_path / "stream.tflite"
    model.write_bytes(streaming_model())
    ops = "".join(f"  {k}: [stream]\n" for k in KERNELS)
    cfg = tmp_path / "stream.yaml"
    cfg.write_text("schema_version: 1\nname: control_state\nmodels:\n  - path: stream.tflite\n"
                   f"targets: [host]\nprofile: size\nops:\n{ops}")
    fr = frames(runs=6)
    ref = litert_steps(model.read_bytes(), fr)
    np.savez(tmp_path / "frames.npz", **fr)
    code, out, err = _cli(["run", str(cfg), str(model), "--inputs", str(tmp_path / "frames.npz"), "--frames",
                           "--outputs", str(tmp_path / "out.npz"), "--build-dir", str(build_root)], capsys)
    assert code == 0, err
    assert "6 frames" in out
    got = dict(np.load(tmp_path / "out.npz"))
    for k in range(6):
        _same({n: v[k] for n, v in got.items()}, ref[k], k)
    paths = []
    for k in range(3):
        np.savez(tmp_path / f"f{k}.npz", **{n: v[k] for n, v in fr.items()})
        paths += ["--inputs", str(tmp_path / f"f{k}.npz")]
    code, out, err = _cli(["run", str(cfg), str(model), *paths, "--outputs", str(tmp_path / "out3.npz"),
                           "--build-dir", str(build_root)], capsys)
    assert code == 0, err
    got = dict(np.load(tmp_path / "out3.npz"))
    for k in range(3):
        _same({n: v[k] for n, v in got.items()}, ref[k], k)
    np.savez(tmp_path / "ragged.npz", x=fr["x"], xq=fr["xq"][:2], x16=fr["x16"])
    code, _, err = _cli(["run", str(cfg), str(model), "--inputs", str(tmp_path / "ragged.npz"), "--frames"], capsys)
    assert code == 2 and "error:" in err and "frame count" in err


def test_analyze_shows_the_subgraph_tree_and_the_variables(tmp_path, capsys):
    import json
    model = tmp_path / "stream.tflite"
    model.write_bytes(streaming_model())
    code, out, _ = _cli(["analyze", "--json", str(model)], capsys)
    assert code == 0
    (m,) = json.loads(out)["models"]
    notes = " | ".join(m["notes"])
    assert "subgraph 0 -> CALL_ONCE init: subgraph 1 'init'" in notes
    assert "5 resource variable(s)" in notes and "ring i8[1, 8]" in notes and "d16 i16[1, 3]" in notes
    assert m["unsupported"] == []     # VAR_HANDLE needs no kernel: the converter resolves it
    lstm = Path(__file__).parent / "models" / "tflite" / "lstm_f32.tflite"
    code, out, _ = _cli(["analyze", "--json", str(lstm)], capsys)
    notes = " | ".join(json.loads(out)["models"][0]["notes"])
    assert "WHILE body: subgraph 2" in notes and "constant trip count 20: unrolled in speed builds" in notes
