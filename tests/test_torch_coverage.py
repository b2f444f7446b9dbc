"""torch.export coverage (issue 16 item 5): attention with its mask ops, ceil_mode and
adaptive pooling, group norm, index ops, converted and run on the built runtime
(host, qemu android-arm64/armv7) against torch eager."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from selbuild import toolchain_loader, torch_api, verify  # noqa: E402
from selbuild.convert.pipeline import convert, prepare  # noqa: E402

TOLERANCE = 1e-4


class Fn(torch.nn.Module):
    def __init__(self, fn, *mods) -> None:
        super().__init__()
        self.fn, self.mods = fn, torch.nn.ModuleList(mods)

    def forward(self, x):
        return self.fn(self, x)


def _gn() -> torch.nn.GroupNorm:
    m = torch.nn.GroupNorm(2, 4)
    with torch.no_grad():
        m.weight.copy_(torch.tensor([0.5, 1.5, -1.0, 2.0]))
        m.bias.copy_(torch.tensor([0.1, -0.2, 0.3, 0.0]))
    return m


MASK = torch.ones(4, 4, dtype=torch.bool).tril()
CASES = {
    # the decomposition of an attention mask: any, logical_not, full_like, where
    "sdpa_bool_mask": (lambda s, x: F.scaled_dot_product_attention(x, x * 0.5, x, attn_mask=MASK), (1, 2, 4, 8)),
    "sdpa_causal": (lambda s, x: F.scaled_dot_product_attention(x, x, x, is_causal=True), (1, 2, 4, 8)),
    "max_pool_ceil_mode": (lambda s, x: F.max_pool2d(x, 3, 2, ceil_mode=True), (1, 3, 8, 8)),
    "max_pool_ceil_mode_padded": (lambda s, x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), (1, 3, 10, 10)),
    "adaptive_avg_2x2": (lambda s, x: F.adaptive_avg_pool2d(x, (2, 2)), (1, 3, 8, 8)),
    "adaptive_max_4x2": (lambda s, x: F.adaptive_max_pool2d(x, (4, 2)), (1, 3, 8, 8)),
    "group_norm": (lambda s, x: s.mods[0](x), (1, 4, 5, 5), _gn()),
    "index_select": (lambda s, x: torch.index_select(x, 1, torch.tensor([2, 0, 4])), (2, 5)),
    "index_tensor": (lambda s, x: x[:, torch.tensor([3, 1])] * 2.0, (2, 5)),
    "any_mask": (lambda s, x: torch.where((x > 0).any(-1, keepdim=True), x, -x), (2, 5)),
}


def test_bool_to_float_is_a_cast_not_a_copy() -> None:
    """A bool made float moves values: it is cast.bool (run against torch in test_torch_gaps.py)."""
    m = Fn(lambda s, x: (x > 0).float() * x).eval()
    model = torch_api.to_ir(m, (torch.randn(2, 5),), "bool_to_float")
    (cast,) = [n for n in model.main.nodes if n.op == "cast"]
    assert cast.kernel == "cast.bool" and model.main.tensors[cast.outputs[0]].dtype == "f32"


@pytest.fixture(scope="module")
def programs() -> dict[str, dict]:
    out = {}
    for name, (fn, shape, *mods) in CASES.items():
        torch.manual_seed(1)
        m = Fn(fn, *mods).eval()
        x = torch.randn(*shape)
        model = torch_api.to_ir(m, (x,), name)
        g, _ = prepare(model)
        with torch.no_grad():
            ref = m(x).numpy()
        out[name] = {"x": x.numpy(), "ref": ref, "program": convert(model).program,
                     "kernels": {k.kernel for k in g.nodes}, "input": model.main.tensors[model.main.inputs[0]].name}
    return out


def test_every_case_converts(programs) -> None:
    assert set(programs) == set(CASES)
    assert "reduce_any.bool" in programs["any_mask"]["kernels"]
    assert "gather.f32" in programs["index_select"]["kernels"]
    assert "max_pool2d.f32" in programs["max_pool_ceil_mode"]["kernels"]


def _manifest(programs: dict, target: str, root: Path) -> Path:
    from selbuild.build import build_target
    from selbuild.config import BuildConfig
    kernels = sorted({k for e in programs.values() for k in e["kernels"]})
    cfg = BuildConfig(path=root / "torch_coverage.yaml", name="torch_coverage", models=[], targets=[target],
                      ops={k: [] for k in kernels})
    return build_target(cfg, target, out_root=root).manifest


@pytest.mark.slow
@pytest.mark.parametrize("target", ["host", "android-arm64", "android-armv7"])
def test_runtime_matches_torch(programs, target, tmp_path_factory) -> None:
    if target != "host":
        av = toolchain_loader.availability(target)
        if not av.ok:
            pytest.skip(av.reason)
    root = tmp_path_factory.getbasetemp().parent / "selbuild-builds"
    root.mkdir(exist_ok=True)
    manifest = _manifest(programs, target, root)
    if target != "host" and toolchain_loader.run_prefix(target, manifest.parent) is None:
        pytest.skip(f"qemu for {target} is not installed")
    bad = []
    for name, e in programs.items():
        (ours,) = verify.run_program(manifest, e["program"], {e["input"]: e["x"]}).values()
        err = float(np.abs(ours.astype(np.float64) - e["ref"]).max())
        print(f"{target} {name}: max |selbuild - torch| = {err:.3g}")
        if ours.shape != e["ref"].shape or err > TOLERANCE * max(1.0, float(np.abs(e["ref"]).max())):
            bad.append((name, err))
    assert not bad, bad
