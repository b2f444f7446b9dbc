"""Cross builds for every target, checked on the real artifacts with LIEF/readelf:
machine, float ABI, DT_NEEDED, SONAME, exports, TEXTREL, page size, Mach-O
platform/minos/arch, imports within the stub allow-lists; and the toolchain
module contract itself."""

from __future__ import annotations

import re
from pathlib import Path

import lief
import pytest

from selbuild import REPO_ROOT
from selbuild.build import build_target
from selbuild.config import BuildConfig
from selbuild.targets import TARGETS
from selbuild import toolchain_loader

toolchain_loader.make_importable()   # toolchains._common

KERNELS = ["add.f32", "relu.f32"]
STUBS = REPO_ROOT / "toolchains" / "minisys" / "stubs"
ELF_TARGETS = ["android-arm64", "android-armv7", "android-x86_64", "android-x86", "linux-arm64", "linux-armv7"]
MACHINE = {"arm64": lief.ELF.ARCH.AARCH64, "armv7": lief.ELF.ARCH.ARM, "x86_64": lief.ELF.ARCH.X86_64,
           "x86": lief.ELF.ARCH.I386}
IOS_TARGETS = ["ios-arm64", "ios-sim-arm64", "ios-sim-x86_64"]
ARMV7_SOFTFP = 0x5000200     # EABI5 + soft-float ABI (Android armeabi-v7a)
DT = lief.ELF.DynamicEntry.TAG


def allow_list(arm: bool) -> set[str]:
    from toolchains._common import read_syms
    names: set[str] = set()
    for lib in ("libc", "libm", "libdl"):
        names |= {n for n, _, _ in read_syms(STUBS / f"{lib}.syms", arm)}
    return names


def tbd_symbols() -> set[str]:
    text = (STUBS / "libSystem.tbd").read_text()
    body = text[text.index("symbols:"):]
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", body.split("...")[0])) - {"symbols"}


@pytest.fixture(scope="session")
def builds(build_root):
    """target -> BuildResult for every target this machine can build."""
    cfg = BuildConfig(path=build_root / "pilot.yaml", name="pilot", models=[], targets=list(TARGETS),
                      ops={k: [] for k in KERNELS})
    out = {}
    for t in TARGETS:
        if toolchain_loader.availability(t).ok:
            out[t] = build_target(cfg, t, out_root=build_root)
    return out


def need(builds, target):
    if target not in builds:
        pytest.skip(f"{target}: {toolchain_loader.availability(target).reason}")
    return builds[target]


def test_every_target_has_exactly_one_module() -> None:
    mods = toolchain_loader.load_all()
    assert sorted(mods) == sorted(TARGETS)
    for t, mod in mods.items():
        ok, reason, hint = mod.available(t)
        assert isinstance(ok, bool) and isinstance(reason, str) and isinstance(hint, str)
        assert callable(mod.configure) and t in mod.TARGETS


def test_run_prefixes(tmp_path) -> None:
    assert toolchain_loader.run_prefix("host", tmp_path) == []
    for t in IOS_TARGETS:
        assert toolchain_loader.run_prefix(t, tmp_path) is None
    for t, qemu in [("android-arm64", "qemu-aarch64"), ("android-armv7", "qemu-arm"),
                    ("linux-arm64", "qemu-aarch64"), ("linux-armv7", "qemu-arm")]:
        p = toolchain_loader.run_prefix(t, tmp_path)
        if p is None:
            pytest.skip(f"{qemu} not installed")
        assert Path(p[0]).name == qemu and "-L" in p
        env = p[p.index("-E") + 1]
        assert str(tmp_path) in env
        if t.startswith("android"):
            assert str(tmp_path / "shim") in env
    # armv7 code is softfp: it must run against the armel sysroot, never armhf.
    assert "/usr/arm-linux-gnueabi" in toolchain_loader.run_prefix("android-armv7", tmp_path)
    # x86_64 Android runs natively on this x86_64 machine: no qemu, only the library path.
    assert toolchain_loader.run_prefix("android-x86_64", tmp_path) == [
        "/usr/bin/env", f"LD_LIBRARY_PATH={tmp_path.resolve()}:{tmp_path.resolve() / 'shim'}"]
    # x86 has no i386 glibc here to run a runner against.
    assert toolchain_loader.run_prefix("android-x86", tmp_path) is None


def test_stub_lists_and_tbd_agree() -> None:
    tbd = tbd_symbols()
    android_only = {"__errno", "__cxa_finalize"}   # Darwin spells errno ___error, no finalize
    for name in allow_list(arm=False) - android_only:
        assert "_" + name in tbd, name
    math_h = (REPO_ROOT / "toolchains" / "minisys" / "include" / "math.h").read_text()
    declared = set(re.findall(r"\b(?:float|double|long) (\w+)\(", math_h))
    libm = {n for n, _, _ in __import__("toolchains._common", fromlist=["x"]).read_syms(STUBS / "libm.syms", False)}
    assert declared == libm, declared ^ libm


@pytest.mark.parametrize("target", ELF_TARGETS)
def test_elf_library(builds, target) -> None:
    r = need(builds, target)
    b = lief.parse(str(r.library))
    arch = target.split("-", 1)[1]
    arm64, arm32 = arch == "arm64", arch == "armv7"
    assert b.header.machine_type == MACHINE[arch]
    if arm32:
        assert b.header.processor_flag == ARMV7_SOFTFP, hex(b.header.processor_flag)
    assert b.get(DT.SONAME).name == "libselrt.so"
    assert not b.has(DT.TEXTREL)
    assert b.has(DT.FLAGS) and b.get(DT.FLAGS).has(lief.ELF.DynamicEntryFlags.FLAG.BIND_NOW)
    seg = {s.type: s for s in b.segments}
    assert lief.ELF.Segment.TYPE.GNU_RELRO in seg                      # -z relro
    stack = seg[lief.ELF.Segment.TYPE.GNU_STACK]
    assert not stack.has(lief.ELF.Segment.FLAGS.X)                     # no executable stack
    exported = {s.name for s in b.dynamic_symbols if s.exported}
    assert exported and all(n.startswith("selrt_") for n in exported), sorted(exported)
    imported = {s.name for s in b.dynamic_symbols if s.imported}
    if target.startswith("android"):
        assert set(b.libraries) == {"libc.so", "libm.so", "libdl.so"}
        # -z defs against the stubs: everything imported is on the allow-list.
        assert imported <= allow_list(arm=arm32), imported - allow_list(arm32)
        assert b.has(DT.GNU_HASH) and b.has(DT.HASH)       # API 21/22 lack GNU hash
        assert not any(s.name.startswith(("__aeabi_uidiv", "__udivdi3")) for s in b.dynamic_symbols if s.exported)
        if arch in ("arm64", "x86_64"):
            loads = [s for s in b.segments if s.type == lief.ELF.Segment.TYPE.LOAD]
            assert all(s.alignment == 0x4000 for s in loads)   # 16 KB page devices
    else:
        assert "libc.so.6" in b.libraries


def test_armv7_is_thumb2_neon_softfp(builds) -> None:
    import subprocess
    from toolchains._common import llvm_tool
    r = need(builds, "android-armv7")
    out = subprocess.run([llvm_tool("llvm-readelf"), "-A", str(r.unstripped)], capture_output=True, text=True).stdout
    assert "Thumb-2" in out and "NEON" in out
    assert "Tag_ABI_VFP_args" not in out        # base AAPCS: floats in core registers


@pytest.mark.parametrize("target", IOS_TARGETS)
def test_ios_dylib(builds, target) -> None:
    r = need(builds, target)
    fat = lief.MachO.parse(str(r.library))
    assert fat.size == 1                       # thin: one arch per target
    b = fat.at(0)
    want_cpu = lief.MachO.Header.CPU_TYPE.X86_64 if "x86_64" in target else lief.MachO.Header.CPU_TYPE.ARM64
    assert b.header.cpu_type == want_cpu
    bv = b.build_version
    want = lief.MachO.BuildVersion.PLATFORMS.IOS_SIMULATOR if "sim" in target else lief.MachO.BuildVersion.PLATFORMS.IOS
    assert bv.platform == want
    assert list(bv.minos)[:2] == [14, 0]
    # LC_ID_DYLIB (itself) + LC_LOAD_DYLIB libSystem, two-level namespace, no dynamic_lookup.
    assert [lib.name for lib in b.libraries] == ["@rpath/libselrt.dylib", "/usr/lib/libSystem.B.dylib"]
    undefined = {s.name for s in b.imported_symbols}
    assert undefined <= tbd_symbols(), undefined - tbd_symbols()
    exported = {s.name for s in b.exported_symbols}
    assert exported and all(n.startswith("_selrt_") for n in exported), exported
    assert r.dylib == r.library and r.runner is None


@pytest.mark.parametrize("target", IOS_TARGETS)
def test_ios_static_library_members_are_macho(builds, target) -> None:
    from selbuild.package import ar_members
    r = need(builds, target)
    members = ar_members(r.static_library.read_bytes())
    assert members and all(name.endswith(".o") for name, _ in members)
    for name, data in members:
        obj = lief.parse(list(data))
        assert isinstance(obj, lief.MachO.Binary), name
        assert obj.build_version.minos[:2] == [14, 0]


def public_api() -> set[str]:
    header = (REPO_ROOT / "runtime_src" / "include" / "selrt.h").read_text()
    return set(re.findall(r"SELRT_API[^;{]*?\b(selrt_\w+)\s*\(", header))


def control_only_api() -> set[str]:
    """The API functions defined with the control-flow kernels (kernels/shared/control.c), which
    the header documents as present in runtimes built with while/if kernels only."""
    src = (REPO_ROOT / "runtime_src" / "kernels" / "shared" / "control.c").read_text()
    defined = set(re.findall(r"^\w[\w\s*]*?\b(selrt_\w+)\s*\([^;]*?\)\s*\{", src, re.M))
    return defined & public_api()


def threads_only_api() -> set[str]:
    """The API functions core/session.c defines only under `#ifdef SELRT_THREADS`
    (`threads: N` configs): between that line and its `#endif`."""
    src = (REPO_ROOT / "runtime_src" / "core" / "session.c").read_text()
    blocks = re.findall(r"^#ifdef SELRT_THREADS\n(.*?)^#endif", src, re.M | re.S)
    defined = {f for b in blocks for f in re.findall(r"^\w[\w\s*]*?\b(selrt_\w+)\s*\([^;]*?\)\s*\{", b, re.M)}
    return defined & public_api()


@pytest.mark.parametrize("target", ["android-arm64", "android-armv7", "android-x86_64", "android-x86", "ios-arm64"])
def test_exports_are_exactly_the_public_api(builds, target) -> None:
    r = need(builds, target)
    control = control_only_api()
    assert control == {"selrt_session_reset", "selrt_session_set_iteration_cap"}
    assert threads_only_api() == {"selrt_session_set_parallel"}
    api = public_api() - control - threads_only_api()   # no control-flow kernels, no threads
    assert len(api) >= 10
    b = lief.parse(str(r.library))
    if target.startswith("ios"):
        exported = {s.name[1:] for s in b.at(0).exported_symbols} if hasattr(b, "at") else \
            {s.name[1:] for s in b.exported_symbols}
    else:
        exported = {s.name for s in b.dynamic_symbols if s.exported}
    assert exported == api, (sorted(exported - api), sorted(api - exported))
