"""The structure-aware campaign: mutants of the seed corpus (tests/fuzz_corpus.py,
tests/program_mutator.py) loaded and, when they load, run by
tests/c/selrt_check.c built with every catalogue kernel under ASan+UBSan, on
arenas of 0x00, 0x80 and 0x7f bytes. Used by tests/test_fuzz_structured.py
(a short run) and bench/fuzz_structured.py (a long one).

A batch whose driver aborts is re-run one program at a time to name the
crashing cases; each crash is kept as a file for a regression test.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import harness as H
from selbuild import RUNTIME_SRC, codegen
from selbuild.catalogue import load_catalogue
from selbuild.errors import SelbuildError

FILLS = (0x00, 0x80, 0x7F)


def fuzz_kernels() -> list[str]:
    """Catalogue kernels whose sources (and shared helpers) all exist."""
    cat, ok = load_catalogue(), []
    for k in cat.names():
        if not (RUNTIME_SRC / cat[k].source).exists():
            continue
        try:
            codegen.sources([k])
        except SelbuildError:          # a shared helper file not written yet
            continue
        ok.append(k)
    return ok


def build_checker(out_dir: Path | None) -> Path:
    return H.build(out_dir, fuzz_kernels(), cc="clang-19", sanitize=True, main=H.TESTS_C / "selrt_check.c",
                   name="selrt_check_all", fake_backend=True)


@dataclass
class Crash:
    case: str
    fill: int
    path: Path
    report: str


@dataclass
class Stats:
    cases: int = 0
    runs: int = 0                        # loads attempted: cases x fills
    statuses: Counter = field(default_factory=Counter)
    ran: int = 0
    crashes: list[Crash] = field(default_factory=list)


def _batch(exe: Path, paths: list[Path], fill: int, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([str(exe), "--fill", str(fill), "--batch", *map(str, paths)], capture_output=True,
                          text=True, timeout=timeout)


def run(exe: Path, workdir: Path, cases: list[tuple[str, bytes]], stats: Stats, *, batch: int = 100,
        timeout: float = 300) -> Stats:
    """Load (and run) every case on every fill; counts into `stats`."""
    workdir.mkdir(parents=True, exist_ok=True)
    for start in range(0, len(cases), batch):
        chunk = cases[start:start + batch]
        paths = []
        for i, (_, data) in enumerate(chunk):
            p = workdir / f"case_{i:04d}.selrt"
            p.write_bytes(data)
            paths.append(p)
        stats.cases += len(chunk)
        for fill in FILLS:
            res = _batch(exe, paths, fill, timeout)
            if res.returncode == 0:
                _count(res.stdout, stats)
                continue
            for (desc, data), p in zip(chunk, paths):      # name the crashing cases
                one = _batch(exe, [p], fill, timeout)
                if one.returncode == 0:
                    _count(one.stdout, stats)
                else:
                    keep = workdir / "crashes" / f"crash_{len(stats.crashes):03d}.selrt"
                    keep.parent.mkdir(exist_ok=True)
                    keep.write_bytes(data)
                    stats.runs += 1
                    stats.crashes.append(Crash(desc, fill, keep, one.stderr[-2000:]))
    return stats


def _count(stdout: str, stats: Stats) -> None:
    for line in stdout.splitlines():
        _, status, ran = line.split()
        stats.runs += 1
        stats.statuses[int(status.removeprefix("status="))] += 1
        stats.ran += int(ran.removeprefix("ran="))
