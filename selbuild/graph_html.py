"""`selbuild analyze MODEL --html OUT.html`: the model graph as one self-contained page.

Each node of the converted program is a box: its kernel (`<op>.<dtype>`),
its share of the runtime's bytes (the kernel's size row divided among the
nodes that use it; needs `--runtime LIB`, a built library), and the arena
slice its outputs occupy (offset and bytes in the activation arena). Edges
follow the tensors from producer to consumer. Nodes are laid out in layers by
longest path from the inputs. The page embeds its data as JSON and draws SVG
with inline script; it loads nothing, so it opens offline and from CI
artifacts. A table lists the same rows for reading without script.
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class GraphNode:
    index: int
    kernel: str
    layer: int
    lane: int
    inputs: list[int]                 # producer node indices
    bytes: int | None                 # share of the runtime's bytes (None: no --runtime)
    arena: list[tuple[str, int, int]]  # (output tensor name, arena offset, bytes)


def graph_nodes(program: bytes, kernel_sizes: dict[str, int] | None) -> tuple[list[GraphNode], int]:
    """(nodes, arena size) of a converted program."""
    from selbuild.convert import read_program
    info = read_program(program)
    producer: dict[int, int] = {}
    for i, n in enumerate(info.nodes):
        for t in n.outputs:
            producer[t] = i
    uses: dict[str, int] = {}
    for n in info.nodes:
        uses[n.kernel] = uses.get(n.kernel, 0) + 1
    layer: list[int] = []
    lanes: dict[int, int] = {}
    out = []
    for i, n in enumerate(info.nodes):
        preds = sorted({producer[t] for t in n.inputs if t in producer and producer[t] < i})
        depth = 1 + max((layer[p] for p in preds), default=-1)
        layer.append(depth)
        lane = lanes.get(depth, 0)
        lanes[depth] = lane + 1
        size = None
        if kernel_sizes is not None:
            size = kernel_sizes.get(n.kernel, 0) // uses[n.kernel]
        arena = [(info.tensors[t].name, info.tensors[t].arena_offset, info.tensors[t].nbytes)
                 for t in n.outputs if 0 <= t < len(info.tensors) and info.tensors[t].arena_offset >= 0]
        out.append(GraphNode(i, n.kernel, depth, lane, preds, size, arena))
    return out, info.arena_size


_CSS = """
body{font:13px system-ui,sans-serif;margin:16px;color:#222;background:#fff}
h1{font-size:18px;margin:0 0 4px}.meta{color:#555;margin-bottom:12px}
svg{border:1px solid #ccc;background:#fafafa} .node rect{fill:#dbe9f8;stroke:#4a78a8}
.node text{font-size:11px} .edge{stroke:#8a8a8a;fill:none}
table{border-collapse:collapse;margin-top:16px} th,td{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
"""

_JS = r"""
(function(){
const g = JSON.parse(document.getElementById('graph-data').textContent);
const W = 210, H = 54, GX = 30, GY = 34, NS = 'http://www.w3.org/2000/svg';
const lanes = Math.max(1, ...g.nodes.map(n => n.lane + 1));
const layers = Math.max(1, ...g.nodes.map(n => n.layer + 1));
const svg = document.getElementById('graph');
svg.setAttribute('width', lanes * (W + GX) + GX);
svg.setAttribute('height', layers * (H + GY) + GY);
const pos = n => [GX + n.lane * (W + GX), GY + n.layer * (H + GY)];
function el(tag, attrs, parent){ const e = document.createElementNS(NS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]); parent.appendChild(e); return e; }
for (const n of g.nodes) for (const p of n.inputs) {
  const [x1, y1] = pos(g.nodes[p]), [x2, y2] = pos(n);
  el('path', {class: 'edge', d: `M${x1 + W/2},${y1 + H} C${x1 + W/2},${y1 + H + GY/2} ${x2 + W/2},${y2 - GY/2} ${x2 + W/2},${y2}`}, svg);
}
for (const n of g.nodes) {
  const [x, y] = pos(n);
  const box = el('g', {class: 'node', 'data-node': n.index, 'data-kernel': n.kernel}, svg);
  el('rect', {x: x, y: y, width: W, height: H, rx: 5}, box);
  const lines = [`#${n.index} ${n.kernel}`,
                 n.bytes === null ? 'runtime bytes: (no --runtime)' :
                   `${n.bytes.toLocaleString()} B of the runtime (${(100 * n.bytes / g.runtime_bytes).toFixed(1)}%)`,
                 n.arena.length ? `arena ${n.arena.map(a => '@' + a[1] + '+' + a[2]).join(', ')}` : 'arena: (no activation)'];
  lines.forEach((t, i) => { const e = el('text', {x: x + 6, y: y + 15 + 14 * i}, box); e.textContent = t; });
}
document.body.setAttribute('data-rendered', 'yes');
})();
"""


def render_graph_html(model_path: str, nodes: list[GraphNode], arena_size: int,
                      runtime_bytes: int | None) -> str:
    data = {"model": model_path, "arena_size": arena_size, "runtime_bytes": runtime_bytes or 1,
            "nodes": [asdict(n) for n in nodes]}
    rows = "".join(
        f'<tr data-row="{n.index}"><td class="num">{n.index}</td><td>{html.escape(n.kernel)}</td>'
        f'<td class="num">{"" if n.bytes is None else f"{n.bytes:,}"}</td>'
        f'<td>{html.escape(", ".join(f"{name} @{off} +{size:,} B" for name, off, size in n.arena))}</td></tr>'
        for n in nodes)
    size_line = f"runtime {runtime_bytes:,} B" if runtime_bytes else "runtime bytes: pass --runtime LIB"
    # "</" inside the JSON would end the script element early.
    blob = json.dumps(data).replace("</", "<\\/")
    return (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{html.escape(Path(model_path).name)}"
            f" graph</title><style>{_CSS}</style></head><body>"
            f"<h1>{html.escape(Path(model_path).name)}</h1>"
            f"<div class=\"meta\">{len(nodes)} nodes, arena {arena_size:,} B, {size_line}</div>"
            f"<svg id=\"graph\" xmlns=\"http://www.w3.org/2000/svg\"></svg>"
            f"<table><tr><th>node</th><th>kernel</th><th>runtime bytes</th><th>arena slice</th></tr>{rows}</table>"
            f"<script type=\"application/json\" id=\"graph-data\">{blob}</script>"
            f"<script>{_JS}</script></body></html>\n")


def graph_page(model: Path, runtime: Path | None) -> str:
    """The page for one model: converted with every kernel selbuild has; sizes from `runtime`."""
    from selbuild.convert import convert
    from selbuild.planning import analysis
    program = convert(analysis(Path(model)).model).program
    sizes = total = None
    if runtime is not None:
        from selbuild.size import report_artifact
        rep = report_artifact(Path(runtime))
        sizes = {r.name: r.size for r in rep.rows}
        total = rep.file_size
    nodes, arena = graph_nodes(program, sizes)
    return render_graph_html(str(model), nodes, arena, total)
