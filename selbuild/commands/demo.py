"""`selbuild demo`: the whole product on a bundled config, in one command.

Analyze the config's models, build the runtime for every target this machine
can build, prove it on the host against LiteRT, and print the size per
target next to TFLite's published selective-build figures.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from selbuild import REPO_ROOT
from selbuild.errors import ConfigError, SelbuildError

DEFAULT_CONFIG = REPO_ROOT / "configs" / "mobilenetv2_f32.yaml"

# TFLite's selective build of MobileNet (published AAR native library sizes),
# the figures this project sets out to beat.
TFLITE_REFERENCE = {"android-armv7": 296_635, "android-arm64": 382_892}


def _available_targets(console: Console) -> list[str]:
    from selbuild import toolchain_loader
    from selbuild.targets import TARGETS
    ok = []
    for t in TARGETS:
        a = toolchain_loader.availability(t)
        if a.ok:
            ok.append(t)
        else:
            console.print(f"[yellow]skip {t}[/]: {a.reason}" + (f" (install: {a.install_hint})" if a.install_hint else ""))
    return ok


def _verify_host(cfg, host_build, console: Console) -> None:
    """Run every .tflite model of the config on the host build and compare with LiteRT."""
    from selbuild.convert.pipeline import convert
    from selbuild.planning import analysis
    from selbuild.verify import compare_float, compare_quantized, litert_reference, random_inputs, run_in_process
    from selbuild.convert.program import read_program
    for ref in cfg.models:
        if Path(ref.path).suffix != ".tflite":
            continue
        program = convert(analysis(ref.path).model, kernels=set(cfg.kernels()),
                          input_shapes=ref.input_shapes or None, unroll=cfg.unroll_loops).program
        info = read_program(program)
        inputs = random_inputs(info, seed=0)
        ours = run_in_process(host_build.manifest, program, inputs)
        try:
            theirs = litert_reference(ref.path, inputs)
        except SelbuildError as e:
            console.print(f"[yellow]not compared with LiteRT[/]: {e.message}")
            continue
        floats = {k: v for k, v in theirs.items() if v.dtype.kind == "f"}
        ints = {k: v for k, v in theirs.items() if v.dtype.kind != "f"}
        results = compare_float(ours, floats) + compare_quantized(ours, ints)
        verdict = "[green]match[/]" if all(c.ok for c in results) else "[red]MISMATCH[/]"
        worst = max((c.max_abs_err for c in results), default=0.0)
        console.print(f"host run of {ref.name} vs LiteRT: {verdict} (max abs error {worst:.3g})")
        if not all(c.ok for c in results):
            raise SelbuildError(f"{ref.name}: outputs on the host differ from LiteRT beyond tolerance")


@click.command("demo")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=DEFAULT_CONFIG,
              show_default="configs/mobilenetv2_f32.yaml of the selbuild checkout",
              help="Build config to demonstrate.")
@click.option("--out-root", type=click.Path(path_type=Path), default=None,
              help="Build root (default ./build); artifacts go to <out-root>/<config-stem>/<target>/.")
@click.option("--target", "targets", multiple=True,
              help="Build only these targets (default: every target this machine can build).")
@click.option("--verify/--no-verify", default=True, show_default=True,
              help="Run the models on the host build and compare with LiteRT.")
def command(config_path: Path, out_root: Path | None, targets: tuple[str, ...], verify: bool) -> None:
    """Analyze, build every available target, verify on the host, print sizes."""
    from selbuild.analyze import analyze, render
    from selbuild.build import build_target
    from selbuild.config import load_config
    from selbuild.size import SizeReport

    console = Console()
    if not console.is_terminal:     # logs and CI: 80 columns would fold the size table
        console = Console(width=120)
    if config_path == DEFAULT_CONFIG and not DEFAULT_CONFIG.is_file():
        # An installed wheel ships the runtime sources but not the bundled models.
        raise ConfigError("selbuild demo's default config and models come with a selbuild checkout, "
                          "not with the installed package",
                          hint="run it on your own config: selbuild demo --config app.yaml "
                               "(write one with `selbuild config init MODEL -o app.yaml`)")
    cfg = load_config(config_path)
    from selbuild import toolchain_loader
    for t in targets:                # an unknown or unbuildable target fails before any work
        toolchain_loader.require(t)
    console.rule(f"1. analyze ({len(cfg.models)} model(s) of {config_path.name})")
    render(analyze([m.path for m in cfg.models]), console)

    console.rule("2. build the stripped runtime")
    console.print(f"kernels: {', '.join(cfg.kernels())}")
    results = {}
    for target in targets or _available_targets(console):
        with console.status(f"building {target} ..."):
            results[target] = build_target(cfg, target, out_root=out_root)
        console.print(f"built {target} in {results[target].seconds:.1f} s: {results[target].library}")

    if verify and "host" in results:
        console.rule("3. run on the host, compare with LiteRT")
        _verify_host(cfg, results["host"], console)

    console.rule("4. size")
    table = Table(show_lines=False)
    table.add_column("target")
    table.add_column("file bytes", justify="right")
    table.add_column("sections bytes", justify="right")
    table.add_column("largest rows")
    table.add_column("vs TFLite selective build")
    for target, res in results.items():
        rep = SizeReport.from_dict(json.loads((res.out_dir / "size.json").read_text()))
        top = sorted((r for r in rep.rows if r.kind in ("op", "core", "shared", "backend")),
                     key=lambda r: -r.size)[:3]
        ref = TFLITE_REFERENCE.get(target)
        versus = f"{ref:,} B -> {ref / rep.file_size:.1f}x smaller" if ref else ""
        table.add_row(target, f"{rep.file_size:,}", f"{rep.gated_size:,}",
                      escape(", ".join(f"{r.name} {r.size:,}" for r in top)), versus)
    console.print(table)
    console.print("file bytes: the library as shipped (Mach-O images are padded to 16 KiB pages); "
                  "sections bytes: its allocated sections, what `selbuild size --fail-above` gates.")
    console.print("Per-operator detail: selbuild size <artifact> (see docs/size_report.md).")
