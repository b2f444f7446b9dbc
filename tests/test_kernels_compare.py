"""Comparison ops (equal, not_equal, less, less_equal, greater, greater_equal)
and logical and/or/not, and select_v2
in float32 and int32: TFLite models against LiteRT, bool outputs exact, with
numpy broadcasting (scalar, row, column and rank-4 cases), NaN, signed zeros,
infinities and int32 extremes."""

from __future__ import annotations

import numpy as np
import pytest

import harness as H
from selbuild.catalogue import load_catalogue
from selbuild.convert import read_program
from tflite_builder import Op, T, build_model

OPS = {"equal": "EQUAL", "not_equal": "NOT_EQUAL", "less": "LESS", "less_equal": "LESS_EQUAL",
       "greater": "GREATER", "greater_equal": "GREATER_EQUAL"}
KERNELS = sorted(k for k in load_catalogue().names() if k.split(".")[0] in OPS)
rt = H.runtime_fixture(KERNELS)
SHAPES = [([7], [7]), ([2, 3], [3]), ([4, 1], [1, 5]), ([], [2, 2]), ([2, 1, 3, 1], [1, 4, 1, 2])]


def _values(shape, dtype, seed):
    r = np.random.default_rng(seed)
    if dtype == "f32":
        x = r.integers(-3, 4, shape).astype(np.float32) / 2        # many exact ties
        special = [np.nan, 0.0, -0.0, np.inf, -np.inf, 1e-45]
    else:
        x = r.integers(-3, 4, shape).astype(np.int32)
        special = [2**31 - 1, -2**31, 0, -1]
    flat = x.reshape(-1)
    flat[:min(len(special), flat.size)] = special[:flat.size]
    return x


@pytest.mark.parametrize("dtype", ["f32", "i32"])
@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("a_shape,b_shape", SHAPES)
def test_comparison_matches_litert(rt, op, dtype, a_shape, b_shape):
    out_shape = list(np.broadcast_shapes(tuple(a_shape), tuple(b_shape)))
    model = build_model(ops=[Op(OPS[op], ["a", "b"], ["y"])],
                        tensors=[T("a", a_shape, dtype), T("b", b_shape, dtype), T("y", out_shape, "bool")])
    ours = H.check(rt, model, {"a": _values(a_shape, dtype, 1), "b": _values(b_shape, dtype, 2)}, exact=True)
    (y,) = ours.values()
    assert y.dtype == np.bool_ and y.shape == tuple(out_shape)
    assert read_program(H.convert_bytes(model)).kernels == [f"{op}.{dtype}"]


LOGICAL = {"logical_and": ("LOGICAL_AND", np.logical_and), "logical_or": ("LOGICAL_OR", np.logical_or)}
rt_logic = H.runtime_fixture(["logical_and.bool", "logical_or.bool", "logical_not.bool"])


@pytest.mark.parametrize("op", sorted(LOGICAL))
@pytest.mark.parametrize("a_shape,b_shape", SHAPES)
def test_logical_binary_matches_litert(rt_logic, op, a_shape, b_shape):
    out_shape = list(np.broadcast_shapes(tuple(a_shape), tuple(b_shape)))
    model = build_model(ops=[Op(LOGICAL[op][0], ["a", "b"], ["y"])],
                        tensors=[T("a", a_shape, "bool"), T("b", b_shape, "bool"), T("y", out_shape, "bool")])
    r = np.random.default_rng(5)
    a, b = r.random(a_shape) < 0.5, r.random(b_shape) < 0.5
    (y,) = H.check(rt_logic, model, {"a": np.asarray(a), "b": np.asarray(b)}, exact=True).values()
    np.testing.assert_array_equal(y, LOGICAL[op][1](a, b))


def test_logical_not_matches_litert(rt_logic):
    model = build_model(ops=[Op("LOGICAL_NOT", ["x"], ["y"])], tensors=[T("x", [3, 5], "bool"), T("y", [3, 5], "bool")])
    x = np.random.default_rng(6).random((3, 5)) < 0.5
    (y,) = H.check(rt_logic, model, {"x": x}, exact=True).values()
    np.testing.assert_array_equal(y, ~x)


rt_select = H.runtime_fixture(["select_v2.f32", "less.f32"])


@pytest.mark.parametrize("c_shape,x_shape,y_shape", [([6], [6], [6]), ([2, 3], [3], [1]), ([4, 1], [1, 5], [4, 5]),
                                                     ([], [2, 2], [2, 1]), ([2, 1, 3], [1, 4, 1], [3])])
def test_select_v2_matches_litert(rt_select, c_shape, x_shape, y_shape):
    out_shape = list(np.broadcast_shapes(tuple(c_shape), tuple(x_shape), tuple(y_shape)))
    model = build_model(ops=[Op("SELECT_V2", ["c", "x", "y"], ["o"])],
                        tensors=[T("c", c_shape, "bool"), T("x", x_shape), T("y", y_shape), T("o", out_shape)])
    r = np.random.default_rng(8)
    c = np.asarray(r.random(c_shape) < 0.5)
    x, y = _values(x_shape, "f32", 3), -_values(y_shape, "f32", 4) - 10
    (o,) = H.check(rt_select, model, {"c": c, "x": x, "y": y}, exact=True).values()
    np.testing.assert_array_equal(o, np.where(c, x, y))


def test_masking_pattern_less_then_select(rt_select):
    """The masking real models do: select_v2(x < limit, x, fill)."""
    model = build_model(ops=[Op("LESS", ["x", "lim"], ["m"]), Op("SELECT_V2", ["m", "x", "fill"], ["y"])],
                        tensors=[T("x", [3, 4]), T("lim", [4], data=np.array([0, 1, 2, 3], np.float32)),
                                 T("m", [3, 4], "bool"), T("fill", [], data=np.array(-1e9, np.float32)), T("y", [3, 4])])
    x = np.random.default_rng(9).uniform(-4, 6, (3, 4)).astype(np.float32)
    H.check(rt_select, model, {"x": x}, exact=True)


rt_torch = H.runtime_fixture(["less.f32", "greater_equal.f32", "equal.f32", "logical_and.bool", "logical_or.bool",
                              "logical_not.bool", "select_v2.f32", "mul.f32"])


def test_torch_masking_matches_torch(rt_torch):
    """torch.export of comparisons, logical ops and where(): the bool-valued ops a
    masked model uses, through aten lt/ge/eq/logical_*/where to the same kernels."""
    torch = pytest.importorskip("torch")
    from selbuild import torch_api, verify
    from selbuild.convert.pipeline import convert

    class Mask(torch.nn.Module):
        def forward(self, x, y):
            keep = torch.logical_or(torch.logical_and(x < y, x >= -1.0), torch.logical_not(x == y))
            return torch.where(keep, x * 2.0, y)

    r = np.random.default_rng(12)
    x = torch.from_numpy(r.integers(-3, 4, (3, 5)).astype(np.float32))
    y = torch.from_numpy(r.integers(-3, 4, (5,)).astype(np.float32))
    result = convert(torch_api.to_ir(Mask(), (x, y), "mask"))
    assert {"less.f32", "greater_equal.f32", "equal.f32", "logical_and.bool", "logical_or.bool",
            "logical_not.bool", "select_v2.f32"} <= set(result.kernels), result.kernels
    with torch.no_grad():
        ref = Mask()(x, y).numpy()
    (ours,) = verify.run_program(rt_torch, result.program, {"x": x.numpy(), "y": y.numpy()}).values()
    np.testing.assert_array_equal(ours, ref)
