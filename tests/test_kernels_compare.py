"""Comparison ops (equal, not_equal, less, less_equal, greater, greater_equal)
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
