"""Issue-12 batch B kernels against LiteRT (BUILTIN_REF), floats within
1e-4 x max(1, |ref|): conv3d (f32; NDHWC input, DHWIO filter; strides,
dilations, SAME/VALID, with and without bias, every fused activation) and
conv3d_transpose (f32; [KD, KH, KW, Cout, Cin] filter, the same variety; a
run-time output_shape is refused) and bitcast (every pair of f32, i8, u8,
i16, i32, i64, exact bytes; random bit patterns, NaNs included; bool is
refused: its bytes must be 0 or 1) and dilate (f32, i8, i32; rank 1 to 6,
constant dilations, constant or run-time padding value, exact) and
non_max_suppression_v4 / v5 (f32, exact: boxes in either corner order
(not zero-area ones: LiteRT repeats those), constant or run-time thresholds, max_output_size past N; distinct
scores - LiteRT's order among equal scores is its heap's; v5 with
soft_nms_sigma 0 only; LiteRT zeroes the tail past the valid count, and the
whole outputs are compared).
Every case is a single-op model from tests/tflite_builder.py; `CASES` is
shared with the qemu test, which runs them all in one android-armv7 and one
android-arm64 size-profile library."""

from __future__ import annotations

import numpy as np
import pytest

import harness as H
from cover4_models import bitcast_model, conv3d_model, dilate_model, nms_model, conv3d_transpose_model, small_cover4_models
from program_edits import BAD_PROGRAM, UNSUPPORTED, assert_edits_rejected_or_safe, rebuild, run_batch
from selbuild import verify
from selbuild.catalogue import load_catalogue
from selbuild.convert import read_program
from selbuild.convert.ops.conv import out_size
from selbuild.errors import SelbuildError
from tflite_builder import Op, T, build_model

BITCAST_DTYPES = ("f32", "i8", "u8", "i16", "i32", "i64")
KERNELS = ["conv3d.f32", "conv3d_transpose.f32"] + [f"bitcast.{dt}" for dt in BITCAST_DTYPES]
KERNELS += ["dilate.f32", "dilate.i8", "dilate.i32", "non_max_suppression_v4.f32", "non_max_suppression_v5.f32"]
SIZE = {"f32": 4, "i8": 1, "u8": 1, "i16": 2, "i32": 4, "i64": 8}


def _x(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _tag(shape):
    return "x".join(map(str, shape))


def _conv3d_cases():
    cases = {}
    for k, (xs, ker, cout, st, dl, pad, act, bias) in enumerate([
            ([1, 4, 5, 6, 3], (2, 2, 2), 4, (1, 1, 1), (1, 1, 1), "same", "none", True),
            ([1, 4, 5, 6, 3], (3, 3, 3), 2, (1, 1, 1), (1, 1, 1), "valid", "relu", False),
            ([2, 5, 6, 7, 2], (3, 2, 3), 5, (2, 2, 3), (1, 1, 1), "same", "relu6", True),
            ([1, 6, 7, 5, 4], (2, 3, 2), 3, (1, 2, 1), (2, 1, 2), "same", "relu_n1_to_1", True),
            ([1, 7, 6, 6, 1], (3, 2, 2), 8, (2, 1, 2), (2, 2, 1), "valid", "none", True),
            ([1, 2, 3, 3, 5], (4, 4, 4), 3, (1, 1, 1), (1, 1, 1), "same", "none", False),     # window past the input
            ([1, 1, 9, 1, 2], (1, 3, 1), 9, (1, 3, 1), (1, 1, 1), "valid", "none", True),
            ([3, 3, 3, 3, 3], (1, 1, 1), 7, (1, 1, 1), (1, 1, 1), "valid", "relu", True)]):
        m = conv3d_model(xs, ker, cout, st, dl, pad, act, bias, seed=k)
        name = f"conv3d_f32_{_tag(xs)}_k{_tag(ker)}_s{_tag(st)}_d{_tag(dl)}_{pad}_{act}{'' if bias else '_nobias'}"
        cases[name] = (m, {"x": _x(xs, k)})
    return cases


def _conv3d_transpose_cases():
    cases = {}
    for k, (ys, ker, cin, st, dl, pad, act, bias) in enumerate([
            ([1, 4, 5, 6, 3], (2, 2, 2), 4, (1, 1, 1), (1, 1, 1), "same", "none", True),
            ([1, 5, 6, 7, 2], (3, 3, 3), 3, (2, 2, 2), (1, 1, 1), "same", "relu", False),
            ([2, 6, 7, 5, 4], (3, 2, 3), 2, (2, 3, 1), (1, 1, 1), "valid", "relu6", True),
            ([1, 7, 6, 6, 3], (2, 3, 2), 3, (1, 1, 2), (2, 2, 1), "valid", "relu_n1_to_1", True),
            ([1, 5, 5, 4, 1], (2, 2, 2), 5, (1, 2, 1), (1, 1, 2), "same", "none", True),
            ([1, 2, 3, 3, 5], (4, 4, 4), 2, (2, 2, 2), (1, 1, 1), "same", "none", False)]):
        m = conv3d_transpose_model(ys, ker, cin, st, dl, pad, act, bias, seed=k)
        xs = [ys[0]] + [out_size(pad, ys[1 + i], ker[i], st[i], dl[i]) for i in range(3)] + [cin]
        name = (f"conv3d_transpose_f32_{_tag(ys)}_k{_tag(ker)}_s{_tag(st)}_d{_tag(dl)}_{pad}_{act}"
                f"{'' if bias else '_nobias'}")
        cases[name] = (m, {"x": _x(xs, 20 + k)})
    return cases


def _bytes(shape, dtype, seed):
    """Random bytes as `dtype` (any bit pattern: NaNs and infinities too for f32)."""
    n = int(np.prod(shape)) * SIZE[dtype]
    raw = np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8)
    return raw.view({"f32": np.float32, "i8": np.int8, "u8": np.uint8, "i16": np.int16, "i32": np.int32,
                     "i64": np.int64}[dtype]).reshape(shape)


def _bitcast_cases():
    cases = {}
    for k, src in enumerate(BITCAST_DTYPES):
        for dst in BITCAST_DTYPES:
            a, b = SIZE[src], SIZE[dst]
            base = [[2, 3, 4], [5], [1, 2, 1, 3, 2]][k % 3]
            xs = base + ([b // a] if a < b else [])
            ys = base + ([a // b] if a > b else [])
            cases[f"bitcast_{src}_to_{dst}_{_tag(xs)}"] = (bitcast_model(xs, src, ys, dst), {"x": _bytes(xs, src, k)})
    return cases


def _dilate_cases():
    cases = {}
    for dt in ("f32", "i8", "i32"):
        for k, (xs, d) in enumerate([([3, 4], [2, 3]), ([5], [4]), ([2, 3, 2], [1, 1, 1]), ([1, 3, 1, 2], [5, 2, 3, 1]),
                                     ([2, 1, 2, 3, 1, 2], [2, 3, 1, 2, 4, 3]), ([1], [7])]):
            for const in (True, False):
                pad = {"f32": -2.5, "i8": -128, "i32": 2**31 - 1}[dt] if const else None
                feeds = {"x": _bytes(xs, dt, k) if dt != "f32" else _x(xs, k)}
                if not const:
                    feeds["v"] = np.array({"f32": 0.25, "i8": 99, "i32": -5}[dt], feeds["x"].dtype)
                cases[f"dilate_{dt}_{_tag(xs)}_d{_tag(d)}{'_const' if const else ''}"] = (
                    dilate_model(xs, dt, d, pad), feeds)
    return cases


def _boxes(n, seed):
    """n boxes in [0, 1]^2, corners in either order, clustered so that many overlap. No empty (zero-area)
    ones: LiteRT 2.3 selects a selected zero-area box again at every later step (indices [7, 7, 7, ...]);
    ours selects each box at most once."""
    r = np.random.default_rng(seed)
    c = r.uniform(0.2, 0.8, (n, 2)) + r.normal(0, 0.05, (n, 2))
    hw = r.uniform(0.05, 0.4, (n, 2))
    b = np.concatenate([c - hw / 2, c + hw / 2], axis=1)
    flip = r.random(n) < 0.3
    b[flip] = b[flip][:, [2, 3, 0, 1]]
    return b.astype(np.float32)


def _nms_cases():
    cases = {}
    for k, (n, m, iou, sth) in enumerate([(10, 8, 0.3, 0.15), (40, 10, 0.5, 0.0), (25, 40, 0.7, -1.0), (60, 5, 0.0, 0.2),
                                          (1, 3, 0.5, 0.0), (30, 30, 1.0, 0.5), (50, 20, 0.45, None)]):
        for v in (4, 5):
            scores = (np.random.default_rng(100 + k).permutation(n).astype(np.float32) + 0.5) / n  # distinct
            feeds = {"boxes": _boxes(n, k), "scores": scores}
            runtime = sth is None
            if runtime:
                feeds.update(iou=np.float32(iou), sth=np.float32(0.3))
            cases[f"non_max_suppression_v{v}_f32_n{n}_m{m}_iou{iou}_s{sth}"] = (
                nms_model(n, m, v, None if runtime else iou, sth), feeds)
    return cases


CASES = {**_conv3d_cases(), **_conv3d_transpose_cases(), **_bitcast_cases(), **_dilate_cases(), **_nms_cases()}
EXACT = {name for name in CASES if name.startswith(("bitcast", "dilate", "non_max"))}

rt = H.runtime_fixture(KERNELS)

_REFS: dict[str, dict] = {}
_PROGRAMS: dict[str, bytes] = {}


def _litert(name, model, feeds):
    """LiteRT's outputs for a case (once per case: the host and qemu tests share them)."""
    if name not in _REFS:
        _REFS[name] = H.litert(model, feeds, reference=True, fallback=True)
    return _REFS[name]


def _program(name):
    if name not in _PROGRAMS:
        _PROGRAMS[name] = H.convert_bytes(CASES[name][0])
    return _PROGRAMS[name]


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_litert(rt, name):
    model, feeds = CASES[name]
    H.assert_close(verify.run_program(rt, _program(name), feeds), _litert(name, model, feeds), exact=name in EXACT)


def test_grouped_conv3d_is_refused():
    f = np.zeros([1, 1, 1, 2, 2], np.float32)
    bad = build_model(ops=[Op("CONV_3D", ["x", "f"], ["y"], options=dict(padding="valid", stride_d=1, stride_h=1,
                                                                          stride_w=1))],
                      tensors=[T("x", [1, 3, 3, 3, 4]), T("f", [1, 1, 1, 2, 2], data=f), T("y", [1, 3, 3, 3, 2])],
                      inputs=["x"], outputs=["y"])
    with pytest.raises(SelbuildError, match="does not fit input depth"):
        H.convert_bytes(bad)


def test_conv3d_transpose_of_a_runtime_output_shape_is_refused():
    with pytest.raises(SelbuildError, match="output_shape must be a constant") as e:
        H.convert_bytes(conv3d_transpose_model([1, 3, 4, 4, 2], (2, 2, 2), 3, const_shape=False))
    assert e.value.hint


@pytest.mark.parametrize("xs,src,ys,dst,match", [([3, 3], "i8", [3], "i16", "needs a last dim of 2"),
                                                  ([3], "i32", [3], "bool", "bitcast i32 -> bool"),
                                                  ([3], "f32", [6], "i16", "shape inference gives")])
def test_bitcast_refusals(xs, src, ys, dst, match):
    with pytest.raises(SelbuildError, match=match):
        H.convert_bytes(bitcast_model(xs, src, ys, dst))


def test_dilate_refusals():
    with pytest.raises(SelbuildError, match="dilations must be a constant"):
        H.convert_bytes(build_model(ops=[Op(203, ["x", "d", "v"], ["y"])],
                                    tensors=[T("x", [3, 4]), T("d", [2], "i32"), T("v", [], data=np.float32(0)),
                                             T("y", [5, 10])], inputs=["x", "d"], outputs=["y"]))
    with pytest.raises(SelbuildError, match="one >= 1 per"):
        H.convert_bytes(dilate_model([3, 4], "f32", [2, 0], 0.0))


@pytest.mark.parametrize("kw,match", [(dict(const_max=False), "max_output_size must be"),
                                      (dict(version=5, sigma=0.5), "soft_nms_sigma must be a constant 0"),
                                      (dict(max_out=0), "selects nothing")])
def test_nms_refusals(kw, match):
    args = dict(n_boxes=5, max_out=3, version=4, iou=0.5, score=0.0) | kw
    with pytest.raises(SelbuildError, match=match):
        H.convert_bytes(nms_model(**args))


def test_nms_iou_threshold_outside_0_1_fails_the_run(rt):
    m = nms_model(5, 3, 4, None, 0.0)
    with pytest.raises(SelbuildError):
        H.run_ours(rt, m, {"boxes": _boxes(5, 0), "scores": np.arange(5, dtype=np.float32),
                           "iou": np.float32(1.5)})


# --------------------------------------------------------------------------- qemu

arm_runtime = H.arm_runtime_fixture("cover4", KERNELS)


@pytest.mark.qemu
def test_matches_litert_on_arm(arm_runtime):
    H.assert_cases_match(arm_runtime, CASES, lambda name, m: _program(name), _litert, exact=lambda name: name in EXACT)


# --------------------------------------------------------------------------- hostile programs

checker = H.checker_fixture("cover4", KERNELS)
HOSTILE = ["conv3d_f32", "conv3d_transpose_f32", "bitcast_f32", "bitcast_i8", "dilate_f32", "dilate_i8", "dilate_i32",
           "non_max_suppression_v4_f32", "non_max_suppression_v5_f32"]


@pytest.mark.parametrize("name", HOSTILE)
def test_edited_fields_are_rejected_or_safe(checker, name):
    prog = H.convert_bytes(small_cover4_models()[name])
    assert_edits_rejected_or_safe(checker, name, prog)


@pytest.mark.parametrize("name,param,value", [
    ("conv3d_f32", "stride_d", 0), ("conv3d_f32", "stride_h", 3), ("conv3d_f32", "dilation_w", 0),
    ("conv3d_f32", "dilation_d", 2**30), ("conv3d_f32", "pad_front", -1), ("conv3d_f32", "pad_left", 7),
    ("conv3d_transpose_f32", "stride_w", 0), ("conv3d_transpose_f32", "stride_h", 2**31 - 1),
    ("conv3d_transpose_f32", "dilation_h", 3), ("conv3d_transpose_f32", "pad_top", 5),
    ("dilate_f32", "rank", 2), ("dilate_f32", "rank", 7), ("dilate_i8", "dilations1", 0), ("dilate_i32", "dilations0", 2),
    ("dilate_i32", "dilations3", -1), ("dilate_f32", "dilations2", 2**31 - 1),
])
def test_bad_iparams_are_rejected(checker, name, param, value):
    prog = H.convert_bytes(small_cover4_models()[name])
    kernel = read_program(prog).nodes[0].kernel
    index = load_catalogue()[kernel].iparams.index(param)
    assert run_batch(*checker, name, [rebuild(prog, iparam=(index, value))]) == [(UNSUPPORTED, 0)]


@pytest.mark.parametrize("name,tensor,dims", [("conv3d_f32", 0, [1, 3, 4, 4, 3]), ("conv3d_f32", 1, [2, 3, 2, 2, 4]),
                                              ("conv3d_f32", 2, [4]), ("conv3d_f32", 3, [1, 3, 2, 5, 3]),
                                              ("conv3d_f32", 0, [1, 3, 4, 8]),
                                              ("conv3d_transpose_f32", 0, [1, 3, 2, 2, 2]),
                                              ("conv3d_transpose_f32", 1, [2, 3, 2, 3, 3]),
                                              ("conv3d_transpose_f32", 2, [2]),
                                              ("conv3d_transpose_f32", 3, [1, 3, 5, 4, 2]),
                                              ("bitcast_f32", 1, [2, 3, 3]), ("bitcast_i8", 0, [3, 3]),
                                              ("dilate_f32", 1, [2]), ("dilate_i8", 2, [3, 6]),
                                              ("dilate_i32", 0, [2, 1, 2, 2]),
                                              ("non_max_suppression_v4_f32", 0, [6, 3]),
                                              ("non_max_suppression_v4_f32", 1, [5]),
                                              ("non_max_suppression_v4_f32", 3, [2]),
                                              ("non_max_suppression_v4_f32", 5, [2]),
                                              ("non_max_suppression_v5_f32", 5, [4]),
                                              ("non_max_suppression_v5_f32", 4, [5, 1])])
def test_shapes_that_disagree_are_rejected(checker, name, tensor, dims):
    prog = H.convert_bytes(small_cover4_models()[name])
    node = read_program(prog).nodes[0]
    t = (node.inputs + node.outputs)[tensor]
    [(st, ran)] = run_batch(*checker, name, [rebuild(prog, shape=(t, dims))])
    assert st in (BAD_PROGRAM, UNSUPPORTED) and not ran, (st, ran)


@pytest.mark.parametrize("name", ["conv3d_f32", "conv3d_transpose_f32"])
def test_inverted_activation_bounds_are_rejected(checker, name):
    prog = H.convert_bytes(small_cover4_models()[name])
    assert run_batch(*checker, f"{name}_act", [rebuild(prog, fparam=(1, -1.0))]) == [(UNSUPPORTED, 0)]
