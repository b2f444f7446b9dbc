"""XNNPACK-delegated ExecuTorch programs (exported in the test) read, lowered to
selbuild kernels and run, against the ExecuTorch runtime with its XNNPACK delegate.

The delegate's payload (schemas/xnnpack_graph.fbs) becomes ATen ops inside the
plan's fx graph (frontends/xnnpack.py), so a program that mixes delegate calls
and portable kernels (SmallNet: two XNNPACK subgraphs around a portable mean)
is one selbuild graph.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("executorch.exir")

from selbuild import toolchain_loader, verify  # noqa: E402
from selbuild.convert.pipeline import convert  # noqa: E402
from selbuild.errors import SelbuildError, UnsupportedError  # noqa: E402
from selbuild.frontends import executorch_load, load_model, summarize  # noqa: E402
from test_pte_et1 import et_run  # noqa: E402
from torch_fixtures import eval_ir  # noqa: E402
from xnn_models import ConvLinear, MobileNetV2, SmallNet, export_xnnpack, randomize_bn  # noqa: E402

TOLERANCE = 1e-4
X = np.random.default_rng(5).standard_normal((1, 3, 16, 16)).astype(np.float32)
X224 = np.random.default_rng(6).standard_normal((1, 3, 224, 224)).astype(np.float32)
X6 = np.random.default_rng(8).standard_normal((2, 3, 6, 6)).astype(np.float32)
DYNAMIC_TOLERANCE = 1e-3            # relative, dynamic int8 against the ExecuTorch runtime


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    return export_xnnpack(randomize_bn(SmallNet(), 1), (torch.from_numpy(X),),
                          tmp_path_factory.mktemp("xnn") / "small_xnnpack.pte")


@pytest.fixture(scope="module")
def mobilenet(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    return export_xnnpack(randomize_bn(MobileNetV2(), 2), (torch.from_numpy(X224),),
                          tmp_path_factory.mktemp("xnn") / "mobilenetv2_xnnpack.pte")


def _close(ours: np.ndarray, ref: np.ndarray) -> float:
    assert ours.shape == ref.shape
    err = float(np.abs(ours.astype(np.float64) - ref).max())
    assert err <= TOLERANCE * max(1.0, float(np.abs(ref).max())), err
    return err


def test_summary_has_kernels_not_a_delegate(small) -> None:
    s = summarize(small)
    assert s.delegates == []
    srcs = {o.source_op for o in s.ops}
    assert {"xnnpack::Conv2d", "xnnpack::DepthwiseConv2d", "xnnpack::MaxPool2d", "xnnpack::AvgPool2d",
            "xnnpack::Hardswish", "xnnpack::FullyConnected", "xnnpack::Softmax"} <= srcs
    assert "aten::mean.out" in srcs                   # the portable part between the two subgraphs
    assert all(o.op for o in s.ops)
    assert any("2 subgraphs of plan 'forward' are lowered to selbuild kernels" in n for n in s.notes)


def test_lowered_graph_matches_executorch_xnnpack(small) -> None:
    model = load_model(small)
    ops = {n.op for n in model.main.nodes}
    assert {"conv2d", "depthwise_conv2d"} <= ops and "relu6" not in ops     # output ranges fused
    (ours,) = eval_ir(model.main, [X])
    (ref,) = et_run(small, "forward", [X])
    _close(ours, ref)
    (fx_ref,) = executorch_load.reference(small, [X])       # the rebuilt ATen graph agrees too
    _close(fx_ref, ref)


def test_conv_layout_costs_no_transposes(small) -> None:
    """XNNPACK works in NHWC like the IR: only the boundary transpose to NHWC remains."""
    nodes = load_model(small).main.nodes
    assert sum(n.op == "transpose" for n in nodes) <= 2


def _conv_linear(tmp_path_factory, mode: str) -> Path:
    torch.manual_seed(0)
    return export_xnnpack(ConvLinear().eval(), (torch.from_numpy(X6),),
                          tmp_path_factory.mktemp("xnn") / f"conv_linear_{mode}.pte", mode)


@pytest.fixture(scope="module")
def static(tmp_path_factory) -> Path:
    """ConvLinear with XNNPACKQuantizer's static per-channel config: qint8 activations, qcint8 weights."""
    return _conv_linear(tmp_path_factory, "static")


def _output_step(model) -> float:
    """The scale of the int8 value the program's output is dequantized from: one quantization step."""
    g = model.main
    (deq,) = [n for n in g.nodes if n.op == "dequantize" and n.outputs[0] in g.outputs]
    return float(g.tensors[deq.inputs[0]].quant.scale[0])


def test_static_int8_lowers_onto_int8_kernels(static) -> None:
    s = summarize(static)
    assert s.delegates == [] and all(o.op for o in s.ops)
    model = load_model(static)
    kernels = {n.kernel for n in model.main.nodes}
    assert {"quantize.i8", "conv2d.i8", "fully_connected.i8", "dequantize.i8"} <= kernels
    assert not any(k.endswith(".f32") for k in kernels - {"transpose.f32"})   # only the boundary transpose
    # the rebuilt fx graph (the QOps' float meaning) agrees with the ExecuTorch runtime too
    (fx_ref,) = executorch_load.reference(static, [X6])
    (ref,) = et_run(static, "forward", [X6])
    assert float(np.abs(fx_ref - ref).max()) <= _output_step(model) * 1.0001


@pytest.fixture(scope="module")
def dynamic(tmp_path_factory) -> Path:
    """ConvLinear with XNNPACKQuantizer's dynamic config: qdint8 rows, per-channel int8 weights."""
    return _conv_linear(tmp_path_factory, "dynamic")


def test_dynamic_int8_lowers_onto_hybrid_kernels(dynamic) -> None:
    s = summarize(dynamic)
    assert s.delegates == [] and all(o.op for o in s.ops)
    fc = [n for n in load_model(dynamic).main.nodes if n.op == "fully_connected"]
    assert [n.kernel for n in fc] == ["fully_connected.f32i8"] * 2
    g = load_model(dynamic).main
    w = g.tensors[fc[0].inputs[1]]
    assert w.dtype == "i8" and w.quant is not None and w.quant.scale.size == 24     # per output channel


@pytest.mark.slow
@pytest.mark.parametrize("target", ["host"])
@pytest.mark.parametrize("mode", ["static", "dynamic"])
def test_int8_runtime_matches_executorch_xnnpack(mode, target, request, tmp_path_factory) -> None:
    """static: within one output quantization step; dynamic: within 1e-3 relative. (The int8 path
    adds no C code: add "android-arm64", "android-armv7" to run it under qemu; both passed when
    it was written, the same errors as the host.)"""
    pte = request.getfixturevalue(mode)
    _skip_unavailable(target)
    manifest = _manifest(pte, target, _root(tmp_path_factory), f"pte_xnnpack_{mode}")
    _skip_unavailable(target, manifest)
    model = load_model(pte)
    (ours,) = verify.run_program(manifest, convert(model).program,
                                 {model.main.tensors[model.main.inputs[0]].name: X6}).values()
    (ref,) = et_run(pte, "forward", [X6])
    assert ours.shape == ref.shape
    err = float(np.abs(ours.astype(np.float64) - ref).max())
    bound = _output_step(model) * 1.0001 if mode == "static" else DYNAMIC_TOLERANCE * float(np.abs(ref).max())
    print(f"{target} ConvLinear {mode} int8 XNNPACK: max |selbuild - ExecuTorch| = {err:.3g} (bound {bound:.3g})")
    assert err <= bound, (err, bound)


@pytest.mark.parametrize("which,flips", [("small", 120), ("static", 8), ("dynamic", 8)])
def test_damaged_payloads_raise_only_selbuild_errors(which, flips, request, tmp_path) -> None:
    from selbuild.frontends.executorch import read_program
    data = request.getfixturevalue(which).read_bytes()
    prog = read_program(data)
    lo, size = prog.segments[prog.plans[0].delegate_data[0][1]]
    rng = random.Random(5)
    p = tmp_path / "flipped.pte"
    for i in range(flips):
        buf = bytearray(data)
        for _ in range(rng.choice((1, 2, 4))):
            buf[lo + rng.randrange(min(size, 3000))] = rng.randrange(256)
        p.write_bytes(bytes(buf))
        for fn in (summarize, load_model):
            try:
                fn(p)
            except SelbuildError:
                pass
            except Exception as e:  # pragma: no cover - the test's purpose
                pytest.fail(f"flip set {i}: {fn.__name__} escaped with {type(e).__name__}: {e}")


def _manifest(pte: Path, target: str, root: Path, name: str) -> Path:
    from selbuild.build import build_target
    from selbuild.config import BuildConfig
    kernels = sorted({o.op for o in summarize(pte).ops})
    cfg = BuildConfig(path=root / f"{name}.yaml", name=name, models=[], targets=[target],
                      ops={k: [] for k in kernels})
    return build_target(cfg, target, out_root=root).manifest


def _root(tmp_path_factory) -> Path:
    root = tmp_path_factory.getbasetemp().parent / "selbuild-builds"
    root.mkdir(exist_ok=True)
    return root


def _skip_unavailable(target: str, manifest: Path | None = None) -> None:
    if target == "host":
        return
    av = toolchain_loader.availability(target)
    if not av.ok:
        pytest.skip(av.reason)
    if manifest is not None and toolchain_loader.run_prefix(target, manifest.parent) is None:
        pytest.skip(f"qemu for {target} is not installed")


@pytest.mark.slow
@pytest.mark.parametrize("target", ["host", "android-arm64", "android-armv7"])
def test_runtime_matches_executorch_xnnpack(small, target, tmp_path_factory) -> None:
    _skip_unavailable(target)
    manifest = _manifest(small, target, _root(tmp_path_factory), "pte_xnnpack_small")
    _skip_unavailable(target, manifest)
    model = load_model(small)
    (ours,) = verify.run_program(manifest, convert(model).program,
                                 {model.main.tensors[model.main.inputs[0]].name: X}).values()
    (ref,) = et_run(small, "forward", [X])
    print(f"{target} SmallNet XNNPACK: max |selbuild - ExecuTorch| = {_close(ours, ref):.3g}")


@pytest.mark.slow
def test_mobilenetv2_matches_executorch_xnnpack(mobilenet) -> None:
    s = summarize(mobilenet)
    assert s.delegates == [] and all(o.op for o in s.ops)
    model = load_model(mobilenet)
    (ours,) = eval_ir(model.main, [X224])
    (ref,) = et_run(mobilenet, "forward", [X224])
    print(f"MobileNetV2 XNNPACK (IR evaluator): max |selbuild - ExecuTorch| = {_close(ours, ref):.3g}")


# The figure ExecuTorch publishes for its own selective build of MobileNetV2 with dtype selection.
EXECUTORCH_SELECTIVE_MV2 = 467 * 1024


@pytest.mark.slow
@pytest.mark.parametrize("target", ["android-arm64", "android-armv7"])
def test_mobilenetv2_runtime_size_and_outputs(mobilenet, target, tmp_path_factory) -> None:
    _skip_unavailable(target)
    manifest = _manifest(mobilenet, target, _root(tmp_path_factory), "pte_xnnpack_mv2")
    size = (manifest.parent / "libselrt.so").stat().st_size
    print(f"{target} runtime for XNNPACK-delegated MobileNetV2 .pte: {size:,} B stripped "
          f"(ExecuTorch selective build: {EXECUTORCH_SELECTIVE_MV2:,} B)")
    # the kernels of the node kinds the graph uses, nothing else
    assert size < 32_000
    _skip_unavailable(target, manifest)
    model = load_model(mobilenet)
    (ours,) = verify.run_program(manifest, convert(model).program,
                                 {model.main.tensors[model.main.inputs[0]].name: X224}).values()
    (ref,) = et_run(mobilenet, "forward", [X224])
    print(f"{target} MobileNetV2 XNNPACK: max |selbuild - ExecuTorch| = {_close(ours, ref):.3g}")


def test_committed_tiny_cnn_xnnpack_matches_its_portable_twin() -> None:
    """tests/models/pte: the same tiny CNN exported portable and for XNNPACK (an older exporter)."""
    d = Path(__file__).parent / "models" / "pte"
    x = np.random.default_rng(7).standard_normal((1, 3, 32, 32)).astype(np.float32)
    (ours,) = eval_ir(load_model(d / "tiny_cnn_xnnpack.pte").main, [x])
    _close(ours, et_run(d / "tiny_cnn_xnnpack.pte", "forward", [x])[0])
    _close(ours, executorch_load.reference(d / "tiny_cnn_portable.pte", [x])[0])
