"""Shared pytest fixtures. Many test modules add fixtures here: keep each small
and documented.

tests/ is on sys.path (pytest's rootdir-relative import of this conftest), so
test modules import helpers directly: `from tflite_builder import T, Op, build_model`.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
TFLITE_MODELS = TESTS / "models" / "tflite"


def tflite_model_paths() -> list[Path]:
    return sorted(TFLITE_MODELS.glob("*.tflite"))


@pytest.fixture(scope="session")
def build_root(tmp_path_factory) -> Path:
    """One build root for the whole run, shared by every xdist worker (the parent
    of the per-worker basetemp): a config built for a target by one test is only
    an up-to-date check for the next (build_target locks each build dir, so
    workers never build the same dir at once). Treat what is in it as read-only."""
    root = tmp_path_factory.getbasetemp().parent / "selbuild-builds"
    root.mkdir(exist_ok=True)
    return root


@pytest.fixture(scope="session")
def tflite_models() -> list[Path]:
    """Every real .tflite model in tests/models/tflite."""
    return tflite_model_paths()


@pytest.fixture
def litert_interpreter():
    """Factory: litert_interpreter(model_bytes_or_path, ref=False) -> allocated Interpreter.

    ref=True uses LiteRT's reference kernels (deterministic integer arithmetic).
    """
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    def make(model, ref: bool = False):
        kw = {"model_content": model} if isinstance(model, (bytes, bytearray)) else {"model_path": str(model)}
        if ref:
            kw["experimental_op_resolver_type"] = OpResolverType.BUILTIN_REF
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            it = Interpreter(**kw)
        it.allocate_tensors()
        return it

    return make


# In CI every dependency is installed by ./run.sh, so a test that skips because
# a tool is missing means the set-up is broken, not that the check passed.
# The same goes for expected failures. Only skips whose reason starts with
# "not applicable" (a parametrization that has nothing to check) are allowed.
ALLOWED_CI_SKIP = "not applicable"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not (report.skipped and _in_ci()):
        return
    if hasattr(report, "wasxfail"):         # an expected failure is a check that did not pass
        reason = f"xfail: {report.wasxfail}"
        del report.wasxfail
    else:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if not reason.removeprefix("Skipped: ").startswith(ALLOWED_CI_SKIP):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every dependency must be installed: {reason}"


def _in_ci() -> bool:
    import os
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")
