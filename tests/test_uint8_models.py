"""Legacy uint8 models (older TFLite converters: uint8 activations, per-tensor
uint8 weights with a non-zero weight zero point) against LiteRT BUILTIN_REF.

The int8 GEMM kernels take the weight zero point as `filter_zp`. A uint8
model and its int8 twin (every value and zero point shifted by -128, same
scales) compute the same integer arithmetic, so LiteRT's uint8 kernels are
the reference for int8 programs with a filter zero point too.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import harness as H
import tflite_builder as TB
from selbuild.catalogue import load_catalogue
from selbuild.convert import read_program
from selbuild.verify import run_program

KERNELS = ["conv2d.i8", "depthwise_conv2d.i8", "fully_connected.i8"]

rt = H.runtime_fixture(KERNELS)


def _q(dt: str, name: str, shape, scale: float, zp: int, data=None) -> TB.T:
    """A per-tensor quantized tensor given in uint8 terms, as uint8 (dt "u8")
    or as its int8 twin (values and zero point - 128)."""
    if dt == "i8":
        zp -= 128
        data = None if data is None else (np.asarray(data, np.int16) - 128).astype(np.int8)
    return TB.qt(name, shape, scale, zp, data=data, dtype=dt)


def _u8(shape, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)


def _bias(dt: str, n: int, scale: float, seed: int) -> TB.T:
    data = np.random.default_rng(seed).integers(-3000, 3000, size=n).astype(np.int32)
    return TB.qt("b", [n], scale, 0, data=data, dtype="i32")


def conv(dt: str, wzp: int, stride: int = 1, act: str = "none") -> bytes:
    w = _u8([5, 3, 3, 3], 1)
    return TB.one_op("CONV_2D", [_q(dt, "x", [1, 7, 6, 3], 0.05, 120), _q(dt, "w", [5, 3, 3, 3], 0.02, wzp, w),
                                 _bias(dt, 5, 0.05 * 0.02, 2),
                                 _q(dt, "y", [1, -(-7 // stride), -(-6 // stride), 5], 0.4, 100)],
                     ["x", "w", "b"], ["y"],
                     dict(padding="same", stride_h=stride, stride_w=stride, fused_activation_function=act))


def depthwise(dt: str, wzp: int) -> bytes:
    return TB.one_op("DEPTHWISE_CONV_2D", [_q(dt, "x", [1, 6, 5, 3], 0.05, 90),
                                           _q(dt, "w", [1, 3, 3, 6], 0.03, wzp, _u8([1, 3, 3, 6], 3)),
                                           _bias(dt, 6, 0.05 * 0.03, 4), _q(dt, "y", [1, 6, 5, 6], 0.3, 130)],
                     ["x", "w", "b"], ["y"], dict(padding="same", stride_h=1, stride_w=1, depth_multiplier=2))


def fully_connected(dt: str, wzp: int) -> bytes:
    return TB.one_op("FULLY_CONNECTED", [_q(dt, "x", [3, 20], 0.05, 140), _q(dt, "w", [7, 20], 0.02, wzp, _u8([7, 20], 5)),
                                         _bias(dt, 7, 0.05 * 0.02, 6), _q(dt, "y", [3, 7], 0.3, 110)],
                     ["x", "w", "b"], ["y"])


# name -> model builder (dt -> .tflite bytes); the weight zero points 77 / 200
# are in uint8 terms (-51 / 72 as int8), 128 is int8's symmetric 0.
GEMM: dict[str, Callable[[str], bytes]] = {
    "conv_wzp77": lambda dt: conv(dt, 77),
    "conv_wzp200": lambda dt: conv(dt, 200),
    "conv_wzp128": lambda dt: conv(dt, 128),
    "conv_stride2_wzp200_relu": lambda dt: conv(dt, 200, 2, "relu"),
    "depthwise_m2_wzp77": lambda dt: depthwise(dt, 77),
    "depthwise_m2_wzp128": lambda dt: depthwise(dt, 128),
    "fully_connected_wzp200": lambda dt: fully_connected(dt, 200),
    "fully_connected_wzp128": lambda dt: fully_connected(dt, 128),
}


@pytest.mark.parametrize("name", sorted(GEMM))
def test_int8_gemm_with_filter_zp_matches_litert_uint8(rt, name):
    """The int8 twin (filter_zp = wzp - 128) vs LiteRT's uint8 reference, bit for bit."""
    twin, legacy = GEMM[name]("i8"), GEMM[name]("u8")
    prog = H.convert_bytes(twin)
    node = read_program(prog).nodes[0]
    wz = node.iparams[load_catalogue()[node.kernel].iparams.index("filter_zp")]
    assert wz == {"77": 77, "200": 200, "128": 128}[name.rsplit("wzp", 1)[1].split("_")[0]] - 128
    for seed in range(2):
        x = {"x": _u8(read_program(prog).inputs[0].shape, 10 + seed)}
        ref = H.litert(legacy, x)["y"]
        ours = run_program(rt, prog, {"x": (x["x"].astype(np.int16) - 128).astype(np.int8)})["y"]
        np.testing.assert_array_equal(ours.astype(np.int16) + 128, ref.astype(np.int16), err_msg=f"{name} {seed}")
