"""GEMM-based float kernels vs LiteRT's reference kernels: conv2d,
depthwise_conv2d, transpose_conv, fully_connected, batch_matmul.

Shapes are chosen to hit every code path: the pointwise (1x1) fast path and
the per-row path, SAME padding with even kernels (asymmetric pads), strides,
dilations, border pixels on both sides, channel counts that are and are not
multiples of the 8-wide register tiles, batch > 1, depth multipliers. Each
case runs on a portable and a speed-profile build (other GEMM tiles).
"""

from __future__ import annotations

import numpy as np
import pytest

import harness as H
import tflite_builder as TB


@pytest.fixture(scope="module", params=["portable", "speed", "speed-baseline"])
def rt(request, tmp_path_factory):
    """Every case runs on the portable build and on a speed-profile build
    (8-row GEMM tiles, and the AVX2+FMA variant on x86-64 CPUs that have it);
    speed-baseline is the speed build forced to its SSE2 variants
    (SELRT_SIMD_MASK=0), so both run-time variants are tested on an AVX2 CPU."""
    speed = request.param != "portable"
    mask = 0 if request.param == "speed-baseline" else None
    return H.build_runtime(tmp_path_factory.getbasetemp() / f"layer_kernels_rt_{request.param}", H.FLOAT_LAYER_KERNELS,
                           speed=speed, simd_mask=mask)


CONV_CASES = [
    # x shape, (O, KH, KW), options
    ([1, 7, 9, 3], (5, 3, 3), dict(padding="same", stride_h=2, stride_w=2, activation="relu")),
    ([2, 8, 8, 4], (6, 2, 2), dict(padding="same", stride_h=1, stride_w=1)),
    ([1, 10, 11, 5], (8, 4, 3), dict(padding="same", stride_h=2, stride_w=1, activation="relu6")),
    ([1, 12, 13, 3], (4, 3, 3), dict(padding="same", dilation_h=2, dilation_w=3, stride_h=1, stride_w=1)),
    ([1, 12, 13, 3], (9, 3, 2), dict(padding="valid", dilation_h=3, dilation_w=2, stride_h=2, stride_w=2)),
    ([2, 9, 9, 16], (16, 1, 1), dict(padding="valid", stride_h=1, stride_w=1)),          # pointwise GEMM
    ([1, 6, 5, 24], (13, 1, 1), dict(padding="same", stride_h=1, stride_w=1, activation="relu_n1_to_1")),
    ([1, 9, 9, 8], (16, 1, 1), dict(padding="same", stride_h=2, stride_w=2)),            # strided 1x1
    ([1, 1, 50, 2], (7, 1, 5), dict(padding="same", stride_h=1, stride_w=2)),            # conv1d shape
    ([1, 5, 6, 1], (3, 5, 5), dict(padding="valid", stride_h=1, stride_w=1)),            # kernel = image
    ([1, 4, 4, 2], (3, 4, 4), dict(padding="same", stride_h=3, stride_w=3, activation="relu")),
    ([3, 17, 15, 7], (20, 3, 3), dict(padding="same", stride_h=1, stride_w=1)),
]


@pytest.mark.parametrize("xs,fs,opts", CONV_CASES)
def test_conv2d(rt, xs, fs, opts):
    o, kh, kw = fs
    w, b = H.rnd([o, kh, kw, xs[3]], 1), H.rnd([o], 2)
    m = TB.float_model("CONV_2D", xs, [("w", w, "f32"), ("b", b, "f32")], opts)
    H.check(rt, m, {"x": H.rnd(xs)})


DW_CASES = [
    # x shape, (KH, KW), multiplier, options
    ([1, 9, 9, 8], (3, 3), 1, dict(padding="same", stride_h=1, stride_w=1, activation="relu6")),
    ([1, 10, 11, 19], (3, 3), 1, dict(padding="same", stride_h=2, stride_w=2)),          # 8-blocks + tail
    ([2, 6, 7, 3], (2, 2), 2, dict(padding="same", stride_h=1, stride_w=1)),             # even kernel, M=2
    ([1, 12, 12, 5], (3, 3), 3, dict(padding="valid", stride_h=2, stride_w=1, dilation_h=2, dilation_w=2)),
    ([1, 8, 8, 16], (5, 5), 1, dict(padding="same", stride_h=1, stride_w=1, dilation_h=2, dilation_w=1,
                                      activation="relu")),
    ([1, 1, 40, 4], (1, 7), 2, dict(padding="same", stride_h=1, stride_w=3)),
    ([1, 7, 6, 24], (3, 3), 1, dict(padding="same", stride_h=1, stride_w=1, activation="relu6")),  # 16 + 8
    ([1, 6, 6, 45], (3, 3), 1, dict(padding="valid", stride_h=1, stride_w=2)),                     # 16+16+8+5
    # speed builds: 4 pixels x 8 channels where 4 windows are whole (strided, dilated, leftover pixels)
    ([2, 9, 14, 16], (3, 3), 1, dict(padding="same", stride_h=2, stride_w=2, dilation_w=2)),
    ([1, 5, 12, 32], (3, 3), 1, dict(padding="valid", stride_h=1, stride_w=1, activation="relu6")),
]


@pytest.mark.parametrize("xs,ks,mult,opts", DW_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_depthwise_conv2d(rt, xs, ks, mult, opts, bias):
    oc = xs[3] * mult
    consts = [("w", H.rnd([1, ks[0], ks[1], oc], 1), "f32")]
    if bias:
        consts.append(("b", H.rnd([oc], 2), "f32"))
    m = TB.float_model("DEPTHWISE_CONV_2D", xs, consts, dict(opts, depth_multiplier=mult),
                inputs=["x", "w", "b"] if bias else ["x", "w"], version=2)
    H.check(rt, m, {"x": H.rnd(xs)})


TCONV_CASES = [
    # x shape, (O, KH, KW), output shape, options
    ([1, 4, 4, 2], (4, 3, 3), [1, 9, 9, 4], dict(padding="valid", stride_h=2, stride_w=2)),
    ([1, 4, 5, 3], (5, 3, 3), [1, 8, 10, 5], dict(padding="same", stride_h=2, stride_w=2, activation="relu")),
    ([2, 3, 3, 8], (9, 2, 2), [2, 6, 6, 9], dict(padding="same", stride_h=2, stride_w=2)),
    ([1, 5, 5, 4], (3, 4, 4), [1, 5, 5, 3], dict(padding="same", stride_h=1, stride_w=1)),
    ([1, 3, 4, 2], (2, 3, 2), [1, 9, 8, 2], dict(padding="same", stride_h=3, stride_w=2, activation="relu6")),
]


@pytest.mark.parametrize("xs,fs,ys,opts", TCONV_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_transpose_conv(rt, xs, fs, ys, opts, bias):
    o, kh, kw = fs
    consts = [("os", np.array(ys, np.int32), "i32"), ("w", H.rnd([o, kh, kw, xs[3]], 1), "f32")]
    inputs = ["os", "w", "x"]
    if bias:
        consts.append(("b", H.rnd([o], 2), "f32"))
        inputs.append("b")
    m = TB.float_op("TRANSPOSE_CONV", xs, ys, consts, opts, inputs=inputs, version=4)
    H.check(rt, m, {"x": H.rnd(xs)})


FC_CASES = [
    # x shape, (units, K), keep_num_dims, activation
    ([1, 16], (10, 16), False, "relu"),
    ([3, 20], (17, 20), False, "none"),
    ([2, 3, 8], (5, 8), True, "relu6"),
    ([2, 3, 8], (5, 8), False, "none"),              # flattened to [6, 8]
    ([1, 2, 2, 6], (24, 12), False, "none"),         # rows of 12 across dims
    ([5, 1], (1, 1), False, "relu_n1_to_1"),
    ([7, 64], (33, 64), False, "none"),              # 4-row tiles + leftover rows
    ([13, 40], (40, 40), False, "relu6"),            # AVX2 6x16 tiles on panel pairs + leftover rows/panel
    ([7, 2000], (40, 2000), False, "none"),          # B blocks of 32 columns: pairs end at a block edge
]


@pytest.mark.parametrize("xs,ws,keep,act", FC_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_fully_connected(rt, xs, ws, keep, act, bias):
    consts = [("w", H.rnd(list(ws), 1), "f32")]
    if bias:
        consts.append(("b", H.rnd([ws[0]], 2), "f32"))
    m = TB.float_model("FULLY_CONNECTED", xs, consts, dict(keep_num_dims=keep, activation=act),
                inputs=["x", "w", "b" if bias else "-"], version=1)
    H.check(rt, m, {"x": H.rnd(xs)})


BMM_CASES = [
    # a shape, b shape, adj_x, adj_y
    ([3, 4], [4, 5], False, False),
    ([2, 3, 4], [2, 4, 9], False, False),
    ([2, 4, 3], [2, 4, 9], True, False),
    ([2, 3, 4], [2, 9, 4], False, True),
    ([2, 4, 3], [2, 9, 4], True, True),
    ([1, 3, 4], [2, 4, 5], False, False),            # batch broadcast of a
    ([3, 1, 2, 4], [2, 4, 6], False, False),         # batch dims broadcast both ways
    ([2, 1, 3, 5, 4], [2, 1, 3, 4], False, True),     # rank 5 (LiteRT's maximum)
    ([2, 13, 20], [2, 20, 33], False, False),        # plain B: 16-column pairs, a partial last panel
    ([2, 20, 13], [2, 20, 33], True, False),         # the same with A read along a stride (adj_x)
]


@pytest.mark.parametrize("a_shape,b_shape,ax,ay", BMM_CASES)
def test_batch_matmul(rt, a_shape, b_shape, ax, ay):
    from tflite_builder import Op, T, build_model
    probe = build_model(ops=[Op("BATCH_MATMUL", ["a", "b"], ["y"], options=dict(adj_x=ax, adj_y=ay))],
                        tensors=[T("a", a_shape), T("b", b_shape), T("y", [1])])
    ys = [int(d) for d in TB.litert_shape(probe)]
    m = build_model(ops=[Op("BATCH_MATMUL", ["a", "b"], ["y"], options=dict(adj_x=ax, adj_y=ay))],
                    tensors=[T("a", a_shape), T("b", b_shape), T("y", ys)])
    H.check(rt, m, {"a": H.rnd(a_shape, 1), "b": H.rnd(b_shape, 2)})


@pytest.mark.parametrize("ay", [False, True])
def test_batch_matmul_constant_rhs(rt, ay):
    """A constant b is pre-transposed when adj_y (the GEMM path), else used as is."""
    b = H.rnd([2, 6, 5] if ay else [2, 5, 6], 3)
    m = TB.float_model("BATCH_MATMUL", [2, 3, 5], [("b", b, "f32")], dict(adj_y=ay))
    H.check(rt, m, {"x": H.rnd([2, 3, 5])})
