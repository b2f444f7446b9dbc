"""int8 kernels on hostile programs: every `check` must reject whatever `run`
cannot survive, including integer overflow.

Small valid int8 programs (one per kernel) are edited one field at a time and
loaded by tests/c/selrt_check.c built with ASan+UBSan (overflow traps), then
run on arenas filled with 0x00, 0x80 (every int8 input -128) and 0x7f: a zeroed
arena hides accumulator overflow, the extremes do not.

- The int32 accumulators of conv2d, depthwise_conv2d, fully_connected and
  transpose_conv: `check` proves |bias| + max|x| * sum|w| fits int32 per output
  channel, exactly at the edge (a bias one past it is refused, at it loads);
  a filter zero point (legacy uint8 models) adds its correction's bound:
  the edge with filter_zp 1 is refused, |filter_zp| 255 on small biases runs,
  |filter_zp| > 255 is refused.
- resize_bilinear.i8 with a scale the converter would never write (2^16, 2^20)
  reads inside the image; an empty input image with a non-empty output is refused.
- Window parameters no SAME/VALID padding gives for the shapes, and zero
  points outside int8, are refused.
- Every iparam at extreme values and every tensor reshaped: refused or safe.
"""

from __future__ import annotations

import numpy as np
import pytest

import harness as H
import tflite_builder as TB
from program_edits import BAD_PROGRAM, OK, UNSUPPORTED, rebuild, run_batch, variants
from selbuild.catalogue import load_catalogue
from selbuild.convert import read_program

FILLS = (0x00, 0x80, 0x7F)
KERNELS = ["conv2d.i8", "depthwise_conv2d.i8", "fully_connected.i8", "transpose_conv.i8", "resize_bilinear.i8",
           "resize_bilinear.f32", "resize_nearest_neighbor.i8", "resize_nearest_neighbor.f32", "add.i8",
           "average_pool2d.i8"]
# Which of the kernel's x values the accumulator sees at most (transpose_conv
# multiplies x - input_zp).
XMAX = {"conv2d": 128, "depthwise": 128, "fully_connected": 128, "transpose_conv": 255}


@pytest.fixture(scope="module")
def checker(tmp_path_factory):
    if H.find_cc(("clang-19",)) is None:
        pytest.skip("clang-19 (ASan+UBSan) not installed")
    d = tmp_path_factory.getbasetemp() / "int8_kernels_check"
    d.mkdir(exist_ok=True)
    return d, H.build(d, KERNELS, cc="clang-19", sanitize=True, main=H.TESTS_C / "selrt_check.c",
                      name="selrt_check_i8")


@pytest.fixture(scope="module")
def programs():
    progs = {name: H.convert_bytes(m) for name, m in H.small_int8_models().items()}
    floats = H.small_models()
    progs.update({f"{k}_f32": H.convert_bytes(floats[k]) for k in ("resize_bilinear", "resize_nearest")})
    q = TB.qt
    progs["add"] = H.convert_bytes(TB.one_op("ADD", [q("a", [2, 4], 0.05, 3), q("b", [2, 4], 0.04, -2),
                                                      q("y", [2, 4], 0.1, 127)], ["a", "b"], ["y"]))
    progs["average_pool"] = H.convert_bytes(TB.one_op("AVERAGE_POOL_2D", [q("x", [1, 4, 5, 3], 0.1, -7),
                                                                          q("y", [1, 2, 3, 3], 0.1, -7)], ["x"], ["y"],
                                                      dict(padding="same", stride_h=2, stride_w=2, filter_height=3,
                                                           filter_width=2)))
    return progs


def _all_fills(checker, name, progs):
    results = [run_batch(*checker, name, progs, fill) for fill in FILLS]
    assert results[0] == results[1] == results[2]       # loading does not depend on the arena
    return results[0]


def test_programs_load_and_run(checker, programs):
    for name, prog in programs.items():
        assert _all_fills(checker, name, [rebuild(prog)]) == [(OK, 1)], name


def _bias_edge(prog: bytes, name: str) -> tuple[int, int, np.ndarray]:
    """(bias tensor, weight tensor, per-channel xmax * sum|w|) of node 0."""
    info = read_program(prog)
    node = info.nodes[0]
    w_t, b_t = node.inputs[1], node.inputs[2]
    o, n = info.buffer_offsets[info.tensors[w_t].buffer]
    w = np.frombuffer(prog[o:o + n], np.int8).reshape(-1, info.tensors[w_t].shape[-1]).astype(np.int64)
    return b_t, w_t, XMAX[name] * np.abs(w).sum(axis=0)


@pytest.mark.parametrize("name", sorted(XMAX))
@pytest.mark.parametrize("sign", [1, -1])
def test_accumulator_bound_is_exact(checker, programs, name, sign):
    prog = programs[name]
    b_t, _, reach = _bias_edge(prog, name)
    nb = read_program(prog).tensors[b_t].shape[0]
    edge = (2**31 - 1 - reach[:nb]) if sign > 0 else (-2**31 + reach[:nb])
    at_edge = rebuild(prog, buffer=(b_t, edge.astype("<i4").tobytes()))
    one_past = rebuild(prog, buffer=(b_t, (edge + sign).astype("<i4").tobytes()))
    # At the edge every input is safe (UBSan traps on any overflow); one past it is refused.
    assert _all_fills(checker, name, [at_edge, one_past]) == [(OK, 1), (UNSUPPORTED, 0)]


@pytest.mark.parametrize("name", ["conv2d", "depthwise", "fully_connected"])
def test_filter_zp_counts_in_the_accumulator_bound(checker, programs, name):
    prog = programs[name]
    b_t, _, reach = _bias_edge(prog, name)
    nb = read_program(prog).tensors[b_t].shape[0]
    at_edge = rebuild(prog, buffer=(b_t, (2**31 - 1 - reach[:nb]).astype("<i4").tobytes()))
    zp = load_catalogue()[read_program(prog).nodes[0].kernel].iparams.index("filter_zp")
    edited = [rebuild(at_edge, iparam=(zp, 1)), rebuild(prog, iparam=(zp, 255)), rebuild(prog, iparam=(zp, -255))]
    # UBSan traps on any overflow of the corrected accumulators on the 0x00 / 0x80 / 0x7f arenas.
    assert _all_fills(checker, name, edited) == [(UNSUPPORTED, 0), (OK, 1), (OK, 1)]


@pytest.mark.parametrize("name", ["conv2d", "depthwise", "fully_connected", "transpose_conv"])
def test_largest_requantize_plus_zero_point_does_not_wrap(checker, programs, name):
    """Requantize output 2^31 - 3 plus output zero point 127 must clamp, not
    wrap (UBSan traps on the signed overflow). On the zero-filled arena every
    x - input_zp term is what the folded bias already accounts for, so an
    accumulator equals its bias 2^30 - 1 at least where no padding tap lands;
    multiplier 2^31 - 1 with shift 1 maps it to 2^31 - 3."""
    prog = programs[name]
    info = read_program(prog)
    node = info.nodes[0]
    spec = load_catalogue()[node.kernel]
    rq, b_t = node.inputs[spec.inputs.index("requant")], node.inputs[2]
    c = info.tensors[rq].shape[1]
    table = np.array([[2**31 - 1] * c, [1] * c], "<i4").tobytes()
    bias = np.full(info.tensors[b_t].shape[0], 2**30 - 1, "<i4").tobytes()
    edited = rebuild(rebuild(rebuild(prog, buffer=(rq, table)), buffer=(b_t, bias)),
                     iparam=(spec.iparams.index("output_zp"), 127))
    assert _all_fills(checker, name, [edited]) == [(OK, 1)]


def test_largest_add_rescale_plus_zero_point_does_not_wrap(checker, programs):
    """ADD's output rescale at 2^31 - 65 plus zero point 127: on the zero
    arena a - a_zp = 128, 128 << 22 = 2^29, times (2^31 - 64) / 2^31 is
    2^29 - 16, shifted left 2 and times (2^31 - 1) / 2^31 gives 2^31 - 65."""
    spec = load_catalogue()["add.i8"]
    prog = programs["add"]
    edits = {"a_zp": -128, "a_mult": 2**31 - 64, "a_shift": 0, "b_mult": 0, "left_shift": 22,
             "out_mult": 2**31 - 1, "out_shift": 2, "out_zp": 127}
    for param, value in edits.items():
        prog = rebuild(prog, iparam=(spec.iparams.index(param), value))
    assert _all_fills(checker, "add", [prog]) == [(OK, 1)]


@pytest.mark.parametrize("scale", [65536, 1 << 20, 2**31 - 1])
@pytest.mark.parametrize("index", [1, 2])          # scale_h10, scale_w10
def test_resize_bilinear_huge_scale_reads_inside(checker, programs, scale, index):
    """A scale no converter writes: loaded and run inside the image, or refused."""
    prog = rebuild(programs["resize_bilinear"], iparam=(index, scale))
    (st, ran), = _all_fills(checker, "resize_bilinear_scale", [prog])
    assert (st, ran) in ((OK, 1), (UNSUPPORTED, 0))
    if scale <= 1 << 20:
        assert (st, ran) == (OK, 1)          # within the documented scale range: runs


@pytest.mark.parametrize("name", ["resize_bilinear", "resize_nearest", "resize_bilinear_f32", "resize_nearest_f32"])
@pytest.mark.parametrize("dim", [1, 2])
def test_resize_from_an_empty_image_is_refused(checker, programs, name, dim):
    prog = programs[name]
    x = read_program(prog).nodes[0].inputs[0]
    shape = list(read_program(prog).tensors[x].shape)
    shape[dim] = 0
    (st, ran), = _all_fills(checker, name, [rebuild(prog, shape=(x, shape))])
    assert st in (BAD_PROGRAM, UNSUPPORTED) and not ran


@pytest.mark.parametrize("name,param,value", [
    ("conv2d", "stride_h", 65536), ("conv2d", "dilation_w", 65536), ("conv2d", "pad_top", -1),
    ("conv2d", "input_zp", 128), ("conv2d", "output_zp", -129),
    ("depthwise", "stride_w", 3), ("depthwise", "pad_left", 65536), ("depthwise", "input_zp", -200),
    ("transpose_conv", "stride_h", 65536), ("transpose_conv", "pad_left", -2), ("transpose_conv", "output_zp", 300),
    ("fully_connected", "output_zp", 128),
    ("conv2d", "filter_zp", 256), ("depthwise", "filter_zp", -256), ("fully_connected", "filter_zp", 2**31 - 1),
    ("average_pool", "ties_up", 2), ("average_pool", "ties_up", -1),
])
def test_parameters_that_do_not_fit_shapes_or_dtypes_are_rejected(checker, programs, name, param, value):
    kernel = read_program(programs[name]).nodes[0].kernel
    index = load_catalogue()[kernel].iparams.index(param)
    assert _all_fills(checker, name, [rebuild(programs[name], iparam=(index, value))]) == [(UNSUPPORTED, 0)]


def test_average_pool_ties_up_runs(checker, programs):
    """ties_up 1 (legacy uint8 pools): the floor division stays in range on every arena."""
    index = load_catalogue()["average_pool2d.i8"].iparams.index("ties_up")
    assert _all_fills(checker, "average_pool", [rebuild(programs["average_pool"], iparam=(index, 1))]) == [(OK, 1)]


@pytest.mark.parametrize("name", sorted(H.small_int8_models()))
def test_edited_fields_are_rejected_or_safe(checker, programs, name):
    progs = variants(programs[name])
    results = _all_fills(checker, name, progs)
    assert results and all(st in (OK, BAD_PROGRAM, UNSUPPORTED) for st, _ in results), results
    assert all(ran for st, ran in results if st == OK)
