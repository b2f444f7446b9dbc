"""The loader rejects every malformed program with the right status and a
useful message, and never reads out of bounds doing so (the check tool is
built with ASan+UBSan when clang-19 is installed)."""

from __future__ import annotations

import math
import struct
import subprocess

import numpy as np
import pytest

from harness import ctools  # noqa: F401
from program_writer import add_program, bcast_strides, make_program

OK, INVALID_ARG, BAD_PROGRAM, VERSION, MISSING_KERNEL = 0, 1, 2, 3, 4
UNALIGNED, UNSUPPORTED = 7, 8

MISSING = ("program needs kernel '{}' which this runtime was built without; "
           "add it to the config's ops and rebuild")


def _base(**over):
    """An add program [2,3]+[3] as make_program arguments, for editing."""
    args = dict(
        tensors=[{"name": "a", "dtype": "f32", "shape": [2, 3], "arena_offset": 0},
                 {"name": "b", "dtype": "f32", "shape": [3], "arena_offset": 32},
                 {"name": "out", "dtype": "f32", "shape": [2, 3], "arena_offset": 48}],
        nodes=[{"kernel": 0, "inputs": [0, 1], "outputs": [2],
                "iparams": [2] + bcast_strides([2, 3], [2, 3]) + bcast_strides([3], [2, 3]),
                "fparams": [-math.inf, math.inf]}],
        inputs=[0, 1], outputs=[2], kernels=["add.f32"], arena_size=80)
    args.update(over)
    return args


def _with_tensor(i, **fields):
    args = _base()
    args["tensors"][i].update(fields)
    for k, v in list(args["tensors"][i].items()):
        if v is None:
            del args["tensors"][i][k]
    return args


def _with_node(**fields):
    args = _base()
    args["nodes"][0].update(fields)
    return args


def test_base_program_loads_and_runs(ctools):
    assert ctools.load(make_program(**_base())) == (OK, "")


def test_wrong_identifier(ctools):
    st, msg = ctools.load(make_program(**_base(), identifier=b"TFL3"))
    assert st == BAD_PROGRAM and "file identifier 'SLRT' missing" in msg


def test_version_mismatch(ctools):
    st, msg = ctools.load(make_program(**_base(version=2)))
    assert st == VERSION
    assert "program format version 2, this runtime reads version 1" in msg


def test_missing_kernel_message_is_exact(ctools):
    st, msg = ctools.load(make_program(**_base(kernels=["conv2d.f32"])))
    assert (st, msg) == (MISSING_KERNEL, MISSING.format("conv2d.f32"))


def test_missing_kernel_even_if_unused(ctools):
    st, msg = ctools.load(make_program(**_base(kernels=["add.f32", "mul.f32"])))
    assert (st, msg) == (MISSING_KERNEL, MISSING.format("mul.f32"))


def test_kernel_name_prefix_is_not_a_match(ctools):
    for name in ("add.f3", "add.f32x", "add", ""):
        st, msg = ctools.load(make_program(**_base(kernels=[name])))
        assert (st, msg) == (MISSING_KERNEL, MISSING.format(name))


def test_every_truncation_fails(ctools):
    prog = make_program(**_base())
    res = subprocess.run([ctools.check, "--truncate", ctools.write("t.selrt", prog)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    fields = dict(kv.split("=") for kv in res.stdout.split())
    assert int(fields["tried"]) == len(prog)
    # Only trailing alignment padding (never referenced) may be cut off.
    assert int(fields["shortest"]) >= len(prog) - 3


def test_too_short_and_empty(ctools):
    assert ctools.load(b"")[0] == BAD_PROGRAM
    assert ctools.load(b"\x08\0\0\0SLRT")[0] == BAD_PROGRAM


@pytest.mark.parametrize("offset", [1, 4, 8, 12])
def test_unaligned_bytes(ctools, offset):
    path = ctools.write("u.selrt", make_program(**_base()))
    res = subprocess.run([ctools.check, "--offset", str(offset), path], capture_output=True, text=True)
    assert res.stdout.startswith(f"status={UNALIGNED} "), res.stdout + res.stderr
    res = subprocess.run([ctools.check, "--offset", "0", path], capture_output=True, text=True)
    assert res.stdout.startswith("status=0 "), res.stdout


BAD_CASES = {
    # tensors
    "dtype unknown": (_with_tensor(0, dtype=9), "unknown dtype"),
    "dtype negative": (_with_tensor(0, dtype=-1), "unknown dtype"),
    "rank 7": (_with_tensor(0, shape=[1] * 7), "rank above"),
    "dim 0": (_with_tensor(0, shape=[2, 0]), "dims must be >= 1"),
    "dim negative": (_with_tensor(0, shape=[-2, 3]), "dims must be >= 1"),
    "element overflow": (_with_tensor(0, shape=[2**31 - 1] * 6), "too many elements"),
    "arena overflow": (_with_tensor(2, arena_offset=64), "arena range exceeds arena_size"),
    "arena offset huge": (_with_tensor(2, arena_offset=2**62), "arena range exceeds arena_size"),
    "arena misaligned": (_with_tensor(1, arena_offset=40), "not 16-byte aligned"),
    "neither buffer nor arena": (_with_tensor(0, arena_offset=None), "exactly one of"),
    "both buffer and arena": (dict(_with_tensor(1, buffer=0), buffers=[b"\0" * 12]), "exactly one of"),
    "arena offset -2": (_with_tensor(0, arena_offset=-2), "exactly one of"),
    "buffer index out of range": (_with_tensor(1, arena_offset=None, buffer=1) | {"inputs": [0]},
                                  "buffer index out of range"),
    "buffer too short": (dict(_with_tensor(1, arena_offset=None, buffer=0), inputs=[0], buffers=[b"\0" * 8]),
                         "shorter than the tensor"),
    # nodes
    "kernel index out of range": (_with_node(kernel=1), "kernel index out of range"),
    "input index out of range": (_with_node(inputs=[0, 3]), "input tensor index out of range"),
    "input index negative": (_with_node(inputs=[0, -5]), "input tensor index out of range"),
    "required input omitted": (_with_node(inputs=[0, -1]), "-1 for a required input"),
    "too few inputs": (_with_node(inputs=[0]), "wrong number of inputs"),
    "too many inputs": (_with_node(inputs=[0, 1, 1]), "wrong number of inputs"),
    "no outputs": (_with_node(outputs=[]), "wrong number of outputs"),
    "output out of range": (_with_node(outputs=[3]), "output must be an arena tensor"),
    "iparams short": (_with_node(iparams=[2] * 12), "wrong number of iparams"),
    "fparams missing": (_with_node(fparams=[]), "wrong number of fparams"),
    "partition out of range": (_with_node(partition=0), "partition index out of range"),
    "output is an input": (_with_node(outputs=[0]), "an output overlaps an input"),
    "output overlaps input": (_with_tensor(2, arena_offset=16) | {"arena_size": 48 + 16},
                              "an output overlaps an input"),
    "partition -2": (_with_node(partition=-2), "partition index out of range"),
    # graph inputs/outputs
    "graph input out of range": (_base(inputs=[0, 7]), "input 1: must be an arena tensor"),
    "graph output negative": (_base(outputs=[-1]), "output 0: must be an arena tensor"),
    # partitions
    "partition node out of range": (_base(partitions=[{"backend": "x", "nodes": [1]}]),
                                    "partition 0: node index out of range"),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_program_rejected(ctools, case):
    args, expected = BAD_CASES[case]
    st, msg = ctools.load(make_program(**args))
    assert st == BAD_PROGRAM, msg
    assert expected in msg


def test_output_must_not_be_constant(ctools):
    args = _with_tensor(2, arena_offset=None, buffer=0)
    args.update(buffers=[b"\0" * 24])
    st, msg = ctools.load(make_program(**args))
    assert st == BAD_PROGRAM and "output must be an arena tensor" in msg


def test_constant_buffer_misaligned(ctools):
    # Move the buffer's data 4 bytes off its 16-byte alignment by hand: find
    # the data vector (12 distinctive bytes) and shift the uoffset to it.
    marker = bytes(range(200, 212))
    args = _with_tensor(1, arena_offset=None, buffer=0)
    args.update(inputs=[0], buffers=[marker])
    prog = bytearray(make_program(**args))
    assert ctools.load(bytes(prog))[0] == OK
    data_pos = prog.index(marker)
    length_pos = data_pos - 4
    # The Buffer table's only field is a uoffset pointing at length_pos.
    for pos in range(0, len(prog) - 3, 4):
        if pos + struct.unpack_from("<I", prog, pos)[0] == length_pos and pos != length_pos:
            struct.pack_into("<I", prog, pos, length_pos - pos - 4)
            # Make a plausible vector 4 bytes earlier: length 12 at length_pos - 4.
            struct.pack_into("<I", prog, length_pos - 4, 16)
            break
    else:
        pytest.fail("buffer offset not found")
    st, msg = ctools.load(bytes(prog))
    assert st == BAD_PROGRAM and "not 16-byte aligned" in msg


def test_valid_partition_runs_on_cpu(ctools):
    args = _with_node(partition=0)
    args["partitions"] = [{"backend": "vulkan", "payload": b"xyz", "nodes": [0]}]
    args["metadata"] = {"source": "test"}
    assert ctools.load(make_program(**args)) == (OK, "")


ADD_STRIDES = {
    # a is [2, 3] (6 elements), b is [3]; the output is [2, 3].
    "stride past end of a": ([3, 2, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0]),
    "stride past end of b": ([3, 1, 0, 0, 0, 0], [0, 2, 0, 0, 0, 0]),
    "b not broadcast": ([3, 1, 0, 0, 0, 0], [3, 1, 0, 0, 0, 0]),
    "negative stride": ([-3, 1, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0]),
    "huge stride": ([2**31 - 1, 1, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0]),
}


@pytest.mark.parametrize("case", list(ADD_STRIDES))
def test_add_rejects_strides_outside_inputs(ctools, case):
    a_strides, b_strides = ADD_STRIDES[case]
    st, msg = ctools.load(make_program(**_with_node(iparams=[2] + a_strides + b_strides)))
    assert st == UNSUPPORTED and "node 0 (add.f32): the kernel rejects" in msg


@pytest.mark.parametrize("iparams_rank", [-1, 1, 3, 7])
def test_add_rejects_rank_mismatch(ctools, iparams_rank):
    args = _base()
    args["nodes"][0]["iparams"][0] = iparams_rank
    assert ctools.load(make_program(**args))[0] == UNSUPPORTED


def test_add_rejects_nan_activation_and_wrong_dtype(ctools):
    assert ctools.load(make_program(**_with_node(fparams=[math.nan, 1.0])))[0] == UNSUPPORTED
    assert ctools.load(make_program(**_with_node(fparams=[2.0, 1.0])))[0] == UNSUPPORTED
    assert ctools.load(make_program(**_with_tensor(1, dtype="i32")))[0] == UNSUPPORTED


def test_size1_dim_ignores_its_stride(ctools):
    # A [1, 3] output: the stride along the size-1 dim is never used, so even
    # a huge value is harmless and accepted.
    args = _base()
    args["tensors"][0]["shape"] = [1, 3]
    args["tensors"][2]["shape"] = [1, 3]
    args["nodes"][0]["iparams"] = [2, 2**31 - 1, 1, 0, 0, 0, 0, 2**31 - 1, 1, 0, 0, 0, 0]
    assert ctools.load(make_program(**args)) == (OK, "")


def test_deterministic_mutations_never_crash(ctools):
    """2000 seeded random byte edits of a program with a constant: every one
    must load or be rejected, and run if it loads, without a sanitizer report."""
    prog = add_program([2, 3], [3], b_const=np.arange(3, dtype=np.float32), chain=2)
    path = ctools.write("m.selrt", prog)
    res = subprocess.run([ctools.check, "--mutate", "2000", "11", path], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-3000:]
    fields = dict(kv.split("=") for kv in res.stdout.split())
    assert int(fields["mutations"]) == 2000
    assert 0 < int(fields["loaded"]) < 2000  # both outcomes were exercised


def test_messages_from_program_names_are_printable_ascii(ctools):
    # Kernel names come from untrusted bytes; the message quoting them must
    # stay printable so every caller can print and decode it.
    name = "add.f3\u00e9\x1b[2J"
    st, msg = ctools.load(make_program(**_base(kernels=[name])))
    assert st == MISSING_KERNEL
    assert msg == MISSING.format("add.f3???[2J")
    assert all(0x20 <= ord(c) < 0x7F for c in msg)
