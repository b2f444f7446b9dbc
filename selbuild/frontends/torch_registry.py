"""The registry of torch op lowerings: ATen op name -> handler.

Handler modules (torch_handlers*.py) register themselves with `handles` when
imported; torch_lower asks `handler_for` and never imports a handler module
itself, so the lowering core sits below the handlers instead of in a cycle
with them. The modules are imported on the first lookup, by name.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

Handler = Callable[..., Any]
HANDLERS: dict[str, Handler] = {}
# Every module that registers handlers, in import order (a later module may
# replace an earlier one's handler: movers' expand replaces shape's); a new
# one is added here.
MODULES = ("selbuild.frontends.torch_handlers", "selbuild.frontends.torch_handlers_logic",
           "selbuild.frontends.torch_handlers_shape", "selbuild.frontends.torch_handlers_movers",
           "selbuild.frontends.torch_handlers_norm", "selbuild.frontends.torch_handlers_dtype",
           "selbuild.frontends.xnnpack_quant", "selbuild.frontends.xnnpack_static",
           "selbuild.frontends.torch_custom")
_loaded = False
# Asked for names no handler has: name -> handler or None (torch_custom: an app's declared op).
FALLBACKS: list[Callable[[str], Handler | None]] = []


def handles(*names: str) -> Callable[[Handler], Handler]:
    """Decorator: `fn` lowers the ops `names` (e.g. "aten.add.Tensor")."""
    def deco(fn: Handler) -> Handler:
        for name in names:
            register(name, fn)
        return fn
    return deco


def register(name: str, fn: Handler) -> None:
    HANDLERS[name] = fn


def handler_for(name: str) -> Handler | None:
    global _loaded
    if not _loaded:
        for module in MODULES:
            importlib.import_module(module)
        _loaded = True
    found = HANDLERS.get(name)
    for fallback in FALLBACKS if found is None else ():
        found = fallback(name)
        if found is not None:
            break
    return found
