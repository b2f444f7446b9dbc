"""Reproducible from anywhere: two copies of the source tree at different
absolute paths, built under different TZ, LANG and umask, one with and one
without SOURCE_DATE_EPOCH, give bit-identical libraries, link maps, runners
and .selrt programs for every target this machine builds, the same AAR, and
identical request.json, manifest.json and size.json (the build dirs name no
checkout path).

Each copy runs the `selbuild` CLI in a subprocess with PYTHONPATH at the copy,
so the copy's own SConstruct, runtime_src/ and toolchains/ are what builds
(checked: the subprocess reports where it imported selbuild from). The build
dirs are the copies' own ./build, as a user's would be.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from selbuild import REPO_ROOT, toolchain_loader
from selbuild.targets import TARGETS

pytestmark = pytest.mark.slow

CONFIG = "configs/tiny_cnn_f32.yaml"         # the bundled config with the smallest model
MODEL = "tests/models/tflite/tiny_cnn_f32.tflite"
STEM = "tiny_cnn_f32"
# What a build dir holds that must be the same bytes everywhere (None: the target has none).
ARTIFACTS = ("library", "unstripped", "libselrt.a", "libselrt.map", "selrt_run", "manifest.json", "request.json",
             "size.json")
# Files the copy's root holds after `convert` and `package --aar` (zips: entry order and timestamps).
OUTPUTS = ("tiny.selrt", "tiny.aar", "tiny.native-debug-symbols.zip", "tiny.pom")


@dataclass(frozen=True)
class Setting:
    name: str
    dirname: str              # where the copy goes, under tmp_path
    env: dict[str, str]
    umask: int


SETTINGS = (
    Setting("A", "a", {"TZ": "UTC", "LANG": "C", "LC_ALL": "C"}, 0o022),
    # Deeper, longer path; another zone, locale and umask; SOURCE_DATE_EPOCH set.
    Setting("B", "second/copy-with-a-much-longer-path-name", {"TZ": "Pacific/Chatham", "LANG": "de_DE.UTF-8",
            "LC_ALL": "de_DE.UTF-8", "SOURCE_DATE_EPOCH": "1234567890"}, 0o077),
)


def copy_tree(dst: Path) -> Path:
    """The parts of the repository a user's build reads, nothing generated."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "build", ".sconsign*")
    for d in ("selbuild", "runtime_src", "toolchains", "configs"):
        shutil.copytree(REPO_ROOT / d, dst / d, ignore=ignore)
    shutil.copy2(REPO_ROOT / "SConstruct", dst / "SConstruct")
    (dst / MODEL).parent.mkdir(parents=True)
    shutil.copy2(REPO_ROOT / MODEL, dst / MODEL)
    return dst


def _env(root: Path, s: Setting) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "PYTHONPATH")}
    env.update(s.env)
    env["PYTHONPATH"] = str(root)
    return env


def _selbuild(root: Path, s: Setting, *args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "selbuild", *args], cwd=root, env=_env(root, s),
                          capture_output=True, text=True, timeout=600, preexec_fn=lambda: os.umask(s.umask))
    assert proc.returncode == 0, f"{s.name}: selbuild {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _files(out: Path) -> dict[str, Path | None]:
    lib = next(out.glob("libselrt.dylib"), None) or out / "libselrt.so"
    unstripped = next(out.glob("libselrt.unstripped.*"))
    files: dict[str, Path | None] = {"library": lib, "unstripped": unstripped}
    for name in ARTIFACTS[2:]:
        files[name] = out / name if (out / name).exists() else None
    return files


def _digest(p: Path | None) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()[:12] if p else "-"


def _build_copy(root: Path, s: Setting, targets: list[str]) -> Path:
    copy_tree(root)
    where = subprocess.run([sys.executable, "-c", "import selbuild; print(selbuild.__file__)"], cwd=root,
                           env=_env(root, s), capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(root), f"copy {s.name} imported selbuild from {where}"
    args = ["build", CONFIG]
    for t in targets:
        args += ["--target", t]
    _selbuild(root, s, *args)
    _selbuild(root, s, "convert", MODEL, "-o", "tiny.selrt")
    # The AAR reuses the android-* builds' sources in its own <target>.aar dirs (JNI, own soname).
    if {"android-arm64", "android-armv7"} <= set(targets):
        _selbuild(root, s, "package", CONFIG, "--aar", "tiny.aar")
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    targets = [t for t in TARGETS if toolchain_loader.availability(t).ok]
    tmp = tmp_path_factory.mktemp("repro")
    # Both copies at once: independent trees, and it halves the wall time.
    with ThreadPoolExecutor(len(SETTINGS)) as pool:
        futures = {s.name: pool.submit(_build_copy, tmp / s.dirname, s, targets) for s in SETTINGS}
        copies = {name: f.result() for name, f in futures.items()}
    return {"targets": targets, "copies": copies}


def test_every_target_bit_identical_across_copies(built) -> None:
    a, b = (built["copies"][s.name] for s in SETTINGS)
    rows, differ = [], []
    for t in built["targets"]:
        fa, fb = _files(a / "build" / STEM / t), _files(b / "build" / STEM / t)
        cells = []
        for name in ARTIFACTS:
            pa, pb = fa[name], fb[name]
            assert (pa is None) == (pb is None), f"{t}: {name} exists in one copy only"
            same = pa is None or pa.read_bytes() == pb.read_bytes()
            if not same:
                differ.append(f"{t}/{name}: {pa} vs {pb}")
            cells.append(("same " if same else "DIFF ") + _digest(pa) if pa else "-")
        rows.append((t, cells))
    outputs = []
    for name in OUTPUTS:
        pa, pb = a / name, b / name
        assert pa.exists() == pb.exists(), f"{name} exists in one copy only"
        if not pa.exists():
            continue
        same = pa.read_bytes() == pb.read_bytes()
        if not same:
            differ.append(f"{name}: {pa} vs {pb}")
        outputs.append((name, ("same " if same else "DIFF ") + _digest(pa), pa.stat().st_size))
    print(f"\nreproducibility matrix: copy A at {a} ({SETTINGS[0].env}, umask {SETTINGS[0].umask:03o})")
    print(f"                        copy B at {b} ({SETTINGS[1].env}, umask {SETTINGS[1].umask:03o})")
    print(f"{'target':16s}" + "".join(f"{n:20s}" for n in ARTIFACTS))
    for t, cells in rows:
        print(f"{t:16s}" + "".join(f"{c:20s}" for c in cells))
    for name, cell, size in outputs:
        print(f"{name:32s}{cell:20s}{size:,} B")
    assert not differ, "not reproducible:\n" + "\n".join(differ)


def test_build_dirs_name_no_checkout_path(built) -> None:
    """manifest.json / request.json / size.json are relative: neither copy's path appears in them."""
    for s in SETTINGS:
        root = built["copies"][s.name]
        for t in built["targets"]:
            for name in ("manifest.json", "request.json", "size.json"):
                text = (root / "build" / STEM / t / name).read_text()
                assert str(root) not in text and str(root.parent) not in text, f"{s.name} {t}/{name} names {root}"
