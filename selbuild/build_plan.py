"""What SCons compiles for one kernel selection, and who owns each object.

selbuild.codegen generates the kernel table/params header
and says which C sources a selection compiles and which size-report row each
belongs to (`source_owners`). This module only runs it and turns the rows into
manifest entries: owner `<op>.<dtype>` (kind "op"), "[core]" (kind "core"),
"[shared]" (kind "shared", plus the kernels that use it), or a backend name
(kind "backend"). It runs inside SCons (runtime_src/SConscript) and in tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from selbuild import RUNTIME_SRC, codegen
from selbuild.catalogue import load_catalogue


@dataclass(frozen=True)
class SourceEntry:
    source: Path                  # absolute path of the .c file
    display: str                  # runtime_src-relative ("core/program.c") or "gen/<file>"
    owner: str                    # "add.f32", "[core]", "[shared]", backend name
    kind: str                     # op | core | shared | backend
    used_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    entries: tuple[SourceEntry, ...]
    generated: tuple[Path, ...]
    include_dirs: tuple[Path, ...]


def _entry(rel: Path, row: str, kernels: list[str]) -> SourceEntry:
    path = (RUNTIME_SRC / rel).resolve()
    if row == "[core]":
        return SourceEntry(path, rel.as_posix(), "[core]", "core")
    if row == "[shared]":
        catalogue = load_catalogue()
        helper = rel.stem
        users = tuple(sorted(k for k in kernels if k in catalogue and helper in catalogue[k].shared))
        return SourceEntry(path, rel.as_posix(), "[shared]", "shared", users)
    if row.startswith("backend:"):
        return SourceEntry(path, rel.as_posix(), row.split(":", 1)[1], "backend")
    return SourceEntry(path, rel.as_posix(), row, "op")


def plan(kernels: list[str], backends: list[str], gen_dir: Path,
         backend_ops: list[str] | None = None, threads: int = 1) -> Plan:
    """backend_ops: the ops the backends may run (default: kernels); differs from
    kernels in a `fallback: none` build, whose CPU kernels omit them."""
    kernels, backends = list(kernels), list(backends)
    gen_dir = Path(gen_dir)
    generated = tuple(Path(p) for p in codegen.generate(kernels, backends, gen_dir, threads=threads))
    entries = [_entry(Path(rel), row, kernels) for rel, row in codegen.source_owners(kernels, backends).items()]
    if backends:
        # Backend build-time pieces (e.g. embedded SPIR-V): sized as the backend.
        from selbuild import backends as bk
        for path, name in bk.generate_sources(backends, list(backend_ops or kernels), gen_dir):
            entries.append(SourceEntry(path.resolve(), f"gen/{path.name}", name, "backend"))
    # The generated table is runtime infrastructure: it is sized with the core.
    entries += [SourceEntry(p.resolve(), f"gen/{p.name}", "[core]", "core") for p in generated
                if p.suffix == ".c" and not p.name.startswith("selrt_custom_")]
    # A custom op's own C files and its generated glue are the op's row.
    from selbuild import custom_codegen, custom_ops
    includes = [Path(d) for d in codegen.include_dirs(gen_dir)]
    for op in (custom_ops.by_kernel(k) for k in sorted(set(kernels))):
        if op is None:
            continue
        glue = gen_dir / custom_codegen.glue_name(op)
        entries.append(SourceEntry(glue.resolve(), f"gen/{glue.name}", op.kernel, "op"))
        entries += [SourceEntry(src, f"custom/{op.kernel}/{src.name}", op.kernel, "op") for src in op.sources]
        includes += [src.parent for src in op.sources if src.parent not in includes]
    entries.sort(key=lambda e: e.display)
    return Plan(tuple(entries), generated, tuple(includes))
