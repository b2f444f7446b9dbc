"""Run .selrt programs on a built runtime (host, or ARM under qemu-user) and
compare results with a reference.

    outputs = run_program("build/app/host", program_bytes, {"input": x})

The runner is the `selrt_run` tool the build links against the runtime
(runtime_src/tools/selrt_run.c); it exchanges raw little-endian tensor bytes
through files, so the same code path serves every target. For ARM targets the
toolchain module supplies the command prefix (qemu-aarch64 -L <sysroot> ...).
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from selbuild.convert.program import ProgramInfo, TensorInfo, read_program
from selbuild.errors import RunError

RUN_TIMEOUT_S = 900        # mobilenet under qemu takes a while; a hang should still end


@dataclass(frozen=True)
class Runtime:
    """A built runtime: its manifest and how to execute its runner here."""

    manifest_path: Path
    target: str
    kernels: tuple[str, ...]
    backends: tuple[str, ...]
    runner: Path
    command: tuple[str, ...]       # prefix + runner

    @property
    def directory(self) -> Path:
        return self.manifest_path.parent


@dataclass(frozen=True)
class Latency:
    min_ms: float
    median_ms: float


def load_runtime(manifest_or_build_dir: Path | str) -> Runtime:
    """Read manifest.json (given it or its directory) and find the runner."""
    p = Path(manifest_or_build_dir)
    manifest_path = p / "manifest.json" if p.is_dir() else p
    if not manifest_path.is_file():
        raise RunError(f"{manifest_path}: no build manifest", hint="build the runtime first: `selbuild build CONFIG`")
    try:
        m = json.loads(manifest_path.read_text())
        target = str(m["target"])
        kernels = tuple(m.get("kernels", ()))
        backends = tuple(m.get("backends", ()))
        runner_rel = m.get("artifacts", {}).get("runner")
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise RunError(f"{manifest_path}: unreadable build manifest ({e})") from None
    if not runner_rel:
        raise RunError(f"the {target} build has no runner (selrt_run); it cannot run programs on this machine")
    runner = manifest_path.parent / runner_rel
    if not runner.is_file():
        raise RunError(f"{runner}: runner listed in the manifest does not exist", hint="rebuild the runtime")
    from selbuild import toolchain_loader
    prefix = toolchain_loader.run_prefix(target, manifest_path.parent)
    if prefix is None:
        raise RunError(f"programs built for {target} cannot run on this machine",
                       hint="run them on the device, or build `host`/`linux-*`/`android-*` to test here")
    return Runtime(manifest_path, target, kernels, backends, runner, tuple(prefix) + (str(runner),))


# --------------------------------------------------------------------------- inputs

def describe_tensor(t: TensorInfo) -> str:
    return f"shape {list(t.shape)} dtype {np.dtype(t.numpy_dtype).name} ({t.dtype})"


def check_inputs(info: ProgramInfo, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
    """Inputs in program order; RunError naming every missing/extra/mismatched input."""
    problems: list[str] = []
    expected = {t.name: t for t in info.inputs}
    for name in inputs:
        if name not in expected:
            problems.append(f"unexpected input '{name}' (the model's inputs: {', '.join(repr(n) for n in expected)})")
    ordered: list[np.ndarray] = []
    for t in info.inputs:
        if t.name not in inputs:
            problems.append(f"missing input '{t.name}': {describe_tensor(t)}")
            continue
        arr = np.asarray(inputs[t.name])
        if tuple(arr.shape) != tuple(t.shape) or arr.dtype != t.numpy_dtype:
            problems.append(f"input '{t.name}' has shape {list(arr.shape)} dtype {arr.dtype.name}; "
                            f"the model expects {describe_tensor(t)}")
            continue
        ordered.append(arr)
    if problems:
        raise RunError(problems[0] if len(problems) == 1 else
                       f"{len(problems)} problems with the inputs:\n  " + "\n  ".join(problems))
    return ordered


def random_inputs(info: ProgramInfo, seed: int = 0) -> dict[str, np.ndarray]:
    """Seeded inputs: floats uniform in [-1, 1), integers over their full range."""
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for t in info.inputs:
        dt = t.numpy_dtype
        if np.issubdtype(dt, np.floating):
            out[t.name] = rng.uniform(-1.0, 1.0, t.shape).astype(dt)
        elif dt == np.bool_:
            out[t.name] = rng.integers(0, 2, t.shape).astype(np.bool_)
        else:
            lim = np.iinfo(dt)
            out[t.name] = rng.integers(lim.min, int(lim.max) + 1, t.shape, dtype=dt)
    return out


# --------------------------------------------------------------------------- running

def missing_kernels(info: ProgramInfo, kernels: set[str] | tuple[str, ...],
                    backends: set[str] | tuple[str, ...]) -> list[str]:
    """Kernels the program needs that a runtime with `kernels` and `backends` lacks.

    Nodes a backend partition takes need their CPU kernel only as fallback,
    which a `fallback: none` build leaves out; every other node needs it.
    """
    cpu = {n.kernel for n in info.nodes if n.partition < 0}
    for part in info.partitions:
        if part.backend not in backends:
            cpu |= {info.nodes[j].kernel for j in part.nodes}
    return sorted(cpu - set(kernels))


def check_kernels(rt: Runtime, info: ProgramInfo) -> None:
    """RunError naming every kernel the program needs that the runtime lacks."""
    missing = missing_kernels(info, rt.kernels, rt.backends)
    if missing:
        raise RunError(f"the {rt.target} runtime at {rt.directory} lacks kernels the program needs: "
                       f"{', '.join(missing)}", hint="add them to the config's ops and rebuild")


def _run(rt: Runtime, program: bytes, info: ProgramInfo, arrays: list[np.ndarray],
         repeat: int | None, frames: int | None = None,
         threads: int = 1) -> tuple[dict[str, np.ndarray], Latency | None]:
    check_kernels(rt, info)
    with tempfile.TemporaryDirectory(prefix="selrt_run_") as tmp:
        d = Path(tmp)
        (d / "in").mkdir()
        (d / "out").mkdir()
        (d / "program.selrt").write_bytes(program)
        for i, arr in enumerate(arrays):
            le = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
            (d / "in" / f"input_{i}.bin").write_bytes(np.ascontiguousarray(le).tobytes())
        cmd = [*rt.command, str(d / "program.selrt"), str(d / "in"), str(d / "out")]
        if repeat:
            cmd += ["--repeat", str(int(repeat))]
        if frames:
            cmd += ["--frames", str(int(frames))]
        if threads > 1:
            cmd += ["--threads", str(int(threads))]  # runtimes built with `threads: N`
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise RunError(f"the runner did not finish within {RUN_TIMEOUT_S}s",
                           hint="command: " + " ".join(cmd)) from None
        except OSError as e:
            raise RunError(f"cannot execute the runner: {e}", hint="command: " + " ".join(cmd)) from None
        if proc.returncode != 0:
            msg = _runner_error(proc.stderr) or f"exit status {proc.returncode}"
            raise RunError(f"running the program on {rt.target} failed: {msg}",
                           hint="reproduce with: " + " ".join(cmd[:-3] + ["PROGRAM.selrt", "IN_DIR", "OUT_DIR"]))
        outputs: dict[str, np.ndarray] = {}
        for i, t in enumerate(info.outputs):
            path = d / "out" / f"output_{i}.bin"
            if not path.is_file():
                raise RunError(f"the runner wrote no output_{i}.bin for output '{t.name}'")
            raw = path.read_bytes()
            n = frames or 1
            if len(raw) != t.nbytes * n:
                raise RunError(f"output '{t.name}': runner wrote {len(raw)} bytes, expected {t.nbytes * n} "
                               f"({describe_tensor(t)}{f' x {n} frames' if frames else ''})")
            dt = np.dtype(t.numpy_dtype).newbyteorder("<")
            shape = (n, *t.shape) if frames else t.shape
            outputs[t.name] = np.frombuffer(raw, dtype=dt).astype(t.numpy_dtype).reshape(shape)
        latency = _parse_latency(proc.stdout) if repeat else None
        if repeat and latency is None:
            raise RunError(f"the runner printed no latency line for --repeat: {proc.stdout.strip()[:200]!r}")
        return outputs, latency


def _runner_error(stderr: str) -> str | None:
    lines = [ln.split("selrt_run: error:", 1)[1].strip() for ln in stderr.splitlines() if "selrt_run: error:" in ln]
    if lines:
        return "; ".join(lines)
    tail = stderr.strip().splitlines()[-3:]
    return " | ".join(tail) if tail else None


_LAT = re.compile(r"latency_ms\s+min=([0-9.eE+-]+)\s+median=([0-9.eE+-]+)")


def _parse_latency(stdout: str) -> Latency | None:
    m = _LAT.search(stdout)
    return Latency(float(m.group(1)), float(m.group(2))) if m else None


def run_program(manifest_or_build_dir: Path | str, program_bytes: bytes,
                inputs: dict[str, np.ndarray], repeat: int = 1) -> dict[str, np.ndarray]:
    """Run a program on a built runtime; outputs by tensor name, in program order.

    repeat > 1 runs it that many times in one session with the inputs set once
    and returns the outputs of the last run.
    """
    rt = load_runtime(manifest_or_build_dir)
    info = read_program(program_bytes)
    outputs, _ = _run(rt, program_bytes, info, check_inputs(info, inputs), repeat if repeat > 1 else None)
    return outputs


def run_frames(manifest_or_build_dir: Path | str, program_bytes: bytes,
               frames: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Run frame k of every input (arrays with a leading frame axis) as run k of
    one session: streaming models keep their variables from run to run. Returns
    every run's outputs, stacked on a leading frame axis."""
    rt = load_runtime(manifest_or_build_dir)
    info = read_program(program_bytes)
    counts = {np.asarray(v).shape[0] if np.ndim(v) else 0 for v in frames.values()}
    if len(counts) != 1 or 0 in counts:
        raise RunError("frames: every input needs the same leading frame count (>= 1)")
    (n,) = counts
    per_frame = [check_inputs(info, {k: np.asarray(v)[i] for k, v in frames.items()}) for i in range(n)]
    arrays = [np.stack([f[j] for f in per_frame]) for j in range(len(info.inputs))]
    outputs, _ = _run(rt, program_bytes, info, arrays, None, frames=n)
    return outputs


def time_program(manifest_or_build_dir: Path | str, program_bytes: bytes,
                 inputs: dict[str, np.ndarray], repeat: int = 20, threads: int = 1) -> Latency:
    """Latency of `repeat` runs inside the runner (load and I/O excluded); threads > 1
    needs a runtime built with `threads:` at least that (selrt_run --threads)."""
    rt = load_runtime(manifest_or_build_dir)
    info = read_program(program_bytes)
    _, lat = _run(rt, program_bytes, info, check_inputs(info, inputs), repeat, threads=threads)
    assert lat is not None
    return lat


# --------------------------------------------------------------------------- reference

def run_in_process(manifest_or_build_dir: Path | str, program_bytes: bytes,
                   inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """run_program for a host build, in this process (selbuild.runtime): no runner, no files."""
    from selbuild.runtime import Interpreter
    check_kernels(load_runtime(manifest_or_build_dir), read_program(program_bytes))
    with Interpreter(program_bytes, manifest_or_build_dir) as interp:
        return interp(inputs)


def litert_reference(model_path: Path | str, inputs: dict[str, np.ndarray], *, reference_kernels: bool = False,
                     num_threads: int = 1) -> dict[str, np.ndarray]:
    """Outputs of the LiteRT interpreter for a .tflite model, by output tensor name."""
    try:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType
    except ImportError:
        raise RunError("LiteRT is not installed", hint="pip install ai-edge-litert") from None
    kw = {"experimental_op_resolver_type": OpResolverType.BUILTIN_REF} if reference_kernels else {}
    interp = Interpreter(model_path=str(model_path), num_threads=num_threads, **kw)
    details = interp.get_input_details()
    for d in details:
        if d["name"] not in inputs:
            raise RunError(f"LiteRT input '{d['name']}' missing from the inputs")
        # Inputs of another shape than the file's default: a model with dynamic
        # dimensions run at the shape its program was specialised to.
        if tuple(d["shape"]) != tuple(np.shape(inputs[d["name"]])):
            interp.resize_tensor_input(d["index"], list(np.shape(inputs[d["name"]])))
    interp.allocate_tensors()
    for d in details:
        interp.set_tensor(d["index"], inputs[d["name"]])
    interp.invoke()
    return {d["name"]: interp.get_tensor(d["index"]).copy() for d in interp.get_output_details()}


@dataclass
class Comparison:
    name: str
    max_abs_err: float
    tolerance: float
    ok: bool


def compare_float(ours: dict[str, np.ndarray], ref: dict[str, np.ndarray], rel: float = 1e-4) -> list[Comparison]:
    """Per output: max |ours - ref| <= rel * max(1, max |ref|)."""
    out = []
    for name, r in ref.items():
        if name not in ours:
            out.append(Comparison(name, float("inf"), 0.0, False))
            continue
        o = ours[name]
        if o.shape != r.shape:
            out.append(Comparison(name, float("inf"), 0.0, False))
            continue
        err = float(np.max(np.abs(o.astype(np.float64) - r.astype(np.float64)), initial=0.0))
        tol = rel * max(1.0, float(np.max(np.abs(r), initial=0.0)))
        out.append(Comparison(name, err, tol, bool(err <= tol)))
    return out


def compare_quantized(ours: dict[str, np.ndarray], ref: dict[str, np.ndarray], max_steps: int = 1) -> list[Comparison]:
    """Per integer output: max |ours - ref| in quantization steps <= max_steps.

    Integer tensors differ in whole steps, so the error is reported in steps
    (max_abs_err) against the allowed number of steps (tolerance).
    """
    out = []
    for name, r in ref.items():
        o = ours.get(name)
        if o is None or o.shape != r.shape:
            out.append(Comparison(name, float("inf"), float(max_steps), False))
            continue
        err = float(np.max(np.abs(o.astype(np.int64) - r.astype(np.int64)), initial=0))
        out.append(Comparison(name, err, float(max_steps), err <= max_steps))
    return out
