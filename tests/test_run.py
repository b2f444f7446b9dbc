"""`selbuild convert` / `selbuild run` and selbuild.verify on a small add-only model.

The model is written with tests/tflite_builder.py (no TensorFlow needed), so
LiteRT can serve as the reference for the same file our frontend reads: x + c (relu), then + x again, with c broadcast over the last dim.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from selbuild.cli import main as cli_main
from selbuild.convert import convert, read_program
from selbuild.errors import RunError
from selbuild import verify
from tflite_builder import Op, T, build_model

X_SHAPE = (1, 5, 4, 3)
C = np.array([0.5, -0.25, 1.5], np.float32)


def write_add_tflite(path: Path) -> Path:
    """x:[1,5,4,3] -> h = relu(x + c) -> y = h + x; c:[3] constant."""
    model = build_model(
        ops=[Op("ADD", ["x", "c"], ["h"], options=dict(activation="relu")), Op("ADD", ["h", "x"], ["y"])],
        tensors=[T("x", list(X_SHAPE)), T("c", [3], data=C), T("h", list(X_SHAPE)), T("y", list(X_SHAPE))],
        description="selbuild test: add only")
    path.write_bytes(model)
    return path


def expected(x: np.ndarray) -> np.ndarray:
    return np.maximum(x + C, 0) + x


@pytest.fixture(scope="module")
def add_model(tmp_path_factory) -> Path:
    return write_add_tflite(tmp_path_factory.mktemp("models") / "add_only.tflite")


@pytest.fixture(scope="module")
def add_config(add_model: Path) -> Path:
    cfg = add_model.parent / "addonly.yaml"
    cfg.write_text("schema_version: 1\nname: addonly\nmodels:\n  - path: add_only.tflite\n"
                   "targets: [host]\nprofile: size\nops:\n  add.f32: [add_only]\n")
    return cfg


@pytest.fixture(scope="module")
def build_root(tmp_path_factory) -> Path:
    """One build dir for the module: the CLI tests find the runtime up to date."""
    return tmp_path_factory.mktemp("build")


@pytest.fixture(scope="module")
def host_runtime(add_config: Path, build_root: Path) -> Path:
    """The host runtime with add.f32 only; a build failure fails the tests using it."""
    from selbuild.build import build_target
    from selbuild.config import load_config
    return build_target(load_config(add_config), "host", out_root=build_root).manifest


def test_litert_agrees_with_numpy_on_the_fixture(add_model: Path) -> None:
    x = np.random.default_rng(1).standard_normal(X_SHAPE).astype(np.float32)
    ref = verify.litert_reference(add_model, {"x": x})
    np.testing.assert_allclose(ref["y"], expected(x), rtol=1e-6)


def test_frontend_graph_converts(add_model: Path) -> None:
    from selbuild.frontends import load_model
    r = convert(load_model(add_model), kernels={"add.f32"})
    info = read_program(r.program)
    assert [t.name for t in info.inputs] == ["x"] and [t.name for t in info.outputs] == ["y"]
    assert info.nodes[0].fparams[0] == 0.0           # relu
    assert info.metadata["source"] == "add_only.tflite" and len(info.metadata["source_sha256"]) == 64


def test_run_program_matches_litert(add_model: Path, host_runtime: Path) -> None:
    from selbuild.frontends import load_model
    program = convert(load_model(add_model)).program
    x = np.random.default_rng(2).standard_normal(X_SHAPE).astype(np.float32)
    ours = verify.run_program(host_runtime, program, {"x": x})
    ref = verify.litert_reference(add_model, {"x": x})
    assert list(ours) == ["y"]
    assert max(c.max_abs_err for c in verify.compare_float(ours, ref)) <= 1e-6
    lat = verify.time_program(host_runtime, program, {"x": x}, repeat=3)
    assert 0 <= lat.min_ms <= lat.median_ms


def test_inputs_are_checked_by_name_shape_and_dtype(add_model: Path) -> None:
    from selbuild.frontends import load_model
    info = read_program(convert(load_model(add_model)).program)
    good = np.zeros(X_SHAPE, np.float32)
    assert verify.check_inputs(info, {"x": good})[0] is good
    cases = [({}, "missing input 'x'"),
             ({"x": good, "z": good}, "unexpected input 'z'"),
             ({"x": np.zeros((1, 4, 5, 3), np.float32)}, "[1, 5, 4, 3]"),
             ({"x": good.astype(np.float64)}, "float64")]
    for inputs, words in cases:
        with pytest.raises(RunError) as e:
            verify.check_inputs(info, inputs)
        assert words in e.value.message and "'x'" in e.value.message
    r = verify.random_inputs(info, seed=3)
    assert r["x"].shape == X_SHAPE and r["x"].dtype == np.float32
    np.testing.assert_array_equal(r["x"], verify.random_inputs(info, seed=3)["x"])


def test_missing_manifest_is_a_run_error(tmp_path: Path) -> None:
    with pytest.raises(RunError, match="manifest"):
        verify.load_runtime(tmp_path)


def _cli(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        cli_main(args)
    out, err = capsys.readouterr()
    return e.value.code, out, err


def test_cli_convert(add_model: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "p.selrt"
    code, stdout, _ = _cli(["convert", str(add_model), "-o", str(out)], capsys)
    assert code == 0, stdout
    assert "arena" in stdout and "lower bound" in stdout and "add.f32 x2" in stdout
    assert read_program(out.read_bytes()).kernels == ["add.f32"]
    code, stdout, _ = _cli(["convert", str(add_model), "-o", str(out), "--json"], capsys)
    data = json.loads(stdout)
    assert code == 0 and data["nodes"] == 2 and data["arena_size"] >= data["arena_lower_bound"] > 0
    before = add_model.read_bytes()
    code, _, err = _cli(["convert", str(add_model), "-o", str(add_model)], capsys)
    assert code == 2 and "refusing" in err and add_model.read_bytes() == before


def test_cli_convert_errors_exit_2(tmp_path: Path, capsys) -> None:
    code, _, err = _cli(["convert", str(tmp_path / "nope.tflite"), "-o", str(tmp_path / "x.selrt")], capsys)
    assert code == 2 and "error:" in err
    # A custom op has no kernel (lstm_f32 used to be the example: control flow converts now).
    from tflite_builder import Op, T, build_model
    custom = tmp_path / "custom.tflite"
    custom.write_bytes(build_model(ops=[Op("CUSTOM", ["x"], ["y"], custom_code="MyOwnOp")],
                                   tensors=[T("x", [1, 4]), T("y", [1, 4])]))
    code, _, err = _cli(["convert", str(custom), "-o", str(tmp_path / "x.selrt")], capsys)
    assert code == 2 and "error:" in err and "custom" in err.lower()


def test_cli_run(add_model: Path, add_config: Path, build_root: Path, tmp_path: Path, capsys) -> None:
    x = np.random.default_rng(5).standard_normal(X_SHAPE).astype(np.float32)
    np.savez(tmp_path / "in.npz", x=x)
    args = ["run", str(add_config), str(add_model), "--target", "host", "--inputs", str(tmp_path / "in.npz"),
            "--outputs", str(tmp_path / "out.npz"), "--build-dir", str(build_root)]
    code, stdout, err = _cli(args, capsys)
    assert code == 0, err
    with np.load(tmp_path / "out.npz") as z:
        np.testing.assert_allclose(z["y"], expected(x), rtol=1e-6)
    np.savez(tmp_path / "bad.npz", x=x[:, :4])
    code, _, err = _cli(args[:6] + [str(tmp_path / "bad.npz")] + args[7:], capsys)
    assert code == 2 and "'x'" in err and "[1, 5, 4, 3]" in err
    code, stdout, err = _cli(args[:5] + args[7:], capsys)       # no --inputs
    assert code == 0 and "random inputs (seed 0)" in err


def test_program_bytes_do_not_depend_on_hash_seed(add_model: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"p{seed}.selrt"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, "-m", "selbuild", "convert", str(add_model), "-o", str(out)],
                       check=True, env=env, capture_output=True)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_cli_convert_with_config_lists_missing_kernels(add_model: Path, tmp_path: Path, capsys) -> None:
    cfg = tmp_path / "nokernels.yaml"
    sine = Path(__file__).parent / "models" / "tflite" / "sine_float.tflite"
    cfg.write_text(f"schema_version: 1\nname: nokernels\nmodels:\n  - path: {sine}\ntargets: [host]\n"
                   "ops:\n  fully_connected.f32: [sine_float]\n")
    code, _, err = _cli(["convert", str(add_model), "-o", str(tmp_path / "p.selrt"), "--config", str(cfg)], capsys)
    assert code == 2 and "add.f32 (2 nodes)" in err
    assert not (tmp_path / "p.selrt").exists()


def test_cli_run_accepts_a_program(add_model: Path, add_config: Path, build_root: Path, tmp_path: Path,
                                   capsys) -> None:
    prog = tmp_path / "add.selrt"
    assert _cli(["convert", str(add_model), "-o", str(prog)], capsys)[0] == 0
    x = np.random.default_rng(9).standard_normal(X_SHAPE).astype(np.float32)
    np.savez(tmp_path / "in.npz", x=x)
    code, stdout, err = _cli(["run", str(add_config), str(prog), "--inputs", str(tmp_path / "in.npz"),
                              "--outputs", str(tmp_path / "out.npz"), "--build-dir", str(build_root),
                              "--repeat", "2"], capsys)
    assert code == 0, err
    assert "y: [1, 5, 4, 3] float32" in stdout and "latency on host" in stdout
    with np.load(tmp_path / "out.npz") as z:
        np.testing.assert_allclose(z["y"], expected(x), rtol=1e-6)


def test_comparisons_detect_differences() -> None:
    ref = {"a": np.array([1.0, -2.0, 300.0], np.float32)}
    assert verify.compare_float({"a": ref["a"] + 0.02}, ref)[0].ok          # 0.02 <= 1e-4 * 300
    bad = verify.compare_float({"a": ref["a"] + np.float32([0, 0.05, 0])}, ref)[0]
    assert not bad.ok and abs(bad.max_abs_err - 0.05) < 1e-6
    assert not verify.compare_float({"a": np.full(3, np.nan, np.float32)}, ref)[0].ok
    assert not verify.compare_float({}, ref)[0].ok
    q = {"q": np.array([-128, 5, 127], np.int8)}
    assert verify.compare_quantized({"q": np.array([-127, 5, 126], np.int8)}, q)[0].ok
    assert not verify.compare_quantized({"q": np.array([-126, 5, 127], np.int8)}, q)[0].ok


def test_missing_kernels_respects_backend_partitions() -> None:
    from selbuild.convert.program import NodeInfo, PartitionInfo, ProgramInfo
    nodes = [NodeInfo("conv2d.f32", [0], [1], [], [], partition=0), NodeInfo("softmax.f32", [1], [2], [], [])]
    info = ProgramInfo(1, ["conv2d.f32", "softmax.f32"], [], [], 0, {}, nodes=nodes,
                       partitions=[PartitionInfo("vulkan", [0], 0, 0)])
    assert verify.missing_kernels(info, ("softmax.f32",), ("vulkan",)) == []            # fallback: none
    assert verify.missing_kernels(info, ("softmax.f32",), ()) == ["conv2d.f32"]          # no backend built
    assert verify.missing_kernels(info, ("conv2d.f32",), ("vulkan",)) == ["softmax.f32"]
