"""Custom operators declared outside selbuild's tree (docs/custom_ops.md).

An app declares its op in its own repository, in a YAML file the build config
names under `custom_ops:` (or inline there):

    name: scale_shift            # canonical op: the kernel is scale_shift.f32
    dtype: f32
    tflite: ScaleShift           # TFLite custom_code, and/or
    torch: mylib::scale_shift    # a torch.library operator
    inputs:  {x: f32}
    outputs: {y: {dtype: f32, shape: x}}     # shape: an input's name, or `model`
    attrs:   {scale: {type: float, default: 1.0}, clamp: {type: bool, default: false}}
    sources: [scale_shift.c]     # relative to the declaration
    shape_function: shapes.py:scale_shift   # optional
    torch_library: scale_shift_op.py        # optional: registers the torch op

Once a config's declarations are *active* (`activate`, done when the config
is read), the op is an ordinary `<name>.<dtype>` everywhere: the catalogue
(selbuild.catalogue.load_catalogue) holds its KernelSpec, frontends name it,
the converter lowers it, the build compiles its sources beside a generated
typed header (selbuild/custom_codegen.py). Process-global on purpose: every
layer already asks the catalogue, and one command works for one config.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DTYPES = ("f32", "i8", "u8", "i16", "i32", "i64", "bool")
ATTR_TYPES = ("int", "float", "bool")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TORCH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*::[A-Za-z_][A-Za-z0-9_.]*$")
KEYS = ("name", "dtype", "summary", "tflite", "torch", "inputs", "outputs", "attrs", "sources",
        "shape_function", "torch_library")
DOC = "docs/custom_ops.md"

Problems = list[tuple[tuple, str]]


@dataclass(frozen=True)
class Port:
    name: str
    dtype: str
    shape: str = "model"            # outputs: an input's name (same shape) or "model" (the model's)


@dataclass(frozen=True)
class AttrDecl:
    name: str
    type: str                       # int | float | bool
    default: int | float | bool | None


@dataclass(frozen=True)
class CustomOp:
    name: str
    dtype: str
    inputs: tuple[Port, ...]
    outputs: tuple[Port, ...]
    attrs: tuple[AttrDecl, ...]
    sources: tuple[Path, ...]       # absolute
    origin: Path                    # the declaration file (or the config, for an inline one)
    tflite: str | None = None
    torch: str | None = None
    summary: str = ""
    shape_function: str | None = None   # "<absolute path>.py:<function>"
    torch_library: Path | None = None

    @property
    def kernel(self) -> str:
        return f"{self.name}.{self.dtype}"

    @property
    def sym(self) -> str:
        return f"{self.name}_{self.dtype}"

    @property
    def header(self) -> str:
        return f"selrt_custom_{self.sym}.h"

    @property
    def iparams(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.attrs if a.type in ("int", "bool"))

    @property
    def fparams(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.attrs if a.type == "float")

    def to_json(self, base: Path) -> dict:
        """For request.json: the SCons process re-activates the same declarations.
        Paths are relative to `base` (the build dir): request.json names no absolute path."""
        import os

        def rel(p: Path) -> str:
            return Path(os.path.relpath(p, base)).as_posix()
        return {"name": self.name, "dtype": self.dtype, "tflite": self.tflite, "torch": self.torch,
                "summary": self.summary, "origin": rel(self.origin),
                "inputs": [[p.name, p.dtype, p.shape] for p in self.inputs],
                "outputs": [[p.name, p.dtype, p.shape] for p in self.outputs],
                "attrs": [[a.name, a.type, a.default] for a in self.attrs],
                "sources": [rel(s) for s in self.sources]}

    @staticmethod
    def from_json(d: dict, base: Path) -> CustomOp:
        return CustomOp(name=d["name"], dtype=d["dtype"], tflite=d.get("tflite"), torch=d.get("torch"),
                        summary=d.get("summary", ""), origin=(base / d["origin"]).resolve(),
                        inputs=tuple(Port(*p) for p in d["inputs"]), outputs=tuple(Port(*p) for p in d["outputs"]),
                        attrs=tuple(AttrDecl(*a) for a in d["attrs"]), sources=tuple((base / s).resolve() for s in d["sources"]))


# ---------------------------------------------------------------- the active declarations

_ACTIVE: tuple[CustomOp, ...] = ()


def activate(ops: tuple[CustomOp, ...] | list[CustomOp]) -> None:
    """Make `ops` (and only them) the custom ops every layer sees."""
    global _ACTIVE
    from selbuild import catalogue
    ops = tuple(ops)
    if ops != _ACTIVE:
        _ACTIVE = ops
        catalogue.set_custom(ops)


def active() -> tuple[CustomOp, ...]:
    return _ACTIVE


@contextlib.contextmanager
def using(ops: tuple[CustomOp, ...] | list[CustomOp]) -> Iterator[None]:
    old = _ACTIVE
    activate(ops)
    try:
        yield
    finally:
        activate(old)


def by_tflite(code: str | None) -> CustomOp | None:
    return next((o for o in _ACTIVE if code is not None and o.tflite == code), None)


def by_torch(name: str) -> CustomOp | None:
    """`name` as torch_lower.source_name spells it: "mylib::scale_shift" (".overload" ignored)."""
    base = name.split(".", 1)[0]
    return next((o for o in _ACTIVE if o.torch is not None and o.torch.split(".", 1)[0] == base), None)


def by_op(op: str) -> CustomOp | None:
    return next((o for o in _ACTIVE if o.name == op), None)


def by_kernel(kernel: str) -> CustomOp | None:
    return next((o for o in _ACTIVE if o.kernel == kernel), None)


def register_torch_ops() -> None:
    """Run the active declarations' torch_library files (the app's torch.library
    registrations): torch.export.load needs the ops known. Only when a .pt2 is
    read, so a TFLite-only build never imports torch for them."""
    import runpy
    from selbuild.errors import ConfigError
    for op in _ACTIVE:
        if op.torch_library is None:
            continue
        try:
            runpy.run_path(str(op.torch_library), run_name=f"selbuild_custom_{op.sym}")
        except Exception as e:       # the app's code: its failure is reported as such
            raise ConfigError(f"{op.kernel}: torch_library {op.torch_library.name} failed: "
                              f"{type(e).__name__}: {e}") from None


def load_shape_function(op: CustomOp) -> Any:
    import runpy
    from selbuild.errors import ConfigError
    assert op.shape_function is not None
    file, func = op.shape_function.rsplit(":", 1)
    try:
        fn = runpy.run_path(file, run_name=f"selbuild_shape_{op.sym}").get(func)
    except Exception as e:        # the app's code: any failure is its bug, told as such
        raise ConfigError(f"{op.kernel}: shape_function {Path(file).name} failed to import: "
                          f"{type(e).__name__}: {e}") from None
    if not callable(fn):
        raise ConfigError(f"{op.kernel}: {Path(file).name} defines no function {func!r}")
    return fn


# ---------------------------------------------------------------- reading declarations

def read_declarations(items: Any, config_path: Path, read_yaml: Any,
                      yaml_path: Any) -> tuple[list[CustomOp], Problems]:
    """The config's `custom_ops:` list: every problem at once, with YAML paths.
    read_yaml and yaml_path are selbuild.config's (passed in: config sits above this module)."""
    from selbuild.errors import ConfigError
    ops: list[CustomOp] = []
    problems: Problems = []
    if items is None:
        return ops, problems
    if not isinstance(items, list):
        return ops, [(("custom_ops",), "expected a list of declaration files or inline declarations")]
    base = config_path.parent
    for i, item in enumerate(items):
        where: tuple = ("custom_ops", i)
        if isinstance(item, str):
            path = (base / item).resolve()
            try:
                data, lines, dups = read_yaml(path)
            except ConfigError as e:
                problems.append((where, e.message))
                continue
            sub: Problems = []
            op = parse(data, path, sub)
            problems += [(where, f"{item}: {w}: {msg}") for w, msg in dups]
            for w, msg in sub:
                line = next((lines[w[:n]] for n in range(len(w), 0, -1) if w[:n] in lines), None)
                problems.append((where, f"{item}: {yaml_path(w)}: {msg}" + (f" (line {line})" if line else "")))
        else:
            sub = []
            op = parse(item, config_path, sub)
            problems += [(where + w, m) for w, m in sub]
        if op is not None:
            ops.append(op)
    for what, key in (("", lambda o: o.kernel), ("TFLite custom code ", lambda o: o.tflite),
                      ("torch op ", lambda o: o.torch), ("op ", lambda o: o.name)):
        seen: dict = {}
        for i, o in enumerate(ops):
            k = key(o)
            if k is not None and k in seen:
                problems.append((("custom_ops", i), f"{what}{k} is declared twice (also custom_ops[{seen[k]}])"))
            seen.setdefault(k, i)
    return ops, problems


def _ports(raw: Any, key: str, out: Problems, outputs: bool, inputs: tuple[Port, ...] = ()) -> tuple[Port, ...]:
    if not isinstance(raw, dict) or not raw:
        out.append(((key,), f"expected a mapping of {key} names to dtypes, e.g. {{x: f32}}"))
        return ()
    ports = []
    for name, v in raw.items():
        name = str(name)
        if not _IDENT.match(name):
            out.append(((key, name), "not a C identifier"))
            continue
        d = {"dtype": v} if isinstance(v, str) else v if isinstance(v, dict) else None
        if d is None:
            out.append(((key, name), "expected a dtype (f32) or {dtype: f32, shape: ...}"))
            continue
        for extra in sorted(set(d) - {"dtype", "shape"}, key=str):
            out.append(((key, name, extra), "unknown key (expected dtype" + (", shape)" if outputs else ")")))
        if d.get("dtype") not in DTYPES:
            out.append(((key, name, "dtype"), f"{d.get('dtype')!r} is not one of: {', '.join(DTYPES)}"))
            continue
        shape = "model"
        if outputs:
            shape = str(d.get("shape", "model"))
            if shape != "model" and shape not in {p.name for p in inputs}:
                out.append(((key, name, "shape"), f"{shape!r} is neither `model` nor an input "
                            f"({', '.join(p.name for p in inputs) or 'none'})"))
        ports.append(Port(name, d["dtype"], shape))
    return tuple(ports)


def _attrs(raw: Any, out: Problems) -> tuple[AttrDecl, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        out.append((("attrs",), "expected a mapping of attribute names to {type: int|float|bool, default: ...}"))
        return ()
    attrs = []
    for name, v in raw.items():
        name = str(name)
        d = {"type": v} if isinstance(v, str) else v if isinstance(v, dict) else {}
        if not _IDENT.match(name):
            out.append((("attrs", name), "not a C identifier"))
            continue
        for extra in sorted(set(d) - {"type", "default"}, key=str):
            out.append((("attrs", name, extra), "unknown key (expected type, default)"))
        t, default = d.get("type"), d.get("default")
        if t not in ATTR_TYPES:
            out.append((("attrs", name, "type"), f"{t!r} is not one of: {', '.join(ATTR_TYPES)}"))
            continue
        if default is not None and _coerce(t, default) is None:
            out.append((("attrs", name, "default"), f"{default!r} is not a {t}"))
            continue
        attrs.append(AttrDecl(name, t, _coerce(t, default) if default is not None else None))
    return tuple(attrs)


def _coerce(t: str, v: Any) -> int | float | bool | None:
    """An attribute value as its declared type; None when it is not one."""
    if t == "bool":
        return bool(v) if isinstance(v, bool) or v in (0, 1) else None
    if t == "int":
        return int(v) if isinstance(v, int) and not isinstance(v, bool) and -2**31 <= v < 2**31 else None
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def coerce(attr: AttrDecl, v: Any) -> int | float | bool | None:
    return _coerce(attr.type, v)


def parse(data: Any, origin: Path, out: Problems) -> CustomOp | None:
    """One declaration; problems go to `out` (paths inside the declaration)."""
    from selbuild.catalogue import builtin_catalogue
    if not isinstance(data, dict):
        out.append(((), "expected a mapping (name, dtype, inputs, outputs, sources, ...)"))
        return None
    start = len(out)
    for k in sorted(set(map(str, data)) - set(KEYS)):
        out.append(((k,), f"unknown key (expected one of: {', '.join(KEYS)})"))
    name, dtype = data.get("name"), data.get("dtype")
    if not isinstance(name, str) or not _NAME.match(name):
        out.append((("name",), f"{name!r} is not an op name (snake_case, e.g. scale_shift)"))
    elif name in builtin_catalogue().ops:
        out.append((("name",), f"{name!r} is a built-in op; give the custom op its own name"))
    if dtype not in DTYPES:
        out.append((("dtype",), f"{dtype!r} is not one of: {', '.join(DTYPES)}"))
    tflite, torch = data.get("tflite"), data.get("torch")
    if tflite is not None and (not isinstance(tflite, str) or not tflite):
        out.append((("tflite",), "expected the TFLite custom_code, e.g. ScaleShift"))
    if torch is not None and (not isinstance(torch, str) or not _TORCH.match(torch)):
        out.append((("torch",), f"{torch!r} is not a torch.library name (namespace::op)"))
    if tflite is None and torch is None:
        out.append(((), "names no model op: give `tflite:` (custom_code) and/or `torch:` (namespace::op)"))
    inputs = _ports(data.get("inputs"), "inputs", out, False)
    outputs = _ports(data.get("outputs"), "outputs", out, True, inputs)
    clash = {p.name for p in inputs} & {p.name for p in outputs}
    if clash:
        out.append((("outputs",), f"named like an input: {', '.join(sorted(clash))}"))
    attrs = _attrs(data.get("attrs"), out)
    clash = {a.name for a in attrs} & {p.name for p in inputs + outputs}
    if clash:
        out.append((("attrs",), f"named like an input or output: {', '.join(sorted(clash))}"))
    base = origin.parent
    sources: list[Path] = []
    raw_src = data.get("sources")
    if not isinstance(raw_src, list) or not raw_src or not all(isinstance(s, str) for s in raw_src):
        out.append((("sources",), "expected a list of C files, relative to the declaration"))
    else:
        for j, s in enumerate(raw_src):
            p = (base / s).resolve()
            if p.suffix != ".c":
                out.append((("sources", j), f"{s!r} is not a .c file"))
            elif not p.is_file():
                out.append((("sources", j), f"no such file: {p}"))
            sources.append(p)
    shape_fn = data.get("shape_function")
    if shape_fn is not None:
        m = re.fullmatch(r"(.+\.py):([A-Za-z_][A-Za-z0-9_]*)", str(shape_fn))
        if m is None:
            out.append((("shape_function",), f"{shape_fn!r} is not <file>.py:<function>"))
        elif not (base / m.group(1)).is_file():
            out.append((("shape_function",), f"no such file: {(base / m.group(1)).resolve()}"))
        else:
            shape_fn = f"{(base / m.group(1)).resolve()}:{m.group(2)}"
    lib = data.get("torch_library")
    if lib is not None and not (isinstance(lib, str) and (base / lib).is_file()):
        out.append((("torch_library",), f"no such Python file: {lib!r}"))
    if len(out) > start:
        return None
    return CustomOp(name=name, dtype=dtype, inputs=inputs, outputs=outputs, attrs=attrs, sources=tuple(sources),
                    origin=origin, tflite=tflite, torch=torch, summary=str(data.get("summary") or ""),
                    shape_function=shape_fn, torch_library=(base / lib).resolve() if lib else None)
