"""A long mutation campaign over selbuild's Python entry points.

    nice -n 10 .venv/bin/python bench/fuzz_python.py [--cases 30000] [--seed 1] [--timeout 30]
                                                     [--out bench/results/fuzz_python.json]

Mutants of every bundled model format (.tflite, .pte, and a .ptl/.pt2 written by
torch) and of configs/*.yaml go to analyze, convert or config check in one
worker process with its address space capped, each under a timeout
(tests/python_fuzz.py says how). Prints progress and the counts per outcome
(ok, selbuild_error, other, memory, hang, crash); inputs with any outcome but ok
or SelbuildError are kept under --work and listed, and the exit status is 1.
The test suite runs ~300 cases of the same campaign (tests/test_fuzz_python.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

import python_fuzz as P  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=30_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per input before it counts as a hang")
    ap.add_argument("--work", type=Path, default=REPO / "build" / "fuzz_python")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "fuzz_python.json")
    args = ap.parse_args(argv)
    t0 = time.time()

    def write(stats: P.Stats, done: bool) -> None:
        result = {"cases": stats.cases, "finished": done, "seed": args.seed, "timeout_s": args.timeout,
                  "memory_cap_bytes_beyond_imports": P.MEM_CAP,
                  "outcomes": {k: stats.outcomes[k] for k in P.OUTCOMES},
                  "by_api": dict(sorted(stats.by_api.items())),
                  "worker_peak_rss_mb": round(stats.peak_rss_mb, 1),
                  "slowest": [{"seconds": s, "case": c} for s, c in stats.slowest],
                  "findings": stats.findings, "seconds": round(time.time() - t0, 1)}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")

    def progress(s: P.Stats) -> None:
        if s.cases % 1000 == 0:       # a partial result survives an interrupted campaign
            counts = "  ".join(f"{k} {s.outcomes[k]:,}" for k in P.OUTCOMES)
            print(f"  {s.cases:>7,} cases  {counts}  {time.time() - t0:.0f}s", flush=True)
            write(s, False)

    stats = P.campaign(args.work, args.cases, args.seed, args.timeout, keep=args.work / "findings",
                       progress=progress)
    write(stats, True)
    print(f"wrote {args.out}")
    for f in stats.findings:
        print(f"{f['outcome'].upper()} {f['case']} ({f['api']}): kept in {f['saved']}\n{f['detail']}")
    return 1 if stats.findings else 0


if __name__ == "__main__":
    sys.exit(main())
