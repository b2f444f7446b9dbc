"""Model frontends, chosen by file suffix.

Each frontend module exposes
    summarize(path: Path) -> ModelSummary   # for `selbuild analyze` (no heavy work)
    load(path: Path) -> selbuild.ir.Model   # for the converter
and raises ModelError for files it cannot read.
"""

from __future__ import annotations

import importlib
import os
import zipfile
from pathlib import Path
from types import ModuleType

from selbuild.errors import ModelError
from selbuild.inputs import MODEL_LIMIT, check_file, read_file

FRONTENDS: dict[str, str] = {
    ".tflite": "selbuild.frontends.tflite",
    ".pte": "selbuild.frontends.pte",
    ".ptl": "selbuild.frontends.torchscript",
    ".pt": "selbuild.frontends.torchscript",
    ".pt2": "selbuild.frontends.torch_export",
}


def frontend_for(path: Path) -> ModuleType:
    path = Path(path)
    if not path.exists():
        raise ModelError(f"{path}: no such file")
    if path.is_dir():
        raise ModelError(f"{path}: is a directory, not a model file")
    check_file(path, MODEL_LIMIT, "models", ModelError)   # no FIFO, device or multi-GB file
    module = FRONTENDS.get(path.suffix.lower())
    if module is None:
        known = ", ".join(sorted(FRONTENDS))
        raise ModelError(f"{path}: unknown model format '{path.suffix or '(no suffix)'}'",
                         hint=f"selbuild reads {known}")
    _check_identifier(path)
    _check_large(path)
    return importlib.import_module(module)


# Above this size a file must show its format's header before any frontend reads it
# whole: a 1.9 GB file of zeros (under the 2 GiB limit) otherwise costs 2 GB of memory
# and half a minute of reading and hashing before the parser refuses its first bytes.
LARGE = 16 * 1024 ** 2
_ZIP_SUFFIXES = (".ptl", ".pt", ".pt2")
_FLATBUFFER_IDS = {".tflite": b"TFL3", ".pte": b"ET12"}


def _check_large(path: Path) -> None:
    suffix = path.suffix.lower()
    if os.stat(path).st_size <= LARGE:
        return                      # small files: the frontend's own, more precise, message
    if suffix in _ZIP_SUFFIXES:
        if not zipfile.is_zipfile(path):     # reads only the end-of-archive record
            raise ModelError(f"{path}: not {KINDS[suffix]} (not a zip archive)",
                             hint="torch writes these files as zip archives")
        return
    ident = _FLATBUFFER_IDS.get(suffix)
    if ident is not None:
        with open(path, "rb") as f:
            head = f.read(8)
        if head[4:8] != ident:
            raise ModelError(f"{path}: not {KINDS[suffix]} (no '{ident.decode()}' identifier at byte 4)")


# What a file of each suffix should be, for messages.
KINDS: dict[str, str] = {".tflite": "a TFLite model", ".pte": "an ExecuTorch program",
                         ".ptl": "a TorchScript module", ".pt": "a TorchScript module",
                         ".pt2": "a torch.export program"}

# Flatbuffer file identifiers (bytes 4..8) -> (what the file is, its suffix).
IDENTIFIERS: dict[bytes, tuple[str, str]] = {
    b"TFL3": ("a TFLite model", ".tflite"),
    b"ET12": ("an ExecuTorch program", ".pte"),
    b"SLRT": ("a selbuild program", ".selrt"),
}


def identify(data: bytes) -> tuple[str, str] | None:
    """(what, suffix) of a file by its flatbuffer identifier, or None."""
    return IDENTIFIERS.get(bytes(data[4:8])) if len(data) >= 8 else None


def _check_identifier(path: Path) -> None:
    """A model under the wrong suffix (a .tflite renamed .pte, a program passed
    as a model): say what the file really is instead of a parse error."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        return                      # the frontend reports unreadable files
    found = identify(head)
    if found is None or found[1] == path.suffix.lower():
        return
    what, suffix = found
    hint = f"rename it to {path.with_suffix(suffix).name}"
    if suffix not in FRONTENDS:
        hint += " (a converted program: `selbuild run` takes it as it is; the other commands need the model)"
    raise ModelError(f"{path}: not {KINDS[path.suffix.lower()]}: this is {what} ({suffix})", hint=hint)


def read_model(path: Path) -> bytes:
    """The bytes of a model file (regular, at most inputs.MODEL_LIMIT); ModelError otherwise."""
    return read_file(path, MODEL_LIMIT, "models", ModelError)


def summarize(path: Path):
    return frontend_for(path).summarize(Path(path))


def load_model(path: Path, input_shapes: dict[str, list[int]] | None = None):
    """The IR of a model. `input_shapes` matters for TorchScript modules only,
    which store no shapes (the other formats are specialised after loading)."""
    frontend = frontend_for(path)
    if frontend.__name__ == "selbuild.frontends.torchscript":
        # by name, as the frontends themselves (they import this package)
        return importlib.import_module("selbuild.frontends.torchscript_load").load(Path(path), input_shapes)
    return frontend.load(Path(path))
