"""The public Python API (selbuild/api.py): selbuild.analyze / build / convert / size
work after a bare `import selbuild`, take paths, have docstrings, and are what the
README lists; the results are the real ones (a host build runs the converted program)."""

from __future__ import annotations

import inspect
import subprocess
import sys

import numpy as np

from selbuild import REPO_ROOT

MODEL = REPO_ROOT / "tests" / "models" / "tflite" / "tiny_cnn_f32.tflite"
CONFIG = REPO_ROOT / "configs" / "tiny_cnn_f32.yaml"
NAMES = ("analyze", "build", "convert", "size")


def test_names_are_callable_with_docstrings_and_listed_in_readme() -> None:
    import selbuild
    from selbuild import api
    readme = (REPO_ROOT / "README.md").read_text()
    for name in NAMES:
        fn = getattr(selbuild, name)
        assert callable(fn), name
        doc = inspect.getdoc(getattr(api, name))
        assert doc and len(doc.splitlines()) >= 3, name
        # inspect sees the real parameters through the callable module
        assert inspect.signature(fn) == inspect.signature(getattr(api, name)), name
        assert f"selbuild.{name}(" in readme, name
    # importing a submodule the usual way keeps it callable
    import selbuild.build as build_module
    assert callable(build_module) and build_module.build_target


def test_bare_import_is_cheap_and_lazy() -> None:
    code = ("import sys, selbuild; assert 'selbuild.build' not in sys.modules; "
            "f = selbuild.analyze; assert 'selbuild.analyze' in sys.modules; print(callable(f))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "True", r.stderr


def test_end_to_end_from_paths(build_root) -> None:
    import selbuild
    from selbuild.config import load_config
    from selbuild.runtime import Interpreter
    need = selbuild.analyze(MODEL)
    ops = need.to_json()["ops"]
    assert "conv2d.f32" in ops and "softmax.f32" in ops
    cfg = load_config(CONFIG)
    (built,) = selbuild.build(cfg, "host", out_root=build_root)
    assert built.target == "host" and built.library.is_file()
    result = selbuild.convert(MODEL, kernels=cfg.kernels())
    report = selbuild.size(built.library)
    assert sum(r.size for r in report.rows) == built.library.stat().st_size
    assert set(ops) <= {r.name for r in report.rows}
    with Interpreter(result.program, built.manifest) as interp:
        x = np.random.default_rng(0).standard_normal(interp.inputs[0].shape).astype(np.float32)
        interp.set_input(0, x)
        interp.run()
        y = interp.get_output(0)
    assert y.shape == (1, 10) and abs(float(y.sum()) - 1.0) < 1e-4     # softmax


def test_bad_input_is_a_selbuild_error(tmp_path) -> None:
    import pytest
    import selbuild
    from selbuild.errors import SelbuildError
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"nope")
    for call in (lambda: selbuild.analyze(bad), lambda: selbuild.convert(bad),
                 lambda: selbuild.build(tmp_path / "missing.yaml", "host"), lambda: selbuild.size(bad)):
        with pytest.raises(SelbuildError):
            call()
