"""`selbuild analyze MODEL... [--json]`: rendering only; the work is in selbuild.analyze."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("analyze")
@click.argument("models", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the machine-readable form (a stable contract).")
@click.option("--example-inputs", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="TorchScript models (.ptl/.pt): example inputs (.npz, one array per input in order, "
                   "or a torch-saved tuple) to run once for exact dtypes and shapes.")
@click.option("--backend", "backends", multiple=True,
              help="Also report which nodes this accelerator backend (e.g. vulkan) would take; repeatable, "
                   "`all` for every backend.")
@click.option("--html", "html_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the model graph (each node's kernel, runtime bytes, arena slice) as one HTML file.")
@click.option("--runtime", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="With --html: a built library (libselrt.so ...) whose size rows give each node's bytes.")
def command(models: tuple[Path, ...], as_json: bool, example_inputs: Path | None,
            backends: tuple[str, ...], html_out: Path | None, runtime: Path | None) -> None:
    """List the operators (as <op>.<dtype> kernels), tensors and delegates of MODELS."""
    from selbuild.analyze import analyze, render

    if html_out is not None:
        from selbuild.errors import UsageError
        from selbuild.graph_html import graph_page
        from selbuild.outputs import check_output, write_atomic
        if len(models) != 1:
            raise UsageError("--html draws one model", hint="pass exactly one MODEL with --html")
        check_output(html_out, "--html", inputs=[*models, runtime],
                     replaceable=lambda p: p.read_bytes()[:15].lower() == b"<!doctype html>",
                     what="an HTML page")
        write_atomic(html_out, graph_page(models[0], runtime).encode())
        click.echo(f"wrote {html_out}")
        return

    if "all" in backends:
        from selbuild.backends import available
        backends = tuple(available())
    result = analyze(models, example_inputs=example_inputs, backends=list(backends) or None)
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
        return
    from rich.console import Console

    render(result, Console())
