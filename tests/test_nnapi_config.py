"""The config decides NNAPI's minimum feature level:
`backend_options: {nnapi: {min_api_level: N}}` (default 27, Android 8.1)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from selbuild import backends as bk
from selbuild import planning
from selbuild.config import load_config, validate
from selbuild.convert import convert, read_program
from selbuild.errors import ConfigError
from selbuild.frontends import load_model

REPO = Path(__file__).resolve().parent.parent
MBV2 = REPO / "tests" / "models" / "tflite" / "mobilenetv2_a035_96_f32.tflite"
OPS = ["add.f32", "conv2d.f32", "depthwise_conv2d.f32", "fully_connected.f32", "mean.f32", "softmax.f32"]


def write(tmp: Path, options: str, fallback: str = "cpu") -> Path:
    path = tmp / "app.yaml"
    ops = "\n".join(f"  {k}: [m]" for k in OPS)
    path.write_text(f"schema_version: 1\nname: app\nmodels:\n  - path: {MBV2}\n    name: m\n"
                    f"targets: [host]\nops:\n{ops}\nbackends: [nnapi]\nfallback: {fallback}\n{options}")
    return path


def test_default_level_keeps_mean_on_cpu(tmp_path) -> None:
    cfg = load_config(write(tmp_path, "", fallback="none"))
    assert bk.configured(cfg) == ["nnapi"]
    stats = convert(load_model(MBV2), backends=bk.configured(cfg)).stats
    assert "mean.f32" not in stats.backend_nodes and len(stats.partitions) == 2
    assert planning.cpu_kernels(cfg) == ["mean.f32"]             # fallback: none keeps what NNAPI does not take


def test_level_28_from_the_config(tmp_path) -> None:
    cfg = load_config(write(tmp_path, "backend_options:\n  nnapi: {min_api_level: 28}\n", fallback="none"))
    (b,) = bk.configured(cfg)
    assert b.name == "nnapi" and b.level == 28
    stats = convert(load_model(MBV2), backends=bk.configured(cfg)).stats
    assert stats.backend_nodes.get("mean.f32") == 1 and len(stats.partitions) == 1
    assert planning.cpu_kernels(cfg) == []                       # fallback: none: no CPU kernel left


def test_cli_convert_uses_the_level(tmp_path) -> None:
    cfg = write(tmp_path, "backend_options:\n  nnapi: {min_api_level: 28}\n")
    out = tmp_path / "m.selrt"
    p = subprocess.run([sys.executable, "-m", "selbuild", "convert", str(MBV2), "--config", str(cfg), "-o", str(out)],
                       capture_output=True, text=True, cwd=REPO)
    assert p.returncode == 0, p.stderr
    parts = read_program(out.read_bytes()).partitions
    assert len(parts) == 1 and parts[0].backend == "nnapi"


@pytest.mark.parametrize("options,message", [
    ("backend_options:\n  nnapi: {min_api_level: 26}\n", "min_api_level must be an integer >= 27"),
    ("backend_options:\n  nnapi: {min_api: 28}\n", "unknown nnapi option(s): min_api"),
    ("backend_options:\n  vulkan: {x: 1}\n", "'vulkan' is not in this config's backends"),
    ("backend_options: [nnapi]\n", "backend_options"),
])
def test_bad_options_are_config_problems(tmp_path, options, message) -> None:
    _, problems = validate(write(tmp_path, options), check_models=False)
    assert any(message in f"{where} {msg}" for where, msg in problems), problems
    with pytest.raises(ConfigError):
        load_config(write(tmp_path, options), check_models=False)


def test_cpu_reasons_per_node(tmp_path) -> None:
    """What stays on the CPU says why; the level moves level-gated nodes over."""
    import numpy as np
    from tflite_builder import Op, T, build_model

    from selbuild.backends.nnapi import NnapiBackend
    from selbuild.convert import partition
    from selbuild.convert.pipeline import lower_all, prepare
    rng = np.random.default_rng(0)
    tensors = [T("x", [1, 6, 4]), T("s", [1, 6, 4]), T("w", [5, 4], data=rng.normal(size=(5, 4))),
               T("b", [5], data=np.zeros(5)), T("fc", [1, 6, 5]), T("c", [1, 6, 9]),
               T("img", [1, 8, 8, 4]), T("dw", [1, 3, 3, 4], data=rng.normal(size=(1, 3, 3, 4))),
               T("db", [4], data=np.zeros(4)), T("d", [1, 8, 8, 4])]
    ops = [Op("SOFTMAX", ["x"], ["s"], options=dict(beta=1.0)),
           Op("FULLY_CONNECTED", ["s", "w", "b"], ["fc"], options=dict(keep_num_dims=True)),
           Op("CONCATENATION", ["s", "fc"], ["c"], options=dict(axis=2, activation="relu")),
           Op("DEPTHWISE_CONV_2D", ["img", "dw", "db"], ["d"],
              options=dict(padding="same", stride_w=1, stride_h=1, depth_multiplier=1,
                           dilation_w_factor=2, dilation_h_factor=2))]
    path = tmp_path / "reasons.tflite"
    path.write_bytes(build_model(ops=ops, tensors=tensors))
    g, _ = prepare(load_model(path))
    lowered = lower_all(g)
    by_kernel = lambda a: {low.kernel: (t, r.get("nnapi")) for low, t, r in zip(lowered, a.backend, a.reasons)}  # noqa: E731
    at27 = by_kernel(partition.assign(g, lowered, [NnapiBackend(27)]))
    assert "feature level 29" in at27["softmax.f32"][1]                # rank-3 softmax
    assert "not NNAPI's [batch, units] form" in at27["fully_connected.f32"][1]
    assert "no fused activation" in at27["concatenation.f32"][1]
    assert "feature level 29" in at27["depthwise_conv2d.f32"][1]       # dilated
    at29 = by_kernel(partition.assign(g, lowered, [NnapiBackend(29)]))
    assert at29["softmax.f32"][0] == "nnapi" and at29["depthwise_conv2d.f32"][0] == "nnapi"
    assert at29["fully_connected.f32"][0] is None and at29["concatenation.f32"][0] is None
