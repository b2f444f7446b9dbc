"""The one writer of .selrt program bytes in the tests.

It uses the generated Python flatbuffers code with full control over every
field, including invalid ones, so load-time checks can be fed exactly the
lie under test. (.tflite models are written by tests/tflite_builder.py.)
"""

from __future__ import annotations

import math

import flatbuffers
import numpy as np

from selbuild._generated.selrt.fb import (Buffer, KeyValue, Node, Partition,
                                          Program, Tensor)

DTYPES = {"f32": 0, "f16": 1, "i8": 2, "u8": 3, "i16": 4, "i32": 5, "i64": 6, "bool": 7}
NP_DTYPES = {"f32": np.float32, "i8": np.int8, "u8": np.uint8, "i16": np.int16,
             "i32": np.int32, "i64": np.int64}


def _ints(b: flatbuffers.Builder, values, elem: int = 4, fmt=flatbuffers.number_types.Int32Flags):
    b.StartVector(elem, len(values), elem)
    for v in reversed(list(values)):
        b.Prepend(fmt, v)
    return b.EndVector()


def _offsets(b: flatbuffers.Builder, offs):
    b.StartVector(4, len(offs), 4)
    for o in reversed(offs):
        b.PrependUOffsetTRelative(o)
    return b.EndVector()


def _bytes16(b: flatbuffers.Builder, data: bytes):
    # The generated code ignores force_align: 16; start the vector aligned ourselves.
    b.StartVector(1, len(data), 16)
    b.head -= len(data)
    b.Bytes[b.head:b.head + len(data)] = data
    return b.EndVector()


def make_program(*, tensors: list[dict], nodes: list[dict], inputs: list[int],
                 outputs: list[int], kernels: list[str], buffers: list[bytes] = (),
                 arena_size: int = 0, version: int = 1, partitions: list[dict] = (),
                 metadata: dict[str, str] | None = None, identifier: bytes = b"SLRT") -> bytes:
    """tensors: dicts with name, dtype ("f32"...), shape, buffer, arena_offset,
    scale, zero_point (omitted keys are not written, so defaults apply).
    nodes: dicts with kernel, inputs, outputs, iparams, fparams, partition."""
    b = flatbuffers.Builder(1024)
    buf_offs = []
    for data in buffers:
        vec = _bytes16(b, bytes(data))
        Buffer.Start(b)
        Buffer.AddData(b, vec)
        buf_offs.append(Buffer.End(b))
    t_offs = []
    for t in tensors:
        name = b.CreateString(t["name"]) if "name" in t else None
        shape = _ints(b, t["shape"]) if "shape" in t else None
        Tensor.Start(b)
        if name is not None:
            Tensor.AddName(b, name)
        if "dtype" in t:
            Tensor.AddDtype(b, DTYPES.get(t["dtype"], t["dtype"]))
        if shape is not None:
            Tensor.AddShape(b, shape)
        for key, add in (("buffer", Tensor.AddBuffer), ("arena_offset", Tensor.AddArenaOffset),
                         ("scale", Tensor.AddScale), ("zero_point", Tensor.AddZeroPoint)):
            if key in t:
                add(b, t[key])
        t_offs.append(Tensor.End(b))
    n_offs = []
    for n in nodes:
        vecs = {}
        for key in ("inputs", "outputs", "iparams"):
            if key in n:
                vecs[key] = _ints(b, n[key])
        if "fparams" in n:
            vecs["fparams"] = _ints(b, n["fparams"], fmt=flatbuffers.number_types.Float32Flags)
        Node.Start(b)
        Node.AddKernel(b, n.get("kernel", 0))
        for key, add in (("inputs", Node.AddInputs), ("outputs", Node.AddOutputs),
                         ("iparams", Node.AddIparams), ("fparams", Node.AddFparams)):
            if key in vecs:
                add(b, vecs[key])
        if "partition" in n:
            Node.AddPartition(b, n["partition"])
        n_offs.append(Node.End(b))
    p_offs = []
    for part in partitions:
        backend = b.CreateString(part.get("backend", "none"))
        payload = _bytes16(b, part.get("payload", b""))
        pnodes = _ints(b, part.get("nodes", []), fmt=flatbuffers.number_types.Uint32Flags)
        Partition.Start(b)
        Partition.AddBackend(b, backend)
        Partition.AddPayload(b, payload)
        Partition.AddNodes(b, pnodes)
        p_offs.append(Partition.End(b))
    kv_offs = []
    for k, v in (metadata or {}).items():
        ko, vo = b.CreateString(k), b.CreateString(v)
        KeyValue.Start(b)
        KeyValue.AddKey(b, ko)
        KeyValue.AddValue(b, vo)
        kv_offs.append(KeyValue.End(b))
    k_offs = [b.CreateString(k) for k in kernels]
    vk, vt, vn = _offsets(b, k_offs), _offsets(b, t_offs), _offsets(b, n_offs)
    vi, vo = _ints(b, inputs), _ints(b, outputs)
    vb, vm, vp = _offsets(b, buf_offs), _offsets(b, kv_offs), _offsets(b, p_offs)
    Program.Start(b)
    Program.AddVersion(b, version)
    Program.AddKernels(b, vk)
    Program.AddTensors(b, vt)
    Program.AddNodes(b, vn)
    Program.AddInputs(b, vi)
    Program.AddOutputs(b, vo)
    Program.AddBuffers(b, vb)
    Program.AddArenaSize(b, arena_size)
    Program.AddMetadata(b, vm)
    Program.AddPartitions(b, vp)
    root = Program.End(b)
    b.minalign = max(b.minalign, 16)  # pad the finished buffer to 16 bytes
    b.Finish(root, file_identifier=identifier)
    return bytes(b.Output())


def bcast_strides(shape, out_shape) -> list[int]:
    """Element strides of an input of `shape` along each dim of `out_shape`
    (numpy broadcasting: right-aligned, 0 where broadcast), padded to 6."""
    shape = [1] * (len(out_shape) - len(shape)) + list(shape)
    contiguous = [int(np.prod(shape[i + 1:], dtype=np.int64)) for i in range(len(shape))]
    strides = [0 if shape[i] == 1 and out_shape[i] != 1 else contiguous[i] for i in range(len(shape))]
    return strides + [0] * (6 - len(strides))


def _up16(x: int) -> int:
    return (x + 15) // 16 * 16


def add_program(a_shape, b_shape, *, b_const: np.ndarray | None = None,
                act=(-math.inf, math.inf), chain: int = 1, partition: int = -1,
                **overrides) -> bytes:
    """A valid program: out = a + b with broadcasting, optionally b constant,
    optionally `chain` add nodes (out_k = out_{k-1} + b). Keyword overrides
    replace make_program arguments (to break one thing at a time)."""
    out_shape = list(np.broadcast_shapes(tuple(a_shape), tuple(b_shape)))
    nbytes = lambda s: 4 * int(np.prod(s, dtype=np.int64))  # noqa: E731
    off = 0
    tensors = [{"name": "a", "dtype": "f32", "shape": list(a_shape), "arena_offset": 0}]
    off = _up16(nbytes(a_shape))
    buffers = []
    if b_const is not None:
        buffers.append(np.ascontiguousarray(b_const, np.float32).tobytes())
        tensors.append({"name": "b", "dtype": "f32", "shape": list(b_shape), "buffer": 0})
    else:
        tensors.append({"name": "b", "dtype": "f32", "shape": list(b_shape), "arena_offset": off})
        off += _up16(nbytes(b_shape))
    iparams = [len(out_shape)] + bcast_strides(a_shape, out_shape) + bcast_strides(b_shape, out_shape)
    nodes = []
    prev = 0
    for k in range(chain):
        tensors.append({"name": f"out{k}", "dtype": "f32", "shape": out_shape, "arena_offset": off})
        off += _up16(nbytes(out_shape))
        nodes.append({"kernel": 0, "inputs": [prev, 1], "outputs": [len(tensors) - 1],
                      "iparams": iparams if k == 0 else
                      [len(out_shape)] + bcast_strides(out_shape, out_shape) + bcast_strides(b_shape, out_shape),
                      "fparams": list(act)})
        prev = len(tensors) - 1
    if partition >= 0:
        nodes[0]["partition"] = partition
    args = dict(tensors=tensors, nodes=nodes, inputs=[0] if b_const is not None else [0, 1],
                outputs=[prev], kernels=["add.f32"], buffers=buffers, arena_size=off)
    args.update(overrides)
    return make_program(**args)
