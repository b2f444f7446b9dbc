"""Helpers shared by the toolchain modules: tool lookup, versions, profile flags.

Nothing here imports SCons: `available()` and `run_prefix()` run inside the
selbuild process, only `configure()` runs inside SCons with an Environment.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path

LLVM_MAJOR = "19"
LLVM_BIN = Path(f"/usr/lib/llvm-{LLVM_MAJOR}/bin")
TOOLCHAINS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TOOLCHAINS_DIR.parent
MINISYS = TOOLCHAINS_DIR / "minisys"
MINISYS_INCLUDE = MINISYS / "include"
STUBS = MINISYS / "stubs"

APT = "sudo apt-get install -y --no-install-recommends"
APT_LLVM = f"{APT} clang-{LLVM_MAJOR} lld-{LLVM_MAJOR} llvm-{LLVM_MAJOR}"
APT_QEMU = f"{APT} qemu-user"
APT_ARM64_SYSROOT = f"{APT} libc6-dev-arm64-cross libgcc-12-dev-arm64-cross"
# armel (soft-float ABI) matches Android's softfp; armhf would silently mix ABIs.
APT_ARMEL_SYSROOT = f"{APT} libc6-dev-armel-cross libgcc-12-dev-armel-cross"

ARM64_SYSROOT = Path("/usr/aarch64-linux-gnu")
ARMEL_SYSROOT = Path("/usr/arm-linux-gnueabi")
ARMEL_LIBGCC = Path("/usr/lib/gcc-cross/arm-linux-gnueabi/12/libgcc.a")
ARM64_LIBGCC_DIR = Path("/usr/lib/gcc-cross/aarch64-linux-gnu/12")


def elf_outputs() -> dict:
    """What every ELF target (host, linux-*, android-*) names its outputs and how
    it strips, maps and LTO-links them: env.Replace(..., **elf_outputs()).
    A new dict each call: SCons may extend these lists in place."""
    return dict(
        SELRT_FORMAT="elf",
        SELRT_SHLIB="libselrt.so",
        SELRT_UNSTRIPPED="libselrt.unstripped.so",
        SELRT_MAPFLAG="-Wl,-Map=${TARGETS[1]}",
        SELRT_STRIPFLAGS=["--strip-all"],
        SELRT_LTO_FLAGS=["-flto"],
    )


def which(name: str) -> str | None:
    return shutil.which(name)


def llvm_tool(name: str) -> str | None:
    """An LLVM-19 tool: `name-19` on PATH, else /usr/lib/llvm-19/bin/name.

    Never the unsuffixed tool: on Debian images that is LLVM 14."""
    found = shutil.which(f"{name}-{LLVM_MAJOR}")
    if found:
        return found
    cand = LLVM_BIN / name
    return str(cand) if cand.exists() else None


def missing_llvm_tools(names: list[str]) -> list[str]:
    return [n for n in names if llvm_tool(n) is None]


@functools.lru_cache(maxsize=None)
def tool_version(exe: str) -> str:
    """'19.1.7' style version of a compiler, '' if it cannot be run."""
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    m = re.search(r"version (\d+\.\d+(?:\.\d+)?)", out) or re.search(r"(\d+\.\d+\.\d+)", out)
    return m.group(1) if m else out.splitlines()[0] if out else ""


def display_name(exe: str) -> str:
    """A compiler's name without its directory, so manifests do not depend on where it lives."""
    return Path(exe).name


def profile_cflags(profile: str, kind: str, reasons: bool = False) -> list[str]:
    """Optimization flags for a profile. kind: 'clang' or 'gcc'.

    A kernel check's reason text (SELRT_REJECT) costs ~500 B in MobileNetV2's
    runtime, so size-profile device builds leave it out unless `reasons`:
    their load errors name the node and kernel, and the host build (which
    selbuild convert/run use to load the same program bytes) says why."""
    if profile == "speed":
        return ["-O2", "-DSELRT_PROFILE_SPEED=1"]
    # gcc has no -Oz before 12 and its -Oz differs; -Os is gcc's size level.
    return ["-Oz" if kind == "clang" else "-Os", "-DSELRT_PROFILE_SIZE=1"] + ([] if reasons else ["-DSELRT_NO_REASONS=1"])


def repo_relative(path: Path, repo: Path) -> str:
    """`path` relative to the repo when it is inside it: SCons runs every command
    in the repo (-C), and an absolute checkout path in a compile line would put
    the checkout into the build signature, so a shared cache_dir would miss
    from any other clone or machine."""
    path, repo = Path(path).resolve(), Path(repo).resolve()
    return str(path.relative_to(repo)) if path.is_relative_to(repo) else str(path)


def common_cflags(repo: Path, out_dir: Path) -> list[str]:
    """Flags every library object gets, whatever the target.

    -fvisibility=hidden: only the SELRT_API functions (default visibility in
      selrt.h) are exported; everything else can be dropped or inlined.
    -ffunction-sections/-fdata-sections: lets --gc-sections/-dead_strip drop
      unused functions one by one.
    -fno-unwind-tables: C code never unwinds; .eh_frame is pure size.
    -fstack-protector-strong: kept on purpose. The runtime parses untrusted
      program bytes, it is the Android platform default, and "strong" only
      instruments functions with local arrays or address-taken locals, which a
      verifier-first C runtime has few of. bench/size.py measures it: about
      500 B of the ~20 KB MobileNetV2 runtime on Android (2.5%).
    -fno-math-errno: sqrtf/fabsf become single instructions instead of calls.
    -ffile-prefix-map: no build-machine paths in the output (determinism).
    """
    return [
        "-std=c11",
        "-fPIC",
        "-fvisibility=hidden",
        "-ffunction-sections",
        "-fdata-sections",
        "-fno-unwind-tables",
        "-fno-asynchronous-unwind-tables",
        "-fstack-protector-strong",
        "-fno-math-errno",
        "-fno-common",
        "-Wall",
        # $( $) keeps these out of SCons' build signature, so a shared CacheDir
        # hits for the same sources and flags whatever the checkout path.
        "$(",
        f"-ffile-prefix-map={repo}=.",
        f"-ffile-prefix-map={out_dir}=out",
        "$)",
    ]


def read_syms(path: Path, arm: bool) -> list[tuple[str, str, int]]:
    """Parse a stub symbol list: [(name, 'Func'|'Object', size)]."""
    out: list[tuple[str, str, int]] = []
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("arm:"):
            if not arm:
                continue
            line = line[4:].strip()
        parts = line.split()
        if len(parts) == 3 and parts[1] == "object":
            out.append((parts[0], "Object", int(parts[2])))
        else:
            out.append((parts[0], "Func", 0))
    return out


def ifs_text(soname: str, syms: list[tuple[str, str, int]], arch: str, bits: int) -> str:
    """llvm-ifs input. The target is spelled out as a map because llvm-ifs-19
    maps the arm triple to e_machine None (docs/toolchain_notes.md pitfall 8)."""
    lines = [
        "--- !ifs-v1",
        "IfsVersion: 3.0",
        f"Target: {{ ObjectFormat: ELF, Arch: {arch}, Endianness: little, BitWidth: {bits} }}",
        f"SoName: {soname}",
        "Symbols:",
    ]
    for name, kind, size in sorted(syms):
        if kind == "Object":
            lines.append(f"  - {{ Name: {name}, Type: Object, Size: {size} }}")
        else:
            lines.append(f"  - {{ Name: {name}, Type: Func }}")
    lines.append("...")
    return "\n".join(lines) + "\n"


def add_stub_libs(env, stub_dir: Path, arch: str, bits: int) -> list:
    """Register SCons commands that build stub libc.so/libm.so/libdl.so with llvm-ifs.

    Returns the nodes (the link depends on them). Each stub rebuilds when its
    symbol list changes."""
    arm = arch == "ARM"
    ifs = llvm_tool("llvm-ifs")
    nodes = []
    for lib in ("libc", "libm", "libdl"):
        syms_file = STUBS / f"{lib}.syms"
        target = stub_dir / f"{lib}.so"

        def build(target, source, env, _lib=lib, _syms=syms_file):
            text = ifs_text(f"{_lib}.so", read_syms(_syms, arm), arch, bits)
            out = Path(str(target[0]))
            ifs_path = out.with_suffix(".ifs")
            ifs_path.write_text(text)
            return subprocess.call([ifs, "--input-format=IFS", f"--output-elf={out}", str(ifs_path)])

        nodes += env.Command(str(target), str(syms_file), env.Action(build, f"STUB {lib}.so ({arch})"))
    return nodes


def add_shim_dir(env, shim_dir: Path, sysroot: Path, libdir: Path | None = None) -> list:
    """The qemu shim: Android DT_NEEDED names (libc.so …) -> glibc's sonames,
    so glibc's ld.so can load the Android .so under qemu (docs/toolchain_notes.md §3)."""
    links = {"libc.so": "libc.so.6", "libm.so": "libm.so.6", "libdl.so": "libc.so.6"}
    nodes = []
    for name, real in links.items():
        def build(target, source, env, _real=real):
            out = Path(str(target[0]))
            if out.is_symlink() or out.exists():
                out.unlink()
            os.symlink((libdir or sysroot / "lib") / _real, out)
            return 0
        nodes += env.Command(str(shim_dir / name), [], env.Action(build, f"SHIM {name}"))
    # Symlinks into the sysroot: a CacheDir would store copies of glibc instead.
    env.NoCache(nodes)
    return nodes
