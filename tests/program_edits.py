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


def rebuild(data: bytes, *, iparam=None, fparam=None, shape=None, buffer=None) -> bytes:
    """The program again via PW.make_program, with one edit to node 0:
    iparam=(index, value), fparam=(index, value), shape=(node tensor, new shape),
    buffer=(tensor, new bytes) for a constant tensor."""
    info = read_program(data)
    tensors = []
    for t in info.tensors:
        d = {"name": t.name, "dtype": t.dtype, "shape": list(t.shape)}
        d.update({"buffer": t.buffer} if t.buffer >= 0 else {"arena_offset": t.arena_offset})
        tensors.append(d)
    nodes = [{"kernel": info.kernels.index(n.kernel), "inputs": list(n.inputs), "outputs": list(n.outputs),
              "iparams": list(n.iparams), "fparams": list(n.fparams)} for n in info.nodes]
    if iparam:
        nodes[0]["iparams"][iparam[0]] = iparam[1]
    if fparam:
        nodes[0]["fparams"][fparam[0]] = fparam[1]
    if shape:
        tensors[shape[0]]["shape"] = list(shape[1])
    buffers = [data[o:o + n] for o, n in info.buffer_offsets]
    if buffer:
        index = info.tensors[buffer[0]].buffer
        assert index >= 0, f"tensor {buffer[0]} is not a constant"
        assert len(buffer[1]) == len(buffers[index]), "a buffer edit keeps the buffer's size"
        buffers[index] = bytes(buffer[1])
    names = {t.name: i for i, t in enumerate(info.tensors)}
    return PW.make_program(
        tensors=tensors, nodes=nodes, kernels=info.kernels, arena_size=info.arena_size,
        inputs=[names[t.name] for t in info.inputs], outputs=[names[t.name] for t in info.outputs],
        buffers=buffers)


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
