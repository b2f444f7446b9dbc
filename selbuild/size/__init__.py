"""Binary size per operator: read a built library, attribute every byte, diff and gate.

API (what `selbuild build` calls to write size.json next to each artifact):

    from selbuild.size import report_artifact
    rep = report_artifact("build/app/android-arm64/libselrt.so")      # -> SizeReport
    Path("size.json").write_text(rep.to_json())

report_artifact(path, manifest=None, *, arch=None, unstripped=None, link_map=None)
    path        a stripped .so (ELF), .dylib (Mach-O), static .a (GNU or BSD/Darwin
                ar), thin or fat (lipo).
    manifest    the build's manifest.json (path or Manifest). None: use the
                manifest.json next to the artifact if it lists this artifact.
                False: none (attribute by symbol-name prefix only).
    arch        slice of a fat file ("arm64", "x86_64"); required when the
                file has several slices, SizeError when it lacks that slice.
    unstripped  the unstripped twin (symbol sizes). None: the manifest's
                `artifacts.unstripped`, else <stem>.unstripped<ext> beside it.
    link_map    lld `-Map` / ld64 `-map` file. None: the manifest's
                `artifacts.map`, else <stem>.map beside it. False: none.
    Raises SizeError (CLI exit 2) for anything it cannot read.

SizeReport fields: artifact, format ("elf" | "macho" | "archive"), arch,
file_size, vm_size, gated_size (normalized: allocated sections' bytes), rows
(Row: name, kind, size, vm_size, symbols, used_by, marginal), notes;
`.to_json()` writes schema 1 (see model.py), `SizeReport.from_dict` reads it.
Rows' `size` sum exactly to file_size and their `vm_size` to vm_size.

Also: selbuild.size.diff (diff_reports, parse_limit, gate), render_text /
render_markdown / render_html, marginal.marginal_costs. docs/size_report.md
describes the report for users.

Modules: ledger (every byte once), image (format-neutral view), elf, macho,
archive, fat, linkmap, strings, callscan, attribute (owners), assemble
(claims -> rows), model (JSON), report (entry point).
"""

from __future__ import annotations

from selbuild.size.model import Row, SizeReport, SymbolSize
from selbuild.size.report import report_artifact

__all__ = ["report_artifact", "SizeReport", "Row", "SymbolSize"]


# `selbuild.size(...)`: the module is callable (selbuild/api.py).
from selbuild.public_module import make_callable  # noqa: E402

make_callable(__name__)
