"""Issue-12 batch B against LiteRT (BUILTIN_REF; its default kernel for
SEGMENT_SUM, which has no reference registration):
* segment_sum and unsorted_segment_{sum,max,min,prod} in f32 and i32: empty
  segments keep LiteRT's identities, negative ids are dropped, ids of rank
  > 1, rank-6 data, ids computed at run time, NaN in max/min, int32 wrap;
* sparse_to_dense (f32, i32, i64, i8): scalar / vector / [n, rank] indices
  in int32 and int64, scalar values, repeats (validate_indices has no
  effect in LiteRT), a default_value computed at run time;
* embedding_lookup_sparse (f32; sum, mean, sqrtn), a bucket coming back;
* int8 reduce_min and reduce_prod (LiteRT's per-step rescaled product);
and the converter's refusals (a run-time tensor that decides the output
shape) and run failures where LiteRT's invoke fails. Every case is a
single-op model from tests/tflite_builder.py; `CASES` is shared with the
qemu test, which runs them all in one android-armv7 and one arm64
size-profile library."""

from __future__ import annotations

import numpy as np
import pytest

import harness as H
from program_edits import UNSUPPORTED, assert_edits_rejected_or_safe, rebuild, run_batch
from segment_models import (NP, UNSORTED, bmm_i8_model, lookup_sparse_model, reduce_i8_model, segment_model,
                            small_lookup_sparse_models, small_reduce_i8_models, small_segment_models,
                            small_sparse_models, sparse_model)
from selbuild.errors import SelbuildError, UnsupportedError

KERNELS = [f"{op}.{dt}" for op in ["segment_sum"] + [f"unsorted_segment_{o.lower()}" for o in UNSORTED]
           for dt in ("f32", "i32")]
KERNELS += [f"sparse_to_dense.{dt}" for dt in ("f32", "i32", "i64", "i8")] + ["embedding_lookup_sparse.f32"]
KERNELS += ["reduce_min.i8", "reduce_prod.i8", "batch_matmul.i8", "sum.i8"]


def _x(shape, dtype, seed=0, small=False):
    r = np.random.default_rng(seed)
    if dtype == "f32":
        return r.standard_normal(shape).astype(np.float32)
    return r.integers(-3, 4, shape).astype(np.int32) if small else r.integers(-10**6, 10**6, shape).astype(np.int32)


def _half(items, parity):
    """Every other item, starting at `parity` (0/1): the shape lists rotate over ops and dtypes, so that each
    feature is covered by some kernels of a family and the suite stays within its time budget."""
    return [(k, it) for k, it in enumerate(items) if k % 2 == parity % 2]


def _segment_cases():
    cases = {}
    for d, dt in enumerate(("f32", "i32")):
        for k, (shape, ids) in _half([([6, 3], [0, 0, 1, 2, 2, 2]), ([5], [0, 1, 1, 2, 3]),
                                          ([4, 1, 2, 1, 2, 3], [0, 0, 0, 1]), ([3, 4], [0, 0, 0]), ([1, 7], [0])], d):
            cases[f"segment_sum_{dt}_{k}"] = (segment_model("SEGMENT_SUM", shape, ids, dt), {"x": _x(shape, dt, k)})
        for j, op in enumerate(UNSORTED):
            b, o = f"UNSORTED_SEGMENT_{op}", op.lower()
            small = op == "PROD"                      # products of small ints: exact in both dtypes
            for k, (shape, ids, num, const, nshape) in _half([
                    ([6, 3], [0, 4, 4, -1, 0, 2], 6, True, None),          # empty segments 1, 3, 5; a dropped row
                    ([6, 3], [2, 0, -5, 2, 1, 0], 4, False, [1]),         # ids computed at run time
                    ([4, 3, 2], [[0, 1, 2], [1, 1, 7], [-1, 0, 0], [3, 3, 3]], 8, True, None),   # ids of rank 2
                    ([4, 3], [[0, 1, 2], [1, 1, 7], [-1, 0, 0], [3, 3, 3]], 9, False, None),   # ids as the data's shape
                    ([2, 1, 3, 1, 2, 3], [1, 0], 3, True, [1]),            # rank 6
                    ([5], [0, 0, 0, 0, 0], 1, False, None)], j + d):
                feeds = {"x": _x(shape, dt, 10 + k, small)}
                if not const:
                    feeds["i"] = np.asarray(ids, np.int32)
                cases[f"unsorted_segment_{o}_{dt}_{k}"] = (segment_model(b, shape, ids, dt, num, const, nshape), feeds)
    i32max = np.iinfo(np.int32).max
    for op, x in (("SUM", [i32max, 1, 5, i32max]), ("PROD", [65536, 65536, 3, 1 << 30])):   # int32 wraps
        cases[f"unsorted_segment_{op.lower()}_i32_wraps"] = (
            segment_model(f"UNSORTED_SEGMENT_{op}", [4], [0, 0, 1, 1], "i32", 2), {"x": np.array(x, np.int32)})
    cases["segment_sum_i32_wraps"] = (segment_model("SEGMENT_SUM", [3], [0, 0, 0], "i32"),
                                      {"x": np.array([i32max, i32max, 7], np.int32)})
    nan = np.float32([np.nan, 1, 2, np.nan, -np.inf, np.inf])
    for op in ("MAX", "MIN", "SUM", "PROD"):                    # NaN first / later in a segment, infinities
        cases[f"unsorted_segment_{op.lower()}_f32_nan"] = (
            segment_model(f"UNSORTED_SEGMENT_{op}", [6], [0, 0, 1, 1, 2, 2], "f32", 3), {"x": nan})
    return cases


def _values(n, dtype, seed):
    r = np.random.default_rng(seed)
    if dtype == "f32":
        v = r.standard_normal(n if n is not None else ())
    else:
        hi = {"i8": 127, "i32": 2**31 - 1, "i64": 2**62}[dtype]
        v = r.integers(-hi, hi, n if n is not None else ())
    return np.asarray(v).astype(NP[dtype])


def _sparse_cases():
    cases = {}
    for d, dt in enumerate(("f32", "i32", "i64", "i8")):
        for k, (idx, out, nv, kw) in _half([
                ([1, 3], [5], 2, {}),                                               # vector indices, rank-1 output
                (2, [5], None, {}),                                                 # scalar index, scalar value
                ([[0, 1], [2, 3], [1, 0]], [3, 4], 3, {"index_dtype": "i64"}),
                ([[0, 1, 0, 2], [1, 0, 2, 0], [0, 0, 0, 0]], [2, 2, 3, 3], None, {"shape_dtype": "i64"}),   # rank 4
                ([4, 1, 4, 0], [6], 4, {"validate": True}),                         # repeats and unsorted: last wins
                ([[2, 0], [0, 3]], [3, 4], 2, {"const_indices": True, "validate": False}),
                ([[1, 2]], [2, 3], 1, {"default_input": True}),                     # default_value computed at run time
                (list(range(0, 40, 3)), [40], 14, {"index_dtype": "i64"})], d):
            m = sparse_model(idx, out, nv, dt, **kw)
            feeds = {"v": _values(nv, dt, k)}
            if not kw.get("const_indices"):
                feeds["i"] = np.asarray(idx, NP[kw.get("index_dtype", "i32")])
            if kw.get("default_input"):
                feeds["d"] = _values(None, dt, 99)
            cases[f"sparse_to_dense_{dt}_{k}"] = (m, feeds)
    return cases


def _lookup_feeds(ids, ind, w):
    return {"ids": np.asarray(ids, np.int32), "ind": np.asarray(ind, np.int32), "w": np.asarray(w, np.float32)}


def _lookup_sparse_cases():
    r = np.random.default_rng(7)
    p43, p6 = r.standard_normal((4, 3)), r.standard_normal((6, 2, 2))
    rows = np.sort(r.integers(0, 5, 20))                                  # 20 entries over 5 x 8 buckets
    big = _lookup_feeds(r.integers(0, 10, 20), np.stack([rows, r.integers(0, 8, 20)], 1), r.random(20) + 0.1)
    cases = {}
    for c in ("sum", "mean", "sqrtn"):
        every = [(n, kk, dense, params, feeds) for n, kk, dense, params, feeds in [
                (4, 2, [3, 2], p43, _lookup_feeds([0, 1, 3, 2], [[0, 0], [0, 1], [2, 0], [2, 1]], [1, 2, 0.5, 3])),
                (3, 2, [3, 2], p43, _lookup_feeds([0, 1, 3], [[0, 0], [2, 1], [0, 1]], [1, 2, 2])),   # bucket 0 again
                (2, 1, [2], p43, _lookup_feeds([3, 1], [[0], [1]], [0.7, -2])),            # one bucket: output [3]
                (3, 3, [2, 2, 5], p6, _lookup_feeds([5, 0, 2], [[0, 1, 4], [1, 0, 0], [1, 1, 3]], [1, 1, 2])),
                (2, 2, [2, 2], p43, _lookup_feeds([0, 1], [[1, 0], [1, 1]], [1, -1])),     # mean of weights 0: inf/NaN
                (20, 2, [5, 8], r.standard_normal((10, 4)), big)]]
        for k, (n, kk, dense, params, feeds) in (enumerate(every) if c == "mean" else _half(every, c == "sqrtn")):
            cases[f"embedding_lookup_sparse_f32_{c}_{k}"] = (lookup_sparse_model(n, kk, dense, params, c), feeds)
    return cases


def _reduce_i8_cases():
    r = np.random.default_rng(11)
    cases = {}
    for k, (shape, axes, keep) in enumerate([([4, 7], [1], False), ([2, 3, 5], [0, -1], True), ([6], [0], False),
                                             ([2, 1, 3, 2, 2, 3], [1, 3, 5], False), ([3, 4], [0, 1], True)]):
        x = r.integers(-128, 128, shape).astype(np.int8)
        for qi in [[(0.1, 3), (0.02, -128), (0.5, 127)][k % 3]]:
            cases[f"reduce_min_i8_{k}_zp{qi[1]}"] = (reduce_i8_model("REDUCE_MIN", shape, axes, qi, qi, keep), {"x": x})
    # products: small factors (few steps saturate), wide and narrow output scales, zero points at both ends
    for k, (shape, axes, qi, qo) in enumerate([([4, 3], [1], (0.1, 3), (0.4, -2)), ([2, 3, 2], [0, 2], (0.5, 0), (0.9, 1)),
                                               ([5, 2], [0], (0.05, -10), (0.01, 5)), ([3, 4], [1], (0.2, 0), (0.2, 0)),
                                               ([2, 6], [1], (1.0, 0), (50.0, -100)), ([2, 2, 3], [-1], (0.3, -128), (0.02, 127)),
                                               ([8], [0], (0.9, 1), (0.001, 0))]):
        x = r.integers(-20, 21, shape).astype(np.int8)
        cases[f"reduce_prod_i8_{k}"] = (reduce_i8_model("REDUCE_PROD", shape, axes, qi, qo), {"x": x})
    # sum: input and output quantized alike (saturated sums) and rescaled (float32, ties to even), rank 6
    for k, (shape, axes, keep) in enumerate([([3, 7], [1], False), ([64, 9], [1], True), ([4, 5, 6], [0, 2], False),
                                             ([2, 3, 4], [0, 1, 2], False), ([2, 1, 3, 2, 2, 3], [0, 4, -1], True)]):
        x = r.integers(-128, 128, shape).astype(np.int8)
        qs = [((0.1, 3), (0.1, 3)), ((0.1, 3), (0.4, -2)), ((0.0123, 17), (0.3, -7)), ((0.5, 1), (1.0, 0)),
              ((0.05, -128), (0.0125, 127))]
        for j, (qi, qo) in [(k % 5, qs[k % 5]), ((k + 2) % 5, qs[(k + 2) % 5])]:
            cases[f"sum_i8_{k}_q{j}"] = (reduce_i8_model("SUM", shape, axes, qi, qo, keep), {"x": x})
    # batch_matmul: broadcast batches, adj_x / adj_y, a constant b, zero points at both ends, K = 300
    for k, (a_s, b_s, qa, qb, qo, ax, ay, const) in enumerate([
            ([2, 3, 4], [2, 4, 5], (0.05, 3), (0.02, 0), (0.3, -5), False, False, False),
            ([2, 3, 4], [4, 5], (0.05, 0), (0.02, 7), (0.3, 0), False, False, True),
            ([1, 2, 4, 3], [3, 1, 5, 4], (0.05, -7), (0.02, 0), (0.9, 10), True, True, False),
            ([3, 4], [6, 4], (0.05, -128), (0.01, 127), (0.02, 127), False, True, True),
            ([2, 1, 2, 3, 4], [1, 2, 1, 4, 2], (0.1, 1), (0.1, -1), (2.0, 0), False, False, False),   # rank 5
            ([2, 300], [300, 3], (0.01, -3), (0.004, 2), (0.05, -20), False, False, False)]):
        a = r.integers(-128, 128, a_s).astype(np.int8)
        b = r.integers(-128, 128, b_s).astype(np.int8)
        feeds = {"a": a} if const else {"a": a, "b": b}
        cases[f"batch_matmul_i8_{k}"] = (bmm_i8_model(a_s, b_s, qa, qb, qo, ax, ay, b if const else None), feeds)
    return cases


CASES = {**_segment_cases(), **_sparse_cases(), **_lookup_sparse_cases(), **_reduce_i8_cases()}


# float sums in LiteRT's order are bit-equal; NaN cases and divisions compare within 1e-4
INEXACT = {n for n in CASES if n.endswith("_nan") or n.startswith("embedding_lookup_sparse")}


# LiteRT 2.3's reference int8 SUM returns values unrelated to the sum (a row of 50, 50, 50, -10 in
# one scale sums to -1); its default kernel is the one to match, and these cases compare against it.
DEFAULT_KERNELS = {n for n in CASES if n.startswith("sum_i8")}


def _litert(name, model, feeds):
    # SEGMENT_SUM has no BUILTIN_REF registration: fallback=True takes the default kernel there
    return H.litert(model, feeds, reference=name not in DEFAULT_KERNELS, fallback=True)


rt = H.runtime_fixture(KERNELS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_litert(rt, name):
    model, feeds = CASES[name]
    H.assert_close(H.run_ours(rt, model, feeds), _litert(name, model, feeds), exact=name not in INEXACT)


def test_empty_segments_keep_the_identities(rt):
    """Not only equal to LiteRT: the identities themselves (0, lowest, highest, 1)."""
    for op, dt, ident in [("SUM", "f32", 0), ("MAX", "f32", -np.finfo(np.float32).max), ("MIN", "f32", np.finfo(np.float32).max),
                          ("PROD", "f32", 1), ("SUM", "i32", 0), ("MAX", "i32", np.iinfo(np.int32).min),
                          ("MIN", "i32", np.iinfo(np.int32).max), ("PROD", "i32", 1)]:
        m = segment_model(f"UNSORTED_SEGMENT_{op}", [2, 2], [0, 2], dt, 4)
        ours = H.run_ours(rt, m, {"x": _x([2, 2], dt, 1)})["y"]
        assert (ours[[1, 3]] == ident).all(), (op, dt, ours)


def test_run_time_id_past_num_segments_fails_the_run(rt):
    m = segment_model("UNSORTED_SEGMENT_SUM", [3, 2], [0, 1, 2], "f32", 2, const_ids=False)
    feeds = {"x": _x([3, 2], "f32"), "i": np.array([0, 2, 1], np.int32)}
    with pytest.raises(RuntimeError, match="max_index < num_segments"):
        H.litert(m, feeds)
    with pytest.raises(SelbuildError):
        H.run_ours(rt, m, feeds)


def test_refusals():
    with pytest.raises(UnsupportedError, match="computed at run time") as e:          # the shape is the ids'
        H.convert_bytes(segment_model("SEGMENT_SUM", [4, 2], [0, 0, 1, 1], const_ids=False))
    assert "constant" in e.value.hint
    with pytest.raises(UnsupportedError, match="not sorted") as e:
        H.convert_bytes(segment_model("SEGMENT_SUM", [4, 2], [0, 2, 1, 2]))
    assert "UNSORTED_SEGMENT_SUM" in e.value.hint
    with pytest.raises(UnsupportedError, match="not sorted"):
        H.convert_bytes(segment_model("SEGMENT_SUM", [2], [1, 1]))
    with pytest.raises(UnsupportedError, match="not below num_segments"):
        H.convert_bytes(segment_model("UNSORTED_SEGMENT_MAX", [3], [0, 3, 1], "f32", 3))
    with pytest.raises(UnsupportedError, match="leading part"):
        H.convert_bytes(segment_model("UNSORTED_SEGMENT_MIN", [3, 2], [[0, 1, 0]], "f32", 3))
    from tflite_builder import Op, T, build_model
    m = build_model(ops=[Op("UNSORTED_SEGMENT_PROD", ["x", "i", "n"], ["y"])],
                    tensors=[T("x", [3]), T("i", [3], "i32", data=np.array([0, 1, 0], np.int32)), T("n", [], "i32"),
                             T("y", [2])], inputs=["x", "n"], outputs=["y"])
    with pytest.raises(UnsupportedError, match="num_segments 'n' is computed at run time") as e:
        H.convert_bytes(m)
    assert e.value.hint


def test_sparse_to_dense_refusals_and_run_failures(rt):
    with pytest.raises(UnsupportedError, match="output_shape 's' is computed at run time") as e:
        from tflite_builder import Op, T, build_model
        H.convert_bytes(build_model(ops=[Op("SPARSE_TO_DENSE", ["i", "s", "v", "d"], ["y"])],
                                    tensors=[T("i", [2], "i32"), T("s", [1], "i32"), T("v", [2]),
                                             T("d", [], data=np.float32(0)), T("y", [4])],
                                    inputs=["i", "s", "v"], outputs=["y"]))
    assert "constant" in e.value.hint
    with pytest.raises(UnsupportedError, match="outside the output"):
        H.convert_bytes(sparse_model([[0, 1], [3, 0]], [3, 4], 2, const_indices=True))
    with pytest.raises(UnsupportedError, match="index tuples of 1 for an output of rank 2"):
        H.convert_bytes(sparse_model([1, 3], [2, 5], 2))
    with pytest.raises(UnsupportedError, match="LiteRT takes ranks 1..4"):
        H.convert_bytes(sparse_model([[0, 0, 0, 0, 1]], [1, 1, 1, 1, 5], 1))
    with pytest.raises(UnsupportedError, match="1 values for 2 indices"):
        H.convert_bytes(sparse_model([1, 3], [5], 1))
    for bad in ([1, 5], [-1, 0]):                     # run-time indices outside the output fail both runs
        m, feeds = sparse_model([1, 3], [5], 2), {"i": np.array(bad, np.int32), "v": _values(2, "f32", 0)}
        with pytest.raises(RuntimeError, match="SPARSE_TO_DENSE"):
            H.litert(m, feeds)
        with pytest.raises(SelbuildError):
            H.run_ours(rt, m, feeds)


def test_embedding_lookup_sparse_refusals_and_run_failures(rt):
    p = np.ones((4, 3), np.float32)
    with pytest.raises(UnsupportedError, match="dense_shape 'ds' is computed at run time") as e:
        H.convert_bytes(lookup_sparse_model(2, 2, [3, 2], p, const_dense=False))
    assert "constant" in e.value.hint
    for ids, ind in (([0, 4], [[0, 0], [1, 0]]), ([0, -1], [[0, 0], [1, 0]]), ([0, 1], [[0, 0], [-1, 0]])):
        m, feeds = lookup_sparse_model(2, 2, [3, 2], p), _lookup_feeds(ids, ind, [1, 1])
        if min(ids) < 0 or max(ids) >= 4:                     # LiteRT checks ids; a bucket outside is undefined there
            with pytest.raises(RuntimeError, match="index out of bounds"):
                H.litert(m, feeds)
        with pytest.raises(SelbuildError):
            H.run_ours(rt, m, feeds)


# --------------------------------------------------------------------------- qemu

arm_runtime = H.arm_runtime_fixture("segments", KERNELS)


@pytest.mark.qemu
def test_matches_litert_on_arm(arm_runtime):
    H.assert_cases_match(arm_runtime, CASES, lambda name, m: H.convert_bytes(m), _litert, exact=lambda name: name not in INEXACT)


# --------------------------------------------------------------------------- hostile programs

checker = H.checker_fixture("segments", KERNELS)
SMALL = {**small_segment_models(), **small_sparse_models(), **small_lookup_sparse_models(),
         **small_reduce_i8_models()}


@pytest.mark.parametrize("name", sorted(SMALL))
def test_edited_fields_are_rejected_or_safe(checker, name):
    prog = H.convert_bytes(SMALL[name])
    assert_edits_rejected_or_safe(checker, name, prog, some_refused=True)  # the check refuses some shapes


@pytest.mark.parametrize("value", [3, -1, 2**31 - 1])
def test_bad_combiner_is_rejected(checker, value):
    from selbuild.catalogue import load_catalogue
    from selbuild.convert import read_program
    name = "embedding_lookup_sparse_f32_sum"
    prog = H.convert_bytes(SMALL[name])
    index = load_catalogue()[read_program(prog).nodes[0].kernel].iparams.index("combiner")
    assert run_batch(*checker, name, [rebuild(prog, iparam=(index, value))]) == [(UNSUPPORTED, 0)]


@pytest.mark.parametrize("name,param,value", [
    ("reduce_prod_i8", "shift", 8), ("reduce_prod_i8", "shift", -32), ("reduce_prod_i8", "multiplier", -1),
    ("reduce_prod_i8", "input_zp", 128), ("reduce_prod_i8", "output_zp", -129), ("reduce_prod_i8", "axis_mask", 8),
    ("batch_matmul_i8", "shift", 31), ("batch_matmul_i8", "multiplier", -1), ("batch_matmul_i8", "a_zp", -129),
    ("batch_matmul_i8", "out_zp", 128), ("batch_matmul_i8", "adj_y", 0), ("batch_matmul_i8", "a_stride3", 13),
    ("batch_matmul_i8", "batch3", 3), ("sum_i8", "rescale", 2), ("sum_i8", "input_zp", 200),
    ("sum_i8", "axis_mask", -1)])
def test_bad_int8_iparams_are_rejected(checker, name, param, value):
    from selbuild.catalogue import load_catalogue
    from selbuild.convert import read_program
    prog = H.convert_bytes(SMALL[name])
    index = load_catalogue()[read_program(prog).nodes[0].kernel].iparams.index(param)
    assert run_batch(*checker, name, [rebuild(prog, iparam=(index, value))]) == [(UNSUPPORTED, 0)]
