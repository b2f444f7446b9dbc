"""Custom operators from outside the tree (docs/custom_ops.md, examples/custom_op/).

The example op ScaleShift (y = x * scale + bias along an axis, optional relu)
is declared once (scale_shift.yaml) and written once (scale_shift.c); a
TFLite model (CUSTOM op with flexbuffer custom_options, from
tests/tflite_builder.py) and a torch.export program (mylib::scale_shift from
torch.library) both go analyze -> config init -> config check -> build ->
run, on the host and under qemu for both Android ABIs, against the numpy
reference. Then every way a declaration or its C can be wrong gives one
`error:` line and exit 2.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from selbuild import REPO_ROOT, custom_ops
from selbuild.cli import main

EXAMPLE = REPO_ROOT / "examples" / "custom_op"
sys.path.insert(0, str(EXAMPLE))
from make_models import BIAS, tflite_model, torch_model  # noqa: E402
from reference import scale_shift  # noqa: E402


@pytest.fixture(autouse=True)
def _no_leak():
    # A config's custom ops are process-global while it is worked on: none survive a test.
    yield
    custom_ops.activate(())


def _cli(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        main(args)
    out, err = capsys.readouterr()
    return e.value.code, out, err


def _app(tmp: Path, model: str = "tflite") -> Path:
    """A copy of the example (declaration, C file, torch registration) and its model, as an app repo."""
    app = tmp / "app"
    (app / "ops").mkdir(parents=True)
    for f in ("scale_shift.yaml", "scale_shift.c", "scale_shift_torch.py"):
        shutil.copy(EXAMPLE / f, app / "ops" / f)
    if model == "tflite":
        (app / "model.tflite").write_bytes(tflite_model())
    else:
        torch_model(app / "model.pt2")
    return app


def _x(seed: int = 5) -> np.ndarray:
    x = np.random.default_rng(seed).uniform(-3, 3, (2, 3, 4)).astype(np.float32)
    x.reshape(-1)[:4] = [0.0, -0.0, -1e-3, 1e-3]
    return x


def _init_and_run(app: Path, model: Path, target: str, capsys) -> dict[str, np.ndarray]:
    code, out, err = _cli(["config", "init", str(model), "--custom-ops", str(app / "ops" / "scale_shift.yaml"),
                           "--target", target, "-o", str(app / "app.yaml")], capsys)
    assert code == 0, err
    code, out, err = _cli(["config", "check", str(app / "app.yaml")], capsys)
    assert code == 0 and "ok" in out, err
    np.savez(app / "in.npz", x=_x())
    code, out, err = _cli(["run", str(app / "app.yaml"), str(model), "--target", target, "--inputs",
                           str(app / "in.npz"), "--outputs", str(app / "out.npz"), "--build-dir",
                           str(app / "build")], capsys)
    assert code == 0, err
    with np.load(app / "out.npz") as z:
        return {k: z[k] for k in z.files}


def test_analyze_lists_the_custom_op_and_points_to_the_docs(tmp_path, capsys):
    app = _app(tmp_path)
    code, out, _ = _cli(["analyze", "--json", str(app / "model.tflite")], capsys)
    m = json.loads(out)["models"][0]
    assert code == 0 and m["custom_ops"] == ["ScaleShift"]
    assert ("ScaleShift", None) in [(u["source_op"], u["op"]) for u in m["ops"]]
    # A config without the declaration: config check says what to do and where it is explained.
    code, _, err = _cli(["config", "init", str(app / "model.tflite"), "--target", "host",
                         "-o", str(app / "bare.yaml")], capsys)
    assert code == 1
    code, _, err = _cli(["config", "check", str(app / "bare.yaml")], capsys)
    assert code == 2 and "no selbuild kernel for: ScaleShift; ScaleShift is a custom op" in err
    assert "docs/custom_ops.md" in err and (REPO_ROOT / "docs" / "custom_ops.md").is_file()


@pytest.mark.parametrize("target", ["host", pytest.param("android-arm64", marks=pytest.mark.qemu),
                                    pytest.param("android-armv7", marks=pytest.mark.qemu)])
def test_tflite_custom_op_end_to_end_matches_numpy(tmp_path, capsys, target):
    app = _app(tmp_path)
    (y,) = _init_and_run(app, app / "model.tflite", target, capsys).values()
    x = _x()
    # custom_options of the model: scale 1.5, axis -1, relu true; then the built-in ADD of x.
    np.testing.assert_allclose(y, scale_shift(x, BIAS, 1.5, -1, True) + x, rtol=1e-6, atol=1e-6)
    text = (app / "app.yaml").read_text()
    assert "scale_shift.f32: [model]" in text and "ops/scale_shift.yaml" in text
    # Its own row in the size report, holding the app's check/run and the generated glue.
    size = json.loads((app / "build" / "app" / target / "size.json").read_text())
    rows = {r["name"]: r for r in size["rows"]}
    row = rows["scale_shift.f32"]
    assert row["kind"] == "op" and row["size"] > 0
    assert {"selrt_scale_shift_f32_run", "selrt_scale_shift_f32_node_check"} <= {s["name"] for s in row["symbols"]}
    manifest = json.loads((app / "build" / "app" / target / "manifest.json").read_text())
    owned = sorted(o["source"] for o in manifest["objects"] if o["owner"] == "scale_shift.f32")
    assert owned == ["custom/scale_shift.f32/scale_shift.c", "gen/selrt_custom_scale_shift_f32.c"]


@pytest.mark.parametrize("target", ["host", pytest.param("android-arm64", marks=pytest.mark.qemu)])
def test_torch_library_custom_op_end_to_end_matches_numpy(tmp_path, capsys, target):
    pytest.importorskip("torch")
    app = _app(tmp_path, "pt2")
    (y,) = _init_and_run(app, app / "model.pt2", target, capsys).values()
    x = _x()
    # forward: mylib::scale_shift(x * 2, bias, scale 0.5, axis -1, relu True) + x
    np.testing.assert_allclose(y, scale_shift(x * 2, BIAS, 0.5, -1, True) + x, rtol=1e-6, atol=1e-6)
    assert "scale_shift.f32: [model]" in (app / "app.yaml").read_text()


def _config(app: Path, decl: str = "ops/scale_shift.yaml", kernels: str = "[add.f32, scale_shift.f32]") -> Path:
    cfg = app / "app.yaml"
    cfg.write_text(f"schema_version: 1\nname: app\nmodels: [{{path: model.tflite}}]\ntargets: [host]\n"
                   f"custom_ops: [{decl}]\nextra_ops: {kernels}\n")
    return cfg


def test_malformed_declaration_reports_every_problem_with_yaml_paths(tmp_path, capsys):
    app = _app(tmp_path)
    (app / "ops" / "bad.yaml").write_text(
        "name: ScaleShift\ndtype: f64\ntflite: ScaleShift\ninputs: {x: f32}\n"
        "outputs: {y: {dtype: f32, shape: z}}\nattrs: {scale: {type: double}, relu: {type: bool, default: 3}}\n"
        "sources: [missing.c]\ncolour: red\n")
    code, _, err = _cli(["config", "check", str(_config(app, "ops/bad.yaml", "[]"))], capsys)
    assert code == 2 and err.startswith("error: ")
    for what in ("bad.yaml: name: 'ScaleShift' is not an op name (snake_case", "bad.yaml: dtype: 'f64'",
                 "bad.yaml: outputs.y.shape: 'z' is neither `model` nor an input",
                 "bad.yaml: attrs.scale.type: 'double'", "bad.yaml: attrs.relu.default: 3 is not a bool",
                 "bad.yaml: sources[0]: no such file", "bad.yaml: colour: unknown key"):
        assert what in err, what
    assert err.count("custom_ops[0]") >= 7 and "Traceback" not in err
    # Inline declarations have YAML paths into the config itself.
    cfg = app / "inline.yaml"
    cfg.write_text("schema_version: 1\nname: app\nmodels: [{path: model.tflite}]\ntargets: [host]\n"
                   "custom_ops:\n  - {name: scale_shift, dtype: f32, tflite: ScaleShift, inputs: {x: i7},\n"
                   "     outputs: {y: f32}, sources: ops/scale_shift.c}\n")
    code, _, err = _cli(["config", "check", str(cfg)], capsys)
    assert code == 2 and "custom_ops[0].inputs.x.dtype: 'i7' is not one of" in err
    assert "custom_ops[0].sources: expected a list of C files" in err


def test_c_file_that_does_not_compile_shows_the_compiler_message(tmp_path, capsys):
    app = _app(tmp_path)
    c = app / "ops" / "scale_shift.c"
    lines = c.read_text().splitlines()
    at = next(i for i, ln in enumerate(lines) if "float v =" in ln)
    lines[at] = lines[at].replace("a->scale", "a->scael")
    c.write_text("\n".join(lines) + "\n")
    code, _, err = _cli(["build", str(_config(app)), "--out", str(app / "build")], capsys)
    assert code == 2
    (first,) = [ln for ln in err.splitlines() if ln.startswith("error:")]   # one error line
    assert first.startswith(f"error: custom op scale_shift.f32: {c}:{at + 1}:") and "scael" in first, err
    assert "Traceback" not in err


def test_missing_symbol_names_it(tmp_path, capsys):
    app = _app(tmp_path)
    c = app / "ops" / "scale_shift.c"
    text = c.read_text()
    c.write_text(text[:text.index("selrt_status selrt_scale_shift_f32_run")])
    code, _, err = _cli(["build", str(_config(app)), "--out", str(app / "build")], capsys)
    assert code == 2
    assert [ln for ln in err.splitlines() if ln.startswith("error:")] == [("error: custom op scale_shift.f32: no C file of it defines "
                                   "selrt_scale_shift_f32_run (scale_shift.c)")], err


def test_program_fails_to_load_on_a_runtime_without_it_and_the_kernel_checks_params(tmp_path, capsys):
    from flatbuffers import flexbuffers

    from selbuild import verify
    from selbuild.build import build_target
    from selbuild.config import load_config
    from selbuild.convert.pipeline import convert
    from selbuild.errors import SelbuildError
    from selbuild.frontends import load_model

    app = _app(tmp_path)
    cfg = load_config(_config(app))
    with_op = build_target(cfg, "host", out_root=app / "build")
    # axis 7 of a rank-3 x: the converter passes it on, the app's check() refuses it at load.
    opts = bytes(flexbuffers.Dumps({"scale": 1.0, "axis": 7, "relu": False}))
    from tflite_builder import Op, T, build_model
    (app / "bad_axis.tflite").write_bytes(build_model(
        ops=[Op("CUSTOM", ["x", "bias"], ["y"], custom_code="ScaleShift", custom_options=opts)],
        tensors=[T("x", [2, 3, 4]), T("bias", [4], data=BIAS), T("y", [2, 3, 4])]))
    bad = convert(load_model(app / "bad_axis.tflite")).program
    with pytest.raises(SelbuildError) as e:
        verify.run_program(with_op.manifest, bad, {"x": _x()})
    assert "scale_shift.f32" in str(e.value) and "axis 7 is outside rank 3" in str(e.value)
    # The generated glue checks what the declaration promises, whatever the program bytes say:
    # a bool attribute (iparams: axis, relu) outside 0/1, an output not of x's shape.
    import program_edits as PE
    one = convert(load_model(app / "bad_axis.tflite")).program
    for edit, why in ((dict(iparam=(0, -1)), None), (dict(iparam=(1, 7)), "attribute relu is 7, not 0 or 1"),
                      (dict(shape=(2, (2, 12))), "output y has rank 2, input x rank 3"),
                      (dict(shape=(2, (4, 3, 2))), "output y differs from input x in dim 0, size 4")):
        prog = PE.rebuild(one, **edit)
        if why is None:         # axis -1 is fine: the edit machinery itself is sound
            (y,) = verify.run_program(with_op.manifest, prog, {"x": _x()}).values()
            np.testing.assert_allclose(y, scale_shift(_x(), BIAS, 1.0, -1, False), rtol=1e-6)
            continue
        with pytest.raises(SelbuildError) as e:
            verify.run_program(with_op.manifest, prog, {"x": _x()})
        assert why in str(e.value), (edit, str(e.value))
    good = convert(load_model(app / "model.tflite")).program
    # The same program on a runtime built without the custom op: refused, naming it.
    cfg.extra_ops, cfg.ops, cfg.custom_ops = ["add.f32"], {}, ()
    cfg.models = []
    without = build_target(cfg, "host", out_root=app / "build2")
    with pytest.raises(SelbuildError) as e:
        verify.run_program(without.manifest, good, {"x": _x()})
    assert "scale_shift.f32" in str(e.value)


def test_attribute_of_the_wrong_type_is_one_clear_error(tmp_path, capsys):
    from flatbuffers import flexbuffers
    from tflite_builder import Op, T, build_model
    app = _app(tmp_path)
    opts = bytes(flexbuffers.Dumps({"scale": "big", "relu": True}))
    (app / "model.tflite").write_bytes(build_model(
        ops=[Op("CUSTOM", ["x", "bias"], ["y"], custom_code="ScaleShift", custom_options=opts)],
        tensors=[T("x", [2, 3, 4]), T("bias", [4], data=BIAS), T("y", [2, 3, 4])]))
    np.savez(app / "in.npz", x=_x())
    code, _, err = _cli(["run", str(_config(app)), str(app / "model.tflite"), "--inputs", str(app / "in.npz"),
                         "--build-dir", str(app / "build")], capsys)
    assert code == 2 and "attribute scale = 'big' is not the declared float" in err, err
    assert len([ln for ln in err.splitlines() if ln.startswith("error:")]) == 1


def test_shape_function_runs_on_the_build_machine(tmp_path):
    from selbuild.config import load_config
    from selbuild.convert.pipeline import convert
    from selbuild.errors import SelbuildError
    from selbuild.frontends import load_model

    app = _app(tmp_path)
    decl = app / "ops" / "scale_shift.yaml"
    decl.write_text(decl.read_text().replace("y: {dtype: f32, shape: x}", "y: {dtype: f32, shape: model}")
                    + "shape_function: shapes.py:scale_shift\n")
    shapes = app / "ops" / "shapes.py"
    shapes.write_text("def scale_shift(inputs, attrs):\n"
                      "    assert set(attrs) == {'scale', 'axis', 'relu'} and attrs['relu'] is True\n"
                      "    return [inputs['x']]\n")
    load_config(_config(app))
    result = convert(load_model(app / "model.tflite"))
    assert "scale_shift.f32" in result.kernels
    # A function that disagrees with the model's shapes stops the conversion, saying so.
    shapes.write_text("def scale_shift(inputs, attrs):\n    return [inputs['x'][:-1]]\n")
    with pytest.raises(SelbuildError) as e:
        convert(load_model(app / "model.tflite"))
    assert "shape inference gives [2, 3] but the model declares [2, 3, 4]" in str(e.value)


def test_torch_library_file_registers_the_op_in_a_fresh_process(tmp_path):
    """A new selbuild process knows nothing of mylib::scale_shift: the declaration's
    torch_library file must register it before the .pt2 loads."""
    pytest.importorskip("torch")
    import os
    import subprocess
    app = _app(tmp_path, "pt2")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    run = subprocess.run([sys.executable, "-m", "selbuild", "config", "init", str(app / "model.pt2"),
                          "--custom-ops", str(app / "ops" / "scale_shift.yaml"), "--target", "host",
                          "-o", str(app / "app.yaml")], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "scale_shift.f32: [model]" in (app / "app.yaml").read_text()
    # Without the registration the same model cannot be read, and the error says why.
    decl = app / "ops" / "scale_shift.yaml"
    decl.write_text(decl.read_text().replace("torch_library: scale_shift_torch.py\n", ""))
    run = subprocess.run([sys.executable, "-m", "selbuild", "config", "check", str(app / "app.yaml")],
                         capture_output=True, text=True, env=env, cwd=tmp_path)
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr


def test_two_declarations_of_one_model_op_are_refused(tmp_path, capsys):
    app = _app(tmp_path)
    text = (app / "ops" / "scale_shift.yaml").read_text()
    (app / "ops" / "again.yaml").write_text(text.replace("name: scale_shift", "name: scale_shift2")
                                            .replace("sources: [scale_shift.c]", "sources: [scale_shift.c]"))
    cfg = _config(app, "ops/scale_shift.yaml, ops/again.yaml", "[]")
    code, _, err = _cli(["config", "check", str(cfg)], capsys)
    assert code == 2
    assert "custom_ops[1]: TFLite custom code ScaleShift is declared twice (also custom_ops[0])" in err
    assert "custom_ops[1]: torch op mylib::scale_shift is declared twice (also custom_ops[0])" in err
