"""Structure-aware fuzzing of every kernel's `check`: programs that are valid
flatbuffers with valid indices and arena layout (so they get past the core)
but random shapes, dtypes, input/output counts and parameters. Whatever
`check` accepts is run, under ASan+UBSan: an accepted program that makes a
kernel read or write out of bounds fails the test with the sanitizer report
and the program's description.
"""

from __future__ import annotations

import random
import shutil
import subprocess

import numpy as np
import pytest

from harness import build
from program_writer import bcast_strides, make_program
from selbuild.catalogue import load_catalogue
from structured_fuzz import fuzz_kernels
from test_fuzz import TESTS

pytestmark = pytest.mark.skipif(shutil.which("clang-19") is None, reason="needs clang-19 (ASan)")

DTYPES = ["f32", "f32", "f32", "f32", "i32", "i8", "u8", "i64", "f16", "bool", "i16"]
ESIZE = {"f32": 4, "f16": 2, "i8": 1, "u8": 1, "i16": 2, "i32": 4, "i64": 8, "bool": 1}
INTS = [-2, -1, 0, 0, 1, 1, 1, 2, 2, 3, 3, 4, 5, 6, 7, 8, 16, 2**31 - 1, -2**31]
FLOATS = [0.0, 1.0, -1.0, 0.5, 6.0, -6.0, 1e-3, float("inf"), float("-inf"), float("nan")]


def _shape(r: random.Random, like: list[int] | None = None) -> list[int]:
    if like is not None and r.random() < 0.6:
        return list(like)  # agreeing shapes, so more programs get past check
    return [r.choice([1, 1, 2, 3, 4, 5]) for _ in range(r.choice([0, 1, 2, 3, 4, 4, 4]))]


def random_program(r: random.Random, name: str) -> tuple[bytes, str]:
    spec = load_catalogue()[name]
    kdtype = name.split(".")[1]
    n_in = len(spec.inputs) if not spec.variadic_inputs else r.randint(1, 4)
    n_in = r.randint(spec.min_inputs, max(spec.min_inputs, n_in)) if r.random() < 0.3 else n_in
    n_out = len(spec.outputs) if not spec.variadic_outputs else r.randint(1, 4)
    base = _shape(r)
    tensors, buffers, offset, ins, outs = [], [], 0, [], []
    for i in range(n_in + n_out):
        dtype = (kdtype if kdtype in ESIZE else "f32") if r.random() < 0.7 else r.choice(DTYPES)
        shape = _shape(r, base)
        nbytes = ESIZE[dtype] * int(np.prod(shape, dtype=np.int64))
        t = {"name": f"t{i}", "dtype": dtype, "shape": shape}
        if i < n_in and r.random() < 0.3:
            data = (np.frombuffer(r.randbytes(nbytes), np.uint8) % 4).astype(np.uint8).tobytes()
            t["buffer"] = len(buffers)
            buffers.append(data)
        else:
            t["arena_offset"] = offset
            offset += (nbytes + 15) // 16 * 16
        tensors.append(t)
        (ins if i < n_in else outs).append(i)
    node_ins = [i if not (spec.inputs[min(j, len(spec.inputs) - 1)].endswith("?") and r.random() < 0.3)
                else -1 for j, i in enumerate(ins)]
    iparams = [r.choice(INTS) if r.random() < 0.8 else r.randint(-3, 40) for _ in spec.iparams]
    if spec.iparams[:2] == ("rank", "a_strides0") and n_in >= 2 and r.random() < 0.7:
        # Broadcasting binary kernels: real strides, sometimes one perturbed.
        a_shape, b_shape, o_shape = (tensors[i]["shape"] for i in (ins[0], ins[1], outs[0]))
        if len(a_shape) <= len(o_shape) >= len(b_shape):
            iparams[:13] = ([len(o_shape)] + bcast_strides(a_shape, o_shape)
                            + bcast_strides(b_shape, o_shape))
            if r.random() < 0.4:
                iparams[r.randrange(13)] = r.choice(INTS)
    node = {"kernel": 0, "inputs": node_ins, "outputs": outs, "iparams": iparams,
            "fparams": [r.choice(FLOATS) for _ in spec.fparams]}
    graph_inputs = [i for i in ins if "arena_offset" in tensors[i]]
    prog = make_program(tensors=tensors, nodes=[node], inputs=graph_inputs, outputs=outs,
                        kernels=[name], buffers=buffers, arena_size=offset)
    desc = f"{name} tensors={[(t['dtype'], t['shape']) for t in tensors]} node={node}"
    return prog, desc


def run_campaign(tmp_path, per_kernel: int, seed: int):
    kernels = fuzz_kernels()
    check = build(None, kernels, main=TESTS / "c" / "selrt_check.c", name="selrt_check_all",
                  cc="clang-19", sanitize=True)
    r = random.Random(seed)
    progs, descs = [], {}
    for k in kernels:
        for j in range(per_kernel):
            prog, desc = random_program(r, k)
            path = tmp_path / f"{k}-{j}.selrt"
            path.write_bytes(prog)
            progs.append(path)
            descs[str(path)] = desc
    accepted: dict[str, int] = {k: 0 for k in kernels}
    for start in range(0, len(progs), 400):
        batch = progs[start:start + 400]
        res = subprocess.run([check, "--batch", *map(str, batch)], capture_output=True, text=True)
        lines = res.stdout.splitlines()
        if res.returncode != 0:
            culprit = str(batch[len(lines)]) if len(lines) < len(batch) else "?"
            pytest.fail(f"crash on {culprit}: {descs.get(culprit)}\n{res.stderr[-4000:]}")
        for line in lines:
            path, status, ran = line.split()
            if status == "status=0":
                accepted[path.rsplit("/", 1)[1].split("-")[0]] += 1
                assert ran == "ran=1", line
    return accepted


def test_kernel_checks_hold_on_random_parameters(tmp_path):
    accepted = run_campaign(tmp_path, per_kernel=40, seed=1)
    # Every kernel must accept some random programs, or the campaign tests
    # only rejection paths for it (a sign the generator needs its layout).
    print("accepted per kernel:", accepted)
    assert sum(accepted.values()) > 0


# The long campaign's budget is a total, not per kernel: it was 600 x 178 kernels; with
# every kernel added it would grow past the suite's time budget. Longer campaigns:
# bench/fuzz_structured.py and bench/fuzz_libfuzzer.py.
LONG_CAMPAIGN_PROGRAMS = 60_000


@pytest.mark.slow
def test_kernel_checks_hold_on_random_parameters_long(tmp_path):
    run_campaign(tmp_path, per_kernel=max(150, LONG_CAMPAIGN_PROGRAMS // len(fuzz_kernels())), seed=2)
