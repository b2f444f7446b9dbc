"""Models with dynamic input dimensions (shape_signature -1), specialised to the
config's `input_shapes:` (issue 12 item 4).

References: LiteRT with `resize_tensor_input` to the same shapes. The models
are made by the test model builder the way TF's converter writes dynamic
models: -1 in the signature, 1 in the stored shape, every other tensor shape
worked out for the default, and shapes computed in the graph
(SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE, as Keras' Flatten does with a
dynamic batch).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from selbuild.cli import main as cli_main
from selbuild.config import load_config, validate
from selbuild.convert.pipeline import convert
from selbuild.errors import ModelError, UnsupportedError
from selbuild.frontends import tflite
from selbuild import verify
from tflite_builder import Op, T, build_model

RNG = np.random.default_rng(0)


def flatten_model() -> bytes:
    """x [-1,4,4,3] -> conv -> Flatten via a computed shape -> fully_connected [-1, 6]."""
    rng = np.random.default_rng(1)                 # the same weights on every call
    x = T("x", [1, 4, 4, 3], signature=[-1, 4, 4, 3])
    tensors = [
        x, T("w", [5, 3, 3, 3], data=rng.normal(size=(5, 3, 3, 3))), T("b", [5], data=rng.normal(size=5)),
        T("c", [1, 4, 4, 5]), T("shp", [4], "i32"), T("b0", [1], "i32", data=[0]), T("e1", [1], "i32", data=[1]),
        T("s1", [1], "i32", data=[1]), T("n", [], "i32"), T("m1", [], "i32", data=-1), T("ns", [2], "i32"),
        T("flat", [1, 80]), T("fw", [6, 80], data=rng.normal(size=(6, 80))), T("fb", [6], data=rng.normal(size=6)),
        T("y", [1, 6])]
    ops = [Op("CONV_2D", ["x", "w", "b"], ["c"], options=dict(padding="same", stride_w=1, stride_h=1,
                                                               activation="relu")),
           Op("SHAPE", ["c"], ["shp"], options={"out_type": 2}, options_table="ShapeOptions"),
           Op("STRIDED_SLICE", ["shp", "b0", "e1", "s1"], ["n"], options=dict(shrink_axis_mask=1)),
           Op("PACK", ["n", "m1"], ["ns"], options=dict(values_count=2, axis=0)),
           Op("RESHAPE", ["c", "ns"], ["flat"]),
           Op("FULLY_CONNECTED", ["flat", "fw", "fb"], ["y"])]
    return build_model(ops, tensors, inputs=["x"], outputs=["y"])


def audio_model() -> bytes:
    """pcm [1,-1] -> [1,1,T,1] -> strided conv over time -> mean over time -> fully_connected [1, 4]."""
    rng = np.random.default_rng(2)
    tensors = [
        T("pcm", [1, 1], signature=[1, -1]), T("a1", [], "i32", data=1), T("a2", [], "i32", data=2),
        T("e", [1, 1, 1]), T("img", [1, 1, 1, 1]),
        T("w", [8, 1, 5, 1], data=rng.normal(size=(8, 1, 5, 1))), T("b", [8], data=rng.normal(size=8)),
        T("f", [1, 1, 1, 8]), T("axes", [2], "i32", data=[1, 2]), T("m", [1, 8]),
        T("fw", [4, 8], data=rng.normal(size=(4, 8))), T("fb", [4], data=rng.normal(size=4)), T("y", [1, 4])]
    ops = [Op("EXPAND_DIMS", ["pcm", "a2"], ["e"]),
           Op("EXPAND_DIMS", ["e", "a1"], ["img"]),
           Op("CONV_2D", ["img", "w", "b"], ["f"], options=dict(padding="same", stride_w=4, stride_h=1,
                                                                 activation="relu6")),
           Op("MEAN", ["f", "axes"], ["m"], options=dict(keep_dims=False)),
           Op("FULLY_CONNECTED", ["m", "fw", "fb"], ["y"], options=dict(activation="relu"))]
    return build_model(ops, tensors, inputs=["pcm"], outputs=["y"])


def _litert(model: bytes, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    from ai_edge_litert.interpreter import Interpreter
    it = Interpreter(model_content=model, num_threads=1)
    for d in it.get_input_details():
        it.resize_tensor_input(d["index"], list(inputs[d["name"]].shape))
    it.allocate_tensors()
    for d in it.get_input_details():
        it.set_tensor(d["index"], inputs[d["name"]])
    it.invoke()
    return {d["name"]: it.get_tensor(d["index"]).copy() for d in it.get_output_details()}


def _ir(model: bytes):
    return tflite.to_ir(tflite.parse_bytes(model, "dyn.tflite"))


@pytest.fixture(scope="module")
def runtime(tmp_path_factory) -> Path:
    import harness as H
    return H.build_runtime(tmp_path_factory.mktemp("dyn_rt"),
                           ["conv2d.f32", "fully_connected.f32", "reshape.f32", "expand_dims.f32", "mean.f32"])


@pytest.mark.parametrize("batch", [1, 3, 7])
def test_flatten_with_dynamic_batch_matches_litert(batch: int, runtime: Path) -> None:
    model = flatten_model()
    x = RNG.normal(size=(batch, 4, 4, 3)).astype(np.float32)
    r = convert(_ir(model), input_shapes={"x": [batch, 4, 4, 3]})
    # SHAPE, STRIDED_SLICE and PACK are evaluated at conversion: none is left for the device.
    assert r.kernels == ["conv2d.f32", "fully_connected.f32", "reshape.f32"]
    ours = verify.run_program(runtime, r.program, {"x": x})
    ref = _litert(model, {"x": x})
    assert ours["y"].shape == ref["y"].shape == (batch, 6)
    assert all(c.ok for c in verify.compare_float(ours, ref)), verify.compare_float(ours, ref)


@pytest.mark.parametrize("length", [1, 1000, 16000, 16003])
def test_audio_with_dynamic_length_matches_litert(length: int, runtime: Path) -> None:
    model = audio_model()
    pcm = RNG.uniform(-1, 1, (1, length)).astype(np.float32)
    r = convert(_ir(model), input_shapes={"pcm": [1, length]})
    ours = verify.run_program(runtime, r.program, {"pcm": pcm})
    ref = _litert(model, {"pcm": pcm})
    assert all(c.ok for c in verify.compare_float(ours, ref)), verify.compare_float(ours, ref)


def test_programs_differ_by_shape_and_default_is_unchanged() -> None:
    m = _ir(audio_model())
    default = convert(m).program
    assert convert(m, input_shapes={"pcm": [1, 1]}).program == default
    a, b = convert(m, input_shapes={"pcm": [1, 16000]}), convert(m, input_shapes={"pcm": [1, 8000]})
    assert a.program != b.program and a.arena_size > b.arena_size > convert(m).arena_size


@pytest.mark.parametrize("shapes, message", [
    ({"nope": [1, 4]}, "'nope' is not an input of the model (inputs: pcm)"),
    ({"pcm": [1]}, "1 dimensions given; input 'pcm' has rank 2 ([1, -1])"),
    ({"pcm": [2, 100]}, "dimension 0 of 'pcm' is fixed at 1 in the model, not 2"),
    ({"pcm": [1, 0]}, "dimension 1 must be a whole number >= 1, got 0"),
    ({"pcm": [1, 2**31]}, "more than 2,147,483,647 elements"),
])
def test_bad_input_shapes_are_model_errors(shapes: dict, message: str) -> None:
    with pytest.raises(ModelError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
                       .replace("]", r"\]")):
        convert(_ir(audio_model()), input_shapes=shapes)


def test_shape_from_run_time_values_is_refused() -> None:
    """A RESHAPE whose shape is an input of the graph cannot be planned ahead of time."""
    tensors = [T("x", [1, 4], signature=[-1, 4]), T("s", [2], "i32"), T("y", [4, 1])]
    model = build_model([Op("RESHAPE", ["x", "s"], ["y"])], tensors, inputs=["x", "s"], outputs=["y"])
    with pytest.raises(UnsupportedError, match="computed from tensor values at run time"):
        convert(_ir(model), input_shapes={"x": [2, 4]})


def _cli(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        cli_main(args)
    out, err = capsys.readouterr()
    return e.value.code, out, err


def test_config_init_pins_dynamic_dims_and_check_reports_bad_shapes(tmp_path: Path, capsys) -> None:
    (tmp_path / "audio.tflite").write_bytes(audio_model())
    cfg = tmp_path / "app.yaml"
    code, _, err = _cli(["config", "init", str(tmp_path / "audio.tflite"), "-o", str(cfg), "--target", "host"],
                        capsys)
    assert code == 0, err
    assert "input pcm is declared [1, -1]" in err and "input_shapes" in err
    text = cfg.read_text()
    assert "# input pcm is declared [1, -1]: dimension 1 dynamic" in text
    assert yaml.safe_load(text)["models"][0]["input_shapes"] == {"pcm": [1, 1]}
    assert load_config(cfg).models[0].input_shapes == {"pcm": [1, 1]}
    data = yaml.safe_load(text)
    data["models"][0]["input_shapes"] = {"pcm": [2, 0], "other": [1]}
    cfg.write_text(yaml.safe_dump(data))
    _, problems = validate(cfg)
    where = {w for w, _ in problems}
    assert "models[0].input_shapes.pcm[1]" in where            # the schema: >= 1
    assert "models[0].input_shapes.other" in where             # not an input
    code, _, err = _cli(["config", "check", str(cfg)], capsys)
    assert code == 2 and "input_shapes" in err


def test_two_shapes_of_one_model_in_one_config(tmp_path: Path, runtime: Path, capsys) -> None:
    """One runtime, one program per shape; `run` picks the shape by --input-shape."""
    (tmp_path / "audio.tflite").write_bytes(audio_model())
    cfg = tmp_path / "two.yaml"
    cfg.write_text("schema_version: 1\nname: two\ntargets: [host]\nmodels:\n"
                   "  - {path: audio.tflite, name: one_second, input_shapes: {pcm: [1, 16000]}}\n"
                   "  - {path: audio.tflite, name: half_second, input_shapes: {pcm: [1, 8000]}}\n"
                   "ops:\n" + "".join(f"  {k}: [one_second, half_second]\n" for k in
                                       ["conv2d.f32", "expand_dims.f32", "fully_connected.f32", "mean.f32"]))
    code, out, err = _cli(["config", "check", str(cfg)], capsys)
    assert code == 0, err
    from selbuild.package import bundled_programs
    progs = bundled_programs(load_config(cfg))
    assert set(progs) == {"one_second.selrt", "half_second.selrt"}
    for name, length in [("one_second.selrt", 16000), ("half_second.selrt", 8000)]:
        pcm = RNG.uniform(-1, 1, (1, length)).astype(np.float32)
        ours = verify.run_program(runtime, progs[name], {"pcm": pcm})
        assert all(c.ok for c in verify.compare_float(ours, _litert(audio_model(), {"pcm": pcm})))
    # `run` on the model itself must be told which of the two shapes.
    code, _, err = _cli(["run", str(cfg), str(tmp_path / "audio.tflite"), "--build-dir", str(tmp_path / "b")],
                        capsys)
    assert code == 2 and "several input shapes" in err and "--input-shape" in err
    code, _, err = _cli(["run", str(cfg), str(tmp_path / "audio.tflite"), "--input-shape", "pcm=1,x"], capsys)
    assert code == 2 and "expected NAME=D0,D1" in err


@pytest.mark.qemu
@pytest.mark.parametrize("target", ["android-arm64", "android-armv7"])
def test_selbuild_run_specialised_under_qemu(target: str, tmp_path: Path, build_root: Path, capsys) -> None:
    (tmp_path / "flat.tflite").write_bytes(flatten_model())
    cfg = tmp_path / "flat.yaml"
    code, _, err = _cli(["config", "init", str(tmp_path / "flat.tflite"), "-o", str(cfg), "--target", target],
                        capsys)
    assert code == 0, err
    x = RNG.normal(size=(5, 4, 4, 3)).astype(np.float32)
    np.savez(tmp_path / "in.npz", x=x)
    code, _, err = _cli(["run", str(cfg), str(tmp_path / "flat.tflite"), "--target", target, "--input-shape",
                         "x=5,4,4,3", "--inputs", str(tmp_path / "in.npz"), "--outputs", str(tmp_path / "out.npz"),
                         "--build-dir", str(build_root)], capsys)
    assert code == 0, err
    with np.load(tmp_path / "out.npz") as z:
        ours = {k: z[k] for k in z.files}
    report = verify.compare_float(ours, _litert(flatten_model(), {"x": x}))
    assert ours["y"].shape == (5, 6) and report and all(c.ok for c in report), report
