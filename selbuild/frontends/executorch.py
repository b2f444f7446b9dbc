"""ExecuTorch programs (.pte): operator and delegate analysis without ExecuTorch.

A .pte file is a flatbuffer (identifier "ET12", read through our own schema
selbuild/frontends/schemas/executorch_program.fbs) optionally followed by data
segments (constants, delegate blobs). An "eh00" extended header right after
the identifier gives the size of the flatbuffer part and where the segments
start; we read the flatbuffer from a slice of exactly that size so no read can
stray into segment bytes.

The Python flatbuffers package does not verify buffers: a corrupt offset reads
garbage or wraps around (negative offsets index from the end). Every table we
touch is therefore bounds-checked (`_Reader.table`), every vector length is
checked against the bytes it would need, and any decoding failure is turned
into ModelError, so a damaged file never escapes as a Python exception.

This module only reads: it needs neither torch nor ExecuTorch. The frontend
(`summarize`, `load`) is frontends/pte.py; `load` converts portable programs
(no delegates) through executorch_load: the kernel calls become an fx graph of
functional ATen ops, lowered like a torch.export program.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from selbuild._generated.etpte import KernelTypes as KT
from selbuild._generated.etpte.BackendDelegate import BackendDelegate
from selbuild._generated.etpte.Bool import Bool
from selbuild._generated.etpte.DelegateCall import DelegateCall
from selbuild._generated.etpte.Double import Double
from selbuild._generated.etpte.Instruction import Instruction
from selbuild._generated.etpte.InstructionArguments import InstructionArguments
from selbuild._generated.etpte.Int import Int
from selbuild._generated.etpte.IntList import IntList
from selbuild._generated.etpte.KernelCall import KernelCall
from selbuild._generated.etpte.Program import Program
from selbuild._generated.etpte.ScalarType import ScalarType
from selbuild._generated.etpte.Tensor import Tensor
from selbuild._generated.etpte.TensorList import TensorList
from selbuild.errors import ModelError
from selbuild.frontends import aten_ops
from selbuild.frontends.base import TensorInfo

FILE_IDENTIFIER = b"ET12"

# ExecuTorch scalar type -> canonical dtype; quantized codes are their storage type.
_DTYPES: dict[int, str] = {
    ScalarType.BYTE: "u8", ScalarType.CHAR: "i8", ScalarType.SHORT: "i16",
    ScalarType.INT: "i32", ScalarType.LONG: "i64", ScalarType.HALF: "f16",
    ScalarType.FLOAT: "f32", ScalarType.DOUBLE: "f64", ScalarType.BOOL: "bool",
    ScalarType.QINT8: "i8", ScalarType.QUINT8: "u8", ScalarType.QINT32: "i32",
    ScalarType.BFLOAT16: "bf16", ScalarType.UINT16: "u16", ScalarType.UINT32: "u32",
    ScalarType.UINT64: "u64",
}

# Exceptions a damaged buffer can raise inside the generated readers.
_DECODE_ERRORS = (struct.error, IndexError, ValueError, UnicodeDecodeError,
                  OverflowError, TypeError, AttributeError, RecursionError)

MAX_RANK = 16          # beyond this a "shape" is garbage, not a tensor


@dataclass
class Header:
    program_size: int          # bytes of the flatbuffer part
    segment_base: int          # file offset of segment data, 0 if none
    segment_data_size: int | None


@dataclass
class KernelUse:
    name: str                   # "aten::convolution"
    overload: str               # "out"
    args: list[Any]             # TensorArg / scalars / lists, None where unknown
    arg_ids: list[int] = field(default_factory=list)     # the args' indices in the plan's values


@dataclass
class Plan:
    name: str
    inputs: list[TensorInfo]
    outputs: list[TensorInfo]
    operators: list[tuple[str, str]]            # the plan's operator table
    calls: list[KernelUse] = field(default_factory=list)
    delegates: list[str] = field(default_factory=list)   # backend id per delegate entry
    input_ids: list[int] = field(default_factory=list)   # value indices of inputs / outputs
    output_ids: list[int] = field(default_factory=list)
    buffers: dict[int, int] = field(default_factory=dict)  # constant value -> data buffer index
    lists: dict[int, list[int]] = field(default_factory=dict)  # list value -> its items' value indices
    allocs: dict[int, tuple[int, int]] = field(default_factory=dict)  # tensor -> (memory id, offset)
    # planned tensors with an initial value (mutable buffers): (mutable data segment, offset index)
    inits: dict[int, tuple[int, int]] = field(default_factory=dict)
    # delegate calls: (kernel calls before it, delegate index, its args' value indices)
    delegate_calls: list[tuple[int, int, list[int]]] = field(default_factory=list)
    delegate_data: list[tuple[int, int]] = field(default_factory=list)  # per delegate: (location, index)


@dataclass
class PteProgram:
    version: int
    plans: list[Plan]
    constants: list[tuple[int, int]] = field(default_factory=list)   # buffer -> (file offset, bytes available)
    segments: list[tuple[int, int]] = field(default_factory=list)    # segment -> (file offset, size)
    named_data: dict[str, int] = field(default_factory=dict)         # key -> segment index
    inline_data: list[tuple[int, int]] = field(default_factory=list)  # inline delegate blob -> (offset, size)
    # per mutable data segment: its buffers' (file offset, bytes up to the next one)
    mutable_data: list[list[tuple[int, int]]] = field(default_factory=list)

    def initial_bytes(self, data: bytes, where: tuple[int, int], size: int) -> bytes:
        """The initial value of a mutable buffer (Plan.inits), exactly `size` bytes."""
        seg, i = where
        if not (0 <= seg < len(self.mutable_data) and 0 <= i < len(self.mutable_data[seg])):
            raise ModelError(f"mutable buffer data {i} of segment {seg} is not in the program")
        off, avail = self.mutable_data[seg][i]
        if size > avail:
            raise ModelError(f"mutable buffer data {i} has {avail} bytes, its tensor needs {size}")
        return data[off:off + size]

    def segment_bytes(self, data: bytes, index: int) -> bytes:
        if not 0 <= index < len(self.segments):
            raise ModelError(f"data segment {index} is not in the program")
        off, size = self.segments[index]
        return data[off:off + size]

    def delegate_blob(self, data: bytes, plan: "Plan", delegate: int) -> bytes:
        """The processed bytes a delegate stored (its payload), inline or in a segment."""
        location, index = plan.delegate_data[delegate]
        if location == 1:
            return self.segment_bytes(data, index)
        if not 0 <= index < len(self.inline_data):
            raise ModelError(f"inline delegate data {index} is not in the program")
        off, size = self.inline_data[index]
        return data[off:off + size]

    def constant_bytes(self, data: bytes, buffer: int, nbytes: int) -> bytes:
        """The stored bytes of constant data buffer `buffer` (ModelError if absent or short)."""
        if not 0 < buffer < len(self.constants):
            raise ModelError(f"constant buffer {buffer} is not in the program")
        off, avail = self.constants[buffer]
        if nbytes > avail or off + nbytes > len(data):
            raise ModelError(f"constant buffer {buffer} is truncated")
        return data[off:off + nbytes]


class _Corrupt(Exception):
    """Internal: a structural check failed (turned into ModelError)."""


def read_header(data: bytes) -> Header:
    if len(data) < 8:
        raise ModelError("file is too short to be an ExecuTorch program")
    ident = data[4:8]
    if ident != FILE_IDENTIFIER:
        if ident[:2] == b"ET" and ident[2:].isdigit():
            raise ModelError(f"ExecuTorch program format {ident.decode()} is not supported "
                             f"(selbuild reads {FILE_IDENTIFIER.decode()})",
                             hint="re-export the model with an ExecuTorch release that writes ET12")
        raise ModelError("not an ExecuTorch program (no 'ET12' identifier at byte 4)")
    if data[8:10] != b"eh":
        return Header(len(data), 0, None)
    if len(data) < 32:
        raise ModelError("truncated extended header")
    length, program_size, segment_base = struct.unpack_from("<IQQ", data, 12)
    seg_size = struct.unpack_from("<Q", data, 32)[0] if length >= 32 and len(data) >= 40 else None
    if length < 24 or program_size < 40 or program_size > len(data):
        raise ModelError(f"corrupt or truncated program: header says {program_size} bytes of "
                         f"program data, file has {len(data)}")
    if segment_base and (segment_base < program_size or segment_base > len(data)):
        raise ModelError(f"corrupt or truncated program: segments start at {segment_base}, "
                         f"file has {len(data)} bytes")
    if seg_size is not None and segment_base and segment_base + seg_size > len(data):
        raise ModelError(f"truncated program: {segment_base + seg_size} bytes expected, "
                         f"file has {len(data)}")
    return Header(program_size, segment_base, seg_size)


class _Reader:
    """Bounds checks around the generated (unverified) flatbuffer accessors."""

    def __init__(self, buf: bytes):
        self.buf = buf
        self.n = len(buf)

    def table(self, obj: Any) -> Any:
        if obj is None:
            return None
        tab = obj._tab
        pos = tab.Pos
        if not 0 <= pos <= self.n - 4:
            raise _Corrupt(f"table offset {pos} outside the program")
        vt = pos - struct.unpack_from("<i", self.buf, pos)[0]
        if not 0 <= vt <= self.n - 4:
            raise _Corrupt(f"vtable offset {vt} outside the program")
        vt_size, obj_size = struct.unpack_from("<HH", self.buf, vt)
        if vt_size < 4 or vt_size % 2 or vt + vt_size > self.n or pos + obj_size > self.n:
            raise _Corrupt("bad vtable")
        return obj

    def count(self, n: int, elem_size: int) -> int:
        if n < 0 or n * elem_size > self.n:
            raise _Corrupt(f"vector of {n} elements does not fit in the program")
        return n

    def text(self, raw: bytes | None) -> str:
        return "" if raw is None else raw.decode("utf-8")


def _tensor_info(name: str, value: Any) -> TensorInfo:
    if isinstance(value, aten_ops.TensorArg):
        return TensorInfo(name, list(value.shape or ()), value.dtype or "unknown")
    kind = {bool: "bool", int: "i64", float: "f64"}.get(type(value), "unknown")
    return TensorInfo(name, [], kind)


def _value(r: _Reader, plan: Any, idx: int, depth: int = 0, bufs: dict[int, int] | None = None,
           lists: dict[int, list[int]] | None = None, allocs: dict[int, tuple[int, int]] | None = None,
           inits: dict[int, tuple[int, int]] | None = None) -> Any:
    """One EValue as TensorArg / int / float / bool / list / None."""
    if not 0 <= idx < plan.ValuesLength():
        raise _Corrupt(f"value index {idx} out of range")
    ev = r.table(plan.Values(idx))
    kind, u = ev.ValType(), ev.Val()
    if u is None or kind == KT.KernelTypes.Null:
        return None

    def as_(cls: Any) -> Any:
        o = cls()
        o.Init(u.Bytes, u.Pos)
        return r.table(o)

    if kind == KT.KernelTypes.Tensor:
        t = as_(Tensor)
        sizes = [t.Sizes(i) for i in range(r.count(t.SizesLength(), 4))]
        if len(sizes) > MAX_RANK or any(s < 0 for s in sizes):
            raise _Corrupt(f"tensor value {idx} has an impossible shape {sizes}")
        alloc = r.table(t.AllocationInfo())
        if alloc is not None and allocs is not None:
            # tensors planned onto the same bytes: how ExecuTorch spells a static view
            allocs[idx] = (alloc.MemoryId(), alloc.MemoryOffsetLow() | (alloc.MemoryOffsetHigh() << 32))
        if alloc is not None and t.DataBufferIdx() > 0:
            # A planned tensor with data: a mutable buffer's initial value, kept in
            # a mutable data segment (data_buffer_idx indexes that segment's offsets).
            extra = r.table(t.ExtraTensorInfo())
            if inits is not None:
                inits[idx] = (int(extra.MutableDataSegmentsIdx()) if extra is not None else 0, t.DataBufferIdx())
            return aten_ops.TensorArg(tuple(sizes), _DTYPES.get(t.ScalarType()), False)
        if t.DataBufferIdx() > 0 and bufs is not None:
            bufs[idx] = t.DataBufferIdx()
        return aten_ops.TensorArg(tuple(sizes), _DTYPES.get(t.ScalarType()), t.DataBufferIdx() > 0)
    if kind == KT.KernelTypes.Int:
        return as_(Int).IntVal()
    if kind == KT.KernelTypes.Double:
        return as_(Double).DoubleVal()
    if kind == KT.KernelTypes.Bool:
        return as_(Bool).BoolVal()
    if kind in (KT.KernelTypes.IntList, KT.KernelTypes.TensorList) and depth == 0:
        lst = as_(IntList if kind == KT.KernelTypes.IntList else TensorList)
        # list items are indices of other values (boxed ints / tensors)
        elem = 8 if kind == KT.KernelTypes.IntList else 4
        items = [int(lst.Items(i)) for i in range(r.count(lst.ItemsLength(), elem))]
        if lists is not None:
            lists[idx] = items
        return [_value(r, plan, i, depth + 1, bufs, None, allocs, inits) for i in items]
    return None                 # strings, double/bool lists: not needed for op mapping


def _plan(r: _Reader, plan: Any) -> Plan:
    name = r.text(plan.Name())
    r.count(plan.ValuesLength(), 4)
    inputs = [_tensor_info(f"{name}.input{i}", _value(r, plan, plan.Inputs(i)))
              for i in range(r.count(plan.InputsLength(), 4))]
    outputs = [_tensor_info(f"{name}.output{i}", _value(r, plan, plan.Outputs(i)))
               for i in range(r.count(plan.OutputsLength(), 4))]
    operators = []
    for i in range(r.count(plan.OperatorsLength(), 4)):
        op = r.table(plan.Operators(i))
        operators.append((r.text(op.Name()), r.text(op.Overload())))
    delegates = []
    delegate_data: list[tuple[int, int]] = []
    for i in range(r.count(plan.DelegatesLength(), 4)):
        d: BackendDelegate = r.table(plan.Delegates(i))
        delegates.append(r.text(d.Id()) or "(unnamed backend)")
        ref = r.table(d.Processed())
        delegate_data.append((ref.Location(), ref.Index()) if ref is not None else (0, -1))
    p = Plan(name, inputs, outputs, operators, delegates=delegates, delegate_data=delegate_data,
             input_ids=[plan.Inputs(i) for i in range(plan.InputsLength())],
             output_ids=[plan.Outputs(i) for i in range(plan.OutputsLength())])
    for c in range(r.count(plan.ChainsLength(), 4)):
        chain = r.table(plan.Chains(c))
        for k in range(r.count(chain.InstructionsLength(), 4)):
            ins: Instruction = r.table(chain.Instructions(k))
            u = ins.InstrArgs()
            if u is None:
                continue
            if ins.InstrArgsType() == InstructionArguments.KernelCall:
                call = KernelCall()
                call.Init(u.Bytes, u.Pos)
                r.table(call)
                oi = call.OpIndex()
                if not 0 <= oi < len(operators):
                    raise _Corrupt(f"kernel call names operator {oi} of {len(operators)}")
                ids = [call.Args(j) for j in range(r.count(call.ArgsLength(), 4))]
                args = [_value(r, plan, j, bufs=p.buffers, lists=p.lists, allocs=p.allocs, inits=p.inits)
                        for j in ids]
                p.calls.append(KernelUse(*operators[oi], args, ids))
            elif ins.InstrArgsType() == InstructionArguments.DelegateCall:
                dc = DelegateCall()
                dc.Init(u.Bytes, u.Pos)
                if not 0 <= r.table(dc).DelegateIndex() < len(delegates):
                    raise _Corrupt("delegate call names a delegate the plan does not have")
                p.delegate_calls.append((len(p.calls), dc.DelegateIndex(),
                                         [dc.Args(j) for j in range(r.count(dc.ArgsLength(), 4))]))
    return p


def read_program(data: bytes) -> PteProgram:
    """Parse the program part of a .pte file; ModelError for anything malformed."""
    header = read_header(data)
    buf = bytes(data[:header.program_size])
    r = _Reader(buf)
    try:
        root = struct.unpack_from("<I", buf, 0)[0]
        if not 8 <= root <= len(buf) - 4:
            raise _Corrupt("root table offset outside the program")
        prog = r.table(Program.GetRootAs(buf, 0))
        plans = [_plan(r, r.table(prog.ExecutionPlan(i)))
                 for i in range(r.count(prog.ExecutionPlanLength(), 4))]
        segments = []
        for i in range(r.count(prog.SegmentsLength(), 4)):
            seg = r.table(prog.Segments(i))
            end = header.segment_base + seg.Offset() + seg.Size()
            # (a program without constants lists one empty segment and no extended header)
            if seg.Size() and (not header.segment_base or end > len(data)):
                raise ModelError(f"truncated program: data segment {i} ends at byte {end}, "
                                 f"file has {len(data)}")
            segments.append((header.segment_base + seg.Offset(), seg.Size()))
        named = {}
        for i in range(r.count(prog.NamedDataLength(), 4)):
            nd = r.table(prog.NamedData(i))
            named[r.text(nd.Key())] = nd.SegmentIndex()
        inline = []
        for i in range(r.count(prog.BackendDelegateDataLength(), 4)):
            b = r.table(prog.BackendDelegateData(i))
            n = r.count(b.DataLength(), 1)
            inline.append((b._tab.Vector(b._tab.Offset(4)) if n else 0, n))
        version = prog.Version()
        constants = _constants(r, prog, header, len(data))
        mutable = [_subsegment(r, prog, r.table(prog.MutableDataSegments(i)), header)
                   for i in range(r.count(prog.MutableDataSegmentsLength(), 4))]
    except _Corrupt as e:
        raise ModelError(f"corrupt ExecuTorch program: {e}") from None
    except _DECODE_ERRORS as e:
        raise ModelError(f"corrupt ExecuTorch program ({type(e).__name__}: {e})") from None
    if not plans:
        raise ModelError("ExecuTorch program has no execution plan")
    return PteProgram(version, plans, constants, segments, named, inline, mutable)


def _subsegment(r: _Reader, prog: Any, sub: Any, header: Header) -> list[tuple[int, int]]:
    """A SubsegmentOffsets: each buffer's (file offset, bytes up to the next one)."""
    si = sub.SegmentIndex()
    if not 0 <= si < prog.SegmentsLength():
        raise _Corrupt(f"data segment {si} does not exist")
    seg = r.table(prog.Segments(si))
    base = header.segment_base + seg.Offset()
    offs = [sub.Offsets(i) for i in range(r.count(sub.OffsetsLength(), 8))]
    ends = offs[1:] + [seg.Size()]
    return [(base + o, max(e - o, 0)) for o, e in zip(offs, ends)]


def _constants(r: _Reader, prog: Any, header: Header, file_size: int) -> list[tuple[int, int]]:
    """Where each constant data buffer lives: (file offset, bytes up to the next one)."""
    cs = r.table(prog.ConstantSegment())
    if cs is not None and cs.OffsetsLength() > 0:
        return _subsegment(r, prog, cs, header)
    out = []
    for i in range(r.count(prog.ConstantBufferLength(), 4)):
        b = r.table(prog.ConstantBuffer(i))
        n = b.StorageLength()
        vec = b._tab.Vector(b._tab.Offset(4)) if n else 0
        out.append((vec, r.count(n, 1)))
    return out
