"""Hostile edits of valid `.selrt` programs, and the batch driver that loads
and runs them under ASan+UBSan (tests/c/selrt_check.c).

A program is rebuilt from what `read_program` says of it with one field
changed -- an iparam, an fparam, a tensor's shape or a constant buffer's
bytes -- so the core's structural checks pass and only the kernel's `check`
stands between the edit and `run`.
"""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import numpy as np

import program_writer as PW
from selbuild.convert import read_program

OK, BAD_PROGRAM, UNSUPPORTED = 0, 2, 8
IVALUES = [-2**31, -65537, -1, 0, 1, 2, 7, 65537, 2**31 - 1]
FVALUES = [math.nan, math.inf, -math.inf, -1e30, 0.0, 1e30]


def decompose(data: bytes) -> dict:
    """A program as PW.make_program's keyword arguments (tensors and nodes as
    dicts, buffers and partition payloads as bytes): edit it, then compose()."""
    info = read_program(data)
    tensors = []
    for t in info.tensors:
        d = {"name": t.name, "dtype": t.dtype, "shape": list(t.shape), "scale": t.scale,
             "zero_point": t.zero_point}
        d.update({"buffer": t.buffer} if t.buffer >= 0 else {"arena_offset": t.arena_offset})
        tensors.append(d)
    nodes = []
    for n in info.nodes:
        d = {"kernel": info.kernels.index(n.kernel), "inputs": list(n.inputs), "outputs": list(n.outputs),
             "iparams": list(n.iparams), "fparams": list(n.fparams)}
        if n.partition >= 0:
            d["partition"] = n.partition
        nodes.append(d)
    index = {t.name: i for i, t in enumerate(info.tensors)}
    parts = [{"backend": q.backend, "nodes": list(q.nodes),
              "payload": data[q.payload_offset:q.payload_offset + q.payload_size]} for q in info.partitions]
    return {"tensors": tensors, "nodes": nodes, "kernels": list(info.kernels), "arena_size": info.arena_size,
            "inputs": [index[t.name] for t in info.inputs], "outputs": [index[t.name] for t in info.outputs],
            "buffers": [data[o:o + n] for o, n in info.buffer_offsets], "partitions": parts,
            "metadata": dict(info.metadata)}


def compose(spec: dict) -> bytes:
    return PW.make_program(**spec)


def rebuild(data: bytes, *, iparam=None, fparam=None, shape=None, buffer=None) -> bytes:
    """The program again, with one edit to node 0: iparam=(index, value),
    fparam=(index, value), shape=(node tensor, new shape), buffer=(tensor, new
    bytes) for a constant tensor."""
    spec = decompose(data)
    node, tensors = spec["nodes"][0], spec["tensors"]
    if iparam:
        node["iparams"][iparam[0]] = iparam[1]
    if fparam:
        node["fparams"][fparam[0]] = fparam[1]
    if shape:
        tensors[shape[0]]["shape"] = list(shape[1])
    if buffer:
        index = tensors[buffer[0]].get("buffer", -1)
        assert index >= 0, f"tensor {buffer[0]} is not a constant"
        assert len(buffer[1]) == len(spec["buffers"][index]), "a buffer edit keeps the buffer's size"
        spec["buffers"][index] = bytes(buffer[1])
    return compose(spec)


def node_programs(data: bytes) -> list[bytes]:
    """One program per CPU node of `data`: the node with its constants, its other
    inputs as graph inputs and its outputs as graph outputs. Real models' layers
    (their shapes, params and weights) in programs small enough to fuzz."""
    info = read_program(data)
    out = []
    for n in info.nodes:
        used = sorted({i for i in n.inputs + n.outputs if i >= 0})
        remap = {old: new for new, old in enumerate(used)}
        tensors, buffers, offset = [], [], 0
        for old in used:
            t = info.tensors[old]
            d = {"name": t.name, "dtype": t.dtype, "shape": list(t.shape), "scale": t.scale,
                 "zero_point": t.zero_point}
            if t.buffer >= 0:
                o, size = info.buffer_offsets[t.buffer]
                d["buffer"] = len(buffers)
                buffers.append(data[o:o + size])
            else:
                d["arena_offset"] = offset
                offset += (t.nbytes + 15) // 16 * 16
            tensors.append(d)
        node = {"kernel": 0, "inputs": [remap.get(i, -1) for i in n.inputs], "outputs": [remap[i] for i in n.outputs],
                "iparams": list(n.iparams), "fparams": list(n.fparams)}
        out.append(PW.make_program(
            tensors=tensors, nodes=[node], kernels=[n.kernel], buffers=buffers, arena_size=offset,
            inputs=[remap[i] for i in dict.fromkeys(n.inputs) if i >= 0 and info.tensors[i].buffer < 0],
            outputs=[remap[i] for i in n.outputs]))
    return out


def shape_edits(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    out = []
    for i, d in enumerate(shape):
        for v in {d + 1, d - 1, 1, 2 * d}:
            if v >= 1 and v != d:
                out.append(shape[:i] + (v,) + shape[i + 1:])
    out += [shape + (1,), shape[1:], (int(np.prod(shape)),)]
    return [s for s in out if s != shape and len(s) <= 6]


def variants(data: bytes) -> list[bytes]:
    """Every iparam and fparam of node 0 set to each extreme value, every node tensor reshaped."""
    info = read_program(data)
    node = info.nodes[0]
    progs = [rebuild(data, iparam=(i, v)) for i in range(len(node.iparams)) for v in IVALUES]
    progs += [rebuild(data, fparam=(i, v)) for i in range(len(node.fparams)) for v in FVALUES]
    for t in sorted({i for i in node.inputs + node.outputs if i >= 0}):
        progs += [rebuild(data, shape=(t, s)) for s in shape_edits(info.tensors[t].shape)]
    return progs


def run_batch(workdir: Path, exe: Path, name: str, progs: list[bytes], fill: int = 0) -> list[tuple[int, int]]:
    """(load status, ran) per program, each loaded and, if it loads, run on an arena of
    `fill` bytes; fails the test on any sanitizer report or crash."""
    paths = []
    for i, p in enumerate(progs):
        path = workdir / f"{name}_{i}.selrt"
        path.write_bytes(p)
        paths.append(str(path))
    res = subprocess.run([str(exe), "--fill", str(fill), "--batch", *paths], capture_output=True, text=True)
    assert res.returncode == 0, f"{name} (arena fill {fill:#x}): sanitizer or crash:\n{res.stderr[-3000:]}"
    rows = [line.split() for line in res.stdout.splitlines()]
    return [(int(r[1].removeprefix("status=")), int(r[2].removeprefix("ran="))) for r in rows]


def assert_edits_rejected_or_safe(checker: tuple[Path, Path], name: str, prog: bytes,
                                  some_refused: bool = False) -> None:
    """The hostile-program check of one kernel's seed: the program as written
    loads and runs; every field edit (variants, filled with 0x00 and 0xFF) is
    refused by the loader or a kernel check, or runs safely (the checker is an
    ASan+UBSan build). some_refused: at least one edit must reach the kernel's
    check and be refused there."""
    assert run_batch(*checker, name, [rebuild(prog)]) == [(OK, 1)]
    for fill in (0x00, 0xFF):
        results = run_batch(*checker, name, variants(prog), fill=fill)
        assert results and all(st in (OK, BAD_PROGRAM, UNSUPPORTED) for st, _ in results), results
        assert all(ran for st, ran in results if st == OK)
        if some_refused:
            assert any(st == UNSUPPORTED for st, _ in results)
