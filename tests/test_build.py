"""selbuild build on the host: artifacts, manifest, exports, errors, no-op rebuilds.

Real compiler, real SCons, real LIEF. The build dir is shared by the session
(and by xdist workers: build_target serializes per dir with a file lock)."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import lief
import pytest

from selbuild.build import build_target, scons_command
from selbuild.config import BuildConfig, BuildOptions
from selbuild.errors import BuildError, ConfigError, ToolchainError

KERNELS = ["add.f32", "relu.f32"]


def make_config(tmp: Path, name: str, kernels: list[str], **kw) -> BuildConfig:
    return BuildConfig(path=tmp / f"{name}.yaml", name=name, models=[], targets=["host"],
                       ops={k: [] for k in kernels}, **kw)


@pytest.fixture(scope="session")
def host_build(build_root):
    cfg = make_config(build_root, "pilot", KERNELS)
    return build_target(cfg, "host", out_root=build_root)


def test_host_artifacts_exist(host_build) -> None:
    r = host_build
    assert r.out_dir.name == "host" and r.out_dir.parent.name == "pilot"
    for p in (r.library, r.unstripped, r.static_library, r.map, r.manifest, r.runner):
        assert p is not None and p.is_file(), p
    assert r.library.name == "libselrt.so"
    assert r.library.stat().st_size < r.unstripped.stat().st_size
    assert r.dylib is None


def test_manifest_contract(host_build) -> None:
    m = json.loads(host_build.manifest.read_text())
    for key in ("schema", "target", "profile", "config", "config_sha256", "kernels", "backends",
                "toolchain", "cflags", "ldflags", "objects", "artifacts"):
        assert key in m, key
    assert m["schema"] == 1 and m["target"] == "host" and m["profile"] == "size"
    assert m["kernels"] == KERNELS
    assert set(m["toolchain"]) >= {"family", "cc", "cc_version", "ndk", "xcode"}
    assert "-fvisibility=hidden" in m["cflags"] and "-Wl,--gc-sections" in m["ldflags"]
    base = host_build.manifest.parent
    for key in ("library", "unstripped", "static_library", "map", "runner"):
        assert not Path(m["artifacts"][key]).is_absolute()
        assert (base / m["artifacts"][key]).is_file()
    owners = {o["owner"]: o for o in m["objects"]}
    for o in m["objects"]:
        assert (base / o["object"]).is_file(), o
        assert o["kind"] in {"op", "core", "shared", "backend"}
    assert owners["add.f32"]["kind"] == "op" and owners["add.f32"]["source"] == "kernels/add/add_f32.c"
    assert owners["relu.f32"]["kind"] == "op"
    assert any(o["kind"] == "core" and o["owner"] == "[core]" for o in m["objects"])
    shared = [o for o in m["objects"] if o["kind"] == "shared"]
    assert shared and all(o["owner"] == "[shared]" and o["used_by"] for o in shared)
    # Nothing of a kernel outside the selection was compiled.
    assert not any(o["owner"] == "conv2d.f32" for o in m["objects"])


def test_only_selrt_symbols_exported(host_build) -> None:
    b = lief.parse(str(host_build.library))
    exported = {s.name for s in b.dynamic_symbols if s.exported}
    assert exported and all(n.startswith("selrt_") for n in exported), sorted(exported)
    assert "selrt_program_load" in exported and "selrt_run" in exported
    # No kernel internals leak out: they are hidden and reachable only via the table.
    assert not any(n.startswith("selrt_add_f32") for n in exported)
    assert b.has(lief.ELF.DynamicEntry.TAG.SONAME)
    assert b.get(lief.ELF.DynamicEntry.TAG.SONAME).name == "libselrt.so"
    assert not b.has(lief.ELF.DynamicEntry.TAG.TEXTREL)


def test_runner_is_linked_against_the_library(host_build) -> None:
    r = subprocess.run([str(host_build.runner)], capture_output=True, text=True)
    assert r.returncode == 2 and "usage" in r.stderr
    runner = lief.parse(str(host_build.runner))
    assert "libselrt.so" in runner.libraries


def test_second_build_changes_nothing(host_build, build_root) -> None:
    before = {p: p.stat().st_mtime_ns for p in host_build.out_dir.glob("libselrt*")}
    again = build_target(make_config(build_root, "pilot", KERNELS), "host", out_root=build_root)
    after = {p: p.stat().st_mtime_ns for p in again.out_dir.glob("libselrt*")}
    assert before == after


def test_unknown_kernels_fail_with_full_list(tmp_path) -> None:
    cfg = make_config(tmp_path, "bad", ["add.f32", "nope.f32", "conv3d.i4"])
    with pytest.raises(ConfigError) as e:
        build_target(cfg, "host", out_root=tmp_path)
    text = " ".join(msg for _, msg in e.value.problems)
    assert "nope.f32" in text and "conv3d.i4" in text and "add.f32" not in text
    assert not (tmp_path / "bad").exists()


def test_missing_launcher_is_a_toolchain_error(tmp_path) -> None:
    cfg = make_config(tmp_path, "launch", KERNELS, build=BuildOptions(compiler_launcher="ccache-not-here"))
    with pytest.raises(ToolchainError) as e:
        build_target(cfg, "host", out_root=tmp_path)
    assert "ccache-not-here" in e.value.message and e.value.hint


def test_failed_build_hint_reproduces(tmp_path) -> None:
    # `false` as compiler launcher: every compile fails, exactly like a compiler error.
    cfg = make_config(tmp_path, "fails", KERNELS)
    with pytest.raises(BuildError) as e:
        build_target(cfg, "host", out_root=tmp_path, launcher="false")
    hint = e.value.hint
    assert hint.startswith("reproduce with: ")
    cmd = shlex.split(hint[len("reproduce with: "):])
    assert cmd == scons_command(tmp_path / "fails" / "host" / "request.json")
    assert cmd[0] == sys.executable
    again = subprocess.run(cmd, capture_output=True, text=True)
    assert again.returncode != 0


def test_cache_dir_serves_a_wiped_build(tmp_path) -> None:
    import shutil
    cache = tmp_path / "cache"
    cfg = make_config(tmp_path, "cached", ["relu.f32"], build=BuildOptions(cache_dir=str(cache)))
    first = build_target(cfg, "host", out_root=tmp_path / "out")
    data = first.library.read_bytes()
    assert any(cache.rglob("*")), "SCons CacheDir stayed empty"
    shutil.rmtree(tmp_path / "out")
    lines: list[str] = []
    second = build_target(cfg, "host", out_root=tmp_path / "out", progress=lines.append)
    assert any(line.startswith("Retrieved") for line in lines), lines
    assert not any(line.startswith("CC ") for line in lines), lines
    assert second.library.read_bytes() == data


MOBILENET = Path(__file__).resolve().parent / "models" / "tflite" / "mobilenetv2_a100_224_f32.tflite"
MOBILENET_NEEDS = ["add.f32", "conv2d.f32", "depthwise_conv2d.f32", "fully_connected.f32", "mean.f32", "softmax.f32"]


def test_uncovered_model_ops_fail_with_full_list(tmp_path) -> None:
    from selbuild.config import ModelRef
    if not MOBILENET.exists():
        pytest.skip("mobilenet test model missing")
    cfg = BuildConfig(path=tmp_path / "short.yaml", name="short", models=[ModelRef(MOBILENET)],
                      targets=["host"], ops={"add.f32": ["mobilenetv2_a100_224_f32"]})
    with pytest.raises(ConfigError) as e:
        build_target(cfg, "host", out_root=tmp_path)
    text = "\n".join(msg for _, msg in e.value.problems)
    for k in MOBILENET_NEEDS[1:]:
        assert k in text, k
    assert "add.f32" not in text
    assert not (tmp_path / "short").exists()


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "selbuild", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


def test_cli_uncovered_yaml_config_lists_everything(tmp_path) -> None:
    if not MOBILENET.exists():
        pytest.skip("mobilenet test model missing")
    (tmp_path / "short.yaml").write_text(
        f"schema_version: 1\nname: short\nmodels:\n  - path: {MOBILENET}\ntargets: [host]\n"
        "ops:\n  add.f32: [mobilenetv2_a100_224_f32]\n")
    r = _cli("build", "short.yaml", "--target", "host", cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    for k in MOBILENET_NEEDS[1:]:
        assert k in r.stderr, (k, r.stderr)
    assert not (tmp_path / "build").exists()


def test_cli_build_json(tmp_path) -> None:
    from selbuild import REPO_ROOT
    config = REPO_ROOT / "configs" / "tiny_cnn_f32.yaml"
    r = _cli("build", str(config), "--target", "host", "--json", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    [art] = data["artifacts"]
    assert set(art) == {"target", "library", "static_library", "unstripped", "manifest"}
    assert art["target"] == "host"
    assert Path(art["library"]) == tmp_path / "out" / "tiny_cnn_f32" / "host" / "libselrt.so"
    for key in ("library", "static_library", "unstripped", "manifest"):
        assert Path(art[key]).is_file()
    assert "CC " in r.stderr            # progress goes to stderr, JSON alone on stdout
    manifest = json.loads(Path(art["manifest"]).read_text())
    assert manifest["config"].endswith("configs/tiny_cnn_f32.yaml")


def test_launcher_prefixes_compiles(tmp_path) -> None:
    # `env` is a do-nothing launcher that exists everywhere: `env clang-19 ...`.
    cfg = make_config(tmp_path, "launched", ["relu.f32"])
    lines: list[str] = []
    r = build_target(cfg, "host", out_root=tmp_path, launcher="env", verbose=True, progress=lines.append)
    compiles = [line for line in lines if " -c " in line]
    assert compiles and all(line.startswith("env ") for line in compiles)
    links = [line for line in lines if "libselrt.unstripped.so" in line and " -o " in line]
    assert links and not any(line.startswith("env ") for line in links)
    assert r.library.is_file()


def test_speed_profile_and_lto(tmp_path) -> None:
    cfg = make_config(tmp_path, "fast", ["relu.f32"], build=BuildOptions(lto=True))
    r = build_target(cfg, "host", out_root=tmp_path, profile="speed")
    m = json.loads(r.manifest.read_text())
    assert m["profile"] == "speed" and m["lto"] is True
    assert "-O2" in m["cflags"] and "-Oz" not in m["cflags"] and "-flto" in m["cflags"]
    assert "-flto" in m["ldflags"]
    elf = lief.parse(str(r.library))      # keep the Binary alive while iterating its symbols
    exported = {s.name for s in elf.dynamic_symbols if s.exported}
    assert "selrt_run" in exported and all(n.startswith("selrt_") for n in exported)
    # The static library holds real objects (not LTO bitcode) an app can link with any compiler.
    from selbuild.package import ar_members
    for name, data in ar_members(r.static_library.read_bytes()):
        assert data[:4] == b"\x7fELF", name


def test_unavailable_toolchain_names_the_install_line(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SELBUILD_HOST_CC", "gcc")
    monkeypatch.setenv("PATH", str(tmp_path))          # no gcc, no cc
    cfg = make_config(tmp_path, "nocc", KERNELS)
    with pytest.raises(ToolchainError) as e:
        build_target(cfg, "host", out_root=tmp_path)
    assert "host" in e.value.message and "apt-get install" in e.value.hint


def test_host_build_with_gcc(tmp_path, monkeypatch) -> None:
    import shutil as sh
    if not sh.which("gcc"):
        pytest.skip("no gcc")
    monkeypatch.setenv("SELBUILD_HOST_CC", "gcc")
    r = build_target(make_config(tmp_path, "gcc", ["relu.f32"]), "host", out_root=tmp_path)
    m = json.loads(r.manifest.read_text())
    assert m["toolchain"]["cc"] == "gcc" and "-Os" in m["cflags"]
    elf = lief.parse(str(r.library))
    exported = {s.name for s in elf.dynamic_symbols if s.exported}
    assert exported and all(n.startswith("selrt_") for n in exported), exported
    assert subprocess.run([str(r.runner)], capture_output=True).returncode == 2   # usage: it loads and runs


def test_launcher_gets_its_environment(tmp_path, monkeypatch) -> None:
    """CCACHE_*, SCCACHE_*, DISTCC_* (and HOME) reach the launcher; other variables do not.
    The launcher is a real wrapper script that writes what it was given, then runs the compiler."""
    import os
    import stat
    record = tmp_path / "seen.env"
    launcher = tmp_path / "recording-launcher"
    launcher.write_text(f'#!/bin/sh\nenv >> "{record}"\nexec "$@"\n')
    launcher.chmod(launcher.stat().st_mode | stat.S_IXUSR)
    want = {"CCACHE_DIR": str(tmp_path / "ccache"), "CCACHE_BASEDIR": str(tmp_path),
            "SCCACHE_BUCKET": "team-cache", "DISTCC_HOSTS": "localhost/2"}
    for k, v in want.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("SELBUILD_UNRELATED_SECRET", "x")
    cfg = make_config(tmp_path, "envpass", ["relu.f32"])
    r = build_target(cfg, "host", out_root=tmp_path, launcher=str(launcher))
    assert r.library.is_file()
    seen = dict(line.split("=", 1) for line in record.read_text().splitlines() if "=" in line)
    for k, v in want.items():
        assert seen.get(k) == v, k
    assert seen.get("HOME") == os.environ.get("HOME")
    assert "SELBUILD_UNRELATED_SECRET" not in seen
