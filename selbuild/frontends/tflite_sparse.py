"""Sparse constant tensors of TFLite models, made dense at conversion.

TFLite stores a pruned weight tensor (dense shape of rank n, k of its dims
split into blocks of a fixed size by `block_map`) as a tree of n + k levels,
walked in `traversal_order`: a dense level has `dense_size` children per
parent; a compressed (CSR) level gives parent p the children
array_segments[p] .. array_segments[p+1], whose coordinates are in
array_indices. The leaves, in walk order, are the stored values. Expanded dim
d < n is original dim d counted in blocks; expanded dim n + j is the offset
inside block j of original dim block_map[j].

The runtime has no sparse kernels (and wants none: a dense kernel on the
densified weights is what LiteRT's DENSIFY op produces too), so the frontend
densifies every sparse constant and the DENSIFY node folds away. Everything
here is read from untrusted bytes: every count, index and segment is checked
before use, and the walk is vectorised level by level (no recursion, no
per-element Python loop).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

DENSE, SPARSE_CSR = 0, 1
# Densifying never makes more than this many elements (a damaged file could
# claim a huge dense shape backed by a few bytes).
MAX_DENSE_ELEMENTS = 1 << 28
_INDEX_TYPES = {1: ("Int32Vector", 4), 2: ("Uint16Vector", 2), 3: ("Uint8Vector", 1)}


class SparseFormatError(ValueError):
    """The sparsity parameters are inconsistent (the reader reports the file as corrupt)."""


@dataclass
class Level:
    format: int                     # DENSE or SPARSE_CSR
    dense_size: int
    segments: np.ndarray | None     # int64, CSR only
    indices: np.ndarray | None      # int64, CSR only


@dataclass
class Sparsity:
    traversal_order: list[int]
    block_map: list[int]
    levels: list[Level]


def _index_vector(md: Any, which: str, buf: bytes) -> np.ndarray | None:
    kind = getattr(md, which + "Type")()
    if kind == 0:
        return None
    if kind not in _INDEX_TYPES:
        raise SparseFormatError(f"{which} has unknown index vector type {kind}")
    name, size = _INDEX_TYPES[kind]
    table = getattr(md, which)()
    if table is None:
        raise SparseFormatError(f"{which} is missing")
    mod = __import__(f"selbuild._generated.tflite.{name}", fromlist=[name])
    vec = getattr(mod, name)()
    vec.Init(table.Bytes, table.Pos)
    if vec.ValuesIsNone():
        return np.zeros(0, np.int64)
    if vec.ValuesLength() * size > len(buf):
        raise SparseFormatError(f"{which} claims {vec.ValuesLength()} values, more than the file holds")
    return np.asarray(vec.ValuesAsNumpy(), dtype=np.int64).reshape(-1)


def read(sp: Any, buf: bytes) -> Sparsity:
    """The SparsityParameters table `sp`, its vectors copied out of the file."""
    def ints(name: str) -> list[int]:
        if getattr(sp, name + "IsNone")():
            return []
        if getattr(sp, name + "Length")() * 4 > len(buf):
            raise SparseFormatError(f"{name} claims more values than the file holds")
        return [int(v) for v in getattr(sp, name + "AsNumpy")()]

    levels = []
    count = 0 if sp.DimMetadataIsNone() else sp.DimMetadataLength()
    if count * 4 > len(buf):
        raise SparseFormatError("dim_metadata claims more entries than the file holds")
    for i in range(count):
        md = sp.DimMetadata(i)
        if md is None:
            raise SparseFormatError(f"dim_metadata[{i}] is missing")
        levels.append(Level(int(md.Format()), int(md.DenseSize()),
                            _index_vector(md, "ArraySegments", buf), _index_vector(md, "ArrayIndices", buf)))
    return Sparsity(ints("TraversalOrder"), ints("BlockMap"), levels)


def _expanded_dims(shape: tuple[int, ...], sp: Sparsity) -> list[int]:
    n, k = len(shape), len(sp.block_map)
    if sorted(sp.traversal_order) != list(range(n + k)):
        raise SparseFormatError(f"traversal_order {sp.traversal_order} is not a permutation of 0..{n + k - 1}")
    if len(sp.levels) != n + k:
        raise SparseFormatError(f"{len(sp.levels)} dim_metadata entries for {n + k} levels")
    if len(set(sp.block_map)) != k or any(not 0 <= d < n for d in sp.block_map):
        raise SparseFormatError(f"block_map {sp.block_map} does not name distinct dims of rank {n}")
    dims = list(shape)
    for j, d in enumerate(sp.block_map):
        level = sp.levels[sp.traversal_order.index(n + j)]
        size = level.dense_size
        if level.format != DENSE or size < 1 or shape[d] % size:
            raise SparseFormatError(f"block {j} of dim {d}: size {size} must be a dense divisor of {shape[d]}")
        dims[d] = shape[d] // size
        dims.append(size)
    return dims


def densify(shape: tuple[int, ...], sp: Sparsity, values: np.ndarray) -> np.ndarray:
    """The dense tensor of `shape` (zeros where nothing is stored); SparseFormatError if inconsistent."""
    numel = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if numel > MAX_DENSE_ELEMENTS:
        raise SparseFormatError(f"dense shape {list(shape)} has more than {MAX_DENSE_ELEMENTS:,} elements")
    dims = _expanded_dims(tuple(shape), sp)
    pos = np.zeros(1, np.int64)                  # per partial path: its index at this level
    coords = np.zeros((1, len(dims)), np.int64)
    for level, axis in zip(sp.levels, sp.traversal_order):
        size = dims[axis]
        if level.format == DENSE:
            if level.dense_size != size:
                raise SparseFormatError(f"dense level of dim {axis}: dense_size {level.dense_size}, dim has {size}")
            if pos.size * size > MAX_DENSE_ELEMENTS:
                raise SparseFormatError("the sparse tree has more leaves than the dense tensor")
            child = np.arange(size, dtype=np.int64)
            pos = (pos[:, None] * size + child[None, :]).reshape(-1)
            coords = np.repeat(coords, size, axis=0)
            coords[:, axis] = np.tile(child, coords.shape[0] // size if size else 0)
        elif level.format == SPARSE_CSR:
            seg, idx = level.segments, level.indices
            if seg is None or idx is None:
                raise SparseFormatError(f"compressed level of dim {axis} lacks its segments or indices")
            if pos.size and (seg.size < int(pos.max()) + 2):
                raise SparseFormatError(f"compressed level of dim {axis}: {seg.size} segments for "
                                        f"{int(pos.max()) + 1} parents")
            if seg.size and (seg[0] < 0 or np.any(np.diff(seg) < 0) or seg[-1] > idx.size):
                raise SparseFormatError(f"compressed level of dim {axis}: segments are not a non-decreasing "
                                        f"range within the {idx.size} indices")
            if idx.size and (idx.min() < 0 or idx.max() >= size):
                raise SparseFormatError(f"compressed level of dim {axis}: an index lies outside 0..{size - 1}")
            start, stop = seg[pos], seg[pos + 1]
            counts = stop - start
            total = int(counts.sum())
            if total > MAX_DENSE_ELEMENTS:
                raise SparseFormatError("the sparse tree has more leaves than the dense tensor")
            # Children of every parent, in order: start[p] .. stop[p]-1.
            first = np.repeat(start - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
            pos = first + np.arange(total, dtype=np.int64)
            coords = np.repeat(coords, counts, axis=0)
            coords[:, axis] = idx[pos]
        else:
            raise SparseFormatError(f"level of dim {axis} has unknown format {level.format}")
    flat_values = values.reshape(-1)
    if pos.size != flat_values.size or (pos.size and (pos.min() < 0 or pos.max() >= flat_values.size)):
        raise SparseFormatError(f"the sparse tree has {pos.size} leaves but {flat_values.size} values are stored")
    n = len(shape)
    original = coords[:, :n].copy()
    for j, d in enumerate(sp.block_map):
        original[:, d] = original[:, d] * dims[n + j] + coords[:, n + j]
    flat = np.ravel_multi_index(tuple(original.T), shape) if n else np.zeros(pos.size, np.int64)
    if np.unique(flat).size != flat.size:
        raise SparseFormatError("two stored values land on the same element")
    out = np.zeros(numel, dtype=flat_values.dtype)
    out[flat] = flat_values[pos]
    return out.reshape(shape)
