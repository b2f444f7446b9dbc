"""The repository stands on its own and its names say what things are.

Every tracked text file is read: no reference may lead outside the checkout
(an absolute path of the machine it was written on, or a `../` path that
climbs out of the repository), and no name may say who wrote something
instead of what it is ("engineer B", "family A" test files)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# Spelled in pieces so this file does not match itself.
ABSOLUTE = re.compile("/" + "work/|/" + "home/[a-z]")
RELATIVE = re.compile(r"(?<![\w.])((?:\.\./)+)([\w.-]+(?:/[\w.-]+)*)")
OUTSIDE_NAMES = re.compile("shared/" + "(?:DESIGN|notes/|models/)")
INCLUDE = re.compile(r"\s*#\s*include\b")
SELF = Path(__file__).resolve().relative_to(REPO).as_posix()
AUTHORSHIP = re.compile(r"\bengineers?\b|\bfamily[- ][ab]\b|kernels_[ab]_|int8_harness", re.IGNORECASE)


def tracked_text_files() -> dict[str, str]:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not applicable: not a git checkout")
    names = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    out = {}
    for name in names.decode().split("\0"):
        path = REPO / name
        if not name or not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue
        try:
            out[name] = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
    assert len(out) > 100, f"only {len(out)} tracked text files found"
    return out


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return tracked_text_files()


def _lines(files: dict[str, str], pattern: re.Pattern) -> list[str]:
    """Matching lines, this file's own examples left out."""
    return [f"{name}:{i}: {line.strip()[:120]}" for name, text in files.items() if name != SELF
            for i, line in enumerate(text.splitlines(), 1) if pattern.search(line)]


def test_no_absolute_paths_of_the_machine(files):
    assert not _lines(files, ABSOLUTE)


def test_no_references_to_files_kept_beside_the_repository(files):
    assert not _lines(files, OUTSIDE_NAMES)


def test_relative_paths_stay_inside_the_repository(files):
    """Relative to the file that names them. C #include lines are left out:
    they resolve against the including file, which for the runtime is inside
    runtime_src/, and the size fixtures write theirs into a scratch tree."""
    bad = []
    for name, text in files.items():
        base = (REPO / name).parent
        for i, line in enumerate(text.splitlines(), 1):
            if INCLUDE.match(line) or name == SELF:
                continue
            for m in RELATIVE.finditer(line):
                if not (base / (m.group(1) + m.group(2))).resolve().is_relative_to(REPO):
                    bad.append(f"{name}:{i}: {m.group(0)}")
    assert not bad


def test_names_say_what_not_who(files):
    assert not _lines(files, AUTHORSHIP)
    assert not [n for n in files if re.search(r"(^|/)test_kernels_[ab]_|(kernels_[ab]|int8)_harness\.py$", n)]


def test_the_design_document_lives_in_the_repository(files):
    assert "docs/design.md" in files
    assert "](docs/design.md)" in files["README.md"]
    design = files["docs/design.md"]
    assert "## Deviations from the original design" in design
    for fact in ("selrt_session_create", "fallback: none", "GEMM", "sha256", "check"):
        assert fact in design, fact


def test_the_checks_catch_what_they_look_for():
    """Each pattern matches the thing it forbids, so the tests above can fail."""
    assert ABSOLUTE.search("see /" + "work/shared/x.md")
    assert OUTSIDE_NAMES.search("`../shared/" + "DESIGN.md`")
    assert AUTHORSHIP.search("kernels engineer B") and AUTHORSHIP.search("import kernels_a_harness")
    m = RELATIVE.search("see ../../x/y.md")
    assert m and (REPO / "docs" / (m.group(1) + m.group(2))).resolve().is_relative_to(REPO) is False
