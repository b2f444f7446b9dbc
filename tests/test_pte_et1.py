"""ExecuTorch 1.x portable programs exported in the test, converted, run, and checked
against the ExecuTorch runtime itself (executorch.runtime, the `executorch` pip package).

What ExecuTorch 1.x emits by default that older programs did not: dim-order ops
(`dim_order_ops::_clone_dim_order.out` for `.contiguous(memory_format=...)`),
tensors made from scalars (`aten::full.out`), memory-planned inputs/outputs, and
programs with several methods.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("executorch.exir")

from selbuild import toolchain_loader, verify  # noqa: E402
from selbuild.convert.pipeline import convert, prepare  # noqa: E402
from selbuild.frontends import executorch_load, load_model, summarize  # noqa: E402
from torch_fixtures import eval_ir  # noqa: E402

TOLERANCE = 1e-4


class DimOrderNet(torch.nn.Module):
    """conv + bn + relu, a channels-last round trip, a full() constant, mean, linear, softmax."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(8)
        self.fc = torch.nn.Linear(8, 4)

    def forward(self, x):
        y = torch.relu(self.bn(self.conv(x)))
        y = y.contiguous(memory_format=torch.channels_last).contiguous()
        y = y + torch.full((1, 8, 8, 8), 0.5)
        return torch.softmax(self.fc(y.mean((2, 3))), -1)


class Head(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = torch.nn.Linear(16, 5)

    def forward(self, x):
        return torch.tanh(self.fc(x)) * torch.ones(1, 5) * 2.0


def _randomize(m: torch.nn.Module, seed: int) -> torch.nn.Module:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.copy_(torch.randn(mod.num_features, generator=g) * 0.1)
                mod.running_var.copy_(torch.rand(mod.num_features, generator=g) + 0.5)
    return m.eval()


def _export(methods: dict[str, tuple[torch.nn.Module, tuple]], path: Path, planned_io: bool = True) -> Path:
    from executorch.exir import ExecutorchBackendConfig, to_edge
    from executorch.exir.passes import MemoryPlanningPass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        eps = {k: torch.export.export(m, x) for k, (m, x) in methods.items()}
        cfg = ExecutorchBackendConfig(memory_planning_pass=MemoryPlanningPass(
            alloc_graph_input=planned_io, alloc_graph_output=planned_io))
        prog = to_edge(eps).to_executorch(cfg)
    path.write_bytes(prog.buffer)
    return path


def et_run(path: Path, method: str, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """The ExecuTorch runtime's outputs: the reference."""
    from executorch.runtime import Runtime
    prog = Runtime.get().load_program(str(path))
    outs = prog.load_method(method).execute([torch.from_numpy(x) for x in inputs])
    return [o.numpy() for o in outs]


X = np.random.default_rng(3).standard_normal((1, 3, 8, 8)).astype(np.float32)
H = np.random.default_rng(4).standard_normal((2, 16)).astype(np.float32)


@pytest.fixture(scope="module")
def ptes(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("pte_et1")
    torch.manual_seed(0)
    net, head = _randomize(DimOrderNet(), 1), Head().eval()
    return {
        "dim_order": _export({"forward": (net, (torch.from_numpy(X),))}, d / "dim_order.pte"),
        "io_unplanned": _export({"forward": (net, (torch.from_numpy(X),))}, d / "io_unplanned.pte", planned_io=False),
        "two_methods": _export({"forward": (net, (torch.from_numpy(X),)), "head": (head, (torch.from_numpy(H),))},
                               d / "two_methods.pte"),
    }


CASES = [("dim_order", "forward", X), ("io_unplanned", "forward", X),
         ("two_methods", "forward", X), ("two_methods", "head", H)]


def test_programs_use_the_default_1x_ops(ptes) -> None:
    ops = {o.source_op for o in summarize(ptes["dim_order"]).ops}
    notes = " ".join(summarize(ptes["dim_order"]).notes)
    # folded away: the dim-order clones are copies, full() is a constant
    assert "dim_order_ops::_clone_dim_order.out" in notes and "aten::full.out" in notes
    assert not any(o is None for o in ops)


@pytest.mark.parametrize("name,method,x", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_lowered_graph_matches_executorch_runtime(ptes, name, method, x) -> None:
    model = executorch_load.load(ptes[name], method)
    (ours,) = eval_ir(model.main, [x])
    (ref,) = et_run(ptes[name], method, [x])
    assert ours.shape == ref.shape
    err = float(np.abs(ours - ref).max())
    assert err <= TOLERANCE * max(1.0, float(np.abs(ref).max())), err


def test_every_method_is_in_the_summary(ptes) -> None:
    kernels = {o.op for o in summarize(ptes["two_methods"]).ops}
    for method in ("forward", "head"):
        g, _ = prepare(executorch_load.load(ptes["two_methods"], method))
        assert {n.kernel for n in g.nodes} <= kernels, method
    assert "tanh.f32" in kernels and "conv2d.f32" in kernels


def test_unknown_method_is_refused_naming_the_methods(ptes) -> None:
    from selbuild.errors import ModelError
    with pytest.raises(ModelError) as e:
        executorch_load.load(ptes["two_methods"], "decode")
    assert "decode" in e.value.message and "forward" in e.value.hint and "head" in e.value.hint


def test_default_method_is_forward(ptes) -> None:
    model = load_model(ptes["two_methods"])
    assert model.metadata == {"method": "forward"}
    assert [tuple(model.main.tensors[t].shape) for t in model.main.inputs] == [(1, 3, 8, 8)]


def _manifest(ptes, target: str, root: Path) -> Path:
    from selbuild.build import build_target
    from selbuild.config import BuildConfig
    kernels = sorted({o.op for p in ptes.values() for o in summarize(p).ops})
    cfg = BuildConfig(path=root / "pte_et1.yaml", name="pte_et1", models=[], targets=[target],
                      ops={k: [] for k in kernels})
    return build_target(cfg, target, out_root=root).manifest


@pytest.mark.slow
@pytest.mark.parametrize("target", ["host", "android-arm64", "android-armv7"])
def test_runtime_matches_executorch_runtime(ptes, target, tmp_path_factory) -> None:
    if target != "host":
        av = toolchain_loader.availability(target)
        if not av.ok:
            pytest.skip(av.reason)
    root = tmp_path_factory.getbasetemp().parent / "selbuild-builds"
    root.mkdir(exist_ok=True)
    manifest = _manifest(ptes, target, root)
    if target != "host" and toolchain_loader.run_prefix(target, manifest.parent) is None:
        pytest.skip(f"qemu for {target} is not installed")
    for name, method, x in CASES:
        model = executorch_load.load(ptes[name], method)
        out = verify.run_program(manifest, convert(model).program, {model.main.tensors[model.main.inputs[0]].name: x})
        (ours,) = out.values()
        (ref,) = et_run(ptes[name], method, [x])
        err = float(np.abs(ours - ref).max())
        print(f"{target} {name}.{method}: max |selbuild - ExecuTorch| = {err:.3g}")
        assert err <= TOLERANCE * max(1.0, float(np.abs(ref).max())), (name, method, err)
