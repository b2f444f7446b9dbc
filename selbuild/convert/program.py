"""Read .selrt programs back: `read_program(bytes) -> ProgramInfo`.

Used by `selbuild run` (input/output names, shapes and dtypes), tests and
tools. It checks what Python needs to trust the numbers it returns (identifier,
version, index ranges, buffer sizes and alignment); the C loader remains the
authority on whether a runtime accepts a program.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from selbuild._generated.selrt.fb.Program import Program as FbProgram
from selbuild.convert.writer import BUFFER_ALIGN, DTYPE_CODES, FILE_IDENTIFIER, PROGRAM_VERSION
from selbuild.errors import ProgramError
from selbuild.ir import numpy_dtype

DTYPE_NAMES = {code: name for name, code in DTYPE_CODES.items()}


@dataclass
class TensorInfo:
    name: str
    shape: tuple[int, ...]
    dtype: str                      # canonical name: "f32", "i8", ...
    scale: float = 0.0
    zero_point: int = 0
    buffer: int = -1                # constant: index into buffers
    arena_offset: int = -1          # activation: byte offset in the arena

    @property
    def numpy_dtype(self) -> np.dtype:
        return numpy_dtype(self.dtype)

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.numpy_dtype.itemsize     # Python ints: no int64 wrap


@dataclass
class NodeInfo:
    kernel: str
    inputs: list[int]
    outputs: list[int]
    iparams: list[int]
    fparams: list[float]
    partition: int = -1             # index into ProgramInfo.partitions, -1 = CPU kernel


@dataclass
class PartitionInfo:
    backend: str
    nodes: list[int]
    payload_offset: int             # file offset of the payload bytes (16-aligned)
    payload_size: int


@dataclass
class ProgramInfo:
    version: int
    kernels: list[str]
    inputs: list[TensorInfo]
    outputs: list[TensorInfo]
    arena_size: int
    metadata: dict[str, str]
    tensors: list[TensorInfo] = field(default_factory=list)
    nodes: list[NodeInfo] = field(default_factory=list)
    buffer_offsets: list[tuple[int, int]] = field(default_factory=list)   # (file offset, length) per buffer
    size: int = 0
    partitions: list[PartitionInfo] = field(default_factory=list)


def read_program(data: bytes, origin: str = "program") -> ProgramInfo:
    """Parse and sanity-check a program; ProgramError saying what is wrong."""
    data = bytes(data)
    if len(data) < 8:
        raise ProgramError(f"{origin}: {len(data)} bytes is too short to be a .selrt program")
    if data[4:8] != FILE_IDENTIFIER:
        from selbuild.frontends import identify
        found = identify(data)
        hint = "convert a model with `selbuild convert MODEL -o PROGRAM.selrt`"
        if found is not None:
            hint = f"it is {found[0]}: give it its {found[1]} suffix (`selbuild run` converts models itself)"
        raise ProgramError(f"{origin}: not a .selrt program (file identifier {data[4:8]!r}, expected {FILE_IDENTIFIER!r})",
                           hint=hint)
    try:
        info = _parse(data)
    except ProgramError:
        raise
    except Exception as e:   # flatbuffers raises struct.error/IndexError/... on garbage offsets
        raise ProgramError(f"{origin}: corrupt .selrt program ({type(e).__name__}: {e})") from None
    if info.version != PROGRAM_VERSION:
        raise ProgramError(f"{origin}: program version {info.version}, this selbuild reads version {PROGRAM_VERSION}",
                           hint="re-convert the model with this selbuild")
    _check(info, origin, len(data))
    return info


def _parse(data: bytes) -> ProgramInfo:
    p = FbProgram.GetRootAs(data, 0)
    kernels = [p.Kernels(i).decode("utf-8") for i in range(p.KernelsLength())]
    tensors: list[TensorInfo] = []
    for i in range(p.TensorsLength()):
        t = p.Tensors(i)
        code = t.Dtype()
        if code not in DTYPE_NAMES:
            raise ProgramError(f"tensor {i}: unknown dtype code {code}")
        tensors.append(TensorInfo(
            name=(t.Name() or b"").decode("utf-8"),
            shape=tuple(int(t.Shape(j)) for j in range(t.ShapeLength())),
            dtype=DTYPE_NAMES[code], scale=float(t.Scale()), zero_point=int(t.ZeroPoint()),
            buffer=int(t.Buffer()), arena_offset=int(t.ArenaOffset())))
    nodes = []
    for i in range(p.NodesLength()):
        n = p.Nodes(i)
        k = n.Kernel()
        if k >= len(kernels):
            raise ProgramError(f"node {i}: kernel index {k} out of range ({len(kernels)} kernels)")
        nodes.append(NodeInfo(kernel=kernels[k],
                              inputs=[int(n.Inputs(j)) for j in range(n.InputsLength())],
                              outputs=[int(n.Outputs(j)) for j in range(n.OutputsLength())],
                              iparams=[int(n.Iparams(j)) for j in range(n.IparamsLength())],
                              fparams=[float(n.Fparams(j)) for j in range(n.FparamsLength())],
                              partition=int(n.Partition())))
    buffer_offsets = []
    for i in range(p.BuffersLength()):
        buf = p.Buffers(i)
        if buf.DataIsNone():
            buffer_offsets.append((0, 0))
            continue
        o = buf._tab.Offset(4)
        start = buf._tab.Vector(o)
        buffer_offsets.append((int(start), int(buf.DataLength())))
    partitions = []
    for i in range(p.PartitionsLength()):
        part = p.Partitions(i)
        off, size = 0, 0
        if not part.PayloadIsNone():
            off, size = int(part._tab.Vector(part._tab.Offset(6))), int(part.PayloadLength())
        partitions.append(PartitionInfo(backend=(part.Backend() or b"").decode("utf-8"),
                                        nodes=[int(part.Nodes(j)) for j in range(part.NodesLength())],
                                        payload_offset=off, payload_size=size))
    metadata = {}
    for i in range(p.MetadataLength()):
        kv = p.Metadata(i)
        metadata[(kv.Key() or b"").decode("utf-8")] = (kv.Value() or b"").decode("utf-8")
    ins = [int(p.Inputs(i)) for i in range(p.InputsLength())]
    outs = [int(p.Outputs(i)) for i in range(p.OutputsLength())]
    for kind, idx in (("input", ins), ("output", outs)):
        for j in idx:
            if not 0 <= j < len(tensors):
                raise ProgramError(f"graph {kind} tensor index {j} out of range ({len(tensors)} tensors)")
    return ProgramInfo(version=int(p.Version()), kernels=kernels,
                       inputs=[tensors[i] for i in ins], outputs=[tensors[i] for i in outs],
                       arena_size=int(p.ArenaSize()), metadata=metadata, tensors=tensors, nodes=nodes,
                       buffer_offsets=buffer_offsets, size=len(data), partitions=partitions)


def _check(info: ProgramInfo, origin: str, size: int) -> None:
    n_t = len(info.tensors)
    for i, n in enumerate(info.nodes):
        for j in n.inputs + n.outputs:
            if j < -1 or j >= n_t or (j == -1 and j in n.outputs):
                raise ProgramError(f"{origin}: node {i} ({n.kernel}) references tensor {j} (of {n_t})")
    for i, n in enumerate(info.nodes):
        if n.partition < -1 or n.partition >= len(info.partitions):
            raise ProgramError(f"{origin}: node {i} ({n.kernel}) names partition {n.partition} "
                               f"of {len(info.partitions)}")
    for i, part in enumerate(info.partitions):
        if any(not 0 <= j < len(info.nodes) for j in part.nodes):
            raise ProgramError(f"{origin}: partition {i} ({part.backend}) names a node out of range")
        if part.payload_offset + part.payload_size > size:
            raise ProgramError(f"{origin}: partition {i} ({part.backend}) payload runs past the end of the file")
    for i, (off, length) in enumerate(info.buffer_offsets):
        if off + length > size:
            raise ProgramError(f"{origin}: buffer {i} ends at {off + length}, past the end of the file ({size})")
        if length and off % BUFFER_ALIGN:
            raise ProgramError(f"{origin}: buffer {i} starts at offset {off}, not {BUFFER_ALIGN}-byte aligned")
    for t in info.tensors:
        if any(d < 0 for d in t.shape):
            raise ProgramError(f"{origin}: tensor '{t.name}' has a negative dimension {list(t.shape)}")
        if (t.buffer >= 0) == (t.arena_offset >= 0):
            raise ProgramError(f"{origin}: tensor '{t.name}' must have exactly one of buffer / arena_offset")
        if t.buffer >= 0:
            if t.buffer >= len(info.buffer_offsets):
                raise ProgramError(f"{origin}: tensor '{t.name}' uses buffer {t.buffer} of {len(info.buffer_offsets)}")
            if info.buffer_offsets[t.buffer][1] != t.nbytes:
                raise ProgramError(f"{origin}: tensor '{t.name}' needs {t.nbytes} bytes, its buffer has "
                                   f"{info.buffer_offsets[t.buffer][1]}")
        elif t.arena_offset + t.nbytes > info.arena_size:
            raise ProgramError(f"{origin}: tensor '{t.name}' [{t.arena_offset}, {t.arena_offset + t.nbytes}) lies "
                               f"outside the arena ({info.arena_size} bytes)")
