"""Issue-12 breadth kernels against LiteRT (BUILTIN_REF), exact: arg_max /
arg_min (f32, i8, i32 inputs; int32 and int64 outputs; ties; negative axes;
rank 6); int8 abs, neg, rsqrt, gelu tables over all 256 inputs for several
quantizations; int8 maximum / minimum with broadcasting and rank 6;
depth_to_space, space_to_depth, space_to_batch_nd (int8 pads with the zero
point), batch_to_space_nd in f32 (one template now) and int8; int8
squared_difference; cumsum (f32, i32, i64; exclusive, reverse, int32/int64 wrap),
topk_v2 (f32, i8, i32; ties, k = n, rank 6), local_response_normalization;
casts from i32, i64, bool and i8 to every other dtype, boundary values;
int64 movers (reshape .. reverse_v2) with values beyond int32; select_v2 and
select (rank-1 condition along dim 0) in f32, i8, i32.
Every case is a single-op model from tests/tflite_builder.py; `CASES` is
shared with the qemu test at the end, which runs them all in one android-armv7
and one arm64 size-profile library."""

from __future__ import annotations

import numpy as np
import pytest

import harness as H
from cover_models import small_cover_models
from program_edits import UNSUPPORTED, assert_edits_rejected_or_safe, rebuild, run_batch
from selbuild.catalogue import load_catalogue
from selbuild.convert import read_program
from selbuild.errors import UnsupportedError
from tflite_builder import Op, T, build_model, qt

KERNELS = [f"{op}.{dt}" for op in ("arg_max", "arg_min") for dt in ("f32", "i8", "i32")]
KERNELS += [f"{op}.i8" for op in ("abs", "neg", "rsqrt", "gelu", "maximum", "minimum", "squared_difference", "prelu",
                                  "l2_normalization", "relu_0_to_1")] + ["relu_0_to_1.f32"]
KERNELS += ["cumsum.f32", "cumsum.i32", "cumsum.i64", "topk_v2.f32", "topk_v2.i8", "topk_v2.i32", "local_response_normalization.f32"]
KERNELS += ["cast.i32", "cast.i64", "cast.bool", "cast.i8"]
I64_MOVERS = ["reshape", "squeeze", "expand_dims", "transpose", "slice", "strided_slice", "concatenation", "pack",
              "gather", "tile", "broadcast_to", "reverse_v2"]
KERNELS += [f"{op}.i64" for op in I64_MOVERS]
KERNELS += ["select_v2.f32", "select_v2.i8", "select_v2.i32", "select.f32", "select.i8", "select.i32"]
SPACE = ("depth_to_space", "space_to_depth", "space_to_batch_nd", "batch_to_space_nd")
KERNELS += [f"{op}.{dt}" for op in SPACE for dt in ("f32", "i8")]


def _x(shape, dtype, seed=0, ties=False):
    r = np.random.default_rng(seed)
    if dtype == "f32":
        v = r.integers(-3, 4, shape).astype(np.float32) if ties else r.standard_normal(shape).astype(np.float32)
    elif dtype == "i8":
        v = r.integers(-4, 4, shape) if ties else r.integers(-128, 128, shape)
    else:
        v = r.integers(-3, 4, shape) if ties else r.integers(-10**6, 10**6, shape)
    if dtype == "i64":                  # beyond int32, so a 32-bit accumulator would show
        v = np.asarray(v, np.int64) * (2**33 + 1)
    return np.asarray(v).astype({"f32": np.float32, "i8": np.int8, "i32": np.int32, "i64": np.int64}[dtype])


def arg_model(builtin, shape, dtype, axis, out="i32", axis_dtype="i32"):
    a = len(shape) + axis if axis < 0 else axis
    ys = [d for i, d in enumerate(shape) if i != a]
    x = qt("x", shape, 0.1, -3) if dtype == "i8" else T("x", shape, dtype)
    return build_model(ops=[Op(builtin, ["x", "a"], ["y"], options={"output_type": out})],
                       tensors=[x, T("a", [1], axis_dtype, data=np.array([axis])), T("y", ys, out)],
                       inputs=["x"], outputs=["y"])


def _arg_cases():
    cases = {}
    for b in ("ARG_MAX", "ARG_MIN"):
        for dt in ("f32", "i8", "i32"):
            for shape, axis, out, adt, ties in [([4, 7], 1, "i32", "i32", False), ([4, 7], 0, "i64", "i64", True),
                                                ([2, 3, 5], -1, "i64", "i32", True), ([2, 3, 5], -2, "i32", "i32", False),
                                                ([2, 1, 3, 2, 4, 3], 3, "i32", "i64", True), ([9], 0, "i32", "i32", False),
                                                ([1, 5, 5, 21], -1, "i32", "i32", False)]:
                name = f"{b.lower()}_{dt}_{'x'.join(map(str, shape))}_ax{axis}_{out}_{adt}{'_ties' if ties else ''}"
                cases[name] = (arg_model(b, shape, dt, axis, out, adt), {"x": _x(shape, dt, len(cases), ties)})
    return cases


# (scale in, zp in, scale out, zp out): equal params (abs takes its no-rescale path), wide and narrow rescales
QPARAMS = [(0.05, 3, 0.05, 3), (0.1, -7, 0.023, 40), (0.0031, 100, 0.4, -128)]


def lut_model(builtin, qp, options=None, shape=(256,)):
    si, zi, so, zo = qp
    return build_model(ops=[Op(builtin, ["x"], ["y"], options=options)],
                       tensors=[qt("x", list(shape), si, zi), qt("y", list(shape), so, zo)])


def _lut_cases():
    every = np.arange(-128, 128, dtype=np.int8)            # all 256 inputs: the whole table is compared
    cases = {}
    for b, opts in [("ABS", None), ("NEG", None), ("GELU", {"approximate": False}), ("GELU", {"approximate": True})]:
        for k, qp in enumerate(QPARAMS):
            tag = "_approx" if opts and opts["approximate"] else ""
            cases[f"{b.lower()}{tag}_i8_q{k}"] = (lut_model(b, qp, opts), {"x": every})
    # TFLite fails RSQRT for inputs below the zero point: those are left out
    for k, (si, zi, so, zo) in enumerate([(0.1, -128, 0.05, -128), (0.002, -30, 0.9, 5), (1.7, 20, 0.01, -100)]):
        x = np.arange(zi, 128, dtype=np.int8)
        cases[f"rsqrt_i8_q{k}"] = (lut_model("RSQRT", (si, zi, so, zo), shape=x.shape), {"x": x})
    for k, qp in enumerate(QPARAMS + [(0.01, -128, 0.004, -128)]):
        cases[f"relu_0_to_1_i8_q{k}"] = (lut_model("RELU_0_TO_1", qp), {"x": every})
    xf = np.concatenate([np.linspace(-2, 2, 41, dtype=np.float32), np.float32([np.inf, -np.inf, np.nan, -0.0])])
    cases["relu_0_to_1_f32"] = (build_model(ops=[Op("RELU_0_TO_1", ["x"], ["y"])],
                                            tensors=[T("x", [len(xf)]), T("y", [len(xf)])]), {"x": xf})
    cases["abs_i8_rank6"] = (lut_model("ABS", QPARAMS[1], shape=(2, 1, 3, 2, 2, 3)), {"x": _x([2, 1, 3, 2, 2, 3], "i8")})
    for b in ("MAXIMUM", "MINIMUM"):
        for xs, ys, out in [([4, 7], [4, 7], [4, 7]), ([2, 1, 5], [3, 1], [2, 3, 5]), ([], [6], [6]),
                            ([2, 1, 3, 1, 2, 1], [1, 2, 1, 3, 1, 2], [2, 2, 3, 3, 2, 2])]:
            m = build_model(ops=[Op(b, ["a", "b"], ["y"])],
                            tensors=[qt("a", xs, 0.07, -4), qt("b", ys, 0.07, -4), qt("y", out, 0.07, -4)])
            cases[f"{b.lower()}_i8_{'x'.join(map(str, xs)) or 'scalar'}_{'x'.join(map(str, ys))}"] = (
                m, {"a": _x(xs, "i8", 1), "b": _x(ys, "i8", 2)})
    # squared_difference: equal and unequal input scales, broadcasting, rank 6
    for k, (xs, ys, out, qa, qb, qo) in enumerate([
            ([4, 7], [4, 7], [4, 7], (0.05, 3), (0.05, 3), (0.01, -128)),
            ([2, 1, 5], [3, 1], [2, 3, 5], (0.1, -20), (0.037, 11), (0.2, -100)),
            ([], [9], [9], (0.002, 0), (0.5, -1), (0.9, -128)),
            ([2, 1, 3, 1, 2, 1], [1, 2, 1, 3, 1, 2], [2, 2, 3, 3, 2, 2], (0.3, 100), (0.01, -50), (4.0, -120))]):
        m = build_model(ops=[Op("SQUARED_DIFFERENCE", ["a", "b"], ["y"])],
                        tensors=[qt("a", xs, *qa), qt("b", ys, *qb), qt("y", out, *qo)])
        cases[f"squared_difference_i8_{k}"] = (m, {"a": _x(xs, "i8", 3 + k), "b": _x(ys, "i8", 4 + k)})
    # prelu: per-channel-like alpha broadcast, constant alpha, scalar alpha, unequal scales
    for k, (xs, al, qx, qa, qo) in enumerate([([1, 4, 4, 8], [8], (0.05, -10), (0.004, 0), (0.03, -20)),
                                              ([2, 3, 5], [3, 1], (0.2, 30), (0.1, -100), (0.2, 30)),
                                              ([2, 1, 3, 2, 2, 3], [2, 2, 3], (0.01, 0), (0.5, 7), (0.05, 100)),
                                              ([7], [], (0.3, -128), (0.02, 5), (0.06, -3))]):
        alpha = _x(al, "i8", 20 + k)
        m = build_model(ops=[Op("PRELU", ["x", "a"], ["y"])],
                        tensors=[qt("x", xs, *qx), qt("a", al, *qa, data=alpha), qt("y", xs, *qo)],
                        inputs=["x"], outputs=["y"])
        cases[f"prelu_i8_{k}"] = (m, {"x": _x(xs, "i8", 30 + k)})
    # l2_normalization: rows of 1 to 3000 channels, zero points at both ends, near-zero rows
    for k, (xs, qx) in enumerate([([1, 4, 4, 16], (0.05, -3)), ([3, 1000], (0.01, 127)), ([2, 3000], (0.2, -128)),
                                  ([5, 1], (0.1, 0)), ([2, 3, 2, 7], (0.3, 40))]):
        m = build_model(ops=[Op("L2_NORMALIZATION", ["x"], ["y"])],
                        tensors=[qt("x", xs, *qx), qt("y", xs, 1.0 / 128, 0)])
        x = _x(xs, "i8", 40 + k)
        if k == 4:
            x[0] = qx[1]                                          # an all-zero row (sum 0: TFLite's special case)
        cases[f"l2_normalization_i8_{k}"] = (m, {"x": x})
    return cases


def _space_cases():
    i32 = lambda v: np.array(v, np.int32)  # noqa: E731
    cases = {}
    for dt in ("f32", "i8"):
        def t(name, shape):
            return qt(name, shape, 0.03, -9) if dt == "i8" else T(name, shape)
        for name, b, xs, ys, opts, consts in [
                ("depth_to_space", "DEPTH_TO_SPACE", [1, 3, 2, 8], [1, 6, 4, 2], {"block_size": 2}, []),
                ("depth_to_space_b3", "DEPTH_TO_SPACE", [2, 2, 3, 9], [2, 6, 9, 1], {"block_size": 3}, []),
                ("space_to_depth", "SPACE_TO_DEPTH", [1, 4, 6, 3], [1, 2, 3, 12], {"block_size": 2}, []),
                ("space_to_batch_nd_pad", "SPACE_TO_BATCH_ND", [2, 5, 3, 2], [12, 4, 2, 2], None,
                 [("b", i32([2, 3])), ("p", i32([[1, 2], [2, 1]]))]),
                ("space_to_batch_nd_3d", "SPACE_TO_BATCH_ND", [1, 6, 4], [3, 2, 4], None,
                 [("b", i32([3])), ("p", i32([[0, 0]]))]),
                ("batch_to_space_nd_crop", "BATCH_TO_SPACE_ND", [12, 2, 2, 2], [2, 1, 5, 2], None,
                 [("b", i32([2, 3])), ("c", i32([[1, 2], [0, 1]]))]),
                ("batch_to_space_nd", "BATCH_TO_SPACE_ND", [4, 3, 3, 5], [1, 6, 6, 5], None,
                 [("b", i32([2, 2])), ("c", i32([[0, 0], [0, 0]]))])]:
            tensors = [t("x", xs), t("y", ys)] + [T(c, list(v.shape), "i32", data=v) for c, v in consts]
            m = build_model(ops=[Op(b, ["x"] + [c for c, _ in consts], ["y"], options=opts)], tensors=tensors,
                            inputs=["x"], outputs=["y"])
            cases[f"{name}_{dt}"] = (m, {"x": _x(xs, dt, len(cases))})
    return cases


def _axis_cases():
    cases = {}
    for dt in ("f32", "i32", "i64"):
        for shape, axis, excl, rev in [([4, 7], 1, False, False), ([4, 7], 0, True, False), ([2, 3, 5], -1, False, True),
                                       ([2, 3, 5], -2, True, True), ([2, 1, 3, 2, 4, 3], 4, False, False), ([9], 0, True, True)]:
            m = build_model(ops=[Op("CUMSUM", ["x", "a"], ["y"], options={"exclusive": excl, "reverse": rev})],
                            tensors=[T("x", shape, dt), T("a", [], "i32", data=np.array(axis, np.int32)), T("y", shape, dt)],
                            inputs=["x"], outputs=["y"])
            cases[f"cumsum_{dt}_{'x'.join(map(str, shape))}_ax{axis}{'_excl' if excl else ''}{'_rev' if rev else ''}"] = (
                m, {"x": _x(shape, dt, len(cases))})
    x = np.array([[1, 2**31 - 1, 5]], np.int32)                    # int32 wraps as LiteRT's does
    cases["cumsum_i32_wraps"] = (build_model(ops=[Op("CUMSUM", ["x", "a"], ["y"])],
                                             tensors=[T("x", [1, 3], "i32"), T("a", [], "i32", data=np.array(1, np.int32)),
                                                      T("y", [1, 3], "i32")], inputs=["x"], outputs=["y"]), {"x": x})
    x = np.array([[1, 2**63 - 1, 5]], np.int64)                    # and int64 the same
    cases["cumsum_i64_wraps"] = (build_model(ops=[Op("CUMSUM", ["x", "a"], ["y"])],
                                             tensors=[T("x", [1, 3], "i64"), T("a", [], "i32", data=np.array(1, np.int32)),
                                                      T("y", [1, 3], "i64")], inputs=["x"], outputs=["y"]), {"x": x})
    for dt in ("f32", "i8", "i32"):
        for shape, k, ties in [([4, 7], 3, False), ([2, 3, 10], 10, True), ([12], 1, True), ([2, 1, 2, 1, 2, 9], 4, True),
                               ([3, 100], 5, False)]:
            x = qt("x", shape, 0.1, 2) if dt == "i8" else T("x", shape, dt)
            v = qt("v", shape[:-1] + [k], 0.1, 2) if dt == "i8" else T("v", shape[:-1] + [k], dt)
            m = build_model(ops=[Op("TOPK_V2", ["x", "k"], ["v", "i"])],
                            tensors=[x, T("k", [], "i32", data=np.array(k, np.int32)), v, T("i", shape[:-1] + [k], "i32")],
                            inputs=["x"], outputs=["v", "i"])
            cases[f"topk_v2_{dt}_{'x'.join(map(str, shape))}_k{k}{'_ties' if ties else ''}"] = (
                m, {"x": _x(shape, dt, len(cases), ties)})
    for shape, opts in [([1, 3, 3, 8], {"radius": 2, "bias": 1.0, "alpha": 1e-4, "beta": 0.75}),
                        ([2, 2, 2, 5], {"radius": 5, "bias": 2.0, "alpha": 0.5, "beta": 0.5}),
                        ([1, 1, 4, 3], {"radius": 0, "bias": 1.5, "alpha": 0.1, "beta": 1.0})]:
        m = build_model(ops=[Op("LOCAL_RESPONSE_NORMALIZATION", ["x"], ["y"], options=opts)],
                        tensors=[T("x", shape), T("y", shape)])
        cases[f"lrn_{'x'.join(map(str, shape))}_r{opts['radius']}"] = (m, {"x": _x(shape, "f32", len(cases))})
    return cases


def _cast_cases():
    cases = {}
    r = np.random.default_rng(5)
    src = {"i32": np.array([0, 1, -1, 127, 128, -129, 255, 256, 32767, 32768, -32769, 2**31 - 1, -2**31, 16777217,
                            *r.integers(-2**31, 2**31 - 1, 10)], np.int32),
           "i64": np.array([0, 1, -1, 128, -129, 2**31, -2**31 - 1, 2**40 + 3, -2**63, 2**63 - 1, 2**53 + 1,
                            *r.integers(-2**62, 2**62, 10)], np.int64),
           "bool": np.array([True, False, True, True, False, False, True, False]),
           "i8": np.arange(-128, 128, dtype=np.int8)}
    for a, x in src.items():
        for b in ("f32", "i8", "u8", "i16", "i32", "i64", "bool"):
            if a == b:
                continue
            m = build_model(ops=[Op("CAST", ["x"], ["y"], options={"in_data_type": a, "out_data_type": b})],
                            tensors=[T("x", [len(x)], a), T("y", [len(x)], b)])
            cases[f"cast_{a}_to_{b}"] = (m, {"x": x})
    return cases


def _select_cases():
    cases = {}
    for b, shapes in (("SELECT_V2", [([2, 3, 4], [2, 3, 4], [2, 3, 4]), ([3, 1], [1, 4], [3, 4]), ([], [2, 5], [5]),
                                     ([2, 1, 3, 1, 2, 1], [1, 2, 1, 3, 1, 2], [2, 2, 3, 3, 2, 2])]),
                      ("SELECT", [([2, 3, 4], [2, 3, 4], [2, 3, 4]), ([5], [5, 3], [5, 3]), ([4], [4, 2, 2, 3], [4, 2, 2, 3]),
                                  ([6], [6], [6])])):
        for dt in ("f32", "i8", "i32"):
            for k, (cs, xs, ys) in enumerate(shapes):
                out = list(np.broadcast_shapes(tuple(xs), tuple(ys))) if b == "SELECT_V2" else xs
                if b == "SELECT_V2":
                    out = list(np.broadcast_shapes(tuple(cs), tuple(out)))
                t = (lambda name, sh: qt(name, sh, 0.02, 5)) if dt == "i8" else (lambda name, sh: T(name, sh, dt))
                m = build_model(ops=[Op(b, ["c", "x", "y"], ["o"])],
                                tensors=[T("c", cs, "bool"), t("x", xs), t("y", ys), t("o", out)])
                r = np.random.default_rng(k)
                cases[f"{b.lower()}_{dt}_{k}"] = (m, {"c": r.random(cs) < 0.5 if cs else np.bool_(True),
                                                      "x": _x(xs, dt, 50 + k), "y": _x(ys, dt, 60 + k)})
    return cases


def _one_i64(builtin, consts, out):
    return build_model(ops=[Op(builtin, ["x"] + [c for c, _ in consts], ["y"])],
                       tensors=[T("x", [2, 3, 4], "i64"), T("y", out, "i64")]
                       + [T(c, list(v.shape), "i32", data=v) for c, v in consts], inputs=["x"], outputs=["y"])


def _i64_cases():
    import test_kernels_movers as M
    d, i32 = M.data, M.i32
    x = d([2, 3, 4], "i64") * (1 << 40)                          # values beyond int32
    cases = {
        "reshape": (M.model("RESHAPE", [2, 3, 4], "i64", [("s", i32([4, -1]), "i32")]), {"x": x}),
        "squeeze": (M.model("SQUEEZE", [2, 1, 3], "i64", options={"squeeze_dims": [1]}), {"x": d([2, 1, 3], "i64")}),
        "expand_dims": (M.model("EXPAND_DIMS", [2, 3, 4], "i64", [("a", i32([-1]), "i32")]), {"x": x}),
        "transpose": (M.model("TRANSPOSE", [2, 3, 4], "i64", [("p", i32([2, 0, 1]), "i32")]), {"x": x}),
        "slice": (_one_i64("SLICE", [("b", i32([0, 1, 1])), ("z", i32([2, -1, 2]))], [2, 2, 2]), {"x": x}),
        "strided_slice": (_one_i64("STRIDED_SLICE", [("b", i32([1, 0, 3])), ("e", i32([2, 3, 0])),
                                                     ("t", i32([1, 2, -1]))], [1, 2, 3]), {"x": x}),
        "tile": (M.model("TILE", [2, 3, 4], "i64", [("m", i32([1, 2, 2]), "i32")]), {"x": x}),
        "broadcast_to": (M.model("BROADCAST_TO", [3, 1], "i64", [("s", i32([2, 3, 4]), "i32")], version=2),
                         {"x": d([3, 1], "i64")}),
        "reverse_v2": (M.model("REVERSE_V2", [2, 3, 4], "i64", [("a", i32([-1]), "i32")]), {"x": x}),
    }
    for b, opts, out in (("CONCATENATION", {"axis": 1}, [2, 6, 4]), ("PACK", {"axis": 0, "values_count": 2}, [2, 2, 3, 4])):
        m = build_model(ops=[Op(b, ["x", "z"], ["y"], options=opts)],
                        tensors=[T("x", [2, 3, 4], "i64"), T("z", [2, 3, 4], "i64"), T("y", out, "i64")])
        cases[b.lower()] = (m, {"x": x, "z": x + 7})
    for it in ("i32", "i64"):
        m = build_model(ops=[Op("GATHER", ["x", "i"], ["y"], options={"axis": 1})],
                        tensors=[T("x", [2, 3, 4], "i64"), T("i", [5], it), T("y", [2, 5, 4], "i64")])
        cases[f"gather_{it}_indices"] = (m, {"x": x, "i": np.array([2, 0, 1, 1, 2], M.NP[it])})
    return {f"{k}_i64": v for k, v in cases.items()}


CASES = {**_arg_cases(), **_lut_cases(), **_space_cases(), **_axis_cases(), **_cast_cases(), **_i64_cases(),
         **_select_cases()}
INEXACT = {name for name in CASES if name.startswith("lrn_")}      # powf: within 1e-4 of LiteRT
# LiteRT 2.3's reference LRN sums channels c - radius .. c + radius - 1 (one short,
# radius 0 sums none); its default kernel and TF use c - radius .. c + radius: we
# match the default kernel, and compare against it.
DEFAULT_KERNELS = INEXACT


def _litert(name, model, feeds):
    return H.litert(model, feeds, reference=name not in DEFAULT_KERNELS, fallback=True)
rt = H.runtime_fixture(KERNELS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_litert(rt, name):
    model, feeds = CASES[name]
    H.assert_close(H.run_ours(rt, model, feeds), _litert(name, model, feeds), exact=name not in INEXACT)


def test_arg_max_refusals():
    with pytest.raises(UnsupportedError, match="exactly one"):
        H.convert_bytes(build_model(ops=[Op("ARG_MAX", ["x", "a"], ["y"], options={"output_type": "i32"})],
                                    tensors=[T("x", [2, 3]), T("a", [2], "i32", data=np.array([0, 1])),
                                             T("y", [], "i32")], inputs=["x"], outputs=["y"]))
    with pytest.raises(UnsupportedError, match="out of range"):
        H.convert_bytes(arg_model("ARG_MIN", [2, 3], "f32", 2))


def test_int8_maximum_with_a_rescale_is_refused():
    m = build_model(ops=[Op("MAXIMUM", ["a", "b"], ["y"])],
                    tensors=[qt("a", [3], 0.07, -4), qt("b", [3], 0.05, -4), qt("y", [3], 0.07, -4)])
    with pytest.raises(UnsupportedError, match="quantiz"):
        H.convert_bytes(m)


# --------------------------------------------------------------------------- qemu

arm_runtime = H.arm_runtime_fixture("cover", KERNELS)


@pytest.mark.qemu
def test_matches_litert_on_arm(arm_runtime):
    H.assert_cases_match(arm_runtime, CASES, lambda name, m: H.convert_bytes(m), _litert, exact=lambda name: name not in INEXACT)


# --------------------------------------------------------------------------- hostile programs

checker = H.checker_fixture("cover", KERNELS)


@pytest.mark.parametrize("name", sorted(small_cover_models()))
def test_edited_fields_are_rejected_or_safe(checker, name):
    prog = H.convert_bytes(small_cover_models()[name])
    assert_edits_rejected_or_safe(checker, name, prog)


@pytest.mark.parametrize("name,param,value", [
    ("arg_max_f32", "outer", 4), ("arg_max_f32", "axis_size", 5), ("arg_min_i8", "inner", 0),
    ("arg_min_i32", "outer", -1), ("arg_max_i8", "axis_size", 2**31 - 1),
    ("squared_difference_i8", "left_shift", 23), ("squared_difference_i8", "a_shift", 1),
    ("cumsum_f32", "axis_size", 3), ("cumsum_i32", "exclusive", 2), ("cumsum_i32", "inner", 6),
    ("cumsum_i64", "outer", 2), ("cumsum_i64", "reverse", -1),
    ("topk_v2_f32", "k", 7), ("topk_v2_i8", "k", 0), ("topk_v2_i32", "rows", 2), ("topk_v2_f32", "n", 3),
    ("lrn_f32", "depth", 5), ("lrn_f32", "radius", -1),
    ("prelu_i8", "pos_shift", 31), ("prelu_i8", "neg_mult", -1), ("prelu_i8", "x_zp", 300), ("prelu_i8", "b_strides0", 9),
    ("l2_normalization_i8", "depth", 5), ("l2_normalization_i8", "input_zp", -129),
    ("maximum_i8", "rank", 7), ("minimum_i8", "a_strides0", 6), ("minimum_i8", "b_strides1", 4),
])
def test_bad_iparams_are_rejected(checker, name, param, value):
    prog = H.convert_bytes(small_cover_models()[name])
    kernel = read_program(prog).nodes[0].kernel
    index = load_catalogue()[kernel].iparams.index(param)
    assert run_batch(*checker, name, [rebuild(prog, iparam=(index, value))]) == [(UNSUPPORTED, 0)]
