"""The int16x8 and requantize kernels as shipped: one Android armv7 and one
arm64 size-profile library holding all of them, run under qemu-user, each
single-op model of tests/test_int16_kernels.py and each requantize case of
tests/test_requantize.py against LiteRT's BUILTIN_REF: every element equal."""

from __future__ import annotations


import numpy as np
import pytest

import harness as H
import test_int16_kernels as K16
import test_requantize as RQ
from selbuild import verify

pytestmark = pytest.mark.qemu


arm_runtime = H.arm_runtime_fixture("int16", K16.KERNELS + RQ.KERNELS)


def test_int16_kernels_match_litert_under_qemu(arm_runtime):
    bad = []
    for name, model in sorted(K16.small_int16_models().items()):
        program = H.convert_bytes(model)
        inputs = K16._inputs(program, 1)
        ours, ref = verify.run_program(arm_runtime, program, inputs), H.litert(model, inputs)
        bad += [(name, d) for d in H.diffs(ours, ref) if d.differing]
    assert not bad, bad


def test_requantize_matches_litert_under_qemu(arm_runtime):
    bad = []
    for case in RQ.CASES:
        x = RQ._all_values(case[0])
        model = RQ._model(*case, x.size)
        ours, ref = verify.run_program(arm_runtime, H.convert_bytes(model), {"x": x}), H.litert(model, {"x": x})
        if not np.array_equal(ours["y"], ref["y"]):
            bad.append(case)
    assert not bad, bad
