"""selbuild.runtime: every test model runs in this process through ctypes on the
host build, with outputs bit-identical to the C runner (selrt_run, a separate
process) on the same library, and misuse raises SelbuildErrors, never crashes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from selbuild import verify
from selbuild.convert import convert, read_program
from selbuild.errors import ProgramError, RunError, SelbuildError
from selbuild.frontends import load_model
from selbuild.runtime import Interpreter, RuntimeLibraryError, library_path
from test_models_vs_litert import FLOAT_MODELS, INT8_MODELS, _convert_and_run, model_runtime  # noqa: F401

TINY = "tiny_cnn_f32"


@pytest.mark.parametrize("name", FLOAT_MODELS + INT8_MODELS)
def test_model_in_process_equals_runner(name: str, model_runtime) -> None:  # noqa: F811
    manifest, built = model_runtime
    path, inputs, runner_out = _convert_and_run(name, model_runtime)
    program = convert(load_model(path), kernels=built).program
    info = read_program(program)
    with Interpreter(program, manifest) as it:
        assert [(t.name, t.shape, t.dtype, t.scale, t.zero_point) for t in it.inputs] == \
            [(t.name, tuple(t.shape), t.dtype, pytest.approx(t.scale), t.zero_point) for t in info.inputs]
        assert [t.name for t in it.outputs] == [t.name for t in info.outputs]
        ours = it(inputs)
        again = it(inputs)                   # a second run on the same session gives the same bytes
    assert list(ours) == list(runner_out)
    for k in ours:
        assert ours[k].dtype == runner_out[k].dtype and ours[k].shape == runner_out[k].shape
        assert np.array_equal(ours[k], runner_out[k]), f"{name} output {k!r} differs from selrt_run"
        assert np.array_equal(again[k], ours[k])
    if name == "mobilenetv2_a035_96_f32":    # not a constant: another input changes the output
        other = verify.random_inputs(info, seed=7)
        with Interpreter(program, manifest) as it:
            assert not np.array_equal(it(other)[info.outputs[0].name], ours[info.outputs[0].name])


@pytest.fixture(scope="module")
def tiny(model_runtime):  # noqa: F811
    manifest, built = model_runtime
    program = convert(load_model(Path(__file__).parent / "models" / "tflite" / f"{TINY}.tflite"), kernels=built).program
    return manifest, program


def test_set_get_by_name_and_index(tiny) -> None:
    manifest, program = tiny
    with Interpreter(program, manifest) as it:
        d = it.inputs[0]
        x = np.random.default_rng(1).uniform(-1, 1, d.shape).astype(np.float32)
        it.set_input(d.name, x)
        it.run()
        a = it.get_output(0)
        it.set_input(0, x)
        it.run()
        assert np.array_equal(it.get_output(it.outputs[0].name), a)
        assert it.version.startswith("selrt ")
        assert np.isclose(a.sum(), 1.0, atol=1e-4)     # softmax head


def test_misuse_raises_selbuild_errors(tiny, tmp_path) -> None:
    manifest, program = tiny
    it = Interpreter(program, manifest)
    d = it.inputs[0]
    with pytest.raises(RunError, match="expects shape"):
        it.set_input(0, np.zeros((1, 2), np.float32))
    with pytest.raises(RunError, match="expects shape"):
        it.set_input(0, np.zeros(d.shape, np.float64))
    with pytest.raises(RunError, match="out of range"):
        it.get_output(5)
    with pytest.raises(RunError, match="no input named"):
        it.set_input("nope", np.zeros(d.shape, np.float32))
    with pytest.raises(RunError, match="missing"):
        it({})
    it.close()
    it.close()
    for call in (it.run, lambda: it.get_output(0), lambda: it.set_input(0, np.zeros(d.shape, np.float32))):
        with pytest.raises(RunError, match="closed"):
            call()


def test_bad_programs_and_libraries(tiny, tmp_path) -> None:
    manifest, program = tiny
    with pytest.raises(ProgramError, match="rejects the program"):
        Interpreter(program[:len(program) // 2], manifest)
    flipped = bytearray(program)
    rng = np.random.default_rng(3)
    for _ in range(30):                       # hostile bytes: the C verifier answers, no crash
        b = bytearray(flipped)
        for i in rng.integers(0, len(b), 4):
            b[i] ^= 0xFF
        try:
            with Interpreter(bytes(b), manifest) as it:
                it(verify.random_inputs(read_program(program)))
        except SelbuildError:
            pass
    with pytest.raises(RuntimeLibraryError, match="no such runtime library"):
        Interpreter(program, tmp_path / "libnothing.so")
    (tmp_path / "manifest.json").write_text('{"target": "android-arm64", "artifacts": {"library": "libselrt.so"}}')
    with pytest.raises(RuntimeLibraryError, match="android-arm64 build"):
        Interpreter(program, tmp_path)
    (tmp_path / "notalib.so").write_bytes(b"\x7fELF garbage")
    with pytest.raises(RuntimeLibraryError, match="cannot load"):
        Interpreter(program, tmp_path / "notalib.so")
    assert library_path(manifest).is_file()


def test_run_command_host_is_in_process(tiny, tmp_path, monkeypatch) -> None:
    """`selbuild run --target host` runs in process: it works with the runner path disabled."""
    from click.testing import CliRunner
    from selbuild.cli import cli
    manifest, program = tiny
    prog = tmp_path / "m.selrt"
    prog.write_bytes(program)
    cfg = tmp_path / "c.yaml"
    model = Path(__file__).parent / "models" / "tflite" / f"{TINY}.tflite"
    cfg.write_text(f"schema_version: 1\nname: rt_cli\nmodels:\n  - path: {model}\ntargets: [host]\nops:\n"
                   + "".join(f"  {k}: [{TINY}]\n" for k in read_program(program).kernels))
    args = ["run", str(cfg), str(prog), "--build-dir", str(tmp_path / "b")]
    r = CliRunner().invoke(cli, args + ["--outputs", str(tmp_path / "o.npz"), "--repeat", "2"])
    assert r.exit_code == 0, r.output
    assert "latency on host" in r.output
    ref = verify.run_program(tmp_path / "b" / "c" / "host", program, verify.random_inputs(read_program(program)))

    def no_runner(*a, **k):
        raise AssertionError("the runner subprocess was used")
    monkeypatch.setattr(verify, "_run", no_runner)
    r2 = CliRunner().invoke(cli, args + ["--outputs", str(tmp_path / "o2.npz")])
    assert r2.exit_code == 0, r2.output
    a, b = np.load(tmp_path / "o.npz"), np.load(tmp_path / "o2.npz")
    assert a.files and all(np.array_equal(a[k], b[k]) for k in a.files)
    assert all(np.array_equal(a[k], ref[k]) for k in a.files)     # and the runner's


def test_python_api_doc_example_runs(tmp_path, monkeypatch) -> None:
    """docs/python_api.md's example is real code: run it as written (from the repo root)."""
    import re
    repo = Path(__file__).resolve().parent.parent
    text = (repo / "docs" / "python_api.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    monkeypatch.chdir(repo)
    scope = {"OUT_ROOT": tmp_path}
    exec(compile(code, "docs/python_api.md", "exec"), scope)
    assert scope["probs"].shape == (1, 10) and np.isclose(scope["probs"].sum(), 1.0, atol=1e-4)
    for mod in ("analyze", "build", "convert", "size", "runtime"):
        assert f"`selbuild.{mod}`" in text


def test_two_named_runtimes_coexist_in_one_process(tiny, build_root) -> None:
    """package.library_name: two host builds with their own names and symbol prefixes,
    both loaded into this process (RTLD_GLOBAL, the harshest case) and both running."""
    import ctypes
    from selbuild.build import build_target
    from selbuild.config import BuildConfig
    manifest, program = tiny
    kernels = read_program(program).kernels
    libs = []
    for name in ("selrt_one", "selrt_two"):
        cfg = BuildConfig(path=build_root / f"{name}.yaml", name=name, models=[], targets=["host"],
                          ops={k: [] for k in kernels})
        r = build_target(cfg, "host", out_root=build_root, library_name=name, variant="pkg")
        assert r.library.name == f"lib{name}.so"
        ctypes.CDLL(str(r.library), mode=ctypes.RTLD_GLOBAL)
        libs.append((name, r.library))
    x = verify.random_inputs(read_program(program), seed=5)
    outs = []
    for name, lib in libs:
        with Interpreter(program, lib, symbol_prefix=name) as it:
            outs.append(it(x))
        with pytest.raises(RuntimeLibraryError, match="does not export selrt_program_load"):
            Interpreter(program, lib)            # the default names are not there
    ref = verify.run_in_process(manifest, program, x)
    for o in outs:
        assert all(np.array_equal(o[k], ref[k]) for k in ref)


# The bundled models outside the LiteRT comparison lists above (control flow, hybrid, int16x8):
# the in-process runtime must run them too, on a host build of their own kernels.
OTHER_MODELS = ["gru_f32", "lstm_f32", "lstm_dynrange", "tiny_cnn_dynrange", "tiny_cnn_int16x8"]
MODEL_DIR = Path(__file__).parent / "models" / "tflite"


def test_every_bundled_model_is_run_in_process_by_some_test() -> None:
    listed = {m if isinstance(m, str) else m.values[0] for m in FLOAT_MODELS + INT8_MODELS} | set(OTHER_MODELS)
    assert {p.stem for p in MODEL_DIR.glob("*.tflite")} <= listed


@pytest.fixture(scope="module")
def other_runtime(build_root):
    from selbuild.build import build_target
    from selbuild.config import BuildConfig
    from selbuild.convert.pipeline import required_kernels
    ops: dict[str, list[str]] = {}
    for m in OTHER_MODELS:
        for k in required_kernels(load_model(MODEL_DIR / f"{m}.tflite")):
            ops.setdefault(k, []).append(m)
    cfg = BuildConfig(path=build_root / "other_models.yaml", name="other_models", models=[], targets=["host"], ops=ops)
    return build_target(cfg, "host", out_root=build_root).manifest, set(ops)


@pytest.mark.parametrize("name", OTHER_MODELS)
def test_other_models_in_process_equal_runner(name: str, other_runtime) -> None:
    manifest, kernels = other_runtime
    program = convert(load_model(MODEL_DIR / f"{name}.tflite"), kernels=kernels).program
    inputs = verify.random_inputs(read_program(program), seed=5)
    with Interpreter(program, manifest) as it:
        ours = it(inputs)
    ref = verify.run_program(manifest, program, inputs)
    assert list(ours) == list(ref)
    for k in ours:
        assert np.array_equal(ours[k], ref[k]), f"{name} output {k!r} differs from selrt_run"
