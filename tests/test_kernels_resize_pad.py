"""Float data-layout kernels vs LiteRT's reference kernels:
resize_bilinear, resize_nearest_neighbor (up- and down-scaling, every
align_corners / half_pixel_centers combination LiteRT accepts, output size 1),
depth_to_space, space_to_depth, pad and pad_v2 (ranks 1-5, zero and
asymmetric paddings)."""

from __future__ import annotations

import numpy as np
import pytest

import harness as H
import tflite_builder as TB

FLAGS = [(False, False), (True, False), (False, True)]


@pytest.fixture(scope="module")
def rt(tmp_path_factory):
    return H.build_runtime(tmp_path_factory.getbasetemp() / "layer_kernels_rt", H.FLOAT_LAYER_KERNELS)


RESIZE_CASES = [
    # x shape, output size
    ([1, 4, 4, 3], (8, 8)),
    ([2, 5, 7, 2], (9, 4)),        # up in h, down in w
    ([1, 8, 6, 5], (3, 2)),        # down
    ([1, 3, 3, 1], (1, 1)),        # single output pixel (align_corners special case)
    ([1, 1, 1, 4], (3, 5)),        # single input pixel
    ([1, 6, 6, 9], (6, 6)),        # identity size
]


@pytest.mark.parametrize("xs,size", RESIZE_CASES)
@pytest.mark.parametrize("ac,hp", FLAGS)
def test_resize_bilinear(rt, xs, size, ac, hp):
    m = TB.float_model("RESIZE_BILINEAR", xs, [("size", np.array(size, np.int32), "i32")],
                dict(align_corners=ac, half_pixel_centers=hp), version=3)
    H.check(rt, m, {"x": H.rnd(xs)})


@pytest.mark.parametrize("xs,size", RESIZE_CASES)
@pytest.mark.parametrize("ac,hp", FLAGS + [(True, True)])
def test_resize_nearest_neighbor(rt, xs, size, ac, hp):
    m = TB.float_model("RESIZE_NEAREST_NEIGHBOR", xs, [("size", np.array(size, np.int32), "i32")],
                dict(align_corners=ac, half_pixel_centers=hp), version=3)
    H.check(rt, m, {"x": H.rnd(xs)})


@pytest.mark.parametrize("xs,b", [([1, 2, 3, 8], 2), ([2, 3, 2, 18], 3), ([1, 1, 1, 4], 2), ([1, 2, 2, 5], 1)])
def test_depth_to_space(rt, xs, b):
    H.check(rt, TB.float_model("DEPTH_TO_SPACE", xs, [], dict(block_size=b)), {"x": H.rnd(xs)})


@pytest.mark.parametrize("xs,b", [([1, 4, 6, 2], 2), ([2, 6, 3, 5], 3), ([1, 2, 2, 1], 2), ([1, 2, 2, 5], 1)])
def test_space_to_depth(rt, xs, b):
    H.check(rt, TB.float_model("SPACE_TO_DEPTH", xs, [], dict(block_size=b)), {"x": H.rnd(xs)})


PAD_CASES = [
    # x shape, paddings
    ([5], [[2, 3]]),
    ([3, 4], [[0, 0], [1, 2]]),
    ([1, 5, 6, 3], [[0, 0], [1, 1], [2, 1], [0, 0]]),     # the usual conv pre-pad
    ([1, 5, 6, 3], [[0, 0], [0, 0], [0, 0], [1, 4]]),     # channel padding
    ([2, 3, 1, 2, 2], [[1, 0], [0, 2], [3, 3], [0, 1], [1, 1]]),
    ([2, 3], [[0, 0], [0, 0]]),                           # nothing
]


@pytest.mark.parametrize("xs,pads", PAD_CASES)
def test_pad(rt, xs, pads):
    m = TB.float_model("PAD", xs, [("p", np.array(pads, np.int32), "i32")], version=2)
    H.check(rt, m, {"x": H.rnd(xs)})


@pytest.mark.parametrize("xs,pads", PAD_CASES)
def test_pad_v2(rt, xs, pads):
    m = TB.float_model("PADV2", xs, [("p", np.array(pads, np.int32), "i32"),
                              ("v", np.array([-2.5], np.float32), "f32")], version=2)
    H.check(rt, m, {"x": H.rnd(xs)})


def test_pad_int64_paddings(rt):
    m = TB.float_model("PAD", [2, 3], [("p", np.array([[1, 0], [0, 2]], np.int64), "i64")], version=2)
    H.check(rt, m, {"x": H.rnd([2, 3])})
