"""sin.f32 end to end: TFLite SIN against LiteRT, torch.sin (torch.export) against
torch eager, and both frontends naming it sin.f32 and calling it supported."""

from __future__ import annotations

import json

import numpy as np
import pytest

import harness as H
from selbuild.cli import main
from tflite_builder import Op, T, build_model

rt = H.runtime_fixture(H.FLOAT_ELEMENTWISE_KERNELS)


def _inputs(shape, seed=3):
    x = np.random.default_rng(seed).uniform(-20.0, 20.0, shape).astype(np.float32)
    # exact zeros, both signs, the quarter periods and large arguments (range reduction)
    special = [0.0, -0.0, np.pi / 2, -np.pi / 2, np.pi, 1e-7, 1000.5, -12345.25]
    flat = x.reshape(-1)
    flat[:len(special)] = special[:flat.size]
    return x


def _sin_model(shape):
    return build_model(ops=[Op("SIN", ["x"], ["y"])], tensors=[T("x", shape), T("y", shape)])


@pytest.mark.parametrize("shape", [[1], [2, 3, 7], [1, 4, 5, 6]])
def test_tflite_sin_matches_litert(rt, shape):
    ours = H.check(rt, _sin_model(shape), {"x": _inputs(shape)})
    (y,) = ours.values()
    assert y.shape == tuple(shape) and np.all(np.abs(y) <= 1.0)


def test_analyze_calls_sin_supported(tmp_path, capsys):
    p = tmp_path / "sine.tflite"
    p.write_bytes(_sin_model([4]))
    with pytest.raises(SystemExit) as e:
        main(["analyze", "--json", str(p)])
    assert e.value.code == 0
    m = json.loads(capsys.readouterr().out)["models"][0]
    assert [(u["op"], u["supported"]) for u in m["ops"]] == [("sin.f32", True)] and m["unsupported"] == []


def test_torch_sin_matches_torch(rt):
    torch = pytest.importorskip("torch")
    from selbuild import torch_api, verify
    from selbuild.convert.pipeline import convert

    class Wave(torch.nn.Module):
        def forward(self, x):
            return torch.sin(x * 3.0) + x

    x = torch.from_numpy(_inputs([2, 16]))
    model = torch_api.to_ir(Wave(), (x,), "wave")
    result = convert(model)
    assert "sin.f32" in result.kernels
    with torch.no_grad():
        ref = Wave()(x).numpy()
    (ours,) = verify.run_program(rt / "manifest.json", result.program, {"x": x.numpy()}).values()
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-4)
