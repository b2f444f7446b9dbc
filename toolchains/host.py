"""The build machine itself (x86_64 Linux here): clang-19 + lld, or gcc.

SELBUILD_HOST_CC=gcc|clang picks one; default clang-19 when installed, so the
host build uses the same compiler family (and lld link-map format) as the ARM
targets.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

from toolchains import _common as c

NAME = "host"
TARGETS = ("host",)


def _compiler() -> tuple[str, str, str | None]:
    """(kind, cc path, why-not) for the host compiler."""
    want = os.environ.get("SELBUILD_HOST_CC", "").strip()
    clang = c.llvm_tool("clang")
    lld = c.llvm_tool("ld.lld")
    gcc = c.which("gcc") or c.which("cc")
    if want == "gcc" or (not want and not (clang and lld)):
        if gcc:
            return "gcc", gcc, None
        return "gcc", "", "no C compiler (gcc or clang-19) found"
    if clang and lld:
        return "clang", clang, None
    return "clang", "", f"clang-{c.LLVM_MAJOR} with lld-{c.LLVM_MAJOR} not found"


def available(target: str) -> tuple[bool, str, str]:
    kind, cc, why = _compiler()
    if why:
        return False, why, c.APT_LLVM
    missing = c.missing_llvm_tools(["llvm-ar", "llvm-strip"])
    if missing:
        return False, f"missing {', '.join(missing)}", c.APT_LLVM
    return True, f"{c.display_name(cc)} {c.tool_version(cc)} ({platform.machine()})", ""


def configure(env, target: str, profile: str) -> None:
    kind, cc, _ = _compiler()
    repo, out = Path(env["SELRT_REPO"]), Path(env["SELRT_OUT"])
    cflags = c.common_cflags(repo, out) + c.profile_cflags(profile, kind, reasons=True)
    linkflags = [
        "-shared",
        "-Wl,-soname,libselrt.so",
        "-Wl,--gc-sections",
        "-Wl,-z,defs",
        "-Wl,-z,now",
        "-Wl,-z,relro",
        "-Wl,-z,text",
        "-Wl,--build-id=sha1",
        "-Wl,--hash-style=gnu",
    ]
    if kind == "clang":
        linkflags.insert(0, "-fuse-ld=lld")
    env.Replace(
        CC=cc,
        SHLINK=cc,
        AR=c.llvm_tool("llvm-ar"),
        STRIP=c.llvm_tool("llvm-strip"),
        CFLAGS=cflags,
        SHLINKFLAGS=linkflags,
        LIBS=["m"],
        **c.elf_outputs(),
        # Runner: a plain host executable that finds libselrt.so beside itself.
        SELRT_RUNNER_CC=cc,
        SELRT_RUNNER_FLAGS=["-std=c11", "-O2", "-Wl,-rpath,'$$ORIGIN'"] + (["-fuse-ld=lld"] if kind == "clang" else []),
        SELRT_RUNNER_LIBS=["-lm"],
        SELRT_TOOLCHAIN={"family": NAME, "cc": c.display_name(cc), "cc_version": c.tool_version(cc),
                         "ndk": None, "xcode": None},
    )


def run_prefix(target: str, artifact_dir: Path) -> list[str] | None:
    return []
