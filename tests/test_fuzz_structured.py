"""A short structure-aware campaign (tests/structured_fuzz.py): mutants of
programs converted from every bundled model, loaded and run under ASan+UBSan on
three arena fills. bench/fuzz_structured.py runs the same for as long as asked.

Beyond zero crashes it checks that the campaign reaches deep code: a share of
the mutants must get past the loader into the kernels' `check`, and some past
`check` into `run` -- a mutator whose every case dies in the verifier would
pass trivially.
"""

from __future__ import annotations

import shutil

import pytest

import fuzz_corpus as F
import program_edits as E
import program_mutator as M
import structured_fuzz as S

pytestmark = pytest.mark.skipif(shutil.which("clang-19") is None, reason="needs clang-19 (ASan+UBSan)")
CASES = 1500


@pytest.fixture(scope="module")
def checker():
    return S.build_checker(None)  # shared with test_fuzz.py's identical build


def test_seed_corpus_covers_every_bundled_model_and_kernel_kind():
    seeds = F.seed_programs()
    models = {p.stem for p in F.model_paths()} - F.NOT_CONVERTIBLE
    assert models <= {name.split("+")[0].split(".")[0] for name in seeds}
    assert any("+vulkan" in n for n in seeds) and any("+nnapi" in n for n in seeds)
    assert sum(".node" in n for n in seeds) >= 100          # layers of real models, one per program


def test_seeds_load_and_run(checker, tmp_path):
    seeds = F.seed_programs(65536)
    stats = S.run(checker, tmp_path, [(n, d) for n, d in sorted(seeds.items())], S.Stats())
    assert not stats.crashes, stats.crashes[0]
    assert stats.statuses[0] == stats.runs, f"seeds that do not load: {dict(stats.statuses)}"


def test_structure_aware_mutants_are_rejected_or_safe(checker, tmp_path):
    seeds = F.seed_programs(65536)
    cases = list(M.mutants(seeds, CASES, seed=20261203, kernels=S.fuzz_kernels()))
    stats = S.run(checker, tmp_path, cases, S.Stats())
    assert not stats.crashes, "\n\n".join(f"{c.case} (arena fill {c.fill:#x}, kept at {c.path}):\n{c.report}"
                                          for c in stats.crashes[:3])
    assert stats.cases == CASES and stats.runs == CASES * len(S.FILLS)
    assert set(stats.statuses) <= {0, 2, 8}, stats.statuses      # OK, BAD_PROGRAM, UNSUPPORTED
    # Deep enough: kernels' checks refuse some (status 8), some load and run.
    assert stats.statuses[8] >= CASES // 10 and stats.ran >= CASES // 20, stats


def test_dims_whose_product_wraps_64_bits_are_refused(checker, tmp_path):
    """Found by this campaign: 65536^4 elements wrapped the loader's 64-bit count
    to 0, so a pad node with such a paddings tensor loaded and copied past the arena."""
    seeds = F.seed_programs(65536)
    spec = E.decompose(seeds["op_conv2d"])
    spec["tensors"][spec["nodes"][0]["inputs"][0]]["shape"] = [65536, 65536, 65536, 65536]
    stats = S.run(checker, tmp_path, [("wrapping dims", E.compose(spec))], S.Stats())
    assert not stats.crashes and dict(stats.statuses) == {2: len(S.FILLS)}      # BAD_PROGRAM at load
