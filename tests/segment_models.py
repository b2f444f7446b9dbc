"""One small single-op model per segment kernel (tests/test_kernels_segments.py):
fuzz seeds (tests/fuzz_corpus.py) and the programs the hostile-edit test rebuilds."""

from __future__ import annotations

import numpy as np

from tflite_builder import Op, T, build_model

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
            m[f"unsorted_segment_{op.lower()}_{dt}_runtime_ids"] = segment_model(
                f"UNSORTED_SEGMENT_{op}", [6, 2], [0, 1, 0, 2, 1, 0], dt, num=3, const_ids=False)
    return m
