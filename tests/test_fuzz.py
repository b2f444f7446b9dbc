"""libFuzzer on the loader + interpreter (runtime_src/tools/fuzz_load.c).

The fuzz build links every catalogue kernel that has its C file, so accepted
programs exercise real kernels' `check` proofs as well as the core's. The
seed corpus is made in the test from valid programs: add graphs from
program_writer.add_program, small real models converted by selbuild's converter and
one-op TFLite models (tests/tflite_builder.py) converted the same way (seeds
the converter cannot make yet are skipped: they only widen coverage).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from harness import TOOLS, build
from program_writer import add_program, make_program
from selbuild import RUNTIME_SRC, codegen
from selbuild.catalogue import load_catalogue

TESTS = Path(__file__).resolve().parent
FUZZ_SECONDS = 45

pytestmark = pytest.mark.skipif(shutil.which("clang-19") is None, reason="needs clang-19 with libFuzzer")


def fuzz_kernels() -> list[str]:
    """Catalogue kernels whose sources (and shared helpers) all exist."""
    cat, ok = load_catalogue(), []
    for k in cat.names():
        if (RUNTIME_SRC / cat[k].source).exists():
            try:
                codegen.sources([k])
                ok.append(k)
            except Exception:  # noqa: BLE001  (a helper file not written yet)
                pass
    return ok


def _converted(model_bytes_or_path) -> bytes | None:
    try:
        from selbuild.convert.pipeline import convert
        from selbuild.frontends import load_model, tflite
        if isinstance(model_bytes_or_path, Path):
            model = load_model(model_bytes_or_path)
        else:
            model = tflite.to_ir(tflite.parse_bytes(model_bytes_or_path))
        return convert(model).program
    except Exception:  # noqa: BLE001  (seed the converter cannot make yet)
        return None


def _one_op_models():
    try:
        from tflite_builder import Op, T, build_model
    except Exception:  # noqa: BLE001
        return
    r = np.random.default_rng(0)
    shape = [1, 4, 4, 3]
    for op in ("RELU", "RELU6", "TANH", "LOGISTIC", "EXP", "ABS", "NEG", "SQRT", "RSQRT",
               "HARD_SWISH", "ELU", "LOG", "SOFTMAX"):
        yield build_model(ops=[Op(op, ["x"], ["y"])], tensors=[T("x", shape), T("y", shape)])
    for op in ("ADD", "SUB", "MUL", "DIV", "MAXIMUM", "MINIMUM", "SQUARED_DIFFERENCE"):
        yield build_model(ops=[Op(op, ["x", "c"], ["y"])],
                          tensors=[T("x", shape), T("c", [3], data=r.random(3) + 0.5), T("y", shape)])
    yield build_model(ops=[Op("CONCATENATION", ["x", "z"], ["y"], options=dict(axis=3))],
                      tensors=[T("x", shape), T("z", shape), T("y", [1, 4, 4, 6])])
    yield build_model(ops=[Op("TRANSPOSE", ["x", "p"], ["y"])],
                      tensors=[T("x", shape), T("p", [4], "i32", data=[0, 2, 1, 3]), T("y", shape)])
    yield build_model(ops=[Op("CONV_2D", ["x", "w", "b"], ["y"],
                              options=dict(padding="same", stride_w=1, stride_h=1))],
                      tensors=[T("x", shape), T("w", [2, 3, 3, 3], data=r.random((2, 3, 3, 3))),
                               T("b", [2], data=r.random(2)), T("y", [1, 4, 4, 2])])
    yield build_model(ops=[Op("FULLY_CONNECTED", ["x", "w", "b"], ["y"])],
                      tensors=[T("x", [1, 6]), T("w", [2, 6], data=r.random((2, 6))),
                               T("b", [2], data=r.random(2)), T("y", [1, 2])])


def make_seeds(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    seeds = [
        add_program([2, 3], [3]),
        add_program([2, 1, 4], [1, 3, 1]),
        add_program([], [5]),
        add_program([4], [4], b_const=np.arange(4, dtype=np.float32), act=(-1.0, 1.0), chain=3),
        add_program([1, 2, 1, 3, 1, 2], [2, 1, 3, 1, 2, 1]),
        add_program([2], [2], partitions=[{"backend": "x", "payload": b"p", "nodes": [0]}], partition=0,
                    metadata={"k": "v"}),
        make_program(tensors=[], nodes=[], inputs=[], outputs=[], kernels=[]),
    ]
    for payload in (b"", b"F", b"R"):  # tests/c/fake_backend.c: runs, init fails, run fails
        seeds.append(add_program([2, 3], [3], partition=0, chain=2,
                                 partitions=[{"backend": "fake", "payload": payload, "nodes": [0]}]))
    seeds.append(add_program([2, 3], [3], partition=0, kernels=["mul.f32"],
                             partitions=[{"backend": "fake", "payload": b"", "nodes": [0]}]))
    for name in ("sine_float", "conv1d_audio_f32"):
        seeds.append(_converted(TESTS / "models" / "tflite" / f"{name}.tflite"))
    seeds += [_converted(m) for m in _one_op_models()]
    paths = []
    for i, s in enumerate(x for x in seeds if x is not None):
        p = out / f"seed_{i:03d}.selrt"
        p.write_bytes(s)
        paths.append(p)
    return paths


def write_dict(path: Path, kernels: list[str]) -> Path:
    lines = ['"SLRT"', '"fake"', '"\\x01\\x00\\x00\\x00"', '"\\xff\\xff\\xff\\xff"', '"\\x10\\x00\\x00\\x00"']
    lines += [f'"{k}"' for k in kernels]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def fuzzer(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    kernels = fuzz_kernels()
    # With the test backend (tests/c/fake_backend.c) so partition paths run too.
    exe = build(root, kernels, main=TOOLS / "fuzz_load.c", name="fuzz_load", cc="clang-19",
                fuzzer=True, fake_backend=True)
    seeds = make_seeds(root / "seeds")
    return root, exe, seeds, kernels


def _run_fuzzer(root: Path, exe: Path, args: list[str], timeout: float):
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=timeout, cwd=root)


def test_seeds_are_valid_programs(fuzzer):
    """The corpus starts from programs the runtime accepts and runs (so the
    fuzzer begins deep inside the loader), converted ones included."""
    root, exe, seeds, _ = fuzzer
    assert len(seeds) >= 7
    res = _run_fuzzer(root, exe, [*map(str, seeds)], timeout=120)  # run each input once
    assert res.returncode == 0, res.stderr[-3000:]
    assert f"Running: {seeds[-1]}" in res.stderr


def test_fuzzer_short_deterministic_run(fuzzer):
    """A fixed-seed, fixed-count libFuzzer run (a few seconds): the same
    mutations every time, so a regression shows up in every CI run."""
    root, exe, seeds, kernels = fuzzer
    corpus = root / "corpus_short"
    corpus.mkdir(exist_ok=True)
    for s in seeds:
        shutil.copy(s, corpus / s.name)
    artifacts = root / "artifacts_short"
    artifacts.mkdir(exist_ok=True)
    res = _run_fuzzer(root, exe, [str(corpus), "-runs=5000", "-seed=7", "-max_len=8192",
                                  "-rss_limit_mb=1536", f"-dict={write_dict(root / 'short.dict', kernels)}",
                                  f"-artifact_prefix={artifacts}/"], timeout=300)
    assert res.returncode == 0 and not list(artifacts.iterdir()), res.stderr[-4000:]
    assert "Done 5000 runs" in res.stderr


def test_rejected_inputs_are_not_reported_as_crashes(fuzzer, tmp_path):
    """The target must read only the terminated error message: built with every
    uninitialised stack byte set to a pattern, a target that looked past the
    terminator would trap on each rejected input (a false crash that stops a
    campaign at its first garbage input)."""
    root, _, seeds, kernels = fuzzer
    exe = build(tmp_path, kernels, main=TOOLS / "fuzz_load.c", name="fuzz_load_pattern", cc="clang-19",
                fuzzer=True, fake_backend=True, extra_flags=["-ftrivial-auto-var-init=pattern"])
    rejected = []
    for i, data in enumerate([b"", b"\x00" * 7, b"SLRT" * 9, seeds[0].read_bytes()[:40],
                              bytes(range(256)) * 3]):
        p = tmp_path / f"bad_{i}"
        p.write_bytes(data)
        rejected.append(str(p))
    res = _run_fuzzer(root, exe, rejected, timeout=120)
    assert res.returncode == 0, res.stderr[-3000:]
    assert f"Running: {rejected[-1]}" in res.stderr


REGRESSIONS = TESTS / "c" / "fuzz_regressions"


def test_past_fuzz_findings_stay_fixed(fuzzer):
    """Inputs that once crashed (kept in tests/c/fuzz_regressions/, one file
    per finding, named after the bug) run clean."""
    root, exe, _, _ = fuzzer
    found = sorted(REGRESSIONS.glob("*.selrt"))
    assert found
    res = _run_fuzzer(root, exe, [*map(str, found)], timeout=120)
    assert res.returncode == 0, res.stderr[-3000:]


@pytest.mark.slow
def test_fuzz_load_finds_no_crash(fuzzer):
    root, exe, seeds, kernels = fuzzer
    corpus = root / "corpus"
    corpus.mkdir(exist_ok=True)
    for s in seeds:
        shutil.copy(s, corpus / s.name)
    # Plus structure-aware programs for every kernel (accepted or not by its
    # check): byte mutations near them reach the kernels' checks and runs.
    import random

    from test_fuzz_kernels import random_program
    r = random.Random(3)
    for k in kernels:
        for j in range(4):
            (corpus / f"struct_{k}_{j}.selrt").write_bytes(random_program(r, k)[0])
    artifacts = root / "artifacts"
    artifacts.mkdir(exist_ok=True)
    args = [str(corpus), f"-max_total_time={FUZZ_SECONDS}", "-rss_limit_mb=1536", "-timeout=10",
            "-max_len=8192", "-seed=1", "-print_final_stats=1",
            f"-dict={write_dict(root / 'selrt.dict', kernels)}", f"-artifact_prefix={artifacts}/"]
    res = _run_fuzzer(root, exe, args, timeout=FUZZ_SECONDS + 120)
    crashes = sorted(artifacts.iterdir())
    assert res.returncode == 0 and not crashes, (
        f"fuzzer found {[c.name for c in crashes]}:\n{res.stderr[-6000:]}")
    m = re.search(r"stat::number_of_executed_units: (\d+)", res.stderr)
    assert m and int(m[1]) > 1000, res.stderr[-2000:]
    print(f"fuzz: {m[1]} executions in {FUZZ_SECONDS}s over {len(kernels)} kernels")


def test_converter_programs_load_in_the_runtime(fuzzer):
    """Schema agreement between the converter (Python writer) and the C
    loader: every converted seed loads, and runs, with all kernels linked."""
    root, _, seeds, kernels = fuzzer
    check = build(None, kernels, main=TESTS / "c" / "selrt_check.c", name="selrt_check_all",
                  cc="clang-19", sanitize=True, fake_backend=True)
    for s in seeds:
        res = subprocess.run([check, s], capture_output=True, text=True)
        assert res.returncode == 0 and res.stdout.startswith("status=0 ran=1 "), (s.name, res.stdout, res.stderr[-2000:])
