"""`selbuild run CONFIG MODEL_OR_PROGRAM --target T [--inputs IN.npz] [--outputs OUT.npz]`.

Streaming models (resource variables kept between runs) take a sequence of
frames through one session: `--inputs frames.npz --frames` (every array has
a leading frame axis) or `--inputs f0.npz --inputs f1.npz ...` (one frame
each); the outputs of every step are written, stacked on a leading axis."""

from __future__ import annotations

from pathlib import Path

import click

from selbuild.commands import input_shapes
import numpy as np

from selbuild.errors import RunError, UsageError


def read_npz(path: Path) -> dict[str, np.ndarray]:
    from selbuild.outputs import is_zip
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    if not is_zip(path):
        raise RunError(f"{path}: not a .npz file", hint=NPZ_HINT)
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (ValueError, OSError, EOFError) as e:
        raise RunError(f"{path}: not a readable .npz file ({e})", hint=NPZ_HINT) from None


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """np.savez, but to exactly `path` (np.savez appends .npz to a name without
    it) and atomically."""
    import io
    from selbuild.outputs import write_atomic
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    write_atomic(path, buf.getvalue())


NPZ_HINT = "write inputs with numpy.savez(path, **{name: array})"


@click.command("run")
@click.argument("config_path", metavar="CONFIG", type=click.Path(path_type=Path))
@click.argument("model", metavar="MODEL_OR_PROGRAM", type=click.Path(path_type=Path))
@click.option("--target", default="host", show_default=True, help="Target to build and run on (ARM under qemu).")
@click.option("--inputs", "inputs_paths", type=click.Path(path_type=Path), multiple=True,
              help=".npz with one array per model input, keyed by input name (default: random, seeded); "
                   "repeat it to run several frames through one session.")
@click.option("--frames", "frames_axis", is_flag=True,
              help="The --inputs arrays have a leading frame axis: run each frame in turn through one session.")
@click.option("--outputs", "outputs_path", type=click.Path(path_type=Path), default=None,
              help=".npz to write the outputs to, keyed by output name.")
@click.option("--seed", default=0, show_default=True, help="Seed of the random inputs.")
@click.option("--repeat", default=0, help="Also time N runs and print the latency.")
@click.option("--build-dir", type=click.Path(path_type=Path), default=None,
              help="Root of build outputs (default: ./build).")
@input_shapes.option
def command(config_path: Path, model: Path, target: str, inputs_paths: tuple[Path, ...], frames_axis: bool,
            outputs_path: Path | None, seed: int, repeat: int, build_dir: Path | None,
            input_shape: tuple[str, ...]) -> None:
    """Run a model or program on the runtime CONFIG builds for --target."""
    from selbuild.build import build_target
    from selbuild.config import load_config
    from selbuild.convert import convert, read_program
    from selbuild.outputs import check_output, is_zip
    from selbuild import verify

    from selbuild.targets import TARGETS
    if target not in TARGETS:
        raise UsageError(f"unknown target {target!r}", hint=f"targets: {', '.join(TARGETS)}")
    config = load_config(config_path)
    if not model.exists():
        raise UsageError(f"{model}: no such file")
    if outputs_path is not None:     # before the slow part, and never over an input
        check_output(outputs_path, "--outputs", inputs=[config_path, model, *inputs_paths],
                     replaceable=is_zip, what="a .npz file")
    if model.suffix == ".selrt":
        from selbuild.frontends import read_model
        program = read_model(model)
    else:
        from selbuild.backends import configured
        from selbuild.planning import analysis
        shapes = input_shapes.for_model(config, model, input_shape)
        program = convert(analysis(model, input_shapes=shapes).model, kernels=set(config.kernels()),
                          backends=configured(config) or None, input_shapes=shapes,
                          unroll=config.unroll_loops).program
    info = read_program(program, str(model))

    if frames_axis or len(inputs_paths) > 1:
        if not inputs_paths:
            raise UsageError("--frames needs --inputs", hint=NPZ_HINT + " with a leading frame axis")
        if repeat:
            raise UsageError("--repeat times one input; it does not combine with frames")
        frames = _frames(inputs_paths, frames_axis)
        for step in frames:
            verify.check_inputs(info, step)   # wrong names/shapes fail before the build
        result = build_target(config, target, out_root=build_dir)
        outputs = _run_frames(result.manifest, program, info, frames, target)
        for name, arr in outputs.items():
            click.echo(f"{name}: {len(frames)} frames of {list(arr.shape[1:])} {arr.dtype.name}")
        if outputs_path is not None:
            write_npz(outputs_path, outputs)
            click.echo(f"wrote {outputs_path}")
        return
    if inputs_paths:
        inputs = read_npz(inputs_paths[0])
        verify.check_inputs(info, inputs)     # wrong names/shapes fail before the build
    else:
        inputs = verify.random_inputs(info, seed)
        click.echo(f"no --inputs: using random inputs (seed {seed})", err=True)
    result = build_target(config, target, out_root=build_dir)
    if target == "host":          # in this process: no runner subprocess, no tensor files
        from selbuild.runtime import Interpreter
        verify.check_kernels(verify.load_runtime(result.manifest), info)
        interp = Interpreter(program, result.manifest)
        outputs = interp(inputs)
    else:
        interp = None
        outputs = verify.run_program(result.manifest, program, inputs)
    for name, arr in outputs.items():
        stats = ""
        if arr.size and np.issubdtype(arr.dtype, np.number):
            stats = f"  min {arr.min():.6g} max {arr.max():.6g} mean {arr.astype(np.float64).mean():.6g}"
        click.echo(f"{name}: {list(arr.shape)} {arr.dtype.name}{stats}")
    if repeat:
        if interp is not None:
            lat = verify.Latency(*interp.time(repeat))
        else:
            lat = verify.time_program(result.manifest, program, inputs, repeat)
        click.echo(f"latency on {target}: min {lat.min_ms:.3f} ms, median {lat.median_ms:.3f} ms ({repeat} runs)")
    if interp is not None:
        interp.close()
    if outputs_path is not None:
        write_npz(outputs_path, outputs)
        click.echo(f"wrote {outputs_path}")


def _frames(paths: tuple[Path, ...], axis: bool) -> list[dict[str, np.ndarray]]:
    """One input dict per frame, from one file per frame or (axis) one file's leading axis."""
    if not axis:
        return [read_npz(p) for p in paths]
    if len(paths) != 1:
        raise UsageError("--frames takes one --inputs file (its arrays have the frame axis)")
    whole = read_npz(paths[0])
    counts = {a.shape[0] if a.ndim else 0 for a in whole.values()}
    if len(counts) != 1 or 0 in counts:
        raise UsageError(f"{paths[0]}: --frames needs every array to have the same leading frame count",
                         hint=NPZ_HINT + " with arrays of shape [frames, *input shape]")
    return [{k: v[i] for k, v in whole.items()} for i in range(counts.pop())]


def _run_frames(manifest: Path, program: bytes, info, frames: list[dict[str, np.ndarray]],
                target: str) -> dict[str, np.ndarray]:
    from selbuild import verify
    if target != "host":
        stacked = {k: np.stack([f[k] for f in frames]) for k in frames[0]}
        return verify.run_frames(manifest, program, stacked)
    from selbuild.runtime import Interpreter
    verify.check_kernels(verify.load_runtime(manifest), info)
    with Interpreter(program, manifest) as interp:
        steps = [interp(f) for f in frames]
    return {k: np.stack([s[k] for s in steps]) for k in steps[0]}
