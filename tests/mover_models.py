"""One small single-op model per shape/data-movement kernel family
(tests/test_kernels_movers.py), as seeds for the loader fuzzers
(tests/fuzz_corpus.py): runtime index inputs included, so arena fills reach
the index checks of gather_nd, scatter_nd, embedding_lookup and one_hot."""

from __future__ import annotations

import numpy as np

from tflite_builder import Op, T, build_model


def _i32(v) -> np.ndarray:
    return np.asarray(v, np.int32)


def _one(builtin, x, dtype, consts, out, options=None, version=1) -> bytes:
    tensors = [T("x", x, dtype)] + [T(n, list(np.shape(a)), "i32", data=a) for n, a in consts] + [T("y", out, dtype)]
    return build_model(ops=[Op(builtin, ["x"] + [n for n, _ in consts], ["y"], options=options, version=version)],
                       tensors=tensors)


def small_mover_models() -> dict[str, bytes]:
    m = {
        "mirror_pad": _one("MIRROR_PAD", [3, 4], "f32", [("p", _i32([[2, 1], [1, 3]]))], [6, 8], {"mode": "reflect"}),
        "mirror_pad_i32": _one("MIRROR_PAD", [3, 4], "i32", [("p", _i32([[3, 1], [1, 4]]))], [7, 9],
                               {"mode": "symmetric"}),
        "tile_bool": _one("TILE", [2, 3], "bool", [("m", _i32([2, 2]))], [4, 6]),
        "broadcast_to": _one("BROADCAST_TO", [3, 1], "f32", [("s", _i32([2, 3, 4]))], [2, 3, 4], version=2),
        "reverse_v2_i32": _one("REVERSE_V2", [2, 3, 4], "i32", [("a", _i32([1]))], [2, 3, 4]),
        "space_to_batch_nd": _one("SPACE_TO_BATCH_ND", [1, 5, 3, 2], "f32",
                                  [("b", _i32([2, 3])), ("p", _i32([[1, 0], [0, 0]]))], [6, 3, 1, 2]),
        "batch_to_space_nd": _one("BATCH_TO_SPACE_ND", [6, 2, 2, 2], "f32",
                                  [("b", _i32([2, 3])), ("c", _i32([[1, 0], [2, 1]]))], [1, 3, 3, 2]),
    }
    m["gather_nd"] = build_model(ops=[Op("GATHER_ND", ["p", "i"], ["y"])],
                                 tensors=[T("p", [4, 3, 2]), T("i", [3, 2], "i32"), T("y", [3, 2])])
    m["scatter_nd"] = build_model(ops=[Op("SCATTER_ND", ["i", "u", "s"], ["y"])],
                                  tensors=[T("i", [3, 1], "i32"), T("u", [3, 3]), T("s", [2], "i32", data=_i32([4, 3])),
                                           T("y", [4, 3])], inputs=["i", "u"], outputs=["y"])
    m["embedding_lookup"] = build_model(ops=[Op("EMBEDDING_LOOKUP", ["i", "p"], ["y"])],
                                        tensors=[T("i", [3], "i32"), T("p", [5, 2]), T("y", [3, 2])])
    m["one_hot"] = build_model(ops=[Op("ONE_HOT", ["i", "n", "on", "off"], ["y"], options={"axis": 0})],
                               tensors=[T("i", [4], "i64"), T("n", [], "i32", data=np.int32(3)),
                                        T("on", [], "f32", data=np.float32(1.0)),
                                        T("off", [], "f32", data=np.float32(0.0)), T("y", [3, 4])],
                               inputs=["i"], outputs=["y"])
    m["gather_bool"] = build_model(ops=[Op("GATHER", ["p", "i"], ["y"], options={"axis": 1})],
                                   tensors=[T("p", [2, 5], "bool"), T("i", [3], "i32"), T("y", [2, 3], "bool")])
    m["fill_i32"] = build_model(ops=[Op("FILL", ["d", "x"], ["y"])],
                                tensors=[T("d", [2], "i32", data=_i32([2, 3])), T("x", [], "i32"), T("y", [2, 3], "i32")],
                                inputs=["x"], outputs=["y"])
    return m
