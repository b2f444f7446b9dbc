"""The shape and data-movement kernels (tests/test_kernels_movers.py) as shipped:
one Android armv7 and one arm64 size-profile library holding all of them, run
under qemu-user, each single-op model against LiteRT (exact: they only move
elements), including the out-of-range index runs that must fail."""

from __future__ import annotations


import numpy as np
import pytest

import harness as H
import test_kernels_movers as M
from selbuild import verify
from selbuild.errors import RunError
from tflite_builder import Op, T, build_model


arm_runtime = H.arm_runtime_fixture("movers", M.MOVERS + ["add.f32", "sum.f32", "conv2d.f32", "transpose.f32"])


def _cases() -> dict[str, tuple[bytes, dict[str, np.ndarray]]]:
    d, i32 = M.data, M.i32
    cases = {}
    for dt in ("f32", "i32"):
        for mode in ("reflect", "symmetric"):
            cases[f"mirror_pad_{mode}_{dt}"] = (M.model("MIRROR_PAD", [3, 4, 2], dt, [("p", i32([[2, 1], [0, 3], [1, 1]]),
                                                                                       "i32")], {"mode": mode}),
                                                {"x": d([3, 4, 2], dt)})
        cases[f"gather_nd_{dt}"] = (M.gather_nd_model([4, 3, 2], [3, 2], dt),
                                    {"p": d([4, 3, 2], dt), "i": M.nd_indices([4, 3, 2], [3, 2], "i32")})
        cases[f"scatter_nd_{dt}"] = (M.scatter_model([3, 1], [4, 3], dt),
                                     {"i": i32([[1], [3], [1]]), "u": d([3, 3], dt, 2)})
    for dt in ("f32", "i32", "bool"):
        cases[f"tile_{dt}"] = (M.model("TILE", [2, 1, 3], dt, [("m", i32([2, 3, 1]), "i32")]), {"x": d([2, 1, 3], dt)})
        cases[f"broadcast_to_{dt}"] = (M.model("BROADCAST_TO", [3, 1], dt, [("s", i32([2, 3, 4]), "i32")], version=2),
                                       {"x": d([3, 1], dt)})
        cases[f"reverse_v2_{dt}"] = (M.model("REVERSE_V2", [2, 3, 4], dt, [("a", i32([1]), "i32")]),
                                     {"x": d([2, 3, 4], dt)})
        cases[f"transpose_{dt}"] = (M.model("TRANSPOSE", [2, 3, 4], dt, [("p", i32([1, 2, 0]), "i32")]),
                                    {"x": d([2, 3, 4], dt)})
        on, off = {"f32": (1.5, 0.0), "i32": (4, -4), "bool": (True, False)}[dt]
        cases[f"one_hot_{dt}"] = (build_model(ops=[Op("ONE_HOT", ["i", "n", "on", "off"], ["y"], options={"axis": 0})],
                                              tensors=[T("i", [4], "i32"), T("n", [], "i32", data=np.int32(3)),
                                                       T("on", [], dt, data=np.asarray(on, M.NP[dt])),
                                                       T("off", [], dt, data=np.asarray(off, M.NP[dt])),
                                                       T("y", [3, 4], dt)], inputs=["i"], outputs=["y"]),
                                  {"i": i32([0, 2, 3, -1])})
    cases["embedding_lookup"] = (M.embedding_model(3, [5, 2]), {"i": i32([4, 0, 4]), "p": d([5, 2], "f32")})
    cases["space_to_batch_nd"] = (M.model("SPACE_TO_BATCH_ND", [2, 5, 3, 2], "f32",
                                          [("b", i32([2, 3]), "i32"), ("p", i32([[1, 2], [2, 1]]), "i32")]),
                                  {"x": d([2, 5, 3, 2], "f32")})
    cases["batch_to_space_nd"] = (M.model("BATCH_TO_SPACE_ND", [12, 2, 2, 2], "f32",
                                          [("b", i32([2, 3]), "i32"), ("c", i32([[1, 2], [2, 1]]), "i32")]),
                                  {"x": d([12, 2, 2, 2], "f32")})
    return cases


@pytest.mark.qemu
def test_movers_match_litert_on_arm(arm_runtime):
    failures = []
    for name, (m, feeds) in _cases().items():
        try:
            H.assert_close(verify.run_program(arm_runtime, H.convert_bytes(m), feeds), H.litert(m, feeds), exact=True)
        except AssertionError as e:
            failures.append(f"{name}: {e}")
    assert not failures, "\n".join(failures)


@pytest.mark.qemu
def test_out_of_range_indices_fail_on_arm(arm_runtime):
    m = M.gather_nd_model([4, 3, 2], [2, 2], "f32")
    with pytest.raises(RunError):
        verify.run_program(arm_runtime, H.convert_bytes(m), {"p": M.data([4, 3, 2], "f32"),
                                                             "i": M.i32([[1, 1], [4, 0]])})
    with pytest.raises(RunError):
        verify.run_program(arm_runtime, H.convert_bytes(M.embedding_model(2, [5, 2])),
                           {"i": M.i32([0, -1]), "p": M.data([5, 2], "f32")})
