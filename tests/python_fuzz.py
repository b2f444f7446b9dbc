"""An in-process mutation campaign over selbuild's Python entry points.

Inputs are mutants of real files: every bundled model format (.tflite, .pte from
tests/models; .ptl and .pt2 written here by torch from a small CNN) and every
config in configs/. Mutations: bit flips, extreme bytes and 32-bit words,
truncation, splicing of two files, chunk deletion/duplication, edits inside a
zip member (so the CRC still holds and torch's pickle/JSON readers see the
damage), and for YAML: anchors/billion laughs, deep nesting, huge numbers,
odd tags, wrong types in any node, mutated models behind a valid config.

Each input goes to one public function — `analyze`, `convert` (load_model +
convert) or `config check` (load_config) — in a worker process whose address
space is capped (RLIMIT_AS), under a per-input timeout. Outcomes: ok,
selbuild_error, other (any other exception: a bug), memory (MemoryError
escaped), hang (timeout: the worker is killed and restarted), crash (the worker
died by a signal). bench/fuzz_python.py runs it at scale; tests/test_fuzz_python.py
runs a short version.
"""

from __future__ import annotations

import dataclasses
import multiprocessing as mp
import os
import random
import shutil
import struct
import time
import traceback
import zipfile
from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
MEM_CAP = 3 * 1024 ** 3          # beyond what the worker has mapped after its imports
OUTCOMES = ("ok", "selbuild_error", "other", "memory", "hang", "crash")
# The large MobileNets only for analyze (conversion of 14 MB of weights per input
# would spend the campaign copying weights); mutations stay in their first 64 KB.
BIG = 1 << 20


@dataclasses.dataclass
class Case:
    """One input: the API to call and the files to write (name -> bytes); `main` is the path passed."""
    api: str                      # analyze | convert | config | config_no_models
    files: dict[str, bytes]
    main: str
    how: str                      # seed + mutation, for the report


@dataclasses.dataclass
class Stats:
    cases: int = 0
    outcomes: Counter = dataclasses.field(default_factory=Counter)
    by_api: Counter = dataclasses.field(default_factory=Counter)
    findings: list = dataclasses.field(default_factory=list)   # non-SelbuildError outcomes
    slowest: list = dataclasses.field(default_factory=list)    # (seconds, how)
    peak_rss_mb: float = 0.0


# ---------------------------------------------------------------- seeds

def _torch_seeds(out: Path) -> dict[str, bytes]:
    """A .ptl and a .pt2 of the tests' tiny CNN (skipped when torch is absent)."""
    try:
        import warnings

        import torch

        from selbuild import torch_api
        from torch_fixtures import make
    except ImportError:
        return {}
    out.mkdir(parents=True, exist_ok=True)
    m, x = make("tiny_cnn")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.jit.script(m)._save_for_lite_interpreter(str(out / "cnn.ptl"))
    torch_api.export_module(m, x, out / "cnn.pt2")
    return {"cnn.ptl": (out / "cnn.ptl").read_bytes(), "cnn.pt2": (out / "cnn.pt2").read_bytes()}


def seeds(work: Path) -> dict[str, bytes]:
    """name -> bytes of every model seed and config seed (configs as text bytes)."""
    found: dict[str, bytes] = {}
    for p in sorted((TESTS / "models" / "tflite").glob("*.tflite")) + sorted((TESTS / "models" / "pte").glob("*.pte")):
        found[p.name] = p.read_bytes()
    found.update(_torch_seeds(work / "torch_seeds"))
    for p in sorted((REPO / "configs").glob("*.yaml")):
        found[p.name] = p.read_bytes()
    return found


# ---------------------------------------------------------------- byte mutations

WORDS = [0, 1, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFF, 0x10000, 0x7FFFFFF8]


def _span(data: bytes) -> int:
    return max(1, min(len(data), 65536))


def mutate_bytes(r: random.Random, data: bytes, other: bytes) -> tuple[bytes, str]:
    if not data:
        return other[: r.randrange(len(other) + 1)], "splice-empty"
    kind = r.choice(["flip", "bytes", "word", "truncate", "splice", "delete", "dup", "word_len"])
    buf = bytearray(data)
    n = _span(data)
    if kind == "flip":
        for _ in range(r.choice([1, 2, 4, 8, 32])):
            pos = r.randrange(n)
            buf[pos] ^= 1 << r.randrange(8)
    elif kind == "bytes":
        for _ in range(r.choice([1, 2, 4, 16])):
            buf[r.randrange(n)] = r.choice([0, 0xFF, 0x7F, 0x80, r.randrange(256)])
    elif kind in ("word", "word_len"):
        if len(buf) >= 4:
            pos = r.randrange(max(1, n // 4)) * 4
            pos = min(pos, len(buf) - 4)
            v = len(data) + r.choice([-8, -4, 0, 4]) if kind == "word_len" else r.choice(WORDS + [r.randrange(1 << 32)])
            struct.pack_into("<I", buf, pos, v & 0xFFFFFFFF)
    elif kind == "truncate":
        return bytes(buf[: r.choice([0, 1, 4, 8, 16, r.randrange(len(buf))])]), kind
    elif kind == "splice":
        a, b = r.randrange(len(buf) + 1), r.randrange(len(other) + 1)
        return bytes(buf[:a]) + other[b:], kind
    elif kind == "delete":
        a = r.randrange(n)
        del buf[a: a + r.choice([1, 4, 8, 64, 512])]
    else:
        a = r.randrange(n)
        buf[a:a] = buf[a: a + r.choice([4, 8, 64])]
    return bytes(buf), kind


def mutate_zip(r: random.Random, data: bytes, other: bytes) -> tuple[bytes, str]:
    """Rewrite the archive with one member mutated (text members get text edits)."""
    import io
    try:
        zin = zipfile.ZipFile(io.BytesIO(data))
        members = [(i, zin.read(i)) for i in zin.infolist()]
    except Exception:
        return mutate_bytes(r, data, other)
    k = r.randrange(len(members))
    info, body = members[k]
    if body[:1] in (b"{", b"[") or info.filename.endswith((".json", ".py", "version", ".txt")):
        text = body.decode("utf-8", "replace")
        new, kind = mutate_text(r, text)
        body = new.encode("utf-8", "surrogatepass")
    else:
        body, kind = mutate_bytes(r, body, other)
    members[k] = (info, body)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for i, b in members:
            zout.writestr(i, b)
    return out.getvalue(), f"zip:{info.filename.rsplit('/', 1)[-1]}:{kind}"


# ---------------------------------------------------------------- text / YAML mutations

HUGE = ["9" * 5000, "1e99999", "-1e99999", ".nan", ".inf", "-.inf", "0x" + "f" * 40, "18446744073709551616",
        "-9223372036854775809", "2147483648", "-1", "0", "1e-400", "0o777777777777777777777"]
ODD = ["!!python/object/apply:os.system ['true']", "!!binary AAAA", "!!timestamp 2001-13-45", "!!set {a, b}",
       "!!float abc", "!!int 0x", "*undefined", "&a [*a]", "~", "''", "\"\\x00\"", "\"\\ud800\"", "[]", "{}",
       "!!omap [a: 1, a: 2]", "? [a, b]\n: c", "<<: *x"]


def _bomb(depth: int, width: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, depth):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def mutate_text(r: random.Random, text: str) -> tuple[str, str]:
    lines = text.splitlines()
    kind = r.choice(["value", "value", "value", "odd", "nest", "bomb", "merge", "lines", "bytes", "long"])
    if kind in ("value", "odd") and lines:
        i = r.randrange(len(lines))
        line = lines[i]
        pool = HUGE if kind == "value" else ODD
        if ":" in line:
            key = line.split(":", 1)[0]
            lines[i] = f"{key}: {r.choice(pool)}"
        else:
            lines[i] = line[: len(line) - len(line.lstrip())] + "- " + r.choice(pool)
    elif kind == "nest":
        d = r.choice([65, 200, 1000, 50000])
        o, c = r.choice([("[", "]"), ("{a: ", "}"), ("- ", "")])
        blob = o * d + "1" + c * d if c else "\n".join(" " * j + "-" for j in range(0, min(d, 3000), 2)) + " 1"
        lines.insert(r.randrange(len(lines) + 1), f"models: {blob}" if c else f"models:\n{blob}")
    elif kind == "bomb":
        lines = _bomb(r.choice([3, 6, 9]), r.choice([9, 20])).splitlines() + lines
    elif kind == "merge":
        lines = ["base: &b {path: m.tflite, sha256: 0}", "x: {<<: *b, <<: *b}"] + lines
    elif kind == "lines" and lines:
        for _ in range(r.choice([1, 3])):
            i = r.randrange(len(lines))
            if r.random() < 0.5:
                del lines[i]
            else:
                lines.insert(r.randrange(len(lines) + 1), lines[i])
            if not lines:
                break
    elif kind == "bytes":
        raw = text.encode("utf-8", "surrogateescape")     # a text mutated before may hold escapes
        b, k = mutate_bytes(r, raw, raw)
        return b.decode("utf-8", "surrogateescape"), f"text-{k}"
    else:
        lines.append(f"name: {'x' * r.choice([300, 70000])}")
    return "\n".join(lines) + "\n", kind


# ---------------------------------------------------------------- cases

def _suffix(name: str) -> str:
    return Path(name).suffix


def _mutate_model(r: random.Random, name: str, data: bytes, pool: dict[str, bytes]) -> tuple[bytes, str]:
    other = pool[r.choice(sorted(pool))]
    steps = r.choice([1, 1, 1, 2, 3])
    how = []
    for _ in range(steps):
        if _suffix(name) in (".ptl", ".pt2") and r.random() < 0.7:
            data, k = mutate_zip(r, data, other)
        else:
            data, k = mutate_bytes(r, data, other)
        how.append(k)
    return data, "+".join(how)


def cases(seed_files: dict[str, bytes], count: int, seed: int):
    """`count` Cases, deterministic for (seed_files, seed)."""
    r = random.Random(seed)
    models = {n: d for n, d in seed_files.items() if not n.endswith(".yaml")}
    configs = {n: d for n, d in seed_files.items() if n.endswith(".yaml")}
    small = sorted(n for n, d in models.items() if len(d) <= BIG)
    large = sorted(n for n, d in models.items() if BIG < len(d) <= 4 * BIG) or small
    # torch.export.load is ~1 s a file; inside a config it runs several times.
    in_config = [n for n in small if not n.endswith(".pt2")]
    for i in range(count):
        roll = r.random()
        if roll < 0.4 or not configs:
            name = r.choice(large) if r.random() < 0.05 else r.choice(small)
            data, how = _mutate_model(r, name, models[name], models)
            api = "analyze" if len(models[name]) > BIG or r.random() < 0.5 else "convert"
            yield Case(api, {"m" + _suffix(name): data}, "m" + _suffix(name), f"{i}:{name}:{how}")
        elif roll < 0.85:
            name = r.choice(sorted(configs))
            text, how = mutate_text(r, _absolute(configs[name].decode()))
            if r.random() < 0.3:
                text, k = mutate_text(r, text)
                how += "+" + k
            api = "config" if r.random() < 0.6 else "config_no_models"
            yield Case(api, {"c.yaml": text.encode("utf-8", "surrogateescape")}, "c.yaml", f"{i}:{name}:{how}")
        else:
            # A valid config whose model is a mutant: config check reads the damaged model.
            name = r.choice(in_config)
            data, how = _mutate_model(r, name, models[name], models)
            text = (f"schema_version: 1\nname: fz\nmodels:\n  - path: m{_suffix(name)}\n"
                    "targets: [host]\nprofile: size\nops: {}\nextra_ops: []\n")
            yield Case("config", {"m" + _suffix(name): data, "c.yaml": text.encode()}, "c.yaml",
                       f"{i}:{name}-in-config:{how}")


def _absolute(text: str) -> str:
    """Config seeds name models relative to configs/: point them at the repo's copies,
    the MobileNets' at the tiny CNN of the same dtype (hashing and parsing 14 MB per
    case would be most of the campaign's time; the YAML is what is mutated here)."""
    for big, small in (("mobilenetv2_a100_224_f32", "tiny_cnn_f32"), ("mobilenetv2_a100_224_int8", "tiny_cnn_int8")):
        text = text.replace(big, small)
    return text.replace("path: ../", f"path: {REPO}/")


# ---------------------------------------------------------------- worker

def _call(api: str, path: Path) -> None:
    if api == "analyze":
        from selbuild.analyze import analyze
        analyze([path]).to_json()
    elif api == "convert":
        from selbuild.convert import convert
        from selbuild.frontends import load_model
        convert(load_model(path))
    elif api in ("config", "config_no_models"):
        from selbuild.config import load_config
        load_config(path, check_models=api == "config")
    else:
        raise ValueError(f"unknown api {api!r}")     # lets the tests see an `other` outcome


def _worker(conn, work: str) -> None:
    import resource
    import warnings
    warnings.simplefilter("ignore")
    import selbuild.analyze  # noqa: F401  (imports before the cap: they are not the input's cost)
    import selbuild.config  # noqa: F401
    import selbuild.convert.pipeline  # noqa: F401
    from selbuild.errors import SelbuildError
    try:
        import torch  # noqa: F401
    except ImportError:
        pass
    from selbuild.inputs import _mapped_bytes
    cap = (_mapped_bytes() or 0) + MEM_CAP
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    os.nice(0)
    d = Path(work)
    while True:
        msg = conn.recv()
        if msg is None:
            return
        api, main = msg
        t = time.time()
        try:
            _call(api, d / main)
            res = ("ok", "")
        except SelbuildError:
            res = ("selbuild_error", "")
        except MemoryError:
            res = ("memory", traceback.format_exc(limit=-6))
        except BaseException as e:          # noqa: BLE001 - counting them is the point
            res = ("other", f"{type(e).__name__}: {str(e)[:300]}\n" + traceback.format_exc(limit=-6))
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        conn.send((*res, time.time() - t, rss))


class Pool:
    """One worker process (restarted after a hang or a crash)."""

    def __init__(self, work: Path, timeout: float):
        self.work, self.timeout = work, timeout
        self.ctx = mp.get_context("spawn")
        self.proc = None

    def _start(self) -> None:
        self.conn, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=_worker, args=(child, str(self.work)), daemon=True)
        self.proc.start()
        child.close()

    def run(self, case: Case) -> tuple[str, str, float, float]:
        fresh = self.proc is None or not self.proc.is_alive()
        if fresh:
            self._start()
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        for name, data in case.files.items():
            (self.work / name).write_bytes(data)
        self.conn.send((case.api, case.main))
        t = time.time()
        # A fresh worker first imports selbuild and torch: not the input's time.
        if not self.conn.poll(self.timeout + (120 if fresh else 0)):
            self.proc.kill()
            self.proc.join()
            self.proc = None
            return ("hang", f"no answer in {self.timeout:.0f}s", time.time() - t, 0.0)
        try:
            return self.conn.recv()
        except (EOFError, OSError):
            self.proc.join(5)
            code = self.proc.exitcode
            self.proc = None
            return ("crash", f"worker exit code {code}", time.time() - t, 0.0)

    def close(self) -> None:
        if self.proc is not None and self.proc.is_alive():
            self.conn.send(None)
            self.proc.join(10)
            if self.proc.is_alive():
                self.proc.kill()


def campaign(work: Path, count: int, seed: int = 1, timeout: float = 30.0, keep: Path | None = None,
             progress=None) -> Stats:
    """Run `count` cases; non-SelbuildError inputs are copied to `keep` (if given)."""
    stats = Stats()
    pool = Pool(work / "case", timeout)
    try:
        for case in cases(seeds(work), count, seed):
            outcome, detail, secs, rss = pool.run(case)
            stats.cases += 1
            stats.outcomes[outcome] += 1
            stats.by_api[f"{case.api}:{outcome}"] += 1
            stats.peak_rss_mb = max(stats.peak_rss_mb, rss)
            stats.slowest = sorted(stats.slowest + [(round(secs, 2), case.how)], reverse=True)[:10]
            if outcome not in ("ok", "selbuild_error"):
                saved = None
                if keep is not None:
                    saved = keep / f"case{case.how.split(':')[0]}"
                    saved.mkdir(parents=True, exist_ok=True)
                    for name, data in case.files.items():
                        (saved / name).write_bytes(data)
                stats.findings.append({"case": case.how, "api": case.api, "outcome": outcome,
                                       "detail": detail, "saved": str(saved) if saved else None})
            if progress is not None:
                progress(stats)
    finally:
        pool.close()
    return stats
