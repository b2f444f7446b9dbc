"""The Python-side mutation campaign, short (bench/fuzz_python.py runs it at scale),
and model/config paths that are not ordinary files.

The campaign (tests/python_fuzz.py) feeds ~300 mutants of every model format and
config to analyze / convert / config check in a memory-capped worker under a
timeout: every outcome must be success or SelbuildError. A sample of the same
inputs then goes through the real CLI process: exit 0 or 2, and on 2 one
`error:` line and no traceback. Special paths (a FIFO, /dev/zero, a sparse file
of several GB, with and without a valid header) must be refused or answered
within seconds, without reading gigabytes.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

import python_fuzz as P

REPO = Path(__file__).resolve().parent.parent
CASES = 300


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    work = tmp_path_factory.mktemp("pyfuzz")
    return work, P.campaign(work, CASES, seed=11, timeout=30.0, keep=work / "findings")


def test_short_campaign_gives_only_selbuild_errors(campaign):
    _, stats = campaign
    assert stats.cases == CASES
    assert not stats.findings, stats.findings[:3]
    assert set(stats.outcomes) <= {"ok", "selbuild_error"}
    # The mutants reach every entry point and both answers (a campaign of only
    # rejected headers would prove little).
    for api in ("analyze", "convert", "config", "config_no_models"):
        assert stats.by_api[f"{api}:selbuild_error"] > 0, stats.by_api
    assert stats.outcomes["ok"] > 0


def test_campaign_counts_a_foreign_exception(tmp_path):
    """The counter can fail: an input the worker answers with another exception
    is counted as `other` and kept."""
    pool = P.Pool(tmp_path / "case", 30.0)
    try:
        out = pool.run(P.Case("bogus_api", {"m.tflite": b"x"}, "m.tflite", "t"))
        assert out[0] == "other" and "ValueError: unknown api" in out[1], out
        assert pool.run(P.Case("analyze", {"m.tflite": b"x"}, "m.tflite", "t"))[0] == "selbuild_error"
    finally:
        pool.close()


def _cli(args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "SELBUILD_DEBUG": "", "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "selbuild", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env=env)


def _args(case: P.Case) -> list[str]:
    return {"analyze": ["analyze", case.main], "convert": ["convert", case.main, "-o", "out.selrt"],
            "config": ["config", "check", case.main],
            "config_no_models": ["config", "check", "--no-models", case.main]}[case.api]


def test_cli_sample_exits_2_without_traceback(campaign, tmp_path):
    work, _ = campaign
    sample = list(P.cases(P.seeds(work), CASES, 11))
    random.Random(5).shuffle(sample)
    # One case per entry point first, then a few more (each process imports torch).
    picked = {}
    for c in sample:
        picked.setdefault(c.api, c)
    picked = list(picked.values()) + sample[:4]
    codes = []
    for i, case in enumerate(picked):
        d = tmp_path / f"c{i}"
        d.mkdir()
        for name, data in case.files.items():
            (d / name).write_bytes(data)
        r = _cli(_args(case), d)
        codes.append(r.returncode)
        assert r.returncode in (0, 2), (case.how, r.returncode, r.stderr[-2000:])
        assert "Traceback" not in r.stderr, (case.how, r.stderr[-2000:])
        if r.returncode == 2:
            assert r.stderr.startswith("error: "), (case.how, r.stderr)
    assert 2 in codes


# ---------------------------------------------------------------- special paths

COMMANDS = {"analyze": lambda p: ["analyze", p], "convert": lambda p: ["convert", p, "-o", "out.selrt"],
            "config-init": lambda p: ["config", "init", p, "-o", "new.yaml"]}


def _refused_quickly(args: list[str], cwd: Path, expect: str, limit: float = 60.0) -> None:
    """`limit` is generous for a loaded CI machine; the point is that nothing
    blocks (a FIFO read waits forever) or reads gigabytes (minutes here)."""
    t = time.monotonic()
    r = _cli(args, cwd, timeout=limit + 60)
    took = time.monotonic() - t
    assert r.returncode == 2 and "Traceback" not in r.stderr, (args, r.stderr[-2000:])
    assert r.stderr.startswith("error: ") and expect in r.stderr, (args, r.stderr)
    assert took < limit, (args, took)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_fifo_model_is_refused(command, tmp_path):
    os.mkfifo(tmp_path / "m.tflite")
    _refused_quickly(COMMANDS[command]("m.tflite"), tmp_path, "not a regular file (a FIFO)")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_config_is_refused(tmp_path):
    os.mkfifo(tmp_path / "c.yaml")
    _refused_quickly(["config", "check", "c.yaml"], tmp_path, "not a regular file (a FIFO)")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_dev_zero_model_is_refused(command, tmp_path):
    (tmp_path / "m.tflite").symlink_to("/dev/zero")
    _refused_quickly(COMMANDS[command]("m.tflite"), tmp_path, "a character device")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_dev_zero_config_is_refused(tmp_path):
    (tmp_path / "c.yaml").symlink_to("/dev/zero")
    _refused_quickly(["config", "check", "c.yaml"], tmp_path, "a character device")


def _sparse(path: Path, size: int, head: bytes = b"") -> Path:
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(size)
    return path


@pytest.mark.parametrize("suffix", [".tflite", ".pte", ".ptl", ".pt2"])
def test_sparse_file_over_the_limit(suffix, tmp_path):
    _sparse(tmp_path / f"m{suffix}", 3 * 1024 ** 3)
    _refused_quickly(["analyze", f"m{suffix}"], tmp_path, "larger than the 2 GiB limit")


# Found by the campaign's special-path checks: 1.9 GB of zeros (under the limit)
# was read and hashed whole (30-50 s, 2 GB of memory) before its header was refused.
@pytest.mark.parametrize("suffix,expect", [(".tflite", "no 'TFL3' identifier"), (".pte", "no 'ET12' identifier"),
                                           (".ptl", "not a zip archive"), (".pt2", "not a zip archive")])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_sparse_file_under_the_limit_without_header(command, suffix, expect, tmp_path):
    _sparse(tmp_path / f"m{suffix}", 1900 * 1024 ** 2)
    _refused_quickly(COMMANDS[command](f"m{suffix}"), tmp_path, expect, limit=15.0)


def test_sparse_model_in_a_config_is_refused(tmp_path):
    _sparse(tmp_path / "m.tflite", 1900 * 1024 ** 2)
    (tmp_path / "c.yaml").write_text("schema_version: 1\nname: x\nmodels:\n  - path: m.tflite\n"
                                     "targets: [host]\n")
    _refused_quickly(["config", "check", "c.yaml"], tmp_path, "identifier", limit=15.0)


# ---------------------------------------------------------------- native crashes

REGRESSIONS = Path(__file__).resolve().parent / "fuzz_regressions"


def test_native_crash_in_torch_is_a_model_error(tmp_path):
    """Found by the campaign (case 2129 of seed 1): a mutated .ptl on which
    torch._C._freeze_module dies with SIGSEGV; analyze used to die with it
    (exit 139, no error line)."""
    pytest.importorskip("torch")
    r = _cli(["analyze", str(REGRESSIONS / "torchscript_freeze_segfault.ptl")], tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr, (r.returncode, r.stderr[-2000:])
    assert r.stderr.startswith("error: ") and "crashed reading it (SIGSEGV)" in r.stderr, r.stderr


def test_probe_reports_signals_and_hangs(tmp_path, monkeypatch):
    """The probe itself, independent of which files crash this torch version."""
    import signal

    from selbuild import inputs
    from selbuild.errors import ModelError
    p = tmp_path / "m.ptl"
    p.write_bytes(b"x")
    with pytest.raises(ModelError, match=r"crashed reading it \(SIGSEGV\)"):
        inputs.probe_foreign_loader(p, lambda: os.kill(os.getpid(), signal.SIGSEGV), "loader")
    with pytest.raises(ModelError, match=r"crashed reading it \(SIGABRT\)"):
        inputs.probe_foreign_loader(p, os.abort, "loader")
    inputs.probe_foreign_loader(p, lambda: 1 / 0, "loader")      # raising: the caller reports it
    inputs.probe_foreign_loader(p, lambda: None, "loader")
    monkeypatch.setattr(inputs, "PROBE_SECONDS", 0.5)
    with pytest.raises(ModelError, match="did not finish reading it"):
        inputs.probe_foreign_loader(p, lambda: time.sleep(30), "loader")


def test_node_without_its_operands_is_a_model_error(tmp_path):
    """Found by the campaign (case 12264 of seed 1): a byte mutation of
    conv1d_audio_f32 left a RESHAPE with no inputs, and the shape check raised
    IndexError (the CLI said 'internal error')."""
    from selbuild.convert import convert
    from selbuild.errors import ModelError
    from selbuild.frontends import tflite
    from tflite_builder import Op, T, build_model
    data = build_model(ops=[Op("ABS", ["x"], ["h"]), Op("RESHAPE", [], ["y"])],
                       tensors=[T("x", [2, 3]), T("h", [2, 3]), T("y", [6])], inputs=["x"], outputs=["y"])
    with pytest.raises(ModelError, match="malformed node"):
        convert(tflite.to_ir(tflite.parse_bytes(data, "m.tflite")))
    p = tmp_path / "m.tflite"
    p.write_bytes(data)
    r = _cli(["convert", "m.tflite", "-o", "m.selrt"], tmp_path)
    assert r.returncode == 2 and r.stderr.startswith("error: ") and "Traceback" not in r.stderr, r.stderr


@pytest.mark.parametrize("operands", [[], ["h"]])
def test_binary_node_without_both_operands_is_a_model_error(tmp_path, operands):
    """Found by the campaign (seed 4, cases 76 and 746): mutations of an int8
    model left an ADD with no or one input; the broadcast shape rule raised
    ValueError unpacking two shapes (the CLI said 'internal error')."""
    from tflite_builder import Op, T, build_model
    data = build_model(ops=[Op("ABS", ["x"], ["h"]), Op("ADD", operands, ["y"])],
                       tensors=[T("x", [2, 3]), T("h", [2, 3]), T("y", [2, 3])], inputs=["x"], outputs=["y"])
    (tmp_path / "m.tflite").write_bytes(data)
    r = _cli(["convert", "m.tflite", "-o", "m.selrt"], tmp_path)
    assert r.returncode == 2 and r.stderr.startswith("error: ") and "malformed node" in r.stderr, r.stderr
    # analyze lists what the file declares (a node the converter refuses needs every kernel).
    r = _cli(["analyze", "m.tflite"], tmp_path)
    assert r.returncode == 0 and "internal error" not in r.stderr and "Traceback" not in r.stderr, r.stderr
