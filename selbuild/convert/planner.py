"""Memory planner: one arena, a 16-aligned offset for every activation tensor.

Lifetimes are closed intervals of execution steps (node indices): a tensor is
live from the step that produces it to the last step that reads it. Graph
inputs are live over the whole run and graph outputs from their producer to
the last step: no activation ever shares their bytes, so a caller may set the
inputs once and run many times, and reads the outputs intact after a run
(LiteRT's contract; `selrt_run --repeat N` relies on it). Two tensors may
share bytes only if their intervals are disjoint; since a node's inputs are
live at its own step and its outputs are born there, a kernel never writes
over its own inputs (there is no in-place mechanism).

Placement is "greedy by size" with best fit (TFLite's and Pisarchyk & Lee's
strategy): tensors in decreasing size, each put into the smallest gap between
already placed tensors whose lifetimes overlap it. We also try a second order
(by the peak step it is live at, then size) and keep the smaller arena; both
are cheap and each wins on some graphs.

The lower bound is max over steps of the sum of the (aligned) sizes of the
tensors live at that step: no placement can be smaller.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

ALIGN = 16


def align_up(n: int, a: int = ALIGN) -> int:
    return (n + a - 1) // a * a


@dataclass(frozen=True)
class Interval:
    """One arena tensor: `size` bytes live over steps [first, last]."""

    key: int          # caller's tensor id, returned in Plan.offsets
    size: int         # bytes (unaligned; the planner aligns)
    first: int
    last: int

    def overlaps(self, other: "Interval") -> bool:
        return self.first <= other.last and other.first <= self.last


@dataclass
class Plan:
    offsets: dict[int, int]      # key -> byte offset, multiple of ALIGN
    arena_size: int              # multiple of ALIGN
    lower_bound: int             # max over steps of the sum of live aligned sizes


def lifetimes(n_steps: int, node_inputs: Sequence[Sequence[int]], node_outputs: Sequence[Sequence[int]],
              graph_inputs: Sequence[int], graph_outputs: Sequence[int],
              sizes: dict[int, int]) -> list[Interval]:
    """Intervals of the tensors in `sizes` (the arena tensors) for a node list.

    node_inputs[s]/node_outputs[s] are the tensor ids node s reads/writes
    (-1 and tensors not in `sizes`, i.e. constants, are ignored).
    """
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    end = max(n_steps - 1, 0)
    for t in graph_inputs:
        if t in sizes:
            first[t] = 0
            last[t] = end
    for s in range(n_steps):
        for t in node_outputs[s]:
            if t in sizes:
                first.setdefault(t, s)
                last[t] = max(last.get(t, s), s)
        for t in node_inputs[s]:
            if t in sizes:
                first.setdefault(t, 0)     # read but never written: live from the start
                last[t] = max(last.get(t, s), s)
    for t in graph_outputs:
        if t in sizes:
            first.setdefault(t, 0)
            last[t] = end
    return [Interval(t, sizes[t], first[t], last[t]) for t in sorted(first)]


def lower_bound(intervals: Sequence[Interval]) -> int:
    """max over steps of the sum of aligned sizes of the tensors live there."""
    if not intervals:
        return 0
    # Sweep over interval starts/ends: +size at first, -size after last.
    events: dict[int, int] = {}
    for iv in intervals:
        sz = align_up(iv.size)
        events[iv.first] = events.get(iv.first, 0) + sz
        events[iv.last + 1] = events.get(iv.last + 1, 0) - sz
    best = cur = 0
    for step in sorted(events):
        cur += events[step]
        best = max(best, cur)
    return best


def _place(order: Sequence[Interval]) -> tuple[dict[int, int], int]:
    """Best-fit placement of intervals in the given order."""
    placed: list[tuple[int, int, Interval]] = []     # (offset, aligned size, interval), sorted by offset
    offsets: dict[int, int] = {}
    top = 0
    for iv in order:
        size = align_up(iv.size)
        best_off, best_gap = None, None
        cursor = 0
        for off, sz, other in placed:
            if not other.overlaps(iv):
                continue
            gap = off - cursor
            if gap >= size and (best_gap is None or gap < best_gap):
                best_off, best_gap = cursor, gap
            cursor = max(cursor, off + sz)
        if best_off is None:
            best_off = cursor          # after the highest overlapping tensor
        offsets[iv.key] = best_off
        bisect.insort(placed, (best_off, size, iv), key=lambda p: (p[0], p[2].key))
        top = max(top, best_off + size)
    return offsets, top


def plan(intervals: Sequence[Interval]) -> Plan:
    """Offsets for every interval; the smaller of two greedy orders."""
    ivs = list(intervals)
    by_size = sorted(ivs, key=lambda iv: (-align_up(iv.size), iv.first, iv.key))
    # Second order: tensors alive at the busiest steps first, so the peak is
    # packed tightly, then the rest fills around it.
    load = _step_loads(ivs)
    by_peak = sorted(ivs, key=lambda iv: (-max(load[iv.first:iv.last + 1], default=0),
                                          -align_up(iv.size), iv.first, iv.key))
    best: tuple[dict[int, int], int] | None = None
    for order in (by_size, by_peak):
        offsets, top = _place(order)
        if best is None or top < best[1]:
            best = (offsets, top)
    assert best is not None
    return Plan(offsets=best[0], arena_size=align_up(best[1]), lower_bound=lower_bound(ivs))


def _step_loads(ivs: Sequence[Interval]) -> list[int]:
    if not ivs:
        return []
    n = max(iv.last for iv in ivs) + 2
    delta = [0] * n
    for iv in ivs:
        delta[iv.first] += align_up(iv.size)
        delta[iv.last + 1] -= align_up(iv.size)
    out, cur = [], 0
    for d in delta:
        cur += d
        out.append(cur)
    return out


def check_plan(intervals: Sequence[Interval], p: Plan) -> None:
    """AssertionError if the plan is invalid (used by tests and as a self-check)."""
    ivs = sorted(intervals, key=lambda iv: iv.first)
    for iv in ivs:
        off = p.offsets[iv.key]
        assert off % ALIGN == 0, f"tensor {iv.key}: offset {off} not {ALIGN}-aligned"
        assert off + iv.size <= p.arena_size, f"tensor {iv.key}: [{off}, {off + iv.size}) exceeds arena {p.arena_size}"
    for i, a in enumerate(ivs):
        for b in ivs[i + 1:]:
            if b.first > a.last:
                break
            if a.size == 0 or b.size == 0 or not a.overlaps(b):
                continue
            oa, ob = p.offsets[a.key], p.offsets[b.key]
            assert oa + a.size <= ob or ob + b.size <= oa, \
                f"tensors {a.key} and {b.key} are live together (steps {a.first}-{a.last}, {b.first}-{b.last}) " \
                f"but share bytes ([{oa}, {oa + a.size}) and [{ob}, {ob + b.size}))"
