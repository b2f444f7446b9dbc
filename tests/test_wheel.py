"""selbuild as a real package: `python -m build` makes an sdist and a wheel
whose selbuild/_data/ holds the runtime sources, toolchains, SConstruct and
config schema; the wheel installed into a fresh venv in a temporary folder
outside the repository analyzes a model, writes its config, builds it for
host and android-arm64 and runs it (host, and android-arm64 under qemu),
matching LiteRT.

The fresh venv gets the wheel alone (pip --no-deps, no index); its heavy
dependencies (numpy, SCons, flatbuffers ...) come from this interpreter's
site-packages through a .pth line, which adds the folder but runs none of its
.pth files, so the repository's editable install stays out. The subprocess
proves where selbuild was imported from.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from harness import assert_close, litert
from selbuild import REPO_ROOT, toolchain_loader
from selbuild.build import build_target
from selbuild.config import load_config

pytestmark = pytest.mark.slow

MODEL = REPO_ROOT / "tests" / "models" / "tflite" / "tiny_cnn_f32.tflite"
# What the package must carry to build without a checkout (paths inside selbuild/_data/).
DATA = ("SConstruct", "configs/schema.json", "runtime_src/SConscript", "runtime_src/kernels/kernels.yaml",
        "runtime_src/include/selrt.h", "runtime_src/tools/selrt_run.c", "toolchains/host.py",
        "toolchains/android.py", "toolchains/minisys/include/math.h")
SOURCES = ("selbuild", "runtime_src", "toolchains", "SConstruct", "configs/schema.json", "setup.py",
           "MANIFEST.in", "pyproject.toml")


def _copy_sources(dst: Path) -> Path:
    """The files the build reads, copied so `python -m build` writes its build/
    and egg-info into a temporary folder, never into the checkout."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".sconsign*", "*.egg-info")
    for rel in SOURCES:
        src, out = REPO_ROOT / rel, dst / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, out, ignore=ignore)
        else:
            shutil.copy2(src, out)
    return dst


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("wheel")
    assert not tmp.is_relative_to(REPO_ROOT)
    src = _copy_sources(tmp / "src")
    dist = tmp / "dist"
    # --no-isolation: this venv's setuptools, no download.
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(src)], cwd=tmp)
    wheel = next(dist.glob("selbuild-*.whl"))
    sdist = next(dist.glob("selbuild-*.tar.gz"))
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp)
    py = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", "--no-index",
          str(wheel)], cwd=tmp)
    purelib = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                        cwd=tmp).strip())
    (purelib / "_selbuild_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return {"wheel": wheel, "sdist": sdist, "venv": venv, "py": py, "env": env, "work": tmp / "app"}


def test_wheel_and_sdist_carry_the_sources(installed) -> None:
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    missing = [d for d in DATA if f"selbuild/_data/{d}" not in names]
    assert not missing, f"wheel lacks {missing}"
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    # Every file of the package itself, data files beside the modules included.
    own = {p.relative_to(REPO_ROOT).as_posix() for p in (REPO_ROOT / "selbuild").rglob("*")
           if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    assert not sorted(own - names), f"wheel lacks package files {sorted(own - names)[:10]}"
    with tarfile.open(installed["sdist"]) as tar:
        members = {m.split("/", 1)[1] for m in tar.getnames() if "/" in m}
    assert not [d for d in DATA if d not in members], "sdist lacks sources the wheel build needs"


def test_installed_wheel_analyzes_builds_and_runs(installed, tmp_path) -> None:
    py, env, work = installed["py"], installed["env"], installed["work"]
    work.mkdir()
    model = work / MODEL.name
    shutil.copy2(MODEL, model)
    where = _run([str(py), "-c", "import selbuild; print(selbuild.__file__); print(selbuild.REPO_ROOT)"],
                 cwd=work, env=env).split()
    venv = installed["venv"].resolve()
    assert Path(where[0]).resolve().is_relative_to(venv), f"selbuild imported from {where[0]}, not the venv"
    assert Path(where[1]).resolve().is_relative_to(venv), f"sources read from {where[1]}, not the wheel"

    cli = str(installed["venv"] / "bin" / "selbuild")    # the wheel's console script
    out = _run([cli, "analyze", model.name], cwd=work, env=env)
    assert "conv2d" in out.lower() or "CONV_2D" in out
    _run([cli, "config", "init", model.name, "-o", "app.yaml", "--target", "host", "--target", "android-arm64"],
         cwd=work, env=env)
    _run([cli, "config", "check", "app.yaml"], cwd=work, env=env)
    _run([cli, "build", "app.yaml"], cwd=work, env=env)
    for t in ("host", "android-arm64"):
        assert (work / "build" / "app" / t / "libselrt.so").is_file(), t

    rng = np.random.default_rng(7)
    from ai_edge_litert.interpreter import Interpreter
    details = Interpreter(model_path=str(model)).get_input_details()
    inputs = {d["name"]: rng.standard_normal(d["shape"]).astype(np.float32) for d in details}
    np.savez(work / "in.npz", **inputs)
    ref = litert(model, inputs)
    targets = ["host"]
    if toolchain_loader.run_prefix("android-arm64", work / "build" / "app" / "android-arm64") is not None:
        targets.append("android-arm64")       # under qemu
    for t in targets:
        _run([cli, "run", "app.yaml", model.name, "--target", t, "--inputs", "in.npz", "--outputs", f"{t}.npz"],
             cwd=work, env=env)
        with np.load(work / f"{t}.npz") as z:
            assert_close({k: z[k] for k in z.files}, ref)

    # Same sources, same bytes: the wheel's host library is the checkout's.
    dev = build_target(load_config(work / "app.yaml"), "host", out_root=tmp_path / "dev")
    assert (work / "build" / "app" / "host" / "libselrt.so").read_bytes() == dev.library.read_bytes()


def test_installed_wheel_doctor_and_demo_without_checkout(installed, tmp_path) -> None:
    """doctor finds the shipped toolchain modules; demo, whose default config and
    models live only in a checkout, says so in one error line (exit 2)."""
    cli, env = str(installed["venv"] / "bin" / "selbuild"), installed["env"]
    out = _run([cli, "doctor"], cwd=tmp_path, env=env)
    assert "android-arm64" in out and "host" in out
    proc = subprocess.run([cli, "demo"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "checkout" in proc.stderr
    assert [line for line in proc.stderr.splitlines() if line.startswith("error:")] == [proc.stderr.splitlines()[0]]
