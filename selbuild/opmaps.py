"""Everything derived from the operator descriptor (runtime_src/kernels/kernels.yaml).

Computed at import time, not written to files: the descriptor is package data
already, the derivations are cheap pure functions of it (cached per
Catalogue), and a derived file would be one more thing that can go stale.
Frontends, converter, analyze, config and the tests read these instead of
keeping lists of their own:

* `tflite_ops()`      TFLite builtin -> TfliteOp (canonical op, options table, kernel dtypes)
* `tflite_custom_ops()` custom code -> canonical op and its flexbuffer attributes
* `option_fields()`   options table -> its fields as the TFLite reader wants them
* `aten_ops()`        ATen base name -> canonical op
* `torch_unary()`     torch.export target -> canonical op, for one-node ops
* `plain_ops()`       ops the converter lowers as one input -> one output, no params
* `fusable_ops()`     ops that take a fused activation
* `harness_kernels()` the kernel lists of tests/harness.py's runners
* `is_supported()`    the one judgement "can a runtime run `<op>.<dtype>`"
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from selbuild import catalogue as _catalogue_module
from selbuild.catalogue import Catalogue
from selbuild.errors import CatalogueError


def _cat(cat: Catalogue | None) -> Catalogue:
    # Looked up through the module so tests that substitute the catalogue see it here too.
    return cat if cat is not None else _catalogue_module.load_catalogue()


@dataclass(frozen=True)
class TfliteOp:
    builtin: str                    # "CONV_2D"
    op: str                         # "conv2d"
    options: str | None             # BuiltinOptions member, None when the op has none
    dtypes: tuple[str, ...]         # the dtypes the catalogue has kernels for


@functools.lru_cache(maxsize=4)
def _tflite(cat: Catalogue) -> dict[str, TfliteOp]:
    out: dict[str, TfliteOp] = {}
    for spec in cat.ops.values():
        if spec.tflite is None:
            continue
        if spec.tflite in out:
            raise CatalogueError(f"kernels.yaml: TFLite builtin {spec.tflite} declared by both "
                                f"{out[spec.tflite].op} and {spec.name}")
        out[spec.tflite] = TfliteOp(spec.tflite, spec.name, spec.tflite_options, cat.dtypes_of(spec.name))
    return out


def tflite_ops(cat: Catalogue | None = None) -> dict[str, TfliteOp]:
    return _tflite(_cat(cat))


@functools.lru_cache(maxsize=4)
def _custom(cat: Catalogue) -> dict[str, tuple[str, list[tuple]]]:
    return {spec.tflite_custom: (spec.name, [(a.field, a.name, a.type, a.default) for a in spec.attrs])
            for spec in cat.ops.values() if spec.tflite_custom}


def tflite_custom_ops(cat: Catalogue | None = None) -> dict[str, tuple[str, list[tuple]]]:
    """custom code -> (canonical op, [(flexbuffer key, attrs key, kind, default)]) for the custom
    ops LiteRT's builtin resolver registers that the descriptor declares."""
    return _custom(_cat(cat))


@functools.lru_cache(maxsize=4)
def _fields(cat: Catalogue) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    owner: dict[str, str] = {}
    for spec in cat.ops.values():
        if not spec.tflite_options or not spec.attrs:
            continue
        fields = [(a.field, a.name, a.type, a.default) for a in spec.attrs]
        if spec.tflite_options in out and out[spec.tflite_options] != fields:
            raise CatalogueError(f"kernels.yaml: {spec.name} and {owner[spec.tflite_options]} read "
                                f"{spec.tflite_options} with different attrs")
        out[spec.tflite_options] = fields
        owner.setdefault(spec.tflite_options, spec.name)
    return out


def option_fields(cat: Catalogue | None = None) -> dict[str, list[tuple]]:
    """options table -> [(schema field, attrs key, kind, default)] of the descriptor's ops."""
    return _fields(_cat(cat))


def aten_ops(cat: Catalogue | None = None) -> dict[str, str]:
    return {a: spec.name for spec in _cat(cat).ops.values() for a in spec.aten}


def torch_unary(cat: Catalogue | None = None) -> dict[str, str]:
    """torch.export target ("aten.exp.default") -> op, for ops declared `torch: unary`."""
    out = {}
    for spec in _cat(cat).ops.values():
        if spec.torch == "unary":
            if not spec.aten:
                raise CatalogueError(f"kernels.yaml: {spec.name} is `torch: unary` but names no aten operator")
            out[f"aten.{spec.aten[0].split('::', 1)[1]}.default"] = spec.name
    return out


def plain_ops(cat: Catalogue | None = None) -> tuple[str, ...]:
    return tuple(sorted(s.name for s in _cat(cat).ops.values() if s.lowering == "plain"))


def fusable_ops(cat: Catalogue | None = None) -> tuple[str, ...]:
    return tuple(sorted(s.name for s in _cat(cat).ops.values() if s.fuses_activation))


def harness_kernels(group: str, cat: Catalogue | None = None) -> list[str]:
    """Kernels of one test runner: "layers", "elementwise" (with the float<->int8
    boundary kernels) or "int8"."""
    c = _cat(cat)

    def tag(name: str) -> str | None:
        spec = c.ops.get(name.split(".")[0])
        return spec.harness if spec else None
    if group == "int8":
        return [k for k in c.names() if k.endswith(".i8")]
    if group == "layers":
        return [k for k in c.names() if k.endswith(".f32") and tag(k) == "layers"]
    if group == "elementwise":
        return [k for k in c.names() if (k.endswith(".f32") and tag(k) is None) or tag(k) == "boundary"]
    raise ValueError(f"unknown harness group {group!r}")


def is_supported(kernel: str | None, cat: Catalogue | None = None) -> bool:
    """True when a runtime can run `<op>.<dtype>`: the catalogue has its kernel.

    (Nodes the converter folds into constants need no kernel at all; whether a
    node folds depends on the model, so selbuild.support asks the converter.)
    """
    return kernel is not None and kernel in _cat(cat)
