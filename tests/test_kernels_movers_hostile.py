"""The shape and data-movement kernels on hostile programs: every `check`
must reject whatever `run` cannot survive. The fuzz seeds of
tests/mover_models.py are rebuilt with one field changed at a time (every
iparam set to extremes, every node tensor's dims grown, shrunk, set to 1 and
its rank changed) and loaded and run on arenas filled with 0x00 and 0xff (so
runtime indices are 0 and -1) by tests/c/selrt_check.c under ASan+UBSan;
named edits that would read outside must be refused at load."""

from __future__ import annotations

import pytest

import harness as H
from mover_models import small_mover_models
from program_edits import BAD_PROGRAM, OK, UNSUPPORTED, rebuild, run_batch, variants
from selbuild.catalogue import load_catalogue
from selbuild.convert import read_program


@pytest.fixture(scope="module")
def checker(tmp_path_factory):
    if H.find_cc(("clang-19",)) is None:
        pytest.skip("clang-19 (ASan+UBSan) not installed")
    d = tmp_path_factory.getbasetemp() / "mover_kernels_check"
    d.mkdir(exist_ok=True)
    kernels = sorted({read_program(H.convert_bytes(m)).nodes[0].kernel for m in small_mover_models().values()})
    return d, H.build(d, kernels, cc="clang-19", sanitize=True, main=H.TESTS_C / "selrt_check.c",
                      name="selrt_check_movers")


@pytest.fixture(scope="module")
def programs():
    return {name: H.convert_bytes(m) for name, m in small_mover_models().items()}


@pytest.mark.parametrize("name", sorted(small_mover_models()))
def test_edited_fields_are_rejected_or_safe(checker, programs, name):
    assert run_batch(*checker, name, [rebuild(programs[name])]) == [(OK, 1)]
    for fill in (0x00, 0xFF):
        results = run_batch(*checker, name, variants(programs[name]), fill=fill)
        assert results and all(st in (OK, BAD_PROGRAM, UNSUPPORTED) for st, _ in results), results
        assert all(ran for st, ran in results if st == OK)


@pytest.mark.parametrize("name,param,value", [
    ("mirror_pad", "before0", 3), ("mirror_pad", "before1", -1), ("mirror_pad", "mode", 2),
    ("mirror_pad", "before2", 1), ("mirror_pad_i32", "before0", 0),     # the after padding then exceeds 3
    ("mirror_pad_i32", "mode", 0),                                       # symmetric's 3 is over reflect's 2
    ("space_to_batch_nd", "block_h", 0), ("space_to_batch_nd", "block_w", 2**31 - 1),
    ("space_to_batch_nd", "pad_top", -1),
    ("batch_to_space_nd", "crop_top", 4), ("batch_to_space_nd", "crop_left", 4), ("batch_to_space_nd", "block_h", 3),
    ("one_hot", "depth", 4), ("one_hot", "inner", 0), ("one_hot", "depth", -1),
    ("gather_bool", "axis_size", 6), ("gather_bool", "n_indices", 2),
    ("reverse_v2_i32", "offset", 24), ("reverse_v2_i32", "strides0", -13),
])
def test_bad_iparams_are_rejected(checker, programs, name, param, value):
    kernel = read_program(programs[name]).nodes[0].kernel
    index = load_catalogue()[kernel].iparams.index(param)
    assert run_batch(*checker, name, [rebuild(programs[name], iparam=(index, value))]) == [(UNSUPPORTED, 0)]
