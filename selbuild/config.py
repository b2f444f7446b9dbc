"""Build configs: the YAML a user reads and edits (configs/<app>.yaml).

Format (schema: configs/schema.json; how-to: configs/README.md):

    schema_version: 1
    name: my_app
    models:
      - path: models/mobilenet.tflite     # relative to this file (or absolute)
        sha256: 3f5a...                   # optional; `config check` reports a changed model
        name: mobilenet                   # optional; default: the file stem
    targets: [android-arm64, android-armv7, ios-arm64]
    profile: size                         # size | speed
    threads: 1                            # > 1: kernels split across the app's parallel-for
    ops:                                  # kernel -> the models that need it
      conv2d.f32: [mobilenet]
      add.f32: [mobilenet]
    extra_ops: []                         # kernels wanted beyond the models'
    backends: []                          # accelerator backends, e.g. [vulkan]
    fallback: cpu                         # keep CPU kernels for backend ops: cpu | none
    backend_options: {}                   # per backend, e.g. nnapi: {min_api_level: 29}
    build:
      cache_dir: null                     # SCons CacheDir shared across builds
      compiler_launcher: null             # ccache | sccache | distcc
      lto: false

Only schema_version, name, models and targets are required; the rest take the
defaults shown. `load_config` / `validate` report every problem at once
(ConfigError.problems, each `(yaml_path, message)`, e.g.
`("models[0].sha256", "model changed since ...")`); the structural part comes
from configs/schema.json through jsonschema, the rest (catalogue, model
files, op coverage) is checked here. Writing configs (`config init`) lives in
selbuild/config_write.py.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from selbuild import REPO_ROOT, RUNTIME_SRC
from selbuild.errors import ConfigError, ModelError, SelbuildError
from selbuild.inputs import CONFIG_LIMIT, not_regular, read_file
# What the models need is planning's to say (one analysis per model); the
# config layer sits above it. Re-exported: callers ask the config module.
from selbuild.planning import analysis, missing_ops, needed_kernels  # noqa: F401
from selbuild.yaml_bounds import check_yaml_bounds

SCHEMA_PATH = REPO_ROOT / "configs" / "schema.json"
DEFAULT_TARGETS = ["android-arm64", "android-armv7", "ios-arm64"]
PROFILES = ("size", "speed")
FALLBACKS = ("cpu", "none")
LAUNCHERS = ("ccache", "sccache", "distcc")


@dataclass
class ModelRef:
    path: Path                 # resolved, absolute
    sha256: str | None = None
    name: str = ""             # stem, used in ops' model lists
    # input name -> dims, for inputs with dynamic dimensions (convert/specialize.py)
    input_shapes: dict[str, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name:
            self.name = Path(self.path).stem


@dataclass
class BuildOptions:
    cache_dir: str | None = None
    compiler_launcher: str | None = None
    lto: bool = False


@dataclass
class PackageOptions:
    library_name: str | None = None        # None: symbols.default_library_name(config name)
    java_package: str | None = None        # None: org.selbuild.<library name>


@dataclass
class BuildConfig:
    path: Path                             # where the YAML lives
    name: str
    models: list[ModelRef]
    targets: list[str]
    profile: str = "size"
    threads: int = 1                       # > 1 builds define SELRT_THREADS (selrt_session_set_parallel)
    ops: dict[str, list[str]] = field(default_factory=dict)
    extra_ops: list[str] = field(default_factory=list)
    backends: list[str] = field(default_factory=list)
    fallback: str = "cpu"
    # backend name -> its options (the backend's `configure` checks them)
    backend_options: dict[str, dict] = field(default_factory=dict)
    build: BuildOptions = field(default_factory=BuildOptions)
    schema_version: int = 1
    package: PackageOptions = field(default_factory=PackageOptions)
    # The app's custom operators (selbuild/custom_ops.py), read from `custom_ops:`.
    custom_ops: tuple = ()

    @property
    def stem(self) -> str:
        return Path(self.path).stem

    @property
    def unroll_loops(self) -> bool:
        """Programs for this config unroll constant-trip WHILE loops (convert/unroll.py):
        speed builds trade program bytes for no per-iteration control work."""
        return self.profile == "speed"

    def kernels(self) -> list[str]:
        """Every kernel the runtime must contain, sorted."""
        return sorted(set(self.ops) | set(self.extra_ops))


Problems = list[tuple[str, str]]

# ---------------------------------------------------------------- YAML reading


def yaml_path(parts: tuple | list) -> str:
    """("models", 0, "path") → "models[0].path"; keys with dots → ops['conv2d.f32']."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(p)):
            out += ("." if out else "") + str(p)
        else:
            out += f"[{str(p)!r}]"
    return out or "(top level)"


def _lines(node: yaml.Node | None, path: tuple, out: dict, dups: Problems) -> None:
    """Line number of every YAML path, and duplicate keys (PyYAML silently keeps the last)."""
    if isinstance(node, yaml.MappingNode):
        seen: set = set()
        for k, v in node.value:
            key = k.value if isinstance(k, yaml.ScalarNode) else str(k.start_mark)
            if key in seen:
                dups.append((yaml_path(path + (key,)), f"duplicate key (line {k.start_mark.line + 1}); "
                                                      "YAML keeps only the last one"))
            seen.add(key)
            out[path + (key,)] = k.start_mark.line + 1
            _lines(v, path + (key,), out, dups)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            out[path + (i,)] = v.start_mark.line + 1
            _lines(v, path + (i,), out, dups)


def read_yaml(path: Path) -> tuple[Any, dict[tuple, int], Problems]:
    """(data, line of each path, duplicate-key problems); ConfigError for unreadable/invalid YAML."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"{path}: is a directory, not a config file")
    if not path.exists() and not path.is_symlink():
        raise ConfigError(f"{path}: no such config file",
                          hint="write one with `selbuild config init MODEL... -o FILE`")
    raw = read_file(path, CONFIG_LIMIT, "build configs", ConfigError)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        from selbuild.frontends import identify
        found = identify(raw[:8])
        raise ConfigError(f"{path}: not a config file (binary, not YAML text)" +
                          (f"; it is {found[0]}" if found else ""),
                          hint="a build config is YAML: write one with `selbuild config init MODEL... -o FILE`") from None
    try:
        check_yaml_bounds(text, str(path))       # before anything recurses or expands aliases
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ConfigError(f"{path}: not valid YAML{where}: {what}",
                          hint="fix the syntax (indentation, ':' after keys, quoting)") from None
    except (ValueError, TypeError, OverflowError) as e:
        # PyYAML's constructors call int()/float() on what a tag claims: `!!int 0x`,
        # `!!float abc` raise ValueError there, not a YAMLError.
        raise ConfigError(f"{path}: not valid YAML: a value does not match its tag ({e})",
                          hint="remove the !!tag or write a value of that type") from None
    lines: dict[tuple, int] = {}
    dups: Problems = []
    _lines(root, (), lines, dups)
    return data, lines, dups


@functools.lru_cache(maxsize=1)
def json_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def _schema_problems(data: Any) -> list[tuple[tuple, str]]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(json_schema())
    out: list[tuple[tuple, str]] = []
    for e in validator.iter_errors(data):
        where = tuple(e.absolute_path)
        if e.validator == "additionalProperties" and isinstance(e.instance, dict):
            allowed = sorted(e.schema.get("properties", {}))
            for key in sorted(set(e.instance) - set(allowed), key=str):
                out.append((where + (key,), f"unknown key (expected one of: {', '.join(allowed)})"))
        elif e.validator == "enum":
            opts = ", ".join("null" if o is None else str(o) for o in e.validator_value)
            out.append((where, f"{e.instance!r} is not one of: {opts}"))
        elif "propertyNames" in e.absolute_schema_path:
            out.append((where + (e.instance,), "not a kernel name (<op>.<dtype>, e.g. conv2d.f32)"))
        elif e.validator == "pattern" and where[:1] == ("extra_ops",):
            out.append((where, f"{e.instance!r} is not a kernel name (<op>.<dtype>, e.g. conv2d.f32)"))
        elif e.validator == "type":
            want = e.validator_value if isinstance(e.validator_value, list) else [e.validator_value]
            got = "null" if e.instance is None else type(e.instance).__name__
            out.append((where, f"expected {' or '.join(want)}, got {got} {e.instance!r}"))
        elif e.validator == "const":
            out.append((where, f"must be {e.validator_value!r}, got {e.instance!r}"))
        else:
            out.append((where, e.message))
    return out


# ---------------------------------------------------------------- building + semantic checks


def _as_list(v: Any) -> list:
    return list(v) if isinstance(v, list) else []


def _build(data: dict, path: Path) -> BuildConfig:
    """A BuildConfig from (possibly invalid) data: wrong-typed parts are skipped (already reported)."""
    base = path.parent
    models = []
    for m in _as_list(data.get("models")):
        if isinstance(m, dict) and isinstance(m.get("path"), str) and "\x00" not in m["path"]:
            p = Path(m["path"])
            sha = m.get("sha256") if isinstance(m.get("sha256"), str) else None
            name = m.get("name") if isinstance(m.get("name"), str) else ""
            models.append(ModelRef((base / p).resolve() if not p.is_absolute() else p, sha, name,
                                   _input_shapes(m.get("input_shapes"))))
    ops_raw = data.get("ops") if isinstance(data.get("ops"), dict) else {}
    ops = {str(k): [str(x) for x in _as_list(v)] for k, v in ops_raw.items()}
    b = data.get("build") if isinstance(data.get("build"), dict) else {}
    build = BuildOptions(b.get("cache_dir") if isinstance(b.get("cache_dir"), str) else None,
                         b.get("compiler_launcher") if b.get("compiler_launcher") in LAUNCHERS else None,
                         b.get("lto") is True)
    pk = data.get("package") if isinstance(data.get("package"), dict) else {}
    package = PackageOptions(*(pk.get(k) if isinstance(pk.get(k), str) else None
                               for k in ("library_name", "java_package")))
    strs = lambda key: [x for x in _as_list(data.get(key)) if isinstance(x, str)]  # noqa: E731
    return BuildConfig(path=path, name=str(data.get("name") or path.stem), models=models,
                       targets=strs("targets"),
                       profile=data.get("profile") if data.get("profile") in PROFILES else "size",
                       threads=_threads(data.get("threads")),
                       ops=ops, extra_ops=strs("extra_ops"), backends=strs("backends"),
                       fallback=data.get("fallback") if data.get("fallback") in FALLBACKS else "cpu",
                       backend_options={str(k): v for k, v in data["backend_options"].items() if isinstance(v, dict)}
                       if isinstance(data.get("backend_options"), dict) else {},
                       build=build, schema_version=data.get("schema_version") or 1, package=package)


def _threads(raw: Any) -> int:
    """`threads:` when well-formed (the schema reports the rest), else 1."""
    return raw if isinstance(raw, int) and not isinstance(raw, bool) and 1 <= raw <= 64 else 1


def _input_shapes(raw: Any) -> dict[str, list[int]]:
    """The well-formed entries of a model's input_shapes (the schema reports the rest)."""
    if not isinstance(raw, dict):
        return {}
    return {str(k): list(v) for k, v in raw.items()
            if isinstance(v, list) and all(isinstance(d, int) and not isinstance(d, bool) for d in v)}


def _model_index(data: dict, ref: ModelRef) -> int:
    for i, m in enumerate(_as_list(data.get("models"))):
        if isinstance(m, dict) and isinstance(m.get("path"), str) and \
                (ref.name == m.get("name") or not m.get("name") and Path(m["path"]).stem == ref.name):
            return i
    return 0


def _semantic(cfg: BuildConfig, data: dict | None, check_models: bool,
              for_build: bool = False) -> list[tuple[tuple, str]]:
    from selbuild.opmaps import is_supported

    # for_build: only what stops a build (names and the ops' model lists are
    # bookkeeping a config made in Python may skip).
    out: list[tuple[tuple, str]] = []
    names = [m.name for m in cfg.models]
    for i, m in enumerate(cfg.models):
        if names.count(m.name) > 1 and names.index(m.name) != i and not for_build:
            out.append((("models", i), f"a second model named {m.name!r}; give one of them a `name:`"))
    for kernel, users in cfg.ops.items():
        if not is_supported(kernel):
            out.append((("ops", kernel), f"no kernel in the catalogue provides {kernel} (see `selbuild ops`)"))
        for j, u in enumerate(users):
            if u not in names and not for_build:
                out.append((("ops", kernel, j), f"{u!r} is not a model of this config "
                                                f"(models: {', '.join(names) or 'none'})"))
    for j, kernel in enumerate(cfg.extra_ops):
        if not is_supported(kernel) and re.fullmatch(r"[a-z0-9_]+\.[a-z0-9]+", kernel):
            out.append((("extra_ops", j), f"no kernel in the catalogue provides {kernel} (see `selbuild ops`)"))
    for j, b in enumerate(cfg.backends):
        if not (RUNTIME_SRC / "backends" / b).is_dir():
            out.append((("backends", j), f"unknown backend {b!r} (no runtime_src/backends/{b}/)"))
    out += _backend_option_problems(cfg)
    if check_models:
        out += _model_problems(cfg, data, for_build)
    return out


def build_problems(cfg: BuildConfig) -> Problems:
    """The same validator for a loaded (or Python-made) config, as `selbuild
    build` asks it before compiling: every problem that stops a build. Not
    asked here: the file's own YAML and schema (already read), a model's
    sha256 and ops without any kernel (a build may go ahead without them,
    as before), but every op must have a kernel file to compile."""
    from selbuild.catalogue import load_catalogue

    items = _semantic(cfg, None, bool(cfg.models), for_build=True)
    catalogue = load_catalogue()
    named = {w[1] for w, _ in items if w[:1] == ("ops",) and len(w) > 1}
    items += [(("ops", k), f"no kernel file for {k} in the catalogue (runtime_src/kernels/kernels.yaml)")
              for k in cfg.kernels() if k not in catalogue and k not in named]
    return [(yaml_path(w), msg) for w, msg in items]


def _backend_option_problems(cfg: BuildConfig) -> list[tuple[tuple, str]]:
    from selbuild import backends as bk
    out: list[tuple[tuple, str]] = []
    for name, opts in cfg.backend_options.items():
        if name not in cfg.backends:
            out.append((("backend_options", name), f"{name!r} is not in this config's backends"))
            continue
        try:
            bk.configured_one(name, opts)
        except ConfigError as e:
            out.append((("backend_options", name), e.message))
    return out


def _model_problems(cfg: BuildConfig, data: dict | None, for_build: bool = False) -> list[tuple[tuple, str]]:
    from selbuild.planning import delegate_messages

    out: list[tuple[tuple, str]] = []
    have = set(cfg.kernels())
    missing: dict[str, list[str]] = {}
    for m in cfg.models:
        i = _model_index(data, m) if data is not None else cfg.models.index(m)
        if not m.path.is_file():
            what = ("is a directory, not a model file" if m.path.is_dir() else
                    f"model file is {why}" if (why := not_regular(m.path)) else "model file not found")
            out.append((("models", i, "path"), f"{what}: {m.path}"))
            continue
        try:
            a = analysis(m.path, input_shapes=m.input_shapes)
            s = a.summary
        except ModelError as e:
            out.append((("models", i, "path"), e.message))
            continue
        if m.input_shapes:
            out += _input_shape_problems(a, ("models", i, "input_shapes"), m.input_shapes)
        if m.sha256 and s.sha256 != m.sha256 and not for_build:
            out.append((("models", i, "sha256"), f"model changed since the config was written (file sha256 "
                        f"{s.sha256[:12]}…, config {m.sha256[:12]}…); rerun `selbuild config init` "
                        "or update sha256 after checking `ops`"))
        for kernel in a.kernels:
            if kernel not in have:
                missing.setdefault(kernel, []).append(m.name)
        no_kernel = sorted({u.source_op for u in s.ops if u.op is None and u.kernel_needed})
        if no_kernel and not {d.name for d in s.delegates} & set(cfg.backends) and not for_build:
            custom = [c for c in no_kernel if c in s.custom_ops and not any(c in d.reason for d in s.delegates)]
            tell = (f"; {', '.join(custom)} {'is a custom op' if len(custom) == 1 else 'are custom ops'}: "
                    "declare it under `custom_ops:` (docs/custom_ops.md)") if custom else ""
            out.append((("models", i), f"no selbuild kernel for: {', '.join(no_kernel)}{tell}"))
        out += [(("models", i), msg) for msg in delegate_messages(s, list(cfg.backends))]
    for kernel, users in sorted(missing.items()):
        out.append((("ops",), f"missing {kernel} (needed by {', '.join(dict.fromkeys(users))})"))
    return out


def _input_shape_problems(a: Any, where: tuple, shapes: dict[str, list[int]]) -> list[tuple[tuple, str]]:
    from selbuild.convert.specialize import input_problems
    try:
        graph = a.model.main
    except SelbuildError as e:
        return [(where, e.message)]
    return [(where + w, msg) for w, msg in input_problems(graph, shapes)]


def _with_lines(items: list[tuple[tuple, str]], lines: dict[tuple, int]) -> Problems:
    out: Problems = []
    for where, msg in items:
        line = next((lines[where[:n]] for n in range(len(where), 0, -1) if where[:n] in lines), None)
        out.append((yaml_path(where), f"{msg} (line {line})" if line else msg))
    return out


def validate(path: Path, *, check_models: bool = True) -> tuple[BuildConfig | None, Problems]:
    """Every problem of the config file at once; the config is None when it is not a mapping.

    Raises ConfigError only when the file cannot be read or is not YAML.
    """
    path = Path(path).resolve()
    data, lines, problems = read_yaml(path)
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        return None, problems + [("(top level)", f"expected a mapping of settings, got {got}")]
    items = _schema_problems(data)
    cfg = _build(data, path)
    from selbuild import custom_ops
    declared, custom_problems = custom_ops.read_declarations(data.get("custom_ops"), path, read_yaml, yaml_path)
    cfg.custom_ops = tuple(declared)
    # From here on the config's custom ops are kernels like any other (catalogue, frontends, converter).
    custom_ops.activate(cfg.custom_ops)
    items += custom_problems
    items += _semantic(cfg, data, check_models)
    return cfg, problems + _with_lines(items, lines)


def load_config(path: Path, *, check_models: bool = True) -> BuildConfig:
    """Load and validate; ConfigError listing every problem (with YAML paths) if there is any."""
    cfg, problems = validate(path, check_models=check_models)
    if problems or cfg is None:
        n = len(problems)
        raise ConfigError(f"{path}: {n} problem{'s' if n != 1 else ''} in the build config",
                          hint="fix them by hand (configs/README.md) or regenerate with `selbuild config "
                               "init ... --force`", problems=problems)
    return cfg
