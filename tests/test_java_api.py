"""The AAR's Java API for real, on this machine's JVM: the JNI layer
(runtime_src/jni/selrt_jni.c) built for the host into a package-named
library, the Java classes compiled with javac --release 8 under a
non-default package, and tests/java/RunModel.java driving real models.
Outputs must equal the C runner's bytes (selrt_run on a plain host build);
every misuse must throw its Java exception and leave the JVM running."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from selbuild import verify
from selbuild.build import build_target
from selbuild.config import BuildConfig
from selbuild.convert import convert, read_program
from selbuild.frontends import load_model
from selbuild.java_api import JavaNames, compile_classes

HERE = Path(__file__).parent
MODELS = ["tiny_cnn_f32", "tiny_cnn_int8", "conv1d_audio_f32", "mobilenetv2_a035_96_int8"]
NAMES = JavaNames("org.selbuild.jtest_app", "selrt_jtest")
ASSET_OFFSET = 40          # not 16-aligned in the container: the JNI layer must copy


def _java() -> str:
    java = shutil.which("java")
    if java is None or shutil.which("javac") is None:
        pytest.fail("the JDK is missing: sudo apt-get install -y openjdk-17-jdk-headless (run.sh installs it)")
    return java


@pytest.fixture(scope="module")
def setup(build_root, tmp_path_factory):
    from selbuild.convert.pipeline import required_kernels
    kernels: dict[str, list[str]] = {}
    for m in MODELS:
        for k in required_kernels(load_model(HERE / "models" / "tflite" / f"{m}.tflite")):
            kernels.setdefault(k, []).append(m)
    cfg = BuildConfig(path=build_root / "java_api.yaml", name="java_api", models=[], targets=["host"], ops=kernels)
    plain = build_target(cfg, "host", out_root=build_root)
    pkg = build_target(cfg, "host", out_root=build_root, library_name=NAMES.library_name, jni=NAMES.jni,
                       variant="pkg")
    work = tmp_path_factory.mktemp("java")
    driver = work / "RunModel.java"
    driver.write_text((HERE / "java" / "RunModel.java").read_text()
                      .replace("import org.selbuild.runtime.*;", f"import {NAMES.java_package}.*;"))
    classes = compile_classes(NAMES, work / "classes", [driver])
    return plain, pkg, classes, set(kernels), work


def _run_java(setup, *args) -> subprocess.CompletedProcess:
    plain, pkg, classes, _, _ = setup
    return subprocess.run([_java(), "-Xcheck:jni", "-cp", str(classes), f"-Djava.library.path={pkg.out_dir}",
                           "RunModel", *map(str, args)], capture_output=True, text=True, timeout=300)


def test_package_library_exports_prefixed_api_and_jni(setup) -> None:
    import lief
    plain, pkg, *_ = setup
    assert pkg.library.name == "libselrt_jtest.so"
    lib = lief.parse(str(pkg.library))          # kept alive: its symbols point into it
    names = {s.name for s in lib.exported_symbols}
    assert "selrt_jtest_run" in names and "selrt_run" not in names
    assert "Java_org_selbuild_jtest_1app_Native_load" in names      # '_' escaped as _1
    plain_lib = lief.parse(str(plain.library))
    plain_names = {s.name for s in plain_lib.exported_symbols}
    assert not any(n.startswith("Java_") for n in plain_names)      # plain builds carry no JNI


@pytest.mark.parametrize("model", MODELS)
def test_java_outputs_equal_the_c_runner(setup, model: str) -> None:
    plain, pkg, classes, kernels, work = setup
    program = convert(load_model(HERE / "models" / "tflite" / f"{model}.tflite"), kernels=kernels).program
    info = read_program(program)
    inputs = verify.random_inputs(info, seed=11)
    d = work / model
    (d / "in").mkdir(parents=True)
    (d / "out").mkdir()
    (d / "m.selrt").write_bytes(program)
    (d / "container.bin").write_bytes(b"\xAA" * ASSET_OFFSET + program + b"\xAA" * 7)
    for i, t in enumerate(info.inputs):
        (d / "in" / f"input_{i}.bin").write_bytes(np.ascontiguousarray(inputs[t.name]).astype("<" + inputs[t.name].dtype.str[1:]).tobytes())
    r = _run_java(setup, "run", d / "m.selrt", d / "in", d / "out", d / "container.bin", ASSET_OFFSET)
    assert r.returncode == 0, r.stdout + r.stderr
    ref = verify.run_program(plain.manifest, program, inputs)      # the selrt_run subprocess
    lines = r.stdout.splitlines()
    # Program.metadata() reads what the converter wrote (same on every load path: RunModel checks)
    esc = {k: v.replace("\\", "\\\\").replace("\n", "\\n") for k, v in info.metadata.items()}
    assert [ln[5:] for ln in lines if ln.startswith("meta ")] == [f"{k}={v}" for k, v in esc.items()]
    assert "source_sha256" in info.metadata
    for i, t in enumerate(info.inputs):
        want = f"input {i} {t.name} {list(t.shape)} "
        assert any(ln.startswith(want) for ln in lines), (want, lines)
    for i, t in enumerate(info.outputs):
        line = next(ln for ln in lines if ln.startswith(f"output {i} "))
        _, _, name, *_rest = line.split(" ", 3)
        assert name == t.name
        if t.dtype in ("i8", "u8"):
            assert re.search(rf" {t.zero_point} {t.nbytes}$", line), line
            assert float(line.split()[-3]) == pytest.approx(t.scale, rel=1e-6)
        got = np.frombuffer((d / "out" / f"output_{i}.bin").read_bytes(), dtype=t.numpy_dtype).reshape(t.shape)
        assert np.array_equal(got, ref[t.name]), f"{model} output {t.name!r}: Java differs from selrt_run"


def test_java_misuse_throws_and_never_crashes(setup, tmp_path) -> None:
    plain, pkg, classes, kernels, work = setup
    program = convert(load_model(HERE / "models" / "tflite" / "tiny_cnn_f32.tflite"), kernels=kernels).program
    (tmp_path / "m.selrt").write_bytes(program)
    r = _run_java(setup, "misuse", tmp_path / "m.selrt")
    assert r.returncode == 0, r.stdout + r.stderr
    oks = [ln for ln in r.stdout.splitlines() if ln.startswith("ok ")]
    assert len(oks) == 19 and "misuse failures 0" in r.stdout, r.stdout


def test_jni_abi_slots_match_the_jdk(tmp_path) -> None:
    """runtime_src/jni/include/selrt_jni_abi.h's slot numbers are those of the JDK's jni.h."""
    javac = Path(shutil.which("javac") or pytest.fail("javac missing")).resolve()
    include = javac.parent.parent / "include"
    header = (HERE.parent / "runtime_src" / "jni" / "include" / "selrt_jni_abi.h").read_text()
    slots = dict(re.findall(r"SELRT_JNI_SLOT\((\w+), (\d+)\);", header))
    assert len(slots) >= 15
    src = tmp_path / "slots.c"
    src.write_text("#include <jni.h>\n#include <stdio.h>\n#include <stddef.h>\nint main(void){\n"
                   + "".join(f'printf("{f} %zu\\n", offsetof(struct JNINativeInterface_, {f}) / sizeof(void *));\n'
                             for f in slots) + "return 0;}\n")
    exe = tmp_path / "slots"
    subprocess.run(["cc", f"-I{include}", f"-I{include / 'linux'}", str(src), "-o", str(exe)], check=True)
    jdk = dict(ln.split() for ln in subprocess.run([str(exe)], capture_output=True, text=True,
                                                   check=True).stdout.splitlines())
    assert jdk == slots
