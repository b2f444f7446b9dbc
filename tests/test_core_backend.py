"""The core's partition paths with a test backend compiled in
(tests/c/fake_backend.c: payload 'F' = init fails, 'R' = run fails, else it
zeroes the partition's outputs), under ASan+UBSan: which path ran is visible
in the output (zeros = backend, a + b = CPU kernels)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from harness import TESTS_C, build, ctools  # noqa: F401
from program_writer import add_program

pytestmark = pytest.mark.skipif(shutil.which("clang-19") is None, reason="needs clang-19")


@pytest.fixture(scope="module")
def fake_runner():
    return build(None, ["add.f32"], cc="clang-19", sanitize=True, fake_backend=True,
                 name="selrt_run_fake")


def _prog(payload: bytes, backend: str = "fake", kernels=("add.f32",)):
    return add_program([2, 3], [3], partition=0, kernels=list(kernels),
                       partitions=[{"backend": backend, "payload": payload, "nodes": [0]}])


def _inputs():
    r = np.random.default_rng(1)
    return [r.standard_normal([2, 3]).astype(np.float32), r.standard_normal([3]).astype(np.float32)]


@pytest.mark.parametrize("payload,expect", [(b"ok", "backend"), (b"F", "cpu"), (b"R", "cpu"),
                                            (b"", "backend")])
def test_partition_runs_on_backend_or_falls_back(ctools, fake_runner, payload, expect):
    a, b = _inputs()
    res, outs = ctools.run(_prog(payload), [a, b], exe=fake_runner, extra=["--repeat", "2"])
    assert res.returncode == 0, res.stderr
    expected = np.zeros(6, np.float32) if expect == "backend" else (a + b).ravel()
    np.testing.assert_array_equal(outs[0], expected)


def test_backend_not_compiled_in_runs_on_cpu(ctools, fake_runner):
    a, b = _inputs()
    res, outs = ctools.run(_prog(b"ok", backend="vulkan"), [a, b], exe=fake_runner)
    assert res.returncode == 0, res.stderr
    np.testing.assert_array_equal(outs[0], (a + b).ravel())


def test_kernel_only_on_backend(ctools, fake_runner):
    """fallback: none: a kernel the runtime lacks is accepted inside a
    partition of a compiled-in backend; if that backend cannot run, selrt_run
    fails with SELRT_ERR_BACKEND instead of running anything."""
    a, b = _inputs()
    res, outs = ctools.run(_prog(b"ok", kernels=["mul.f32"]), [a, b], exe=fake_runner)
    assert res.returncode == 0, res.stderr
    np.testing.assert_array_equal(outs[0], np.zeros(6, np.float32))
    res, _ = ctools.run(_prog(b"F", kernels=["mul.f32"]), [a, b], exe=fake_runner)
    assert res.returncode == 2 and "backend failed" in res.stderr
    res, _ = ctools.run(_prog(b"ok", backend="vulkan", kernels=["mul.f32"]), [a, b], exe=fake_runner)
    assert res.returncode == 2 and "program needs kernel 'mul.f32'" in res.stderr


def test_partition_node_list_must_agree(ctools, fake_runner):
    a, b = _inputs()
    bad = add_program([2, 3], [3], partition=-1,
                      partitions=[{"backend": "fake", "payload": b"", "nodes": [0]}])
    res, _ = ctools.run(bad, [a, b], exe=fake_runner)
    assert res.returncode == 2 and "partition 0" in res.stderr
