"""int8 kernels against LiteRT's reference kernels, one op at a time.

Every case must match BUILTIN_REF exactly (0 differing elements): the int8
kernels reproduce TFLite's integer arithmetic, so any difference is a bug.
Cases stress what breaks integer kernels: saturation (output scales far too
small), zero points at the extremes (-128, 127), per-channel weight scales
differing by orders of magnitude, odd shapes, batch > 1, channel counts past
the kernels' 64-channel accumulator chunks, and padding that hits the
zero-point correction.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness import INT8_KERNELS, build_runtime, rand_i8, run_both
from tflite_builder import one_op, qt
from tflite_builder import T


@pytest.fixture(scope="module", params=["host", "host-speed", "host-speed-baseline",
                                        pytest.param("android-arm64", marks=pytest.mark.qemu),
                                        pytest.param("android-armv7", marks=pytest.mark.qemu)])
def rt(request, tmp_path_factory):
    """The host runner (ASan+UBSan; portable, speed profile with its run-time
    AVX2 variants, speed forced to the SSE2 baseline) and the shipped Android
    libraries (size profile, under qemu): every case runs on each."""
    if request.param == "host":
        return build_runtime(tmp_path_factory.mktemp("int8_kernels"), INT8_KERNELS)
    if request.param.startswith("host-speed"):
        return build_runtime(tmp_path_factory.mktemp("int8_kernels_speed"), INT8_KERNELS, speed=True,
                             simd_mask=0 if request.param.endswith("baseline") else None)
    from selbuild import toolchain_loader
    from selbuild.build import build_target
    from selbuild.config import BuildConfig
    target = request.param
    av = toolchain_loader.availability(target)
    if not av.ok:
        pytest.skip(av.reason)
    root = tmp_path_factory.mktemp(f"int8_kernels_{target}")
    cfg = BuildConfig(path=root / "i8.yaml", name="i8", models=[], targets=[target], ops={k: [] for k in INT8_KERNELS})
    r = build_target(cfg, target, out_root=root, profile="size")
    if toolchain_loader.run_prefix(target, r.out_dir) is None:
        pytest.skip(f"{target}: qemu not installed")
    return r.manifest


def exact(runtime, model, inputs):
    bad = [d for d in run_both(runtime, model, inputs) if d.differing]
    assert not bad, "; ".join(map(str, bad))


# ------------------------------------------------------------------ conv family

def _conv_case(builtin, x_shape, w_shape, out_c, s_in, z_in, w_scales, z_out, sat, options, seed, bias=True):
    rng = np.random.default_rng(seed)
    axis = 0 if builtin == "CONV_2D" else 3
    w = rng.integers(-127, 128, size=w_shape).astype(np.int8)
    k = int(np.prod(w_shape)) // out_c
    # Output scale so that results span the int8 range (or overflow it `sat` times).
    s_out = float(s_in * np.median(w_scales) * math.sqrt(k) * 60 / sat)
    tensors = [qt("x", x_shape, s_in, z_in), qt("w", w_shape, w_scales, 0, data=w, axis=axis)]
    names = ["x", "w"]
    if bias:
        b = rng.integers(-3000, 3000, size=out_c).astype(np.int32)
        tensors.append(qt("b", [out_c], [s_in * s for s in w_scales], 0, data=b, dtype="i32"))
        names.append("b")
    else:
        names.append(None)
    # Output shape from LiteRT's own shape inference: build once with a guess, read back.
    from tflite_builder import build_model, Op
    import warnings
    from ai_edge_litert.interpreter import Interpreter
    probe = build_model(ops=[Op(builtin, names, ["y"], options=options, version=3)],
                        tensors=tensors + [qt("y", [1], s_out, z_out)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        it = Interpreter(model_content=probe)
    it.allocate_tensors()
    y_shape = list(it.get_output_details()[0]["shape"])
    model = build_model(ops=[Op(builtin, names, ["y"], options=options, version=3)],
                        tensors=tensors + [qt("y", y_shape, s_out, z_out)])
    return model, {"x": rand_i8(x_shape, seed + 1)}


SCALES_WIDE = lambda c: list(np.geomspace(1e-4, 1e-1, c))  # noqa: E731 - 3 orders of magnitude


@pytest.mark.parametrize("case", [
    # x_shape, w_shape(OHWI), z_in, z_out, sat, options, bias
    ([1, 8, 8, 3], [8, 3, 3, 3], -128, -128, 1, dict(padding="same", stride_h=1, stride_w=1, activation="relu6"), True),
    ([2, 9, 7, 5], [12, 3, 3, 5], 127, 127, 1, dict(padding="same", stride_h=2, stride_w=2), True),
    ([1, 11, 10, 4], [6, 3, 2, 4], 5, -3, 1, dict(padding="valid", stride_h=1, stride_w=2, dilation_h_factor=2,
                                                 dilation_w_factor=2), True),
    ([3, 5, 5, 16], [70, 1, 1, 16], -20, 10, 1, dict(padding="same", stride_h=1, stride_w=1), True),
    ([1, 6, 6, 7], [9, 5, 5, 7], 0, 0, 25, dict(padding="same", stride_h=1, stride_w=1, activation="relu"), True),
    ([1, 4, 4, 3], [4, 3, 3, 3], -128, 127, 25, dict(padding="same", stride_h=3, stride_w=3), True),
    # 16-input chunks of the AVX2 path next to padding pixels, plus odd/even leftovers
    ([1, 7, 6, 20], [18, 3, 3, 20], 9, -5, 1, dict(padding="same", stride_h=1, stride_w=1, activation="relu"), True),
    ([2, 9, 8, 33], [16, 3, 3, 33], -128, 3, 1, dict(padding="same", stride_h=2, stride_w=2, dilation_h_factor=2,
                                                   dilation_w_factor=1), True),
], ids=["relu6_zp-128", "stride2_zp127_batch2", "dilated_valid", "1x1_70ch_batch3", "saturating_5x5",
        "saturating_stride3", "20ch_padded", "33ch_stride2_dilated_batch2"])
def test_conv2d(rt, case):
    xs, ws, z_in, z_out, sat, options, bias = case
    for scales in (SCALES_WIDE(ws[0]), [0.01] * ws[0]):
        model, inputs = _conv_case("CONV_2D", xs, ws, ws[0], 0.05, z_in, scales, z_out, sat, options, 7, bias)
        exact(rt, model, inputs)


@pytest.mark.parametrize("case", [
    ([1, 8, 8, 8], [1, 3, 3, 8], -128, 5, 1, dict(padding="same", stride_h=1, stride_w=1, depth_multiplier=1,
                                                 activation="relu6")),
    ([2, 9, 9, 70], [1, 3, 3, 70], 127, -128, 1, dict(padding="same", stride_h=2, stride_w=2, depth_multiplier=1)),
    ([1, 7, 6, 3], [1, 3, 3, 6], 3, 0, 1, dict(padding="valid", stride_h=1, stride_w=1, depth_multiplier=2)),
    ([1, 10, 10, 4], [1, 3, 3, 4], -7, 2, 1, dict(padding="same", stride_h=1, stride_w=1, depth_multiplier=1,
                                                 dilation_h_factor=2, dilation_w_factor=3)),
    ([1, 5, 5, 5], [1, 5, 5, 5], 0, 0, 30, dict(padding="same", stride_h=1, stride_w=1, depth_multiplier=1)),
], ids=["relu6_zp-128", "70ch_stride2_batch2", "multiplier2", "dilated", "saturating"])
def test_depthwise_conv2d(rt, case):
    xs, ws, z_in, z_out, sat, options = case
    for scales in (SCALES_WIDE(ws[3]), [0.02] * ws[3]):
        model, inputs = _conv_case("DEPTHWISE_CONV_2D", xs, ws, ws[3], 0.03, z_in, scales, z_out, sat, options, 3)
        exact(rt, model, inputs)


@pytest.mark.parametrize("rows,k,units,per_channel,z_in,z_out,sat,act,bias", [
    (1, 64, 10, False, -128, 0, 1, "none", False),
    (3, 37, 70, False, 127, -128, 1, "relu", True),
    (2, 33, 9, True, 4, 4, 1, "none", True),
    (5, 8, 3, False, 0, 127, 30, "relu6", True),
])
def test_fully_connected(rt, rows, k, units, per_channel, z_in, z_out, sat, act, bias):
    rng = np.random.default_rng(rows * 100 + k)
    w = rng.integers(-127, 128, size=(units, k)).astype(np.int8)
    s_in = 0.04
    scales = SCALES_WIDE(units) if per_channel else [0.02]
    s_out = float(s_in * np.median(scales) * math.sqrt(k) * 60 / sat)
    b = rng.integers(-2000, 2000, size=units).astype(np.int32)
    tensors = [qt("x", [rows, k], s_in, z_in), qt("w", [units, k], scales, 0, data=w),
               qt("b", [units], [s_in * s for s in scales] if per_channel else s_in * scales[0], 0, data=b,
                  dtype="i32"),
               qt("y", [rows, units], s_out, z_out)]
    model = one_op("FULLY_CONNECTED", tensors, ["x", "w", "b" if bias else None], ["y"], dict(activation=act),
                   version=7 if per_channel else 4)
    exact(rt, model, {"x": rand_i8([rows, k], 9)})


# ------------------------------------------------------------------ elementwise

@pytest.mark.parametrize("op", ["ADD", "SUB", "MUL"])
@pytest.mark.parametrize("a_shape,b_shape,qa,qb,qo,act", [
    ([2, 3, 4, 5], [2, 3, 4, 5], (0.05, -128), (0.02, 127), (0.06, 3), "none"),
    ([1, 5, 1, 7], [3, 1, 6, 7], (0.1, 10), (0.1, 10), (0.15, -20), "relu"),
    ([4, 9], [9], (0.001, 0), (0.5, -5), (0.02, 0), "relu6"),
    ([3, 1], [1, 1], (0.07, 127), (0.003, -128), (0.0005, 0), "none"),  # saturates
])
def test_binary(rt, op, a_shape, b_shape, qa, qb, qo, act):
    out_shape = list(np.broadcast_shapes(tuple(a_shape), tuple(b_shape)))
    if op == "MUL":
        qo = (qa[0] * qb[0] * 40, qo[1])
    tensors = [qt("a", a_shape, *qa), qt("b", b_shape, *qb), qt("y", out_shape, *qo)]
    model = one_op(op, tensors, ["a", "b"], ["y"], dict(activation=act), version=2)
    exact(rt, model, {"a": rand_i8(a_shape, 1), "b": rand_i8(b_shape, 2)})


# ------------------------------------------------------------------ pools, reductions

@pytest.mark.parametrize("op", ["AVERAGE_POOL_2D", "MAX_POOL_2D"])
@pytest.mark.parametrize("x_shape,f,s,padding,act,q", [
    ([1, 8, 8, 3], 2, 2, "valid", "none", (0.05, -128)),
    ([2, 7, 9, 5], 3, 2, "same", "relu6", (0.03, 127)),
    ([1, 5, 5, 70], 5, 1, "same", "relu", (0.1, 3)),
])
def test_pools(rt, op, x_shape, f, s, padding, act, q):
    from harness import litert
    probe = one_op(op, [qt("x", x_shape, *q), qt("y", [1], *q)], ["x"], ["y"],
                   dict(padding=padding, stride_h=s, stride_w=s, filter_height=f, filter_width=f, activation=act),
                   version=2)
    y_shape = list(litert(probe, {"x": rand_i8(x_shape)})["y"].shape)
    model = one_op(op, [qt("x", x_shape, *q), qt("y", y_shape, *q)], ["x"], ["y"],
                   dict(padding=padding, stride_h=s, stride_w=s, filter_height=f, filter_width=f, activation=act),
                   version=2)
    exact(rt, model, {"x": rand_i8(x_shape, 4)})


def _reduce_model(op, shape, axes, keep, qi, qo):
    oshape = [1 if i in axes else d for i, d in enumerate(shape)] if keep else \
        [d for i, d in enumerate(shape) if i not in axes]
    return one_op(op, [qt("x", shape, *qi), T("ax", [len(axes)], "i32", data=np.array(axes, np.int32)),
                       qt("y", oshape, *qo)], ["x", "ax"], ["y"], dict(keep_dims=keep), version=2)


@pytest.mark.parametrize("shape,axes,keep,qi,qo", [
    ([1, 3, 3, 64], [1, 2], False, (0.0235, -128), (0.0235, -128)),   # MobileNet's global pool
    ([1, 7, 7, 256], [1, 2], False, (0.023529412, -128), (0.008888439, -128)),  # 1/49 folded by division
    ([1, 7, 7, 20], [1, 2], True, (0.05, 3), (0.02, -7)),
    ([2, 5, 7, 3], [1], False, (0.05, 3), (0.02, -7)),
    ([2, 5, 7, 3], [3], True, (0.05, 3), (0.05, 3)),
    ([2, 5, 7, 3], [0, 2], False, (0.05, 3), (0.1, 100)),
    ([4, 33], [1], False, (0.05, 127), (0.001, -128)),                # saturates
])
def test_mean(rt, shape, axes, keep, qi, qo):
    exact(rt, _reduce_model("MEAN", shape, axes, keep, qi, qo), {"x": rand_i8(shape, 1)})


@pytest.mark.parametrize("shape,axes,keep", [([2, 5, 7, 3], [1, 2], False), ([3, 1, 4], [0], True),
                                             ([2, 3, 4, 5], [3], False)])
def test_reduce_max(rt, shape, axes, keep):
    exact(rt, _reduce_model("REDUCE_MAX", shape, axes, keep, (0.1, -3), (0.1, -3)), {"x": rand_i8(shape, 6)})


# ------------------------------------------------------------------ softmax, tables

@pytest.mark.parametrize("shape,s_in,z_in,beta", [([1, 10], 0.1, -128, 1.0), ([3, 4, 17], 0.02, 127, 1.0),
                                                  ([2, 1000], 0.5, 0, 0.7), ([5, 1], 0.1, 3, 1.0)])
def test_softmax(rt, shape, s_in, z_in, beta):
    model = one_op("SOFTMAX", [qt("x", shape, s_in, z_in), qt("y", shape, 1.0 / 256, -128)], ["x"], ["y"],
                   dict(beta=beta), version=2)
    exact(rt, model, {"x": rand_i8(shape, 8)})


@pytest.mark.parametrize("op", ["LOGISTIC", "TANH"])
@pytest.mark.parametrize("s_in,z_in", [(0.1, 0), (0.01, -128), (0.5, 127), (0.0625, 17)])
def test_lookup_tables(rt, op, s_in, z_in):
    out_q = (1.0 / 256, -128) if op == "LOGISTIC" else (1.0 / 128, 0)
    x = np.arange(-128, 128, dtype=np.int8).reshape(2, 128)   # every input value
    model = one_op(op, [qt("x", [2, 128], s_in, z_in), qt("y", [2, 128], *out_q)], ["x"], ["y"], version=2)
    exact(rt, model, {"x": x})


# ------------------------------------------------------------------ byte movers

def test_byte_movers(rt):
    q = (0.05, -7)
    x = rand_i8([2, 6, 5], 11)
    models = [
        one_op("RESHAPE", [qt("x", [2, 6, 5], *q), T("s", [2], "i32", data=np.array([4, 15], np.int32)),
                           qt("y", [4, 15], *q)], ["x", "s"], ["y"]),
        one_op("SPLIT", [T("a", [], "i32", data=np.array(1, np.int32)), qt("x", [2, 6, 5], *q),
                         qt("y0", [2, 3, 5], *q), qt("y1", [2, 3, 5], *q)], ["a", "x"], ["y0", "y1"],
               dict(num_splits=2), version=2),
        one_op("UNPACK", [qt("x", [2, 6, 5], *q)] + [qt(f"y{i}", [2, 6], *q) for i in range(5)], ["x"],
               [f"y{i}" for i in range(5)], dict(num=5, axis=2), version=2),
        one_op("STRIDED_SLICE", [qt("x", [2, 6, 5], *q), T("b", [3], "i32", data=np.array([0, 5, 1], np.int32)),
                                 T("e", [3], "i32", data=np.array([2, 0, 5], np.int32)),
                                 T("st", [3], "i32", data=np.array([1, -2, 2], np.int32)),
                                 qt("y", [2, 3, 2], *q)], ["x", "b", "e", "st"], ["y"], version=2),
    ]
    for m in models:
        exact(rt, m, {"x": x})


def _i32(v) -> np.ndarray:
    return np.array(v, np.int32)


def test_more_byte_movers(rt):
    q = (0.05, -7)
    x = rand_i8([2, 6, 5], 12)
    models = [
        one_op("CONCATENATION", [qt("x", [2, 6, 5], *q), qt("c1", [2, 1, 5], *q), qt("c2", [2, 3, 5], *q),
                                 qt("y", [2, 10, 5], *q)], ["x", "c1", "c2"], ["y"], dict(axis=1), version=2),
        one_op("PACK", [qt("x", [2, 6, 5], *q), qt("p", [2, 6, 5], *q), qt("y", [2, 2, 6, 5], *q)],
               ["x", "p"], ["y"], dict(values_count=2, axis=1), version=2),
        one_op("SPLIT_V", [qt("x", [2, 6, 5], *q), T("sz", [3], "i32", data=_i32([1, 3, 2])),
                           T("ax", [], "i32", data=np.array(1, np.int32)),
                           qt("y0", [2, 1, 5], *q), qt("y1", [2, 3, 5], *q), qt("y2", [2, 2, 5], *q)],
               ["x", "sz", "ax"], ["y0", "y1", "y2"], dict(num_splits=3), version=2),
        one_op("TRANSPOSE", [qt("x", [2, 6, 5], *q), T("perm", [3], "i32", data=_i32([2, 0, 1])),
                             qt("y", [5, 2, 6], *q)], ["x", "perm"], ["y"], version=2),
        one_op("SLICE", [qt("x", [2, 6, 5], *q), T("b", [3], "i32", data=_i32([1, 2, 0])),
                         T("s", [3], "i32", data=_i32([1, 3, -1])), qt("y", [1, 3, 5], *q)],
               ["x", "b", "s"], ["y"], version=2),
        one_op("SQUEEZE", [qt("x", [2, 6, 5], *q), qt("y", [2, 6, 5], *q)], ["x"], ["y"],
               dict(squeeze_dims=[])),
        one_op("EXPAND_DIMS", [qt("x", [2, 6, 5], *q), T("ax", [], "i32", data=np.array(1, np.int32)),
                               qt("y", [2, 1, 6, 5], *q)], ["x", "ax"], ["y"]),
        one_op("PAD", [qt("x", [2, 6, 5], *q), T("pads", [3, 2], "i32", data=_i32([[0, 1], [2, 0], [1, 3]])),
                       qt("y", [3, 8, 9], *q)], ["x", "pads"], ["y"], version=2),
        one_op("GATHER", [qt("x", [2, 6, 5], *q), T("ix", [4], "i32", data=_i32([5, 0, 0, 3])),
                          qt("y", [2, 4, 5], *q)], ["x", "ix"], ["y"], dict(axis=1), version=2),
    ]
    extra = {"c1": rand_i8([2, 1, 5], 13), "c2": rand_i8([2, 3, 5], 14), "p": rand_i8([2, 6, 5], 15)}
    for m in models:
        from tflite_builder import build_model  # noqa: F401  (models above are complete)
        import warnings
        from ai_edge_litert.interpreter import Interpreter
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            names = [d["name"] for d in Interpreter(model_content=m).get_input_details()]
        exact(rt, m, {k: ({"x": x} | extra)[k] for k in names})


@pytest.mark.parametrize("align,half", [(False, False), (True, False), (False, True)])
def test_resize_nearest_neighbor(rt, align, half):
    q = (0.1, 3)
    model = one_op("RESIZE_NEAREST_NEIGHBOR", [qt("x", [2, 3, 5, 4], *q), T("size", [2], "i32", data=_i32([7, 4])),
                                               qt("y", [2, 7, 4, 4], *q)], ["x", "size"], ["y"],
                   dict(align_corners=align, half_pixel_centers=half), version=3)
    exact(rt, model, {"x": rand_i8([2, 3, 5, 4], 21)})


@pytest.mark.parametrize("op,options", [("RELU", None), ("RELU6", None), ("RELU_N1_TO_1", None),
                                        ("LEAKY_RELU", dict(alpha=0.1)), ("LEAKY_RELU", dict(alpha=1.7)),
                                        ("HARD_SWISH", None)])
@pytest.mark.parametrize("qi,qo", [((0.05, 0), (0.05, 0)), ((0.1, -128), (0.03, 127)), ((0.02, 127), (0.1, -20)),
                                   ((0.5, 7), (0.01, -128))])
def test_activation_tables(rt, op, options, qi, qo):
    x = np.arange(-128, 128, dtype=np.int8).reshape(4, 64)   # every input value
    model = one_op(op, [qt("x", [4, 64], *qi), qt("y", [4, 64], *qo)], ["x"], ["y"], options,
                   version=1 if op in ("RELU_N1_TO_1", "HARD_SWISH") else 2)
    exact(rt, model, {"x": x})


@pytest.mark.parametrize("qi,qo", [((0.05, 0), (0.05, 0)), ((0.1, 100), (0.03, 127))])
def test_elu_table(rt, qi, qo):
    """The reference kernel set has no ELU: compared with LiteRT's default kernels."""
    from harness import convert_bytes, diffs, litert
    from selbuild.verify import run_program
    x = np.arange(-128, 128, dtype=np.int8).reshape(4, 64)
    model = one_op("ELU", [qt("x", [4, 64], *qi), qt("y", [4, 64], *qo)], ["x"], ["y"])
    bad = [d for d in diffs(run_program(rt, convert_bytes(model), {"x": x}), litert(model, {"x": x}, reference=False))
           if d.differing]
    assert not bad, bad


@pytest.mark.parametrize("x_shape,w_shape,out_hw,stride,padding,bias,z_in", [
    ([1, 4, 4, 3], [5, 3, 3, 3], [8, 8], 2, "same", True, -128),
    ([2, 3, 5, 4], [70, 2, 2, 4], [6, 10], 2, "valid", False, 127),
    ([1, 5, 5, 2], [3, 3, 3, 2], [5, 5], 1, "same", True, 3),
])
def test_transpose_conv(rt, x_shape, w_shape, out_hw, stride, padding, bias, z_in):
    rng = np.random.default_rng(31)
    oc = w_shape[0]
    w = rng.integers(-127, 128, size=w_shape).astype(np.int8)
    s_in, scales = 0.05, SCALES_WIDE(oc)
    y_shape = [x_shape[0], *out_hw, oc]
    s_out = float(s_in * np.median(scales) * math.sqrt(np.prod(w_shape[1:])) * 30)
    tensors = [T("os", [4], "i32", data=_i32(y_shape)), qt("w", w_shape, scales, 0, data=w),
               qt("x", x_shape, s_in, z_in), qt("y", y_shape, s_out, 5)]
    names = ["os", "w", "x"]
    if bias:
        tensors.append(qt("b", [oc], [s_in * s for s in scales], 0,
                          data=rng.integers(-3000, 3000, size=oc).astype(np.int32), dtype="i32"))
        names.append("b")
    model = one_op("TRANSPOSE_CONV", tensors, names, ["y"],
                   dict(padding=padding, stride_h=stride, stride_w=stride), version=3)
    exact(rt, model, {"x": rand_i8(x_shape, 32)})


@pytest.mark.parametrize("in_hw,out_hw,align,half", [([3, 5], [7, 4], False, False), ([4, 4], [9, 6], True, False),
                                                      ([3, 5], [8, 11], False, True), ([6, 6], [3, 2], False, False)])
def test_resize_bilinear(rt, in_hw, out_hw, align, half):
    q = (0.1, -3)
    model = one_op("RESIZE_BILINEAR", [qt("x", [2, *in_hw, 3], *q), T("size", [2], "i32", data=_i32(out_hw)),
                                       qt("y", [2, *out_hw, 3], *q)], ["x", "size"], ["y"],
                   dict(align_corners=align, half_pixel_centers=half), version=3)
    exact(rt, model, {"x": rand_i8([2, *in_hw, 3], 41)})
