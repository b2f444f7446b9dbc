"""Data safety under SIGKILL (issue 19 item 4): `config init`, `build`, `package`
and `size -o` killed at random moments never leave a torn output: each output
file is always byte-for-byte the old complete version or the new complete one.

Each command alternates between two inputs whose outputs differ (A and B, both
produced by complete runs first), and is SIGKILLed after a random delay drawn
over its measured run time, so kills land anywhere from start-up to the final
rename (and some after the end: those must give the new version)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import TFLITE_MODELS
from selbuild import REPO_ROOT, toolchain_loader

RNG = random.Random(194)
ANDROID = "android-arm64"


def selbuild(args: list, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.Popen([sys.executable, "-m", "selbuild", *map(str, args)], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def complete(args: list, cwd: Path) -> float:
    """Run to the end; its duration (the range kill delays are drawn from)."""
    t = time.monotonic()
    p = selbuild(args, cwd)
    _, err = p.communicate(timeout=600)
    assert p.returncode == 0, err
    return time.monotonic() - t


def settle(marker: str, timeout: float = 10) -> None:
    """Wait until no process mentions `marker` (the build guard finishing after a kill)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        busy = False
        for d in Path("/proc").iterdir():
            if d.name.isdigit():
                try:
                    if marker.encode() in (d / "cmdline").read_bytes() and \
                            (d / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                        busy = True
                        break
                except OSError:
                    continue
        if not busy:
            return
        time.sleep(0.05)
    raise AssertionError(f"processes for {marker} still running after {timeout} s")


def kill_at_random(args: list, cwd: Path, span: float, marker: str | None = None) -> bool:
    """SIGKILL the command after a random delay in [0, 1.2 * span); True if it was still running."""
    p = selbuild(args, cwd)
    time.sleep(RNG.uniform(0, 1.2 * span))
    alive = p.poll() is None
    p.send_signal(signal.SIGKILL)
    p.communicate(timeout=60)
    if marker:
        settle(marker)
    return alive


def kill_after_line(args: list, cwd: Path, prefix: str, marker: str) -> bool:
    """SIGKILL the command just after it prints a line starting with `prefix` (a
    build step such as STRIP: the moments an artifact is being replaced). Its
    guard then stops SCons mid-step: the staged artifacts must keep it safe."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"}
    p = subprocess.Popen([sys.executable, "-m", "selbuild", *map(str, args)], cwd=cwd, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert p.stdout is not None
    for line in p.stdout:
        if line.strip().startswith(prefix):
            time.sleep(RNG.uniform(0, 0.15))
            break
    alive = p.poll() is None
    p.send_signal(signal.SIGKILL)
    p.communicate(timeout=60)
    settle(marker)
    return alive


def snapshot(files: list[Path]) -> dict[str, bytes | None]:
    return {f.name: (f.read_bytes() if f.exists() else None) for f in files}


def assert_old_or_new(files: list[Path], versions: list[dict], what: str) -> None:
    for f in files:
        got = f.read_bytes() if f.exists() else None
        allowed = [v[f.name] for v in versions]
        assert got is not None and got in allowed, f"{what}: {f.name} is torn or missing ({len(got or b'')} B)"


def trials(n: int, files: list[Path], versions: list[dict], run, what: str) -> int:
    """n kills alternating between the two versions; returns how many hit a running command."""
    hits = 0
    for i in range(n):
        hits += run(i % 2)
        assert_old_or_new(files, versions, f"{what} trial {i}")
    return hits


KILLS: dict[str, tuple[int, int]] = {}     # command -> (kills, of which mid-run), for the summary


def test_config_init_and_size_under_kill(tmp_path, build_root) -> None:
    models = [tmp_path / "sine.tflite", tmp_path / "cnn.tflite"]
    shutil.copy(TFLITE_MODELS / "sine_float.tflite", models[0])
    shutil.copy(TFLITE_MODELS / "tiny_cnn_f32.tflite", models[1])
    cfg = tmp_path / "app.yaml"
    # Delays are drawn from the faster complete run: the first one also pays
    # cold imports, and on a loaded machine a longer span put most kills
    # after the command had finished (too few mid-run hits to count).
    versions, spans = [], []
    for m in models:
        spans.append(complete(["config", "init", m, "-o", cfg, "--force"], tmp_path))
        versions.append(snapshot([cfg]))
    assert versions[0] != versions[1]
    hits = trials(8, [cfg], versions, lambda k: kill_at_random(
        ["config", "init", models[k], "-o", cfg, "--force"], tmp_path, min(spans)), "config init")
    for bak in tmp_path.glob("app.yaml.bak*"):      # backups are complete files too
        assert bak.read_bytes() in (versions[0]["app.yaml"], versions[1]["app.yaml"]), bak
    KILLS["config init"] = (8, hits)

    from selbuild.build import build_target
    from selbuild.config import load_config
    lib = build_target(load_config(REPO_ROOT / "configs" / "tiny_cnn_f32.yaml"), "host",
                       out_root=build_root).library
    report = tmp_path / "size.out"
    formats = ["json", "text"]
    versions, spans = [], []
    for f in formats:
        spans.append(complete(["size", lib, "--format", f, "-o", report], tmp_path))
        versions.append(snapshot([report]))
    assert versions[0] != versions[1]
    hits = trials(8, [report], versions, lambda k: kill_at_random(
        ["size", lib, "--format", formats[k], "-o", report], tmp_path, min(spans)), "size -o")
    KILLS["size -o"] = (8, hits)
    print("kills (total, mid-run):", KILLS)
    assert KILLS["config init"][1] >= 3 and hits >= 3, KILLS


EXTRA = ["extra_ops: [relu.f32]", "extra_ops: []"]     # two configs whose libraries differ


@pytest.mark.slow          # real builds and javac: 60 s idle, minutes on a loaded machine
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_build_and_package_under_kill(tmp_path) -> None:
    if not toolchain_loader.availability(ANDROID).ok:
        pytest.skip(f"{ANDROID} not buildable here")
    cfg, root = tmp_path / "killtest.yaml", tmp_path / "builds"
    shutil.copy(TFLITE_MODELS / "sine_float.tflite", tmp_path / "sine.tflite")
    complete(["config", "init", tmp_path / "sine.tflite", "-o", cfg, "--target", ANDROID], tmp_path)
    base = cfg.read_text()
    assert EXTRA[1] in base
    texts = [base.replace(EXTRA[1], e) for e in EXTRA]
    out = root / "killtest" / ANDROID
    artifacts = [out / n for n in ("libselrt.so", "libselrt.unstripped.so", "libselrt.a", "libselrt.map",
                                   "manifest.json", "size.json")]
    versions, spans = [], []
    for text in texts:
        cfg.write_text(text)
        spans.append(complete(["build", cfg, "--out", root], tmp_path))
        versions.append(snapshot(artifacts))
    assert versions[0]["libselrt.so"] != versions[1]["libselrt.so"]

    cfg.write_text(texts[0])
    span = complete(["build", cfg, "--out", root], tmp_path)    # a switch: relinks only
    assert snapshot(artifacts) == versions[0], "the build is not reproducible"
    steps = ["LINK ", "STRIP ", "AR ", "MANIFEST", "RUNNER ", None, "STRIP ", None]

    def build(k: int, step: list = []) -> bool:
        cfg.write_text(texts[k])
        args = ["build", cfg, "--out", root]
        prefix = steps[len(step) % len(steps)]
        step.append(prefix)
        if prefix is None:
            return kill_at_random(args, tmp_path, span, marker=str(root))
        return kill_after_line(args, tmp_path, prefix, marker=str(root))
    hits = trials(len(steps), artifacts, versions, build, "build")
    KILLS["build"] = (len(steps), hits)

    aar = tmp_path / "app.aar"
    files = [aar, tmp_path / "app.pom", tmp_path / "app.native-debug-symbols.zip"]
    versions, spans = [], []
    for text in texts:
        cfg.write_text(text)
        spans.append(complete(["package", cfg, "--aar", aar, "--out", root], tmp_path))
        versions.append(snapshot(files))
    assert versions[0]["app.aar"] != versions[1]["app.aar"]

    cfg.write_text(texts[0])
    span = complete(["package", cfg, "--aar", aar, "--out", root], tmp_path)
    assert snapshot(files) == versions[0], "the package is not reproducible"

    def package(k: int) -> bool:
        cfg.write_text(texts[k])
        return kill_at_random(["package", cfg, "--aar", aar, "--out", root], tmp_path, span,
                              marker=str(root))
    hits2 = trials(4, files, versions, package, "package")
    KILLS["package"] = (4, hits2)
    assert hits >= 3 and hits2 >= 2, KILLS
    print("kills (total, mid-run):", KILLS)
