"""TFLite model metadata (issue 18 item 5): the TFLITE_METADATA flatbuffer and the label
files zipped onto the model are read by analyze (text and JSON), carried into the AAR /
XCFramework beside the program, and never break a model: LiteRT runs the same file."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from selbuild import REPO_ROOT
from tflite_builder import Op, T, append_zip, build_model, model_metadata

FIELDS = {"name": "Tiny classifier", "description": "Scores 3 kinds of fruit.", "version": "v2",
          "author": "selbuild tests", "license": "Apache-2.0", "min_parser_version": "1.0.0"}
LABELS = "apple\nbanana\ncherry\n"


def classifier(meta: bytes | None, labels: bool = True) -> bytes:
    w = np.arange(12, dtype=np.float32).reshape(3, 4) / 10 - 0.5
    model = build_model(
        ops=[Op("FULLY_CONNECTED", ["x", "w", -1], ["z"]), Op("SOFTMAX", ["z"], ["y"], options={"beta": 1.0})],
        tensors=[T("x", [1, 4]), T("w", [3, 4], data=w), T("z", [1, 3]), T("y", [1, 3])],
        inputs=["x"], outputs=["y"], metadata={"TFLITE_METADATA": meta} if meta is not None else None)
    return append_zip(model, {"labels.txt": LABELS.encode()}) if labels else model


def metadata() -> bytes:
    return model_metadata(FIELDS, inputs=[{"name": "image", "mean": [127.5], "std": [127.5]}],
                          outputs=[{"name": "probability", "description": "one score per label",
                                    "files": [{"name": "labels.txt", "type": 2, "locale": "en"}]}])


def analyze_json(path) -> dict:
    r = subprocess.run([sys.executable, "-m", "selbuild", "analyze", "--json", str(path)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["models"][0]


def test_analyze_shows_metadata_and_labels(tmp_path) -> None:
    p = tmp_path / "fruit.tflite"
    p.write_bytes(classifier(metadata()))
    m = analyze_json(p)["metadata"]
    for k, v in FIELDS.items():
        assert m[k] == v, k
    assert m["inputs"] == [{"name": "image", "normalization": {"mean": [127.5], "std": [127.5]}}]
    out = m["outputs"][0]
    assert out["name"] == "probability" and out["description"] == "one score per label"
    assert out["files"] == [{"name": "labels.txt", "type": "tensor_axis_labels", "locale": "en"}]
    assert m["labels"] == {"labels.txt": ["apple", "banana", "cherry"]}
    import os
    r = subprocess.run([sys.executable, "-m", "selbuild", "analyze", str(p)], capture_output=True, text=True,
                       timeout=120, env={**os.environ, "COLUMNS": "250"})
    assert r.returncode == 0, r.stderr
    assert "metadata: name Tiny classifier, version v2, author selbuild tests, license Apache-2.0" in r.stdout
    assert "input image: normalize (x - mean [127.5]) / std [127.5]" in r.stdout
    assert "output probability: tensor_axis_labels labels.txt (3 labels)" in r.stdout


def test_model_with_metadata_runs_the_same_in_litert_and_selbuild(tmp_path) -> None:
    from ai_edge_litert.interpreter import Interpreter as LiteRT
    import selbuild
    from selbuild.frontends import load_model
    plain, rich = tmp_path / "plain.tflite", tmp_path / "rich.tflite"
    plain.write_bytes(classifier(None, labels=False))
    rich.write_bytes(classifier(metadata()))
    x = np.array([[0.1, -0.2, 0.3, 0.4]], np.float32)
    outs = []
    for p in (plain, rich):
        it = LiteRT(model_path=str(p))
        it.allocate_tensors()
        it.set_tensor(it.get_input_details()[0]["index"], x)
        it.invoke()
        outs.append(it.get_tensor(it.get_output_details()[0]["index"]))
    np.testing.assert_array_equal(outs[0], outs[1])
    # The graph selbuild converts is the same with or without metadata.
    from selbuild.convert import read_program
    a, b = (read_program(selbuild.convert(load_model(p)).program) for p in (plain, rich))
    assert (a.inputs, a.outputs, a.kernels) == (b.inputs, b.outputs, b.kernels)
    assert "metadata" not in analyze_json(plain)


def test_flatc_reads_our_schema_the_same(tmp_path) -> None:
    """An independent encoder: flatc compiles JSON with schemas/tflite_metadata.fbs; the reader agrees."""
    flatc = shutil.which("flatc")
    if flatc is None:
        pytest.skip("flatc not installed (Debian: flatbuffers-compiler)")
    from selbuild.frontends.tflite_metadata import parse_metadata
    doc = {**FIELDS, "subgraph_metadata": [{
        "input_tensor_metadata": [{"name": "image", "process_units": [
            {"options_type": "NormalizationOptions", "options": {"mean": [0.5, 0.25], "std": [2.0, 4.0]}}]}],
        "output_tensor_metadata": [{"name": "probability", "associated_files": [
            {"name": "labels.txt", "type": "TENSOR_VALUE_LABELS"}]}]}]}
    (tmp_path / "m.json").write_text(json.dumps(doc))
    schema = REPO_ROOT / "selbuild" / "frontends" / "schemas" / "tflite_metadata.fbs"
    subprocess.run([flatc, "-b", "-o", str(tmp_path), str(schema), str(tmp_path / "m.json")], check=True)
    meta = parse_metadata((tmp_path / "m.bin").read_bytes())
    assert meta["inputs"][0]["normalization"] == {"mean": [0.5, 0.25], "std": [2.0, 4.0]}
    assert meta["outputs"][0]["files"] == [{"name": "labels.txt", "type": "tensor_value_labels"}]
    assert {k: meta[k] for k in FIELDS} == FIELDS


@pytest.mark.parametrize("damage", ["not-metadata", "truncated", "bad-offsets"])
def test_broken_metadata_is_a_note_not_a_failure(tmp_path, damage) -> None:
    good = metadata()
    meta = {"not-metadata": b"hello world, no flatbuffer here",
            "truncated": good[:len(good) // 2],
            "bad-offsets": good[:4] + b"M001" + b"\xff" * (len(good) - 8)}[damage]
    p = tmp_path / "broken.tflite"
    p.write_bytes(classifier(meta))
    m = analyze_json(p)
    assert "metadata" not in m
    assert any("TFLite metadata is unreadable" in n for n in m["notes"]), m.get("notes")


def test_program_interpreter_and_aar_carry_the_metadata(tmp_path, build_root) -> None:
    """Into the .selrt (key model.app), out through selbuild.runtime.Interpreter.metadata,
    and into the AAR as assets/<model>.metadata.json beside assets/<model>.selrt."""
    import zipfile
    import selbuild
    from selbuild import toolchain_loader
    from selbuild.config import BuildConfig, ModelRef
    from selbuild.convert import read_program
    from selbuild.frontends.tflite_metadata import from_program
    from selbuild.package import package_aar
    from selbuild.runtime import Interpreter
    p = tmp_path / "fruit.tflite"
    p.write_bytes(classifier(metadata()))
    want = analyze_json(p)["metadata"]
    program = selbuild.convert(p).program
    assert from_program(read_program(program).metadata) == want
    cfg = BuildConfig(path=build_root / "fruit_meta.yaml", name="fruit_meta", models=[ModelRef(p, name="fruit")],
                      targets=["host", "android-arm64"], ops={"fully_connected.f32": [], "softmax.f32": []})
    (host,) = selbuild.build(cfg, "host", out_root=build_root)
    with Interpreter(program, host.manifest) as it:
        assert it.metadata == want
        assert it.metadata["labels"]["labels.txt"][1] == "banana"
        probs = it({"x": np.array([[0.1, -0.2, 0.3, 0.4]], np.float32)})["y"]
    assert probs.shape == (1, 3)
    if not toolchain_loader.availability("android-arm64").ok:
        pytest.skip("android-arm64 not buildable here")
    aar = package_aar(cfg, tmp_path / "fruit.aar", out_root=build_root)
    with zipfile.ZipFile(aar) as z:
        assert json.loads(z.read("assets/fruit.metadata.json")) == want
        assert z.read("assets/fruit.selrt") == program


def test_torch_extra_files_are_shown(tmp_path) -> None:
    """PyTorch models keep app files as extra files: TorchScript `_extra_files` (.pt, .ptl) and
    torch.export's `extra_files` (.pt2); analyze lists them by name and size."""
    import os
    import warnings
    torch = pytest.importorskip("torch")

    class Net(torch.nn.Module):
        def forward(self, x):
            return torch.relu(x) + 1.0

    extra = {"labels.txt": LABELS, "config.json": '{"mean": 0.5}'}
    scripted = torch.jit.script(Net())
    pt, ptl, pt2 = tmp_path / "net.pt", tmp_path / "net.ptl", tmp_path / "net.pt2"
    torch.jit.save(scripted, str(pt), _extra_files=extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        scripted._save_for_lite_interpreter(str(ptl), _extra_files=extra)
    torch.export.save(torch.export.export(Net(), (torch.zeros(1, 4),)), str(pt2), extra_files=extra)
    want = {"config.json": len(extra["config.json"]), "labels.txt": len(LABELS)}
    for p in (pt, ptl, pt2):
        assert analyze_json(p)["metadata"] == {"extra_files": want}, p.name
    r = subprocess.run([sys.executable, "-m", "selbuild", "analyze", str(ptl)], capture_output=True, text=True,
                       timeout=300, env={**os.environ, "COLUMNS": "250"})
    assert r.returncode == 0 and f"extra file labels.txt ({len(LABELS)} B)" in r.stdout, r.stdout + r.stderr
    plain = tmp_path / "plain.ptl"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        scripted._save_for_lite_interpreter(str(plain))
    assert "metadata" not in analyze_json(plain)
