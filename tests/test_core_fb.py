"""The flatbuffer reader's own checks (runtime_src/core/fb.c), each hit by
patching one structural value of a valid program by hand."""

from __future__ import annotations

import struct

import pytest

from harness import ctools  # noqa: F401
from program_writer import add_program

OK, BAD = 0, 2


class Fb:
    """Just enough of the wire format to find and patch things."""

    def __init__(self, data: bytes):
        self.b = bytearray(data)
        self.root = self.u32(0)
        self.vt = self.root - self.i32(self.root)

    def u16(self, p): return struct.unpack_from("<H", self.b, p)[0]
    def u32(self, p): return struct.unpack_from("<I", self.b, p)[0]
    def i32(self, p): return struct.unpack_from("<i", self.b, p)[0]
    def put16(self, p, v): struct.pack_into("<H", self.b, p, v)
    def put32(self, p, v): struct.pack_into("<I", self.b, p, v & 0xFFFFFFFF)

    def slot(self, field: int) -> int:
        """Position of the vtable entry of a root field."""
        return self.vt + 4 + 2 * field

    def field_pos(self, field: int) -> int:
        return self.root + self.u16(self.slot(field))

    def target(self, field: int) -> int:
        """Where a root offset field (vector, string, table) points."""
        p = self.field_pos(field)
        return p + self.u32(p)

    def bytes(self) -> bytes:
        return bytes(self.b)


VERSION, KERNELS, TENSORS, NODES, INPUTS, OUTPUTS, BUFFERS, ARENA = range(8)


def _prog() -> Fb:
    return Fb(add_program([2, 3], [3]))


def test_unpatched_loads(ctools):
    assert ctools.load(_prog().bytes()) == (OK, "")


def _patched(fn):
    fb = _prog()
    fn(fb)
    return fb.bytes()


CASES = {
    "vtable size odd": lambda fb: fb.put16(fb.vt, fb.u16(fb.vt) | 1),
    "vtable size below 4": lambda fb: fb.put16(fb.vt, 2),
    "vtable past end": lambda fb: fb.put16(fb.vt, 0xFFFE),
    "table size past end": lambda fb: fb.put16(fb.vt + 2, 0xFFFF),
    "table size below 4": lambda fb: fb.put16(fb.vt + 2, 2),
    "soffset to before start": lambda fb: fb.put32(fb.root, fb.root + 4),
    "soffset to past end": lambda fb: fb.put32(fb.root, -len(fb.b)),
    "soffset misaligned vtable": lambda fb: fb.put32(fb.root, fb.i32(fb.root) + 1),
    "root offset past end": lambda fb: fb.put32(0, len(fb.b) + 4),
    "root offset misaligned": lambda fb: fb.put32(0, fb.root + 2),
    "root offset into header": lambda fb: fb.put32(0, 4),
    "field beyond table size": lambda fb: fb.put16(fb.slot(VERSION), fb.u16(fb.vt + 2)),
    "field overlaps soffset": lambda fb: fb.put16(fb.slot(VERSION), 2),
    "u32 field misaligned": lambda fb: fb.put16(fb.slot(VERSION), fb.u16(fb.slot(VERSION)) + 1),
    "u64 field misaligned": lambda fb: fb.put16(fb.slot(ARENA), fb.u16(fb.slot(ARENA)) - 4),
    "vector offset past end": lambda fb: fb.put32(fb.field_pos(TENSORS), len(fb.b)),
    "vector length huge": lambda fb: fb.put32(fb.target(KERNELS), 0x40000000),
    "vector length wraps": lambda fb: fb.put32(fb.target(INPUTS), 0xFFFFFFFF),
    "vector misaligned": lambda fb: fb.put32(fb.field_pos(INPUTS), fb.u32(fb.field_pos(INPUTS)) + 2),
    "string without NUL": lambda fb: _kernel_string(fb, lambda s, n: fb.b.__setitem__(s + 4 + n, ord("x"))),
    "string length past end": lambda fb: _kernel_string(fb, lambda s, n: fb.put32(s, len(fb.b))),
    "string length wraps": lambda fb: _kernel_string(fb, lambda s, n: fb.put32(s, 0xFFFFFFFF)),
    "table in vector past end": lambda fb: fb.put32(fb.target(TENSORS) + 4, len(fb.b)),
}


def _kernel_string(fb: Fb, patch):
    vec = fb.target(KERNELS)
    s = vec + 4 + fb.u32(vec + 4)
    patch(s, fb.u32(s))


@pytest.mark.parametrize("case", list(CASES))
def test_structural_damage_rejected(ctools, case):
    data = _patched(CASES[case])
    assert data != _prog().bytes()
    st, msg = ctools.load(data)
    assert st == BAD, (case, st, msg)


def test_short_vtable_means_absent_fields(ctools):
    """A vtable listing only `version` (an older or minimal writer): every
    other field takes its default, giving an empty but valid program."""
    data = _patched(lambda fb: fb.put16(fb.vt, 4 + 2 * 1))
    assert ctools.load(data) == (OK, "")


def test_absent_version_is_version_zero(ctools):
    st, msg = ctools.load(_patched(lambda fb: fb.put16(fb.slot(VERSION), 0)))
    assert st == 3 and "program format version 0" in msg
