"""Load-time checks of the float elementwise kernels against hostile params.

The lowering is swapped for one that returns tampered params, so the program
bytes are well-formed but lie; the runtime (built with ASan/UBSan) must either
reject the program at load or run it without touching memory out of bounds.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import harness as H
from selbuild.convert import registry
from selbuild.errors import RunError
from tflite_builder import Op, T, build_model

REJECTED = "rejects its shapes or parameters"


rt = H.runtime_fixture(H.FLOAT_ELEMENTWISE_KERNELS)


def tamper(monkeypatch, op, edit):
    # Hooks are registered under (op, dtype); these float hooks use dtype None.
    orig = registry.lower_fn(op, "f32")

    def lowered(g, n):
        low = orig(g, n)
        edit(low)
        return low
    monkeypatch.setitem(registry._LOWERS, (op, None), lowered)
    monkeypatch.delitem(registry._LOWERS, (op, n_dtype(op)), raising=False)


def n_dtype(op):
    return "i8" if op == "quantize" else "f32"


def expect_rejected(rt, model, inputs):
    with pytest.raises(RunError, match=REJECTED):
        H.run_ours(rt, model, inputs)


def i32(v):
    return np.asarray(v, np.int32)


def transpose_model():
    return build_model(ops=[Op("TRANSPOSE", ["x", "p"], ["y"])],
                       tensors=[T("x", [2, 3]), T("p", [2], "i32", data=i32([1, 0])), T("y", [3, 2])])


X23 = {"x": np.arange(6, dtype=np.float32).reshape(2, 3)}


@pytest.mark.parametrize("edit", [
    lambda p: p.update(offset=1), lambda p: p.update(offset=-1), lambda p: p.update(strides0=2),
    lambda p: p.update(strides1=-3), lambda p: p.update(dims0=4), lambda p: p.update(rank=7),
    lambda p: p.update(rank=-1), lambda p: p.update(dims0=-3, dims1=-2), lambda p: p.update(strides0=2**31 - 1),
])
def test_strided_view_rejects(rt, monkeypatch, edit):
    tamper(monkeypatch, "transpose", lambda low: edit(low.iparams))
    expect_rejected(rt, transpose_model(), X23)


@st.composite
def views(draw):
    """A random view onto a 30-element input producing 30 elements."""
    factors = draw(st.permutations([2, 3, 5]))
    cut = draw(st.lists(st.booleans(), min_size=2, max_size=2))
    dims, cur = [], factors[0]
    for f, c in zip(factors[1:], cut):
        if c:
            dims.append(cur)
            cur = f
        else:
            cur *= f
    dims.append(cur)
    strides = [draw(st.integers(-12, 12)) for _ in dims]
    return dims, strides, draw(st.integers(-5, 35))


@settings(max_examples=40, deadline=None)
@given(views())
def test_strided_view_fuzz(rt, view):
    # Accepted exactly when every read is inside the input; then equal to the emulation.
    dims, strides, offset = view
    reads = [offset + sum(i * s for i, s in zip(idx, strides)) for idx in itertools.product(*map(range, dims))]
    orig = registry.lower_fn("transpose", "f32")

    def lowered(g, n):
        low = orig(g, n)
        low.iparams.update(rank=len(dims), offset=offset)
        for k in range(6):
            low.iparams[f"dims{k}"] = dims[k] if k < len(dims) else 1
            low.iparams[f"strides{k}"] = strides[k] if k < len(dims) else 0
        return low
    registry._LOWERS[("transpose", None)] = lowered
    try:
        m = build_model(ops=[Op("TRANSPOSE", ["x", "p"], ["y"])],
                        tensors=[T("x", [30]), T("p", [1], "i32", data=i32([0])), T("y", [30])])
        x = np.arange(30, dtype=np.float32)
        if all(0 <= r < 30 for r in reads):
            np.testing.assert_array_equal(H.run_ours(rt, m, {"x": x})["y"], x[reads])
        else:
            with pytest.raises(RunError, match=REJECTED):
                H.run_ours(rt, m, {"x": x})
    finally:
        registry._LOWERS[("transpose", None)] = orig


def concat_model():
    return build_model(ops=[Op("CONCATENATION", ["a", "b"], ["y"], options={"axis": 1})],
                       tensors=[T("a", [2, 3]), T("b", [2, 2]), T("y", [2, 5])])


@pytest.mark.parametrize("outer", [0, -1, 3, 4])
def test_chunks_reject_bad_outer(rt, monkeypatch, outer):
    tamper(monkeypatch, "concatenation", lambda low: low.iparams.update(outer=outer))
    expect_rejected(rt, concat_model(), {"a": np.ones((2, 3), np.float32), "b": np.ones((2, 2), np.float32)})


def test_split_rejects_missing_output(rt, monkeypatch):
    tamper(monkeypatch, "split", lambda low: low.outputs.pop())
    m = build_model(ops=[Op("SPLIT", ["ax", "x"], ["y0", "y1"], options={"num_splits": 2})],
                    tensors=[T("ax", [], "i32", data=i32(0)), T("x", [4, 2]), T("y0", [2, 2]), T("y1", [2, 2])])
    with pytest.raises(RunError):
        H.run_ours(rt, m, {"x": np.ones((4, 2), np.float32)})


@pytest.mark.parametrize("edit", [dict(axis_size=6), dict(inner=4), dict(batch=2), dict(n_indices=4),
                                  dict(outer=0), dict(axis_size=-5), dict(inner=2**30, axis_size=2**30)])
def test_gather_rejects(rt, monkeypatch, edit):
    tamper(monkeypatch, "gather", lambda low: low.iparams.update(edit))
    m = build_model(ops=[Op("GATHER", ["p", "i"], ["y"], options={"axis": 0})],
                    tensors=[T("p", [5, 3]), T("i", [3], "i32"), T("y", [3, 3])])
    expect_rejected(rt, m, {"p": np.ones((5, 3), np.float32), "i": i32([0, 1, 2])})


@pytest.mark.parametrize("kernel_edit", [("quantize", dict(zero_point=128), {}), ("quantize", {}, dict(scale=0.0)),
                                         ("quantize", {}, dict(scale=float("nan"))),
                                         ("quantize", {}, dict(scale=float("inf")))])
def test_quantize_rejects(rt, monkeypatch, kernel_edit):
    op, ip, fp = kernel_edit
    tamper(monkeypatch, op, lambda low: (low.iparams.update(ip), low.fparams.update(fp)))
    m = build_model(ops=[Op("QUANTIZE", ["x"], ["y"])],
                    tensors=[T("x", [4]), T("y", [4], "i8", scale=0.1, zero_point=0)])
    expect_rejected(rt, m, {"x": np.ones(4, np.float32)})


@pytest.mark.parametrize("ip,fp", [(dict(zero_point=128), {}), (dict(zero_point=-129), {}), ({}, dict(scale=0.0)),
                                   ({}, dict(scale=-0.5)), ({}, dict(scale=float("nan"))),
                                   ({}, dict(scale=float("inf")))])
def test_dequantize_rejects(rt, monkeypatch, ip, fp):
    tamper(monkeypatch, "dequantize", lambda low: (low.iparams.update(ip), low.fparams.update(fp)))
    m = build_model(ops=[Op("DEQUANTIZE", ["x"], ["y"])],
                    tensors=[T("x", [4], "i8", scale=0.1, zero_point=3), T("y", [4])])
    expect_rejected(rt, m, {"x": np.ones(4, np.int8)})


def test_binary_rejects_out_of_range_strides(rt, monkeypatch):
    tamper(monkeypatch, "mul", lambda low: low.iparams.update(b_strides0=1))
    m = build_model(ops=[Op("MUL", ["a", "b"], ["y"])], tensors=[T("a", [2, 3]), T("b", [3]), T("y", [2, 3])])
    expect_rejected(rt, m, {"a": np.ones((2, 3), np.float32), "b": np.ones(3, np.float32)})
