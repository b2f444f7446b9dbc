"""`selbuild build`: compile the stripped runtime of a config for one target.

Python resolves the request (kernels, backends, target, profile, options),
writes it as JSON into the build dir and runs SCons with this same interpreter
(`python -m SCons -C <repo> REQUEST=<dir>/request.json`); the SConstruct reads
only that JSON. SCons decides what is out of date, so a second build of an
unchanged config recompiles nothing: the build dir is never wiped.

Layout: <out_root>/<config-stem>/<target>/ (out_root defaults to ./build)
with the stripped library, its unstripped twin, libselrt.a, libselrt.map,
selrt_run (where a runner can be built) and manifest.json.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

from selbuild import REPO_ROOT
from selbuild.config import BuildConfig
from selbuild.errors import BuildError, ConfigError, ToolchainError
from selbuild.targets import TARGETS
from selbuild import toolchain_loader

# Where a launcher comes from, for the "not installed" hint.
LAUNCHER_INSTALL = {
    "ccache": "sudo apt-get install -y ccache",
    "sccache": "sudo apt-get install -y sccache   (or: cargo install sccache)",
    "distcc": "sudo apt-get install -y distcc",
}
PROGRESS_PREFIXES = ("CC ", "LINK ", "STRIP ", "AR ", "RUNNER ", "STUB ", "SHIM ", "MANIFEST", "Retrieved")


@dataclass(frozen=True)
class BuildResult:
    target: str
    out_dir: Path
    library: Path              # the stripped, shipped shared library (.so / .dylib)
    unstripped: Path
    static_library: Path
    map: Path
    manifest: Path
    runner: Path | None        # selrt_run linked against `library`; None for iOS
    dylib: Path | None         # iOS: the linked Mach-O image (same file as `library`)
    seconds: float = 0.0

    def as_json(self) -> dict:
        return {"target": self.target, "library": str(self.library), "static_library": str(self.static_library),
                "unstripped": str(self.unstripped), "manifest": str(self.manifest)}


def out_dir_for(config: BuildConfig, target: str, out_root: Path | None = None, variant: str | None = None) -> Path:
    """<out_root>/<config stem>/<target>[.<variant>]: a package build (own library
    name, JNI) lives beside the plain one, so neither rebuilds the other."""
    root = Path(out_root) if out_root is not None else Path.cwd() / "build"
    return (root / config.stem / (f"{target}.{variant}" if variant else target)).resolve()


def config_sha256(config: BuildConfig) -> str:
    """Hash of the YAML file when there is one, else of the dataclass contents."""
    p = Path(config.path)
    if p.is_file():
        return hashlib.sha256(p.read_bytes()).hexdigest()
    data = {f.name: getattr(config, f.name) for f in fields(config)}
    return hashlib.sha256(json.dumps(data, default=str, sort_keys=True).encode()).hexdigest()


def _config_path_from(config: BuildConfig, out: Path) -> str:
    """The config's path relative to the build dir: request.json and manifest.json
    then hold no absolute path, so two clones building their own configs into
    their own ./build write the same bytes (the binaries already are)."""
    return Path(os.path.relpath(Path(config.path).resolve(), out)).as_posix()


def check_config(config: BuildConfig) -> None:
    """Fail before compiling anything, with every problem listed: the config
    validator's (selbuild.config.build_problems: uncovered model ops, unknown
    kernels and backends, delegates no backend stands in for)."""
    from selbuild.config import build_problems

    problems = build_problems(config)
    if problems:
        n = len(problems)
        raise ConfigError(f"{config.stem}: {n} problem{'s' if n != 1 else ''} before building",
                          hint="add the missing ops to `ops:` (selbuild config init regenerates them), "
                               "or remove what the catalogue does not have",
                          problems=problems)


def _cpu_kernels(config: BuildConfig) -> list[str]:
    """With `fallback: none`, the kernels no backend fully covers (selbuild/planning.py)."""
    if not config.backends or config.fallback != "none":
        return config.kernels()
    from selbuild.planning import cpu_kernels
    return cpu_kernels(config)


def check_launcher(launcher: str | None) -> None:
    if not launcher:
        return
    exe = shlex.split(launcher)[0]
    if shutil.which(exe) is None:
        name = Path(exe).name
        raise ToolchainError(f"compiler launcher {exe!r} is not installed",
                             hint=LAUNCHER_INSTALL.get(name, f"install {name} or drop build.compiler_launcher"))


def scons_command(request: Path) -> list[str]:
    jobs = max(1, os.cpu_count() or 1)
    return [sys.executable, "-m", "SCons", "-C", str(REPO_ROOT), "-f", "SConstruct", "-Q",
            f"-j{jobs}", f"REQUEST={request}"]


def _write_if_changed(path: Path, text: str) -> None:
    """Atomically (a killed build leaves the old request/size.json or the new one)."""
    from selbuild.outputs import write_atomic
    if not path.exists() or path.read_text() != text:
        write_atomic(path, text)


def _run_scons(cmd: list[str], progress: Callable[[str], None] | None,
               every_line: bool, out: Path, lock_fd: int) -> tuple[int, list[str]]:
    """Run SCons under selbuild.scons_guard, in its own process group: however
    selbuild ends (Ctrl-C, SIGTERM, SIGKILL), SCons and its compilers stop and
    the build dir keeps no temporaries. The guard holds the build-dir lock
    (`lock_fd`) until its group is gone, so the next build waits for that."""
    # Unbuffered: progress lines arrive as SCons prints them, not in 8 KB chunks.
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    guard = [sys.executable, "-m", "selbuild.scons_guard", str(out), str(os.getpid()), "--", *cmd]
    proc = subprocess.Popen(guard, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=REPO_ROOT, bufsize=1, env=env, process_group=0, pass_fds=(lock_fd,))
    lines: list[str] = []
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            line = line.rstrip("\n")
            lines.append(line)
            if progress and (every_line or line.startswith(PROGRESS_PREFIXES) or ": warning:" in line):
                progress(line)
        return proc.wait(), lines
    except BaseException:          # KeyboardInterrupt, or progress() failing: stop the build
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        raise


def _result(target: str, out: Path, seconds: float) -> BuildResult:
    manifest = out / "manifest.json"
    art = json.loads(manifest.read_text())["artifacts"]

    def p(key: str) -> Path | None:
        return out / art[key] if art.get(key) else None

    return BuildResult(target, out, p("library"), p("unstripped"), p("static_library"), p("map"),
                       manifest, p("runner"), p("dylib"), seconds)


def build_target(config: BuildConfig, target: str, *, out_root: Path | None = None, profile: str | None = None,
                 cache_dir: str | None = None, launcher: str | None = None, lto: bool | None = None,
                 verbose: bool = False, progress: Callable[[str], None] | None = None,
                 extra_cflags: list[str] | None = None, library_name: str | None = None,
                 jni: dict | None = None, variant: str | None = None) -> BuildResult:
    """Build (or bring up to date) the runtime of `config` for `target`.

    extra_cflags (Python API only) are appended to every library compile, for
    experiments such as bench/size.py's -fno-stack-protector variant.
    library_name (lib<name>.so, symbol prefix <name>_), jni ({"class": mangled
    JNI prefix, "exception": class path}) and variant (build dir suffix) are
    what `selbuild package` builds with (selbuild/package.py)."""
    if target not in TARGETS:
        raise ConfigError(f"unknown target {target!r}", hint=f"targets: {', '.join(TARGETS)}")
    from selbuild import custom_ops
    custom_ops.activate(config.custom_ops)
    check_config(config)
    toolchain_loader.require(target)
    opts = config.build
    launcher = launcher if launcher is not None else opts.compiler_launcher
    cache_dir = cache_dir if cache_dir is not None else opts.cache_dir
    check_launcher(launcher)
    if cache_dir:
        cache_dir = str(Path(cache_dir).expanduser().resolve())
        Path(cache_dir).mkdir(parents=True, exist_ok=True)

    out = out_dir_for(config, target, out_root, variant)
    out.mkdir(parents=True, exist_ok=True)
    request = {
        "schema": 1,
        "target": target,
        "profile": profile or config.profile or "size",
        "threads": int(getattr(config, "threads", 1) or 1),
        "config": _config_path_from(config, out),
        "config_sha256": config_sha256(config),
        "kernels": _cpu_kernels(config),
        "backends": sorted(config.backends),
        "backend_ops": config.kernels() if config.backends else [],
        "lto": bool(opts.lto if lto is None else lto),
        "cache_dir": cache_dir,
        "launcher": launcher,
        "verbose": verbose,
        "extra_cflags": list(extra_cflags or []),
        "library_name": library_name or "selrt",
        "jni": jni,
        "custom_ops": [op.to_json(out) for op in config.custom_ops if op.kernel in config.kernels()],
        # Relative to request.json's own folder (the SConstruct resolves it there).
        "out_dir": ".",
    }
    req_path = out / "request.json"
    cmd = scons_command(req_path)
    start = time.monotonic()
    # Two processes building the same dir (parallel tests, two terminals) would
    # corrupt each other's objects and .sconsign: serialize per build dir.
    with open(out / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _write_if_changed(req_path, json.dumps(request, indent=2) + "\n")
        code, lines = _run_scons(cmd, progress, verbose, out, lock.fileno())
    if code != 0:
        custom_failure(config, lines)
        tail = "\n".join(lines[-40:])
        raise BuildError(f"building {config.stem} for {target} failed (scons exit {code}):\n{tail}",
                         hint="reproduce with: " + shlex.join(cmd))
    result = _result(target, out, time.monotonic() - start)
    write_size_report(result)
    return result


def custom_failure(config: BuildConfig, lines: list[str]) -> None:
    """A failed build whose cause is an app's custom-op C file: one clear error,
    the compiler's own message with file and line (docs/custom_ops.md)."""
    import re
    ops = [op for op in config.custom_ops if op.kernel in config.kernels()]
    for op in ops:
        by_name = {s.name: s for s in op.sources}
        for line in lines:
            m = re.match(r"^(\S*?\.c):(\d+):(?:(\d+):)? (?:fatal )?error: (.*)$", line)
            if m and Path(m.group(1)).name in by_name:
                src = by_name[Path(m.group(1)).name]
                raise BuildError(f"custom op {op.kernel}: {src}:{m.group(2)}:{m.group(3) or 1}: error: {m.group(4)}",
                                 hint=f"fix the C file; {op.header} shows the functions it must define "
                                      "(docs/custom_ops.md)")
        for line in lines:
            m = re.search(r"undefined (?:reference to|symbol:) [`']?(selrt_%s_(?:check|run))\b" % op.sym, line)
            if m:
                raise BuildError(f"custom op {op.kernel}: no C file of it defines {m.group(1)} "
                                 f"({', '.join(s.name for s in op.sources)})",
                                 hint=f"define {m.group(1)} as {op.header} declares it (docs/custom_ops.md)")


def write_size_report(result: BuildResult) -> Path:
    """size.json beside the artifact: what `selbuild size` would say, kept with every build
    so CI can diff it against a baseline without re-reading the binary."""
    from selbuild.size import report_artifact
    path = result.out_dir / "size.json"
    _write_if_changed(path, report_artifact(result.library, result.manifest).to_json())
    return path


def build(config: BuildConfig, targets: list[str] | None = None, **kwargs) -> list[BuildResult]:
    """Build several targets (default: the config's), in order."""
    return [build_target(config, t, **kwargs) for t in (targets or config.targets or ["host"])]


# `selbuild.build(...)`: the module is callable (selbuild/api.py).
from selbuild.public_module import make_callable  # noqa: E402

make_callable(__name__)
