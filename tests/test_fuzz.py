"""libFuzzer on the loader + interpreter (runtime_src/tools/fuzz_load.c).

The fuzz build links every catalogue kernel that has its C file, so accepted
programs exercise real kernels' `check` proofs as well as the core's. The
seeds are tests/fuzz_corpus.py's programs (every bundled model converted,
whole, partitioned for the backends and one layer at a time, plus the kernel
tests' single-op models) up to MAX_LEN bytes, and two at the format's edges.
bench/fuzz.sh runs the same target and seeds for as long as asked.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from fuzz_corpus import write_corpus
from harness import TOOLS, build
from program_writer import add_program, make_program
from structured_fuzz import fuzz_kernels

TESTS = Path(__file__).resolve().parent
FUZZ_SECONDS = 30
MAX_LEN = 8192

pytestmark = pytest.mark.skipif(shutil.which("clang-19") is None, reason="needs clang-19 with libFuzzer")


def make_seeds(out: Path, max_size: int = MAX_LEN) -> list[Path]:
    """The shared corpus (tests/fuzz_corpus.py) plus programs at the format's edges."""
    paths = write_corpus(out, max_size)
    for name, data in {"empty": make_program(tensors=[], nodes=[], inputs=[], outputs=[], kernels=[]),
                       "unknown_backend": add_program([2], [2], partitions=[{"backend": "x", "payload": b"p",
                                                                               "nodes": [0]}],
                                                      partition=0, metadata={"k": "v"})}.items():
        path = out / f"edge_{name}.selrt"
        path.write_bytes(data)
        paths.append(path)
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
    # With the test backend (tests/c/fake_backend.c) so partition paths run too,
    # and every uninitialised stack byte set to a pattern: a read of one then
    # shows as wrong behaviour under the fuzzer (see the rejected-inputs test).
    exe = build(root, kernels, main=TOOLS / "fuzz_load.c", name="fuzz_load", cc="clang-19",
                fuzzer=True, fake_backend=True, extra_flags=["-ftrivial-auto-var-init=pattern"])
    seeds = make_seeds(root / "seeds")
    return root, exe, seeds, kernels


def _run_fuzzer(root: Path, exe: Path, args: list[str], timeout: float):
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=timeout, cwd=root)


def test_seeds_are_valid_programs(fuzzer):
    """The corpus starts from programs the runtime accepts and runs (so the
    fuzzer begins deep inside the loader), converted ones included."""
    root, exe, seeds, _ = fuzzer
    assert len(seeds) >= 100
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
    res = _run_fuzzer(root, exe, [str(corpus), "-runs=5000", "-seed=7", f"-max_len={MAX_LEN}",
                                  "-rss_limit_mb=1536", f"-dict={write_dict(root / 'short.dict', kernels)}",
                                  f"-artifact_prefix={artifacts}/"], timeout=300)
    assert res.returncode == 0 and not list(artifacts.iterdir()), res.stderr[-4000:]
    assert "Done 5000 runs" in res.stderr


def test_rejected_inputs_are_not_reported_as_crashes(fuzzer, tmp_path):
    """The target must read only the terminated error message: built with every
    uninitialised stack byte set to a pattern (as the module's fuzzer is), a
    target that looked past the terminator would trap on each rejected input
    (a false crash that stops a campaign at its first garbage input)."""
    root, exe, seeds, _ = fuzzer
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
            f"-max_len={MAX_LEN}", "-seed=1", "-print_final_stats=1",
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
