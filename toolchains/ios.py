"""iOS device and simulators: ios-arm64, ios-sim-arm64, ios-sim-x86_64 (minos 14.0).

Without Xcode (the default here) the objects come from Debian clang-19 with
the minisys headers, the static library from llvm-ar (it writes the Darwin
archive format by itself), and a dylib from ld64.lld against the handwritten
minisys/stubs/libSystem.tbd. The static library is what apps link (through
the XCFramework); the dylib exists so the size report can measure a linked,
dead-stripped image. Each target is one thin architecture; `selbuild package
--xcframework` lipo's the two simulator slices together. Nothing iOS can run
here, so run_prefix() is None.

With Xcode (`xcrun` on PATH) the SDK's clang, sysroot and ld64 are used.
"""

from __future__ import annotations

import functools
import subprocess
from dataclasses import dataclass
from pathlib import Path

from toolchains import _common as c

NAME = "ios"
TARGETS = ("ios-arm64", "ios-sim-arm64", "ios-sim-x86_64")
MIN_OS = "14.0"
SDK_VERSION = "17.0"   # recorded in LC_BUILD_VERSION of the dylib when no SDK is present


@dataclass(frozen=True)
class _Arch:
    arch: str
    triple: str
    platform: str     # ld64 -platform_version name
    sdk: str          # xcrun --sdk


_ARCH = {
    "ios-arm64": _Arch("arm64", f"arm64-apple-ios{MIN_OS}", "ios", "iphoneos"),
    "ios-sim-arm64": _Arch("arm64", f"arm64-apple-ios{MIN_OS}-simulator", "ios-simulator", "iphonesimulator"),
    "ios-sim-x86_64": _Arch("x86_64", f"x86_64-apple-ios{MIN_OS}-simulator", "ios-simulator", "iphonesimulator"),
}


@functools.lru_cache(maxsize=None)
def _xcrun(*args: str) -> str | None:
    xcrun = c.which("xcrun")
    if not xcrun:
        return None
    try:
        r = subprocess.run([xcrun, *args], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout.strip() if r.returncode == 0 and r.stdout.strip() else None


def _xcode_version() -> str | None:
    out = c.which("xcodebuild") and subprocess.run(["xcodebuild", "-version"], capture_output=True, text=True).stdout
    return out.splitlines()[0].replace("Xcode ", "") if out else None


def available(target: str) -> tuple[bool, str, str]:
    a = _ARCH[target]
    if _xcrun("--sdk", a.sdk, "--show-sdk-path"):
        return True, f"Xcode SDK {a.sdk}", ""
    missing = c.missing_llvm_tools(["clang", "ld64.lld", "llvm-ar", "llvm-strip"])
    if missing:
        return False, f"no Xcode and missing {', '.join(missing)}", c.APT_LLVM
    return True, f"SDK-free: clang-{c.LLVM_MAJOR} {a.triple} + ld64.lld + libSystem.tbd (build only)", ""


def configure(env, target: str, profile: str) -> None:
    a = _ARCH[target]
    repo, out = Path(env["SELRT_REPO"]), Path(env["SELRT_OUT"])
    sdk_path = _xcrun("--sdk", a.sdk, "--show-sdk-path")
    cflags = [f"--target={a.triple}"] + c.common_cflags(repo, out) + c.profile_cflags(profile, "clang")
    link = ["-arch", a.arch, "-dylib", "-install_name", "@rpath/libselrt.dylib", "-dead_strip"]
    if sdk_path:
        cc = _xcrun("--sdk", a.sdk, "--find", "clang") or "clang"
        ld = _xcrun("--sdk", a.sdk, "--find", "ld") or "ld"
        # Apple's libtool: -D = deterministic (zero timestamps), what `ar rcsD` is for llvm-ar.
        ar = _xcrun("--sdk", a.sdk, "--find", "libtool") or "libtool"
        strip = _xcrun("--sdk", a.sdk, "--find", "strip") or "strip"
        cflags += ["-isysroot", sdk_path]
        sdk_version = _xcrun("--sdk", a.sdk, "--show-sdk-version") or MIN_OS
        link += ["-platform_version", a.platform, MIN_OS, sdk_version, "-syslibroot", sdk_path]
        libpath: list[str] = []
        xcode = _xcode_version()
    else:
        cc, ld = c.llvm_tool("clang"), c.llvm_tool("ld64.lld")
        ar, strip = c.llvm_tool("llvm-ar"), c.llvm_tool("llvm-strip")
        cflags += ["-nostdlibinc", "-isystem", c.repo_relative(c.MINISYS_INCLUDE, repo)]
        link += ["-platform_version", a.platform, MIN_OS, SDK_VERSION]
        libpath = [str(c.STUBS)]
        xcode = None
    env.Replace(
        CC=cc,
        SHLINK=ld,
        AR=ar,
        STRIP=strip,
        CFLAGS=cflags,
        SHLINKFLAGS=link,
        LIBPATH=libpath,
        LIBS=["System"],
        SELRT_LINK_DEPS=[] if sdk_path else [env.File(str(c.STUBS / "libSystem.tbd"))],
        SELRT_ARCOM="$AR -static -D -o $TARGET $SOURCES" if sdk_path else "$AR rcsD $TARGET $SOURCES",
        SELRT_FORMAT="macho",
        SELRT_SHLIB="libselrt.dylib",
        SELRT_UNSTRIPPED="libselrt.unstripped.dylib",
        SELRT_MAPFLAG="-map ${TARGETS[1]}",
        # -x: drop local symbols, keep the exported selrt_* (and the simulator's ad-hoc signature).
        SELRT_STRIPFLAGS=["-x"],
        SELRT_LTO_FLAGS=["-flto"],
        SELRT_LTO_LINKFLAGS=[],       # ld64.lld reads bitcode itself
        SELRT_RUNNER_CC=None,
        SELRT_TOOLCHAIN={"family": NAME, "cc": c.display_name(cc), "cc_version": c.tool_version(cc),
                         "ndk": None, "xcode": xcode},
    )


def run_prefix(target: str, artifact_dir: Path) -> list[str] | None:
    return None
