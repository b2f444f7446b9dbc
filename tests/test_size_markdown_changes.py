"""The Markdown size report never hides what changed: new, grown and removed
rows come first even when they are the smallest, unchanged rows are what
gets folded into "… N more rows"."""

from __future__ import annotations

from selbuild.size.diff import diff_reports
from selbuild.size.model import Row, SizeReport
from selbuild.size.render_markdown import render_markdown


def report(rows: dict[str, int]) -> SizeReport:
    rs = sorted((Row(n, "op", s, s) for n, s in rows.items()), key=lambda r: -r.size)
    total = sum(rows.values())
    return SizeReport("lib.so", "elf", "arm64", total, total, total, rs)


def test_small_changes_lead_and_unchanged_rows_fold() -> None:
    base = {f"op{i:02d}.f32": 10_000 - 100 * i for i in range(20)}
    base["tiny_grown.f32"] = 40
    base["gone.f32"] = 30
    new = {k: v for k, v in base.items() if k != "gone.f32"}
    new["tiny_grown.f32"] = 64
    new["added.i8"] = 12                         # smaller than every other row
    new["op03.f32"] -= 8                         # shrank: not a reason to lead
    md = render_markdown(report(new), diff_reports(report(base), report(new)), top=5)
    lines = md.splitlines()
    rows = [ln for ln in lines if ln.startswith("| `") or ln.startswith("| ~~") or ln.startswith("| …")]
    names = [ln.split("|")[1].strip() for ln in rows]
    assert names[:3] == ["`tiny_grown.f32`", "`added.i8`", "~~`gone.f32`~~"], names
    assert "🆕 new" in rows[1] and "▲ +24 B" in rows[0] and "removed" in rows[2]
    assert names[3:6] == ["`op00.f32`", "`op01.f32`", "`op02.f32`"]      # top=5: 2 changed + 3 largest
    assert names[-1].startswith("… 17 more rows")
    # With a large top every row shows and the changes still lead.
    md_all = render_markdown(report(new), diff_reports(report(base), report(new)), top=100)
    first = [ln.split("|")[1].strip() for ln in md_all.splitlines() if ln.startswith("| `")][:2]
    assert first == ["`tiny_grown.f32`", "`added.i8`"]
    assert "more rows" not in md_all


def test_without_baseline_rows_are_by_size() -> None:
    md = render_markdown(report({"a.f32": 5, "b.f32": 50, "c.f32": 500}), top=2)
    names = [ln.split("|")[1].strip() for ln in md.splitlines() if ln.startswith("| `") or ln.startswith("| …")]
    assert names == ["`c.f32`", "`b.f32`", "… 1 more rows"]
