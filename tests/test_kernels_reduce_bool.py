"""reduce_any.bool and reduce_all.bool (TFLite REDUCE_ANY / REDUCE_ALL) against
LiteRT, exact: kept and reduced innermost dims, negative and repeated axes,
keep_dims, everything to a scalar, rank 6, mostly-false and mostly-true inputs
(programs have no empty tensors: the loader refuses dims below 1)."""

from __future__ import annotations

import numpy as np
import pytest

import harness as H
from selbuild.convert import read_program
from tflite_builder import Op, T, build_model

rt = H.runtime_fixture(["reduce_any.bool", "reduce_all.bool"])
OPS = {"REDUCE_ANY": ("reduce_any.bool", np.any), "REDUCE_ALL": ("reduce_all.bool", np.all)}

CASES = [
    # x shape, axes, keep_dims
    ([4, 7], [1], False),                      # innermost reduced
    ([4, 7], [0], True),                       # innermost kept
    ([4, 7], [-1], True),                      # negative axis
    ([2, 3, 4], [0, -1, 0], False),            # repeated (after normalization) axes
    ([2, 3, 4], [0, 1, 2], False),             # everything -> scalar
    ([2, 3, 4], [0, 1, 2], True),
    ([2, 1, 3, 2, 4, 3], [0, 2, 5], True),     # rank 6
    ([2, 1, 3, 2, 4, 3], [1, 4], False),
    ([5], [0], False),
]


def _values(shape, p, seed):
    return np.random.default_rng(seed).random(shape) < p


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("xs,axes,keep", CASES)
@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_reduce_bool_matches_litert(rt, op, xs, axes, keep, p):
    kernel, ref = OPS[op]
    norm = tuple(sorted({a % len(xs) for a in axes}))
    want = ref(_values(xs, p, 3), axis=norm, keepdims=keep)
    model = build_model(ops=[Op(op, ["x", "axes"], ["y"], options=dict(keep_dims=keep))],
                        tensors=[T("x", xs, "bool"), T("axes", [len(axes)], "i32", data=np.array(axes, np.int32)),
                                 T("y", list(want.shape), "bool")])
    (y,) = H.check(rt, model, {"x": _values(xs, p, 3)}, exact=True).values()
    assert y.dtype == np.bool_
    np.testing.assert_array_equal(y, want)
    assert read_program(H.convert_bytes(model)).kernels == [kernel]


@pytest.fixture(scope="module", params=["android-armv7", "android-arm64"])
def arm_rt(request, tmp_path_factory):
    from selbuild import toolchain_loader
    from selbuild.build import build_target
    from selbuild.config import BuildConfig
    target = request.param
    av = toolchain_loader.availability(target)
    if not av.ok:
        pytest.skip(av.reason)
    root = tmp_path_factory.mktemp(f"reduce_bool_{target}")
    cfg = BuildConfig(path=root / "r.yaml", name="r", models=[], targets=[target],
                      ops={"reduce_any.bool": [], "reduce_all.bool": []})
    r = build_target(cfg, target, out_root=root, profile="size")
    if toolchain_loader.run_prefix(target, r.out_dir) is None:
        pytest.skip(f"{target}: qemu not installed")
    return r.manifest


@pytest.mark.qemu
@pytest.mark.parametrize("op", sorted(OPS))
def test_reduce_bool_on_arm(arm_rt, op):
    from selbuild import verify
    for xs, axes, keep in CASES:
        norm = tuple(sorted({a % len(xs) for a in axes}))
        x = _values(xs, 0.5, 4)
        want = OPS[op][1](x, axis=norm, keepdims=keep)
        model = build_model(ops=[Op(op, ["x", "axes"], ["y"], options=dict(keep_dims=keep))],
                            tensors=[T("x", xs, "bool"), T("axes", [len(axes)], "i32", data=np.array(axes, np.int32)),
                                     T("y", list(want.shape), "bool")])
        (y,) = verify.run_program(arm_rt, H.convert_bytes(model), {"x": x}).values()
        np.testing.assert_array_equal(y, want, err_msg=f"{xs} {axes} {keep}")
