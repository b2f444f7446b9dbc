"""Requantize kernels quantize.<in><out> (QUANTIZE from one integer
quantization to another) against LiteRT's reference kernels (BUILTIN_REF):
every output element identical, over every input value of the input dtype
(int8/uint8: all 256; int16: a spread over the whole range), with scale
ratios below, at and above 1, and the int8 <-> uint8 zero-point shift that
LiteRT takes a fast path for. Then hostile programs under ASan+UBSan."""

from __future__ import annotations

import numpy as np
import pytest

import harness as H
from tflite_builder import Op, T, build_model
from program_edits import BAD_PROGRAM, OK, UNSUPPORTED, rebuild, run_batch, variants
from selbuild.convert import read_program

KERNELS = ["quantize.i8i8", "quantize.i8u8", "quantize.u8i8", "quantize.u8u8", "quantize.i16i8", "quantize.i16i16"]
NP = {"i8": np.int8, "u8": np.uint8, "i16": np.int16}
# (input dtype, output dtype, input scale, input zp, output scale, output zp)
CASES = [
    ("i8", "i8", 0.1, 0, 0.2, 1), ("i8", "i8", 0.05, -7, 0.013, 20), ("i8", "i8", 0.5, 3, 0.5, -3),
    ("i8", "u8", 0.1, 0, 0.1, 128), ("i8", "u8", 0.1, -128, 0.3, 5), ("i8", "u8", 0.02, 10, 0.07, 200),
    ("u8", "i8", 0.1, 128, 0.1, 0), ("u8", "i8", 0.004, 0, 0.01, -100), ("u8", "i8", 0.3, 250, 0.11, 3),
    ("u8", "u8", 0.1, 128, 0.25, 100), ("u8", "u8", 0.01, 0, 0.003, 0),
    ("i16", "i8", 0.0005, 0, 0.05, -3), ("i16", "i8", 0.0001, 0, 0.5, 0),
    ("i16", "i16", 0.0005, 0, 0.0002, 0), ("i16", "i16", 0.001, 0, 0.0013, 0),
]


def _model(a, b, sa, za, sb, zb, n) -> bytes:
    return build_model(ops=[Op("QUANTIZE", ["x"], ["y"], version=2)],
                       tensors=[T("x", [n], a, scale=sa, zero_point=za), T("y", [n], b, scale=sb, zero_point=zb)])


def _all_values(dt: str) -> np.ndarray:
    info = np.iinfo(NP[dt])
    if dt == "i16":
        return np.concatenate([np.arange(-32768, 32768, 97), [-32768, -1, 0, 1, 32767]]).astype(np.int16)
    return np.arange(info.min, info.max + 1).astype(NP[dt])


rt = H.runtime_fixture(KERNELS)


@pytest.mark.parametrize("case", CASES, ids=lambda c: "_".join(map(str, c)))
def test_requantize_matches_litert_reference(rt, case):
    a, b, sa, za, sb, zb = case
    x = _all_values(a)
    model = _model(a, b, sa, za, sb, zb, x.size)
    assert read_program(H.convert_bytes(model)).nodes[0].kernel == f"quantize.{a}{b}"
    ours, ref = H.run_ours(rt, model, {"x": x}), H.litert(model, {"x": x})
    assert ours["y"].dtype == NP[b] and np.array_equal(ours["y"], ref["y"]), H.diffs(ours, ref)
    assert len(np.unique(ref["y"])) > 10                        # not all saturated


def test_requantize_between_int8_layers_of_a_model(rt):
    """An int8 island whose two halves disagree on quantization: QUANTIZE
    i8 -> i8 between them, as TFLite's converter writes it."""
    from harness import litert
    m = build_model(ops=[Op("QUANTIZE", ["x"], ["q"], version=2), Op("QUANTIZE", ["q"], ["u"], version=2),
                         Op("QUANTIZE", ["u"], ["y"], version=2)],
                    tensors=[T("x", [64], "i8", scale=0.05, zero_point=-5), T("q", [64], "i8", scale=0.07, zero_point=9),
                             T("u", [64], "u8", scale=0.07, zero_point=137), T("y", [64], "i8", scale=0.1, zero_point=0)])
    assert [n.kernel for n in read_program(H.convert_bytes(m)).nodes] == ["quantize.i8i8", "quantize.i8u8",
                                                                          "quantize.u8i8"]
    x = {"x": H.rand_i8([64], 4)}
    assert np.array_equal(H.run_ours(rt, m, x)["y"], litert(m, x)["y"])


# ------------------------------------------------------------------ hostile programs

@pytest.fixture(scope="module")
def checker(tmp_path_factory):
    if H.find_cc(("clang-19",)) is None:
        pytest.skip("clang-19 (ASan+UBSan) not installed")
    d = tmp_path_factory.getbasetemp() / "requantize_check"
    d.mkdir(exist_ok=True)
    return d, H.build(d, KERNELS, cc="clang-19", sanitize=True, main=H.TESTS_C / "selrt_check.c",
                      name="selrt_check_requant")


@pytest.mark.parametrize("kernel", KERNELS)
def test_hostile_params_are_rejected_or_safe(checker, kernel):
    case = next(c for c in CASES if f"quantize.{c[0]}{c[1]}" == kernel)
    prog = H.convert_bytes(_model(*case, 16))
    results = [run_batch(*checker, kernel.replace(".", "_"), variants(prog), fill) for fill in (0x00, 0x80, 0x7F)]
    assert results[0] == results[1] == results[2]
    assert all(st in (OK, BAD_PROGRAM, UNSUPPORTED) for st, _ in results[0]), results[0]
    assert all(ran for st, ran in results[0] if st == OK)
    # Zero points outside the dtypes and negative multipliers are refused.
    lo_in = {"i8": -129, "u8": -1, "i16": -32769}[case[0]]
    bad = [rebuild(prog, iparam=(0, lo_in)), rebuild(prog, iparam=(1, {"i8": 128, "u8": 256, "i16": 32768}[case[1]])),
           rebuild(prog, iparam=(2, -1)), rebuild(prog, iparam=(3, 31))]
    assert run_batch(*checker, kernel.replace(".", "_") + "_bad", bad) == [(UNSUPPORTED, 0)] * 4
