"""pow, floor_div, floor_mod and atan2: TFLite models against LiteRT (float32,
and int32 for floor_div/floor_mod), with broadcasting, signs of every
combination, exact ties and zeros; and the ATen ops through torch.export
against torch eager."""

from __future__ import annotations

import numpy as np
import pytest

import harness as H
from selbuild.catalogue import load_catalogue
from selbuild.convert import read_program
from tflite_builder import Op, T, build_model

OPS = {"pow": "POW", "floor_div": "FLOOR_DIV", "floor_mod": "FLOOR_MOD", "atan2": "ATAN2"}
KERNELS = sorted(k for k in load_catalogue().names() if k.split(".")[0] in OPS) + ["mul.f32", "sqrt.f32"]
rt = H.runtime_fixture(KERNELS)
CASES = [("pow", "f32"), ("floor_div", "f32"), ("floor_mod", "f32"), ("atan2", "f32"),
         ("floor_div", "i32"), ("floor_mod", "i32")]


def _operands(op, dtype, a_shape, b_shape):
    r = np.random.default_rng(21)
    if dtype == "i32":
        a = r.integers(-20, 21, a_shape).astype(np.int32)
        b = r.integers(1, 6, b_shape).astype(np.int32) * r.choice([-1, 1], b_shape).astype(np.int32)
        return a, b
    a = (r.integers(-12, 13, a_shape) / 4).astype(np.float32)
    if op == "pow":                                  # positive bases: real results everywhere
        return np.abs(a) + 0.25, (r.integers(-6, 7, b_shape) / 2).astype(np.float32)
    b = (r.integers(1, 9, b_shape) / 4 * r.choice([-1, 1], b_shape)).astype(np.float32)
    if op == "atan2":                                # every quadrant and the axes
        a.reshape(-1)[:2], b.reshape(-1)[:1] = 0.0, -1.0
    return a, b


SHAPES = [([9], [9]), ([3, 4], [4]), ([2, 1, 3], [1, 5, 1])]


# LiteRT's ATAN2 takes equal shapes only (our kernel broadcasts; torch covers that below).
@pytest.mark.parametrize("op,dtype,a_shape,b_shape", [(op, dt, a, b) for op, dt in CASES for a, b in SHAPES
                                                      if op != "atan2" or a == b])
def test_tflite_op_matches_litert(rt, op, dtype, a_shape, b_shape):
    out_shape = list(np.broadcast_shapes(tuple(a_shape), tuple(b_shape)))
    model = build_model(ops=[Op(OPS[op], ["a", "b"], ["y"])],
                        tensors=[T("a", a_shape, dtype), T("b", b_shape, dtype), T("y", out_shape, dtype)])
    a, b = _operands(op, dtype, a_shape, b_shape)
    H.check(rt, model, {"a": a, "b": b}, exact=op in ("floor_div", "floor_mod"))
    assert read_program(H.convert_bytes(model)).kernels == [f"{op}.{dtype}"]


@pytest.mark.parametrize("fn,kernel", [("pow", "pow.f32"), ("floor_divide", "floor_div.f32"),
                                       ("remainder", "floor_mod.f32"), ("atan2", "atan2.f32")])
def test_torch_op_matches_torch(rt, fn, kernel):
    torch = pytest.importorskip("torch")
    from selbuild import torch_api, verify
    from selbuild.convert.pipeline import convert

    f = getattr(torch, fn)

    class M(torch.nn.Module):
        def forward(self, a, b):
            return f(a, b)

    a, b = (torch.from_numpy(v) for v in _operands(kernel.split(".")[0], "f32", [3, 4], [4]))   # broadcast
    result = convert(torch_api.to_ir(M(), (a, b), fn))
    assert kernel in result.kernels, result.kernels
    with torch.no_grad():
        ref = M()(a, b).numpy()
    (ours,) = verify.run_program(rt, result.program, {"a": a.numpy(), "b": b.numpy()}).values()
    np.testing.assert_allclose(ours, ref, rtol=2e-6, atol=1e-6)
