"""Control flow (issue 14): WHILE and IF models from the test model builder,
converted into programs with several subgraphs and run on a host runtime,
against LiteRT; the loader's checks on calls and the iteration budget."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tflite_builder import Op, Subgraph, T, build_model

from selbuild import verify
from selbuild.convert import convert, read_program
from selbuild.frontends import tflite

CONTROL_KERNELS = ["while.any", "if.any", "less.i32", "add.i32", "add.f32", "mul.f32", "logistic.f32",
                   "fully_connected.f32", "greater.f32", "sub.f32"]


@pytest.fixture(scope="module")
def runtime(build_root) -> Path:
    from selbuild.build import build_target
    from selbuild.config import BuildConfig
    cfg = BuildConfig(path=build_root / "control_flow.yaml", name="control_flow", models=[], targets=["host"],
                      ops={k: ["test"] for k in CONTROL_KERNELS})
    return build_target(cfg, "host", out_root=build_root).manifest


def counter_loop(n: int = 5, width: int = 4) -> bytes:
    """i from 0 while i < n: i += 1, h = logistic(h * w + 0.5); outputs i and h."""
    main = Subgraph([T("i0", [], "i32"), T("h0", [1, width]), T("i", [], "i32"), T("h", [1, width])],
                    [Op("WHILE", ["i0", "h0"], ["i", "h"],
                        options=dict(cond_subgraph_index=1, body_subgraph_index=2))], name="main")
    cond = Subgraph([T("ci", [], "i32"), T("ch", [1, width]), T("n", [], "i32", data=np.array(n, np.int32)),
                     T("c", [], "bool")],
                    [Op("LESS", ["ci", "n"], ["c"], options_table="LessOptions")],
                    inputs=["ci", "ch"], outputs=["c"], name="cond")
    w = np.linspace(-1.5, 1.5, width, dtype=np.float32).reshape(1, width)
    body = Subgraph([T("bi", [], "i32"), T("bh", [1, width]), T("one", [], "i32", data=np.array(1, np.int32)),
                     T("w", [1, width], data=w), T("half", [1], data=np.array([0.5], np.float32)),
                     T("bo", [], "i32"), T("m", [1, width]), T("a", [1, width]), T("ho", [1, width])],
                    [Op("ADD", ["bi", "one"], ["bo"]), Op("MUL", ["bh", "w"], ["m"]),
                     Op("ADD", ["m", "half"], ["a"]), Op("LOGISTIC", ["a"], ["ho"])],
                    inputs=["bi", "bh"], outputs=["bo", "ho"], name="body")
    return build_model(subgraphs=[main, cond, body])


def _less(name_i: str, name_n: str, n: int, prefix: str, carried: list[T]) -> Subgraph:
    """cond subgraph: carried[0] < n (the other carried values pass unused)."""
    return Subgraph(carried + [T(name_n, [], "i32", data=np.array(n, np.int32)), T(f"{prefix}c", [], "bool")],
                    [Op("LESS", [name_i, name_n], [f"{prefix}c"], options_table="LessOptions")],
                    inputs=[t.name for t in carried], outputs=[f"{prefix}c"], name=f"{prefix}cond")


def nested_loops(outer: int, inner: int) -> bytes:
    """for i < outer: for j < inner: acc += 1.5 (a WHILE inside a WHILE body); outputs i, acc."""
    one = np.array(1, np.int32)
    main = Subgraph([T("i0", [], "i32"), T("acc0", [1]), T("i", [], "i32"), T("acc", [1])],
                    [Op("WHILE", ["i0", "acc0"], ["i", "acc"],
                        options=dict(cond_subgraph_index=1, body_subgraph_index=2))], name="main")
    ocond = _less("oi", "on", outer, "o", [T("oi", [], "i32"), T("oacc", [1])])
    obody = Subgraph([T("bi", [], "i32"), T("bacc", [1]), T("one", [], "i32", data=one),
                      T("zero", [], "i32", data=np.array(0, np.int32)), T("bo", [], "i32"),
                      T("jend", [], "i32"), T("bacc2", [1])],
                     [Op("ADD", ["bi", "one"], ["bo"]),
                      Op("WHILE", ["zero", "bacc"], ["jend", "bacc2"],
                         options=dict(cond_subgraph_index=3, body_subgraph_index=4))],
                     inputs=["bi", "bacc"], outputs=["bo", "bacc2"], name="obody")
    icond = _less("ii", "in_", inner, "i", [T("ii", [], "i32"), T("iacc", [1])])
    ibody = Subgraph([T("ji", [], "i32"), T("jacc", [1]), T("jone", [], "i32", data=one),
                      T("step", [1], data=np.array([1.5], np.float32)), T("jo", [], "i32"), T("jacc2", [1])],
                     [Op("ADD", ["ji", "jone"], ["jo"]), Op("ADD", ["jacc", "step"], ["jacc2"])],
                     inputs=["ji", "jacc"], outputs=["jo", "jacc2"], name="ibody")
    return build_model(subgraphs=[main, ocond, obody, icond, ibody])


def branch_model() -> bytes:
    """y = x > 0 ? x * 3 : x - 2 (the first element decides), through IF."""
    pick = np.zeros((1, 4), np.float32)
    pick[0, 0] = 1.0
    main = Subgraph([T("x", [1, 4]), T("pick", [1, 4], data=pick), T("x0", [1, 1]),
                     T("zero", [], data=np.array(0.0, np.float32)), T("c", [1, 1], "bool"), T("y", [1, 4])],
                    [Op("FULLY_CONNECTED", ["x", "pick", None], ["x0"]),
                     Op("GREATER", ["x0", "zero"], ["c"], options_table="GreaterOptions"),
                     Op("IF", ["c", "x"], ["y"], options=dict(then_subgraph_index=1, else_subgraph_index=2))],
                    inputs=["x"], outputs=["y"], name="main")
    then = Subgraph([T("tx", [1, 4]), T("three", [1], data=np.array([3.0], np.float32)), T("ty", [1, 4])],
                    [Op("MUL", ["tx", "three"], ["ty"])], inputs=["tx"], outputs=["ty"], name="then")
    other = Subgraph([T("ex", [1, 4]), T("two", [1], data=np.array([2.0], np.float32)), T("ey", [1, 4])],
                     [Op("SUB", ["ex", "two"], ["ey"])], inputs=["ex"], outputs=["ey"], name="else")
    return build_model(subgraphs=[main, then, other])


def _convert(model: bytes, tmp_path: Path, name: str, **kw):
    path = tmp_path / f"{name}.tflite"
    path.write_bytes(model)
    return path, convert(tflite.load(path), kernels=set(CONTROL_KERNELS), **kw)


def _compare(runtime, path, program, inputs) -> None:
    ours = verify.run_program(runtime, program, inputs)
    ref = verify.litert_reference(path, inputs)
    assert set(ours) == set(ref)
    for k in ref:
        np.testing.assert_allclose(ours[k], ref[k], rtol=1e-5, atol=1e-6, err_msg=k)


@pytest.mark.parametrize("n", [0, 1, 5, 17])
def test_while_loop_matches_litert(runtime, tmp_path, n):
    path, res = _convert(counter_loop(n), tmp_path, f"loop{n}")
    assert res.kernels == ["add.f32", "add.i32", "less.i32", "logistic.f32", "mul.f32", "while.any"]
    inputs = {"i0": np.array(0, np.int32), "h0": np.array([[0.25, -1.0, 2.0, 0.0]], np.float32)}
    _compare(runtime, path, res.program, inputs)
    ours = verify.run_program(runtime, res.program, inputs)
    assert int(ours["i"]) == n


@pytest.mark.parametrize("outer,inner", [(3, 2), (0, 4), (4, 0)])
def test_nested_while_matches_litert(runtime, tmp_path, outer, inner):
    path, res = _convert(nested_loops(outer, inner), tmp_path, "nested")
    inputs = {"i0": np.array(0, np.int32), "acc0": np.array([0.25], np.float32)}
    _compare(runtime, path, res.program, inputs)
    ours = verify.run_program(runtime, res.program, inputs)
    assert float(ours["acc"][0]) == 0.25 + 1.5 * outer * inner


@pytest.mark.parametrize("x0", [1.5, -0.5])
def test_if_matches_litert(runtime, tmp_path, x0):
    path, res = _convert(branch_model(), tmp_path, "branch")
    assert "if.any" in res.kernels
    x = np.array([[x0, 2.0, -3.0, 0.25]], np.float32)
    _compare(runtime, path, res.program, {"x": x})
    want = x * 3 if x0 > 0 else x - 2
    np.testing.assert_allclose(verify.run_program(runtime, res.program, {"x": x})["y"], want, rtol=1e-6)


def test_program_has_subgraphs_and_an_iteration_budget(tmp_path):
    from selbuild._generated.selrt.fb.Program import Program
    _, res = _convert(counter_loop(3), tmp_path, "loop", max_iterations=7)
    p = Program.GetRootAs(res.program, 0)
    assert p.SubgraphsLength() == 3 and p.MaxIterations() == 7
    spans = [(p.Subgraphs(i).FirstNode(), p.Subgraphs(i).NodeCount()) for i in range(3)]
    assert spans == [(0, 1), (1, 4), (5, 1)]   # main, body, cond: callees after callers
    assert read_program(res.program).inputs


def test_iteration_budget_ends_a_long_loop(runtime, tmp_path):
    """A loop of 17 iterations in a program allowing 16: the run fails with the budget status."""
    path, res = _convert(counter_loop(17), tmp_path, "long", max_iterations=16)
    inputs = {"i0": np.array(0, np.int32), "h0": np.zeros((1, 4), np.float32)}
    with pytest.raises(verify.RunError, match="budget"):
        verify.run_program(runtime, res.program, inputs)
    _, ok = _convert(counter_loop(16), tmp_path, "fits", max_iterations=16)
    assert int(verify.run_program(runtime, ok.program, inputs)["i"]) == 16


def test_a_loop_without_end_stops(runtime, tmp_path):
    """cond is i < 5 but the body never changes i: stopped by the default budget (2^20)."""
    main = Subgraph([T("i0", [], "i32"), T("i", [], "i32")],
                    [Op("WHILE", ["i0"], ["i"], options=dict(cond_subgraph_index=1, body_subgraph_index=2))],
                    name="main")
    cond = Subgraph([T("ci", [], "i32"), T("n", [], "i32", data=np.array(5, np.int32)), T("c", [], "bool")],
                    [Op("LESS", ["ci", "n"], ["c"], options_table="LessOptions")], inputs=["ci"], outputs=["c"])
    body = Subgraph([T("bi", [], "i32"), T("zero", [], "i32", data=np.array(0, np.int32)), T("bo", [], "i32")],
                    [Op("ADD", ["bi", "zero"], ["bo"])], inputs=["bi"], outputs=["bo"])
    path, res = _convert(build_model(subgraphs=[main, cond, body]), tmp_path, "endless")
    with pytest.raises(verify.RunError, match="budget"):
        verify.run_program(runtime, res.program, {"i0": np.array(0, np.int32)})


def test_recursion_is_refused_by_the_converter(tmp_path):
    """Subgraph 1's body calls itself: a cycle, refused naming it."""
    from selbuild.errors import ModelError
    main = Subgraph([T("i0", [], "i32"), T("i", [], "i32")],
                    [Op("WHILE", ["i0"], ["i"], options=dict(cond_subgraph_index=1, body_subgraph_index=2))])
    cond = Subgraph([T("ci", [], "i32"), T("n", [], "i32", data=np.array(5, np.int32)), T("c", [], "bool")],
                    [Op("LESS", ["ci", "n"], ["c"], options_table="LessOptions")], inputs=["ci"], outputs=["c"])
    body = Subgraph([T("bi", [], "i32"), T("bo", [], "i32")],
                    [Op("WHILE", ["bi"], ["bo"], options=dict(cond_subgraph_index=1, body_subgraph_index=2))],
                    inputs=["bi"], outputs=["bo"])
    path = tmp_path / "rec.tflite"
    path.write_bytes(build_model(subgraphs=[main, cond, body]))
    with pytest.raises(ModelError, match="cycle"):
        convert(tflite.load(path))


@pytest.fixture(scope="module", params=[pytest.param("android-arm64", marks=pytest.mark.qemu),
                                        pytest.param("android-armv7", marks=pytest.mark.qemu)])
def arm_runtime(request, tmp_path_factory):
    from selbuild import toolchain_loader
    from selbuild.build import build_target
    from selbuild.config import BuildConfig
    target = request.param
    if not toolchain_loader.availability(target).ok:
        pytest.skip(toolchain_loader.availability(target).reason)
    root = tmp_path_factory.mktemp(f"control_flow_{target}")
    cfg = BuildConfig(path=root / "cf.yaml", name="cf", models=[], targets=[target],
                      ops={k: [] for k in CONTROL_KERNELS})
    r = build_target(cfg, target, out_root=root, profile="size")
    if toolchain_loader.run_prefix(target, r.out_dir) is None:
        pytest.skip(f"{target}: qemu not installed")
    return r.manifest


def test_while_if_nested_and_budget_under_qemu(arm_runtime, tmp_path):
    """The builder's WHILE, nested WHILE and both IF branches on the Android libraries, against LiteRT;
    the budget status comes back through the runner."""
    path, res = _convert(counter_loop(5), tmp_path, "loop")
    _compare(arm_runtime, path, res.program, {"i0": np.array(0, np.int32), "h0": np.ones((1, 4), np.float32)})
    path, res = _convert(nested_loops(3, 2), tmp_path, "nested")
    _compare(arm_runtime, path, res.program, {"i0": np.array(0, np.int32), "acc0": np.zeros(1, np.float32)})
    path, res = _convert(branch_model(), tmp_path, "branch")
    for x0 in (1.5, -0.5):
        _compare(arm_runtime, path, res.program, {"x": np.array([[x0, 2.0, -3.0, 0.25]], np.float32)})
    _, res = _convert(counter_loop(9), tmp_path, "long", max_iterations=8)
    with pytest.raises(verify.RunError, match="budget"):
        verify.run_program(arm_runtime, res.program, {"i0": np.array(0, np.int32), "h0": np.ones((1, 4), np.float32)})
