"""Seed programs for the fuzzers (tests/test_fuzz*.py, bench/fuzz.sh).

Seeds decide how deep a campaign reaches: random bytes die in the
flatbuffer verifier, so every seed here is a program the runtime accepts.
They come from every model the tests have, converted by selbuild:

- each bundled model whole (float32, float16, int8, ExecuTorch), and again
  with its nodes handed to the Vulkan and NNAPI backends (partitions);
- every CPU node of those models as a one-node program (real layers' shapes,
  parameters and weights, small enough to mutate);
- the single-op models of the kernel tests (tests/harness.py), one per layer
  kernel and dtype, and add graphs with partitions for the test backend.

A bundled model the converter cannot take yet (16x8 quantization, delegated
ExecuTorch plans) is listed in NOT_CONVERTIBLE; any other conversion failure is
an error, not a silently smaller corpus. Models with control flow (the WHILE
LSTM/GRU, and the builder's WHILE/IF programs of control_programs) are seeds
too, without backends (which do not take control flow yet).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

import harness as H
import program_edits as E
from cover_models import small_cover_models
from cover3_models import small_cover3_models
from cover4_models import small_cover4_models
from mover_models import small_mover_models
from rnn_models import small_recurrent_models
from program_writer import add_program
from segment_models import (small_lookup_sparse_models, small_reduce_i8_models, small_segment_models,
                            small_sparse_models)
from selbuild.convert import convert, read_program
from selbuild.errors import SelbuildError
from selbuild.frontends import load_model

MODELS = Path(__file__).resolve().parent / "models"
NOT_CONVERTIBLE = {"tiny_cnn_int16x8", "tiny_cnn_xnnpack", "tiny_cnn_xnnpack_int8"}
CONTROL_FLOW = {"gru_f32", "lstm_f32", "lstm_dynrange"}
# Kernels that call subgraphs: a one-node program of them has nothing to call.
CONTROL_KERNELS = {"while.any", "if.any"}
BACKENDS = (None, "vulkan", "nnapi")


def model_paths() -> list[Path]:
    return sorted(MODELS.glob("tflite/*.tflite")) + sorted(MODELS.glob("pte/*.pte"))


def model_programs() -> dict[str, bytes]:
    """name -> program for every convertible bundled model, per backend choice."""
    out: dict[str, bytes] = {}
    for path in model_paths():
        for backend in BACKENDS:
            try:
                program = convert(load_model(path), backends=[backend] if backend else None).program
            except SelbuildError:
                if path.stem in NOT_CONVERTIBLE or (backend and path.stem in CONTROL_FLOW):
                    break
                raise
            out[f"{path.stem}" + (f"+{backend}" if backend else "")] = program
    return out


def control_programs() -> dict[str, bytes]:
    """WHILE and IF programs from the test model builder (tests/test_control_flow.py)."""
    import test_control_flow as C
    from selbuild.frontends import tflite
    out = {}
    for name, model in {"cf_while5": C.counter_loop(5), "cf_while0": C.counter_loop(0), "cf_if": C.branch_model(),
                        "cf_nested": C.nested_loops(3, 2)}.items():
        out[name] = convert(tflite.to_ir(tflite.parse_bytes(model, f"{name}.tflite"))).program
    return out


def _one_op_add_graphs() -> dict[str, bytes]:
    part = [{"backend": "fake", "payload": b"", "nodes": [0]}]
    return {
        "add_bcast": add_program([2, 1, 4], [1, 3, 1]),
        "add_scalar": add_program([], [5]),
        "add_chain_const": add_program([4], [4], b_const=np.arange(4, dtype=np.float32), act=(-1.0, 1.0), chain=3),
        "add_rank6": add_program([1, 2, 1, 3, 1, 2], [2, 1, 3, 1, 2, 1]),
        # tests/c/fake_backend.c: payload "" runs, "F" fails init, "R" fails run.
        **{f"add_fake_{p or 'ok'}": add_program([2, 3], [3], partition=0, chain=2,
                                                partitions=[{"backend": "fake", "payload": p.encode(), "nodes": [0]}])
           for p in ("", "F", "R")},
        "mul_fake": add_program([2, 3], [3], partition=0, kernels=["mul.f32"], partitions=part),
    }


def seed_programs(max_size: int | None = None) -> dict[str, bytes]:
    """Every seed (name -> bytes), at most `max_size` bytes each, duplicates dropped."""
    seeds: dict[str, bytes] = {}
    whole = model_programs()
    seeds.update(whole)
    layers: set[tuple] = set()
    for name, program in whole.items():
        if "+" not in name:
            for i, p in enumerate(E.node_programs(program)):
                # An unrolled LSTM repeats one layer hundreds of times: keep each kind once.
                info = read_program(p)
                if info.kernels[0] in CONTROL_KERNELS:
                    continue
                kind = (info.kernels[0], tuple((t.dtype, t.shape) for t in info.tensors))
                if kind not in layers:
                    layers.add(kind)
                    seeds[f"{name}.node{i}"] = p
    for name, model in {**H.small_models(), **{f"{k}_i8": m for k, m in H.small_int8_models().items()},
                        **{f"{k}_f32i8": m for k, m in H.small_hybrid_models().items()},
                        **small_mover_models(), **small_cover_models(), **small_cover3_models(), **small_cover4_models(),
                        **small_segment_models(), **small_sparse_models(), **small_lookup_sparse_models(),
                        **small_reduce_i8_models(),
                        **{f"{k}_rnn": m for k, m in small_recurrent_models().items()}}.items():
        seeds[f"op_{name}"] = H.convert_bytes(model)
    seeds.update(_one_op_add_graphs())
    seeds.update(control_programs())
    unique: dict[str, bytes] = {}
    seen: set[str] = set()
    for name, data in seeds.items():
        digest = hashlib.sha256(data).hexdigest()
        if digest not in seen and (max_size is None or len(data) <= max_size):
            seen.add(digest)
            unique[name] = data
    return unique


def write_corpus(out: Path, max_size: int | None = None) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in sorted(seed_programs(max_size).items()):
        path = out / f"{name}.selrt"
        path.write_bytes(data)
        paths.append(path)
    return paths
