"""torch.export (.pt2) analysis and lowering to the IR, checked against torch eager."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from selbuild.errors import ModelError, UnsupportedError  # noqa: E402
from selbuild.frontends import load_model, summarize, torch_export  # noqa: E402
from selbuild import torch_api  # noqa: E402
from torch_fixtures import eval_ir, make  # noqa: E402

MODELS = ["tiny_cnn", "mobilenet_like", "transformer", "lstm", "gru", "op_zoo", "audio", "decoder", "lm"]


@pytest.mark.parametrize("name", MODELS)
def test_lowering_matches_torch_eager(name: str) -> None:
    m, x = make(name)
    model = torch_api.to_ir(m, x, name)
    with torch.no_grad():
        ref = m(*x).numpy()
    (ours,) = eval_ir(model.main, [t.numpy() for t in x])
    assert ours.shape == ref.shape
    err = float(np.abs(ours - ref).max())
    assert err <= 1e-4 * max(1.0, float(np.abs(ref).max())), err


@pytest.fixture(scope="module")
def cnn_pt2(tmp_path_factory) -> Path:
    m, x = make("tiny_cnn")
    return torch_api.export_module(m, x, tmp_path_factory.mktemp("pt2") / "cnn.pt2")


def test_summary_lists_stored_aten_ops(cnn_pt2: Path) -> None:
    s = summarize(cnn_pt2)
    assert s.format == "pt2" and s.subgraphs == 1
    assert [(t.name, t.shape, t.dtype) for t in s.inputs] == [("x", [1, 3, 16, 16], "f32")]
    assert [(t.shape, t.dtype) for t in s.outputs] == [([1, 10], "f32")]
    ep = torch.export.load(str(cnn_pt2))
    stored = {str(n.target) for n in ep.graph.nodes if n.op == "call_function"}
    assert "aten.conv2d.default" in stored
    by_src: dict[str, set] = {}
    for o in s.ops:
        by_src.setdefault(o.source_op, set()).add(o.op)
        assert o.version is None and o.count >= 1
    # default overloads are spelled without ".default", others with their overload
    assert {"conv2d.f32", "depthwise_conv2d.f32"} <= by_src["aten::conv2d"]
    assert by_src["aten::linear"] == {"fully_connected.f32"}
    assert by_src["aten::softmax.int"] == {"softmax.f32"}
    assert by_src["aten::sigmoid"] == {"logistic.f32"}
    # every stored op is either a source of some kernel or named as folded (batch_norm into conv,
    # relu/relu6 fused into the conv before them)
    folded = next(n for n in s.notes if n.startswith("folded"))
    for target in stored:
        spelled = torch_export._spell_target(target)
        assert spelled in by_src or spelled in folded, spelled
    assert "aten::batch_norm" in folded
    # the kernel set equals what the converter will actually need
    from selbuild.convert.pipeline import required_kernels
    assert {o.op for o in s.ops} == set(required_kernels(load_model(cnn_pt2)))


def test_unsupported_ops_are_named(tmp_path: Path) -> None:
    class Odd(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = torch.nn.Conv2d(4, 4, 3, groups=2)        # grouped: no kernel

        def forward(self, x):
            return torch.cumprod(self.conv(x), dim=1)

    p = torch_api.export_module(Odd().eval(), (torch.randn(1, 4, 6, 6),), tmp_path / "odd.pt2")
    s = summarize(p)
    missing = {o.source_op for o in s.ops if o.op is None}
    assert missing == {"aten::conv2d", "aten::cumprod"}
    with pytest.raises(UnsupportedError) as e:
        load_model(p)
    assert "grouped convolution" in e.value.message and "aten::cumprod" in e.value.message
    with pytest.raises(UnsupportedError):
        torch_api.convert_module(Odd().eval(), (torch.randn(1, 4, 6, 6),))


def test_corrupt_pt2_is_a_model_error(cnn_pt2: Path, tmp_path: Path) -> None:
    data = cnn_pt2.read_bytes()
    bad = tmp_path / "bad.pt2"
    for blob in (b"", b"garbage", data[: len(data) // 2]):
        bad.write_bytes(blob)
        with pytest.raises(ModelError):
            summarize(bad)


def test_convert_module_writes_a_program(tmp_path: Path) -> None:
    from selbuild.convert import read_program
    m, x = make("mobilenet_like")
    out = tmp_path / "mnv2.selrt"
    r = torch_api.convert_module(m, x, out)
    info = read_program(out.read_bytes())
    assert [t.name for t in info.inputs] == ["x"]
    assert list(info.inputs[0].shape) == [1, 3, 32, 32]        # torch (NCHW) layout at the boundary
    assert {"conv2d.f32", "depthwise_conv2d.f32", "fully_connected.f32"} <= set(r.kernels)
    # batch norm is folded and relu6 fused: neither needs a kernel
    assert "relu6.f32" not in r.kernels and not any(k.startswith("batch_norm") for k in r.kernels)


def test_dynamic_shapes_are_reported(tmp_path: Path) -> None:
    m, _ = make("tiny_cnn")
    batch = torch.export.Dim("batch", min=1, max=8)
    ep = torch.export.export(m, (torch.randn(2, 3, 16, 16),), dynamic_shapes={"x": {0: batch}})
    p = tmp_path / "dyn.pt2"
    torch.export.save(ep, str(p))
    s = summarize(p)
    assert s.inputs[0].shape == [-1, 3, 16, 16]
    assert any("static shapes" in n for n in s.notes)
    assert "input" not in {o.source_op for o in s.ops}
    with pytest.raises(UnsupportedError, match="dynamic dimensions"):
        load_model(p)


def test_mixed_config_init_takes_the_union(cnn_pt2: Path, tmp_path: Path, capsys) -> None:
    import yaml

    from selbuild.cli import main as cli_main
    models = Path(__file__).parent / "models"
    tfl = models / "tflite" / "tiny_cnn_f32.tflite"
    pte = models / "pte" / "tiny_cnn_portable.pte"
    cfg = tmp_path / "mixed.yaml"
    for args in (["config", "init", str(tfl), str(cnn_pt2), str(pte), "-o", str(cfg), "--target", "host"],
                 ["config", "check", str(cfg)]):
        with pytest.raises(SystemExit) as e:
            cli_main(args)
        assert e.value.code == 0, capsys.readouterr()
    ops = yaml.safe_load(cfg.read_text())["ops"]
    want = {o.op for path in (tfl, cnn_pt2, pte) for o in summarize(path).ops if o.op}
    assert set(ops) == want
    assert "cnn" in ops["depthwise_conv2d.f32"] and "tiny_cnn_f32" in ops["depthwise_conv2d.f32"]


def test_control_flow_is_named(tmp_path: Path) -> None:
    class Branchy(torch.nn.Module):
        def forward(self, x):
            return torch.cond(x.sum() > 0, lambda x: x.sin(), lambda x: x.cos(), (x,))

    p = tmp_path / "cond.pt2"
    torch.export.save(torch.export.export(Branchy(), (torch.randn(3),)), str(p))
    with pytest.raises(UnsupportedError, match="control flow"):
        load_model(p)
    assert any(o.source_op == "cond" and o.op is None for o in summarize(p).ops)
