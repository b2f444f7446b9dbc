"""One small single-op model per issue-12 breadth kernel (tests/test_kernels_cover.py):
fuzz seeds (tests/fuzz_corpus.py) and the programs the hostile-edit test rebuilds."""

from __future__ import annotations

import numpy as np

from tflite_builder import Op, T, build_model, qt


def _arg(builtin: str, dtype: str, out: str) -> bytes:
    x = qt("x", [3, 4, 5], 0.1, -3) if dtype == "i8" else T("x", [3, 4, 5], dtype)
    return build_model(ops=[Op(builtin, ["x", "a"], ["y"], options={"output_type": out})],
                       tensors=[x, T("a", [1], "i32", data=np.array([1])), T("y", [3, 5], out)],
                       inputs=["x"], outputs=["y"])


def small_cover_models() -> dict[str, bytes]:
    m = {f"{b.lower()}_{dt}": _arg(b, dt, "i32" if dt != "i32" else "i64")
         for b in ("ARG_MAX", "ARG_MIN") for dt in ("f32", "i8", "i32")}
    q = lambda name, shape: qt(name, shape, 0.05, -3)  # noqa: E731
    for b in ("ABS", "NEG", "RSQRT", "GELU", "RELU_0_TO_1"):
        m[f"{b.lower()}_i8"] = build_model(ops=[Op(b, ["x"], ["y"])], tensors=[q("x", [4, 6]), qt("y", [4, 6], 0.02, 9)])
    for b in ("MAXIMUM", "MINIMUM"):
        m[f"{b.lower()}_i8"] = build_model(ops=[Op(b, ["a", "b"], ["y"])],
                                           tensors=[q("a", [2, 1, 5]), q("b", [3, 1]), q("y", [2, 3, 5])])
    m["squared_difference_i8"] = build_model(ops=[Op("SQUARED_DIFFERENCE", ["a", "b"], ["y"])],
                                             tensors=[q("a", [2, 1, 5]), qt("b", [3, 1], 0.02, 7), qt("y", [2, 3, 5], 0.01, -128)])
    for dt in ("f32", "i32", "i64"):
        m[f"cumsum_{dt}"] = build_model(ops=[Op("CUMSUM", ["x", "a"], ["y"], options={"exclusive": True})],
                                        tensors=[T("x", [3, 4, 5], dt), T("a", [], "i32", data=np.array(1, np.int32)),
                                                 T("y", [3, 4, 5], dt)], inputs=["x"], outputs=["y"])
    for dt in ("f32", "i8", "i32"):
        x, v = (q("x", [3, 6]), q("v", [3, 2])) if dt == "i8" else (T("x", [3, 6], dt), T("v", [3, 2], dt))
        m[f"topk_v2_{dt}"] = build_model(ops=[Op("TOPK_V2", ["x", "k"], ["v", "i"])],
                                         tensors=[x, T("k", [], "i32", data=np.array(2, np.int32)), v, T("i", [3, 2], "i32")],
                                         inputs=["x"], outputs=["v", "i"])
    m["lrn_f32"] = build_model(ops=[Op("LOCAL_RESPONSE_NORMALIZATION", ["x"], ["y"],
                                       options={"radius": 2, "bias": 1.0, "alpha": 1e-4, "beta": 0.75})],
                               tensors=[T("x", [1, 2, 2, 6]), T("y", [1, 2, 2, 6])])
    for a, b in (("i32", "i8"), ("i64", "f32"), ("bool", "i64"), ("i8", "i32")):
        m[f"cast_{a}_{b}"] = build_model(ops=[Op("CAST", ["x"], ["y"], options={"in_data_type": a, "out_data_type": b})],
                                         tensors=[T("x", [2, 5], a), T("y", [2, 5], b)])
    m["prelu_i8"] = build_model(ops=[Op("PRELU", ["x", "a"], ["y"])],
                                tensors=[q("x", [2, 3, 4]), qt("a", [3, 1], 0.01, 2, data=np.arange(3).reshape(3, 1) * 20 - 30),
                                         qt("y", [2, 3, 4], 0.04, 1)], inputs=["x"], outputs=["y"])
    m["l2_normalization_i8"] = build_model(ops=[Op("L2_NORMALIZATION", ["x"], ["y"])],
                                           tensors=[q("x", [3, 8]), qt("y", [3, 8], 1.0 / 128, 0)])
    m["select_i32"] = build_model(ops=[Op("SELECT", ["c", "x", "y"], ["o"])],
                                  tensors=[T("c", [3], "bool"), T("x", [3, 4], "i32"), T("y", [3, 4], "i32"),
                                           T("o", [3, 4], "i32")])
    i32 = lambda v: np.array(v, np.int32)  # noqa: E731
    m["space_to_batch_nd_i8"] = build_model(
        ops=[Op("SPACE_TO_BATCH_ND", ["x", "b", "p"], ["y"])],
        tensors=[q("x", [1, 3, 4, 2]), T("b", [2], "i32", data=i32([2, 2])), T("p", [2, 2], "i32", data=i32([[1, 0], [0, 0]])),
                 q("y", [4, 2, 2, 2])], inputs=["x"], outputs=["y"])
    m["batch_to_space_nd_i8"] = build_model(
        ops=[Op("BATCH_TO_SPACE_ND", ["x", "b", "c"], ["y"])],
        tensors=[q("x", [4, 2, 2, 2]), T("b", [2], "i32", data=i32([2, 2])), T("c", [2, 2], "i32", data=i32([[1, 0], [0, 1]])),
                 q("y", [1, 3, 3, 2])], inputs=["x"], outputs=["y"])
    m["depth_to_space_i8"] = build_model(ops=[Op("DEPTH_TO_SPACE", ["x"], ["y"], options={"block_size": 2})],
                                         tensors=[q("x", [1, 2, 3, 8]), q("y", [1, 4, 6, 2])])
    m["space_to_depth_i8"] = build_model(ops=[Op("SPACE_TO_DEPTH", ["x"], ["y"], options={"block_size": 2})],
                                         tensors=[q("x", [1, 4, 6, 2]), q("y", [1, 2, 3, 8])])
    return m
