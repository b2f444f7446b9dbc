"""Android arm64-v8a, armeabi-v7a, x86_64 and x86, API 21.

Two paths:
- An NDK (ANDROID_NDK_HOME / ANDROID_NDK_ROOT): its clang and sysroot.
- No NDK (the default here): Debian clang-19/lld-19, the handwritten headers
  in minisys/include (-nostdlibinc), and stub libc.so/libm.so/libdl.so made by
  llvm-ifs from minisys/stubs/*.syms. The stubs give real DT_NEEDED entries,
  and with -z defs their symbol lists are the allow-list of what the runtime
  may import (docs/toolchain_notes.md §2).

The runner is a glibc executable (the glibc cross sysroot) linked against the
Android libselrt.so itself; under qemu, glibc's ld.so loads that .so through a
shim directory mapping libc.so/libm.so/libdl.so to glibc (docs/toolchain_notes.md §3).
x86_64 (the emulator's default ABI) runs the same way without qemu: this
machine is x86_64, so glibc's own ld.so loads the Android .so through the shim.
x86 builds NDK-free but has no runner (no i386 glibc sysroot here).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from toolchains import _common as c

NAME = "android"
TARGETS = ("android-arm64", "android-armv7", "android-x86_64", "android-x86")
API = 21
I386_BUILTINS = c.LLVM_BIN.parent / "lib" / "clang" / c.LLVM_MAJOR / "lib" / "linux" / "libclang_rt.builtins-i386.a"


@dataclass(frozen=True)
class _Arch:
    triple: str              # clang target for the library
    flags: tuple[str, ...]
    ifs_arch: str            # llvm-ifs Arch / BitWidth of the stubs
    bits: int
    link_extra: tuple[str, ...]
    glibc_triple: str        # the runner's target (glibc, qemu)
    sysroot: Path            # the runner's glibc (its include/ must hold stdio.h)
    qemu: str | None         # None: the runner runs natively (x86_64 on this x86_64 machine)
    qemu_cpu: str
    apt: str
    libdir: Path | None = None   # where the shim's glibc libraries are (default sysroot/lib)


_ARCH = {
    "android-arm64": _Arch(
        f"aarch64-linux-android{API}", (), "AArch64", 64,
        # 16 KB pages: required on Android 15+ devices with 16 KB page size.
        ("-Wl,-z,max-page-size=16384",),
        "aarch64-linux-gnu", c.ARM64_SYSROOT, "qemu-aarch64", "cortex-a53", c.APT_ARM64_SYSROOT),
    "android-armv7": _Arch(
        f"armv7a-linux-androideabi{API}",
        # Always explicit: clang-22 defaults to pure soft-float without NEON.
        ("-mthumb", "-mfloat-abi=softfp", "-mfpu=neon"), "ARM", 32, (),
        "armv7a-linux-gnueabi", c.ARMEL_SYSROOT, "qemu-arm", "cortex-a8", c.APT_ARMEL_SYSROOT),
    # The emulator's default ABI. x86_64 Android requires SSE4.2 and POPCNT (the NDK's default).
    "android-x86_64": _Arch(
        f"x86_64-linux-android{API}", ("-msse4.2", "-mpopcnt"), "x86_64", 64,
        ("-Wl,-z,max-page-size=16384",),
        "x86_64-linux-gnu", Path("/usr"), None, "", "", Path("/lib/x86_64-linux-gnu")),
    # i686 with SSSE3 (the NDK's x86 baseline); before API 24 the x86 ABI only
    # promised a 4-byte aligned stack, hence -mstackrealign as the NDK does.
    "android-x86": _Arch(
        f"i686-linux-android{API}", ("-mssse3", "-mfpmath=sse", "-mstackrealign"), "386", 32, (),
        "i686-linux-gnu", Path("/usr/i686-linux-gnu"), None, "", ""),
}


def _ndk() -> Path | None:
    for var in ("ANDROID_NDK_HOME", "ANDROID_NDK_ROOT"):
        p = os.environ.get(var)
        if p and (Path(p) / "toolchains" / "llvm" / "prebuilt").is_dir():
            return Path(p)
    return None


def _ndk_bin(ndk: Path) -> Path:
    prebuilt = ndk / "toolchains" / "llvm" / "prebuilt"
    hosts = sorted(prebuilt.iterdir())
    return hosts[0] / "bin"


def _ndk_version(ndk: Path) -> str:
    props = ndk / "source.properties"
    if props.exists():
        m = re.search(r"Pkg\.Revision\s*=\s*(\S+)", props.read_text())
        if m:
            return m.group(1)
    return ndk.name


def available(target: str) -> tuple[bool, str, str]:
    a = _ARCH[target]
    ndk = _ndk()
    if ndk:
        cc = _ndk_bin(ndk) / "clang"
        if not cc.exists():
            return False, f"NDK at {ndk} has no clang", "set ANDROID_NDK_HOME to a complete NDK (r23+)"
        return True, f"NDK {_ndk_version(ndk)} at {ndk}", ""
    missing = c.missing_llvm_tools(["clang", "ld.lld", "llvm-ar", "llvm-strip", "llvm-ifs"])
    if missing:
        return False, f"no NDK and missing {', '.join(missing)}", c.APT_LLVM
    if target == "android-x86" and not I386_BUILTINS.exists():
        # 64-bit division/shift helpers (__udivdi3 …) for i686.
        return False, f"no NDK and no i386 compiler-rt builtins ({I386_BUILTINS})", f"{c.APT} libclang-rt-{c.LLVM_MAJOR}-dev"
    if target == "android-armv7" and not c.ARMEL_LIBGCC.exists():
        # compiler-rt builtins for arm32 (__aeabi_uidiv …) are not in Debian's clang packages.
        return False, f"no NDK and no armel libgcc.a ({c.ARMEL_LIBGCC})", c.APT_ARMEL_SYSROOT
    note = ""
    for var in ("ANDROID_NDK_HOME", "ANDROID_NDK_ROOT"):
        if os.environ.get(var):
            note = f" ({var}={os.environ[var]} has no toolchains/llvm/prebuilt: ignored)"
    return True, f"NDK-free: clang-{c.LLVM_MAJOR} {a.triple} + minisys headers + stub libc/libm/libdl{note}", ""


def configure(env, target: str, profile: str) -> None:
    a = _ARCH[target]
    repo, out = Path(env["SELRT_REPO"]), Path(env["SELRT_OUT"])
    ndk = _ndk()
    tgt = [f"--target={a.triple}", *a.flags]
    link = tgt + [
        "-fuse-ld=lld", "-shared", "-Wl,-soname,libselrt.so", "-Wl,--gc-sections", "-Wl,-z,defs",
        "-Wl,-z,now", "-Wl,-z,relro", "-Wl,-z,text", "-Wl,--hash-style=both", "-Wl,--build-id=sha1",
        *a.link_extra,
    ]
    cflags = tgt + c.common_cflags(repo, out) + c.profile_cflags(profile, "clang")
    tail: list[str] = []
    deps: list = []
    if ndk:
        bin_dir = _ndk_bin(ndk)
        cc, ar, strip = str(bin_dir / "clang"), str(bin_dir / "llvm-ar"), str(bin_dir / "llvm-strip")
        # The NDK's clang finds this sysroot by itself; saying it is harmless and
        # keeps the build right when `clang` is a wrapper or a symlink.
        sysroot = f"--sysroot={bin_dir.parent / 'sysroot'}"
        cflags.append(sysroot)
        link.append(sysroot)
        libpath: list[str] = []
    else:
        cc, ar, strip = c.llvm_tool("clang"), c.llvm_tool("llvm-ar"), c.llvm_tool("llvm-strip")
        cflags += ["-nostdlibinc", "-isystem", c.repo_relative(c.MINISYS_INCLUDE, repo)]
        link.append("-nostdlib")
        stub_dir = out / "stubs"
        deps = c.add_stub_libs(env, stub_dir, a.ifs_arch, a.bits)
        libpath = [str(stub_dir)]
        if target == "android-armv7":
            # aeabi division/int64 helpers, hidden so they are not re-exported.
            tail = [str(c.ARMEL_LIBGCC), "-Wl,--exclude-libs,ALL"]
        elif target == "android-x86":
            # i686 has no 64-bit divide: __udivdi3 … from compiler-rt, hidden likewise.
            tail = [str(I386_BUILTINS), "-Wl,--exclude-libs,ALL"]

    # The runner is a glibc program built by Debian's clang, with an NDK too.
    runner_ok = (a.sysroot / "include" / "stdio.h").exists() and c.llvm_tool("clang") is not None
    runner_tgt = [f"--target={a.glibc_triple}", *a.flags]
    if runner_ok:
        deps += c.add_shim_dir(env, out / "shim", a.sysroot, a.libdir)
    env.Replace(
        CC=cc,
        SHLINK=cc,
        AR=ar,
        STRIP=strip,
        CFLAGS=cflags,
        SHLINKFLAGS=link,
        LIBPATH=libpath,
        LIBS=["m", "c", "dl"],
        SELRT_LINKTAIL=tail,
        SELRT_LINK_DEPS=deps,
        **c.elf_outputs(),
        # The runner needs libselrt.so's own DT_NEEDED (libc.so …) only at run time.
        SELRT_RUNNER_CC=c.llvm_tool("clang") if runner_ok else None,
        SELRT_RUNNER_FLAGS=runner_tgt + ["-fuse-ld=lld", "-std=c11", "-O2", "-Wl,--allow-shlib-undefined"],
        SELRT_RUNNER_LIBS=["-lm"],
        SELRT_TOOLCHAIN={"family": NAME, "cc": c.display_name(cc), "cc_version": c.tool_version(cc),
                         "ndk": _ndk_version(ndk) if ndk else None, "xcode": None},
    )


def run_prefix(target: str, artifact_dir: Path) -> list[str] | None:
    a = _ARCH[target]
    d = Path(artifact_dir).resolve()
    if a.qemu is None:
        # Native, when the runner's glibc is here (x86_64 yes, x86 not).
        if not (a.sysroot / "include" / "stdio.h").exists():
            return None
        return ["/usr/bin/env", f"LD_LIBRARY_PATH={d}:{d / 'shim'}"]
    qemu = c.which(a.qemu)
    if qemu is None:
        return None
    return [qemu, "-cpu", a.qemu_cpu, "-L", str(a.sysroot), "-E", f"LD_LIBRARY_PATH={d}:{d / 'shim'}"]
