"""Markdown for a CI job summary or a sticky PR comment.

New, grown and removed rows first (never folded away), then the largest
rows, each with its change against the baseline (▲ grew, ▼ shrank),
the totals, and one PASS/FAIL line that names the number that was gated.
"""

from __future__ import annotations

from selbuild.size.diff import Diff, GateResult
from selbuild.size.model import SizeReport


def render_markdown(rep: SizeReport, diff: Diff | None = None, result: GateResult | None = None,
                    top: int = 15) -> str:
    out = [f"### Binary size: `{rep.artifact}` ({rep.format}, {rep.arch})", ""]
    if result is not None:
        verdict = "✅ **PASS**" if result.ok else "❌ **FAIL**"
        out.append(f"{verdict}: gated (normalized) size **{rep.gated_size:,} B**"
                   + (f", {_arrow(diff.gated_delta, diff.gated_pct)} vs baseline" if diff is not None else "")
                   + " — the sum of allocated sections' bytes, not the page-rounded file size")
        out += [f"- {c}" for c in result.checks]
        out.append("")
    head = "| Row | Kind | Size (B) | Share |" + (" Δ vs baseline |" if diff is not None else "")
    out += [head, "|---|---|---:|---:|" + ("---:|" if diff is not None else "")]
    # What a reviewer must see is never folded into "… more rows": new and grown
    # rows (largest growth first) and removed ones lead, whatever `top` is;
    # the rest fill up to `top` by size.
    changed = [r for r in rep.rows if diff is not None and _grew_or_new(diff, r.name)]
    changed.sort(key=lambda r: -_delta(diff, r.name))
    removed = [rd for rd in diff.rows if rd.status == "removed"] if diff is not None else []
    others = [r for r in rep.rows if r not in changed]
    shown = others[:max(0, top - len(changed))]
    for r in changed + shown:
        line = f"| `{r.name}` | {r.kind} | {r.size:,} | {100.0 * r.size / max(1, rep.file_size):.1f}% |"
        if diff is not None:
            rd = diff.row(r.name)
            line += f" {_arrow(rd.delta, rd.pct) if rd and rd.status != 'new' else '🆕 new'} |"
        out.append(line)
        if r is (changed[-1] if changed else None):
            out += [f"| ~~`{rd.name}`~~ | {rd.kind} | 0 | 0.0% | removed ({rd.delta:,} B) |" for rd in removed]
    if not changed:
        out += [f"| ~~`{rd.name}`~~ | {rd.kind} | 0 | 0.0% | removed ({rd.delta:,} B) |" for rd in removed]
    rest = others[len(shown):]
    if rest:
        out.append(f"| … {len(rest)} more rows | | {sum(r.size for r in rest):,} | "
                   f"{100.0 * sum(r.size for r in rest) / max(1, rep.file_size):.1f}% |" + (" |" if diff else ""))
    total = f"| **Total (file)** | | **{rep.file_size:,}** | 100% |"
    if diff is not None:
        total += f" {_arrow(rep.file_size - diff.old_file, None)} |"
    out += [total, "",
            f"Gated size: **{rep.gated_size:,} B** ({rep.gated_meaning}). "
            f"VM size: {rep.vm_size:,} B."]
    if diff is not None:
        out.append(f"Baseline gated size: {diff.old_gated:,} B → {_arrow(diff.gated_delta, diff.gated_pct)}.")
    costs = [r for r in rep.rows if r.marginal is not None]
    if costs:
        out += ["", "Marginal cost (gated bytes a rebuild without the op saves): "
                + ", ".join(f"`{r.name}` {r.marginal:,} B" for r in sorted(costs, key=lambda r: -r.marginal))]
    shared = [r for r in rep.rows if r.kind == "shared" and r.used_by]
    for r in shared:
        out.append(f"`{r.name}` helpers are used by: {', '.join(f'`{u}`' for u in r.used_by)}.")
    if rep.notes:
        out += ["", "<details><summary>Notes</summary>", ""] + [f"- {n}" for n in rep.notes] + ["", "</details>"]
    out.append("")
    return "\n".join(out)


def _grew_or_new(diff: Diff, name: str) -> bool:
    rd = diff.row(name)
    return rd is not None and (rd.status == "new" or (rd.status == "changed" and rd.delta > 0))


def _delta(diff: Diff | None, name: str) -> int:
    rd = diff.row(name) if diff is not None else None
    return rd.delta if rd is not None else 0


def _arrow(delta: int, pct: float | None) -> str:
    p = "" if pct is None else f" ({pct:+.1f}%)"
    if delta > 0:
        return f"▲ +{delta:,} B{p}"
    if delta < 0:
        return f"▼ {delta:,} B{p}"
    return "= 0 B"
