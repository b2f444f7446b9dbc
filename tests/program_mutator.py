"""Structure-aware mutation of `.selrt` programs: edits of program fields, not
bytes, so that the result is still a well-formed flatbuffer and reaches the
loader's semantic checks and the kernels' `check` and `run`.

Each case applies one to three edits, drawn from the ways a hostile or broken
program lies about itself: dims near 2^31, dims whose product overflows 32 or
64 bits, negative and zero dims, ranks past the maximum, zero or huge strides,
dilations and paddings, axes out of range (any iparam set to an extreme),
NaN/inf parameters, arena offsets at the arena's edge and past it, outputs
aliasing inputs or constants, missing and out-of-range tensor indices,
another kernel's name, dtype swaps, constant bytes set to extremes, and
partitions pointing nowhere.
"""

from __future__ import annotations

import math
import random
import struct
from collections.abc import Callable, Iterator

import program_edits as E

INTS = [0, 1, -1, 2, 3, 6, 7, 16, 255, 256, 46341, 65535, 65536, 65537, 1 << 20, 1 << 30, 2**31 - 2, 2**31 - 1,
        -2**31, -2**31 + 1, -65536, -7]
DIMS = [0, -1, 1, 2, 3, 46341, 65536, 65537, 1 << 21, 1 << 30, 2**31 - 1, -2**31]
FLOATS = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1e-45, 1e38, -1e38, 3.4e38, 1.0, -1.0]
DTYPES = ["f32", "i8", "i32", "u8", "i16", "i64", "f16", "bool"]
FILLS = [b"\x00", b"\x80", b"\x7f", b"\xff"]

Edit = Callable[[random.Random, dict], str]


def _node(r: random.Random, spec: dict) -> dict | None:
    return r.choice(spec["nodes"]) if spec["nodes"] else None


def _tensor(r: random.Random, spec: dict) -> tuple[int, dict] | None:
    if not spec["tensors"]:
        return None
    i = r.randrange(len(spec["tensors"]))
    return i, spec["tensors"][i]


def e_iparam(r, spec):
    n = _node(r, spec)
    if not n or not n["iparams"]:
        return ""
    i = r.randrange(len(n["iparams"]))
    v = r.choice(INTS) if r.random() < 0.8 else n["iparams"][i] + r.choice([-1, 1, 2, -2])
    n["iparams"][i] = max(-2**31, min(2**31 - 1, v))
    return f"iparam[{i}]={n['iparams'][i]}"


def e_fparam(r, spec):
    n = _node(r, spec)
    if not n or not n["fparams"]:
        return ""
    i = r.randrange(len(n["fparams"]))
    n["fparams"][i] = r.choice(FLOATS)
    return f"fparam[{i}]={n['fparams'][i]}"


def e_dim(r, spec):
    t = _tensor(r, spec)
    if not t or not t[1]["shape"]:
        return ""
    i, d = t
    k = r.randrange(len(d["shape"]))
    d["shape"][k] = r.choice(DIMS)
    return f"tensor[{i}].shape[{k}]={d['shape'][k]}"


def e_overflow_product(r, spec):
    """Several dims set so that their product passes 2^32 or 2^64 while each fits int32."""
    t = _tensor(r, spec)
    if not t:
        return ""
    i, d = t
    d["shape"] = [r.choice([65536, 65537, 2**31 - 1, 1 << 21])] * r.choice([2, 3, 4])
    return f"tensor[{i}].shape={d['shape']}"


def e_rank(r, spec):
    t = _tensor(r, spec)
    if not t:
        return ""
    i, d = t
    choice = r.randrange(3)
    if choice == 0:
        d["shape"] = d["shape"] + [1] * r.choice([1, 3, 7])
    elif choice == 1:
        d["shape"] = d["shape"][1:]
    else:
        d["shape"] = []
    return f"tensor[{i}].rank={len(d['shape'])}"


def e_dtype(r, spec):
    t = _tensor(r, spec)
    if not t:
        return ""
    i, d = t
    d["dtype"] = r.choice(DTYPES)
    return f"tensor[{i}].dtype={d['dtype']}"


def e_arena_offset(r, spec):
    arena = [(i, t) for i, t in enumerate(spec["tensors"]) if "arena_offset" in t]
    if not arena:
        return ""
    i, t = r.choice(arena)
    a = spec["arena_size"]
    t["arena_offset"] = r.choice([a, a - 16, a + 16, -16, -1, 8, 2**31 - 16, max(a - 32, 0), 0])
    return f"tensor[{i}].arena_offset={t['arena_offset']}"


def e_arena_size(r, spec):
    spec["arena_size"] = r.choice([0, 16, max(spec["arena_size"] - 16, 0), spec["arena_size"] // 2, 2**31 - 16])
    return f"arena_size={spec['arena_size']}"


def e_alias(r, spec):
    """A node writes a tensor it also reads, a graph input or a constant."""
    n = _node(r, spec)
    if not n or not n["outputs"]:
        return ""
    pool = [i for i in n["inputs"] if i >= 0] + list(spec["inputs"]) + \
        [i for i, t in enumerate(spec["tensors"]) if "buffer" in t]
    if not pool:
        return ""
    k = r.randrange(len(n["outputs"]))
    n["outputs"][k] = r.choice(pool)
    return f"node output[{k}] aliases tensor {n['outputs'][k]}"


def e_index(r, spec):
    n = _node(r, spec)
    if not n:
        return ""
    key = r.choice(["inputs", "outputs"])
    if not n[key]:
        return ""
    k = r.randrange(len(n[key]))
    n[key][k] = r.choice([-1, -2, len(spec["tensors"]), 2**31 - 1, 0])
    return f"node {key}[{k}]={n[key][k]}"


def e_arity(r, spec):
    n = _node(r, spec)
    if not n:
        return ""
    key = r.choice(["inputs", "outputs", "iparams", "fparams"])
    if n[key] and r.random() < 0.5:
        n[key].pop()
    else:
        n[key].append(0)
    return f"node {key} count={len(n[key])}"


def e_kernel(r, spec, names: list[str]):
    n = _node(r, spec)
    if not n:
        return ""
    name = r.choice(names)
    if name not in spec["kernels"]:
        spec["kernels"].append(name)
    n["kernel"] = spec["kernels"].index(name)
    return f"kernel={name}"


def e_graph_io(r, spec):
    key = r.choice(["inputs", "outputs"])
    if spec[key] and r.random() < 0.5:
        spec[key][r.randrange(len(spec[key]))] = r.choice([-1, len(spec["tensors"])] +
                                                          list(range(len(spec["tensors"]))))
    else:
        spec[key].append(r.randrange(max(len(spec["tensors"]), 1)))
    return f"graph {key}={spec[key]}"


def e_buffer(r, spec):
    if not spec["buffers"]:
        return ""
    i = r.randrange(len(spec["buffers"]))
    b = spec["buffers"][i]
    if r.random() < 0.7:
        spec["buffers"][i] = r.choice(FILLS) * len(b)
    else:
        spec["buffers"][i] = b[:max(len(b) - r.choice([1, 4, 16]), 0)]
    return f"buffer[{i}] edited"


def e_partition(r, spec):
    n = _node(r, spec)
    if not n:
        return ""
    if spec["partitions"] and r.random() < 0.5:
        p = r.choice(spec["partitions"])
        p["nodes"] = [r.choice([0, len(spec["nodes"]), 2**31 - 1])] + p["nodes"]
        return f"partition nodes={p['nodes'][:4]}"
    n["partition"] = r.choice([0, 1, len(spec["partitions"]), 2**31 - 1, -2])
    return f"node partition={n['partition']}"


EDITS: list[Edit] = [e_iparam, e_iparam, e_iparam, e_fparam, e_dim, e_dim, e_overflow_product, e_rank, e_dtype,
                     e_arena_offset, e_arena_size, e_alias, e_index, e_arity, e_graph_io, e_buffer, e_partition]


def mutants(seeds: dict[str, bytes], count: int, seed: int, kernels: list[str]) -> Iterator[tuple[str, bytes]]:
    """`count` (description, program) cases from the seeds, deterministic for `seed`."""
    r = random.Random(seed)
    names = sorted(seeds)
    specs = {}
    made = 0
    while made < count:
        name = r.choice(names)
        if name not in specs:
            specs[name] = E.decompose(seeds[name])
        spec = _copy(specs[name])
        done = []
        for _ in range(r.choice([1, 1, 2, 3])):
            edit = r.choice(EDITS + [None])
            what = e_kernel(r, spec, kernels) if edit is None else edit(r, spec)
            if what:
                done.append(what)
        if not done:
            continue
        try:
            data = E.compose(spec)
        except (ValueError, OverflowError, TypeError, struct.error):   # not encodable (a field's int range)
            continue
        made += 1
        yield f"{name}: " + "; ".join(done), data


def _copy(spec: dict) -> dict:
    return {"tensors": [dict(t, shape=list(t["shape"])) for t in spec["tensors"]],
            "nodes": [{k: list(v) if isinstance(v, list) else v for k, v in n.items()} for n in spec["nodes"]],
            "kernels": list(spec["kernels"]), "arena_size": spec["arena_size"], "inputs": list(spec["inputs"]),
            "outputs": list(spec["outputs"]), "buffers": list(spec["buffers"]),
            "partitions": [dict(p, nodes=list(p["nodes"])) for p in spec["partitions"]],
            "metadata": dict(spec["metadata"])}
