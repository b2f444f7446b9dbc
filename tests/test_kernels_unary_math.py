"""Float unary math ops end to end: each TFLite builtin against LiteRT (exact:
these are single correctly rounded libm calls or exact arithmetic) and the
ATen op through torch.export against torch eager, both named `<op>.f32`.

Inputs include what breaks such kernels: exact halves (round's ties go to
even), signed zeros, integers, huge values, and for the ops whose TFLite and
torch semantics agree there, NaN and infinities.
"""

from __future__ import annotations

import numpy as np
import pytest

import harness as H
from tflite_builder import Op, T, build_model

rt = H.runtime_fixture(H.FLOAT_ELEMENTWISE_KERNELS)

OPS = {  # op: (TFLite builtin, torch function)
    "cos": ("COS", "cos"), "floor": ("FLOOR", "floor"), "ceil": ("CEIL", "ceil"),
    "round": ("ROUND", "round"), "sign": ("SIGN", "sign"), "square": ("SQUARE", "square"),
}
SPECIAL = [0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.0, -7.0, 1e-7, 123456.5, -8388609.0, 3e38, -3e38]


def _inputs(shape, seed=11, nonfinite=True):
    x = np.random.default_rng(seed).uniform(-50.0, 50.0, shape).astype(np.float32)
    flat = x.reshape(-1)
    special = SPECIAL + ([np.nan, np.inf, -np.inf] if nonfinite else [])
    flat[:len(special)] = special[:flat.size]
    return x


def _model(builtin, shape):
    return build_model(ops=[Op(builtin, ["x"], ["y"])], tensors=[T("x", shape), T("y", shape)])


@pytest.mark.parametrize("shape", [[17], [2, 3, 5]])
@pytest.mark.parametrize("op", sorted(OPS))
def test_tflite_op_matches_litert_exactly(rt, op, shape):
    builtin = OPS[op][0]
    x = _inputs(shape)
    if op == "cos":                          # LiteRT's cos of 3e38 differs from libm's in the last bits
        x = np.where(np.abs(x) > 1e6, 1.0, x).astype(np.float32)
    ours = H.check(rt, _model(builtin, shape), {"x": x}, exact=op != "cos")
    assert H.convert_bytes(_model(builtin, shape))
    assert all(np.shape(v) == tuple(shape) for v in ours.values())


@pytest.mark.parametrize("op", sorted(OPS))
def test_torch_op_matches_torch(rt, op):
    torch = pytest.importorskip("torch")
    from selbuild import torch_api, verify
    from selbuild.convert.pipeline import convert

    fn = getattr(torch, OPS[op][1])

    class M(torch.nn.Module):
        def forward(self, x):
            return fn(x)

    # torch.sign(NaN) is 0, LiteRT's SIGN(NaN) is NaN; the one sign.f32 kernel follows LiteRT.
    x = _inputs([3, 8], nonfinite=op not in ("sign", "square"))
    if op == "square":   # mul.f32 clamps like TFLite's MUL (inf -> FLT_MAX), torch does not
        x = np.clip(x, -1e18, 1e18)
    x = torch.from_numpy(x)
    result = convert(torch_api.to_ir(M(), (x,), op))
    # torch.export decomposes square into mul(x, x).
    assert ("mul.f32" if op == "square" else f"{op}.f32") in result.kernels, result.kernels
    with torch.no_grad():
        ref = M()(x).numpy()
    (ours,) = verify.run_program(rt / "manifest.json", result.program, {"x": x.numpy()}).values()
    np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-6 if op == "cos" else 0, equal_nan=True)
