"""Host latency: our runtime vs LiteRT, single-threaded, same inputs, same run.

    .venv/bin/python bench/latency.py [--repeat 20] [--rounds 3] [--cpu 1] [--profile speed] [--threads 2] [MODEL ...]

Default models: mobilenetv2_a100_224_f32 and, when the converter and the
runtime have its kernels, mobilenetv2_a100_224_int8. For each model: builds
the host runtime with the model's kernels (build/bench-<model>/host, the
profile given), converts it, checks our outputs against LiteRT once, then
times `repeat` runs inside selrt_run (program load and file I/O excluded)
and `repeat` LiteRT invokes with num_threads=1: the default resolver (XNNPACK)
and the optimized builtin kernels without delegates. MODEL is a name under
tests/models/tflite or a path to a .tflite file. The whole process (and the
runner it starts) is pinned to one CPU (--cpu, -1 = not pinned); the timings
are repeated in `rounds` rounds, ours then LiteRT's in each, so that a ratio
compares runs made under the same machine load: the ratios are given per round
and as their median, with the load average before and after. Writes
bench/results/latency.json.

--threads T (> 1) builds our runtime with `threads: T` and also times it with
T threads (selrt_run --threads T, tools/selrt_pool.c), pinned to T CPUs from
--cpu on: `selrt_t<T>` and `speedup_t<T>` (1-thread median / T-thread median).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from selbuild import verify  # noqa: E402
from selbuild.build import build_target  # noqa: E402
from selbuild.config import BuildConfig  # noqa: E402
from selbuild.convert import convert, read_program  # noqa: E402
from selbuild.convert.pipeline import required_kernels  # noqa: E402
from selbuild.errors import SelbuildError  # noqa: E402
from selbuild.frontends import load_model  # noqa: E402

MODELS = REPO / "tests" / "models" / "tflite"
DEFAULT = ["mobilenetv2_a100_224_f32", "mobilenetv2_a100_224_int8"]


def time_litert(path: Path, inputs: dict[str, np.ndarray], repeat: int, resolver: str, threads: int = 1) -> dict:
    pinned = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    if pinned is not None and threads > len(pinned):
        # More threads than pinned CPUs would only share one core: let them spread.
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    try:
        return _time_litert(path, inputs, repeat, resolver, threads)
    finally:
        if pinned is not None:
            os.sched_setaffinity(0, pinned)


def _time_litert(path: Path, inputs: dict[str, np.ndarray], repeat: int, resolver: str, threads: int) -> dict:
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    interp = Interpreter(model_path=str(path), num_threads=threads,
                         experimental_op_resolver_type=getattr(OpResolverType, resolver))
    interp.allocate_tensors()
    for d in interp.get_input_details():
        interp.set_tensor(d["index"], inputs[d["name"]])
    interp.invoke()                       # warm-up (XNNPACK packs weights on first run)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        interp.invoke()
        times.append((time.perf_counter() - t) * 1e3)
    return {"min_ms": round(min(times), 3), "median_ms": round(statistics.median(times), 3)}


def model_path(name: str) -> Path:
    path = Path(name)
    return path if path.suffix == ".tflite" and path.exists() else MODELS / f"{name}.tflite"


# (row key, LiteRT resolver, threads); ratios are ours (one thread) / each.
LITERT_RUNS = [("litert_auto", "AUTO", 1), ("litert_auto_t2", "AUTO", 2),
               ("litert_builtin_without_default_delegates", "BUILTIN_WITHOUT_DEFAULT_DELEGATES", 1)]


def bench(name: str, repeat: int, profile: str, rounds: int = 1, threads: int = 1) -> dict:
    path = model_path(name)
    name = path.stem
    model = load_model(path)
    kernels = required_kernels(model)
    cfg = BuildConfig(path=REPO / "build" / f"bench-{name}.yaml", name=f"bench-{name}", models=[],
                      targets=["host"], profile=profile, threads=threads, ops={k: [name] for k in kernels})
    result = build_target(cfg, "host", out_root=REPO / "build", profile=profile)
    program = convert(model, kernels=set(kernels)).program
    info = read_program(program)
    inputs = verify.random_inputs(info, seed=1)
    ours = verify.run_program(result.manifest, program, inputs)
    ref = verify.litert_reference(path, inputs, num_threads=1)
    if all(np.issubdtype(a.dtype, np.floating) for a in ref.values()):
        check = {c.name: {"max_abs_err": c.max_abs_err, "ok": c.ok} for c in verify.compare_float(ours, ref)}
    else:
        check = {k: {"max_abs_diff": int(np.max(np.abs(ours[k].astype(np.int64) - v.astype(np.int64))))}
                 for k, v in ref.items()}
    per_round = []
    for _ in range(max(1, rounds)):
        lat = verify.time_program(result.manifest, program, inputs, repeat)
        r = {"selrt": {"min_ms": lat.min_ms, "median_ms": lat.median_ms}}
        if threads > 1:
            lt = verify.time_program(result.manifest, program, inputs, repeat, threads=threads)
            r[f"selrt_t{threads}"] = {"min_ms": lt.min_ms, "median_ms": lt.median_ms}
            r[f"speedup_t{threads}"] = round(lat.median_ms / lt.median_ms, 3)
        for key, resolver, lt_threads in LITERT_RUNS:
            r[key] = time_litert(path, inputs, repeat, resolver, lt_threads)
            r["ratio_vs_" + key[len("litert_"):]] = round(lat.median_ms / r[key]["median_ms"], 3)
        per_round.append(r)
    row = {"model": name, "profile": profile, "repeat": repeat, "rounds": len(per_round),
           "kernels": sorted(kernels), "check_vs_litert": check,
           "library_bytes": result.library.stat().st_size if result.library else None, "per_round": per_round}
    # Summary fields keep their old names: medians over the rounds.
    for key in ["selrt"] + [f"selrt_t{threads}"] * (threads > 1) + [k for k, _, _ in LITERT_RUNS]:
        row[key] = {m: round(statistics.median(r[key][m] for r in per_round), 3) for m in ("min_ms", "median_ms")}
    for key in [k for k in per_round[0] if k.startswith(("ratio_vs_", "speedup_t"))]:
        row[key] = round(statistics.median(r[key] for r in per_round), 2)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="*")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cpu", type=int, default=1, help="CPU to pin to (-1: no pinning)")
    ap.add_argument("--profile", default="speed", choices=["speed", "size"])
    ap.add_argument("--threads", type=int, default=1, help="also time our runtime with this many threads")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "latency.json")
    args = ap.parse_args(argv)
    if args.cpu >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {c % (os.cpu_count() or 1) for c in range(args.cpu, args.cpu + max(1, args.threads))})
    load_before = os.getloadavg()
    rows, skipped = [], []
    for name in args.models or DEFAULT:
        try:
            row = bench(name, args.repeat, args.profile, args.rounds, args.threads)
        except SelbuildError as e:
            skipped.append({"model": name, "reason": e.message.splitlines()[0][:300]})
            print(f"{name}: skipped: {e.message.splitlines()[0][:200]}")
            continue
        rows.append(row)
        print(f"{name} ({args.profile}): selrt median {row['selrt']['median_ms']:.2f} ms | LiteRT XNNPACK "
              f"{row['litert_auto']['median_ms']:.2f} ms (x{row['ratio_vs_auto']}; rounds "
              f"{[r['ratio_vs_auto'] for r in row['per_round']]}) | XNNPACK 2 threads "
              f"{row['litert_auto_t2']['median_ms']:.2f} ms | LiteRT builtin "
              f"{row['litert_builtin_without_default_delegates']['median_ms']:.2f} ms "
              f"(x{row['ratio_vs_builtin_without_default_delegates']})")
        if args.threads > 1:
            t = args.threads
            print(f"  selrt {t} threads: median {row[f'selrt_t{t}']['median_ms']:.2f} ms, speedup "
                  f"x{row[f'speedup_t{t}']} (rounds {[r[f'speedup_t{t}'] for r in row['per_round']]})")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"schema": 1, "benchmark": "latency", "machine": platform.machine(),
                                    "python": platform.python_version(), "threads": args.threads,
                                    "pinned_cpu": args.cpu, "loadavg_before": load_before,
                                    "loadavg_after": os.getloadavg(),
                                    "models": rows, "skipped": skipped}, indent=2) + "\n")
    print(f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}")
    print(f"wrote {args.out}")
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
