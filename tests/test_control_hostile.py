"""Hostile control-flow programs on the ASan+UBSan host runner: calls that
would recurse, out-of-range subgraphs, mismatched signatures, subgraphs that
do not tile the node list, loops over budget. Each is refused at load with a
reason, or stopped at run time with the budget status; none crashes.

The programs are the converter's own, edited just before writing
(selbuild.convert.pipeline.write_program is wrapped), so everything else in
them stays valid and only the edited field can be the cause."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import harness as H
import test_control_flow as C
from selbuild import verify
from selbuild.convert import convert, pipeline
from selbuild.errors import ModelError, RunError
from selbuild.frontends import tflite


@pytest.fixture(scope="module")
def rt(tmp_path_factory):
    return H.build_runtime(tmp_path_factory.mktemp("control_hostile"), C.CONTROL_KERNELS)


def _program(model: bytes, edit=None, **kw) -> bytes:
    real = pipeline.write_program

    def wrapped(w, catalogue=None):
        if edit is not None:
            edit(w)
        return real(w, catalogue)

    pipeline.write_program = wrapped
    try:
        return convert(tflite.to_ir(tflite.parse_bytes(model, "m.tflite")), **kw).program
    finally:
        pipeline.write_program = real


LOOP_IN = {"i0": np.array(0, np.int32), "h0": np.zeros((1, 4), np.float32)}
NEST_IN = {"i0": np.array(0, np.int32), "acc0": np.zeros(1, np.float32)}


def _while_nodes(w):
    return [low for low in w.lowered if low.kernel == "while.any"]


def _owner(w, low) -> int:
    """Index of the subgraph holding lowered node `low`."""
    at = next(i for i, x in enumerate(w.lowered) if x is low)
    return next(k for k, s in enumerate(w.subgraphs) if s[1] <= at < s[1] + s[2])


def _set_body(target):
    def edit(w):
        inner = _while_nodes(w)[-1]
        assert _owner(w, inner) >= 1        # the inner loop, inside the outer body
        inner.iparams["body"] = target(w, _owner(w, inner))
    return edit


def _expect_refused(rt, program, inputs, *words):
    with pytest.raises(RunError) as e:
        verify.run_program(rt, program, inputs)
    msg = str(e.value.message) + " " + str(e.value.hint or "")
    assert all(w in msg for w in words), msg
    assert "AddressSanitizer" not in msg and "runtime error" not in msg


@pytest.mark.parametrize("case,target,words", [
    ("calls the entry graph", lambda w, own: 0, ["must come after it", "no recursion"]),
    ("calls its own subgraph", lambda w, own: own, ["must come after it"]),
    ("out of range", lambda w, own: 99, ["must come after it"]),
    ("negative", lambda w, own: -1, ["must come after it"]),
])
def test_calls_that_could_recurse_are_refused(rt, case, target, words):
    """The inner WHILE lives in the outer body's subgraph: it may only call subgraphs after that one."""
    program = _program(C.nested_loops(2, 2), _set_body(target))
    _expect_refused(rt, program, NEST_IN, "while.any", *words)


def test_a_signature_mismatch_is_refused(rt):
    """The body's inputs swapped: an i32 scalar where the [1, 4] float goes."""
    def edit(w):
        name, first, count, ins, outs = w.subgraphs[1]
        w.subgraphs[1] = (name, first, count, ins[::-1], outs)
    _expect_refused(rt, _program(C.counter_loop(3), edit), LOOP_IN, "differs from subgraph", "dtype or shape")


def test_a_wrong_result_count_is_refused(rt):
    def edit(w):
        name, first, count, ins, outs = w.subgraphs[1]
        w.subgraphs[1] = (name, first, count, ins, outs[:1])
    _expect_refused(rt, _program(C.counter_loop(3), edit), LOOP_IN, "outputs")


def test_subgraphs_must_tile_the_node_list(rt):
    def edit(w):
        name, first, count, ins, outs = w.subgraphs[2]
        w.subgraphs[2] = (name, first + 1, count, ins, outs)
    _expect_refused(rt, _program(C.counter_loop(3), edit), LOOP_IN, "subgraph 2", "previous subgraph")


def test_a_subgraph_input_must_be_an_arena_tensor(rt):
    def edit(w):
        const = next(i for i, t in enumerate(w.graph.tensors) if t.is_const and t.dtype == "i32")
        name, first, count, ins, outs = w.subgraphs[2]
        w.subgraphs[2] = (name, first, count, [const] + ins[1:], outs)
    _expect_refused(rt, _program(C.counter_loop(3), edit), LOOP_IN, "arena tensor")


def test_the_budget_stops_a_loop_under_sanitizers(rt):
    program = _program(C.counter_loop(40), max_iterations=39)
    _expect_refused(rt, program, LOOP_IN, "budget")
    # Nested loops count every inner and outer iteration: 3 outer + 3 * 4 inner = 15.
    _expect_refused(rt, _program(C.nested_loops(3, 4), max_iterations=14), NEST_IN, "budget")
    ours = verify.run_program(rt, _program(C.nested_loops(3, 4), max_iterations=15), NEST_IN)
    assert float(ours["acc"][0]) == 18.0


def test_nesting_deeper_than_the_runtime_allows_is_refused_by_the_converter():
    """Nine WHILEs inside each other: the converter says so before the runtime has to."""
    from tflite_builder import Op, Subgraph, T, build_model
    depth = 9
    graphs = [Subgraph([T("x0", [], "i32"), T("x", [], "i32")],
                       [Op("WHILE", ["x0"], ["x"], options=dict(cond_subgraph_index=1, body_subgraph_index=2))],
                       name="main")]
    for d in range(depth):
        cond = Subgraph([T("ci", [], "i32"), T("n", [], "i32", data=np.array(1, np.int32)), T("c", [], "bool")],
                        [Op("LESS", ["ci", "n"], ["c"], options_table="LessOptions")], inputs=["ci"], outputs=["c"])
        nxt = 2 * d + 3
        ops = [Op("ADD", ["bi", "one"], ["bo"])] if d == depth - 1 else \
            [Op("WHILE", ["bi"], ["bw"], options=dict(cond_subgraph_index=nxt, body_subgraph_index=nxt + 1)),
             Op("ADD", ["bw", "one"], ["bo"])]
        body = Subgraph([T("bi", [], "i32"), T("bw", [], "i32"), T("one", [], "i32", data=np.array(1, np.int32)),
                         T("bo", [], "i32")], ops, inputs=["bi"], outputs=["bo"])
        graphs += [cond, body]
    with pytest.raises(ModelError, match="deeper than 8"):
        convert(tflite.to_ir(tflite.parse_bytes(build_model(subgraphs=graphs), "deep.tflite")))


def test_edits_leave_the_converter_output_valid(rt):
    """The unedited programs of this file run and give LiteRT's numbers (the edits are the only cause)."""
    ours = verify.run_program(rt, _program(C.nested_loops(2, 2)), NEST_IN)
    assert float(ours["acc"][0]) == 6.0
    assert dataclasses.is_dataclass(pipeline.WriteInput)


def _state_program(edit):
    import test_control_state as ST
    return _program(ST.streaming_model(), edit)


@pytest.fixture(scope="module")
def rt_state(tmp_path_factory):
    import test_control_state as ST
    return H.build_runtime(tmp_path_factory.mktemp("control_hostile_state"), ST.KERNELS)


def _state_inputs():
    import test_control_state as ST
    return {n: v[0] for n, v in ST.frames(runs=1).items()}


def test_a_variable_of_mismatched_size_is_refused_at_load(rt_state):
    """acc's new value assigned into the int8 ring buffer's variable."""
    def edit(w):
        ring = next(i for i, t in enumerate(w.graph.tensors) if t.name == "variable:ring")
        acc = next(low for low in w.lowered if low.kernel == "assign_variable.any"
                   and w.graph.tensors[low.outputs[0]].name == "variable:acc")
        acc.outputs = [ring]
    _expect_refused(rt_state, _state_program(edit), _state_inputs(), "assign_variable.any", "differ in dtype or shape")


@pytest.mark.parametrize("init,slot,words", [(0, 0, ["must come after it"]), (1, 64, ["slot 64"]),
                                             (1, -1, ["slot -1"])])
def test_call_once_cannot_recurse_or_use_a_bad_slot(rt_state, init, slot, words):
    def edit(w):
        low = next(x for x in w.lowered if x.kernel == "call_once.any")
        low.iparams["init"], low.iparams["slot"] = init, slot
    _expect_refused(rt_state, _state_program(edit), _state_inputs(), "call_once.any", *words)
