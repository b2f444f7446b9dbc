"""One small single-op model per segment kernel (tests/test_kernels_segments.py):
fuzz seeds (tests/fuzz_corpus.py) and the programs the hostile-edit test rebuilds."""

from __future__ import annotations

import numpy as np

from tflite_builder import Op, T, build_model, qt

UNSORTED = ("SUM", "MAX", "MIN", "PROD")


def segment_model(builtin: str, data_shape, ids, dtype: str = "f32", num=None, const_ids: bool = True,
                  num_shape=None) -> bytes:
    """data (a model input), int32 segment_ids (constant or an input), num_segments (constant) for the
    unsorted ops; the output shape is LiteRT's."""
    ids = np.asarray(ids, np.int32)
    tensors = [T("x", list(data_shape), dtype), T("i", list(ids.shape), "i32", data=ids if const_ids else None)]
    names = ["x", "i"]
    if num is None:
        out = [int(ids.max()) + 1] + list(data_shape[1:])
    else:
        shp = [] if num_shape is None else list(num_shape)
        tensors.append(T("n", shp, "i32", data=np.full(shp, num, np.int32)))
        names.append("n")
        out = [num] + list(data_shape[ids.ndim:])
    tensors.append(T("y", out, dtype))
    return build_model(ops=[Op(builtin, names, ["y"])], tensors=tensors,
                       inputs=["x"] + ([] if const_ids else ["i"]), outputs=["y"])


def small_segment_models() -> dict[str, bytes]:
    m = {}
    for dt in ("f32", "i32"):
        m[f"segment_sum_{dt}"] = segment_model("SEGMENT_SUM", [5, 3], [0, 0, 1, 1, 2], dt)
        for op in UNSORTED:
            m[f"unsorted_segment_{op.lower()}_{dt}"] = segment_model(f"UNSORTED_SEGMENT_{op}", [4, 2, 3],
                                                                     [[0, 2], [-1, 1], [3, 0], [2, 2]], dt, num=5)
        m[f"unsorted_segment_sum_{dt}_runtime_ids"] = segment_model(
            "UNSORTED_SEGMENT_SUM", [6, 2], [0, 1, 0, 2, 1, 0], dt, num=3, const_ids=False)
    return m


NP = {"f32": np.float32, "i32": np.int32, "i64": np.int64, "i8": np.int8}


def sparse_model(indices, out_shape, n_values: int | None, dtype: str = "f32", index_dtype: str = "i32",
                 const_indices: bool = False, shape_dtype: str = "i32", default_input: bool = False,
                 validate: bool = True, default=None) -> bytes:
    """SPARSE_TO_DENSE: indices (an input unless const_indices), constant output_shape, values (an input:
    a scalar when n_values is None), default_value (constant `default`, or an input)."""
    idx = np.asarray(indices, NP[index_dtype])
    q = {"scale": 0.1, "zero_point": 3} if dtype == "i8" else {}
    v_shape = [] if n_values is None else [n_values]
    tensors = [T("i", list(idx.shape), index_dtype, data=idx if const_indices else None),
               T("s", [len(out_shape)], shape_dtype, data=np.asarray(out_shape, NP[shape_dtype])),
               T("v", v_shape, dtype, **q),
               T("d", [], dtype, data=None if default_input else np.asarray(5 if default is None else default, NP[dtype]),
                 **q),
               T("y", list(out_shape), dtype, **q)]
    inputs = ([] if const_indices else ["i"]) + ["v"] + (["d"] if default_input else [])
    return build_model(ops=[Op("SPARSE_TO_DENSE", ["i", "s", "v", "d"], ["y"], options={"validate_indices": validate})],
                       tensors=tensors, inputs=inputs, outputs=["y"])


def small_sparse_models() -> dict[str, bytes]:
    return {f"sparse_to_dense_{dt}": sparse_model([[0, 1], [2, 3]], [3, 4], 2, dt, const_indices=True)
            for dt in ("f32", "i32", "i64", "i8")} | {
        "sparse_to_dense_f32_runtime_indices": sparse_model([[0, 1], [2, 3], [1, 1]], [3, 4], None, "f32", "i64")}


def lookup_sparse_model(n: int, k: int, dense, params: np.ndarray, combiner: str = "sum",
                        const_dense: bool = True) -> bytes:
    """EMBEDDING_LOOKUP_SPARSE: ids [n], indices [n, k], weights [n] inputs; constant dense_shape and params."""
    out = list(dense[:-1]) + list(params.shape[1:])
    tensors = [T("ids", [n], "i32"), T("ind", [n, k], "i32"),
               T("ds", [len(dense)], "i32", data=np.asarray(dense, np.int32) if const_dense else None),
               T("w", [n]), T("p", list(params.shape), data=params.astype(np.float32)), T("y", out)]
    return build_model(ops=[Op("EMBEDDING_LOOKUP_SPARSE", ["ids", "ind", "ds", "w", "p"], ["y"],
                               options={"combiner": combiner})],
                       tensors=tensors, inputs=["ids", "ind", "w"] + ([] if const_dense else ["ds"]), outputs=["y"])


def small_lookup_sparse_models() -> dict[str, bytes]:
    p = np.arange(24, dtype=np.float32).reshape(8, 3)
    return {f"embedding_lookup_sparse_f32_{c}": lookup_sparse_model(5, 2, [3, 4], p, c) for c in ("sum", "sqrtn")}


def reduce_i8_model(builtin: str, shape, axes, qin, qout, keep: bool = False) -> bytes:
    """An int8 REDUCE_MIN / REDUCE_PROD / SUM over constant axes; qin, qout: (scale, zero point)."""
    rank = len(shape)
    norm = {a % rank for a in axes}
    out = [1 if i in norm else d for i, d in enumerate(shape)] if keep else [d for i, d in enumerate(shape) if i not in norm]
    return build_model(ops=[Op(builtin, ["x", "a"], ["y"], options={"keep_dims": keep})],
                       tensors=[qt("x", list(shape), *qin), T("a", [len(axes)], "i32", data=np.array(axes, np.int32)),
                                qt("y", out, *qout)], inputs=["x"], outputs=["y"])


def small_reduce_i8_models() -> dict[str, bytes]:
    """int8 reduce_min, reduce_prod, sum and batch_matmul (a broadcast batch, adj_y)."""
    return {"sum_i8": reduce_i8_model("SUM", [3, 4, 5], [1], (0.1, 3), (0.4, -2)),
            "reduce_min_i8": reduce_i8_model("REDUCE_MIN", [3, 4, 5], [1], (0.1, 3), (0.1, 3)),
            "reduce_prod_i8": reduce_i8_model("REDUCE_PROD", [3, 4, 5], [0, 2], (0.1, 3), (0.4, -2)),
            "batch_matmul_i8": bmm_i8_model([2, 3, 4], [5, 4], (0.05, 3), (0.02, -1), (0.3, -5), adj_y=True)}


def bmm_i8_model(a_shape, b_shape, qa, qb, qo, adj_x: bool = False, adj_y: bool = False,
                 b_data: np.ndarray | None = None) -> bytes:
    """An int8 BATCH_MATMUL; b an input unless b_data (a constant) is given."""
    a_mk = a_shape[-2:][::-1] if adj_x else a_shape[-2:]
    b_kn = b_shape[-2:][::-1] if adj_y else b_shape[-2:]
    out = list(np.broadcast_shapes(tuple(a_shape[:-2]), tuple(b_shape[:-2]))) + [a_mk[0], b_kn[1]]
    return build_model(ops=[Op("BATCH_MATMUL", ["a", "b"], ["y"], options={"adj_x": adj_x, "adj_y": adj_y})],
                       tensors=[qt("a", list(a_shape), *qa), qt("b", list(b_shape), *qb, data=b_data),
                                qt("y", out, *qo)], inputs=["a"] + (["b"] if b_data is None else []), outputs=["y"])
