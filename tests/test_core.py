"""End to end through the C runtime: programs built with the schema's Python
code, run by the selrt_run tool (plain gcc build and clang ASan+UBSan build),
compared with numpy."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from harness import ctools  # noqa: F401  (fixture)
from program_writer import add_program

RNG = np.random.default_rng(7)

SHAPES = [
    ([2, 3], [2, 3]),
    ([2, 3, 4], [4]),
    ([2, 1, 4], [1, 3, 1]),
    ([5], [1]),
    ([], [3]),                       # rank-0 a broadcast over b
    ([], []),
    ([1, 2, 1, 3, 1, 2], [2, 1, 3, 1, 2, 1]),  # rank 6, broadcast both ways
    ([4, 1], [1, 4]),
]


def _rand(shape):
    return RNG.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("sanitized", [False, True], ids=["gcc", "asan"])
@pytest.mark.parametrize("a_shape,b_shape", SHAPES, ids=[f"{a}+{b}" for a, b in SHAPES])
def test_add_broadcast_matches_numpy(ctools, a_shape, b_shape, sanitized):
    a, b = _rand(a_shape), _rand(b_shape)
    res, outs = ctools.run(add_program(a_shape, b_shape), [a, b], sanitized=sanitized)
    assert res.returncode == 0, res.stderr
    expected = (a + b).ravel()
    assert outs[0].shape == expected.shape
    np.testing.assert_array_equal(outs[0], expected)


def test_add_constant_operand_and_activation(ctools):
    a, b = _rand([3, 4]) * 4, _rand([4]) * 4
    prog = add_program([3, 4], [4], b_const=b, act=(-1.0, 6.0))
    res, outs = ctools.run(prog, [a])
    assert res.returncode == 0, res.stderr
    np.testing.assert_array_equal(outs[0], np.clip(a + b, -1.0, 6.0).ravel())
    assert outs[0].min() >= -1.0 and outs[0].max() <= 6.0


def test_chain_of_nodes(ctools):
    a, b = _rand([2, 8]), _rand([2, 1])
    res, outs = ctools.run(add_program([2, 8], [2, 1], chain=3), [a, b])
    assert res.returncode == 0, res.stderr
    np.testing.assert_allclose(outs[0], (a + b + b + b).ravel(), rtol=1e-6)


def test_runner_repeat_prints_latency(ctools):
    res, _ = ctools.run(add_program([64], [64]), [_rand([64]), _rand([64])],
                        extra=["--repeat", "7"], sanitized=False)
    assert res.returncode == 0, res.stderr
    m = re.fullmatch(r"latency_ms min=([0-9.]+) median=([0-9.]+)\n", res.stdout)
    assert m and float(m[1]) <= float(m[2])


def test_runner_rejects_wrong_input_size(ctools):
    res, _ = ctools.run(add_program([2, 3], [3]), [_rand([2, 3]), _rand([4])])
    assert res.returncode == 2
    assert res.stderr.startswith("selrt_run: error: ")
    assert "input_1.bin has 16 bytes, input 1 ('b') needs 12" in res.stderr


def test_runner_missing_input_and_bad_args(ctools):
    res, _ = ctools.run(add_program([2], [2]), [_rand([2])])
    assert res.returncode == 2 and "input 1: cannot read" in res.stderr
    res, _ = ctools.run(add_program([2], [2]), [_rand([2]), _rand([2])], extra=["--repeat", "0"])
    assert res.returncode == 2 and "bad --repeat" in res.stderr


def test_runner_reports_missing_kernel(ctools):
    prog = add_program([2], [2], kernels=["mul.f32"])
    res, _ = ctools.run(prog, [_rand([2]), _rand([2])])
    assert res.returncode == 2
    assert ("program needs kernel 'mul.f32' which this runtime was built without; "
            "add it to the config's ops and rebuild") in res.stderr


def test_runner_reports_bad_program(ctools):
    res, _ = ctools.run(b"\0" * 64, [])
    assert res.returncode == 2 and "file identifier 'SLRT' missing" in res.stderr


def test_api_contract(ctools):
    import subprocess
    path = ctools.write("api.selrt", add_program([3, 5], [5]))
    res = subprocess.run([ctools.api, path], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.strip() == "0 failures"


def test_activation_infinities_allowed(ctools):
    a = np.array([1e30, -1e30], np.float32)
    res, outs = ctools.run(add_program([2], [2], act=(-math.inf, math.inf)), [a, a])
    assert res.returncode == 0
    np.testing.assert_array_equal(outs[0], a + a)


def test_sanitized_tools_really_are(ctools):
    """The negative and mutation tests rely on ASan+UBSan catching bad reads."""
    import shutil
    if not shutil.which("clang-19"):
        pytest.skip("clang-19 not installed: sanitizer builds unavailable")
    for exe in (ctools.asan_runner, ctools.check, ctools.api):
        data = exe.read_bytes()
        assert b"__asan_init" in data and b"__ubsan_handle" in data, exe


QEMU_TARGETS = {
    # name: (clang flags, qemu, sysroot) -- armv7 is softfp like Android's armeabi-v7a.
    "armv7": (["--target=armv7a-linux-gnueabi", "-mfloat-abi=softfp", "-mfpu=neon", "-mthumb"],
              "qemu-arm", "/usr/arm-linux-gnueabi"),
    "arm64": (["--target=aarch64-linux-gnu"], "qemu-aarch64", "/usr/aarch64-linux-gnu"),
}


@pytest.mark.qemu
@pytest.mark.parametrize("target", list(QEMU_TARGETS))
def test_add_broadcast_under_qemu(ctools, target, tmp_path):
    """32-bit size_t (armv7) and arm64: same results as numpy."""
    import shutil
    from pathlib import Path

    from harness import build
    flags, qemu, sysroot = QEMU_TARGETS[target]
    if not (shutil.which(qemu) and shutil.which("clang-19") and shutil.which("ld.lld-19")
            and Path(sysroot).is_dir()):
        pytest.skip(f"{qemu}, clang-19/lld-19 or {sysroot} missing")
    exe = build(tmp_path, cc="clang-19", opt="-O2", extra_flags=flags,
                link_flags_extra=["-fuse-ld=lld-19"],
                name=f"selrt_run_{target}")
    for a_shape, b_shape in SHAPES:
        a, b = _rand(a_shape), _rand(b_shape)
        res, outs = ctools.run(add_program(a_shape, b_shape), [a, b], exe=exe,
                               prefix=[qemu, "-L", sysroot], workdir=tmp_path / "w")
        assert res.returncode == 0, res.stderr
        np.testing.assert_array_equal(outs[0], (a + b).ravel())
    res, _ = ctools.run(add_program([2], [2], kernels=["mul.f32"]), [_rand([2])] * 2, exe=exe,
                        prefix=[qemu, "-L", sysroot], workdir=tmp_path / "w")
    assert res.returncode == 2 and "program needs kernel 'mul.f32'" in res.stderr


def test_add_broadcast_property(ctools, tmp_path):
    """Any pair of numpy-broadcastable shapes up to rank 6 gives numpy's sum."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @st.composite
    def shape_pairs(draw):
        out = draw(st.lists(st.integers(1, 3), min_size=0, max_size=6))
        def side():
            rank = draw(st.integers(0, len(out)))
            tail = out[len(out) - rank:]
            return [d if draw(st.booleans()) else 1 for d in tail]
        return side(), side()

    @settings(max_examples=40, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(shape_pairs())
    def check(pair):
        a_shape, b_shape = pair
        a, b = _rand(a_shape), _rand(b_shape)
        res, outs = ctools.run(add_program(a_shape, b_shape), [a, b], sanitized=False,
                               workdir=tmp_path / "h")
        assert res.returncode == 0, res.stderr
        np.testing.assert_array_equal(outs[0], (a + b).ravel())

    check()
