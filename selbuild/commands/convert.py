"""`selbuild convert MODEL -o PROGRAM.selrt [--config CONFIG]`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from selbuild.commands import input_shapes


def _is_program(path: Path) -> bool:
    from selbuild.convert.writer import FILE_IDENTIFIER
    from selbuild.outputs import head
    return head(path)[4:8] == FILE_IDENTIFIER


def check_output(out: Path, model_path: Path, config_path: Path | None = None) -> None:
    """Programs are generated artifacts: overwriting an older one is fine; overwriting
    the model, the config or any other file is not."""
    from selbuild.outputs import check_output as check
    check(out, "-o", inputs=[model_path, config_path], replaceable=_is_program, what="a .selrt program")


@click.command("convert")
@click.argument("model", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Program file to write (default: ./<model stem>.selrt).")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Build config: fail if the model needs kernels it does not select.")
@input_shapes.option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def command(model: Path, output: Path | None, config_path: Path | None, input_shape: tuple[str, ...],
            as_json: bool) -> None:
    """Compile MODEL ahead of time into a .selrt program."""
    from selbuild.config import load_config
    from selbuild.convert import convert
    from selbuild.planning import analysis
    from selbuild.outputs import write_atomic

    # convert only needs the config's kernel list (and may convert another model).
    cfg = load_config(config_path, check_models=False) if config_path else None
    kernels = set(cfg.kernels()) if cfg else None
    # The config's backends take their partitions at conversion time.
    # (with their backend_options applied, e.g. nnapi's min_api_level)
    from selbuild.backends import configured
    backends = configured(cfg) if cfg and cfg.backends else None
    out = output or Path(model.stem + ".selrt")
    check_output(out, Path(model), config_path)
    shapes = input_shapes.for_model(cfg, model, input_shape)
    m = analysis(model, input_shapes=shapes).model      # the one read of the model (the config check shares it)
    # a speed config's programs unroll constant-trip loops (convert/unroll.py)
    r = convert(m, kernels=kernels, backends=backends, input_shapes=shapes, unroll=bool(cfg and cfg.unroll_loops))
    write_atomic(out, r.program)     # no half-written program if interrupted
    s = r.stats
    over = (r.arena_size / r.arena_lower_bound - 1) * 100 if r.arena_lower_bound else 0.0
    if as_json:
        click.echo(json.dumps({
            "model": str(model), "program": str(out), "program_bytes": len(r.program),
            "arena_size": r.arena_size, "arena_lower_bound": r.arena_lower_bound,
            "nodes": s.nodes_out, "nodes_in": s.nodes_in, "folded_nodes": s.folded_nodes,
            "removed_nodes": s.removed_nodes, "tensors": s.tensors, "constant_bytes": s.constant_bytes,
            "kernels": s.kernel_counts,
            "partitions": [{"backend": b, "nodes": n} for b, n in s.partitions]}, indent=2))
        return
    click.echo(f"wrote {out} ({len(r.program):,} bytes)")
    click.echo(f"  nodes   {s.nodes_out} ({s.nodes_in} in the model, {s.folded_nodes} folded, "
               f"{s.removed_nodes} dead removed)")
    click.echo(f"  kernels {len(r.kernels)}: " + ", ".join(f"{k} x{c}" for k, c in s.kernel_counts.items()))
    click.echo(f"  arena   {r.arena_size:,} bytes (lower bound {r.arena_lower_bound:,}, +{over:.1f}%)")
    click.echo(f"  weights {s.constant_bytes:,} bytes")
    for backend, n in s.partitions:
        click.echo(f"  backend {backend}: {n} node{'s' if n != 1 else ''} in one partition")
