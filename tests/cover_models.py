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
    for b in ("ABS", "NEG", "RSQRT", "GELU"):
        m[f"{b.lower()}_i8"] = build_model(ops=[Op(b, ["x"], ["y"])], tensors=[q("x", [4, 6]), qt("y", [4, 6], 0.02, 9)])
    for b in ("MAXIMUM", "MINIMUM"):
        m[f"{b.lower()}_i8"] = build_model(ops=[Op(b, ["a", "b"], ["y"])],
                                           tensors=[q("a", [2, 1, 5]), q("b", [3, 1]), q("y", [2, 3, 5])])
    return m
