"""Issue 16 torch.export gaps, on the built runtime against torch eager (and a
portable ExecuTorch program against the ExecuTorch runtime): cumsum (f32;
integer inputs accumulating in int64 or in the `dtype=` asked for), casts
(bool/int -> float, float -> int truncating, int64 <-> int32 wrapping) from
`.to(dtype)` / `.float()` / ExecuTorch's `_to_dim_order_copy`; avg_pool2d
with ceil_mode and count_include_pad both ways (torch's divisor for the
partial last window), max_pool2d with ceil_mode.

Every module is exported and converted once (module-scope fixture) and all run
on one host runtime built with the union of their kernels. Integer results
must be identical, float ones within 1e-4 relative."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import harness as H  # noqa: E402
from selbuild import torch_api, verify  # noqa: E402
from selbuild.convert.pipeline import convert  # noqa: E402

TOLERANCE = 1e-4
_R = np.random.default_rng(16)


class Fn(torch.nn.Module):
    def __init__(self, f: Callable) -> None:
        super().__init__()
        self.f = f

    def forward(self, *xs):
        return self.f(*xs)


def _f32(*shape, scale=1.0):
    return (_R.standard_normal(shape) * scale).astype(np.float32)


def _int(dtype, *shape, lo=-50, hi=50):
    return _R.integers(lo, hi, shape).astype(dtype)


BIG64 = np.array([[2**40 + 7, -(2**35) - 3, 2**31, -(2**31) - 1, 5, 2**63 - 1]], np.int64)
F = torch.nn.functional

CASES: dict[str, tuple[Callable, list[np.ndarray]]] = {
    "cumsum_f32_dim1": (lambda x: torch.cumsum(x, dim=1), [_f32(2, 5, 3)]),
    "cumsum_f32_neg_dim": (lambda x: torch.cumsum(x * 2.0, dim=-1), [_f32(3, 7)]),
    # after a conv the value is NHWC inside the program: the axis must follow the channel dim
    "cumsum_after_conv": (lambda x: torch.cumsum(F.conv2d(x, torch.ones(4, 2, 1, 1) * 0.5), dim=1),
                          [_f32(1, 2, 3, 5)]),
    "cumsum_i64": (lambda x: torch.cumsum(x, dim=0), [np.concatenate([BIG64, BIG64 // 3])]),
    "cumsum_i32_default_i64": (lambda x: torch.cumsum(x, dim=1), [_int(np.int32, 2, 6, lo=2**30, hi=2**31 - 1)]),
    "cumsum_i32_dtype_i32": (lambda x: torch.cumsum(x, dim=1, dtype=torch.int32),
                             [_int(np.int32, 2, 6, lo=2**30, hi=2**31 - 1)]),       # wraps, as torch's
    "cumsum_i32_dtype_f32": (lambda x: torch.cumsum(x, dim=-1, dtype=torch.float32), [_int(np.int32, 3, 4)]),
    "bool_to_f32": (lambda x: (x > 0).float() * 3.0 + x, [_f32(2, 3, 4)]),
    "i32_to_f32": (lambda x: x.to(torch.float32) * 0.5, [_int(np.int32, 4, 5, lo=-2**24, hi=2**24)]),
    "i64_to_f32": (lambda x: x.to(torch.float32), [_int(np.int64, 4, 5, lo=-2**24, hi=2**24)]),
    "f32_to_i32_truncates": (lambda x: x.to(torch.int32), [_f32(3, 8, scale=100.0)]),
    "f32_to_i64_truncates": (lambda x: (x * 3.0).long(), [_f32(3, 8, scale=100.0)]),
    "i64_to_i32_wraps": (lambda x: x.to(torch.int32), [BIG64]),
    "i32_to_i64": (lambda x: torch.cumsum(x.to(torch.int64), 0), [_int(np.int32, 3, 5, lo=-2**31, hi=2**31 - 1)]),
    "i64_to_bool_to_f32": (lambda x: x.bool().float(), [np.array([[0, 1, -1, 2**40, 0]], np.int64)]),
    # average pooling: torch's divisor for ceil_mode's partial last window and for padding left out
    "avg_ceil_include_pad": (lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=True),
                             [_f32(1, 3, 8, 8)]),
    "avg_ceil_exclude_pad": (lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
                             [_f32(1, 3, 8, 8)]),
    "avg_ceil_no_pad": (lambda x: F.avg_pool2d(x, 2, 2, 0, ceil_mode=True), [_f32(1, 2, 7, 7)]),
    # the last window would start in the right padding: torch drops it
    "avg_ceil_drops_pad_window": (lambda x: F.avg_pool2d(x, 2, 2, 1, ceil_mode=True, count_include_pad=False),
                                  [_f32(1, 2, 5, 5)]),
    "avg_ceil_asymmetric": (lambda x: F.avg_pool2d(x, (3, 2), (2, 1), (1, 0), ceil_mode=True),
                            [_f32(2, 2, 6, 5)]),
    "avg_exclude_pad_no_ceil": (lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False), [_f32(1, 2, 7, 6)]),
    "max_ceil": (lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), [_f32(1, 3, 8, 8)]),
}


def _ref(f: Callable, xs: list[np.ndarray]) -> np.ndarray:
    with torch.no_grad():
        return Fn(f)(*[torch.from_numpy(x) for x in xs]).numpy()


@pytest.fixture(scope="module")
def programs() -> dict[str, tuple[bytes, dict[str, np.ndarray], np.ndarray, list[str]]]:
    out = {}
    for name, (f, xs) in CASES.items():
        model = torch_api.to_ir(Fn(f).eval(), tuple(torch.from_numpy(x) for x in xs), name)
        res = convert(model)
        names = [model.main.tensors[t].name for t in model.main.inputs]
        kernels = sorted({n.kernel for n in model.main.nodes})
        out[name] = (res.program, dict(zip(names, xs)), _ref(f, xs), kernels)
    return out


@pytest.fixture(scope="module")
def pte(tmp_path_factory) -> Path:
    """A portable ExecuTorch program whose casts are dim_order_ops::_to_dim_order_copy."""
    pytest.importorskip("executorch.exir")
    from executorch.exir import to_edge
    m = Fn(lambda x, i: torch.cumsum((x > 0).float() + i.to(torch.float32), dim=1) + x.to(torch.int32).float())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ep = torch.export.export(m.eval(), (torch.from_numpy(PTE_X), torch.from_numpy(PTE_I)))
        prog = to_edge(ep).to_executorch()
    path = tmp_path_factory.mktemp("gaps") / "casts.pte"
    path.write_bytes(prog.buffer)
    return path


PTE_X, PTE_I = _f32(2, 6, scale=4.0), _int(np.int64, 2, 6)


@pytest.fixture(scope="module")
def rt(programs, pte, tmp_path_factory) -> Path:
    from selbuild.frontends import load_model
    kernels = {k for p in programs.values() for k in p[3]}
    kernels |= {n.kernel for n in load_model(pte).main.nodes}
    return H.build_runtime(tmp_path_factory.mktemp("gaps_rt"), sorted(kernels))


def _compare(ours: np.ndarray, ref: np.ndarray, what: str) -> None:
    assert ours.dtype == ref.dtype and ours.shape == ref.shape, (what, ours.dtype, ref.dtype, ours.shape, ref.shape)
    if ref.dtype.kind in "iub":
        np.testing.assert_array_equal(ours, ref, err_msg=what)
    else:
        err = float(np.abs(ours.astype(np.float64) - ref).max())
        assert err <= TOLERANCE * max(1.0, float(np.abs(ref).max())), (what, err)


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch_eager(programs, rt, name) -> None:
    program, inputs, ref, _ = programs[name]
    (ours,) = verify.run_program(rt, program, inputs).values()
    _compare(ours, ref, name)


def test_lowerings_use_the_expected_kernels(programs) -> None:
    assert "cast.bool" in programs["bool_to_f32"][3] and "cast.f32" in programs["f32_to_i32_truncates"][3]
    assert programs["cumsum_i32_default_i64"][3] == ["cast.i32", "cumsum.i64"]
    assert programs["cumsum_i32_dtype_i32"][3] == ["cumsum.i32"]
    # a partial ceil_mode window: zero pad, a VALID average and one multiply by kh*kw/divisor
    assert {"pad.f32", "average_pool2d.f32", "mul.f32"} <= set(programs["avg_ceil_include_pad"][3])


def test_pte_dim_order_casts_match_executorch_runtime(pte, rt) -> None:
    from executorch.runtime import Runtime
    from selbuild.frontends import load_model, summarize
    assert any(o.source_op.startswith("dim_order_ops::_to_dim_order_copy") and o.op == "cast.bool"
               for o in summarize(pte).ops)
    model = load_model(pte)
    names = [model.main.tensors[t].name for t in model.main.inputs]
    (ours,) = verify.run_program(rt, convert(model).program, dict(zip(names, [PTE_X, PTE_I]))).values()
    method = Runtime.get().load_program(str(pte)).load_method("forward")
    (ref,) = [o.numpy() for o in method.execute([torch.from_numpy(PTE_X), torch.from_numpy(PTE_I)])]
    _compare(ours, ref, "casts.pte")
