"""`selbuild analyze MODEL --html OUT --runtime LIB` (issue 18 item 8): the model graph with each
node's kernel, its share of the runtime's bytes and its arena slice, self-contained, drawn by
headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from selbuild import REPO_ROOT

MODEL = REPO_ROOT / "tests" / "models" / "tflite" / "tiny_cnn_f32.tflite"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "selbuild", *map(str, args)], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


@pytest.fixture(scope="module")
def host_lib(build_root):
    import selbuild
    (built,) = selbuild.build(REPO_ROOT / "configs" / "tiny_cnn_f32.yaml", "host", out_root=build_root)
    return built.library


def test_page_data_matches_program_and_size_report(host_lib, tmp_path) -> None:
    import selbuild
    from selbuild.convert import read_program
    page = tmp_path / "graph.html"
    r = cli("analyze", MODEL, "--html", page, "--runtime", host_lib)
    assert r.returncode == 0, r.stderr
    text = page.read_text()
    loose = text.replace("http://www.w3.org/2000/svg", "")      # the SVG namespace name, not a fetch
    assert "http://" not in loose and "https://" not in loose and "<link" not in loose and " src=" not in loose
    data = json.loads(re.search(r'id="graph-data">(.*?)</script>', text, re.S).group(1))
    info = read_program(selbuild.convert(MODEL).program)
    assert [n["kernel"] for n in data["nodes"]] == [n.kernel for n in info.nodes]
    assert data["arena_size"] == info.arena_size
    rows = {r.name: r.size for r in selbuild.size(host_lib).rows}
    for kernel in {n["kernel"] for n in data["nodes"]}:
        users = [n for n in data["nodes"] if n["kernel"] == kernel]
        assert sum(n["bytes"] for n in users) == rows[kernel] - rows[kernel] % len(users)
    for n in data["nodes"]:
        for _, off, size in n["arena"]:
            assert 0 <= off and off + size <= info.arena_size
    # a chain: every node after the first has its producer as input
    assert all(n["inputs"] == [n["index"] - 1] for n in data["nodes"][1:])


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (./run.sh setup installs it)")
def test_graph_renders_in_headless_chromium(host_lib, tmp_path) -> None:
    page = tmp_path / "graph.html"
    assert cli("analyze", MODEL, "--html", page, "--runtime", host_lib).returncode == 0
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1000,900", "--virtual-time-budget=2000"]
    dom = subprocess.run([*cmd, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'data-rendered="yes"' in dom.stdout, "the script ran without errors"
    assert dom.stdout.count('class="node"') == 8
    for kernel in ("conv2d.f32", "depthwise_conv2d.f32", "softmax.f32"):
        assert f'data-kernel="{kernel}"' in dom.stdout
    assert dom.stdout.count('class="edge"') == 7
    assert "B of the runtime (" in dom.stdout and "arena @" in dom.stdout
    shot = tmp_path / "shot.png"
    subprocess.run([*cmd, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120)
    # The node boxes are painted: pixels of their fill colour (#dbe9f8) cover a real area.
    assert count_pixels(shot, (0xdb, 0xe9, 0xf8)) > 8 * 150 * 30


def count_pixels(path, rgb) -> int:
    """Pixels of exactly `rgb` in an 8-bit RGB/RGBA PNG (scanline filters undone)."""
    import struct
    import zlib
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, idat, hdr = 8, b"", None
    while at < len(data):
        n = int.from_bytes(data[at:at + 4], "big")
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        at += 12 + n
    w, h, depth, ctype = hdr[:4]
    assert depth == 8 and ctype in (2, 6)
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    prev, count, pos = bytearray(stride), 0, 0
    for _ in range(h):
        f, line = raw[pos], bytearray(raw[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        count += sum(1 for x in range(0, stride, bpp) if tuple(line[x:x + 3]) == rgb)
        prev = line
    return count


def test_without_runtime_and_bad_input(tmp_path) -> None:
    page = tmp_path / "g.html"
    r = cli("analyze", MODEL, "--html", page)
    assert r.returncode == 0, r.stderr
    assert "pass --runtime LIB" in page.read_text()
    r = cli("analyze", MODEL, MODEL, "--html", tmp_path / "two.html")
    assert r.returncode == 2 and r.stderr.startswith("error:") and "Traceback" not in r.stderr
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    r = cli("analyze", MODEL, "--html", notes)
    assert r.returncode == 2 and notes.read_text() == "mine"
