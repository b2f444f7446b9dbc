"""Memory planner: validity properties (hypothesis) and quality on known cases."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from selbuild.convert import planner
from selbuild.convert.planner import ALIGN, Interval, check_plan, lifetimes, lower_bound, plan


def _brute_check(ivs: list[Interval], p: planner.Plan) -> None:
    """Independent O(n^2) check, not sharing code with planner.check_plan."""
    for iv in ivs:
        off = p.offsets[iv.key]
        assert off % ALIGN == 0
        assert 0 <= off and off + iv.size <= p.arena_size
    for a in ivs:
        for b in ivs:
            if a.key >= b.key or a.size == 0 or b.size == 0:
                continue
            live_together = not (a.last < b.first or b.last < a.first)
            if live_together:
                oa, ob = p.offsets[a.key], p.offsets[b.key]
                assert oa + a.size <= ob or ob + b.size <= oa, (a, b, oa, ob)
    assert p.arena_size % ALIGN == 0
    assert p.arena_size >= p.lower_bound


intervals_st = st.lists(
    st.tuples(st.integers(0, 5000), st.integers(0, 30), st.integers(0, 10)),
    min_size=0, max_size=40,
).map(lambda xs: [Interval(k, size, first, first + length) for k, (size, first, length) in enumerate(xs)])


@settings(max_examples=300, deadline=None)
@given(intervals_st)
def test_plan_is_valid(ivs: list[Interval]) -> None:
    p = plan(ivs)
    _brute_check(ivs, p)
    check_plan(ivs, p)


@st.composite
def graphs(draw):
    """Random DAGs: each node reads 1-3 earlier tensors, writes 1-2 new ones."""
    n_inputs = draw(st.integers(1, 3))
    sizes = {t: draw(st.integers(1, 4096)) for t in range(n_inputs)}
    node_in, node_out = [], []
    for _ in range(draw(st.integers(1, 15))):
        avail = sorted(sizes)
        ins = draw(st.lists(st.sampled_from(avail), min_size=1, max_size=3))
        outs = []
        for _ in range(draw(st.integers(1, 2))):
            t = len(sizes)
            sizes[t] = draw(st.integers(1, 4096))
            outs.append(t)
        node_in.append(ins)
        node_out.append(outs)
    produced = [t for outs in node_out for t in outs]
    outputs = draw(st.lists(st.sampled_from(produced), min_size=1, max_size=2, unique=True))
    return list(range(n_inputs)), outputs, node_in, node_out, sizes


@settings(max_examples=200, deadline=None)
@given(graphs())
def test_graph_plans_never_write_over_live_tensors(g) -> None:
    inputs, outputs, node_in, node_out, sizes = g
    ivs = lifetimes(len(node_in), node_in, node_out, inputs, outputs, sizes)
    p = plan(ivs)
    _brute_check(ivs, p)
    by_key = {iv.key: iv for iv in ivs}
    end = len(node_in) - 1
    for t in inputs:
        assert by_key[t].first == 0 and by_key[t].last == end    # set once, read by every run
    for t in outputs:
        assert by_key[t].last == end
    # No node's output shares a byte with any of its inputs (no in-place).
    for ins, outs in zip(node_in, node_out):
        for o in outs:
            for i in ins:
                oo, oi = p.offsets[o], p.offsets[i]
                assert oo + sizes[o] <= oi or oi + sizes[i] <= oo
    # Inputs and outputs survive to the end: nothing else live then shares their bytes.
    for t in [*inputs, *outputs]:
        for other in ivs:
            if other.key != t and other.last == end:
                a, b = p.offsets[t], p.offsets[other.key]
                assert a + sizes[t] <= b or b + other.size <= a


def test_chain_reuses_memory_and_hits_lower_bound() -> None:
    # x -> a -> b -> c -> y, all 1000 bytes: the input x keeps its own buffer
    # for the whole run, the activations ping-pong between two more.
    node_in = [[0], [1], [2], [3]]
    node_out = [[1], [2], [3], [4]]
    sizes = {t: 1000 for t in range(5)}
    ivs = lifetimes(4, node_in, node_out, [0], [4], sizes)
    p = plan(ivs)
    assert p.lower_bound == 3 * 1008
    assert p.arena_size == p.lower_bound
    assert len(set(p.offsets.values())) == 3
    assert all(p.offsets[t] != p.offsets[0] for t in range(1, 5))


def test_lower_bound_counts_aligned_live_bytes() -> None:
    ivs = [Interval(0, 10, 0, 1), Interval(1, 20, 1, 2), Interval(2, 100, 2, 2)]
    # step 1: 16 + 32, step 2: 32 + 112
    assert lower_bound(ivs) == 32 + 112


def test_unused_graph_input_still_gets_memory() -> None:
    ivs = lifetimes(1, [[0]], [[2]], [0, 1], [2], {0: 64, 1: 64, 2: 64})
    p = plan(ivs)
    keys = {iv.key for iv in ivs}
    assert keys == {0, 1, 2}
    _brute_check(ivs, p)


def test_empty() -> None:
    p = plan([])
    assert p.arena_size == 0 and p.lower_bound == 0 and p.offsets == {}
