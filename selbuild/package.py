"""Packaging built runtimes for app projects.

AAR (Android): jni/<abi>/libselrt.so for each Android target (arm64-v8a,
armeabi-v7a, x86_64, x86; all four when the config names none), plus Prefab
metadata (prefab/prefab.json, modules/selrt/module.json, per-ABI abi.json +
the .so, include/selrt.h) so Gradle (`buildFeatures { prefab true }`) and its
CMake integration can `find_package(selrt)` and link it.

XCFramework (iOS): the static lib<name>.a per slice (symbols prefixed like the
AAR's, so two selbuild runtimes link into one app). Device `ios-arm64`, and
one fat `ios-arm64_x86_64-simulator` slice made with llvm-lipo from the two
simulator builds; Headers/<name>/ holds selrt.h and a module.modulemap (Swift
`import <name>`): a folder per framework, because Xcode merges every
XCFramework's Headers/ into one include dir and two top-level module maps
would collide. Info.plist is written with plistlib because xcodebuild
-create-xcframework is not available without Xcode. Beside it,
selbuild.apple_package writes Package.swift, a podspec and the programs as
resources.

Both outputs are deterministic (sorted zip entries with fixed timestamps).
Missing builds are built first unless build=False, then PackageError.
"""

from __future__ import annotations

import io
import json
import plistlib
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

from selbuild import RUNTIME_SRC, __version__, apple_package
from selbuild.config import BuildConfig
from selbuild.errors import PackageError, ToolchainError
from selbuild.java_api import JavaNames, classes_jar
from selbuild.symbols import check_library_name, default_library_name, prefix_header
from selbuild.outputs import check_output, is_zip, replace_dir, write_atomic
from selbuild.targets import ANDROID_ABI

HEADER = RUNTIME_SRC / "include" / "selrt.h"
ANDROID_API = 21
IOS_DEVICE = "ios-arm64"
IOS_SIMULATORS = ("ios-sim-arm64", "ios-sim-x86_64")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def modulemap(lib: str) -> str:
    return f'module {lib} {{\n  header "selrt.h"\n  export *\n}}\n'


@dataclass(frozen=True)
class Built:
    target: str
    library: Path
    static_library: Path
    unstripped: Path | None = None


def _built(config: BuildConfig, target: str, out_root: Path | None, build: bool,
           names: JavaNames | None = None, variant: str = "aar") -> Built:
    """A target's build; with `names`, a package variant: own library name (+ JNI for
    the AAR), dir <target>.<variant>."""
    from selbuild.build import build_target, out_dir_for
    pkg = {"library_name": names.library_name, "jni": names.jni if variant == "aar" else None,
           "variant": variant} if names else {}
    if build:
        r = build_target(config, target, out_root=out_root, **pkg)
        return Built(target, r.library, r.static_library, r.unstripped)
    out = out_dir_for(config, target, out_root, pkg.get("variant"))
    manifest = out / "manifest.json"
    if not manifest.is_file():
        raise PackageError(f"no {target} build of {config.stem} in {out}",
                           hint=f"package without --no-build, or run `selbuild build {config.path} --target {target}` first")
    art = json.loads(manifest.read_text())["artifacts"]
    return Built(target, out / art["library"], out / art["static_library"], out / art["unstripped"])


def java_names(config: BuildConfig) -> JavaNames:
    """The package's library name and Java package (config `package:`, else derived from the config name)."""
    lib = check_library_name(config.package.library_name or default_library_name(config.name or config.stem))
    return JavaNames(config.package.java_package or f"org.selbuild.{lib}", lib)


def android_targets(config: BuildConfig) -> list[str]:
    """The config's Android targets; all four ABIs when it names none."""
    chosen = [t for t in config.targets if t in ANDROID_ABI]
    return chosen or sorted(ANDROID_ABI)


def _zip_add(z: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, data)


def check_aar_output(config: BuildConfig, out: Path) -> None:
    """Before any build: never write over the config, its models or a file that is not a zip (an earlier AAR)."""
    check_output(out, "--aar", inputs=[config.path, *(m.path for m in config.models)],
                 replaceable=is_zip, what="an AAR (zip) file")
    aar_side_files(out)


def is_xcframework(path: Path) -> bool:
    """An existing folder we may replace: an earlier XCFramework (Info.plist of type XFWK)."""
    try:
        plist = plistlib.loads((path / "Info.plist").read_bytes())
    except (OSError, ValueError, plistlib.InvalidFileException):
        return False
    return isinstance(plist, dict) and plist.get("CFBundlePackageType") == "XFWK"


def check_xcframework_output(config: BuildConfig, out: Path) -> None:
    """Never replace a folder that is not an earlier XCFramework (not `.`, not a project folder),
    nor a Package.swift / podspec / program the user wrote beside it."""
    check_output(out, "--xcframework", inputs=[config.path, *(m.path for m in config.models)], kind="dir",
                 replaceable=lambda p: is_xcframework(p) or (p.is_dir() and not any(p.iterdir())),
                 what="an XCFramework (a folder with an Info.plist of type XFWK)")
    lib = java_names(config).library_name
    for rel in ("Package.swift", f"{lib}.podspec", f"Sources/{apple_package.programs_target(lib)}/Programs.swift"):
        check_output(Path(out).parent / rel, "--xcframework", replaceable=apple_package.is_ours,
                     what="a file written by selbuild")


def package_aar(config: BuildConfig, out: Path, *, out_root: Path | None = None, build: bool = True) -> Path:
    """The AAR, plus beside it <stem>.pom and <stem>.native-debug-symbols.zip (unstripped libraries)."""
    check_aar_output(config, out)
    out = Path(out)
    pom_path, symbols_path = aar_side_files(out)
    names = java_names(config)
    lib = names.library_name
    targets = android_targets(config)
    built = [_built(config, t, out_root, build, names) for t in targets]
    package = names.java_package
    header = (prefix_header(lib) + "\n").lstrip() + HEADER.read_text()
    files: dict[str, bytes] = {
        "AndroidManifest.xml": (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            f'<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="{package}">\n'
            f'  <uses-sdk android:minSdkVersion="{ANDROID_API}" />\n</manifest>\n').encode(),
        "classes.jar": classes_jar(names),
        "R.txt": b"",
        "prefab/prefab.json": json.dumps({"schema_version": 2, "name": lib, "version": __version__,
                                          "dependencies": []}, indent=2).encode(),
        f"prefab/modules/{lib}/module.json": json.dumps({"export_libraries": [], "library_name": f"lib{lib}",
                                                         "android": {}}, indent=2).encode(),
        f"prefab/modules/{lib}/include/selrt.h": header.encode(),
    }
    symbols: dict[str, bytes] = {}
    for b in built:
        abi = ANDROID_ABI[b.target]
        so = b.library.read_bytes()
        files[f"jni/{abi}/lib{lib}.so"] = so
        base = f"prefab/modules/{lib}/libs/android.{abi}"
        # ndk: the oldest NDK major whose consumers can link this (plain C, no STL).
        files[f"{base}/abi.json"] = json.dumps({"abi": abi, "api": ANDROID_API, "ndk": 21, "stl": "none",
                                                "static": False}, indent=2).encode()
        files[f"{base}/lib{lib}.so"] = so
        if b.unstripped is not None:
            symbols[f"{abi}/lib{lib}.so"] = b.unstripped.read_bytes()
    stored = {f"assets/{name}": data for name, data in bundled_programs(config).items()}
    write_atomic(out, _zip(files, stored))
    write_atomic(symbols_path, _zip(symbols, {}))
    write_atomic(pom_path, pom(names).encode())
    return out


def aar_side_files(out: Path) -> tuple[Path, Path]:
    """(<stem>.pom, <stem>.native-debug-symbols.zip) beside the AAR; checked like the AAR itself."""
    out = Path(out)
    pom_path = out.with_suffix(".pom")
    symbols_path = out.with_name(out.stem + ".native-debug-symbols.zip")
    check_output(pom_path, "--aar", replaceable=lambda p: b"<project" in p.read_bytes()[:400],
                 what="a POM written by selbuild")
    check_output(symbols_path, "--aar", replaceable=is_zip, what="a zip file")
    return pom_path, symbols_path


def bundled_programs(config: BuildConfig) -> dict[str, bytes]:
    """<model name>.selrt for every model of the config the converter can compile, and
    <model name>.metadata.json beside it when the model has app metadata (labels,
    normalization: an app reads them without parsing the program)."""
    from selbuild.convert import convert
    from selbuild.errors import UnsupportedError
    from selbuild.frontends.tflite_metadata import to_json
    from selbuild.planning import analysis
    out = {}
    for m in config.models:
        a = analysis(Path(m.path), input_shapes=m.input_shapes)
        if a.summary.metadata:
            out[f"{m.name}.metadata.json"] = (to_json(a.summary.metadata) + "\n").encode()
        try:
            out[f"{m.name}.selrt"] = convert(a.model, kernels=set(config.kernels()),
                                              input_shapes=m.input_shapes or None,
                                              unroll=config.unroll_loops).program
        except UnsupportedError as e:
            raise PackageError(f"{m.name}: cannot bundle it as a .selrt program: {e.message}",
                               hint="remove the model from the config, or convert it yourself") from None
    return out


def pom(names: JavaNames) -> str:
    artifact = names.library_name.replace("_", "-")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<project xmlns="http://maven.apache.org/POM/4.0.0" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">\n'
            '  <modelVersion>4.0.0</modelVersion>\n'
            f'  <groupId>{names.java_package.rsplit(".", 1)[0]}</groupId>\n'
            f'  <artifactId>{artifact}</artifactId>\n'
            f'  <version>{__version__}</version>\n'
            '  <packaging>aar</packaging>\n'
            f'  <description>selbuild runtime {names.library_name} (Java API {names.java_package})</description>\n'
            '</project>\n')


ASSET_ALIGN = 16          # the runtime reads weights in place: mapped assets must be 16-aligned


def _zip(deflated: dict[str, bytes], stored: dict[str, bytes]) -> bytes:
    """Sorted entries, fixed timestamps; `stored` ones uncompressed with their data
    ASSET_ALIGN-aligned in the file (padding in an extra field, as zipalign does)."""
    import struct
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in sorted({**deflated, **stored}):
            if name in stored:
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_STORED
                data_at = buf.tell() + 30 + len(name.encode()) + 4
                pad = (-data_at) % ASSET_ALIGN
                info.extra = struct.pack("<HH", 0xD935, pad) + b"\0" * pad
                z.writestr(info, stored[name])
            else:
                _zip_add(z, name, deflated[name])
    return buf.getvalue()


def _lipo() -> str:
    from selbuild.toolchain_loader import make_importable
    make_importable()
    from toolchains._common import llvm_tool
    tool = llvm_tool("llvm-lipo") or shutil.which("lipo")
    if tool is None:
        raise ToolchainError("llvm-lipo-19 is needed for the fat simulator slice",
                             hint="sudo apt-get install -y --no-install-recommends llvm-19")
    return tool


def package_xcframework(config: BuildConfig, out: Path, *, out_root: Path | None = None,
                        build: bool = True) -> Path:
    """The XCFramework, and beside it Package.swift, <lib>.podspec and
    Sources/<lib>_programs/ with the config's programs (selbuild.apple_package)."""
    check_xcframework_output(config, out)
    out = Path(out)
    names = java_names(config)
    lib = names.library_name
    device = _built(config, IOS_DEVICE, out_root, build, names, "xcframework")
    sims = [_built(config, t, out_root, build, names, "xcframework") for t in IOS_SIMULATORS]
    programs = bundled_programs(config)
    replace_dir(out, lambda tmp: _fill_xcframework(tmp, device, sims, lib))
    res_dir = out.parent / "Sources" / apple_package.programs_target(lib)
    stale = res_dir / "Resources"
    for old in (sorted([*stale.glob("*.selrt"), *stale.glob("*.metadata.json")]) if stale.is_dir() else []):
        if old.name not in programs:
            old.unlink()
    for rel, data in apple_package.side_files(lib, out.name, programs).items():
        (out.parent / rel).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out.parent / rel, data)
    return out


def _fill_xcframework(out: Path, device: Built, sims: list[Built], lib: str) -> None:
    slices = [
        ("ios-arm64", ["arm64"], None),
        ("ios-arm64_x86_64-simulator", ["arm64", "x86_64"], "simulator"),
    ]
    libs = []
    header = (prefix_header(lib) + "\n").lstrip() + HEADER.read_text()
    archive = f"lib{lib}.a"
    for ident, archs, variant in slices:
        d = out / ident
        (d / "Headers" / lib).mkdir(parents=True)
        (d / "Headers" / lib / "selrt.h").write_text(header)
        (d / "Headers" / lib / "module.modulemap").write_text(modulemap(lib))
        if variant is None:
            shutil.copyfile(device.static_library, d / archive)
        else:
            cmd = [_lipo(), "-create", *[str(s.static_library) for s in sims], "-output", str(d / archive)]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                raise PackageError(f"llvm-lipo failed: {r.stderr.strip()}", hint=" ".join(cmd))
        entry = {"LibraryIdentifier": ident, "LibraryPath": archive, "HeadersPath": "Headers",
                 "SupportedArchitectures": archs, "SupportedPlatform": "ios"}
        if variant:
            entry["SupportedPlatformVariant"] = variant
        libs.append(entry)
    plist = {"AvailableLibraries": libs, "CFBundlePackageType": "XFWK", "XCFrameworkFormatVersion": "1.0"}
    (out / "Info.plist").write_bytes(plistlib.dumps(plist, sort_keys=True))


def ar_members(data: bytes) -> list[tuple[str, bytes]]:
    """Members of a GNU or BSD (Darwin) ar archive, symbol tables skipped.

    LIEF cannot read archives; tests and the size report parse members one by one."""
    if not data.startswith(b"!<arch>\n"):
        raise PackageError("not an ar archive")
    pos, names, out = 8, b"", []
    while pos + 60 <= len(data):
        hdr = data[pos:pos + 60]
        name = hdr[:16].decode("ascii").strip()
        size = int(hdr[48:58].decode("ascii").strip())
        body = data[pos + 60:pos + 60 + size]
        pos += 60 + size + (size & 1)
        if name.startswith("#1/"):               # BSD: the name precedes the data
            n = int(name[3:])
            real, body = body[:n].rstrip(b"\0").decode(), body[n:]
        elif name == "//":                       # GNU long-name table
            names = body
            continue
        elif name in ("/", "/SYM64/"):
            continue
        elif name.startswith("/") and name[1:].isdigit():
            off = int(name[1:])
            real = names[off:names.index(b"/\n", off)].decode()
        else:
            real = name.rstrip("/")
        if real.startswith("__.SYMDEF"):
            continue
        out.append((real, body))
    return out
