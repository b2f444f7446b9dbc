"""Who owns a byte: the build manifest first, symbol-name prefixes as fallback.

Owners are report rows: `<op>.<dtype>` (kind op), a backend name, `[core]`,
`[shared]`, `[toolchain]` (compiler runtime helpers such as libgcc's
__aeabi_* that the linker pulls in) and overhead rows. The manifest maps each
object file to its owner; the link map says which object every input section
came from, so together they cover bytes that carry no symbol (switch tables,
literal pools, string literals). When neither is available the naming rule of
the runtime decides: every kernel symbol starts with selrt_<op>_<dtype>.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from selbuild.errors import SizeError

CORE, SHARED, TOOLCHAIN = "[core]", "[shared]", "[toolchain]"
HEADERS, SECTIONS, PADDING, UNATTRIBUTED = "[headers]", "[sections]", "[padding]", "[unattributed]"

# Canonical dtypes (selbuild.ir.DTYPES without importing numpy for it).
_DTYPES = ("f32", "f16", "f64", "bf16", "i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "bool")

# Compiler runtime helpers: linked from libgcc / compiler-rt, not our sources.
_TOOLCHAIN_SYM = re.compile(r"^(__aeabi_|__udiv|__div|__mod|__umod|__ashl|__ashr|__lshr|__clz|__ctz|__popcount|"
                            r"__gnu_|__extend|__trunc|__fix|__float|__mul|__add|__sub|__cmp|__neg|"
                            r"__compilerrt|__clear_cache|__emutls|__stack_chk)")
# Suffixes compilers add to local copies: .0, .llvm.123, .cold, .part.0
_LOCAL_SUFFIX = re.compile(r"^(.+?)\.(\d+|llvm\.\d+|cold|part\.\d+|constprop\.\d+|isra\.\d+)$")
_TOOLCHAIN_OBJ = re.compile(r"(libgcc|libclang_rt|compiler-rt|compiler_rt|builtins|libcompiler|(^|/)crt[a-zA-Z0-9]*\.o$)")
# Linker-generated veneers (range-extension / interworking thunks).
_THUNK = re.compile(r"^__\w*Thunk_")


@dataclass
class ManifestObject:
    object: str
    source: str
    owner: str
    kind: str
    used_by: list[str] = field(default_factory=list)


@dataclass
class Manifest:
    path: Path
    target: str
    kernels: list[str]
    backends: list[str]
    objects: list[ManifestObject]
    artifacts: dict[str, str]

    def artifact(self, key: str) -> Path | None:
        rel = self.artifacts.get(key)
        return (self.path.parent / rel) if rel else None


def load_manifest(path: str | Path) -> Manifest:
    p = Path(path)
    try:
        raw = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SizeError(f"manifest {p}: no such file") from None
    except (OSError, ValueError) as e:
        raise SizeError(f"manifest {p}: cannot read it as JSON ({e})") from None
    if not isinstance(raw, dict) or raw.get("schema") != 1:
        raise SizeError(f"manifest {p}: expected a build manifest with \"schema\": 1")
    try:
        objects = [ManifestObject(object=str(o["object"]), source=str(o.get("source", "")),
                                  owner=str(o["owner"]), kind=str(o.get("kind", "")),
                                  used_by=[str(u) for u in o.get("used_by", [])])
                   for o in raw.get("objects", [])]
        return Manifest(path=p, target=str(raw.get("target", "")),
                        kernels=[str(k) for k in raw.get("kernels", [])],
                        backends=[str(b) for b in raw.get("backends", [])],
                        objects=objects, artifacts={str(k): str(v) for k, v in (raw.get("artifacts") or {}).items() if v})
    except (KeyError, TypeError, AttributeError) as e:
        raise SizeError(f"manifest {p}: malformed ({type(e).__name__}: {e})") from None


def c_name(sym: str, macho: bool = False) -> str:
    """The C identifier behind a symbol: no Mach-O underscore, no .N / .llvm.N suffix."""
    if macho and sym.startswith("_"):
        sym = sym[1:]
    m = _LOCAL_SUFFIX.match(sym)
    return m.group(1) if m else sym


def _parts(path: str) -> tuple[str, ...]:
    # Archive members in maps look like lib.a(obj.o): keep the member name.
    m = re.match(r"^(.*)\(([^()]+)\)$", path)
    if m:
        return PurePosixPath(m.group(1)).parts + (m.group(2),)
    return PurePosixPath(path.replace("\\", "/")).parts


class Attributor:
    def __init__(self, manifest: Manifest | None = None):
        self.manifest = manifest
        self.kernels: set[str] = set(manifest.kernels) if manifest else set()
        self.backends: set[str] = set(manifest.backends) if manifest else set()
        self._known = set(self.kernels) | _catalogue_names()
        self._by_base: dict[str, list[ManifestObject]] = {}
        self.shared_users: dict[str, set[str]] = {}    # object path -> ops (manifest used_by)
        for o in (manifest.objects if manifest else []):
            self._by_base.setdefault(_parts(o.object)[-1] if o.object else "", []).append(o)
            if o.kind == "backend":
                self.backends.add(o.owner)
        self.kinds: dict[str, str] = {}

    # -- objects --------------------------------------------------------------
    def manifest_object(self, path: str) -> ManifestObject | None:
        parts = _parts(path)
        if not parts:
            return None
        best, best_n = None, 0
        for o in self._by_base.get(parts[-1], []):
            op = _parts(o.object)
            n = 0
            while n < min(len(op), len(parts)) and op[-1 - n] == parts[-1 - n]:
                n += 1
            if n > best_n:
                best, best_n = o, n
        return best

    def row_for_object(self, path: str) -> str | None:
        if not path or path.startswith("<"):          # <internal>: linker-synthesized
            return None
        mo = self.manifest_object(path)
        if mo is not None:
            self._note_kind(mo.owner, mo.kind)
            return mo.owner
        text = "/".join(_parts(path))
        if _TOOLCHAIN_OBJ.search(text):
            return TOOLCHAIN
        m = re.search(r"kernels/shared/", text)
        if m:
            return SHARED
        m = re.search(r"kernels/([a-z0-9_]+)/\1_([a-z0-9]+)\.", text)
        if m:
            return f"{m.group(1)}.{m.group(2)}"
        m = re.search(r"backends/([A-Za-z0-9_]+)/", text)
        if m:
            self.backends.add(m.group(1))
            return m.group(1)
        if re.search(r"(^|/)core/", text):
            return CORE
        return None

    def used_by_object(self, path: str) -> list[str]:
        mo = self.manifest_object(path)
        return list(mo.used_by) if mo else []

    # -- symbols --------------------------------------------------------------
    def row_for_symbol(self, name: str) -> str | None:
        if _THUNK.match(name):
            return SECTIONS
        if _TOOLCHAIN_SYM.match(name):
            return TOOLCHAIN
        if not name.startswith("selrt_"):
            return None
        rest = name[len("selrt_"):]
        if rest.startswith("shared_"):
            return SHARED
        for b in self.backends:
            if rest == b or rest.startswith(b + "_") or rest.startswith(f"backend_{b}_"):
                return b
        toks = rest.split("_")
        # Longest known <op>.<dtype> first: depthwise_conv2d beats conv2d.
        for i in range(len(toks) - 1, 0, -1):
            cand = "_".join(toks[:i]) + "." + toks[i]
            if cand in self._known:
                return cand
        if self.manifest is None:
            # No manifest: the naming rule alone. The first dtype token ends the op.
            for i in range(1, len(toks)):
                if toks[i] in _DTYPES:
                    return "_".join(toks[:i]) + "." + toks[i]
        return CORE

    # -- kinds ----------------------------------------------------------------
    def _note_kind(self, owner: str, kind: str) -> None:
        if kind in ("op", "backend", "core", "shared"):
            self.kinds[owner] = kind

    def kind(self, row: str) -> str:
        if row in self.kinds:
            return self.kinds[row]
        if row == CORE:
            return "core"
        if row == SHARED:
            return "shared"
        if row == UNATTRIBUTED:
            return "unattributed"
        if row.startswith("["):
            return "overhead"
        if row in self.backends:
            return "backend"
        return "op" if "." in row else "backend"


def _catalogue_names() -> set[str]:
    from selbuild.catalogue import load_catalogue
    from selbuild.errors import CatalogueError
    try:
        return set(load_catalogue().names())
    except (CatalogueError, OSError):  # the size report must work on artifacts even without a readable catalogue
        return set()
