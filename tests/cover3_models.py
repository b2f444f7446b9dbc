"""One small single-op model per issue-12 batch-A kernel (tests/test_kernels_cover3.py):
fuzz seeds (tests/fuzz_corpus.py) and the programs the hostile-edit test rebuilds."""

from __future__ import annotations

from tflite_builder import Op, T, build_model

BITWISE_DTYPES = ("i8", "u8", "i16", "i32")


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
    return m
