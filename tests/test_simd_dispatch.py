"""CPU features are detected once per session, not once per node (issue 17):
a speed build whose detection function is wrapped to report each call runs
whole models several times in one session; it must ask exactly once. A size
build asks never (the variants are not compiled in)."""

from __future__ import annotations

import platform
import subprocess
from pathlib import Path

import numpy as np
import pytest

import harness as H

TESTS = Path(__file__).resolve().parent
MODELS = TESTS / "models" / "tflite"

pytestmark = pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"),
                                reason="run-time ISA variants exist only in x86-64 speed builds")


def _program(name: str):
    from selbuild.convert import convert, read_program
    from selbuild.convert.pipeline import required_kernels
    from selbuild.frontends import load_model
    model = load_model(MODELS / f"{name}.tflite")
    program = convert(model).program
    return sorted(required_kernels(model)), program, read_program(program)


@pytest.mark.parametrize("name", ["mobilenetv2_a035_96_f32", "mobilenetv2_a035_96_int8"])
@pytest.mark.parametrize("speed", [True, False], ids=["speed", "size"])
def test_detected_once_per_session(tmp_path, name, speed):
    from selbuild import verify
    kernels, program, info = _program(name)
    if speed:
        exe = H.build(tmp_path, kernels, name="selrt_run_count", extra_sources=[TESTS / "c" / "simd_count.c"],
                      link_flags_extra=["-Wl,--wrap=selrt_shared_simd_detect"], opt="-O2",
                      extra_flags=["-DSELRT_PROFILE_SPEED=1"])
    else:
        # A size build has no detection function to wrap: none is compiled in.
        exe = H.build(tmp_path, kernels, name="selrt_run_count")
        syms = subprocess.run(["nm", str(exe)], capture_output=True, text=True, check=True).stdout
        assert "selrt_shared_simd" not in syms
    gemm_nodes = sum(1 for nd in info.nodes if nd.kernel.split(".")[0] in ("conv2d", "depthwise_conv2d"))
    assert gemm_nodes >= 10          # the model would ask many times with per-node detection
    (tmp_path / "in").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "p.selrt").write_bytes(program)
    inputs = verify.random_inputs(info, seed=1)
    for i, t in enumerate(info.inputs):
        (tmp_path / "in" / f"input_{i}.bin").write_bytes(np.ascontiguousarray(inputs[t.name]).tobytes())
    proc = subprocess.run([str(exe), str(tmp_path / "p.selrt"), str(tmp_path / "in"), str(tmp_path / "out"),
                           "--repeat", "3"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("simd-detect") == (1 if speed else 0), proc.stderr[:500]
