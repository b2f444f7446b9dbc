"""TorchScript / lite-interpreter (.ptl, .pt) analysis on modules generated with torch."""

from __future__ import annotations

import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from selbuild.errors import ModelError, UnsupportedError  # noqa: E402
from selbuild.frontends import summarize, torchscript  # noqa: E402
from torch_fixtures import make  # noqa: E402


def _save_lite(module, path: Path) -> Path:
    scripted = torch.jit.script(module)
    with warnings.catch_warnings():          # torch flags the lite interpreter as deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        scripted._save_for_lite_interpreter(str(path))
    return path


@pytest.fixture(scope="module")
def cnn_ptl(tmp_path_factory) -> Path:
    m, _ = make("tiny_cnn")
    return _save_lite(m, tmp_path_factory.mktemp("ptl") / "cnn.ptl")


def _by_src(s) -> dict[str, set]:
    out: dict[str, set] = {}
    for o in s.ops:
        out.setdefault(o.source_op, set()).add(o.op)
    return out


def test_cnn_root_ops_match_torch(cnn_ptl: Path) -> None:
    s = summarize(cnn_ptl)
    assert s.format == "ptl" and s.subgraphs == 1
    # every root op torch lists is either a reported op or named as interpreter bookkeeping
    roots = set(torch.jit.export_opnames(torch.jit.load(str(cnn_ptl))))
    reported = {o.source_op for o in s.ops if o.kernel_needed}      # the rest are listed, needing no kernel
    bookkeeping = next(n for n in s.notes if n.startswith("interpreter ops"))
    training = next(n for n in s.notes if n.startswith("not run in eval mode"))
    for op in roots:
        assert op in reported or op in bookkeeping or op in training, op
    # BatchNorm's num_batches_tracked update only runs in training
    assert "aten::add_.Scalar" in training and "aten::add_.Scalar" not in reported
    assert "aten::size" not in reported          # returns int: needs no kernel
    ops = _by_src(s)
    # frozen weights tell the depthwise conv (groups == channels) from the plain ones
    assert ops["aten::conv2d"] == {"conv2d.f32", "depthwise_conv2d.f32"}
    assert ops["aten::linear"] == {"fully_connected.f32"}
    assert ops["aten::softmax.int"] == {"softmax.f32"}
    assert ops["aten::batch_norm"] == {None}
    conv_counts = {o.op: o.count for o in s.ops if o.source_op == "aten::conv2d"}
    assert conv_counts == {"conv2d.f32": 2, "depthwise_conv2d.f32": 1}


def test_example_inputs_give_exact_dtypes(tmp_path: Path) -> None:
    class Mix(torch.nn.Module):
        def forward(self, x, y):
            return torch.relu(x * 2.0 + y)

    p = _save_lite(Mix().eval(), tmp_path / "mix.ptl")
    without = _by_src(summarize(p))
    assert without["aten::relu"] == {"relu.f32"}          # no weights, no inputs: the f32 default
    xs = [np.ones((2, 3), np.float64), np.zeros((2, 3), np.float64)]
    np.savez(tmp_path / "ex.npz", *xs)
    s = torchscript.summarize(p, example_inputs=tmp_path / "ex.npz")
    ops = _by_src(s)
    assert ops["aten::relu"] == {"relu.f64"}
    assert ops["aten::add.Tensor"] == {"add.f64"}
    assert [(t.shape, t.dtype) for t in s.inputs] == [([2, 3], "f64"), ([2, 3], "f64")]
    assert [(t.shape, t.dtype) for t in s.outputs] == [([2, 3], "f64")]


def test_lstm_ops(tmp_path: Path) -> None:
    m, (x,) = make("lstm")
    s = torchscript.summarize(_save_lite(m, tmp_path / "lstm.ptl"), example_inputs=[x])
    ops = _by_src(s)
    assert ops["aten::lstm.input"] == {None}
    assert ops["aten::linear"] == {"fully_connected.f32"}
    assert any("aten::lstm.input" in n for n in s.notes if n.startswith("no selbuild kernel"))


def test_full_torchscript_pt(tmp_path: Path) -> None:
    m, _ = make("tiny_cnn")
    p = tmp_path / "cnn.pt"
    torch.jit.script(m).save(str(p))
    ops = _by_src(summarize(p))
    assert "conv2d.f32" in ops["aten::conv2d"]


def test_nnapi_prepared_module_is_a_delegate(tmp_path: Path) -> None:
    from torch.backends._nnapi.prepare import convert_model_to_nnapi
    m, _ = make("tiny_cnn")
    x = torch.randn(1, 3, 16, 16)
    conv = torch.nn.Sequential(m.c1, torch.nn.ReLU()).eval()
    nn_mod = convert_model_to_nnapi(torch.jit.trace(conv, x), x.contiguous(memory_format=torch.channels_last))
    p = tmp_path / "nnapi.pt"
    nn_mod.save(str(p))
    s = summarize(p)
    assert [d.name for d in s.delegates] == ["nnapi"]
    assert "1 module" in s.delegates[0].reason


def test_backend_lowered_module_torch_cannot_load(cnn_ptl: Path, tmp_path: Path) -> None:
    # A module lowered with torch._C._jit_to_backend("coreml", ...) references the
    # backend class in its code; desktop torch has no such class. Make one from a
    # real .ptl by adding the attribute a lowered module carries.
    out = tmp_path / "coreml.ptl"
    with zipfile.ZipFile(cnn_ptl) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if "/code/" in info.filename and info.filename.endswith(".py") and b"  fc : " in data:
                data = data.replace(b"  fc : ", b"  __backend : __torch__.torch.classes.__backends__.coreml\n  fc : ", 1)
            dst.writestr(info, data)
    with pytest.raises(Exception):
        torch.jit.load(str(out))
    s = summarize(out)
    assert [d.name for d in s.delegates] == ["coreml"]
    assert any("bytecode" in n for n in s.notes)
    assert {"conv2d.f32", "fully_connected.f32", "softmax.f32"} <= {o.op for o in s.ops}


def test_garbage_and_truncated_files(cnn_ptl: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ptl"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(ModelError, match="not a TorchScript archive"):
        summarize(bad)
    data = cnn_ptl.read_bytes()
    for n in (0, 10, len(data) // 3, len(data) - 30):
        bad.write_bytes(data[:n])
        with pytest.raises(ModelError):
            summarize(bad)


def test_load_points_to_torch_export(cnn_ptl: Path) -> None:
    with pytest.raises(UnsupportedError) as e:
        torchscript.load(cnn_ptl)
    assert "convert_module" in (e.value.hint or "")


def test_without_torch_the_extra_is_named(cnn_ptl: Path) -> None:
    # A fresh interpreter where `import torch` fails, as on a machine without the extra.
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from selbuild.errors import SelbuildError\n"
        "from selbuild.frontends import summarize\n"
        f"try:\n    summarize({str(cnn_ptl)!r})\n"
        "except SelbuildError as e:\n    print(e.exit_code, e.message, '|', e.hint)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("2 ")
    assert "selbuild[torch]" in out.stdout


def test_cli_analyze_with_example_inputs(cnn_ptl: Path, tmp_path: Path, capsys) -> None:
    import json

    from selbuild.cli import main as cli_main
    np.savez(tmp_path / "x.npz", np.zeros((1, 3, 16, 16), np.float32))
    with pytest.raises(SystemExit) as e:
        cli_main(["analyze", str(cnn_ptl), "--json", "--example-inputs", str(tmp_path / "x.npz")])
    out = capsys.readouterr().out
    assert e.value.code == 0
    (m,) = json.loads(out)["models"]
    assert m["inputs"] == [{"name": "input0", "shape": [1, 3, 16, 16], "dtype": "f32"}]
    assert m["outputs"] == [{"name": "output0", "shape": [1, 10], "dtype": "f32"}]
