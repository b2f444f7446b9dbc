"""`--input-shape NAME=D0,D1,...` for `convert` and `run`, and the config entry's shapes.

A model with dynamic input dimensions is compiled for one shape per program
(selbuild/convert/specialize.py). The config says which (`input_shapes:` of
the model entry); the command line can say so for one run or conversion.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

from selbuild.errors import UsageError

_SPEC = re.compile(r"([^=]+)=(\d+(?:,\d+)*)?")

option = click.option(
    "--input-shape", "input_shape", multiple=True, metavar="NAME=D0,D1,...",
    help="Shape of an input with dynamic (-1) dimensions, e.g. audio=1,16000 (repeat for more inputs). "
         "Default: the config's `input_shapes:` for this model, else the model's own default sizes.")


def parse(values: tuple[str, ...]) -> dict[str, list[int]]:
    """{name: dims} from --input-shape values; UsageError naming a malformed one."""
    out: dict[str, list[int]] = {}
    for v in values:
        m = _SPEC.fullmatch(v.strip())
        if not m:
            raise UsageError(f"--input-shape {v!r}: expected NAME=D0,D1,... (whole numbers)",
                             hint="e.g. --input-shape input=1,16000; an input of rank 0 is NAME=")
        name = m.group(1).strip()
        if name in out:
            raise UsageError(f"--input-shape: {name!r} given twice")
        out[name] = [int(d) for d in m.group(2).split(",")] if m.group(2) else []
    return out


def for_model(config: Any, model: Path, given: tuple[str, ...]) -> dict[str, list[int]] | None:
    """The input shapes to convert `model` with: --input-shape, else the config's
    entry for the same file; UsageError when the config lists that file with
    different shapes and the command line does not choose."""
    if given:
        return parse(given)
    if config is None:
        return None
    path = Path(model).resolve()
    entries = [m for m in config.models if Path(m.path).resolve() == path]
    shapes = {repr(sorted(m.input_shapes.items())): m for m in entries}
    if len(shapes) > 1:
        listing = "; ".join(f"{m.name}: {m.input_shapes or 'default shapes'}" for m in shapes.values())
        raise UsageError(f"{model}: the config lists this model with several input shapes ({listing})",
                         hint="choose one with --input-shape NAME=D0,D1,...")
    return dict(entries[0].input_shapes) if entries and entries[0].input_shapes else None
