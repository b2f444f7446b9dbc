"""Float elementwise kernels vs LiteRT (reference kernels): binary ops
with broadcasting and fused activations, unary math, activations, prelu."""

from __future__ import annotations

import numpy as np
import pytest

import harness as H
from tflite_builder import Op, T, build_model


rt = H.runtime_fixture(H.FLOAT_ELEMENTWISE_KERNELS)


def rnd(shape, seed=0, lo=-3.0, hi=3.0):
    return np.random.default_rng(seed).uniform(lo, hi, shape).astype(np.float32)


def binary_model(op, sa, sb, so, options=None, b_const=None):
    tb = T("b", sb, data=b_const)
    return build_model(ops=[Op(op, ["a", "b"], ["y"], options=options)],
                       tensors=[T("a", sa), tb, T("y", so)])


BINARY = ["SUB", "MUL", "DIV", "MAXIMUM", "MINIMUM", "SQUARED_DIFFERENCE"]
SHAPES = [
    ([2, 3, 4, 5], [5], [2, 3, 4, 5]),           # rank 4 with rank 1
    ([5], [2, 3, 4, 5], [2, 3, 4, 5]),
    ([2, 1, 4, 1], [1, 3, 1, 5], [2, 3, 4, 5]),  # both broadcast
    ([], [3, 2], [3, 2]),                         # scalar
    ([3, 2], [], [3, 2]),
]


@pytest.mark.parametrize("op", BINARY)
@pytest.mark.parametrize("sa,sb,so", SHAPES)
def test_binary_broadcast(rt, op, sa, sb, so):
    a, b = rnd(sa, 1), rnd(sb, 2)
    if op == "DIV":
        b = np.where(np.abs(b) < 0.1, 0.5, b).astype(np.float32)
    H.check(rt, binary_model(op, sa, sb, so), {"a": a, "b": b})


@pytest.mark.parametrize("op", ["SUB", "MUL", "MAXIMUM", "MINIMUM"])
def test_binary_rank5_and_rank6(rt, op):
    for sa, sb, so in [([2, 1, 3, 1, 2], [3, 4, 1], [2, 1, 3, 4, 2]),
                       ([2, 1, 2, 1, 2, 3], [2, 1, 2, 1], [2, 1, 2, 2, 2, 3])]:
        so = list(np.broadcast_shapes(tuple(sa), tuple(sb)))
        H.check(rt, binary_model(op, sa, sb, so), {"a": rnd(sa, 3), "b": rnd(sb, 4)})


@pytest.mark.parametrize("op", ["SUB", "MUL", "DIV"])
@pytest.mark.parametrize("act", ["relu", "relu6", "relu_n1_to_1"])
def test_binary_fused_activation(rt, op, act):
    sa, sb = [2, 3, 4], [4]
    b = np.array([0.5, -2.0, 1.5, -0.25], np.float32)
    H.check(rt, binary_model(op, sa, sb, sa, {"activation": act}, b_const=b), {"a": rnd(sa, 5)})


@pytest.mark.parametrize("op,fn", [("RSQRT", None), ("SQRT", None), ("EXP", None), ("LOG", None),
                                   ("ABS", None), ("NEG", None)])
def test_unary(rt, op, fn):
    shape = [2, 3, 7]
    x = rnd(shape, 7, 0.01, 4.0) if op in ("RSQRT", "SQRT", "LOG") else rnd(shape, 7, -5, 5)
    m = build_model(ops=[Op(op, ["x"], ["y"])], tensors=[T("x", shape), T("y", shape)])
    H.check(rt, m, {"x": x})


ACTS = [("RELU", None), ("RELU6", None), ("RELU_N1_TO_1", None), ("ELU", None), ("HARD_SWISH", None),
        ("LOGISTIC", None), ("TANH", None), ("LEAKY_RELU", {"alpha": 0.2}), ("LEAKY_RELU", {"alpha": -1.5}),
        ("GELU", {"approximate": False}), ("GELU", {"approximate": True})]


@pytest.mark.parametrize("op,opts", ACTS)
def test_activations(rt, op, opts):
    shape = [1, 4, 5, 6]
    x = rnd(shape, 11, -9.0, 9.0)
    # Points where the piecewise definitions switch.
    x.reshape(-1)[:9] = [-3.0, 3.0, 0.0, -0.0, 6.0, -1.0, 1.0, 1e-8, -20.0]
    m = build_model(ops=[Op(op, ["x"], ["y"], options=opts)], tensors=[T("x", shape), T("y", shape)])
    H.check(rt, m, {"x": x})


@pytest.mark.parametrize("sx,sa", [([1, 4, 4, 3], [3]), ([1, 4, 4, 3], [1, 1, 3]), ([2, 3, 4], [3, 4]),
                                   ([2, 5], [2, 5])])
def test_prelu_alpha_broadcast(rt, sx, sa):
    alpha = rnd(sa, 12, -1.0, 1.0)
    m = build_model(ops=[Op("PRELU", ["x", "alpha"], ["y"])],
                    tensors=[T("x", sx), T("alpha", sa, data=alpha), T("y", sx)])
    H.check(rt, m, {"x": rnd(sx, 13)})


def test_unsupported_fused_activation_fails_at_conversion():
    from selbuild.errors import UnsupportedError
    m = binary_model("MUL", [2, 2], [2, 2], [2, 2], {"activation": "tanh"})
    with pytest.raises(UnsupportedError, match="tanh"):
        H.convert_bytes(m)


def test_chain_of_elementwise_ops(rt):
    # Several kernels in one program: checks the arena planning between them.
    s = [1, 3, 4, 2]
    ops = [Op("MUL", ["x", "x"], ["t0"]), Op("TANH", ["t0"], ["t1"]), Op("SUB", ["t1", "x"], ["t2"]),
           Op("MAXIMUM", ["t2", "t0"], ["y"])]
    m = build_model(ops=ops, tensors=[T(n, s) for n in ("x", "t0", "t1", "t2", "y")])
    H.check(rt, m, {"x": rnd(s, 21)})


@pytest.mark.parametrize("op", BINARY)
def test_binary_infinities_and_huge_values(rt, op):
    # No fused activation: SUB/MUL/DIV clamp to +-FLT_MAX as TFLite does; the
    # others have no activation in TFLite and pass infinities through.
    a = np.array([np.inf, -np.inf, 3e38, -3e38, 1.0, 2.0, np.inf, 0.5], np.float32)
    b = np.array([1.0, 2.0, -3e38, 3e38, np.inf, -np.inf, -np.inf, 1e-38], np.float32)
    H.check(rt, binary_model(op, [8], [8], [8]), {"a": a, "b": b})


SPECIALS = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 3e38, -3e38, 1e-40, -1e-40, 88.8, -88.8, 100.0, -100.0],
                    np.float32)


@pytest.mark.parametrize("op,opts", [(o, None) for o in ("RSQRT", "SQRT", "EXP", "LOG", "ABS", "NEG")] + ACTS)
def test_special_values(rt, op, opts):
    m = build_model(ops=[Op(op, ["x"], ["y"], options=opts)], tensors=[T("x", [SPECIALS.size]), T("y", [SPECIALS.size])])
    H.check(rt, m, {"x": SPECIALS})
