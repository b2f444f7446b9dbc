"""Issue-12 batch A kernels against LiteRT (BUILTIN_REF), exact for integers,
floats within 1e-4 x max(1, |ref|): add_n (f32, i32; two to five inputs, rank
6, int32 wrap), bitwise_xor and right_shift (i8, u8, i16, i32; broadcasting,
rank 6, every shift count from -3 to past the width, which LiteRT clamps to
0 .. bits-1). LiteRT runs neither on int64; u16/u32 tensors have no runtime
dtype. Every case is a single-op model from tests/tflite_builder.py; `CASES`
is shared with the qemu test, which runs them all in one android-armv7 and
one android-arm64 size-profile library."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import harness as H
from cover3_models import BITWISE_DTYPES, small_cover3_models
from program_edits import BAD_PROGRAM, OK, UNSUPPORTED, rebuild, run_batch, variants
from selbuild import toolchain_loader, verify
from selbuild.catalogue import load_catalogue
from selbuild.convert import read_program
from selbuild.errors import SelbuildError
from tflite_builder import Op, T, build_model

KERNELS = ["add_n.f32", "add_n.i32"]
KERNELS += [f"{op}.{dt}" for op in ("bitwise_xor", "right_shift") for dt in BITWISE_DTYPES]

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
        for k, (xs, ys) in enumerate([([4, 7], [4, 7]), ([2, 1, 5], [3, 1]), ([], [6]), ([9], []),
                                      ([2, 1, 3, 1, 2, 1], [1, 2, 1, 3, 1, 2])]):
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


CASES = {**_add_n_cases(), **_bitwise_cases()}
INEXACT: set[str] = set()

rt = H.runtime_fixture(KERNELS)


def _litert(name, model, feeds):
    return H.litert(model, feeds, reference=True, fallback=True)


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_litert(rt, name):
    model, feeds = CASES[name]
    H.assert_close(H.run_ours(rt, model, feeds), _litert(name, model, feeds), exact=name not in INEXACT)


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

@pytest.fixture(scope="module", params=["android-armv7", "android-arm64"])
def arm_runtime(request, tmp_path_factory) -> Path:
    from selbuild.build import build_target
    from selbuild.config import BuildConfig
    target = request.param
    av = toolchain_loader.availability(target)
    if not av.ok:
        pytest.skip(av.reason)
    root = tmp_path_factory.getbasetemp() / f"cover3_arm_{target}"
    root.mkdir(exist_ok=True)
    cfg = BuildConfig(path=root / "cover3.yaml", name="cover3", models=[], targets=[target],
                      ops={k: [] for k in KERNELS})
    r = build_target(cfg, target, out_root=root, profile="size")
    if toolchain_loader.run_prefix(target, r.out_dir) is None:
        pytest.skip(f"{target}: qemu not installed")
    return r.manifest


@pytest.mark.qemu
def test_matches_litert_on_arm(arm_runtime):
    failures = []
    for name, (m, feeds) in CASES.items():
        try:
            H.assert_close(verify.run_program(arm_runtime, H.convert_bytes(m), feeds), _litert(name, m, feeds),
                           exact=name not in INEXACT)
        except AssertionError as e:
            failures.append(f"{name}: {e}")
    assert not failures, "\n".join(failures[:5])


# --------------------------------------------------------------------------- hostile programs

@pytest.fixture(scope="module")
def checker(tmp_path_factory):
    if H.find_cc(("clang-19",)) is None:
        pytest.skip("clang-19 (ASan+UBSan) not installed")
    d = tmp_path_factory.getbasetemp() / "cover3_kernels_check"
    d.mkdir(exist_ok=True)
    return d, H.build(d, KERNELS, cc="clang-19", sanitize=True, main=H.TESTS_C / "selrt_check.c",
                      name="selrt_check_cover3")


@pytest.mark.parametrize("name", sorted(small_cover3_models()))
def test_edited_fields_are_rejected_or_safe(checker, name):
    prog = H.convert_bytes(small_cover3_models()[name])
    assert run_batch(*checker, name, [rebuild(prog)]) == [(OK, 1)]
    for fill in (0x00, 0xFF):
        results = run_batch(*checker, name, variants(prog), fill=fill)
        assert results and all(st in (OK, BAD_PROGRAM, UNSUPPORTED) for st, _ in results), results
        assert all(ran for st, ran in results if st == OK)


@pytest.mark.parametrize("name,param,value", [
    ("bitwise_xor_i8", "a_strides0", 6), ("bitwise_xor_u8", "rank", 7), ("right_shift_i16", "b_strides1", 4),
    ("right_shift_i32", "b_strides0", -1),
])
def test_bad_iparams_are_rejected(checker, name, param, value):
    prog = H.convert_bytes(small_cover3_models()[name])
    kernel = read_program(prog).nodes[0].kernel
    index = load_catalogue()[kernel].iparams.index(param)
    assert run_batch(*checker, name, [rebuild(prog, iparam=(index, value))]) == [(UNSUPPORTED, 0)]


def test_add_n_with_a_short_input_is_rejected(checker):
    prog = H.convert_bytes(small_cover3_models()["add_n_f32"])
    assert run_batch(*checker, "add_n_short", [rebuild(prog, shape=(1, [2, 3, 3]))]) == [(UNSUPPORTED, 0)]
