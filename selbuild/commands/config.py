"""`selbuild config init|check`: rendering only; the work is in selbuild.config(_write)."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.group("config")
def command() -> None:
    """Write (init) or validate (check) a build config."""


@command.command("init")
@click.argument("models", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", "out", required=True, type=click.Path(path_type=Path),
              help="Config file to write, e.g. configs/my_app.yaml.")
@click.option("--target", "targets", multiple=True,
              help="Target to build for (repeatable). Default: android-arm64, android-armv7, ios-arm64.")
@click.option("--profile", type=click.Choice(["size", "speed"]), default="size", show_default=True)
@click.option("--name", default=None, help="Config name (default: the output file's stem).")
@click.option("--force", is_flag=True, help="Overwrite an existing file (kept as <file>.bak, or .bak.1, ... if taken).")
@click.option("--custom-ops", "custom", multiple=True, type=click.Path(path_type=Path),
              help="Declaration of an app's custom op (repeatable; docs/custom_ops.md).")
def init(models: tuple[Path, ...], out: Path, targets: tuple[str, ...], profile: str,
         name: str | None, force: bool, custom: tuple[Path, ...]) -> None:
    """Analyze MODELS and write a build config for them."""
    from selbuild.config_write import write_config
    from selbuild.outputs import check_output

    check_output(out, "-o", inputs=models)     # not even with --force: the .bak would be the only model left
    result = write_config(list(models), out, targets=list(targets) or None, profile=profile,
                          name=name, force=force, custom_ops=list(custom))
    cfg = result.config
    click.echo(f"wrote {out}: {len(cfg.models)} model(s), {len(cfg.ops)} kernel(s), "
               f"targets {', '.join(cfg.targets)}")
    if result.backup is not None:
        click.echo(f"kept the old file as {result.backup}")
    for model, inputs in result.dynamic.items():
        for inp, sig in inputs.items():
            click.echo(f"note: {model}: input {inp} is declared {sig} (-1 = dynamic); the config pins it to "
                       f"{cfg.models[[m.name for m in cfg.models].index(model)].input_shapes[inp]}: "
                       f"edit `input_shapes:` to the shape the app feeds", err=True)
    if result.unsupported:
        # Written anyway (kernels can be added); exit 1 so scripts notice. Rerunning
        # init would change nothing, so the hint does not suggest it.
        for model, ops in result.unsupported.items():
            click.echo(f"warning: {model}: no selbuild kernel runs {', '.join(ops)}", err=True)
        click.echo("hint: the runtime cannot run these ops until a kernel exists for each "
                   "(runtime_src/README.md, section 'adding one kernel', says how; `selbuild ops` lists "
                   "the kernels) or a backend in the config takes them; an app's own custom op is "
                   "declared with --custom-ops (docs/custom_ops.md)", err=True)
        sys.exit(1)
    click.echo(f"next: selbuild config check {out}")


@command.command("check")
@click.argument("config", type=click.Path(path_type=Path))
@click.option("--no-models", is_flag=True, help="Do not read the model files (syntax and catalogue only).")
def check(config: Path, no_models: bool) -> None:
    """Validate CONFIG and report every problem at once."""
    from selbuild.config import load_config

    cfg = load_config(config, check_models=not no_models)
    click.echo(f"{config}: ok ({len(cfg.models)} model(s), {len(cfg.kernels())} kernel(s), "
               f"targets {', '.join(cfg.targets)})")


@command.command("export-pytorch-ops")
@click.argument("config", type=click.Path(path_type=Path))
@click.option("-o", "--output", "out", required=True, type=click.Path(path_type=Path),
              help="YAML file to write (PyTorch Mobile's SELECTED_OP_LIST), e.g. ops.yaml.")
def export_pytorch_ops(config: Path, out: Path) -> None:
    """Write the operator list PyTorch Mobile's selective build takes, for CONFIG's TorchScript models.

    Every operator torch's lite interpreter reports for the .ptl/.pt models
    (scalar and list ops included), one YAML list: pass it as SELECTED_OP_LIST
    when building libtorch_lite, so the app's PyTorch Mobile shrinks with the
    same analysis that selects selbuild's kernels.
    """
    from selbuild.config import load_config
    from selbuild.errors import UsageError
    from selbuild.outputs import check_output, write_atomic
    from selbuild.planning import analysis

    cfg = load_config(config, check_models=False)
    check_output(out, "-o", inputs=[config, *(m.path for m in cfg.models)],
                 replaceable=lambda p: p.suffix in (".yaml", ".yml"), what="a YAML operator list")
    ops: dict[str, list[str]] = {}
    for m in cfg.models:
        s = analysis(m.path).summary
        if s.format == "ptl":
            for u in s.ops:
                ops.setdefault(u.source_op, []).append(m.name)
    if not ops:
        raise UsageError(f"{config}: no TorchScript (.ptl/.pt) model in the config",
                         hint="PyTorch Mobile's selective build is for lite-interpreter models; "
                              ".pte programs use ExecuTorch's own selective build")
    lines = ["# PyTorch Mobile selected operators (SELECTED_OP_LIST), written by",
             f"# `selbuild config export-pytorch-ops {Path(config).name}`: every operator torch's",
             "# lite interpreter reports for the config's TorchScript models.",
             *(f"- {name}  # {', '.join(dict.fromkeys(users))}" for name, users in sorted(ops.items()))]
    write_atomic(out, "\n".join(lines) + "\n")
    click.echo(f"wrote {out}: {len(ops)} operators from "
               f"{len({u for users in ops.values() for u in users})} TorchScript model(s)")
