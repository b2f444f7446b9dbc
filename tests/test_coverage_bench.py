"""bench/coverage.py: the LiteRT resolver probe and the per-dtype coverage it reports."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from selbuild import opmaps

_spec = importlib.util.spec_from_file_location("coverage_bench", Path(__file__).parent.parent / "bench" / "coverage.py")
cov = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cov)


@pytest.fixture(scope="module")
def rep():
    return cov.report(cov.probe())


def test_probe_tells_registered_from_unregistered_builtins():
    assert cov._registered(3, 1, False)                  # CONV_2D v1
    assert not cov._registered(29, 1, False)             # CONCAT_EMBEDDINGS: in the schema, no kernel
    assert not cov._registered(3, 12, False)             # CONV_2D has no version 12


def test_report_counts_and_names(rep):
    rows = rep["builtins"]
    assert rows["BROADCAST_TO"]["versions"][0] == 2      # registered from version 2 only
    assert "LSTM" in rep["excluded"]["recurrent (issue 13)"]
    # every builtin the descriptor maps is one LiteRT's resolver runs (a misspelt builtin would not be)
    assert set(opmaps.tflite_ops()) <= set(rows)
    scope = [n for n, r in rows.items() if r["category"] == "ops"]
    assert rep["in_scope_builtins"] == len(scope)
    assert rep["covered_per_dtype"]["f32"] == sum(1 for n in scope if "f32" in rows[n]["ours"])
    assert set(rep["missing"]) == {n for n in scope if not rows[n]["ours"]}
    assert {"SHAPE", "RANK"} <= set(rep["folded_only"])
