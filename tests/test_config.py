"""Build configs: init → check round trip, every problem at once, safe writing, CLI."""

from __future__ import annotations

import hashlib
import json
import shutil
import warnings
from pathlib import Path

import pytest
import yaml

from conftest import TFLITE_MODELS
from selbuild import REPO_ROOT
from selbuild import config as C
from selbuild.catalogue import Catalogue, load_catalogue
from selbuild.cli import main
from selbuild.config_write import init_config, render
from selbuild.errors import ConfigError, UsageError
from selbuild.targets import TARGETS

NAMES = {"CONV_2D": "conv2d", "DEPTHWISE_CONV_2D": "depthwise_conv2d",
         "AVERAGE_POOL_2D": "average_pool2d", "MAX_POOL_2D": "max_pool2d"}
NP = {"float32": "f32", "int8": "i8", "int32": "i32", "float16": "f16"}


class AllKernels(Catalogue):
    """A catalogue that has every kernel, except names starting with 'nosuch'."""

    def __contains__(self, name: str) -> bool:
        return not name.startswith("nosuch")


@pytest.fixture
def full_catalogue(monkeypatch):
    # The real ops (frontend names, option fields): only kernel membership is widened,
    # so models convert as they do for real and views derived from ops stay right.
    real = load_catalogue()
    cat = AllKernels(real.kernels, real.ops, real.constants, real.libm_functions)
    monkeypatch.setattr("selbuild.catalogue.load_catalogue", lambda: cat)


@pytest.fixture
def workdir(tmp_path) -> Path:
    (tmp_path / "models").mkdir()
    for n in ("tiny_cnn_f32", "sine_float", "tiny_cnn_f16", "conv1d_audio_int8"):
        shutil.copy(TFLITE_MODELS / f"{n}.tflite", tmp_path / "models")
    return tmp_path


def litert_kernels(path: Path) -> set[str]:
    """Kernels of a model per LiteRT, minus DEQUANTIZE of constants (folded at conversion)."""
    from ai_edge_litert.interpreter import Interpreter
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        it = Interpreter(model_path=str(path))
    consts = {d["index"] for d in it.get_tensor_details()
              if d["index"] not in {i["index"] for i in it.get_input_details()}}
    produced = {o for d in it._get_ops_details() for o in d["outputs"]}
    out = set()
    for d in it._get_ops_details():
        if d["op_name"] == "DEQUANTIZE" and d["inputs"][0] in consts - produced:
            continue
        t = NP[(d["result_types"] if d["op_name"] == "QUANTIZE" else d["operand_types"])[0].__name__]
        out.add(f"{NAMES.get(d['op_name'], d['op_name'].lower())}.{t}")
    return out


def test_init_then_check_round_trip(workdir, full_catalogue):
    models = [workdir / "models" / f"{n}.tflite" for n in ("tiny_cnn_f32", "sine_float", "tiny_cnn_f16")]
    out = workdir / "configs" / "app.yaml"
    init_config(models, out)
    raw = yaml.safe_load(out.read_text())
    assert [m["path"] for m in raw["models"]] == [f"../models/{m.name}" for m in models]
    assert raw["targets"] == ["android-arm64", "android-armv7", "ios-arm64"]
    cfg = C.load_config(out)
    assert [m.path for m in cfg.models] == [m.resolve() for m in models]
    assert [m.sha256 for m in cfg.models] == [hashlib.sha256(m.read_bytes()).hexdigest() for m in models]
    want: dict[str, set[str]] = {}
    for m in models:
        for k in litert_kernels(m):
            want.setdefault(k, set()).add(m.stem)
    assert {k: set(v) for k, v in cfg.ops.items()} == want
    assert "dequantize.f16" not in cfg.ops      # folded: f16 weights need no kernel
    assert C.missing_ops(cfg) == {}


def test_render_quotes_all_digit_sha(tmp_path, full_catalogue):
    cfg = C.BuildConfig(path=tmp_path / "c.yaml", name="x", models=[C.ModelRef(tmp_path / "m.tflite", "1" * 64)],
                        targets=["host"])
    (tmp_path / "c.yaml").write_text(render(cfg))
    got, problems = C.validate(tmp_path / "c.yaml", check_models=False)
    assert problems == [] and got.models[0].sha256 == "1" * 64


def test_render_load_round_trip(tmp_path, full_catalogue, monkeypatch):
    (tmp_path / "rt" / "backends" / "vulkan").mkdir(parents=True)
    monkeypatch.setattr(C, "RUNTIME_SRC", tmp_path / "rt")
    model = tmp_path / "m one.tflite"          # a path that needs quoting
    model.write_bytes(b"x")
    cfg = C.BuildConfig(path=tmp_path / "c.yaml", name="my-app", models=[C.ModelRef(model, "a" * 64, "yes")],
                        targets=["host", "ios-sim-x86_64"], profile="speed", ops={"add.f32": ["yes"]},
                        extra_ops=["relu.f32"], backends=["vulkan"], fallback="none",
                        build=C.BuildOptions("/tmp/cache dir", "ccache", True))
    (tmp_path / "c.yaml").write_text(render(cfg))
    got, problems = C.validate(tmp_path / "c.yaml", check_models=False)
    assert problems == []
    assert got == cfg


def test_check_reports_every_problem_at_once(workdir, full_catalogue):
    sha = hashlib.sha256((workdir / "models" / "sine_float.tflite").read_bytes()).hexdigest()
    (workdir / "bad.yaml").write_text(f"""\
schema_version: 1
name: bad app
colour: blue
models:
  - path: models/tiny_cnn_f32.tflite
    sha256: "{"0" * 64}"
  - path: models/sine_float.tflite
    sha256: {sha}
  - path: models/gone.tflite
    wat: 1
targets: [android-arm64, windows-x64]
profile: fast
ops:
  Conv2D: [tiny_cnn_f32]
  nosuch_op.f32: [tiny_cnn_f32]
  softmax.f32: [tiny_cnn_f32, someone_else]
extra_ops: [nosuch_extra.i8]
build:
  lto: "yes"
  jobs: 4
""")
    cfg, problems = C.validate(workdir / "bad.yaml")
    where = {p for p, _ in problems}
    text = "\n".join(f"{p}: {m}" for p, m in problems)
    expected = ["name", "colour", "models[0].sha256", "models[2].wat", "models[2].path", "targets[1]",
                "profile", "ops.Conv2D", "ops['nosuch_op.f32']", "ops['softmax.f32'][1]",
                "extra_ops[0]", "build.lto", "build.jobs", "ops"]
    for p in expected:
        assert p in where, f"{p} not reported:\n{text}"
    assert "models[1].sha256" not in where       # unchanged model: no problem
    missing = [m for p, m in problems if p == "ops"]
    assert any("conv2d.f32" in m and "tiny_cnn_f32" in m for m in missing)
    assert any("fully_connected.f32" in m and "sine_float" in m for m in missing)
    assert any("(line 3)" in m for p, m in problems if p == "colour")
    with pytest.raises(ConfigError) as e:
        C.load_config(workdir / "bad.yaml")
    assert len(e.value.problems) == len(problems) >= len(expected)


def test_missing_ops_for_the_build(workdir, full_catalogue):
    m = workdir / "models" / "conv1d_audio_int8.tflite"
    cfg = C.BuildConfig(path=workdir / "c.yaml", name="c", models=[C.ModelRef(m)], targets=["host"],
                        ops={"conv2d.i8": ["conv1d_audio_int8"]})
    missing = C.missing_ops(cfg)
    assert missing == {k: ["conv1d_audio_int8"] for k in sorted(litert_kernels(m) - {"conv2d.i8"})}


@pytest.mark.parametrize("text, match", [
    ("name: [unclosed\n", "not valid YAML at line 2"),
    ("a: 1\n b: 2\n", "not valid YAML at line 2"),
    ("\tname: x\n", "not valid YAML"),
])
def test_yaml_syntax_errors(tmp_path, text, match):
    (tmp_path / "c.yaml").write_text(text)
    with pytest.raises(ConfigError, match=match):
        C.load_config(tmp_path / "c.yaml")


@pytest.mark.parametrize("text, where", [("", "(top level)"), ("- a\n- b\n", "(top level)"),
                                          ("name: a\nname: b\n", "name"),
                                          ("schema_version: 2\n", "schema_version"),
                                          ("models: 3\n", "models")])
def test_wrong_shapes_are_problems(tmp_path, text, where, full_catalogue):
    (tmp_path / "c.yaml").write_text(text)
    with pytest.raises(ConfigError) as e:
        C.load_config(tmp_path / "c.yaml")
    assert where in {p for p, _ in e.value.problems}


def test_missing_config_and_directory(tmp_path):
    for p in (tmp_path / "nope.yaml", tmp_path):
        with pytest.raises(ConfigError):
            C.load_config(p)


def test_init_never_overwrites_without_force(workdir):
    out = workdir / "app.yaml"
    out.write_text("# my precious hand-written config\n")
    model = workdir / "models" / "sine_float.tflite"
    with pytest.raises(ConfigError, match="already exists"):
        init_config([model], out)
    assert out.read_text() == "# my precious hand-written config\n"
    init_config([model], out, force=True)
    assert (workdir / "app.yaml.bak").read_text() == "# my precious hand-written config\n"
    assert "fully_connected.f32" in out.read_text()
    assert sorted(p.name for p in workdir.iterdir()) == ["app.yaml", "app.yaml.bak", "models"]


def test_init_rejects_unknown_target_and_bad_models(workdir):
    model = workdir / "models" / "sine_float.tflite"
    with pytest.raises(UsageError, match="unknown target"):
        init_config([model], workdir / "a.yaml", targets=["android-mips"])
    bad = workdir / "models" / "bad.tflite"
    bad.write_bytes(b"nope")
    with pytest.raises(Exception) as e:
        init_config([model, bad], workdir / "b.yaml")
    assert "bad.tflite" in str(e.value)
    assert not (workdir / "a.yaml").exists() and not (workdir / "b.yaml").exists()


def test_schema_enums_match_code():
    schema = json.loads((REPO_ROOT / "configs" / "schema.json").read_text())
    props = schema["properties"]
    assert props["targets"]["items"]["enum"] == list(TARGETS)
    assert props["profile"]["enum"] == list(C.PROFILES)
    assert props["fallback"]["enum"] == list(C.FALLBACKS)
    assert props["build"]["properties"]["compiler_launcher"]["enum"][:-1] == list(C.LAUNCHERS)


@pytest.mark.parametrize("name, model", [("mobilenetv2_f32", "mobilenetv2_a100_224_f32"),
                                         ("mobilenetv2_int8", "mobilenetv2_a100_224_int8"),
                                         ("tiny_cnn_f32", "tiny_cnn_f32")])
def test_example_configs(name, model, full_catalogue):
    path = REPO_ROOT / "configs" / f"{name}.yaml"
    cfg = C.load_config(path)     # all problems but missing catalogue kernels are fatal here
    assert [m.path for m in cfg.models] == [(TFLITE_MODELS / f"{model}.tflite").resolve()]
    assert set(cfg.ops) == litert_kernels(TFLITE_MODELS / f"{model}.tflite")


def run_cli(capsys, *args):
    with pytest.raises(SystemExit) as e:
        main(list(args))
    out, err = capsys.readouterr()
    return e.value.code, out, err


def test_cli_init_and_check(workdir, capsys, full_catalogue):
    out = workdir / "cli.yaml"
    code, stdout, _ = run_cli(capsys, "config", "init", str(workdir / "models" / "sine_float.tflite"),
                              "-o", str(out), "--target", "host", "--profile", "speed")
    assert code == 0 and "wrote" in stdout
    code, stdout, _ = run_cli(capsys, "config", "check", str(out))
    assert code == 0 and ": ok" in stdout
    code, _, err = run_cli(capsys, "config", "init", str(workdir / "models" / "sine_float.tflite"),
                           "-o", str(out))
    assert code == 2 and err.startswith("error: ") and "--force" in err


def test_cli_check_lists_problems_and_exits_2(tmp_path, capsys, full_catalogue):
    (tmp_path / "c.yaml").write_text("schema_version: 1\nname: x\nmodels: []\ntargets: [mars]\nextra: 1\n")
    code, _, err = run_cli(capsys, "config", "check", str(tmp_path / "c.yaml"))
    lines = err.splitlines()
    assert code == 2 and lines[0].startswith("error: ") and "3 problems" in lines[0]
    assert any(line.strip().startswith("targets[0]:") for line in lines)
    assert any(line.strip().startswith("extra:") for line in lines)
    (tmp_path / "d.yaml").write_text("name: [\n")
    code, _, err = run_cli(capsys, "config", "check", str(tmp_path / "d.yaml"))
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err


def test_delegated_model_is_listed_with_reason(tmp_path, full_catalogue):
    from tflite_builder import Op, T, build_model
    p = tmp_path / "flexy.tflite"
    p.write_bytes(build_model(ops=[Op("CUSTOM", ["a"], ["b"], custom_code="FlexErf"), Op("RELU", ["b"], ["c"])],
                              tensors=[T("a", [4]), T("b", [4]), T("c", [4])]))
    init_config([p], tmp_path / "f.yaml")
    text = (tmp_path / "f.yaml").read_text()
    assert "# needs delegate flex:" in text and "FlexErf" in text
    cfg, problems = C.validate(tmp_path / "f.yaml")
    assert cfg.ops == {"relu.f32": ["flexy"]}
    assert [w for w, m in problems if "delegate flex" in m] == ["models[0]"]
    assert [m.split(" (line")[0] for w, m in problems if m.startswith("no selbuild kernel")] == \
        ["no selbuild kernel for: FlexErf"]
    assert [w for w, m in problems] == ["models[0]", "models[0]"]
