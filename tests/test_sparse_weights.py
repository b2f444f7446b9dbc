"""Sparse (pruned) constant weights: TFLite's sparsity parameters densified at
conversion and DENSIFY folded (issue 12 item 3).

LiteRT's own DENSIFY is the reference for the builder's models; the format
walk is also checked against an independent, recursive reading of the format
on random trees of rank 1 to 4 with blocks and non-identity traversal orders.
"""

from __future__ import annotations

import itertools
import zlib
from pathlib import Path

import numpy as np
import pytest

import tflite_builder as TB
from selbuild.cli import main as cli_main
from selbuild.convert.pipeline import convert
from selbuild.errors import ModelError
from selbuild.frontends import tflite
from selbuild.frontends.tflite_sparse import DENSE, SPARSE_CSR, Level, SparseFormatError, Sparsity, densify
from selbuild import verify
from tflite_builder import Op, T


def pruned(shape, seed: int, keep: float = 0.3, dtype=np.float32) -> np.ndarray:
    rng = np.random.default_rng(seed)
    w = rng.normal(size=shape).astype(dtype)
    w[rng.random(shape) > keep] = 0
    return w


def fc_model(ws: T, rows: int, cols: int, f16: bool = False) -> bytes:
    b = T("b", [rows], data=np.linspace(-1, 1, rows))
    tensors = [T("x", [3, cols]), ws, T("wd", [rows, cols], "f16" if f16 else "f32"), b, T("y", [3, rows])]
    ops = [Op("DENSIFY", ["ws"], ["wd"], options_table="DensifyOptions", options={})]
    if f16:
        tensors.append(T("wf", [rows, cols]))
        ops.append(Op("DEQUANTIZE", ["wd"], ["wf"]))
    ops.append(Op("FULLY_CONNECTED", ["x", "wf" if f16 else "wd", "b"], ["y"]))
    return TB.build_model(ops, tensors, inputs=["x"], outputs=["y"])


@pytest.fixture(scope="module")
def runtime(tmp_path_factory) -> Path:
    import harness as H
    return H.build_runtime(tmp_path_factory.mktemp("sparse_rt"), ["fully_connected.f32"])


@pytest.mark.parametrize("block, index_type", [
    (None, "i32"), (None, "u16"), (None, "u8"), ((1, 4), "i32"), ((1, 16), "u8"), ((2, 2), "u16"), ((4, 1), "i32")])
def test_densified_fully_connected_matches_litert(block, index_type, runtime: Path) -> None:
    import harness as H
    rows, cols = 8, 32
    w = pruned((rows, cols), seed=zlib.crc32(f"{block}{index_type}".encode()))
    model = fc_model(TB.sparse_tensor("ws", w, block=block, index_type=index_type), rows, cols)
    m = tflite.to_ir(tflite.parse_bytes(model, "sparse.tflite"))
    np.testing.assert_array_equal(next(t for t in m.main.tensors if t.name == "ws").data, w)
    r = convert(m)
    assert r.kernels == ["fully_connected.f32"] and r.stats.folded_nodes >= 1     # DENSIFY is gone
    x = np.random.default_rng(3).normal(size=(3, cols)).astype(np.float32)
    ours = verify.run_program(runtime, r.program, {"x": x})
    H.assert_close(ours, H.litert(model, {"x": x}))


def test_float16_sparse_weights_fold_through_dequantize(runtime: Path) -> None:
    import harness as H
    w = pruned((6, 16), seed=5).astype(np.float16)
    model = fc_model(TB.sparse_tensor("ws", w, dtype="f16", block=(1, 4)), 6, 16, f16=True)
    r = convert(tflite.to_ir(tflite.parse_bytes(model, "sparse16.tflite")))
    assert r.kernels == ["fully_connected.f32"]                 # DENSIFY and DEQUANTIZE folded
    x = np.random.default_rng(4).normal(size=(3, 16)).astype(np.float32)
    H.assert_close(verify.run_program(runtime, r.program, {"x": x}), H.litert(model, {"x": x}))


def test_analyze_reports_sparse_and_dense_bytes(tmp_path: Path, capsys) -> None:
    w = pruned((16, 64), seed=1, keep=0.1)
    path = tmp_path / "pruned.tflite"
    path.write_bytes(fc_model(TB.sparse_tensor("ws", w), 16, 64))
    with pytest.raises(SystemExit) as e:
        cli_main(["analyze", str(path)])
    out, err = capsys.readouterr()
    assert e.value.code == 0, err
    stored = int((w != 0).sum()) * 4
    assert f"{stored:,} B stored sparse, {16 * 64 * 4:,} B dense" in " ".join(out.split())


# ----------------------------------------------------------------------------- the format walk

def reference_densify(shape, sp: Sparsity, values: np.ndarray) -> np.ndarray:
    """The format read literally: a recursive walk, one element at a time."""
    n = len(shape)
    sizes = {n + j: sp.levels[sp.traversal_order.index(n + j)].dense_size for j in range(len(sp.block_map))}
    out = np.zeros(shape, values.dtype)

    def walk(level: int, index: int, coords: dict[int, int]) -> None:
        if level == len(sp.levels):
            orig = [coords[d] for d in range(n)]
            for j, d in enumerate(sp.block_map):
                orig[d] = coords[d] * sizes[n + j] + coords[n + j]
            out[tuple(orig)] = values[index]
            return
        lv, axis = sp.levels[level], sp.traversal_order[level]
        if lv.format == DENSE:
            for i in range(lv.dense_size):
                walk(level + 1, index * lv.dense_size + i, {**coords, axis: i})
        else:
            for j in range(int(lv.segments[index]), int(lv.segments[index + 1])):
                walk(level + 1, j, {**coords, axis: int(lv.indices[j])})

    walk(0, 0, {})
    return out


def random_tree(rng: np.random.Generator, rank: int):
    """A random valid sparsity description: dense shape, parameters, stored values."""
    shape = [int(rng.integers(1, 5)) for _ in range(rank)]
    block_map = [d for d in range(rank) if rng.random() < 0.4]
    bsize = {d: int(rng.integers(1, 3)) for d in block_map}
    for d in block_map:
        shape[d] *= bsize[d]
    expanded = [shape[d] // bsize.get(d, 1) for d in range(rank)] + [bsize[d] for d in block_map]
    outer = list(rng.permutation(rank))
    order = outer + [rank + j for j in rng.permutation(len(block_map))]   # block dims innermost, as TF writes
    levels: list[Level] = []
    parents = 1
    for axis in order:
        size = expanded[axis]
        if axis < rank and rng.random() < 0.6:
            segs, idx = [0], []
            for _ in range(parents):
                chosen = sorted(rng.choice(size, int(rng.integers(0, size + 1)), replace=False))
                idx += [int(c) for c in chosen]
                segs.append(len(idx))
            levels.append(Level(SPARSE_CSR, 0, np.asarray(segs, np.int64), np.asarray(idx, np.int64)))
            parents = len(idx)
        else:
            levels.append(Level(DENSE, size, None, None))
            parents *= size
    sp = Sparsity([int(a) for a in order], block_map, levels)
    return tuple(shape), sp, rng.normal(size=parents).astype(np.float32)


@pytest.mark.parametrize("rank", [1, 2, 3, 4])
def test_walk_matches_a_literal_reading_of_the_format(rank: int) -> None:
    rng = np.random.default_rng(rank)
    for _ in range(60):
        shape, sp, values = random_tree(rng, rank)
        np.testing.assert_array_equal(densify(shape, sp, values), reference_densify(shape, sp, values))


def _csr(segments, indices, size_rows=2) -> Sparsity:
    return Sparsity([0, 1], [], [Level(DENSE, size_rows, None, None),
                                 Level(SPARSE_CSR, 0, np.asarray(segments), np.asarray(indices))])


@pytest.mark.parametrize("sp, values, message", [
    (_csr([0, 1, 2], [0, 9]), 2, "outside 0..3"),
    (_csr([0, 2, 1], [0, 1]), 2, "non-decreasing"),
    (_csr([0, 1], [0]), 1, "segments for 2 parents"),
    (_csr([0, 1, 2], [0, 1]), 3, "2 leaves but 3 values"),
    (_csr([0, 2, 2], [1, 1]), 2, "same element"),
    (Sparsity([0, 0], [], [Level(DENSE, 2, None, None)] * 2), 8, "not a permutation"),
    (Sparsity([0, 1, 2], [1], [Level(DENSE, 2, None, None), Level(DENSE, 2, None, None),
                               Level(DENSE, 3, None, None)]), 12, "dense divisor"),
    (Sparsity([0, 1], [], [Level(DENSE, 3, None, None), Level(DENSE, 4, None, None)]), 12, "dense_size 3"),
    (Sparsity([0, 1], [], [Level(DENSE, 2, None, None), Level(7, 4, None, None)]), 8, "unknown format 7"),
])
def test_inconsistent_parameters_are_refused(sp: Sparsity, values: int, message: str) -> None:
    with pytest.raises(SparseFormatError, match=message):
        densify((2, 4), sp, np.ones(values, np.float32))


def test_huge_dense_shape_is_refused_before_allocating() -> None:
    with pytest.raises(SparseFormatError, match="more than"):
        densify((1 << 20, 1 << 20), _csr([0, 0], []), np.zeros(0, np.float32))


def test_corrupt_sparse_model_is_a_model_error_exit_2(tmp_path: Path, capsys) -> None:
    ws = TB.sparse_tensor("ws", pruned((4, 8), seed=2))
    ws.sparsity["dim_metadata"][1]["indices"][0] = 200          # a column past the 8 the shape has
    model = fc_model(ws, 4, 8)
    with pytest.raises(ModelError, match="sparsity parameters: .*outside 0..7"):
        tflite.to_ir(tflite.parse_bytes(model, "bad.tflite"))
    path = tmp_path / "bad.tflite"
    path.write_bytes(model)
    with pytest.raises(SystemExit) as e:
        cli_main(["convert", str(path), "-o", str(tmp_path / "bad.selrt")])
    _, err = capsys.readouterr()
    assert e.value.code == 2 and "error:" in err and "sparsity parameters" in err and "Traceback" not in err
    assert not (tmp_path / "bad.selrt").exists()


def test_every_index_width_and_block_combination_round_trips() -> None:
    """The builder's encoder and the frontend's decoder agree for every index type and block shape."""
    for (br, bc), kind in itertools.product([(1, 1), (1, 2), (2, 1), (2, 4)], ["i32", "u16", "u8"]):
        w = pruned((4, 8), seed=br * 10 + bc)
        model = fc_model(TB.sparse_tensor("ws", w, block=(br, bc), index_type=kind), 4, 8)
        m = tflite.to_ir(tflite.parse_bytes(model, "rt.tflite"))
        np.testing.assert_array_equal(next(t for t in m.main.tensors if t.name == "ws").data, w)
