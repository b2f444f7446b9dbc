"""glibc Linux on ARM (linux-arm64, linux-armv7): the same runtime code linked
normally against Debian's cross glibc, so tests can run it under qemu-user.

armv7 is built softfp (-mfloat-abi=softfp) against the armel sysroot, exactly
like Android armv7: lld does not warn when soft- and hard-float objects are
mixed, it just computes wrong results (docs/toolchain_notes.md §3).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from toolchains import _common as c

NAME = "linux"
TARGETS = ("linux-arm64", "linux-armv7")


@dataclass(frozen=True)
class _Arch:
    triple: str
    flags: tuple[str, ...]
    sysroot: Path
    qemu: str
    qemu_cpu: str
    apt: str


_ARCH = {
    "linux-arm64": _Arch("aarch64-linux-gnu", (), c.ARM64_SYSROOT, "qemu-aarch64", "cortex-a53",
                         c.APT_ARM64_SYSROOT),
    "linux-armv7": _Arch("armv7a-linux-gnueabi", ("-mthumb", "-mfloat-abi=softfp", "-mfpu=neon"),
                         c.ARMEL_SYSROOT, "qemu-arm", "cortex-a8", c.APT_ARMEL_SYSROOT),
}


def available(target: str) -> tuple[bool, str, str]:
    a = _ARCH[target]
    missing = c.missing_llvm_tools(["clang", "ld.lld", "llvm-ar", "llvm-strip"])
    if missing:
        return False, f"missing {', '.join(missing)}", c.APT_LLVM
    if not (a.sysroot / "include" / "stdio.h").exists() or not (a.sysroot / "lib").is_dir():
        return False, f"no glibc cross sysroot at {a.sysroot}", a.apt
    return True, f"clang-{c.LLVM_MAJOR} {a.triple}, sysroot {a.sysroot}", ""


def configure(env, target: str, profile: str) -> None:
    a = _ARCH[target]
    cc = c.llvm_tool("clang")
    tgt = [f"--target={a.triple}", *a.flags]
    repo, out = Path(env["SELRT_REPO"]), Path(env["SELRT_OUT"])
    env.Replace(
        CC=cc,
        SHLINK=cc,
        AR=c.llvm_tool("llvm-ar"),
        STRIP=c.llvm_tool("llvm-strip"),
        CFLAGS=tgt + c.common_cflags(repo, out) + c.profile_cflags(profile, "clang"),
        SHLINKFLAGS=tgt + [
            "-fuse-ld=lld", "-shared", "-Wl,-soname,libselrt.so", "-Wl,--gc-sections",
            "-Wl,-z,defs", "-Wl,-z,now", "-Wl,-z,relro", "-Wl,-z,text", "-Wl,--build-id=sha1",
        ],
        LIBS=["m"],
        **c.elf_outputs(),
        SELRT_RUNNER_CC=cc,
        SELRT_RUNNER_FLAGS=tgt + ["-fuse-ld=lld", "-std=c11", "-O2", "-Wl,-rpath,'$$ORIGIN'"],
        SELRT_RUNNER_LIBS=["-lm"],
        SELRT_TOOLCHAIN={"family": NAME, "cc": c.display_name(cc), "cc_version": c.tool_version(cc),
                         "ndk": None, "xcode": None},
    )


def run_prefix(target: str, artifact_dir: Path) -> list[str] | None:
    a = _ARCH[target]
    qemu = c.which(a.qemu)
    if qemu is None:
        return None
    return [qemu, "-cpu", a.qemu_cpu, "-L", str(a.sysroot), "-E", f"LD_LIBRARY_PATH={Path(artifact_dir).resolve()}"]
