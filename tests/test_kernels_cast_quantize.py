"""Gather, cast and the float<->int8 boundary (quantize.i8,
dequantize.i8, dequantize.f16) vs LiteRT, exact where the result is integer."""

from __future__ import annotations

import numpy as np
import pytest

import harness as H
from selbuild.errors import RunError, UnsupportedError
from tflite_builder import Op, T, build_model


rt = H.runtime_fixture(H.FLOAT_ELEMENTWISE_KERNELS)


def rnd(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def gather_model(ps, ishape, out, axis, batch_dims=0, idx_dtype="i32", idx_const=None):
    return build_model(ops=[Op("GATHER", ["p", "i"], ["y"], options={"axis": axis, "batch_dims": batch_dims})],
                       tensors=[T("p", ps), T("i", ishape, idx_dtype, data=idx_const), T("y", out)])


def gather_out(ps, ishape, axis, bd):
    axis %= len(ps)
    return ps[:axis] + ishape[bd:] + ps[axis + 1:]


GATHER_CASES = [  # params shape, indices shape, axis, batch_dims
    ([5, 3], [4], 0, 0), ([5, 3], [2, 2], 1, 0), ([2, 6, 3], [3], -2, 0), ([4], [], 0, 0),
    ([2, 3, 4], [2, 5], 1, 1), ([2, 3, 4, 2], [2, 3, 2], 2, 2), ([2, 4, 3], [2, 2], 2, 1),
    ([3, 4, 5], [3, 2], -1, -1),
]


@pytest.mark.parametrize("ps,ishape,axis,bd", GATHER_CASES)
@pytest.mark.parametrize("idx_dtype", ["i32", "i64"])
def test_gather_runtime_indices(rt, ps, ishape, axis, bd, idx_dtype):
    bd_n = bd % len(ishape) if bd < 0 else bd
    out = gather_out(ps, ishape, axis, bd_n)
    size = ps[axis % len(ps)]
    idx = np.random.default_rng(1).integers(0, size, ishape).astype(np.int32 if idx_dtype == "i32" else np.int64)
    H.check(rt, gather_model(ps, ishape, out, axis, bd, idx_dtype), {"p": rnd(ps), "i": idx}, exact=True)


def test_gather_constant_indices(rt):
    idx = np.array([[2, 0], [1, 2]], np.int32)
    H.check(rt, gather_model([3, 4], [2, 2], [2, 2, 4], 0, idx_const=idx), {"p": rnd([3, 4])}, exact=True)


@pytest.mark.parametrize("bad", [5, -1, 1 << 20])
def test_gather_out_of_range_index_fails_the_run(rt, bad):
    idx = np.array([0, bad, 1], np.int32)
    with pytest.raises(RunError):
        H.run_ours(rt, gather_model([5, 3], [3], [3, 3], 0), {"p": rnd([5, 3]), "i": idx})


def test_gather_out_of_range_constant_index_fails_conversion():
    with pytest.raises(UnsupportedError, match="out of range"):
        H.convert_bytes(gather_model([5, 3], [2], [2, 3], 0, idx_const=np.array([1, 5], np.int32)))


@pytest.mark.parametrize("dtype", ["i32", "i64", "i16", "i8", "u8", "bool", "f32"])
def test_cast(rt, dtype):
    x = np.array([0.0, -0.0, 0.4, -0.6, 1.5, -2.5, 3.99, -7.2, 100.7, 0.001, 12.0, -1.0], np.float32)
    if dtype in ("u8",):
        x = np.abs(x)
    m = build_model(ops=[Op("CAST", ["x"], ["y"], options={"in_data_type": "f32", "out_data_type": dtype})],
                    tensors=[T("x", [12]), T("y", [12], dtype)])
    try:
        ref = H.litert(m, {"x": x}, fallback=True)
    except (ValueError, RuntimeError):
        pytest.skip(f"not applicable: LiteRT has no f32->{dtype} cast to compare with")
    H.assert_close(H.run_ours(rt, m, {"x": x}), ref, exact=True)


def test_cast_and_quantize_saturate_where_tflite_is_undefined(rt):
    # Not comparable with LiteRT (C leaves these conversions undefined): selrt saturates, NaN -> 0.
    x = np.array([3e9, -3e9, np.nan, 1e30, -1e30, 200.5, -129.9], np.float32)
    m = build_model(ops=[Op("CAST", ["x"], ["y"], options={"in_data_type": "f32", "out_data_type": "i32"})],
                    tensors=[T("x", [7]), T("y", [7], "i32")])
    want = [2**31 - 1, -2**31, 0, 2**31 - 1, -2**31, 200, -129]
    np.testing.assert_array_equal(H.run_ours(rt, m, {"x": x})["y"], want)
    m = build_model(ops=[Op("CAST", ["x"], ["y"], options={"in_data_type": "f32", "out_data_type": "i8"})],
                    tensors=[T("x", [7]), T("y", [7], "i8")])
    np.testing.assert_array_equal(H.run_ours(rt, m, {"x": x})["y"], [127, -128, 0, 127, -128, 127, -128])
    q = H.run_ours(rt, quant_model([7], 0.1, 0), {"x": x})["y"]
    np.testing.assert_array_equal(q, [127, -128, -128, 127, -128, 127, -128])


def quant_model(shape, scale, zp):
    return build_model(ops=[Op("QUANTIZE", ["x"], ["y"])],
                       tensors=[T("x", shape), T("y", shape, "i8", scale=scale, zero_point=zp)])


@pytest.mark.parametrize("scale,zp", [(0.5, 0), (0.25, -3), (0.1, 7), (0.0078125, -128), (2.0, 127), (0.037, 12)])
def test_quantize_rounding_and_saturation(rt, scale, zp):
    k = np.arange(-40, 40, dtype=np.float32)
    ties = (k + 0.5) * np.float32(scale)                 # exactly half-way between two steps
    # Saturation well past int8 (TFLite converts x/scale to int32 first, so
    # quotients beyond int32 are undefined there; selrt saturates those too).
    sat = np.array([1e4, -1e4, 300, -300, 0, -0.0], np.float32) * np.float32(scale)
    x = np.concatenate([ties, rnd([50], 3) * 200 * scale, sat]).astype(np.float32)
    H.check(rt, quant_model([x.size], scale, zp), {"x": x}, exact=True)


def test_quantize_rank4(rt):
    x = rnd([1, 4, 4, 3], 5)
    H.check(rt, quant_model([1, 4, 4, 3], 0.02, -5), {"x": x}, exact=True)


@pytest.mark.parametrize("scale,zp", [(0.5, 0), (0.1, -128), (0.03, 127), (1.7, 5)])
def test_dequantize_i8(rt, scale, zp):
    q = np.arange(-128, 128, dtype=np.int8).reshape(4, 64)
    m = build_model(ops=[Op("DEQUANTIZE", ["q"], ["y"])],
                    tensors=[T("q", [4, 64], "i8", scale=scale, zero_point=zp), T("y", [4, 64])])
    H.check(rt, m, {"q": q}, exact=True)


def test_dequantize_f16(rt):
    h = np.array([0, 0x8000, 1, 0x8001, 0x03ff, 0x0400, 0x3c00, 0xbc00, 0x7bff, 0xfbff, 0x7c00, 0xfc00,
                  0x3555, 0x1234, 0xc8a0], np.uint16).view(np.float16)
    m = build_model(ops=[Op("DEQUANTIZE", ["h"], ["y"])], tensors=[T("h", [h.size], "f16"), T("y", [h.size])])
    try:
        ref = H.litert(m, {"h": h}, fallback=True)
    except (ValueError, RuntimeError):
        ref = {"y": h.astype(np.float32)}
    ours = H.run_ours(rt, m, {"h": h})
    np.testing.assert_array_equal(ours["y"], ref["y"])
    np.testing.assert_array_equal(ours["y"], h.astype(np.float32))   # bit-exact conversion
    nan = np.array([0x7e00, 0xfd01], np.uint16).view(np.float16)
    assert np.isnan(H.run_ours(rt, build_model(ops=[Op("DEQUANTIZE", ["h"], ["y"])],
                                               tensors=[T("h", [2], "f16"), T("y", [2])]), {"h": nan})["y"]).all()


def test_quantize_dequantize_roundtrip(rt):
    # The boundary around an int8 island: f32 -> i8 -> f32.
    s = [2, 8]
    m = build_model(ops=[Op("QUANTIZE", ["x"], ["q"]), Op("DEQUANTIZE", ["q"], ["y"])],
                    tensors=[T("x", s), T("q", s, "i8", scale=0.05, zero_point=3), T("y", s)])
    H.check(rt, m, {"x": rnd(s, 9) * 3}, exact=True)


def test_requantize_and_per_channel_are_rejected():
    # int8 -> int8 requantize is a kernel now (quantize.i8i8, tests/test_requantize.py);
    # int8 -> int16 has none (LiteRT has none either), and a per-channel output is refused.
    m = build_model(ops=[Op("QUANTIZE", ["x"], ["y"])],
                    tensors=[T("x", [4], "i8", scale=0.1, zero_point=0), T("y", [4], "i16", scale=0.2, zero_point=0)])
    with pytest.raises(UnsupportedError, match="requantize"):
        H.convert_bytes(m)
    m = build_model(ops=[Op("QUANTIZE", ["x"], ["y"])],
                    tensors=[T("x", [4], "i8", scale=0.1, zero_point=0),
                             T("y", [4], "i8", scale=[0.2] * 4, zero_point=[1] * 4)])
    with pytest.raises(UnsupportedError, match="per-tensor"):
        H.convert_bytes(m)


def test_cast_to_i64_beyond_int32(rt):
    # The i64 path converts large floats by their bits (no soft-double helper on ARM).
    x = np.array([2.0**31, -2.0**31, 3.5e9, -3.5e9, 2.0**62, -2.0**63, 1e19, -1e19, 1.5, -1.5, 2.0**40 + 2.0**20],
                 np.float32)
    m = build_model(ops=[Op("CAST", ["x"], ["y"], options={"in_data_type": "f32", "out_data_type": "i64"})],
                    tensors=[T("x", [x.size]), T("y", [x.size], "i64")])
    want = [2**31, -2**31, 3500000000, -3500000000, 2**62, -2**63, 2**63 - 1, -2**63, 1, -1, 2**40 + 2**20]
    np.testing.assert_array_equal(H.run_ours(rt, m, {"x": x})["y"], np.array(want, np.int64))
