"""The Python side is layered without cycles (scripts/import_graph.py reads
the imports from the source, lazy ones inside functions included), the
backend contract is a leaf, reading a .pte needs no torch, and a command
reads and parses each model file once."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from selbuild import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import import_graph as ig  # noqa: E402

# Top to bottom: a module may import its own layer and the layers below it,
# never one above, not even through a chain of other modules. Modules not
# listed (size/, codegen, build_plan, ...) are free, but a chain through them
# from a lower layer to a higher one still counts.
LAYERS: list[tuple[str, ...]] = [
    ("selbuild.__main__", "selbuild.cli", "selbuild.commands"),
    ("selbuild.package", "selbuild.config_write", "selbuild.api"),
    ("selbuild.analyze", "selbuild.build", "selbuild.torch_api"),
    ("selbuild.support",),
    ("selbuild.config",),
    ("selbuild.planning",),          # one analysis per model; what a config needs
    ("selbuild.convert",),
    ("selbuild.backends",),          # registry + backends; contract is backends.contract
    ("selbuild.frontends",),
    ("selbuild.ir", "selbuild.opmaps", "selbuild.catalogue", "selbuild.inputs", "selbuild.errors"),
]


def _in(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def layer_violations(g: dict[str, set[str]], layers: list[tuple[str, ...]]) -> list[str]:
    """"low -> ... -> high" for each module that reaches a module of a higher layer."""
    out = []
    for i, high in enumerate(layers):
        for low in layers[i + 1:]:
            for mod in sorted(m for m in g if _in(m, low)):
                for target in sorted(m for m in g if _in(m, high)):
                    chain = ig.path(g, mod, target)
                    if chain:
                        out.append(" -> ".join(chain))
                        break
    return out


GRAPH = ig.graph()


def test_no_import_cycle_under_selbuild():
    found = ig.cycles(GRAPH)
    assert not found, "import cycles:\n" + "\n".join(
        ", ".join(c) + "\n    " + "\n    ".join(f"{v} -> {sorted(w for w in GRAPH[v] if w in c)}" for v in c)
        for c in found)


def test_layer_order():
    bad = layer_violations(GRAPH, LAYERS)
    assert not bad, "a lower layer imports a higher one:\n  " + "\n  ".join(bad)


def test_every_layer_names_real_modules():
    for layer in LAYERS:
        for prefix in layer:
            assert any(_in(m, (prefix,)) for m in GRAPH), f"{prefix} is not a module under selbuild/"


def _package(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / "selbuild" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    return root


def test_the_checker_sees_lazy_and_relative_imports_and_skips_type_checking(tmp_path):
    root = _package(tmp_path, {
        "__init__.py": "",
        "low.py": "def f():\n    from selbuild import high   # lazy: still an edge\n",
        "high.py": "from .low import f\n",
        "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from selbuild import b\n",
        "b.py": "import selbuild.a\n",
        "pkg/__init__.py": "from . import mod\n",
        "pkg/mod.py": "from .. import low\n",
    })
    g = ig.graph(root)
    assert g["selbuild.low"] == {"selbuild.high"}
    assert g["selbuild.high"] == {"selbuild.low"}
    assert g["selbuild.a"] == set()                       # TYPE_CHECKING never runs
    assert g["selbuild.pkg"] == {"selbuild.pkg.mod"}
    assert g["selbuild.pkg.mod"] == {"selbuild.low"}
    assert ig.cycles(g) == [["selbuild.high", "selbuild.low"]]
    assert layer_violations(g, [("selbuild.high",), ("selbuild.pkg",)]) == \
        ["selbuild.pkg -> selbuild.pkg.mod -> selbuild.low -> selbuild.high",
         "selbuild.pkg.mod -> selbuild.low -> selbuild.high"]


def test_backend_contract_is_a_leaf_and_every_backend_meets_it():
    from selbuild import backends
    from selbuild.backends import contract

    assert GRAPH["selbuild.backends.contract"] == set()
    for name in backends.available():
        b = backends.get(name)
        assert isinstance(b, contract.Backend), name
        assert b.name == name
        # an optional hook is either absent or has the declared form
        for hook, proto in contract.OPTIONAL_HOOKS.items():
            assert not hasattr(b, hook) or isinstance(b, proto), f"{name}.{hook}"
    assert isinstance(backends.get("vulkan"), contract.Fits)
    assert not isinstance(backends.get("nnapi"), contract.Fits)
    assert isinstance(backends.get("nnapi"), contract.Configurable)


HIDE_TORCH = """
import sys
class Hide:
    # torch absent exactly as on a machine without it: no finder finds it
    def __init__(self, f): self.f = f
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            return None
        return self.f.find_spec(name, path, target) if hasattr(self.f, "find_spec") else None
    def __getattr__(self, a): return getattr(self.f, a)
sys.meta_path[:] = [Hide(f) for f in sys.meta_path]
try:
    import torch
    raise SystemExit("torch still importable")
except ModuleNotFoundError:
    pass
"""


def test_reading_a_pte_needs_no_torch(tmp_path):
    pte = sorted((REPO_ROOT / "tests" / "models" / "pte").glob("*.pte"))
    assert pte
    code = HIDE_TORCH + textwrap.dedent(f"""
        import json
        from selbuild.frontends import summarize
        from selbuild.analyze import analyze
        out = {{}}
        for p in {[str(p) for p in pte]!r}:
            s = summarize(p)
            out[p] = [o.source_op for o in s.ops]
        analyze({[str(p) for p in pte]!r})
        out["torch_loaded"] = "torch" in sys.modules
        print(json.dumps(out))
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                       env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got.pop("torch_loaded") is False
    expected = json.loads((REPO_ROOT / "tests" / "models" / "pte" / "expected.json").read_text())
    for p in pte:
        want = {op for plan in expected[p.name]["plans"] for op in plan["operators"]}
        assert set(got[str(p)]) == want, p.name


# ------------------------------------------------------------------ read once


@pytest.fixture
def parse_counts(monkeypatch):
    """Every frontend's summarize and load, counted per file."""
    import importlib
    from collections import Counter

    from selbuild import frontends

    counts: Counter = Counter()
    for module in sorted(set(frontends.FRONTENDS.values())):
        mod = importlib.import_module(module)
        for fn in ("summarize", "load"):
            real = getattr(mod, fn)

            def counted(path, *a, _real=real, _fn=fn, **kw):
                counts[(_fn, Path(path).resolve().name)] += 1
                return _real(path, *a, **kw)
            monkeypatch.setattr(mod, fn, counted)
    return counts


def _main(argv: list[str]) -> int:
    from selbuild.cli import main
    try:
        main(argv)
    except SystemExit as e:
        return int(e.code or 0)
    return 0


MODELS = REPO_ROOT / "tests" / "models" / "tflite"


def test_a_command_reads_each_model_once(tmp_path, parse_counts):
    models = [MODELS / f"{n}.tflite" for n in ("tiny_cnn_f32", "sine_float", "tiny_cnn_f16")]
    cfg = tmp_path / "app.yaml"
    assert _main(["config", "init", *map(str, models), "-o", str(cfg)]) == 0
    assert parse_counts and max(parse_counts.values()) == 1, parse_counts
    for argv in (["config", "check", str(cfg)],
                 ["convert", str(models[0]), "--config", str(cfg), "-o", str(tmp_path / "a.selrt")],
                 ["analyze", "--json", *map(str, models)]):
        parse_counts.clear()
        assert _main(argv) == 0, argv
        assert parse_counts and max(parse_counts.values()) == 1, (argv, parse_counts)
    # the config check reads every model: summary and IR once each
    parse_counts.clear()
    _main(["config", "check", str(cfg)])
    assert set(parse_counts) == {(fn, m.name) for m in models for fn in ("summarize", "load")}


def test_the_build_checks_read_each_model_once(tmp_path, parse_counts):
    """What `selbuild build` does before compiling: load and validate the
    config, then the missing ops, delegate problems and, under
    `fallback: none`, the CPU kernels (a conversion per model)."""
    from selbuild import build, planning
    from selbuild.config import load_config

    models = [MODELS / f"{n}.tflite" for n in ("tiny_cnn_f32", "sine_float")]
    cfg = tmp_path / "app.yaml"
    assert _main(["config", "init", *map(str, models), "-o", str(cfg)]) == 0
    text = cfg.read_text()
    assert "\nbackends: []\n" in text and "\nfallback: cpu\n" in text
    cfg.write_text(text.replace("\nbackends: []\n", "\nbackends: [vulkan]\n")
                   .replace("\nfallback: cpu\n", "\nfallback: none\n"))
    parse_counts.clear()
    with planning.command_scope():
        config = load_config(cfg)
        assert config.fallback == "none" and config.backends == ["vulkan"]
        build.check_config(config)
        assert set(build._cpu_kernels(config)) <= set(config.kernels())   # converts every model
    assert set(parse_counts) == {(fn, m.name) for m in models for fn in ("summarize", "load")}
    assert max(parse_counts.values()) == 1, parse_counts


def test_the_cache_lives_for_one_command_only(tmp_path, parse_counts):
    from selbuild import planning

    model = MODELS / "sine_float.tflite"
    with planning.command_scope():
        a = planning.analysis(model)
        assert planning.analysis(model) is a
        a.summary, a.kernels, a.summary, a.kernels
    assert planning.analysis(model) is not a                    # outside a scope: nothing kept
    assert parse_counts == {("summarize", model.name): 1, ("load", model.name): 1}
    copy = tmp_path / "sine_float.tflite"
    copy.write_bytes(model.read_bytes())
    with planning.command_scope():
        first = planning.analysis(copy)
        copy.write_bytes(model.read_bytes()[:-1] + b"\0")       # other bytes: another analysis
        assert planning.analysis(copy) is not first


def test_a_catalogue_mistake_is_an_internal_error(monkeypatch, capsys):
    """kernels.yaml is selbuild's own file: a mistake in it is exit 3 with
    `internal error:`, never an `error:` blamed on the user's model."""
    from selbuild import catalogue

    def broken():
        return catalogue.parse_catalogue("schema_version: 1\nkernels:\n  x.f32:\n    colour: red\n")
    monkeypatch.setattr(catalogue, "load_catalogue", broken)
    code = _main(["analyze", str(MODELS / "sine_float.tflite")])
    err = capsys.readouterr().err
    assert code == 3, err
    assert err.startswith("internal error:"), err
    assert "error: " not in err.replace("internal error: ", "")


# ------------------------------------------------------------------ validate once


def test_config_check_and_build_use_one_validator(tmp_path, capsys):
    """The build's pre-compile check is the config validator: the same words
    for the same problem, and every problem at once (a missing op and a
    delegate no backend stands in for)."""
    from tflite_builder import Op, T, build_model

    from selbuild.build import build_target
    from selbuild.config import load_config
    from selbuild.errors import ConfigError

    model = tmp_path / "flexy.tflite"
    model.write_bytes(build_model(ops=[Op("CUSTOM", ["a"], ["b"], custom_code="FlexErf"), Op("RELU", ["b"], ["c"])],
                                  tensors=[T("a", [4]), T("b", [4]), T("c", [4])]))
    cfg = tmp_path / "flexy.yaml"
    assert _main(["config", "init", str(model), "-o", str(cfg), "--target", "host"]) in (0, 1)
    text = cfg.read_text()
    assert "  relu.f32: [flexy]\n" in text
    cfg.write_text(text.replace("  relu.f32: [flexy]\n", "  add.f32: []\n"))
    capsys.readouterr()
    assert _main(["config", "check", str(cfg)]) == 2
    checked = capsys.readouterr().err
    with pytest.raises(ConfigError) as e:
        build_target(load_config(cfg, check_models=False), "host", out_root=tmp_path / "b")
    got = [msg for _, msg in e.value.problems]
    assert any("missing relu.f32 (needed by flexy)" in m for m in got), got
    flex = "Select TF ops are not supported; the model needs FlexErf"
    assert any(flex in m for m in got), got
    assert "missing relu.f32 (needed by flexy)" in checked and flex in checked, checked


def test_run_reads_the_model_once(tmp_path, parse_counts, build_root):
    """`selbuild run`: the config check, the build's checks and the conversion share one read."""
    model = MODELS / "sine_float.tflite"
    cfg = tmp_path / "sine.yaml"
    assert _main(["config", "init", str(model), "-o", str(cfg), "--target", "host"]) == 0
    parse_counts.clear()
    assert _main(["run", str(cfg), str(model), "--build-dir", str(build_root)]) == 0
    assert parse_counts == {("summarize", model.name): 1, ("load", model.name): 1}, parse_counts
