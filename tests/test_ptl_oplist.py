"""TorchScript operator lists (issue 16 item 2): analyze lists every operator
torch's lite interpreter reports, marking those no selbuild kernel is needed
for, and `config export-pytorch-ops` writes PyTorch Mobile's selected-operator
YAML from the same analysis."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
import yaml

torch = pytest.importorskip("torch")

from selbuild.cli import main as cli_main  # noqa: E402
from selbuild.frontends import summarize  # noqa: E402
from torch_fixtures import make  # noqa: E402


class Unpacks(torch.nn.Module):
    """Scalar and list work the interpreter does itself: sizes, tuples, list indexing, int compares."""

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        n, c = x.size(0), x.size(1)
        parts = torch.split(x, c // 2, dim=1)
        y = parts[0] * 2.0 if n == 1 else parts[1]
        return torch.relu(y), torch.tanh(parts[-1])


def _save_lite(module, path: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.script(module)._save_for_lite_interpreter(str(path))
    return path


def _torch_list(path: Path) -> set[str]:
    from torch.jit.mobile import _export_operator_list, _load_for_lite_interpreter
    return set(_export_operator_list(_load_for_lite_interpreter(str(path))))


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("oplist")
    return {"cnn": _save_lite(make("tiny_cnn")[0], d / "cnn.ptl"), "unpacks": _save_lite(Unpacks(), d / "unpacks.ptl")}


@pytest.mark.parametrize("name", ["cnn", "unpacks"])
def test_analyze_lists_what_the_lite_interpreter_reports(name: str, models: dict[str, Path]) -> None:
    s = summarize(models[name])
    assert {u.source_op for u in s.ops} == _torch_list(models[name])
    for u in s.ops:
        if u.source_op in ("aten::size.int", "aten::size", "aten::__getitem__.t", "aten::eq.int", "aten::len.t"):
            assert not u.kernel_needed and u.op is None, u
        if u.op is not None:
            assert u.kernel_needed, u


def test_interpreter_ops_are_supported_and_named_in_json(models: dict[str, Path], capsys) -> None:
    with pytest.raises(SystemExit) as e:
        cli_main(["analyze", str(models["unpacks"]), "--json"])
    out, err = capsys.readouterr()
    assert e.value.code == 0, err
    (m,) = json.loads(out)["models"]
    rows = {u["source_op"]: u for u in m["ops"]}
    assert rows["aten::__getitem__.t"] == {"op": None, "source_op": "aten::__getitem__.t", "version": None,
                                           "count": rows["aten::__getitem__.t"]["count"], "supported": True,
                                           "kernel_needed": False}
    assert rows["aten::relu"]["kernel_needed"] and rows["aten::relu"]["op"] == "relu.f32"
    assert "aten::__getitem__.t" not in m["unsupported"] and "aten::size.int" not in m["unsupported"]


def test_export_pytorch_ops_writes_the_union(models: dict[str, Path], tmp_path: Path, capsys) -> None:
    tflite = Path(__file__).parent / "models" / "tflite" / "tiny_cnn_f32.tflite"
    cfg = tmp_path / "app.yaml"
    with pytest.raises(SystemExit) as e:
        cli_main(["config", "init", str(models["cnn"]), str(models["unpacks"]), str(tflite), "-o", str(cfg)])
    assert e.value.code in (0, 1), capsys.readouterr()           # 1: batch_norm has no kernel (warned)
    out = tmp_path / "ops.yaml"
    with pytest.raises(SystemExit) as e:
        cli_main(["config", "export-pytorch-ops", str(cfg), "-o", str(out)])
    stdout, err = capsys.readouterr()
    assert e.value.code == 0, err
    listed = yaml.safe_load(out.read_text())
    assert listed == sorted(_torch_list(models["cnn"]) | _torch_list(models["unpacks"]))
    assert "aten::size.int" in listed or "aten::size" in listed
    assert f"{len(listed)} operators from 2 TorchScript model(s)" in stdout
    # never over the config, and a config without TorchScript models is a clear error
    before = cfg.read_bytes()
    with pytest.raises(SystemExit) as e:
        cli_main(["config", "export-pytorch-ops", str(cfg), "-o", str(cfg)])
    assert e.value.code == 2 and cfg.read_bytes() == before
    only_tflite = tmp_path / "t.yaml"
    with pytest.raises(SystemExit):
        cli_main(["config", "init", str(tflite), "-o", str(only_tflite)])
    capsys.readouterr()
    with pytest.raises(SystemExit) as e:
        cli_main(["config", "export-pytorch-ops", str(only_tflite), "-o", str(tmp_path / "none.yaml")])
    _, err = capsys.readouterr()
    assert e.value.code == 2 and "no TorchScript" in err and not (tmp_path / "none.yaml").exists()
