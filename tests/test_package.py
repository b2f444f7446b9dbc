"""AAR and XCFramework layouts, checked on the real files: zip entries, Prefab
JSON, Info.plist keys, and with LIEF the machine / platform / arches of what
they contain."""

from __future__ import annotations

import json
import plistlib
import subprocess
import zipfile
from pathlib import Path

import lief
import pytest

from selbuild import toolchain_loader
from selbuild.config import BuildConfig
from selbuild.errors import PackageError
from selbuild.package import ar_members, package_aar, package_xcframework

toolchain_loader.make_importable()   # toolchains._common

KERNELS = ["add.f32", "relu.f32"]


def config(root: Path, targets: list[str]) -> BuildConfig:
    return BuildConfig(path=root / "pilot.yaml", name="pilot", models=[], targets=targets,
                       ops={k: [] for k in KERNELS})


def require(*targets: str) -> None:
    for t in targets:
        a = toolchain_loader.availability(t)
        if not a.ok:
            pytest.skip(f"{t}: {a.reason}")


def test_aar_layout(build_root, tmp_path) -> None:
    require("android-arm64", "android-armv7")
    cfg = config(build_root, ["android-arm64", "android-armv7", "ios-arm64"])
    out = package_aar(cfg, tmp_path / "selrt.aar", out_root=build_root)
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        # The library is named after the config (package.library_name's default: selrt_<name>).
        assert {"AndroidManifest.xml", "classes.jar", "jni/arm64-v8a/libselrt_pilot.so",
                "jni/armeabi-v7a/libselrt_pilot.so",
                "prefab/prefab.json", "prefab/modules/selrt_pilot/module.json",
                "prefab/modules/selrt_pilot/include/selrt.h",
                "prefab/modules/selrt_pilot/libs/android.arm64-v8a/abi.json",
                "prefab/modules/selrt_pilot/libs/android.arm64-v8a/libselrt_pilot.so",
                "prefab/modules/selrt_pilot/libs/android.armeabi-v7a/abi.json",
                "prefab/modules/selrt_pilot/libs/android.armeabi-v7a/libselrt_pilot.so"} <= names
        assert not any("x86" in n for n in names)
        assert b"minSdkVersion=\"21\"" in z.read("AndroidManifest.xml")
        prefab = json.loads(z.read("prefab/prefab.json"))
        assert prefab["schema_version"] == 2 and prefab["name"] == "selrt_pilot"
        module = json.loads(z.read("prefab/modules/selrt_pilot/module.json"))
        assert module["library_name"] == "libselrt_pilot"
        for abi, machine in (("arm64-v8a", lief.ELF.ARCH.AARCH64), ("armeabi-v7a", lief.ELF.ARCH.ARM)):
            meta = json.loads(z.read(f"prefab/modules/selrt_pilot/libs/android.{abi}/abi.json"))
            assert meta == {"abi": abi, "api": 21, "ndk": 21, "stl": "none", "static": False}
            so = z.read(f"jni/{abi}/libselrt_pilot.so")
            assert so == z.read(f"prefab/modules/selrt_pilot/libs/android.{abi}/libselrt_pilot.so")
            elf = lief.parse(list(so))
            assert elf.header.machine_type == machine
            assert set(elf.libraries) == {"libc.so", "libm.so", "libdl.so"}
    # Packaging again gives the same bytes (fixed zip timestamps, sorted entries).
    again = package_aar(cfg, tmp_path / "again.aar", out_root=build_root)
    assert again.read_bytes() == out.read_bytes()


def test_aar_has_four_abis(build_root, tmp_path) -> None:
    """arm64-v8a, armeabi-v7a, x86_64 (the emulator's default) and x86, all NDK-free, each
    the right machine and linked against bionic's names only; a config naming no Android
    target gets all four."""
    targets = ["android-arm64", "android-armv7", "android-x86_64", "android-x86"]
    require(*targets)
    machines = {"arm64-v8a": lief.ELF.ARCH.AARCH64, "armeabi-v7a": lief.ELF.ARCH.ARM,
                "x86_64": lief.ELF.ARCH.X86_64, "x86": lief.ELF.ARCH.I386}
    for cfg_targets in (targets, ["ios-arm64"]):
        out = package_aar(config(build_root, cfg_targets), tmp_path / "four.aar", out_root=build_root)
        with zipfile.ZipFile(out) as z:
            jni = sorted(n for n in z.namelist() if n.startswith("jni/"))
            assert jni == sorted(f"jni/{abi}/libselrt_pilot.so" for abi in machines)
            for abi, machine in machines.items():
                meta = json.loads(z.read(f"prefab/modules/selrt_pilot/libs/android.{abi}/abi.json"))
                assert meta["abi"] == abi
                elf = lief.parse(list(z.read(f"jni/{abi}/libselrt_pilot.so")))
                assert elf.header.machine_type == machine
                assert set(elf.libraries) == {"libc.so", "libm.so", "libdl.so"}
        with zipfile.ZipFile(out.with_name("four.native-debug-symbols.zip")) as z:
            assert sorted(z.namelist()) == sorted(f"{abi}/libselrt_pilot.so" for abi in machines)


def test_xcframework_layout(build_root, tmp_path) -> None:
    require("ios-arm64", "ios-sim-arm64", "ios-sim-x86_64")
    cfg = config(build_root, ["ios-arm64"])
    out = package_xcframework(cfg, tmp_path / "selrt.xcframework", out_root=build_root)
    plist = plistlib.loads((out / "Info.plist").read_bytes())
    assert plist["CFBundlePackageType"] == "XFWK" and plist["XCFrameworkFormatVersion"] == "1.0"
    libs = {lib["LibraryIdentifier"]: lib for lib in plist["AvailableLibraries"]}
    assert set(libs) == {"ios-arm64", "ios-arm64_x86_64-simulator"}
    assert libs["ios-arm64"]["SupportedArchitectures"] == ["arm64"]
    assert "SupportedPlatformVariant" not in libs["ios-arm64"]
    sim = libs["ios-arm64_x86_64-simulator"]
    assert sim["SupportedPlatformVariant"] == "simulator" and sorted(sim["SupportedArchitectures"]) == ["arm64", "x86_64"]
    P = lief.MachO.BuildVersion.PLATFORMS
    for ident, lib in libs.items():
        assert lib["SupportedPlatform"] == "ios" and lib["HeadersPath"] == "Headers"
        d = out / ident
        # One folder per framework under Headers/: two XCFrameworks' module maps never collide.
        assert sorted(p.name for p in (d / "Headers").iterdir()) == ["selrt_pilot"]
        assert (d / "Headers" / "selrt_pilot" / "selrt.h").is_file()
        assert "#define selrt_run selrt_pilot_run" in (d / "Headers" / "selrt_pilot" / "selrt.h").read_text()
        mm = (d / "Headers" / "selrt_pilot" / "module.modulemap").read_text()
        assert mm.startswith("module selrt_pilot {") and 'header "selrt.h"' in mm
        assert lib["LibraryPath"] == "libselrt_pilot.a"
        a = d / lib["LibraryPath"]
        if ident == "ios-arm64":
            slices = {"arm64": a.read_bytes()}
        else:
            # The fat archive: thin it per arch (LIEF reads neither fat nor ar), then read members.
            from toolchains._common import llvm_tool
            info = subprocess.run([llvm_tool("llvm-lipo"), "-archs", str(a)], capture_output=True, text=True)
            assert sorted(info.stdout.split()) == ["arm64", "x86_64"]
            slices = {}
            for arch in ("arm64", "x86_64"):
                thin = tmp_path / f"{arch}.a"
                subprocess.run([llvm_tool("llvm-lipo"), "-thin", arch, str(a), "-output", str(thin)], check=True)
                slices[arch] = thin.read_bytes()
        for arch, data in slices.items():
            members = ar_members(data)
            assert members
            defined = set()
            for _, obj in members:
                b = lief.parse(list(obj))
                cpu = lief.MachO.Header.CPU_TYPE.ARM64 if arch == "arm64" else lief.MachO.Header.CPU_TYPE.X86_64
                assert b.header.cpu_type == cpu
                assert b.build_version.platform == (P.IOS if ident == "ios-arm64" else P.IOS_SIMULATOR)
                defined |= {s.name for s in b.symbols if s.type == lief.MachO.Symbol.TYPE.SECTION}
            # The C API carries the package's prefix, so two selbuild runtimes link into one app.
            assert "_selrt_pilot_run" in defined and "_selrt_run" not in defined
    # Beside it: SwiftPM binary target and podspec naming this XCFramework (no models: no resources).
    swift = (out.parent / "Package.swift").read_text()
    assert '.binaryTarget(name: "selrt_pilot", path: "selrt.xcframework")' in swift
    assert "swift-tools-version:5.3" in swift.splitlines()[0] and ".copy(" not in swift
    spec = (out.parent / "selrt_pilot.podspec").read_text()
    assert "s.vendored_frameworks = 'selrt.xcframework'" in spec and "resource_bundles" not in spec


def test_xcframework_bundles_programs_as_resources(build_root, tmp_path) -> None:
    """The config's programs go to Sources/<lib>_programs/Resources/ as a SwiftPM resource
    target and a CocoaPods resource bundle; a user's own Package.swift is never replaced."""
    from selbuild import REPO_ROOT
    from selbuild.config import load_config
    from selbuild.convert import read_program
    require("ios-arm64", "ios-sim-arm64", "ios-sim-x86_64")
    cfg = load_config(REPO_ROOT / "configs" / "tiny_cnn_f32.yaml")
    lib = "selrt_tiny_cnn_f32"
    root = tmp_path / "pkg"
    out = package_xcframework(cfg, root / "Tiny.xcframework", out_root=build_root)
    prog = root / "Sources" / f"{lib}_programs" / "Resources" / "tiny_cnn_f32.selrt"
    info = read_program(prog.read_bytes())
    assert info.inputs and info.outputs
    swift = (root / "Package.swift").read_text()
    assert f'.binaryTarget(name: "{lib}", path: "Tiny.xcframework")' in swift
    assert f'.target(name: "{lib}_programs", path: "Sources/{lib}_programs", resources: [.copy("Resources")])' in swift
    assert f'targets: ["{lib}", "{lib}_programs"]' in swift
    assert "Bundle.module.url" in (root / "Sources" / f"{lib}_programs" / "Programs.swift").read_text()
    spec = (root / f"{lib}.podspec").read_text()
    assert f"'{lib}_programs' => ['Sources/{lib}_programs/Resources/*']" in spec
    assert (out / "Info.plist").is_file()
    # Packaging again replaces our own files; a hand-written Package.swift stops it.
    package_xcframework(cfg, out, out_root=build_root, build=False)
    (root / "Package.swift").write_text("// my own package\n")
    from selbuild.errors import UsageError
    with pytest.raises(UsageError):
        package_xcframework(cfg, out, out_root=build_root, build=False)
    assert (root / "Package.swift").read_text() == "// my own package\n"


def test_no_build_fails_clearly_when_missing(tmp_path) -> None:
    cfg = config(tmp_path, ["android-arm64"])
    with pytest.raises(PackageError) as e:
        package_aar(cfg, tmp_path / "x.aar", out_root=tmp_path / "nothing", build=False)
    assert "android-arm64" in e.value.message and "selbuild build" in e.value.hint


def test_cli_needs_an_output() -> None:
    import sys
    from selbuild import REPO_ROOT
    r = subprocess.run([sys.executable, "-m", "selbuild", "package", str(REPO_ROOT / "configs" / "tiny_cnn_f32.yaml")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "--aar" in r.stderr


def test_aar_bundles_programs_java_api_symbols_and_pom(build_root, tmp_path) -> None:
    """Programs under assets/ stored and 16-aligned, classes.jar with Java 8 classes of the
    config's package, a library exporting the prefixed C API and the JNI entry points, the
    unstripped twins in <stem>.native-debug-symbols.zip, a POM."""
    import struct
    from selbuild import REPO_ROOT
    from selbuild.config import load_config
    from selbuild.convert import read_program
    require("android-arm64")
    cfg = load_config(REPO_ROOT / "configs" / "tiny_cnn_f32.yaml")
    cfg.targets = ["android-arm64"]
    out = package_aar(cfg, tmp_path / "app.aar", out_root=build_root)
    raw = out.read_bytes()
    with zipfile.ZipFile(out) as z:
        info = z.getinfo("assets/tiny_cnn_f32.selrt")
        assert info.compress_type == zipfile.ZIP_STORED
        n, e = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
        start = info.header_offset + 30 + n + e
        assert start % 16 == 0
        assert read_program(raw[start:start + info.file_size]).inputs[0].shape == (1, 32, 32, 3)
        with zipfile.ZipFile(__import__("io").BytesIO(z.read("classes.jar"))) as jar:
            classes = {n for n in jar.namelist() if n.endswith(".class")}
            assert {"org/selbuild/selrt_tiny_cnn_f32/Program.class",
                    "org/selbuild/selrt_tiny_cnn_f32/Session.class"} <= classes
            major = struct.unpack(">H", jar.read("org/selbuild/selrt_tiny_cnn_f32/Session.class")[6:8])[0]
            assert major == 52                                     # Java 8 bytecode
        so = lief.parse(list(z.read("jni/arm64-v8a/libselrt_tiny_cnn_f32.so")))
        exported = {s.name for s in so.exported_symbols}
        assert "selrt_tiny_cnn_f32_run" in exported and "selrt_run" not in exported
        assert "Java_org_selbuild_selrt_1tiny_1cnn_1f32_Native_run" in exported
        header = z.read("prefab/modules/selrt_tiny_cnn_f32/include/selrt.h").decode()
        assert "#define selrt_run selrt_tiny_cnn_f32_run" in header
    with zipfile.ZipFile(tmp_path / "app.native-debug-symbols.zip") as zs:
        dbg = lief.parse(list(zs.read("arm64-v8a/libselrt_tiny_cnn_f32.so")))
        assert any(s.name == "selrt_tiny_cnn_f32_run" for s in dbg.symtab_symbols)
    pom = (tmp_path / "app.pom").read_text()
    assert "<artifactId>selrt-tiny-cnn-f32</artifactId>" in pom and "<packaging>aar</packaging>" in pom
