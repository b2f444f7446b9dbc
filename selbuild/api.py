"""The public Python API: `selbuild.analyze`, `selbuild.build`, `selbuild.convert`, `selbuild.size`.

    import selbuild
    need = selbuild.analyze("model.tflite")                 # -> Analysis
    built = selbuild.build("configs/app.yaml", "host")      # -> [BuildResult]
    program = selbuild.convert("model.tflite").program      # -> ConvertResult
    report = selbuild.size(built[0].library)                # -> SizeReport

Each name is also the module that implements it (selbuild.analyze is the
`selbuild analyze` command's module, ...): those modules are callable and a
call lands here, so `import selbuild.build` and `selbuild.build(...)` both work.
These functions take paths as well as loaded objects; the modules keep the
finer-grained entry points (docs/python_api.md). Failures raise
selbuild.errors.SelbuildError subclasses with .message and .hint.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from selbuild.analyze import Analysis
    from selbuild.build import BuildResult
    from selbuild.config import BuildConfig
    from selbuild.convert import ConvertResult
    from selbuild.ir import Model
    from selbuild.size import SizeReport

PUBLIC = ("analyze", "build", "convert", "size")


def analyze(models: str | Path | Iterable[str | Path], *, example_inputs: str | Path | None = None,
            backends: list[str] | None = None) -> Analysis:
    """What a set of models needs: canonical ops (`<op>.<dtype>`), dtypes, delegates,
    what a selbuild runtime cannot run yet, and each model's metadata.

    models: one path or several (.tflite, .pte, .ptl/.pt, .pt2).
    example_inputs: .npz for TorchScript models (observes exact dtypes).
    backends: also say which nodes each backend (nnapi, vulkan) would take.
    Returns an Analysis; `.to_json()` is the `selbuild analyze --json` contract."""
    from selbuild.analyze import analyze as run
    paths = [models] if isinstance(models, (str, Path)) else list(models)
    return run(paths, Path(example_inputs) if example_inputs else None, backends)


def build(config: str | Path | BuildConfig, targets: str | list[str] | None = None, *,
          out_root: str | Path | None = None, profile: str | None = None) -> list[BuildResult]:
    """Build the stripped runtime of a config for each target (default: the config's targets).

    config: a YAML build config path or a loaded BuildConfig.
    targets: one target name or several (see selbuild.targets.TARGETS).
    out_root: root of the build dirs (default ./build); profile: size | speed.
    Returns one BuildResult per target (.library, .static_library, .manifest, .runner)."""
    from selbuild.build import build as run
    cfg = _config(config)
    names = [targets] if isinstance(targets, str) else targets
    kwargs = {"out_root": Path(out_root) if out_root else None, "profile": profile}
    return run(cfg, names, **kwargs)


def convert(model: str | Path | Model, *, kernels: Iterable[str] | None = None,
            backends: list[str] | None = None) -> ConvertResult:
    """Compile a model ahead of time into a `.selrt` program.

    model: a model path or a loaded selbuild.ir.Model.
    kernels: restrict the program to these `<op>.<dtype>` kernels (a config's
    `kernels()`); a node outside them is an UnsupportedError naming it.
    Returns a ConvertResult: `.program` is the bytes to write or load."""
    from selbuild.convert import convert as run
    from selbuild.frontends import load_model
    loaded = load_model(Path(model)) if isinstance(model, (str, Path)) else model
    return run(loaded, kernels=set(kernels) if kernels is not None else None, backends=backends)


def size(artifact: str | Path, **options) -> SizeReport:
    """Bytes per operator of a built library (.so, .dylib, .a, fat or thin).

    options: manifest, arch, unstripped, link_map (see selbuild.size.report_artifact).
    Returns a SizeReport whose rows sum exactly to the file size."""
    from selbuild.size import report_artifact
    return report_artifact(Path(artifact), **options)


def _config(config: str | Path | BuildConfig) -> BuildConfig:
    from selbuild.config import load_config
    return load_config(Path(config)) if isinstance(config, (str, Path)) else config
