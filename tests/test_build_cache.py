"""A shared SCons CacheDir serves builds from another checkout path, like two
CI machines whose workspaces differ: command lines hold only repo-relative
paths (and the path-dependent flags sit inside $( $))."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from selbuild import REPO_ROOT

SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    import selbuild
    assert Path(selbuild.__file__).resolve().is_relative_to(Path.cwd().resolve()), selbuild.__file__
    from selbuild.config import BuildConfig, BuildOptions
    from selbuild.build import build_target
    target = sys.argv[2]
    cfg = BuildConfig(path=Path("ci.yaml"), name="ci", models=[], targets=[target],
                      ops={"relu.f32": []}, build=BuildOptions(cache_dir=sys.argv[1]))
    lines = []
    r = build_target(cfg, target, progress=lines.append)
    print("\\n".join(lines))
    print("LIBRARY", r.library)
""")


def checkout(dst: Path) -> Path:
    for name in ("selbuild", "toolchains", "runtime_src"):
        shutil.copytree(REPO_ROOT / name, dst / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(REPO_ROOT / "SConstruct", dst / "SConstruct")
    return dst


@pytest.mark.slow
@pytest.mark.parametrize("target", ["host", "android-arm64", "ios-arm64"])
def test_cache_hits_across_checkout_paths(tmp_path, target) -> None:
    """Two clones at different absolute paths share one cache_dir: the second compiles nothing.
    Cross targets too: their compile lines name the minisys headers and stubs repo-relative."""
    from selbuild import toolchain_loader
    av = toolchain_loader.availability(target)
    if not av.ok:
        pytest.skip(av.reason)
    cache = tmp_path / "shared-cache"
    outs = []
    for name in ("workspace-a", "another/workspace-b"):
        repo = checkout(tmp_path / name)
        r = subprocess.run([sys.executable, "-c", SCRIPT, str(cache), target], cwd=repo, capture_output=True, text=True,
                           env={"PATH": "/usr/local/bin:/usr/bin:/bin", "PYTHONPATH": str(repo)}, timeout=600)
        assert r.returncode == 0, r.stdout + r.stderr
        outs.append(r.stdout)
    first, second = outs
    assert "CC " in first and "Retrieved" not in first
    compiled = [line for line in second.splitlines() if line.startswith("CC ")]
    retrieved = [line for line in second.splitlines() if line.startswith("Retrieved") and line.endswith(".o' from cache")]
    assert not compiled, compiled
    assert len(retrieved) >= 5
    lib_a = Path(first.split("LIBRARY ")[1].strip())
    lib_b = Path(second.split("LIBRARY ")[1].strip())
    assert lib_a != lib_b and lib_a.read_bytes() == lib_b.read_bytes()
