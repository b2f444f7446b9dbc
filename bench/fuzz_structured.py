"""A long structure-aware fuzz campaign over the runtime's loader and kernels.

    .venv/bin/python bench/fuzz_structured.py [--cases 100000] [--seed 1] [--out bench/results/fuzz_structured.json]

Mutants of the seed corpus (tests/fuzz_corpus.py: every bundled model
converted whole, partitioned and layer by layer, plus the kernel tests'
single-op models), edited field by field (tests/program_mutator.py), each
loaded and run under ASan+UBSan on arenas of 0x00, 0x80 and 0x7f bytes
(tests/structured_fuzz.py). Prints progress and the counts; a crash is kept
under the work directory and listed, and the exit status is 1. The test suite
runs the same campaign with 1,500 cases (tests/test_fuzz_structured.py).
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

import fuzz_corpus as F  # noqa: E402
import program_mutator as M  # noqa: E402
import structured_fuzz as S  # noqa: E402

CHUNK = 2000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", type=Path, default=REPO / "build" / "fuzz_structured")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "fuzz_structured.json")
    args = ap.parse_args(argv)
    t0 = time.time()
    exe = S.build_checker(args.work)
    seeds = F.seed_programs(65536)
    print(f"{len(seeds)} seed programs; checker built in {time.time() - t0:.0f}s", flush=True)
    stats = S.Stats()
    cases = M.mutants(seeds, args.cases, args.seed, S.fuzz_kernels())
    while stats.cases < args.cases:
        chunk = [next(cases) for _ in range(min(CHUNK, args.cases - stats.cases))]
        S.run(exe, args.work / "cases", chunk, stats)
        print(f"  {stats.cases:>7,} cases  {stats.runs:>7,} loads  loaded {stats.statuses[0]:>6,}  "
              f"ran {stats.ran:>6,}  crashes {len(stats.crashes)}  {time.time() - t0:.0f}s", flush=True)
    result = {"cases": stats.cases, "loads": stats.runs, "seed": args.seed, "seeds": len(seeds),
              "statuses": {str(k): v for k, v in sorted(stats.statuses.items())}, "ran": stats.ran,
              "crashes": [{"case": c.case, "fill": c.fill, "file": str(c.path)} for c in stats.crashes],
              "seconds": round(time.time() - t0, 1)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")
    for c in stats.crashes:
        print(f"CRASH {c.case} (arena fill {c.fill:#x}): {c.path}\n{c.report}")
    return 1 if stats.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
