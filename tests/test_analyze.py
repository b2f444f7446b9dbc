"""`selbuild analyze`: the JSON contract on every model, delegates, and bad input.

Expected ops come from LiteRT's interpreter (subgraph 0 of models without
control flow: `_get_ops_details()` names and operand types).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import warnings
from collections import Counter

import numpy as np
import pytest

from conftest import TFLITE_MODELS, tflite_model_paths
from selbuild.cli import main
from tflite_builder import Op, T, build_model

MODELS = tflite_model_paths()
NP = {"float32": "f32", "int8": "i8", "int16": "i16", "int32": "i32", "uint8": "u8", "float16": "f16",
      "bool": "bool", "int64": "i64"}
NAMES = {"CONV_2D": "conv2d", "DEPTHWISE_CONV_2D": "depthwise_conv2d",
         "AVERAGE_POOL_2D": "average_pool2d", "MAX_POOL_2D": "max_pool2d"}


def run_cli(capsys, *args) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        main(list(args))
    out, err = capsys.readouterr()
    return e.value.code, out, err


def check_contract(m: dict) -> None:
    assert set(m) - {"notes"} == {"path", "format", "sha256", "subgraphs", "inputs", "outputs", "ops",
                                  "custom_ops", "delegates", "unsupported"}
    assert isinstance(m["subgraphs"], int) and m["subgraphs"] >= 1
    for t in m["inputs"] + m["outputs"]:
        assert set(t) == {"name", "shape", "dtype"}
        assert isinstance(t["name"], str) and all(isinstance(d, int) for d in t["shape"])
    for u in m["ops"]:
        assert set(u) == {"op", "source_op", "version", "count", "supported", "kernel_needed"}
        assert u["op"] is None or (isinstance(u["op"], str) and u["op"].count(".") == 1)
        assert isinstance(u["count"], int) and u["count"] >= 1
        # an op without a selbuild name is supported only when it needs no kernel (TorchScript's aten::size)
        assert isinstance(u["kernel_needed"], bool) and (u["op"] is None or u["kernel_needed"])
        assert isinstance(u["supported"], bool) and (u["op"] is not None or not u["supported"]
                                                     or not u["kernel_needed"])
    assert m["unsupported"] == sorted({u["op"] or u["source_op"] for u in m["ops"] if not u["supported"]})
    for d in m["delegates"]:
        assert set(d) == {"name", "reason"} and d["reason"]


def test_json_contract_on_every_model(capsys):
    code, out, _ = run_cli(capsys, "analyze", "--json", *map(str, MODELS))
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {"models", "ops", "delegates"}
    assert [m["path"] for m in doc["models"]] == [str(p) for p in MODELS]
    union = set()
    for m, path in zip(doc["models"], MODELS):
        check_contract(m)
        assert m["format"] == "tflite"
        assert m["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        union |= {u["op"] for u in m["ops"] if u["op"]}
    assert doc["ops"] == sorted(union)
    assert doc["delegates"] == []


@pytest.mark.parametrize("path", [p for p in MODELS if "lstm_f" not in p.name and "gru_f" not in p.name
                                  and "dynrange" not in p.name], ids=lambda p: p.name)
def test_ops_match_interpreter(capsys, path):
    from ai_edge_litert.interpreter import Interpreter
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        it = Interpreter(model_path=str(path))
    want = Counter()
    for d in it._get_ops_details():
        types = [NP[t.__name__] for t in d["operand_types"]]
        dtype = {"SPLIT": types[1:2], "QUANTIZE": [NP[d["result_types"][0].__name__]]}.get(d["op_name"], types)[0]
        want[f"{NAMES.get(d['op_name'], d['op_name'].lower())}.{dtype}"] += 1
    code, out, _ = run_cli(capsys, "analyze", "--json", str(path))
    assert code == 0
    got = Counter()
    for u in json.loads(out)["models"][0]["ops"]:
        got[u["op"]] += u["count"]
    assert got == want


def test_text_output_lists_kernels_and_union(capsys):
    paths = [TFLITE_MODELS / "tiny_cnn_int8.tflite", TFLITE_MODELS / "sine_float.tflite"]
    code, out, _ = run_cli(capsys, "analyze", *map(str, paths))
    assert code == 0
    for k in ("conv2d.i8", "softmax.i8", "fully_connected.f32", "union of 2 models"):
        assert k in out


def test_delegates_custom_and_unknown_ops(tmp_path, capsys):
    model = build_model(
        ops=[Op("CUSTOM", ["a"], ["b"], custom_code="FlexAddV2"),
             Op("CUSTOM", ["b"], ["c"], custom_code="edgetpu-custom-op"),
             Op(250, ["c"], ["d"], version=2),          # a code newer than our schema
             Op("DELEGATE", ["d"], ["e"]),
             Op("CUSTOM", ["e"], ["f"], custom_code="MyOwnOp"),
             Op("RELU", ["f"], ["g"])],
        tensors=[T(n, [1, 4]) for n in "abcdefg"])
    p = tmp_path / "delegated.tflite"
    p.write_bytes(model)
    code, out, _ = run_cli(capsys, "analyze", "--json", str(p))
    assert code == 0
    m = json.loads(out)["models"][0]
    check_contract(m)
    assert m["custom_ops"] == ["FlexAddV2", "MyOwnOp", "edgetpu-custom-op"]
    assert {d["name"] for d in m["delegates"]} == {"flex", "edgetpu", "delegate"}
    ops = {u["source_op"]: u for u in m["ops"]}
    assert ops["unknown builtin 250"] == {"op": None, "source_op": "unknown builtin 250", "version": 2,
                                          "count": 1, "supported": False, "kernel_needed": True}
    assert ops["FlexAddV2"]["op"] is None and ops["RELU"]["op"] == "relu.f32"
    assert ops["DELEGATE"]["op"] is None
    assert json.loads(out)["ops"] == ["relu.f32"]
    code, out, _ = run_cli(capsys, "analyze", str(p))   # the text form renders it too
    assert code == 0 and "unknown builtin 250" in out and "flex" in out


def test_pte_goes_through_frontend_dispatch(capsys):
    pte = TFLITE_MODELS.parent / "pte" / "tiny_cnn_portable.pte"
    code, out, err = run_cli(capsys, "analyze", "--json", str(pte))
    if code != 0 and "unknown model format" in err:
        pytest.skip("no .pte frontend yet")
    assert code == 0
    m = json.loads(out)["models"][0]
    check_contract(m)
    assert m["format"] == "pte"


BAD = {
    "empty.tflite": b"",
    "short.tflite": b"\x10\x00",
    "text.tflite": b"this is not a model at all, just some text\n" * 4,
    "truncated.tflite": (TFLITE_MODELS / "tiny_cnn_int8.tflite").read_bytes()[:600],
    "corrupt.tflite": (lambda d: d[:8] + b"\xff" * 64 + d[72:])((TFLITE_MODELS / "sine_float.tflite").read_bytes()),
    "version7.tflite": build_model(ops=[Op("RELU", ["a"], ["b"])], tensors=[T("a", [1]), T("b", [1])],
                                   version=7),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_model_files_exit_2(tmp_path, capsys, name):
    p = tmp_path / name
    p.write_bytes(BAD[name])
    code, out, err = run_cli(capsys, "analyze", str(p))
    assert code == 2, err
    assert err.startswith("error: ") and "Traceback" not in err
    assert str(p) in err.splitlines()[0]


def test_missing_file_and_directory_exit_2(tmp_path, capsys):
    for arg in (str(tmp_path / "nope.tflite"), str(tmp_path)):
        code, _, err = run_cli(capsys, "analyze", arg)
        assert code == 2 and err.startswith("error: ")


def test_real_process_exit_code(tmp_path):
    """The installed entry point, as a user runs it."""
    p = tmp_path / "x.tflite"
    p.write_bytes(b"garbage")
    r = subprocess.run([sys.executable, "-m", "selbuild", "analyze", str(p)], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.startswith("error: ") and "Traceback" not in r.stderr


def _one_op(tmp_path, builtin, name="one.tflite", dtype="f32"):
    p = tmp_path / name
    p.write_bytes(build_model(ops=[Op(builtin, ["x"], ["y"])], tensors=[T("x", [1, 4], dtype), T("y", [1, 4], dtype)]))
    return p


def test_support_flags_follow_the_catalogue(tmp_path, capsys):
    """SIGN on int32 has a canonical name but no kernel (sign.i32): flagged, listed, marked in the text table.
    (An int8 SIN, which LiteRT does not run either, has no kernel: flagged too.)"""
    from tflite_builder import qt
    p = tmp_path / "mixed.tflite"
    p.write_bytes(build_model(ops=[Op("SIGN", ["xi"], ["a"]), Op("RELU", ["a"], ["b"]),
                                   Op("CUSTOM", ["b"], ["y"], custom_code="MyOwnOp")],
                              tensors=[T("xi", [1, 4], "i32")] + [T(n, [1, 4]) for n in ("a", "b", "y")]))
    q = tmp_path / "sin_i8.tflite"
    q.write_bytes(build_model(ops=[Op("SIN", ["x"], ["y"])],
                              tensors=[qt("x", [1, 4], 0.1, 0), qt("y", [1, 4], 0.1, 0)]))
    code, out, _ = run_cli(capsys, "analyze", "--json", str(p), str(q))
    assert code == 0
    m, mq = json.loads(out)["models"]
    check_contract(m)
    flags = {u["source_op"]: u["supported"] for u in m["ops"]}
    assert flags == {"SIGN": False, "RELU": True, "MyOwnOp": False}
    assert m["unsupported"] == ["MyOwnOp", "sign.i32"]
    assert mq["unsupported"] == ["sin.i8"] and mq["ops"][0]["supported"] is False
    code, out, _ = run_cli(capsys, "analyze", str(p))
    assert code == 0 and "NO" in out and "unsupported" in out and "sign.i32" in out


def test_folded_ops_count_as_supported(tmp_path, capsys):
    """dequantize.u8 has no kernel, but the converter folds a DEQUANTIZE of
    constant uint8 weights: supported. The same op on a model input is a
    legacy uint8 model: supported on the int8 kernels.
    (dequantize.i16 was the example until the int16x8 kernels gave it a kernel.)"""
    from tflite_builder import qt
    w = qt("w", [4], 0.5, 128, data=np.array([1, 200, 3, 255], np.uint8), dtype="u8")
    p = tmp_path / "folded.tflite"
    p.write_bytes(build_model(ops=[Op("DEQUANTIZE", ["w"], ["wf"]), Op("ADD", ["x", "wf"], ["y"])],
                              tensors=[w, T("wf", [4]), T("x", [4]), T("y", [4])]))
    q = tmp_path / "live.tflite"
    q.write_bytes(build_model(ops=[Op("DEQUANTIZE", ["v"], ["y"])],
                              tensors=[qt("v", [4], 0.5, 128, dtype="u8"), T("y", [4])]))
    code, out, _ = run_cli(capsys, "analyze", "--json", str(p), str(q))
    assert code == 0
    folded, live = json.loads(out)["models"]
    assert {u["op"]: u["supported"] for u in folded["ops"]} == {"dequantize.u8": True, "add.f32": True}
    # A live uint8 tensor makes it a legacy uint8 model: it runs on the int8 kernels (convert/uint8.py).
    assert {u["op"]: u["supported"] for u in live["ops"]} == {"dequantize.i8": True, "quantize.u8i8": True}
    assert folded["unsupported"] == [] and live["unsupported"] == []


def test_config_init_writes_warns_and_exits_1_on_unsupported_ops(tmp_path, capsys):
    p = _one_op(tmp_path, "SIGN", "signs.tflite", dtype="i32")
    out = tmp_path / "app.yaml"
    code, stdout, err = run_cli(capsys, "config", "init", str(p), "-o", str(out), "--target", "host")
    assert code == 1
    assert out.is_file() and "sign.i32" in out.read_text()        # written all the same
    assert "warning: signs: no selbuild kernel runs sign.i32" in err
    hint = [ln for ln in err.splitlines() if ln.startswith("hint:")]
    assert hint and "regenerat" not in hint[0] and "config init" not in hint[0] and "--force" not in hint[0]
    code, stdout, err = run_cli(capsys, "config", "init", str(_one_op(tmp_path, "RELU", "r.tflite")),
                                "-o", str(tmp_path / "ok.yaml"), "--target", "host")
    assert code == 0 and "warning" not in err
