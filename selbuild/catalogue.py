"""The kernel catalogue (runtime_src/kernels/kernels.yaml) as typed Python.

kernels.yaml is the one descriptor of every operator: its kernels
(`<op>.<dtype>` entries with their params), its frontend names (TFLite
builtin, ATen operators), its attributes and how the converter and the torch
frontend treat it. Everything else derives from it (selbuild/opmaps.py: the
frontend maps, the support judgement, the test lists), so nothing is kept in
sync by hand.

The file is checked against kernels.schema.json (beside it) before anything
reads it; a catalogue that breaks the schema or refers to an unknown param
group is a CatalogueError naming the entry (an internal error: exit 3).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from selbuild import RUNTIME_SRC
from selbuild.errors import CatalogueError

CATALOGUE_PATH = RUNTIME_SRC / "kernels" / "kernels.yaml"
SCHEMA_PATH = RUNTIME_SRC / "kernels" / "kernels.schema.json"

# `name[6]` or `name[max_rank]`: an array param, expanded to name0 .. name5.
_ARRAY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\[([A-Za-z0-9_]+)\]$")


@dataclass(frozen=True)
class KernelSpec:
    name: str                       # "<op>.<dtype>"
    summary: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    iparams: tuple[str, ...] = ()   # expanded: groups and arrays spelled out
    fparams: tuple[str, ...] = ()
    shared: tuple[str, ...] = ()
    libm: tuple[str, ...] = ()      # libm functions the kernel's own file calls

    @property
    def op(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def dtype(self) -> str:
        return self.name.split(".", 1)[1]

    @property
    def symbol(self) -> str:
        """C descriptor symbol, also the prefix of every symbol in the kernel file."""
        return "selrt_" + self.name.replace(".", "_")

    @property
    def source(self) -> Path:
        """Path of the kernel's C file, relative to runtime_src/."""
        return Path("kernels") / self.op / f"{self.op}_{self.dtype}.c"

    @property
    def variadic_inputs(self) -> bool:
        return bool(self.inputs) and self.inputs[-1].endswith("*")

    @property
    def variadic_outputs(self) -> bool:
        return bool(self.outputs) and self.outputs[-1].endswith("*")

    @property
    def min_inputs(self) -> int:
        return sum(1 for i in self.inputs if not i.endswith("?"))

    @property
    def max_inputs(self) -> int:
        return 255 if self.variadic_inputs else len(self.inputs)

    @property
    def min_outputs(self) -> int:
        return len(self.outputs)

    @property
    def max_outputs(self) -> int:
        return 255 if self.variadic_outputs else len(self.outputs)


@dataclass(frozen=True)
class Attr:
    name: str                       # the IR attrs key
    type: str                       # int, float, bool, ivec, fvec, dtype, bias_dtype or an enum name
    default: Any
    field: str                      # the TFLite options field it is read from


@dataclass(frozen=True)
class OpSpec:
    """One operator, whatever its dtypes: names in each frontend and how it is treated."""

    name: str                                   # canonical op, "conv2d"
    tflite: str | None = None                   # builtin name, "CONV_2D"
    tflite_custom: str | None = None            # or the custom code of a custom op LiteRT's resolver
                                                # registers ("TFLite_Detection_PostProcess"); attrs
                                                # are then keys of its flexbuffer custom_options
    tflite_options: str | None = None           # BuiltinOptions member, "Conv2DOptions"
    tflite_versions: tuple[int, int] | None = None   # (min, max) operator versions; None = any
    aten: tuple[str, ...] = ()                  # "aten::convolution" (every overload, `.out` too)
    attrs: tuple[Attr, ...] = ()
    torch: str | None = None                    # "unary": aten.<first aten>.default is one IR node
    lowering: str | None = None                 # "plain": one input, one output, no params
    fuses_activation: bool = False              # takes a fused activation (torch frontend fuses relu*)
    harness: str | None = None                  # test runner group: "layers" | "boundary"
    converter: str = "lowers"                   # "rejects": recognised, never converted


@dataclass(frozen=True, eq=False)   # compared and hashed by identity (derived views cache on it)
class Catalogue:
    kernels: dict[str, KernelSpec] = field(default_factory=dict)
    ops: dict[str, OpSpec] = field(default_factory=dict)
    constants: dict[str, int] = field(default_factory=dict)
    libm_functions: dict[str, str] = field(default_factory=dict)   # name -> C prototype

    def __contains__(self, name: str) -> bool:
        return name in self.kernels

    def __getitem__(self, name: str) -> KernelSpec:
        return self.kernels[name]

    def names(self) -> list[str]:
        return sorted(self.kernels)

    def dtypes_of(self, op: str) -> tuple[str, ...]:
        """The dtypes `op` has a kernel for, sorted."""
        return tuple(sorted(k.dtype for k in self.kernels.values() if k.op == op))


@functools.lru_cache(maxsize=1)
def _schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def _schema_problems(raw: Any) -> list[str]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema())
    out = []
    for e in sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.absolute_path))):
        where = ".".join(str(p) for p in e.absolute_path) or "(top level)"
        out.append(f"{where}: {e.message}")
    return out


def _expand(names: list[str], groups: dict[str, list[str]], constants: dict[str, int],
            where: str, origin: str) -> tuple[str, ...]:
    """Param names with `$group` references and `name[N]` arrays spelled out."""
    out: list[str] = []
    for n in names:
        if n.startswith("$"):
            if n[1:] not in groups:
                raise CatalogueError(f"{origin}: {where}: unknown param group {n!r}",
                                    hint=f"groups: {', '.join(sorted(groups)) or 'none'}")
            out += _expand(groups[n[1:]], {}, constants, where, origin)
            continue
        m = _ARRAY.match(n)
        if m is None:
            out.append(n)
            continue
        size = m.group(2)
        count = int(size) if size.isdigit() else constants.get(size)
        if count is None:
            raise CatalogueError(f"{origin}: {where}: array size {size!r} is neither a number nor a constant")
        out += [f"{m.group(1)}{i}" for i in range(count)]
    return tuple(out)


def _op(name: str, e: dict) -> OpSpec:
    t = e.get("tflite") or {}
    versions = t.get("versions")
    attrs = tuple(Attr(k, a["type"], a.get("default"), a.get("field", k))
                  for k, a in (e.get("attrs") or {}).items())
    return OpSpec(name=name, tflite=t.get("builtin"), tflite_custom=t.get("custom"), tflite_options=t.get("options"),
                  tflite_versions=tuple(versions) if versions else None,
                  aten=tuple(e.get("aten", ())), attrs=attrs, torch=e.get("torch"),
                  lowering=e.get("lowering"), fuses_activation=bool(e.get("fuses_activation", False)),
                  harness=e.get("harness"), converter=e.get("converter", "lowers"))


def parse_catalogue(text: str, origin: str = "kernels.yaml") -> Catalogue:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise CatalogueError(f"{origin}: not valid YAML: {e}") from None
    if not isinstance(raw, dict) or raw.get("schema_version") != 1 or not isinstance(raw.get("kernels"), dict):
        raise CatalogueError(f"{origin}: expected `schema_version: 1` and a `kernels:` mapping")
    for name, entry in raw["kernels"].items():
        if not isinstance(name, str) or name.count(".") != 1 or not isinstance(entry, dict):
            raise CatalogueError(f"{origin}: bad kernel entry {name!r}: expected `<op>.<dtype>: {{...}}`")
    problems = _schema_problems(raw)
    if problems:
        raise CatalogueError(f"{origin}: {len(problems)} problem(s) against kernels.schema.json:\n  "
                            + "\n  ".join(problems[:20]))
    constants = dict(raw.get("constants") or {})
    groups = raw.get("param_groups") or {}
    kernels: dict[str, KernelSpec] = {}
    for name, entry in raw["kernels"].items():
        kernels[name] = KernelSpec(
            name=name,
            summary=str(entry.get("summary", "")),
            inputs=tuple(entry.get("inputs", ())),
            outputs=tuple(entry.get("outputs", ())),
            iparams=_expand(list(entry.get("iparams", ())), groups, constants, f"{name} iparams", origin),
            fparams=_expand(list(entry.get("fparams", ())), groups, constants, f"{name} fparams", origin),
            shared=tuple(entry.get("shared", ())),
            libm=tuple(entry.get("libm", ())),
        )
    ops = {name: _op(name, e or {}) for name, e in (raw.get("ops") or {}).items()}
    undeclared = sorted({k.op for k in kernels.values()} - set(ops)) if ops else []
    if undeclared:
        raise CatalogueError(f"{origin}: kernels of undeclared ops: {', '.join(undeclared)}",
                            hint="give each op an entry under `ops:`")
    libm = dict(raw.get("libm_functions") or {})
    strays = sorted({f"{k.name}: {f}" for k in kernels.values() for f in k.libm if libm and f not in libm})
    if strays:
        raise CatalogueError(f"{origin}: kernels call libm functions not in libm_functions: {', '.join(strays)}",
                            hint="add the function (with its prototype) to libm_functions and run scripts/generate.py")
    return Catalogue(kernels, ops, constants, libm)


@functools.lru_cache(maxsize=1)
def builtin_catalogue() -> Catalogue:
    """kernels.yaml alone, without any app's custom ops."""
    return parse_catalogue(CATALOGUE_PATH.read_text(), str(CATALOGUE_PATH))


# The custom ops of the config being worked on (selbuild.custom_ops.activate sets them).
_custom: tuple = ()


def set_custom(ops: tuple) -> None:
    global _custom
    _custom = tuple(ops)


def load_catalogue() -> Catalogue:
    """The catalogue every layer asks: the built-in kernels plus the active custom ops."""
    return builtin_catalogue() if not _custom else _with_custom(builtin_catalogue(), _custom)


@functools.lru_cache(maxsize=8)
def _with_custom(base: Catalogue, ops: tuple) -> Catalogue:
    # A new Catalogue object: the derived views (selbuild.opmaps) cache per instance.
    kernels = dict(base.kernels)
    opspecs = dict(base.ops)
    for o in ops:
        kernels[o.kernel] = KernelSpec(name=o.kernel, summary=o.summary or f"custom op ({o.origin.name})",
                                       inputs=tuple(p.name for p in o.inputs),
                                       outputs=tuple(p.name for p in o.outputs),
                                       iparams=o.iparams, fparams=o.fparams)
        opspecs.setdefault(o.name, OpSpec(name=o.name))
    return Catalogue(kernels, opspecs, base.constants, base.libm_functions)
