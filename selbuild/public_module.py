"""Callable modules: selbuild.analyze/build/convert/size are modules (the CLI's
and the finer API's home) and also the public functions of selbuild/api.py.

A module attribute cannot be both a submodule and a function (importing the
submodule rebinds the name), so those four modules change their class to
one with __call__. This file imports nothing of selbuild at import time, so
any layer may use it; selbuild.api is imported on the first call.
"""

from __future__ import annotations

import importlib
import sys
import types


class _PublicModule(types.ModuleType):
    """A module that can be called: selbuild.<name>(...) is selbuild.api.<name>(...)."""

    def __call__(self, *args, **kwargs):
        return self.__wrapped__(*args, **kwargs)

    @property
    def __wrapped__(self):          # inspect.signature() follows it to the real signature
        return getattr(importlib.import_module("selbuild.api"), self.__name__.rsplit(".", 1)[1])


def make_callable(module_name: str) -> None:
    """Called at the end of selbuild.analyze/build/convert/size."""
    sys.modules[module_name].__class__ = _PublicModule
