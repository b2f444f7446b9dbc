"""Float layer kernels on hostile programs: every `check` must reject whatever
`run` cannot survive.

Small valid programs (one per kernel, converted from single-op models) are
rebuilt with one field changed at a time -- each iparam and fparam set to
extreme values, each dim of each node tensor grown, shrunk or set to 1, ranks
changed -- and then with seeded random byte mutations. Each variant is loaded
and, if it loads, run on a zeroed arena by tests/c/selrt_check.c built with
ASan+UBSan: any out-of-bounds access, overflow or division by zero aborts the
driver and fails the test. A few changes must be rejected outright.
"""

from __future__ import annotations

import math
import subprocess

import pytest

import harness as H
from program_edits import BAD_PROGRAM, OK, UNSUPPORTED, rebuild, run_batch, variants
from selbuild.catalogue import load_catalogue
from selbuild.convert import read_program

@pytest.fixture(scope="module")
def checker(tmp_path_factory):
    if H.find_cc(("clang-19",)) is None:
        pytest.skip("clang-19 (ASan+UBSan) not installed")
    d = tmp_path_factory.getbasetemp() / "layer_kernels_check"
    d.mkdir(exist_ok=True)
    return d, H.build(d, H.FLOAT_LAYER_KERNELS, cc="clang-19", sanitize=True, main=H.TESTS_C / "selrt_check.c",
                           name="selrt_check_a")


@pytest.fixture(scope="module")
def programs():
    return {name: H.convert_bytes(m) for name, m in H.small_models().items()}


def _batch(checker, name: str, progs: list[bytes]) -> list[tuple[int, int]]:
    return run_batch(*checker, name, progs)


def test_programs_round_trip(checker, programs):
    """The rebuilt, unedited programs load and run: the edits below are the only change."""
    for name, prog in programs.items():
        assert _batch(checker, name, [rebuild(prog)]) == [(OK, 1)], name


@pytest.mark.parametrize("name", sorted(H.small_models()))
def test_edited_fields_are_rejected_or_safe(checker, programs, name):
    results = _batch(checker, name, variants(programs[name]))
    assert results and all(st in (OK, BAD_PROGRAM, UNSUPPORTED) for st, _ in results), results
    # Loaded programs also ran (the driver runs every program that loads).
    assert all(ran for st, ran in results if st == OK)


@pytest.mark.parametrize("name,index,value", [
    ("conv2d", 0, 0), ("conv2d", 2, -1), ("conv2d", 4, 2**31 - 1),
    ("depthwise", 6, 3), ("depthwise", 1, 0),
    ("transpose_conv", 0, 0), ("average_pool", 0, 0), ("max_pool", 3, -2),
    ("mean", 0, 8), ("sum", 0, -1), ("reduce_max", 0, 1 << 6),
    ("batch_matmul", 0, 2), ("batch_matmul", 3, 3), ("batch_matmul", 9, 1000),
    ("resize_bilinear", 0, 2), ("depth_to_space", 0, 3), ("space_to_depth", 0, 0),
    ("pad", 0, 5), ("pad_v2", 2, 1),
])
def test_bad_iparams_are_rejected(checker, programs, name, index, value):
    assert _batch(checker, name, [rebuild(programs[name], iparam=(index, value))]) == [(UNSUPPORTED, 0)]


# Window parameters that no SAME or VALID padding gives for the tensors' shapes:
# programs like these used to load and compute silently wrong outputs.
WINDOW_EDITS = [
    ("conv2d", "stride_h", 65536), ("conv2d", "dilation_w", 65536), ("conv2d", "pad_top", -1),
    ("conv2d", "pad_left", 2), ("conv2d", "stride_w", 2),
    ("depthwise", "stride_w", 65536), ("depthwise", "dilation_h", 3), ("depthwise", "pad_left", -1),
    ("transpose_conv", "stride_h", 65536), ("transpose_conv", "pad_top", -1), ("transpose_conv", "stride_w", 3),
    ("average_pool", "filter_w", 65536), ("average_pool", "pad_top", -3), ("average_pool", "stride_h", 1),
    ("max_pool", "filter_h", 65536), ("max_pool", "stride_w", 65536), ("max_pool", "pad_left", 1),
]


@pytest.mark.parametrize("name,param,value", WINDOW_EDITS)
def test_windows_that_do_not_fit_the_shapes_are_rejected(checker, programs, name, param, value):
    kernel = read_program(programs[name]).nodes[0].kernel
    index = load_catalogue()[kernel].iparams.index(param)
    assert _batch(checker, name, [rebuild(programs[name], iparam=(index, value))]) == [(UNSUPPORTED, 0)]


@pytest.mark.parametrize("name,index,value", [("resize_bilinear", 0, math.nan), ("resize_nearest", 1, -1.0),
                                              ("resize_nearest", 0, math.inf)])
def test_bad_fparams_are_rejected(checker, programs, name, index, value):
    assert _batch(checker, name, [rebuild(programs[name], fparam=(index, value))]) == [(UNSUPPORTED, 0)]


@pytest.mark.parametrize("name", sorted(H.small_models()))
def test_random_byte_mutations(checker, programs, name):
    d, exe = checker
    path = d / f"{name}_mut.selrt"
    path.write_bytes(programs[name])
    res = subprocess.run([str(exe), "--mutate", "300", "7", str(path)], capture_output=True, text=True)
    assert res.returncode == 0, f"{name}: sanitizer or crash:\n{res.stderr[-3000:]}"


# (program, "in"/"out", position, new shape): shapes that disagree with the
# rest of the node. All shrink a tensor, so the core's byte checks pass and
# only the kernel's check can refuse them.
BAD_SHAPES = [
    ("conv2d", "in", 0, [1, 5, 6, 2]),            # input depth != filter depth
    ("conv2d", "out", 0, [1, 3, 6, 3]),           # output depth != filter count
    ("conv2d", "in", 2, [3]),                     # bias length
    ("depthwise", "in", 0, [1, 5, 5, 1]),         # C * multiplier != output depth
    ("depthwise", "out", 0, [1, 5, 5, 3]),
    ("transpose_conv", "in", 0, [1, 3, 3, 1]),
    ("transpose_conv", "out", 0, [1, 6, 6, 2]),
    ("fully_connected", "in", 0, [2, 3, 3]),      # does not flatten into rows of 4
    ("fully_connected", "out", 0, [2, 3, 4]),
    ("batch_matmul", "in", 0, [2, 3, 3]),         # inner dims differ
    ("batch_matmul", "out", 0, [2, 3, 4]),
    ("average_pool", "out", 0, [1, 3, 3, 2]),
    ("max_pool", "in", 0, [1, 5, 5, 2]),
    ("mean", "out", 0, [2, 1, 1]),
    ("sum", "out", 0, [2, 3]),
    ("reduce_max", "out", 0, [2, 2]),
    ("softmax", "out", 0, [2, 4]),
    ("log_softmax", "out", 0, [1, 5]),
    ("l2_normalization", "out", 0, [2, 4]),
    ("resize_bilinear", "out", 0, [1, 5, 7, 1]),
    ("resize_nearest", "out", 0, [1, 5, 2, 1]),
    ("depth_to_space", "out", 0, [1, 4, 6, 1]),
    ("space_to_depth", "out", 0, [1, 2, 3, 4]),
    ("pad", "out", 0, [2, 6]),                     # smaller than input + padding before
    ("pad_v2", "out", 0, [3, 3]),
]


@pytest.mark.parametrize("name,side,pos,shape", BAD_SHAPES)
def test_inconsistent_shapes_are_rejected(checker, programs, name, side, pos, shape):
    node = read_program(programs[name]).nodes[0]
    t = (node.inputs if side == "in" else node.outputs)[pos]
    assert _batch(checker, name, [rebuild(programs[name], shape=(t, shape))]) == [(UNSUPPORTED, 0)]
