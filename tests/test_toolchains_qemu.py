"""A trivial program (x + bias, fused relu: add.f32) runs on every runnable
target: the host, and under qemu-user the Android .so files themselves (glibc
runner + shim dir) and the linux-* builds. Outputs must equal numpy's."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from selbuild import ir, toolchain_loader
from selbuild.build import build_target
from selbuild.config import BuildConfig
from selbuild.convert import convert

KERNELS = ["add.f32", "relu.f32"]
# android-x86_64: the Android .so runs natively here (glibc runner + shim, no qemu).
RUNNABLE = ["host", "android-arm64", "android-armv7", "android-x86_64", "linux-arm64", "linux-armv7"]


@pytest.fixture(scope="session")
def program(tmp_path_factory):
    """(program path, input, bias): y = relu(x + bias) on a 1x2x3x4 tensor."""
    bias = np.linspace(-1.5, 1.5, 4, dtype=np.float32)
    ts = [ir.Tensor("x", (1, 2, 3, 4), "f32"), ir.Tensor("bias", (4,), "f32", data=bias),
          ir.Tensor("y", (1, 2, 3, 4), "f32")]
    node = ir.Node("add", [0, 1], [2], {"activation": "relu"}, "ADD", "f32")
    model = ir.Model("tiny.tflite", "tflite", [ir.Graph("main", ts, [node], [0], [2])])
    d = tmp_path_factory.mktemp("prog")
    path = d / "tiny.selrt"
    path.write_bytes(convert(model).program)
    x = np.arange(24, dtype=np.float32).reshape(1, 2, 3, 4) / 10 - 1.0
    return path, x, bias


@pytest.mark.qemu
@pytest.mark.parametrize("target", RUNNABLE)
def test_program_runs(target, program, build_root, tmp_path) -> None:
    av = toolchain_loader.availability(target)
    if not av.ok:
        pytest.skip(av.reason)
    cfg = BuildConfig(path=build_root / "pilot.yaml", name="pilot", models=[], targets=[target],
                      ops={k: [] for k in KERNELS})
    r = build_target(cfg, target, out_root=build_root)
    prefix = toolchain_loader.run_prefix(target, r.out_dir)
    if prefix is None:
        pytest.skip(f"{target}: qemu not installed")
    assert r.runner is not None
    path, x, bias = program
    (tmp_path / "in").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "in" / "input_0.bin").write_bytes(x.tobytes())
    proc = subprocess.run([*prefix, str(r.runner), str(path), str(tmp_path / "in"), str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    y = np.frombuffer((tmp_path / "out" / "output_0.bin").read_bytes(), dtype=np.float32).reshape(x.shape)
    np.testing.assert_array_equal(y, np.maximum(x + bias, 0))


@pytest.mark.qemu
def test_android_runner_loads_the_android_so(build_root) -> None:
    """The runner under qemu resolves libselrt.so to the Android build, not a glibc one."""
    if not toolchain_loader.availability("android-arm64").ok:
        pytest.skip("android-arm64 not buildable")
    import lief
    cfg = BuildConfig(path=build_root / "pilot.yaml", name="pilot", models=[], targets=["android-arm64"],
                      ops={k: [] for k in KERNELS})
    r = build_target(cfg, "android-arm64", out_root=build_root)
    runner = lief.parse(str(r.runner))
    assert "libselrt.so" in runner.libraries
    so = lief.parse(str(r.library))
    assert set(so.libraries) == {"libc.so", "libm.so", "libdl.so"}   # bionic names, served by the shim
    for name in ("libc.so", "libm.so", "libdl.so"):
        assert (r.out_dir / "shim" / name).resolve().is_file()
