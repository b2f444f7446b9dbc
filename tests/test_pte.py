"""ExecuTorch .pte analysis against what ExecuTorch's own tooling reports."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from selbuild.errors import ModelError, SelbuildError, UnsupportedError
from selbuild.frontends import aten_ops, executorch, pte, summarize

PTE_DIR = Path(__file__).parent / "models" / "pte"
EXPECTED = json.loads((PTE_DIR / "expected.json").read_text())
FILES = sorted(EXPECTED)


@pytest.mark.parametrize("name", FILES)
def test_operators_and_delegates_match_executorch(name: str) -> None:
    prog = executorch.read_program((PTE_DIR / name).read_bytes())
    expected_plans = EXPECTED[name]["plans"]
    assert [p.name for p in prog.plans] == [p["method"] for p in expected_plans]
    for plan, exp in zip(prog.plans, expected_plans):
        assert [aten_ops.spell(n, o) for n, o in plan.operators] == exp["operators"]
        assert sorted(set(plan.delegates)) == sorted(exp["delegates"])


@pytest.mark.parametrize("name", FILES)
def test_summary_contract(name: str) -> None:
    s = summarize(PTE_DIR / name)
    exp_plans = EXPECTED[name]["plans"]
    assert s.format == "pte"
    assert s.subgraphs == len(exp_plans)
    folded = " ".join(n for n in s.notes if n.startswith("folded"))
    expected_ops = {op for p in exp_plans for op in p["operators"]}
    # every reported source op is one the file has; the ones without a row were folded
    # (XNNPACK node kinds, spelled xnnpack::<kind>, come from a lowered delegate's graph)
    assert {o.source_op for o in s.ops if not o.source_op.startswith("xnnpack::")} <= expected_ops
    assert all(op in folded for op in expected_ops - {o.source_op for o in s.ops})
    # an XNNPACK delegate selbuild lowers to its kernels is no delegate the runtime needs;
    # it is noted instead (the int8 graph is not lowered yet and stays a delegate)
    lowered = {"XnnpackBackend"} if any("lowered to selbuild kernels" in n for n in s.notes) else set()
    assert {d.name for d in s.delegates} == {d for p in exp_plans for d in p["delegates"]} - lowered
    for d in s.delegates:
        assert "plan 'forward'" in d.reason and d.name in d.reason
    if lowered:
        assert s.ops and all(o.source_op.startswith("xnnpack::") for o in s.ops)
    for o in s.ops:
        assert o.version is None and o.count >= 1
    # the tiny CNN takes one NCHW float image and returns 10 class scores
    assert [(t.shape, t.dtype) for t in s.inputs] == [([1, 3, 32, 32], "f32")]
    assert [(t.shape, t.dtype) for t in s.outputs] == [([1, 10], "f32")]
    json.dumps(s.to_json())


def test_portable_canonical_ops_without_torch(monkeypatch) -> None:
    # the analysis must not need torch: the static ATen map then gives one row per operator
    monkeypatch.setattr(pte, "_converted_rows", lambda data, prog: None)
    s = summarize(PTE_DIR / "tiny_cnn_portable.pte")
    assert {o.source_op for o in s.ops} == set(EXPECTED["tiny_cnn_portable.pte"]["plans"][0]["operators"])
    by_src: dict[str, set] = {}
    for o in s.ops:
        by_src.setdefault(o.source_op, set()).add(o.op)
    assert by_src["aten::convolution.out"] == {"conv2d.f32"}
    assert by_src["aten::addmm.out"] == {"fully_connected.f32"}
    assert by_src["aten::_softmax.out"] == {"softmax.f32"}
    assert by_src["aten::relu.out"] == {"relu.f32"}
    # clamp(x, 0, None) and clamp(x, None, 6) as the hardswish decomposition spells them
    assert by_src["aten::clamp.out"] == {"relu.f32", "minimum.f32"}
    # no kernel: reported as null and in the notes
    assert by_src["dim_order_ops::_to_dim_order_copy.out"] == {None}
    assert any("dim_order_ops::_to_dim_order_copy.out" in n for n in s.notes)
    conv = next(o for o in s.ops if o.source_op == "aten::convolution.out")
    assert conv.count == 2


def test_delegate_reason_counts_subgraphs() -> None:
    # the int8 XNNPACK graph is not lowered: it stays a delegate the runtime would need
    s = summarize(PTE_DIR / "tiny_cnn_xnnpack_int8.pte")
    assert [d.name for d in s.delegates] == ["XnnpackBackend"]
    assert s.delegates[0].reason == "1 subgraph of plan 'forward' is delegated to XnnpackBackend"
    assert s.ops == []
    # the float one is lowered; the note counts its subgraphs the same way
    s = summarize(PTE_DIR / "tiny_cnn_xnnpack.pte")
    assert s.delegates == []
    assert any(n.startswith("1 subgraph of plan 'forward' is lowered to selbuild kernels") for n in s.notes)


def test_quantized_delegated_programs_are_not_converted() -> None:
    pytest.importorskip("torch")
    with pytest.raises(UnsupportedError, match="XNNPACK"):
        pte.load(PTE_DIR / "tiny_cnn_xnnpack_int8.pte")


def test_empty_and_foreign_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pte"
    empty.write_bytes(b"")
    with pytest.raises(ModelError, match="too short"):
        summarize(empty)
    tfl = tmp_path / "other.pte"
    tfl.write_bytes((PTE_DIR.parent / "tflite" / "sine_float.tflite").read_bytes())
    with pytest.raises(ModelError, match="not an ExecuTorch program"):
        summarize(tfl)
    other = bytearray((PTE_DIR / "tiny_cnn_portable.pte").read_bytes())
    other[4:8] = b"ET09"
    old = tmp_path / "old.pte"
    old.write_bytes(bytes(other))
    with pytest.raises(ModelError, match="ET09"):
        summarize(old)


@pytest.mark.parametrize("name", FILES)
def test_truncations_raise_model_error(name: str) -> None:
    data = (PTE_DIR / name).read_bytes()
    cuts = sorted({0, 1, 7, 8, 20, 39, 40, 64, 200, len(data) // 2, len(data) - 1}
                  | set(range(0, len(data), max(1, len(data) // 97))))
    for n in cuts:
        if n >= len(data):
            continue
        with pytest.raises(ModelError):
            executorch.read_program(data[:n])


@pytest.mark.parametrize("name", FILES)
def test_byte_flips_raise_only_selbuild_errors(name: str) -> None:
    data = (PTE_DIR / name).read_bytes()
    # The flatbuffer part (where flips change structure) is the interesting part.
    header = executorch.read_header(data)
    rng = random.Random(1234)
    failures = 0
    for _ in range(400):
        buf = bytearray(data)
        for _ in range(rng.choice((1, 2, 4))):
            pos = rng.randrange(0, header.program_size)
            buf[pos] = rng.randrange(256)
        try:
            executorch.read_program(bytes(buf))
        except SelbuildError:
            failures += 1
        except Exception as e:  # pragma: no cover - the test's purpose
            pytest.fail(f"byte flip escaped as {type(e).__name__}: {e}")
    assert failures > 0          # some flips must have been detected
