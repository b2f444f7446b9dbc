"""Serialize a lowered, planned graph into .selrt bytes (runtime_src/schema/program.fbs).

The writer is the one place that knows the flatbuffer layout. It

* orders every node's params by the kernel catalogue, failing loudly when a
  lowering produced a different set of names (a kernel would silently read
  the wrong value otherwise);
* keeps only the tensors nodes and graph inputs/outputs reference, renumbered
  in their original order (deterministic);
* stores each distinct constant once, 16-byte aligned in the file: the
  generated Python code ignores `force_align` (flatc 2.0.8 emits alignment 1
  for [ubyte]), so we start those vectors with alignment 16 ourselves; the
  builder records it as the buffer's minimum alignment and pads the finished
  buffer to it, which makes the offset aligned from the start of the file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import flatbuffers
import numpy as np

from selbuild._generated.constants import DTYPE_CODES, PROGRAM_VERSION
from selbuild._generated.selrt.fb import Buffer as FbBuffer
from selbuild._generated.selrt.fb import KeyValue as FbKeyValue
from selbuild._generated.selrt.fb import Node as FbNode
from selbuild._generated.selrt.fb import Partition as FbPartition
from selbuild._generated.selrt.fb import Program as FbProgram
from selbuild._generated.selrt.fb import Subgraph as FbSubgraph
from selbuild._generated.selrt.fb import Tensor as FbTensor

from selbuild.catalogue import Catalogue, load_catalogue
from selbuild.convert.registry import Lowered
from selbuild.errors import SelbuildError, UnsupportedError
from selbuild.ir import Graph, Tensor
from selbuild.opmaps import is_supported

FILE_IDENTIFIER = b"SLRT"
BUFFER_ALIGN = 16

# PROGRAM_VERSION (= SELRT_PROGRAM_VERSION) and DTYPE_CODES (canonical dtype ->
# DType of program.fbs = selrt_dtype) are generated, shared with include/selrt.h.

_I32_MIN, _I32_MAX = -(2 ** 31), 2 ** 31 - 1


@dataclass
class WriteInput:
    """Everything the writer needs; produced by the pipeline."""

    graph: Graph
    lowered: list[Lowered]                 # one per node, execution order
    arena_offsets: dict[int, int]          # tensor id -> offset, for every non-constant tensor used
    arena_size: int
    metadata: dict[str, str] = field(default_factory=dict)
    # (backend, consecutive node indices, payload) per backend partition
    # (selbuild/convert/partition.py); payloads use program tensor indices.
    partitions: list[tuple[str, list[int], bytes]] = field(default_factory=list)
    # Control flow (selbuild/convert/control.py): (name, first node, node count,
    # input tensor ids, output tensor ids) per subgraph, entry graph first; empty
    # for a straight-line program, which then has no subgraph table at all.
    subgraphs: list[tuple[str, int, int, list[int], list[int]]] = field(default_factory=list)
    max_iterations: int = 0


def order_params(spec_name: str, kind: str, declared: Sequence[str], given: dict) -> list:
    """`given` (name -> value) as a list in catalogue order; SelbuildError on any name mismatch."""
    missing = [n for n in declared if n not in given]
    extra = sorted(set(given) - set(declared))
    if missing or extra:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing))
        if extra:
            parts.append("unexpected " + ", ".join(extra))
        raise SelbuildError(
            f"lowering of {spec_name} gives {kind} that differ from the kernel catalogue: {'; '.join(parts)}",
            hint=f"the catalogue (runtime_src/kernels/kernels.yaml) declares {kind}: {list(declared) or '[]'}")
    return [given[n] for n in declared]


def _check_arity(low: Lowered, cat: Catalogue) -> None:
    spec = cat[low.kernel]
    if not (spec.min_inputs <= len(low.inputs) <= spec.max_inputs):
        raise SelbuildError(f"lowering of {low.kernel} gives {len(low.inputs)} inputs; the catalogue declares "
                            f"{list(spec.inputs)}")
    if not (spec.min_outputs <= len(low.outputs) <= spec.max_outputs):
        raise SelbuildError(f"lowering of {low.kernel} gives {len(low.outputs)} outputs; the catalogue declares "
                            f"{list(spec.outputs)}")


def _le_bytes(t: Tensor) -> bytes:
    assert t.data is not None
    arr = np.asarray(t.data)
    want = np.dtype(arr.dtype).newbyteorder("<") if arr.dtype.itemsize > 1 else arr.dtype
    if arr.dtype == np.bool_:
        arr = arr.astype(np.uint8)
        want = np.dtype(np.uint8)
    return np.ascontiguousarray(arr, dtype=want).tobytes()


def _aligned_bytes_vector(b: flatbuffers.Builder, data: bytes) -> int:
    b.StartVector(1, len(data), BUFFER_ALIGN)
    b.head -= len(data)
    b.Bytes[b.head:b.head + len(data)] = data
    return b.EndVector()


def _int_vector(b: flatbuffers.Builder, values: Sequence[int], what: str) -> int:
    for v in values:
        if not (_I32_MIN <= int(v) <= _I32_MAX):
            raise SelbuildError(f"{what}: value {v} does not fit int32")
    return b.CreateNumpyVector(np.asarray(values, dtype="<i4"))


def _offset_vector(b: flatbuffers.Builder, offsets: Sequence[int]) -> int:
    b.StartVector(4, len(offsets), 4)
    for o in reversed(offsets):
        b.PrependUOffsetTRelative(o)
    return b.EndVector()


def used_tensors(graph: Graph, lowered: Sequence[Lowered], extra: Sequence[int] = ()) -> list[int]:
    """Tensor ids the program needs, in original id order (`extra`: subgraph inputs/outputs)."""
    used = set(graph.inputs) | set(graph.outputs) | set(extra)
    for low in lowered:
        used.update(i for i in low.inputs if i >= 0)
        used.update(low.outputs)
    return sorted(used)


def write_program(w: WriteInput, catalogue: Catalogue | None = None) -> bytes:
    cat = catalogue or load_catalogue()
    g = w.graph
    for low in w.lowered:
        if not is_supported(low.kernel, cat):
            raise SelbuildError(f"lowering produced kernel '{low.kernel}', which the kernel catalogue does not "
                                f"declare", hint="add it to runtime_src/kernels/kernels.yaml")
        _check_arity(low, cat)

    ids = used_tensors(g, w.lowered, [t for s in w.subgraphs for t in s[3] + s[4]])
    remap = {old: new for new, old in enumerate(ids)}
    kernels = sorted({low.kernel for low in w.lowered})
    kindex = {k: i for i, k in enumerate(kernels)}

    b = flatbuffers.Builder(1 << 16)
    # Raise the builder's minimum alignment to 16 even without buffers, so
    # every program is padded to a multiple of 16 bytes the same way.
    b.Prep(BUFFER_ALIGN, 0)

    # Constant buffers, deduplicated by content (e.g. shared zero biases).
    buf_of_tensor: dict[int, int] = {}
    buf_data: list[bytes] = []
    seen: dict[bytes, int] = {}
    for t_id in ids:
        t = g.tensors[t_id]
        if not t.is_const:
            continue
        data = _le_bytes(t)
        if len(data) != t.nbytes:
            raise SelbuildError(f"constant '{t.name}': {len(data)} bytes of data for shape {list(t.shape)} {t.dtype}")
        digest = hashlib.sha256(data).digest()
        if digest not in seen:
            seen[digest] = len(buf_data)
            buf_data.append(data)
        buf_of_tensor[t_id] = seen[digest]
    # Buffers are written first (largest data at the end of the file, which
    # flatbuffers builds back to front) so tables stay small and near the root.
    buffer_tables = []
    for data in buf_data:
        vec = _aligned_bytes_vector(b, data)
        FbBuffer.Start(b)
        FbBuffer.AddData(b, vec)
        buffer_tables.append(FbBuffer.End(b))

    tensor_tables = []
    for t_id in ids:
        t = g.tensors[t_id]
        if t.dtype not in DTYPE_CODES:
            raise UnsupportedError(f"tensor '{t.name}' has dtype {t.dtype}, which the selrt runtime does not support")
        name = b.CreateString(t.name)
        shape = _int_vector(b, list(t.shape), f"tensor '{t.name}' shape")
        scale, zp = 0.0, 0
        if t.quant is not None and not t.quant.per_channel and t.quant.scale.size == 1:
            scale, zp = float(t.quant.scale.reshape(-1)[0]), int(t.quant.zero_point.reshape(-1)[0])
        if t.is_const:
            buffer, offset = buf_of_tensor[t_id], -1
        else:
            if t_id not in w.arena_offsets:
                raise SelbuildError(f"tensor '{t.name}' has no arena offset (planner bug)")
            buffer, offset = -1, w.arena_offsets[t_id]
        FbTensor.Start(b)
        FbTensor.AddArenaOffset(b, offset)
        FbTensor.AddName(b, name)
        FbTensor.AddShape(b, shape)
        FbTensor.AddBuffer(b, buffer)
        FbTensor.AddScale(b, scale)
        FbTensor.AddZeroPoint(b, zp)
        FbTensor.AddDtype(b, DTYPE_CODES[t.dtype])
        tensor_tables.append(FbTensor.End(b))

    part_of = {n: pi for pi, (_, nodes, _) in enumerate(w.partitions) for n in nodes}
    node_tables = []
    for ni, low in enumerate(w.lowered):
        spec = cat[low.kernel]
        ip = order_params(low.kernel, "iparams", spec.iparams, low.iparams)
        fp = order_params(low.kernel, "fparams", spec.fparams, low.fparams)
        ins = _int_vector(b, [remap[i] if i >= 0 else -1 for i in low.inputs], f"{low.kernel} inputs")
        outs = _int_vector(b, [remap[o] for o in low.outputs], f"{low.kernel} outputs")
        ipv = _int_vector(b, [int(v) for v in ip], f"{low.kernel} iparams")
        fpv = b.CreateNumpyVector(np.asarray(fp, dtype="<f4"))
        FbNode.Start(b)
        FbNode.AddInputs(b, ins)
        FbNode.AddOutputs(b, outs)
        FbNode.AddIparams(b, ipv)
        FbNode.AddFparams(b, fpv)
        FbNode.AddKernel(b, kindex[low.kernel])
        if ni in part_of:
            FbNode.AddPartition(b, part_of[ni])
        node_tables.append(FbNode.End(b))

    meta_tables = []
    for key in sorted(w.metadata):
        k, v = b.CreateString(key), b.CreateString(str(w.metadata[key]))
        FbKeyValue.Start(b)
        FbKeyValue.AddKey(b, k)
        FbKeyValue.AddValue(b, v)
        meta_tables.append(FbKeyValue.End(b))

    part_tables = []
    for backend, nodes, payload in w.partitions:
        name = b.CreateString(backend)
        pay = _aligned_bytes_vector(b, payload)
        nodes_vec = b.CreateNumpyVector(np.asarray(nodes, dtype="<u4"))
        FbPartition.Start(b)
        FbPartition.AddBackend(b, name)
        FbPartition.AddPayload(b, pay)
        FbPartition.AddNodes(b, nodes_vec)
        part_tables.append(FbPartition.End(b))

    sub_tables = []
    for name, first, count, sins, souts in w.subgraphs:
        nm = b.CreateString(name)
        iv = _int_vector(b, [remap[i] for i in sins], f"subgraph '{name}' inputs")
        ov = _int_vector(b, [remap[o] for o in souts], f"subgraph '{name}' outputs")
        FbSubgraph.Start(b)
        FbSubgraph.AddName(b, nm)
        FbSubgraph.AddFirstNode(b, first)
        FbSubgraph.AddNodeCount(b, count)
        FbSubgraph.AddInputs(b, iv)
        FbSubgraph.AddOutputs(b, ov)
        sub_tables.append(FbSubgraph.End(b))

    kernel_strs = [b.CreateString(k) for k in kernels]
    kernels_vec = _offset_vector(b, kernel_strs)
    tensors_vec = _offset_vector(b, tensor_tables)
    nodes_vec = _offset_vector(b, node_tables)
    buffers_vec = _offset_vector(b, buffer_tables)
    meta_vec = _offset_vector(b, meta_tables)
    parts_vec = _offset_vector(b, part_tables) if part_tables else None
    subs_vec = _offset_vector(b, sub_tables) if sub_tables else None
    inputs_vec = _int_vector(b, [remap[i] for i in g.inputs], "graph inputs")
    outputs_vec = _int_vector(b, [remap[o] for o in g.outputs], "graph outputs")

    FbProgram.Start(b)
    FbProgram.AddArenaSize(b, w.arena_size)
    FbProgram.AddKernels(b, kernels_vec)
    FbProgram.AddTensors(b, tensors_vec)
    FbProgram.AddNodes(b, nodes_vec)
    FbProgram.AddInputs(b, inputs_vec)
    FbProgram.AddOutputs(b, outputs_vec)
    FbProgram.AddBuffers(b, buffers_vec)
    FbProgram.AddMetadata(b, meta_vec)
    if parts_vec is not None:
        FbProgram.AddPartitions(b, parts_vec)
    if subs_vec is not None:
        FbProgram.AddSubgraphs(b, subs_vec)
        FbProgram.AddMaxIterations(b, w.max_iterations)
    FbProgram.AddVersion(b, PROGRAM_VERSION)
    root = FbProgram.End(b)
    b.Finish(root, file_identifier=FILE_IDENTIFIER)
    out = bytes(b.Output())
    if len(out) % BUFFER_ALIGN:
        # Finish pads to minalign, so this cannot happen unless the builder changes.
        raise SelbuildError("internal: program size is not a multiple of 16 bytes")
    return out
