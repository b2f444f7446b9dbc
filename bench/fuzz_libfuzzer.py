"""A long libFuzzer campaign on the program loader + interpreter + every kernel.

    .venv/bin/python bench/fuzz_libfuzzer.py [--minutes 30] [--jobs 1] [--max-len 65536] [--out bench/results/fuzz_libfuzzer.json]

Builds runtime_src/tools/fuzz_load.c with libFuzzer, ASan and UBSan against
every catalogue kernel and the test backend, seeds it with
tests/fuzz_corpus.py's programs (up to --max-len bytes) and runs it for
--minutes. Prints and writes the executions, coverage (edges, features),
corpus size and crashes; a crash leaves its input under the work directory
(turn it into a regression: tests/c/fuzz_regressions/<bug>.selrt) and makes
the exit status 1. CI runs the same target and seeds for 45 s
(tests/test_fuzz.py).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from harness import TOOLS, build  # noqa: E402
from structured_fuzz import fuzz_kernels  # noqa: E402
from test_fuzz import make_seeds, write_dict  # noqa: E402


def _last(pattern: str, text: str) -> int | None:
    found = re.findall(pattern, text)
    return int(found[-1]) if found else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--max-len", type=int, default=65536)
    ap.add_argument("--work", type=Path, default=REPO / "build" / "fuzz_libfuzzer")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "fuzz_libfuzzer.json")
    args = ap.parse_args(argv)
    if shutil.which("clang-19") is None:
        print("error: clang-19 (with libFuzzer) is not installed; run ./run.sh setup", file=sys.stderr)
        return 2
    work = args.work
    kernels = fuzz_kernels()
    exe = build(work, kernels, main=TOOLS / "fuzz_load.c", name="fuzz_load", cc="clang-19", fuzzer=True,
                fake_backend=True)
    seeds = make_seeds(work / "seeds", args.max_len)
    corpus, artifacts = work / "corpus", work / "artifacts"
    for d in (corpus, artifacts):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    for s in seeds:
        shutil.copy(s, corpus / s.name)
    seconds = int(args.minutes * 60)
    print(f"fuzzing {len(kernels)} kernels from {len(seeds)} seeds for {seconds}s ...", flush=True)
    t0 = time.time()
    cmd = [str(exe), str(corpus), f"-max_total_time={seconds}", "-rss_limit_mb=2048", "-timeout=10",
           f"-max_len={args.max_len}", "-print_final_stats=1", f"-dict={write_dict(work / 'selrt.dict', kernels)}",
           f"-artifact_prefix={artifacts}/"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=work)
    log = proc.stderr
    (work / "fuzz.log").write_text(log)
    crashes = sorted(p.name for p in artifacts.iterdir())
    result = {"seconds": round(time.time() - t0, 1), "seeds": len(seeds), "kernels": len(kernels),
              "execs": _last(r"stat::number_of_executed_units: (\d+)", log),
              "execs_per_sec": _last(r"stat::average_exec_per_sec:\s+(\d+)", log),
              "edges": _last(r"cov: (\d+)", log), "features": _last(r"ft: (\d+)", log),
              "corpus": len(list(corpus.iterdir())), "crashes": crashes, "exit_status": proc.returncode}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    for k, v in result.items():
        print(f"  {k:14s} {v}")
    print(f"wrote {args.out}; log {work / 'fuzz.log'}")
    return 1 if crashes or proc.returncode else 0


if __name__ == "__main__":
    sys.exit(main())
