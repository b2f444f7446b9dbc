"""Issue-12 batch A kernels against LiteRT (BUILTIN_REF), exact for integers,
floats within 1e-4 x max(1, |ref|): add_n (f32, i32; two to five inputs, rank
6, int32 wrap), bitwise_xor and right_shift (i8, u8, i16, i32; broadcasting,
rank 6, every shift count from -3 to past the width, which LiteRT clamps to
0 .. bits-1), l2_pool2d (f32; SAME/VALID, strides, windows past the image,
every fused activation), reverse_sequence (f32, u8, i16, i32, i64 - LiteRT
has no int8 or bool one; int32 and int64 lengths, constant or run-time,
negative and full lengths, sequence dim before or after the batch dim, rank
6; a run-time length past the dim fails the run as it fails LiteRT's Invoke),
matrix_diag and matrix_set_diag (f32, i8 quantized, i32, i64; square, wide
and tall matrices, rank 6; LiteRT's bool ones give wrong values, so none),
broadcast_args (i32, i64 shapes computed at run time; constant ones fold, as
does bucketize of a constant) and bucketize (f32, i32, i64 inputs; values equal to
a boundary, repeated boundaries, extremes, infinities and NaN). LiteRT runs bitwise_xor and
right_shift on no int64; u16/u32 tensors have no runtime dtype. Every case is a single-op model from tests/tflite_builder.py; `CASES`
is shared with the qemu test, which runs them all in one android-armv7 and
one android-arm64 size-profile library."""

from __future__ import annotations

import numpy as np
import pytest

import harness as H
from cover3_models import (BITWISE_DTYPES, DIAG_DTYPES, REVSEQ_DTYPES, bargs_model, bucketize_model, revseq_model,
                           small_cover3_models)
from program_edits import UNSUPPORTED, assert_edits_rejected_or_safe, rebuild, run_batch
from selbuild import verify
from selbuild.catalogue import load_catalogue
from selbuild.convert import read_program
from selbuild.errors import SelbuildError
import tflite_builder as TB
from tflite_builder import Op, T, build_model, qt

KERNELS = ["add_n.f32", "add_n.i32"]
KERNELS += [f"{op}.{dt}" for op in ("bitwise_xor", "right_shift") for dt in BITWISE_DTYPES]
KERNELS += ["l2_pool2d.f32"]
KERNELS += [f"reverse_sequence.{dt}" for dt in REVSEQ_DTYPES]
KERNELS += [f"{op}.{dt}" for op in ("matrix_diag", "matrix_set_diag") for dt in DIAG_DTYPES]
KERNELS += ["broadcast_args.i32", "broadcast_args.i64", "bucketize.f32", "bucketize.i32", "bucketize.i64"]

NP = {"f32": np.float32, "i8": np.int8, "u8": np.uint8, "i16": np.int16, "i32": np.int32, "i64": np.int64}


def _x(shape, dtype, seed=0):
    r = np.random.default_rng(seed)
    if dtype == "f32":
        return r.standard_normal(shape).astype(np.float32)
    info = np.iinfo(NP[dtype])
    return r.integers(info.min, info.max, shape, endpoint=True).astype(NP[dtype])


def _tag(shape):
    return "x".join(map(str, shape)) or "scalar"


def _add_n_cases():
    cases = {}
    for dt in ("f32", "i32"):
        for k, (shape, count) in enumerate([([2, 3, 4], 3), ([7], 2), ([1, 5, 5, 3], 5), ([2, 1, 3, 2, 2, 3], 2),
                                            ([], 4)]):
            names = [f"x{j}" for j in range(count)]
            m = build_model(ops=[Op("ADD_N", names, ["y"])],
                            tensors=[T(n, shape, dt) for n in names] + [T("y", shape, dt)],
                            inputs=names, outputs=["y"])
            feeds = {n: _x(shape, dt, 10 * k + j) // (1 if dt == "f32" else 8) for j, n in enumerate(names)}
            cases[f"add_n_{dt}_{_tag(shape)}_n{count}"] = (m, feeds)
    return cases


def _bitwise_cases():
    cases = {}
    for dt in BITWISE_DTYPES:
        bits = 8 * np.dtype(NP[dt]).itemsize
        shapes = [([4, 7], [4, 7]), ([2, 1, 5], [3, 1]), ([], [6]), ([9], []), ([2, 1, 3, 1, 2, 1], [1, 2, 1, 3, 1, 2])]
        for k, (xs, ys) in enumerate(shapes if dt in ("i8", "i32") else shapes[1:2]):
            out = list(np.broadcast_shapes(tuple(xs), tuple(ys)))
            for b in ("BITWISE_XOR", "RIGHT_SHIFT"):
                m = build_model(ops=[Op(b, ["a", "b"], ["y"])], tensors=[T("a", xs, dt), T("b", ys, dt), T("y", out, dt)])
                y = _x(ys, dt, 100 + k)
                if b == "RIGHT_SHIFT":          # counts from -3 (0 for unsigned) to past the width
                    lo = -3 if dt[0] == "i" else 0
                    y = np.random.default_rng(k).integers(lo, min(bits + 4, 127), ys, endpoint=True).astype(NP[dt])
                cases[f"{b.lower()}_{dt}_{_tag(xs)}_{_tag(ys)}"] = (m, {"a": _x(xs, dt, 200 + k), "b": y})
        # every count against the extremes and a few values
        info = np.iinfo(NP[dt])
        xv = np.array([info.min, info.min + 1, -1 if dt[0] == "i" else 1, 0, 1, 5, info.max - 1, info.max], NP[dt])
        counts = np.arange(-3 if dt[0] == "i" else 0, bits + 3).astype(NP[dt])
        m = build_model(ops=[Op("RIGHT_SHIFT", ["a", "b"], ["y"])],
                        tensors=[T("a", [len(xv), 1], dt), T("b", [len(counts)], dt), T("y", [len(xv), len(counts)], dt)])
        cases[f"right_shift_{dt}_every_count"] = (m, {"a": xv.reshape(-1, 1), "b": counts})
    return cases


def _l2_pool_cases():
    cases = {}
    for xs, f, st, pad, act in [([1, 8, 8, 3], (2, 2), (2, 2), "valid", "none"),
                                ([1, 7, 9, 5], (2, 2), (1, 1), "same", "none"),
                                ([2, 9, 10, 16], (3, 3), (2, 2), "same", "relu"),
                                ([1, 5, 6, 4], (4, 3), (3, 2), "same", "relu6"),
                                ([1, 3, 3, 17], (5, 5), (1, 1), "same", "relu_n1_to_1"),   # window past the image
                                ([1, 1, 50, 2], (1, 4), (1, 4), "valid", "none"),
                                ([1, 6, 6, 9], (6, 6), (1, 1), "valid", "relu6"),           # global
                                ([3, 10, 4, 1], (3, 1), (3, 1), "same", "none")]:
        opts = dict(padding=pad, filter_height=f[0], filter_width=f[1], stride_h=st[0], stride_w=st[1], activation=act)
        x = _x(xs, "f32", len(cases)) * 2.0
        cases[f"l2_pool2d_{_tag(xs)}_f{f[0]}x{f[1]}_s{st[0]}x{st[1]}_{pad}_{act}"] = (
            TB.float_model("L2_POOL_2D", xs, [], opts), {"x": x})
    return cases


def _revseq_cases():
    cases = {}
    for k, (xs, seq, batch) in enumerate([([2, 3, 4], 2, 0), ([2, 3, 4], 1, 2), ([4, 5], 1, 0), ([5, 4], 0, 1),
                                          ([2, 3, 2, 4, 3, 2], 3, 1), ([2, 1, 3, 2, 2, 3], 0, 5), ([3, 6, 1], 1, 0)]):
        for dt in (REVSEQ_DTYPES if k in (0, 4) else REVSEQ_DTYPES[k % 5:k % 5 + 1]):
            for ldt, const in (("i32", k % 2 == 0), ("i64", k % 2 == 1)):
                r = np.random.default_rng(k)
                lengths = r.integers(-2, xs[seq], xs[batch], endpoint=True)
                lengths[0] = xs[seq]                                     # the whole sequence
                lengths = lengths.astype(NP[ldt])
                feeds = {"x": _x(xs, dt, k)} if const else {"x": _x(xs, dt, k), "s": lengths}
                cases[f"reverse_sequence_{dt}_{_tag(xs)}_s{seq}b{batch}_{ldt}{'_const' if const else ''}"] = (
                    revseq_model(xs, dt, seq, batch, lengths, ldt, const), feeds)
    return cases


def _diag_cases():
    cases = {}
    for dt in DIAG_DTYPES:
        t = (lambda name, sh: qt(name, sh, 0.05, -3)) if dt == "i8" else (lambda name, sh: T(name, sh, dt))
        few = dt in ("i32", "i64")                  # same code as f32/i8 but the element width
        for xs in ([5], [2, 3], [2, 1, 4], [1, 2, 1, 2, 3])[2 if few else 0:]:
            m = build_model(ops=[Op("MATRIX_DIAG", ["x"], ["y"])], tensors=[t("x", xs), t("y", xs + [xs[-1]])])
            cases[f"matrix_diag_{dt}_{_tag(xs)}"] = (m, {"x": _x(xs, dt, len(cases))})
        for xs in ([3, 3], [4, 2], [2, 5], [2, 3, 4], [2, 1, 3, 1, 4, 3])[3 if few else 0:]:
            ds = xs[:-2] + [min(xs[-2:])]
            m = build_model(ops=[Op("MATRIX_SET_DIAG", ["x", "d"], ["y"])], tensors=[t("x", xs), t("d", ds), t("y", xs)])
            cases[f"matrix_set_diag_{dt}_{_tag(xs)}"] = (m, {"x": _x(xs, dt, len(cases)), "d": _x(ds, dt, 7 + len(cases))})
    return cases


def _bargs_bucketize_cases():
    cases = {}
    for dt in ("i32", "i64"):
        for k, (a, b) in enumerate([([2, 1, 3], [4, 1]), ([5], [1]), ([1, 1], [3, 4]), ([2, 1, 3, 1, 2, 1], [7, 1, 1, 2, 1]),
                                    ([6, 1], [6, 7]), ([1], [1, 1, 9])]):
            a, b = np.array(a, NP[dt]), np.array(b, NP[dt])
            cases[f"broadcast_args_{dt}_{k}"] = (bargs_model(len(a), len(b), dt), {"a": a, "b": b})
    every = [-np.inf, -1e9, -2.5, -1.0, -0.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 1e9, np.inf, np.nan]
    for dt in ("f32", "i32", "i64"):
        for k, (bounds, xs) in enumerate([([0.0, 1.5, 3.0], [4, 6]), ([-1.0, -1.0, 0.0, 2.5, 100.0], [2, 1, 3, 2, 2, 3]),
                                          ([0.5], [50]), ([float(v) for v in range(-20, 21, 3)], [7, 9])]):
            x = _x(xs, "f32", k) * 8 if dt == "f32" else np.random.default_rng(k).integers(-25, 25, xs)
            x = x.astype(NP[dt])
            x.reshape(-1)[:len(bounds)] = np.asarray(bounds).astype(NP[dt])         # values equal to a boundary
            cases[f"bucketize_{dt}_{k}"] = (bucketize_model(xs, dt, bounds), {"x": x})
        ints = [-2**31, -3, -1, 0, 1, 2, 3, 2**31 - 1] + ([-2**63, 2**40 + 1, 2**63 - 1] if dt == "i64" else [])
        x = np.array(every if dt == "f32" else ints, NP[dt])
        cases[f"bucketize_{dt}_edges"] = (bucketize_model(list(x.shape), dt, [-1.0, 0.0, 1.0, 2.0, 2.0]), {"x": x})
    return cases


CASES = {**_add_n_cases(), **_bitwise_cases(), **_l2_pool_cases(), **_revseq_cases(), **_diag_cases(),
         **_bargs_bucketize_cases()}
INEXACT = {name for name in CASES if name.startswith("l2_pool2d")}      # sqrtf: within 1e-4 of LiteRT

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
    H.assert_close(verify.run_program(rt, _program(name), feeds), _litert(name, model, feeds),
                   exact=name not in INEXACT)


def test_add_n_int32_wraps_like_litert(rt):
    m = build_model(ops=[Op("ADD_N", ["a", "b"], ["y"])], tensors=[T(k, [3], "i32") for k in ("a", "b", "y")],
                    inputs=["a", "b"], outputs=["y"])
    feeds = {"a": np.array([2**31 - 1, -2**31, 7], np.int32), "b": np.array([1, -1, 2**31 - 1], np.int32)}
    ours = H.run_ours(rt, m, feeds)["y"]
    np.testing.assert_array_equal(ours, (feeds["a"].astype(np.int64) + feeds["b"]).astype(np.int32))


def test_add_n_of_unequal_shapes_or_one_input_is_refused():
    m = build_model(ops=[Op("ADD_N", ["a", "b"], ["y"])],
                    tensors=[T("a", [2, 3]), T("b", [3]), T("y", [2, 3])], inputs=["a", "b"], outputs=["y"])
    with pytest.raises(SelbuildError, match="one shape"):
        H.convert_bytes(m)
    m = build_model(ops=[Op("ADD_N", ["a"], ["y"])], tensors=[T("a", [3]), T("y", [3])])
    with pytest.raises(SelbuildError, match="two or more"):        # LiteRT fails Prepare too
        H.convert_bytes(m)


# --------------------------------------------------------------------------- qemu

arm_runtime = H.arm_runtime_fixture("cover3", KERNELS)


@pytest.mark.qemu
def test_matches_litert_on_arm(arm_runtime):
    H.assert_cases_match(arm_runtime, CASES, lambda name, m: _program(name), _litert, exact=lambda name: name not in INEXACT)


# --------------------------------------------------------------------------- hostile programs

checker = H.checker_fixture("cover3", KERNELS)


# One seed per family and check variant (the dtypes of a family share their
# check; tests/test_fuzz_kernels.py and the fuzz seeds reach every kernel).
HOSTILE = ["add_n_f32", "add_n_i32", "bitwise_xor_i8", "right_shift_i16", "right_shift_u8", "l2_pool2d_f32",
           "reverse_sequence_f32", "reverse_sequence_u8", "reverse_sequence_i64", "matrix_diag_i8", "matrix_set_diag_f32",
           "matrix_set_diag_i64", "broadcast_args_i32", "bucketize_f32"]


@pytest.mark.parametrize("name", HOSTILE)
def test_edited_fields_are_rejected_or_safe(checker, name):
    prog = H.convert_bytes(small_cover3_models()[name])
    assert_edits_rejected_or_safe(checker, name, prog)


@pytest.mark.parametrize("name,param,value", [
    ("bitwise_xor_i8", "a_strides0", 6), ("bitwise_xor_u8", "rank", 7), ("right_shift_i16", "b_strides1", 4),
    ("right_shift_i32", "b_strides0", -1),
    ("l2_pool2d_f32", "stride_h", 0), ("l2_pool2d_f32", "filter_w", 0), ("l2_pool2d_f32", "filter_h", 2**31 - 1),
    ("l2_pool2d_f32", "pad_top", -1), ("l2_pool2d_f32", "pad_left", 9),
    ("reverse_sequence_f32", "outer", 2), ("reverse_sequence_i64", "d1", 0), ("reverse_sequence_i32", "seq_first", 2),
    ("reverse_sequence_u8", "inner", 2**31 - 1), ("reverse_sequence_i32", "seq_first", 0),
])
def test_bad_iparams_are_rejected(checker, name, param, value):
    prog = H.convert_bytes(small_cover3_models()[name])
    kernel = read_program(prog).nodes[0].kernel
    index = load_catalogue()[kernel].iparams.index(param)
    assert run_batch(*checker, name, [rebuild(prog, iparam=(index, value))]) == [(UNSUPPORTED, 0)]


def test_l2_pool2d_with_inverted_activation_bounds_is_rejected(checker):
    prog = H.convert_bytes(small_cover3_models()["l2_pool2d_f32"])
    assert run_batch(*checker, "l2_pool_act", [rebuild(prog, fparam=(0, 7.0))]) == [(UNSUPPORTED, 0)]


def test_reverse_sequence_length_past_the_dim_fails_the_run(rt):
    m = revseq_model([2, 3, 4], "i32", 2, 0, None, "i32", False)
    x = _x([2, 3, 4], "i32")
    with pytest.raises(Exception, match="failed to invoke"):                  # LiteRT fails Invoke
        _litert("reverse_sequence_too_long", m, {"x": x, "s": np.array([5, 2], np.int32)})
    # LiteRT 2.3 runs [2, 5] (its check misses a later length, which then reads
    # outside the input); we refuse every one
    for lengths in ([5, 2], [2, 5]):
        with pytest.raises(SelbuildError):
            H.run_ours(rt, m, {"x": x, "s": np.array(lengths, np.int32)})


@pytest.mark.parametrize("seq,batch,lengths,match", [(2, 0, [2, 5], "exceeds"), (-1, 0, [1, 1], "different"),
                                                     (1, 1, [1, 1, 1], "different"), (2, 0, [1, 1, 1], "shape")])
def test_reverse_sequence_refusals(seq, batch, lengths, match):
    m = revseq_model([2, 3, 4], "f32", seq, batch, np.array(lengths, np.int32), "i32", True)
    with pytest.raises(SelbuildError, match=match):
        H.convert_bytes(m)


@pytest.mark.parametrize("name,tensor,dims", [("matrix_diag_f32", 1, [3, 2, 3]), ("matrix_diag_i8", 0, [2, 4]),
                                              ("matrix_set_diag_i32", 1, [2, 4]), ("matrix_set_diag_i64", 2, [2, 4, 3]),
                                              ("matrix_set_diag_f32", 1, [3, 2]), ("broadcast_args_i32", 2, [2]),
                                              ("broadcast_args_i64", 0, [1, 2]), ("bucketize_f32", 2, [2, 4]),
                                              ("bucketize_i32", 1, [1, 2])])
def test_shapes_that_disagree_are_rejected(checker, name, tensor, dims):
    prog = H.convert_bytes(small_cover3_models()[name])
    node = read_program(prog).nodes[0]
    t = (node.inputs + node.outputs)[tensor]
    assert run_batch(*checker, name, [rebuild(prog, shape=(t, dims))]) == [(UNSUPPORTED, 0)]


def test_matrix_set_diag_of_a_wrong_diagonal_is_refused():
    m = build_model(ops=[Op("MATRIX_SET_DIAG", ["x", "d"], ["y"])],
                    tensors=[T("x", [2, 3, 4]), T("d", [2, 4]), T("y", [2, 3, 4])])
    with pytest.raises(SelbuildError, match="min"):
        H.convert_bytes(m)


def test_broadcast_args_of_incompatible_shapes_fails_the_run(rt):
    # (LiteRT 2.3 aborts the whole process on these, so it is not asked)
    feeds = {"a": np.array([2, 3], np.int32), "b": np.array([4, 3], np.int32)}
    with pytest.raises(SelbuildError):
        H.run_ours(rt, bargs_model(2, 2, "i32"), feeds)


def test_constant_broadcast_args_and_bucketize_fold():
    i32 = lambda v: np.array(v, np.int32)  # noqa: E731
    # broadcast_args of constants feeding a reshape: the node folds away
    m = build_model(ops=[Op("BROADCAST_ARGS", ["a", "b"], ["s"]), Op("RESHAPE", ["x", "s"], ["y"])],
                    tensors=[T("a", [2], "i32", data=i32([3, 1])), T("b", [1], "i32", data=i32([4])),
                             T("s", [2], "i32"), T("x", [12]), T("y", [3, 4])], inputs=["x"], outputs=["y"])
    assert all(not nd.kernel.startswith("broadcast_args") for nd in read_program(H.convert_bytes(m)).nodes)
    m = build_model(ops=[Op("BUCKETIZE", ["c"], ["i"], options={"boundaries": [0.0, 1.0]}),
                         Op("ADD", ["x", "i"], ["y"])],
                    tensors=[T("c", [3], "f32", data=np.float32([-1, 0.5, 7])), T("i", [3], "i32"),
                             T("x", [3], "i32"), T("y", [3], "i32")], inputs=["x"], outputs=["y"])
    prog = H.convert_bytes(m)
    assert [nd.kernel for nd in read_program(prog).nodes] == ["add.i32"]
    with pytest.raises(SelbuildError, match="do not broadcast"):
        H.convert_bytes(build_model(
            ops=[Op("BROADCAST_ARGS", ["a", "b"], ["s"]), Op("RESHAPE", ["x", "s"], ["y"])],
            tensors=[T("a", [1], "i32", data=i32([3])), T("b", [1], "i32", data=i32([4])), T("s", [1], "i32"),
                     T("x", [12]), T("y", [12])], inputs=["x"], outputs=["y"]))


@pytest.mark.parametrize("bounds,match", [([1.0, 0.0], "sorted"), ([], "without boundaries")])
def test_bucketize_refusals(bounds, match):
    with pytest.raises(SelbuildError, match=match):
        H.convert_bytes(bucketize_model([4], "f32", bounds))


def test_add_n_with_a_short_input_is_rejected(checker):
    prog = H.convert_bytes(small_cover3_models()["add_n_f32"])
    assert run_batch(*checker, "add_n_short", [rebuild(prog, shape=(1, [2, 3, 3]))]) == [(UNSUPPORTED, 0)]
