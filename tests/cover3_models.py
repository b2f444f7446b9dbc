"""One small single-op model per issue-12 batch-A kernel (tests/test_kernels_cover3.py):
fuzz seeds (tests/fuzz_corpus.py) and the programs the hostile-edit test rebuilds."""

from __future__ import annotations

import numpy as np

from tflite_builder import Op, T, build_model

BITWISE_DTYPES = ("i8", "u8", "i16", "i32")
REVSEQ_DTYPES = ("f32", "u8", "i16", "i32", "i64")
DIAG_DTYPES = ("f32", "i8", "i32", "i64")


def bargs_model(na: int, nb: int, dtype: str) -> bytes:
    return build_model(ops=[Op("BROADCAST_ARGS", ["a", "b"], ["y"])],
                       tensors=[T("a", [na], dtype), T("b", [nb], dtype), T("y", [max(na, nb)], dtype)])


def bucketize_model(xs, dtype: str, boundaries) -> bytes:
    return build_model(ops=[Op("BUCKETIZE", ["x"], ["y"], options={"boundaries": list(boundaries)})],
                       tensors=[T("x", list(xs), dtype), T("y", list(xs), "i32")])


def revseq_model(xs, dtype, seq, batch, lengths, ldt="i32", const=True) -> bytes:
    s = T("s", [len(lengths) if lengths is not None else xs[batch]], ldt, data=lengths if const else None)
    return build_model(ops=[Op("REVERSE_SEQUENCE", ["x", "s"], ["y"], options={"seq_dim": seq, "batch_dim": batch})],
                       tensors=[T("x", xs, dtype), s, T("y", xs, dtype)],
                       inputs=["x"] if const else ["x", "s"], outputs=["y"])


def _binary(builtin: str, dtype: str) -> bytes:
    return build_model(ops=[Op(builtin, ["a", "b"], ["y"])],
                       tensors=[T("a", [2, 1, 5], dtype), T("b", [3, 1], dtype), T("y", [2, 3, 5], dtype)])


def small_cover3_models() -> dict[str, bytes]:
    m = {}
    for dt in ("f32", "i32"):
        m[f"add_n_{dt}"] = build_model(ops=[Op("ADD_N", ["a", "b", "c"], ["y"])],
                                       tensors=[T(k, [2, 3, 4], dt) for k in ("a", "b", "c", "y")],
                                       inputs=["a", "b", "c"], outputs=["y"])
    for b in ("BITWISE_XOR", "RIGHT_SHIFT"):
        for dt in BITWISE_DTYPES:
            m[f"{b.lower()}_{dt}"] = _binary(b, dt)
    m["l2_pool2d_f32"] = build_model(
        ops=[Op("L2_POOL_2D", ["x"], ["y"], options=dict(padding="same", filter_height=3, filter_width=2, stride_h=2,
                                                          stride_w=1, activation="relu6"))],
        tensors=[T("x", [1, 5, 4, 3]), T("y", [1, 3, 4, 3])])
    for dt, seq, batch, const in (("f32", 1, 0, True), ("u8", 0, 2, False), ("i16", 2, 1, True), ("i32", 1, 2, False),
                                  ("i64", 2, 0, False)):
        lengths = np.minimum(np.arange([3, 4, 2][batch]) + 1, [3, 4, 2][seq])
        m[f"reverse_sequence_{dt}"] = revseq_model([3, 4, 2], dt, seq, batch, lengths, "i64" if dt == "i16" else "i32",
                                                   const)
    for dt in DIAG_DTYPES:
        m[f"matrix_diag_{dt}"] = build_model(ops=[Op("MATRIX_DIAG", ["x"], ["y"])],
                                             tensors=[T("x", [2, 3], dt), T("y", [2, 3, 3], dt)])
        m[f"matrix_set_diag_{dt}"] = build_model(ops=[Op("MATRIX_SET_DIAG", ["x", "d"], ["y"])],
                                                 tensors=[T("x", [2, 3, 4], dt), T("d", [2, 3], dt), T("y", [2, 3, 4], dt)])
    m["broadcast_args_i32"] = bargs_model(3, 2, "i32")
    m["broadcast_args_i64"] = bargs_model(2, 4, "i64")
    m["bucketize_f32"] = bucketize_model([2, 5], "f32", [-1.0, 0.0, 2.5])
    m["bucketize_i32"] = bucketize_model([7], "i32", [0.0, 3.0])
    return m
