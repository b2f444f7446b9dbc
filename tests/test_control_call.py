"""CALL (a plain subgraph call, issue 14) is inlined at conversion
(selbuild/convert/inline.py): the program is straight-line and needs no call
kernel. LiteRT 2.3's builtin resolver does not register CALL, so the
reference is numpy evaluating the same graph by hand: nested calls,
an output that passes a callee input straight through, a constant result, a
callee called twice, a CALL inside a WHILE body; cycles and wrong arities are
refused with a clear error."""

from __future__ import annotations

import numpy as np
import pytest
from tflite_builder import Op, Subgraph, T, build_model

from selbuild.convert import convert
from selbuild.errors import ModelError
from selbuild.frontends import tflite


def _call(sub: int, ins: list[str], outs: list[str]) -> Op:
    return Op("CALL", ins, outs, options=dict(subgraph=sub), options_table="CallOptions")


def nested_model() -> bytes:
    """main: (t, p, k) = CALL scale(x, w); u = CALL scale(t, w) (called twice);
    z = ADD(u[0], x). scale(a, b): c = MUL(a, b); d = CALL squash(c); returns
    (d, a, ten): a passes straight through, ten is a constant. squash: tanh."""
    main = Subgraph([T("x", [2, 3]), T("w", [2, 3]), T("t", [2, 3]), T("p", [2, 3]), T("k", [3]),
                     T("u", [2, 3]), T("p2", [2, 3]), T("k2", [3]), T("z", [2, 3])],
                    [_call(1, ["x", "w"], ["t", "p", "k"]), _call(1, ["t", "w"], ["u", "p2", "k2"]),
                     Op("ADD", ["u", "x"], ["z"])],
                    inputs=["x", "w"], outputs=["z", "p", "k", "t"], name="main")
    scale = Subgraph([T("a", [2, 3]), T("b", [2, 3]), T("c", [2, 3]), T("d", [2, 3]),
                      T("ten", [3], data=np.array([10, 20, 30], np.float32))],
                     [Op("MUL", ["a", "b"], ["c"]), _call(2, ["c"], ["d"])],
                     inputs=["a", "b"], outputs=["d", "a", "ten"], name="scale")
    squash = Subgraph([T("e", [2, 3]), T("f", [2, 3])], [Op("TANH", ["e"], ["f"])],
                      inputs=["e"], outputs=["f"], name="squash")
    return build_model(subgraphs=[main, scale, squash])


@pytest.fixture(scope="module")
def host(build_root):
    from selbuild.build import build_target
    from selbuild.config import BuildConfig
    kernels = ["mul.f32", "tanh.f32", "add.f32", "reshape.f32"]
    cfg = BuildConfig(path=build_root / "control_call.yaml", name="control_call", models=[], targets=["host"],
                      ops={k: ["test"] for k in kernels})
    return build_target(cfg, "host", out_root=build_root).manifest


def test_nested_calls_inline_and_match_numpy(host, tmp_path):
    from selbuild.planning import needed_kernels
    from selbuild.runtime import Interpreter
    model = nested_model()
    res = convert(tflite.to_ir(tflite.parse_bytes(model, "call.tflite")))
    # straight-line: no control kernels (reshape copies the passed-through and
    # constant outputs into the arena), and analysis (config init) says so
    assert set(res.kernels) == {"mul.f32", "tanh.f32", "add.f32", "reshape.f32"}
    (tmp_path / "call.tflite").write_bytes(model)
    assert needed_kernels(tmp_path / "call.tflite") == sorted(res.kernels)
    rng = np.random.default_rng(0)
    inputs = {"x": rng.standard_normal((2, 3)).astype(np.float32),
              "w": rng.standard_normal((2, 3)).astype(np.float32)}
    x, w = inputs["x"], inputs["w"]
    t = np.tanh(x * w)
    ref = {"z": np.tanh(t * w) + x, "p": x, "k": np.array([10, 20, 30], np.float32), "t": t}
    with Interpreter(res.program, host) as it:
        ours = it(inputs)
    assert list(ours) == list(ref)
    for k in ref:
        np.testing.assert_allclose(np.asarray(ours[k]).reshape(ref[k].shape), ref[k], rtol=1e-6, atol=1e-6,
                                   err_msg=k)
    np.testing.assert_array_equal(ours["p"], inputs["x"])          # passed straight through
    np.testing.assert_array_equal(ours["k"], [10, 20, 30])         # the callee's constant


def test_call_inside_a_while_body_is_inlined_there():
    """A WHILE body that CALLs: the call is pasted into the body, the loop stays."""
    main = Subgraph([T("i", [], "i32"), T("x", [1, 4]), T("io", [], "i32"), T("xo", [1, 4])],
                    [Op("WHILE", ["i", "x"], ["io", "xo"], options=dict(cond_subgraph_index=1, body_subgraph_index=2))],
                    inputs=["i", "x"], outputs=["xo"], name="main")
    cond = Subgraph([T("ci", [], "i32"), T("cx", [1, 4]), T("n", [], "i32", data=np.array(3, np.int32)),
                     T("go", [], "bool")], [Op("LESS", ["ci", "n"], ["go"])],
                    inputs=["ci", "cx"], outputs=["go"], name="cond")
    body = Subgraph([T("bi", [], "i32"), T("bx", [1, 4]), T("one", [], "i32", data=np.array(1, np.int32)),
                     T("bi2", [], "i32"), T("bx2", [1, 4])],
                    [Op("ADD", ["bi", "one"], ["bi2"]), _call(3, ["bx"], ["bx2"])],
                    inputs=["bi", "bx"], outputs=["bi2", "bx2"], name="body")
    step = Subgraph([T("s", [1, 4]), T("half", [1], data=np.array([0.5], np.float32)), T("s2", [1, 4])],
                    [Op("MUL", ["s", "half"], ["s2"])], inputs=["s"], outputs=["s2"], name="step")
    model = build_model(subgraphs=[main, cond, body, step])
    res = convert(tflite.to_ir(tflite.parse_bytes(model, "loop_call.tflite")))
    assert "while.any" in res.kernels and "mul.f32" in res.kernels
    x = np.arange(4, dtype=np.float32).reshape(1, 4)
    ref = {"xo": x / 8}                 # three iterations of x * 0.5
    import harness as H
    from selbuild import verify
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as d:
        runner = H.build_runtime(Path(d), sorted(res.kernels))
        ours = verify.run_frames(runner, res.program, {"i": np.zeros((1,), np.int32), "x": x[None]})
    np.testing.assert_allclose(np.asarray(ours["xo"]).reshape(1, 4), ref["xo"], rtol=1e-6)


def test_a_call_cycle_and_a_wrong_arity_are_refused():
    a = Subgraph([T("x", [2]), T("y", [2])], [_call(1, ["x"], ["y"])], inputs=["x"], outputs=["y"], name="main")
    b = Subgraph([T("p", [2]), T("q", [2])], [_call(0, ["p"], ["q"])], inputs=["p"], outputs=["q"], name="b")
    with pytest.raises(ModelError, match="cycle"):
        convert(tflite.to_ir(tflite.parse_bytes(build_model(subgraphs=[a, b]), "cycle.tflite")))
    two = Subgraph([T("p", [2]), T("q", [2]), T("r", [2])], [Op("TANH", ["p"], ["q"])],
                   inputs=["p", "r"], outputs=["q"], name="two")
    with pytest.raises(ModelError, match="passes 1 values"):
        convert(tflite.to_ir(tflite.parse_bytes(build_model(subgraphs=[a, two]), "arity.tflite")))
