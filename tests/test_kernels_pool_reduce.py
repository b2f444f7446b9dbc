"""Float window and reduction kernels vs LiteRT's reference kernels:
average_pool2d, max_pool2d, mean, sum, reduce_max, reduce_min, reduce_prod, softmax, log_softmax,
l2_normalization.

Pools: SAME with even windows (asymmetric pads; the average counts only
in-bounds cells), windows larger than the image, strides, fused activations.
Reductions: arbitrary axis sets up to rank 6, negative and repeated axes,
keep_dims, reducing everything, innermost dim reduced or kept.
"""

from __future__ import annotations

import numpy as np
import pytest

import harness as H
import tflite_builder as TB


@pytest.fixture(scope="module")
def rt(tmp_path_factory):
    return H.build_runtime(tmp_path_factory.getbasetemp() / "layer_kernels_rt", H.FLOAT_LAYER_KERNELS)


POOL_CASES = [
    # x shape, filter (h, w), strides (h, w), padding, activation
    ([1, 8, 8, 3], (2, 2), (2, 2), "valid", "none"),
    ([1, 7, 9, 5], (2, 2), (1, 1), "same", "none"),
    ([2, 9, 10, 16], (3, 3), (2, 2), "same", "relu"),
    ([1, 5, 6, 4], (4, 3), (3, 2), "same", "relu6"),
    ([1, 3, 3, 17], (5, 5), (1, 1), "same", "relu_n1_to_1"),    # window larger than the image
    ([1, 1, 50, 2], (1, 4), (1, 4), "valid", "none"),            # 1-D pooling
    ([1, 6, 6, 9], (6, 6), (1, 1), "valid", "none"),             # global pool
]


@pytest.mark.parametrize("op", ["AVERAGE_POOL_2D", "MAX_POOL_2D"])
@pytest.mark.parametrize("xs,f,s,pad,act", POOL_CASES)
def test_pool(rt, op, xs, f, s, pad, act):
    opts = dict(padding=pad, filter_height=f[0], filter_width=f[1], stride_h=s[0], stride_w=s[1],
                activation=act)
    H.check(rt, TB.float_model(op, xs, [], opts), {"x": H.rnd(xs, scale=2.0)})


REDUCE_CASES = [
    # x shape, axes, keep_dims
    ([1, 3, 3, 16], [1, 2], False),            # MobileNet's global average
    ([1, 3, 3, 16], [1, 2], True),
    ([4, 7], [1], False),                      # innermost reduced
    ([4, 7], [0], True),                       # innermost kept
    ([4, 7], [-1], True),                      # negative axis
    ([2, 3, 4], [0, -1, 0], False),            # repeated (after normalization) axes
    ([2, 3, 4], [0, 1, 2], False),             # everything -> scalar
    ([2, 3, 4], [0, 1, 2], True),
    ([2, 3, 4, 5, 2], [1, 3], False),
    ([2, 1, 3, 2, 4, 3], [0, 2, 5], True),     # rank 6
    ([2, 1, 3, 2, 4, 3], [1, 4], False),
    ([5], [0], False),
    ([3, 1000], [1], False),                   # long rows
]


@pytest.mark.parametrize("op", ["MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_PROD"])
@pytest.mark.parametrize("xs,axes,keep", REDUCE_CASES)
def test_reduce(rt, op, xs, axes, keep):
    m = TB.float_model(op, xs, [("axes", np.array(axes, np.int32), "i32")], dict(keep_dims=keep))
    H.check(rt, m, {"x": H.rnd(xs)})


@pytest.mark.parametrize("xs,beta", [([1, 10], 1.0), ([3, 7], 0.5), ([2, 3, 1001], 1.0), ([4, 1], 2.0),
                                     ([2, 2, 2, 5], 1.5)])
def test_softmax(rt, xs, beta):
    H.check(rt, TB.float_model("SOFTMAX", xs, [], dict(beta=beta)), {"x": H.rnd(xs, scale=4.0)})


def test_softmax_large_inputs(rt):
    """Inputs far beyond exp's range: the max shift keeps the result finite."""
    x = np.array([[1000.0, 999.0, -1000.0, 998.5]], np.float32)
    H.check(rt, TB.float_model("SOFTMAX", x.shape, [], dict(beta=1.0)), {"x": x})


@pytest.mark.parametrize("xs", [[1, 10], [3, 7], [2, 3, 129], [4, 1]])
def test_log_softmax(rt, xs):
    H.check(rt, TB.float_model("LOG_SOFTMAX", xs, []), {"x": H.rnd(xs, scale=4.0)})


@pytest.mark.parametrize("xs", [[1, 10], [3, 7], [2, 3, 33], [1, 2, 2, 9]])
def test_l2_normalization(rt, xs):
    H.check(rt, TB.float_model("L2_NORMALIZATION", xs, []), {"x": H.rnd(xs)})


def test_l2_normalization_zero_row(rt):
    """An all-zero row divides by epsilon, not by zero."""
    x = np.zeros([2, 5], np.float32)
    x[1] = [1, 2, 3, 4, 5]
    H.check(rt, TB.float_model("L2_NORMALIZATION", x.shape, []), {"x": x})


@pytest.mark.parametrize("fn,kernel", [("amin", "reduce_min.f32"), ("prod", "reduce_prod.f32")])
def test_torch_reductions_match_torch(rt, fn, kernel):
    torch = pytest.importorskip("torch")
    from selbuild import torch_api, verify
    from selbuild.convert.pipeline import convert

    class M(torch.nn.Module):
        def forward(self, x):
            return getattr(torch, fn)(x, 1, keepdim=True) if fn == "prod" else torch.amin(x, dim=(1, 2))

    x = torch.from_numpy(H.rnd([2, 3, 4, 5]) + 1.0)
    result = convert(torch_api.to_ir(M(), (x,), fn))
    assert kernel in result.kernels, result.kernels
    with torch.no_grad():
        ref = M()(x).numpy()
    (ours,) = verify.run_program(rt, result.program, {"x": x.numpy()}).values()
    np.testing.assert_allclose(ours, ref, rtol=1e-6)
