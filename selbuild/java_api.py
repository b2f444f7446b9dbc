"""The Java API of the AAR (runtime_src/java, over runtime_src/jni/selrt_jni.c).

The sources are written for the package `org.selbuild.runtime` and the
library `selrt`; a package build rewrites both (its own Java package and
lib<name>.so), so two SDKs built with selbuild do not share class names or
library files. javac compiles them for Java 8 bytecode (`--release 8`), which
every Android toolchain (D8) accepts. classes.jar is written with zipfile
(fixed timestamps, sorted entries), so it is deterministic.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from selbuild import RUNTIME_SRC
from selbuild.errors import PackageError

JAVA_SRC = RUNTIME_SRC / "java"
BASE_PACKAGE = "org.selbuild.runtime"
JAVA_RELEASE = "8"
APT_JDK = "sudo apt-get install -y --no-install-recommends openjdk-17-jdk-headless"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class JavaNames:
    java_package: str            # org.selbuild.myapp
    library_name: str            # myapp -> libmyapp.so

    @property
    def jni(self) -> dict:
        """The request's "jni" entry: the mangled native prefix and the exception class path."""
        from selbuild.symbols import jni_mangle
        return {"class": jni_mangle(self.java_package),
                "exception": self.java_package.replace(".", "/") + "/SelrtException"}


def sources(names: JavaNames) -> dict[str, str]:
    """{relative .java path: text} with the package and library name substituted."""
    out = {}
    base_dir = BASE_PACKAGE.replace(".", "/")
    for path in sorted((JAVA_SRC / base_dir).glob("*.java")):
        text = path.read_text().replace(f"package {BASE_PACKAGE};", f"package {names.java_package};")
        text = text.replace('LIBRARY = "selrt";', f'LIBRARY = "{names.library_name}";')
        out[f"{names.java_package.replace('.', '/')}/{path.name}"] = text
    return out


def javac() -> str:
    home = os.environ.get("JAVA_HOME")
    tool = (str(Path(home) / "bin" / "javac") if home and (Path(home) / "bin" / "javac").is_file()
            else shutil.which("javac"))
    if tool is None:
        raise PackageError("javac is needed to compile the AAR's Java API", hint=APT_JDK)
    return tool


def compile_classes(names: JavaNames, out_dir: Path, extra_sources: list[Path] = ()) -> Path:
    """Compile the API (plus extra_sources, e.g. a test driver) into out_dir; returns out_dir."""
    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="selrt_java_") as tmp:
        src = Path(tmp)
        files = []
        for rel, text in sources(names).items():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            (src / rel).write_text(text)
            files.append(str(src / rel))
        cmd = [javac(), "--release", JAVA_RELEASE, "-Xlint:-options", "-encoding", "UTF-8", "-d", str(out_dir),
               *files, *map(str, extra_sources)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise PackageError(f"javac failed: {r.stderr.strip()[-2000:]}", hint=" ".join(cmd))
    return out_dir


def classes_jar(names: JavaNames) -> bytes:
    """classes.jar of the API for names (deterministic bytes)."""
    with tempfile.TemporaryDirectory(prefix="selrt_classes_") as tmp:
        root = compile_classes(names, Path(tmp))
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            entries = {"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\r\n\r\n"}
            for p in sorted(root.rglob("*.class")):
                entries[p.relative_to(root).as_posix()] = p.read_bytes()
            for name in sorted(entries):
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, entries[name])
        return buf.getvalue()
