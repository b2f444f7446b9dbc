"""A kernel's check says why it refuses a node, and the reason reaches the user.

Programs converted from single-op models are rebuilt with one window
parameter changed (tests/program_edits.py). The host build's loader message
then names the node, the kernel and the reason, with the numbers; a build
with SELRT_NO_REASONS (what size-profile device builds use) names only the
node and kernel, and links none of the reason text."""

from __future__ import annotations

import subprocess

import pytest

import harness as H
from program_edits import rebuild
from selbuild.catalogue import load_catalogue
from selbuild.convert import read_program
from selbuild.errors import SelbuildError
from selbuild.runtime import Interpreter


@pytest.fixture(scope="module")
def programs():
    return {name: H.convert_bytes(m) for name, m in H.small_models().items()}


@pytest.fixture(scope="module")
def checkers(tmp_path_factory):
    d = tmp_path_factory.getbasetemp() / "kernel_reasons"
    d.mkdir(exist_ok=True)
    main = H.TESTS_C / "selrt_check.c"
    with_reasons = H.build(d / "reasons", H.FLOAT_LAYER_KERNELS, main=main, name="selrt_check_reasons")
    without = H.build(d / "bare", H.FLOAT_LAYER_KERNELS, main=main, name="selrt_check_bare",
                      extra_flags=["-DSELRT_NO_REASONS=1"])
    return d, with_reasons, without


def _edited(programs, name, param, value) -> bytes:
    kernel = read_program(programs[name]).nodes[0].kernel
    return rebuild(programs[name], iparam=(load_catalogue()[kernel].iparams.index(param), value))


def _message(checker_dir, exe, prog: bytes) -> str:
    path = checker_dir / "edited.selrt"
    path.write_bytes(prog)
    res = subprocess.run([str(exe), str(path)], capture_output=True, text=True, timeout=60)
    assert "status=8" in res.stdout, res.stdout + res.stderr
    return res.stdout.split("message=", 1)[1].strip()


# (program, iparam, value, the reason the host build gives)
EDITS = [
    ("conv2d", "stride_h", 0, "stride 0 is below 1"),
    ("conv2d", "dilation_w", -3, "dilation -3 is below 1"),
    ("conv2d", "pad_top", -1, "padding -1 is neither VALID's nor SAME's (1)"),
    ("depthwise", "stride_w", 65536, "padding 1 is neither VALID's nor SAME's (131071)"),
    ("transpose_conv", "pad_top", 5, "padding 5 is neither VALID's nor SAME's"),
    ("max_pool", "filter_h", 0, "filter size 0 is below 1"),
    ("average_pool", "stride_h", 2147483647, "window positions exceed int32"),
]


@pytest.mark.parametrize("name,param,value,reason", EDITS)
def test_host_build_says_why(checkers, programs, name, param, value, reason):
    d, with_reasons, without = checkers
    prog = _edited(programs, name, param, value)
    kernel = read_program(prog).nodes[0].kernel
    msg = _message(d, with_reasons, prog)
    assert msg.startswith(f"node 0 ({kernel}): the kernel rejects its shapes or parameters: ") and reason in msg, msg
    bare = _message(d, without, prog)
    assert bare == f"node 0 ({kernel}): the kernel rejects its shapes or parameters", bare


def test_reason_text_is_not_linked_without_reasons(checkers):
    _, with_reasons, without = checkers
    assert b"is neither VALID's nor SAME's" in with_reasons.read_bytes()
    assert b"is neither VALID's nor SAME's" not in without.read_bytes()


def test_reason_reaches_the_python_api(programs, build_root):
    """selbuild.runtime (the host build `selbuild run` uses) raises with the reason."""
    from selbuild.build import build_target
    from selbuild.config import BuildConfig
    kernel = read_program(programs["conv2d"]).nodes[0].kernel
    cfg = BuildConfig(path=build_root / "reasons.yaml", name="reasons", models=[], targets=["host"],
                      ops={kernel: ["conv2d"]})
    manifest = build_target(cfg, "host", out_root=build_root).manifest
    reason = r"node 0 \(conv2d\.f32\): the kernel rejects its shapes or parameters: stride 0 is below 1"
    with pytest.raises(SelbuildError, match=reason):
        Interpreter(_edited(programs, "conv2d", "stride_h", 0), manifest)
