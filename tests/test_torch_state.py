"""PyTorch state across runs (issue 14 item 3, the torch half): buffers a
module mutates in forward become resource variables of the session, set to
their exported values on a session's first run. 20 consecutive runs through
one selbuild session match the same module called 20 times in torch eager;
reset gives the first run's outputs again; a buffer that is only read stays a
constant; analyze says which state a model keeps."""

from __future__ import annotations

import copy

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from selbuild import torch_api  # noqa: E402
from selbuild.convert import convert  # noqa: E402
from selbuild.frontends import summarize  # noqa: E402

RUNS = 20


class Streaming(torch.nn.Module):
    """A smoothed state (f32), a sliding window of the last 12 input values
    (a ring buffer by slice + cat), a step counter (int32), and a read-only
    buffer."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("state", torch.randn(1, 8))
        self.register_buffer("window", torch.linspace(-1, 1, 12).reshape(1, 12))
        self.register_buffer("steps", torch.tensor([5], dtype=torch.int32))
        self.register_buffer("decay", torch.full((1, 8), 0.5))
        self.lin = torch.nn.Linear(8, 8)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        new = self.state * self.decay + torch.relu(self.lin(x))
        self.state.copy_(new)
        self.window.copy_(torch.cat([self.window[:, 4:], x[:, :4]], dim=1))
        self.steps.add_(1)
        return torch.tanh(new), self.window.sum(dim=1, keepdim=True), self.steps + 100


def _module() -> torch.nn.Module:
    torch.manual_seed(0)
    return Streaming().eval()


def _frames() -> np.ndarray:
    return np.random.default_rng(1).standard_normal((RUNS, 1, 8)).astype(np.float32)


def _eager(frames: np.ndarray) -> list[list[np.ndarray]]:
    m = _module()
    with torch.no_grad():
        return [[o.numpy().copy() for o in m(torch.from_numpy(f))] for f in frames]


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    path = torch_api.export_module(_module(), (torch.zeros(1, 8),), tmp_path_factory.mktemp("state") / "s.pt2")
    from selbuild.frontends import load_model
    return path, convert(load_model(path))


def _host(build_root, kernels, name: str):
    from selbuild.build import build_target
    from selbuild.config import BuildConfig
    cfg = BuildConfig(path=build_root / f"{name}.yaml", name=name, models=[], targets=["host"],
                      ops={k: ["test"] for k in kernels})
    return build_target(cfg, "host", out_root=build_root).manifest


@pytest.fixture(scope="module")
def host(converted, build_root):
    return _host(build_root, converted[1].kernels, "torch_state")


def _close(ours: dict, ref: list[np.ndarray], step: int) -> None:
    got = list(ours.values())
    assert len(got) == len(ref)
    for a, b in zip(got, ref):
        a = np.asarray(a).reshape(b.shape)
        if b.dtype.kind == "f":
            assert np.abs(a - b).max() <= 1e-4 * max(1.0, float(np.abs(b).max())), (step, a, b)
        else:
            np.testing.assert_array_equal(a, b, err_msg=f"run {step}")


def test_runs_through_one_session_match_repeated_eager_calls(converted, host):
    from selbuild.runtime import Interpreter
    _, res = converted
    assert {"call_once.any", "read_variable.any", "assign_variable.any"} <= set(res.kernels)
    fr = _frames()
    ref = _eager(fr)
    assert not np.allclose(ref[0][0], ref[-1][0]) and ref[-1][2][0] == 100 + 5 + RUNS   # the state moves
    with Interpreter(res.program, host) as it:
        for k in range(RUNS):
            _close(it({"x": fr[k]}), ref[k], k)
        it.reset()
        _close(it({"x": fr[0]}), ref[0], 0)      # exported values again
        _close(it({"x": fr[1]}), ref[1], 1)


def test_frames_through_the_sanitized_runner(converted, tmp_path):
    import harness as H
    from selbuild import verify
    _, res = converted
    fr = _frames()
    ref = _eager(fr)
    ours = verify.run_frames(H.build_runtime(tmp_path, sorted(res.kernels)), res.program, {"x": fr})
    for k in range(RUNS):
        _close({n: v[k] for n, v in ours.items()}, ref[k], k)


def test_analyze_names_the_state_and_keeps_read_only_buffers_constant(converted):
    path, res = converted
    s = summarize(path)
    note = next(n for n in s.notes if n.startswith("keeps state"))
    assert "3 mutated buffer(s)" in note and "state f32[1, 8]" in note and "steps i32[1]" in note
    assert "decay" not in note
    assert s.subgraphs == 2
    from selbuild.convert import read_program
    info = read_program(res.program)
    assert info.metadata.get("model.state") == "state f32[1, 8]; steps i32[1]; window f32[1, 12]"


# ----------------------------------------------------------------- ExecuTorch .pte

def _export_pte(path, initialized: bool):
    pytest.importorskip("executorch.exir")
    import warnings

    from executorch.exir import ExecutorchBackendConfig, to_edge
    from executorch.exir.passes.init_mutable_pass import InitializedMutableBufferPass
    # with the pass, the program carries the buffers' values; without, ExecuTorch
    # leaves them unspecified and selbuild starts from zeros
    passes = [InitializedMutableBufferPass(["state", "window", "steps"])] if initialized else []
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        ep = torch.export.export(_module(), (torch.zeros(1, 8),))
        path.write_bytes(to_edge(ep).to_executorch(ExecutorchBackendConfig(passes=passes)).buffer)
    return path


def _et_steps(path, frames: np.ndarray) -> list[list[np.ndarray]]:
    """One ExecuTorch method, executed once per frame: the reference."""
    from executorch.runtime import Runtime
    method = Runtime.get().load_program(str(path)).load_method("forward")
    return [[o.numpy().copy() for o in method.execute([torch.from_numpy(f)])] for f in frames]


@pytest.mark.parametrize("initialized", [True, False], ids=["initialized", "unspecified"])
def test_pte_mutable_buffers_match_the_executorch_runtime_run_after_run(initialized, tmp_path, build_root):
    from selbuild.frontends import load_model
    from selbuild.runtime import Interpreter
    path = _export_pte(tmp_path / "s.pte", initialized)
    res = convert(load_model(path))
    fr = _frames()
    ref = _et_steps(path, fr)
    if initialized:
        eager = _eager(fr)
        for k in (0, RUNS - 1):
            _close(dict(enumerate(ref[k])), eager[k], k)      # the reference itself keeps state as torch does
    note = next(n for n in summarize(path).notes if "keeps state in 3 mutable buffer(s)" in n)
    assert ("initial values from the program" in note) == initialized
    with Interpreter(res.program, _host(build_root, res.kernels, "torch_state_pte")) as it:
        for k in range(RUNS):
            _close(it({"input0": fr[k]}), ref[k], k)
