"""TorchScript lite-interpreter files (.ptl) converted to the IR for the input shapes
the config gives (`input_shapes:`), scripted and traced, against torch's lite
interpreter (torch.jit.mobile), on the IR evaluator and the built runtime."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from selbuild import toolchain_loader, verify  # noqa: E402
from selbuild.convert.pipeline import convert, prepare  # noqa: E402
from selbuild.errors import UnsupportedError  # noqa: E402
from selbuild.frontends import load_model  # noqa: E402
from selbuild.planning import analysis  # noqa: E402
from torch_fixtures import MobileNetLike, _randomize_bn, eval_ir  # noqa: E402

TOLERANCE = 1e-4
SHAPE = [1, 3, 16, 16]


class ShapeBranch(torch.nn.Module):
    """Control flow decided by the input's shape: static once the shape is fixed."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 6, 3, padding=1)
        self.fc = torch.nn.Linear(6, 3)

    def forward(self, image):
        y = torch.relu(self.conv(image))
        if y.shape[-1] > 8:
            y = torch.nn.functional.max_pool2d(y, 2)
        else:
            y = y * 2.0
        return torch.softmax(self.fc(y.mean((2, 3))), -1)


def _lite_ref(path: Path, x: np.ndarray) -> np.ndarray:
    from torch.jit.mobile import _load_for_lite_interpreter
    return _load_for_lite_interpreter(str(path))(torch.from_numpy(x)).detach().numpy()


@pytest.fixture(scope="module")
def ptls(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("ptl")
    torch.manual_seed(0)
    branch = ShapeBranch().eval()
    mnet = MobileNetLike().eval()
    _randomize_bn(mnet)
    x = torch.randn(*SHAPE)
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.jit.script(branch)._save_for_lite_interpreter(str(d / "scripted_branch.ptl"))
        torch.jit.trace(mnet, (x,))._save_for_lite_interpreter(str(d / "traced_mobilenet.ptl"))
        torch.jit.script(mnet)._save_for_lite_interpreter(str(d / "scripted_mobilenet.ptl"))
    for name in ("scripted_branch", "traced_mobilenet", "scripted_mobilenet"):
        out[name] = d / f"{name}.ptl"
    return out


def _input_name(path: Path) -> str:
    return "image" if "branch" in path.name else "x"


X = np.random.default_rng(11).standard_normal(SHAPE).astype(np.float32)


@pytest.mark.parametrize("name", ["scripted_branch", "traced_mobilenet", "scripted_mobilenet"])
def test_ir_matches_lite_interpreter(ptls, name) -> None:
    p = ptls[name]
    model = load_model(p, {_input_name(p): SHAPE})
    assert model.format == "ptl"
    # inputs keep forward()'s argument names: the names input_shapes uses
    assert [model.main.tensors[t].name for t in model.main.inputs] == [_input_name(p)]
    (ours,) = eval_ir(model.main, [X])
    ref = _lite_ref(p, X)
    assert ours.shape == ref.shape
    assert float(np.abs(ours - ref).max()) <= TOLERANCE * max(1.0, float(np.abs(ref).max()))


def test_shape_decides_the_branch(ptls) -> None:
    small = load_model(ptls["scripted_branch"], {"image": [1, 3, 8, 8]})
    big = load_model(ptls["scripted_branch"], {"image": SHAPE})
    assert "max_pool2d" in {n.op for n in big.main.nodes} and "max_pool2d" not in {n.op for n in small.main.nodes}
    x8 = X[:, :, :8, :8].copy()
    (ours,) = eval_ir(small.main, [x8])
    np.testing.assert_allclose(ours, _lite_ref(ptls["scripted_branch"], x8), rtol=1e-4, atol=1e-6)


def test_without_shapes_the_error_says_how_to_give_them(ptls) -> None:
    with pytest.raises(UnsupportedError) as e:
        load_model(ptls["scripted_branch"])
    assert "does not store its input shapes" in e.value.message
    assert "input_shapes:" in e.value.hint and "image" in e.value.hint
    with pytest.raises(UnsupportedError, match="misses image"):
        load_model(ptls["scripted_branch"], {"x": SHAPE})


def test_config_shapes_reach_the_analysis(ptls) -> None:
    a = analysis(ptls["traced_mobilenet"], input_shapes={"x": SHAPE})
    g, _ = prepare(a.model)
    assert a.kernels == sorted({n.kernel for n in g.nodes})
    assert "conv2d.f32" in a.kernels


@pytest.mark.slow
@pytest.mark.parametrize("target", ["host", "android-arm64", "android-armv7"])
def test_runtime_matches_lite_interpreter(ptls, target, tmp_path_factory) -> None:
    from selbuild.build import build_target
    from selbuild.config import BuildConfig
    if target != "host":
        av = toolchain_loader.availability(target)
        if not av.ok:
            pytest.skip(av.reason)
    models = {n: load_model(p, {_input_name(p): SHAPE}) for n, p in ptls.items()}
    kernels = sorted({n.kernel for m in models.values() for n in prepare(m)[0].nodes})
    root = tmp_path_factory.getbasetemp().parent / "selbuild-builds"
    root.mkdir(exist_ok=True)
    cfg = BuildConfig(path=root / "ptl_convert.yaml", name="ptl_convert", models=[], targets=[target],
                      ops={k: [] for k in kernels})
    manifest = build_target(cfg, target, out_root=root).manifest
    if target != "host" and toolchain_loader.run_prefix(target, manifest.parent) is None:
        pytest.skip(f"qemu for {target} is not installed")
    for name, model in models.items():
        inp = model.main.tensors[model.main.inputs[0]].name
        (ours,) = verify.run_program(manifest, convert(model).program, {inp: X}).values()
        ref = _lite_ref(ptls[name], X)
        err = float(np.abs(ours - ref).max())
        print(f"{target} {name}.ptl: max |selbuild - lite interpreter| = {err:.3g}")
        assert err <= TOLERANCE * max(1.0, float(np.abs(ref).max())), (name, err)
