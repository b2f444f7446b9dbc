"""The ahead-of-time converter: IR passes, memory planner, .selrt writer and reader.

    from selbuild.convert import convert, read_program
    result = convert(model, kernels={"add.f32"})    # -> ConvertResult
    info = read_program(result.program)              # -> ProgramInfo

Names are imported lazily so that `selbuild.convert.registry` (imported by
every op module) does not pull in the whole pipeline.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "convert": "selbuild.convert.pipeline",
    "ConvertResult": "selbuild.convert.pipeline",
    "ConvertStats": "selbuild.convert.pipeline",
    "read_program": "selbuild.convert.program",
    "ProgramInfo": "selbuild.convert.program",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'selbuild.convert' has no attribute {name!r}")


# `selbuild.convert(...)`: the module is callable (selbuild/api.py).
from selbuild.public_module import make_callable  # noqa: E402

make_callable(__name__)
