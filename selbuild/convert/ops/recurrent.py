"""The recurrent builtins: unidirectional_sequence_lstm, unidirectional_sequence_rnn, svdf.

State. TFLite keeps an RNN's state in a variable tensor (is_variable, no
data): the op reads it and overwrites it in place, and the state outlives the
invoke. selbuild programs never write a node's input, so `thread_state`
(run by the pipeline before the topological check) gives every recurrent node
its own state output(s) and points each variable state input at the state the
previous node of the same variable wrote, or at nothing (-1) for the first:
the kernel then starts from zeros, which is what LiteRT holds after
allocate_tensors. Several ops on one state (SVDF steps) run in TFLite's
order. A state that comes in as a graph input is read as such. What the
program cannot do yet is carry the state from one invoke to the next (LiteRT
does): every run starts from zeros.
"""

from __future__ import annotations

from selbuild.convert.ops._common import describe
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import UnsupportedError
from selbuild.ir import ACTIVATIONS, Graph, Node, Tensor

# Input positions of each op's state tensors (TFLite's order).
STATE_INPUTS: dict[str, tuple[int, ...]] = {
    "lstm": (18, 19),
    "bidirectional_sequence_lstm": (35, 36, 37, 38),
    "unidirectional_sequence_lstm": (18, 19),
    "unidirectional_sequence_rnn": (4,),
    "svdf": (4,),
    "bidirectional_sequence_rnn": (4, 8),
}
_LSTM_INPUTS = 24
_MAX_ACT = ACTIVATIONS.index("tanh")


def _opt(n: Node, i: int) -> int:
    return n.inputs[i] if len(n.inputs) > i and n.inputs[i] is not None else -1


def thread_state(g: Graph) -> None:
    """Variable state inputs -> the previous writer's state output (see module doc)."""
    produced = set(g.inputs) | {i for i, t in enumerate(g.tensors) if t.is_const}
    latest: dict[int, int] = {}
    for ni, n in enumerate(g.nodes):
        if n.op in STATE_INPUTS:
            n.inputs, n.outputs = list(n.inputs), list(n.outputs)   # the working copy shares them
            for pos in STATE_INPUTS[n.op]:
                idx = _opt(n, pos)
                if idx < 0:
                    continue
                t = g.tensors[idx]
                out = g.add_tensor(Tensor(name=f"{t.name}/after_{ni}", shape=tuple(t.shape), dtype=t.dtype))
                n.outputs.append(out)
                if idx not in produced:                 # a variable: no data, no producer
                    n.inputs[pos] = latest.get(idx, -1)
                    latest[idx] = out
        produced.update(n.outputs)


def _t(g: Graph, n: Node, i: int) -> Tensor | None:
    idx = _opt(n, i)
    return g.tensors[idx] if idx >= 0 else None


def _activation(g: Graph, n: Node) -> int:
    act = n.attrs.get("activation", "none")
    if act not in ACTIVATIONS or ACTIVATIONS.index(act) > _MAX_ACT:
        raise UnsupportedError(f"{describe(g, n)}: activation '{act}' is not supported")
    return ACTIVATIONS.index(act)


def _seq_dims(g: Graph, n: Node) -> tuple[int, int, int]:
    x = g.tensors[n.inputs[0]].shape
    if len(x) != 3:
        raise UnsupportedError(f"{describe(g, n)}: the input must be 3-D, got {list(x)}")
    tm = bool(n.attrs.get("time_major", False))
    return (x[1], x[0], x[2]) if tm else (x[0], x[1], x[2])


def _state_shapes(g: Graph, n: Node, real: int = 1) -> list[tuple[int, ...]]:
    return [tuple(g.tensors[o].shape) for o in n.outputs[real:]]


def _need(g: Graph, n: Node, t: Tensor | None, what: str, shape_: tuple[int, ...], dtype: str = "f32") -> None:
    if t is None or t.dtype != dtype or tuple(t.shape) != shape_:
        got = "none" if t is None else f"{t.dtype} {list(t.shape)}"
        raise UnsupportedError(f"{describe(g, n)}: {what} must be {dtype} {list(shape_)}, got {got}")


def _state_outputs(g: Graph, n: Node, count: int, real: int = 1) -> list[int]:
    """The state outputs thread_state appended after the op's `real` outputs."""
    if len(n.outputs) != real + count:
        raise UnsupportedError(f"{describe(g, n)}: expected {count} state input(s), got {len(n.outputs) - real}")
    return list(n.outputs[real:])


# --------------------------------------------------------------------------- LSTM

def _lstm_units(g: Graph, n: Node) -> tuple[int, int]:
    wf, wp = _t(g, n, 2), _t(g, n, 16)
    if wf is None or len(wf.shape) != 2:
        raise UnsupportedError(f"{describe(g, n)}: the input-to-forget weights must be 2-D")
    c = wf.shape[0]
    return c, (wp.shape[0] if wp is not None else c)


@shape("unidirectional_sequence_lstm")
def lstm_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    x = tuple(g.tensors[n.inputs[0]].shape)
    _, o = _lstm_units(g, n)
    return [x[:-1] + (o,)] + _state_shapes(g, n)


# The LSTM's weight operands (input, recurrent, peephole, projection): float
# in lstm.f32, int8 in the hybrid kernel; biases, layer norm, states float.
LSTM_WEIGHTS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16)


def lstm_operands(g: Graph, n: Node, wdt: str) -> tuple[int, dict[str, float]]:
    """Checks the 24 operands as the kernel will (weights of dtype `wdt`); returns C and the clips."""
    if n.attrs.get("activation", "none") == "none":
        # LiteRT's LSTM output step applies "none" by not writing its scratch
        # (ApplyActivationToVector returns early), so h reads stale values:
        # there is no defined result to match.
        raise UnsupportedError(f"{describe(g, n)}: activation 'none' is not supported for an LSTM")
    if n.attrs.get("diagonal_recurrent_tensors", False):
        raise UnsupportedError(f"{describe(g, n)}: diagonal recurrent weights are not supported")
    if n.op == "lstm":                      # one step: x [B, I]
        x = g.tensors[n.inputs[0]].shape
        if len(x) != 2:
            raise UnsupportedError(f"{describe(g, n)}: the input must be 2-D, got {list(x)}")
        b, i = x
    else:
        b, _, i = _seq_dims(g, n)
    c, o = _lstm_units(g, n)
    cifg = _opt(n, 1) < 0
    peep = _opt(n, 10) >= 0
    ln = _opt(n, 21) >= 0
    for gate in range(4):
        has = not (cifg and gate == 0)
        tensors = [(1 + gate, "input weights", (c, i)), (5 + gate, "recurrent weights", (c, o)),
                   (12 + gate, "bias", (c,))]
        if ln:
            tensors.append((20 + gate, "layer-norm coefficients", (c,)))
        if peep and gate != 2:
            tensors.append((9 + (2 if gate == 3 else gate), "peephole weights", (c,)))
        for pos, what, shp in tensors:
            if has:
                _need(g, n, _t(g, n, pos), f"gate {'ifco'[gate]} {what}", shp, wdt if pos in LSTM_WEIGHTS else "f32")
            elif _opt(n, pos) >= 0:
                raise UnsupportedError(f"{describe(g, n)}: CIFG (no input-gate weights) but the input gate has {what}")
    if _opt(n, 16) >= 0:
        _need(g, n, _t(g, n, 16), "the projection weights", (o, c), wdt)
        if _opt(n, 17) >= 0:
            _need(g, n, _t(g, n, 17), "the projection bias", (o,))
    elif _opt(n, 17) >= 0:
        raise UnsupportedError(f"{describe(g, n)}: a projection bias without projection weights")
    for pos, shp in ((18, (b, o)), (19, (b, c))):
        st = _t(g, n, pos)
        if st is not None and (st.dtype != "f32" or st.numel != b * shp[1]):
            raise UnsupportedError(f"{describe(g, n)}: state input {pos} must be float32 {list(shp)}")
    clips = {k: float(n.attrs.get(k, 0.0)) for k in ("cell_clip", "proj_clip")}
    if not all(0.0 <= v < float("inf") for v in clips.values()):
        raise UnsupportedError(f"{describe(g, n)}: clips must be finite and >= 0, got {clips}")
    return c, clips


@shape("lstm")
def lstm_step_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    x = tuple(g.tensors[n.inputs[0]].shape)
    _, o = _lstm_units(g, n)
    return [x[:-1] + (o,)] + _state_shapes(g, n)


@lower("lstm", dtype="f32")
def lstm_step_lower(g: Graph, n: Node) -> Lowered:
    if n.attrs.get("kernel_type", "full") != "full":
        raise UnsupportedError(f"{describe(g, n)}: the basic LSTM kernel (kernel_type basic) is not supported")
    low = lstm_lower(g, n)
    low.iparams.pop("time_major")
    return low


@lower("unidirectional_sequence_lstm", dtype="f32")
def lstm_lower(g: Graph, n: Node) -> Lowered:
    c, clips = lstm_operands(g, n, "f32")
    outs = _state_outputs(g, n, 2)
    scratch = g.add_tensor(Tensor(name=f"{g.tensors[n.outputs[0]].name}/lstm_gates", shape=(5 * c,), dtype="f32"))
    inputs = [_opt(n, k) for k in range(_LSTM_INPUTS)]
    return Lowered(kernel=n.kernel, inputs=inputs, outputs=[n.outputs[0], *outs, scratch],
                   iparams={"time_major": int(bool(n.attrs.get("time_major", False))),
                            "activation": _activation(g, n)},
                   fparams=clips)


# --------------------------------------------------------------------------- RNN

@shape("unidirectional_sequence_rnn")
def rnn_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    x, w = tuple(g.tensors[n.inputs[0]].shape), g.tensors[n.inputs[1]].shape
    return [x[:-1] + (w[0],)] + _state_shapes(g, n)


@lower("unidirectional_sequence_rnn", dtype="f32")
def rnn_lower(g: Graph, n: Node) -> Lowered:
    b, _, i = _seq_dims(g, n)
    w = g.tensors[n.inputs[1]]
    if len(w.shape) != 2:
        raise UnsupportedError(f"{describe(g, n)}: the weights must be 2-D, got {list(w.shape)}")
    u = w.shape[0]
    _need(g, n, w, "the weights", (u, i))
    _need(g, n, _t(g, n, 2), "the recurrent weights", (u, u))
    if _opt(n, 3) >= 0:
        _need(g, n, _t(g, n, 3), "the bias", (u,))
    st = _t(g, n, 4)
    if st is not None and (st.dtype != "f32" or st.numel != b * u):
        raise UnsupportedError(f"{describe(g, n)}: the state must be float32 [{b}, {u}]")
    outs = _state_outputs(g, n, 1)
    return Lowered(kernel=n.kernel, inputs=[_opt(n, k) for k in range(5)], outputs=[n.outputs[0], *outs],
                   iparams={"time_major": int(bool(n.attrs.get("time_major", False))),
                            "activation": _activation(g, n)})


# --------------------------------------------------------------------------- SVDF

def _svdf_rank(g: Graph, n: Node, filters: int) -> int:
    rank = int(n.attrs.get("rank", 0))
    if rank < 1 or filters % rank:
        raise UnsupportedError(f"{describe(g, n)}: rank {rank} does not divide the {filters} filters")
    return rank


@shape("svdf")
def svdf_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    x, wf = g.tensors[n.inputs[0]].shape, g.tensors[n.inputs[1]].shape
    return [(x[0], wf[0] // _svdf_rank(g, n, wf[0]))] + _state_shapes(g, n)


@lower("svdf", dtype="f32")
def svdf_lower(g: Graph, n: Node) -> Lowered:
    x, wf, wt = (g.tensors[n.inputs[k]] for k in range(3))
    if len(x.shape) != 2 or len(wf.shape) != 2 or len(wt.shape) != 2:
        raise UnsupportedError(f"{describe(g, n)}: input and weights must be 2-D")
    (b, i), f, m = x.shape, wf.shape[0], wt.shape[1]
    u = f // _svdf_rank(g, n, f)
    _need(g, n, wf, "the feature weights", (f, i))
    _need(g, n, wt, "the time weights", (f, m))
    if _opt(n, 3) >= 0:
        _need(g, n, _t(g, n, 3), "the bias", (u,))
    st = _t(g, n, 4)
    if st is not None and (st.dtype != "f32" or st.numel != b * f * m):
        raise UnsupportedError(f"{describe(g, n)}: the state must be float32 [{b}, {f * m}]")
    outs = _state_outputs(g, n, 1)
    scratch = g.add_tensor(Tensor(name=f"{g.tensors[n.outputs[0]].name}/svdf_scratch", shape=(f,), dtype="f32"))
    return Lowered(kernel=n.kernel, inputs=[_opt(n, k) for k in range(5)], outputs=[n.outputs[0], *outs, scratch],
                   iparams={"rank": _svdf_rank(g, n, f), "activation": _activation(g, n)})


# --------------------------------------------------------------------------- bidirectional RNN

def _bidi_merge(n: Node) -> bool:
    return bool(n.attrs.get("merge_outputs", False))


@shape("bidirectional_sequence_rnn")
def bidi_rnn_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    x = tuple(g.tensors[n.inputs[0]].shape)
    uf, ub = g.tensors[n.inputs[1]].shape[0], g.tensors[n.inputs[5]].shape[0]
    outs = [x[:-1] + (uf + ub,)] if _bidi_merge(n) else [x[:-1] + (uf,), x[:-1] + (ub,)]
    return outs + _state_shapes(g, n, len(outs))


@lower("bidirectional_sequence_rnn", dtype="f32")
def bidi_rnn_lower(g: Graph, n: Node) -> Lowered:
    if any(_opt(n, k) >= 0 for k in (9, 10, 11)):
        raise UnsupportedError(f"{describe(g, n)}: auxiliary inputs are not supported")
    b, _, i = _seq_dims(g, n)
    for base, what in ((1, "forward"), (5, "backward")):
        w = g.tensors[n.inputs[base]]
        if len(w.shape) != 2:
            raise UnsupportedError(f"{describe(g, n)}: the {what} weights must be 2-D, got {list(w.shape)}")
        u = w.shape[0]
        _need(g, n, w, f"the {what} weights", (u, i))
        _need(g, n, _t(g, n, base + 1), f"the {what} recurrent weights", (u, u))
        _need(g, n, _t(g, n, base + 2), f"the {what} bias", (u,))
        st = _t(g, n, base + 3)
        if st is not None and (st.dtype != "f32" or st.numel != b * u):
            raise UnsupportedError(f"{describe(g, n)}: the {what} state must be float32 [{b}, {u}]")
    merge = _bidi_merge(n)
    real = 1 if merge else 2
    states = _state_outputs(g, n, 2, real)
    # merged: both directions write output 0 (forward units first); the kernel's
    # second output is then a one-float placeholder it does not touch
    second = g.add_tensor(Tensor(name=f"{g.tensors[n.outputs[0]].name}/unused", shape=(1,), dtype="f32")) \
        if merge else n.outputs[1]
    return Lowered(kernel=n.kernel, inputs=[_opt(n, k) for k in range(9)],
                   outputs=[n.outputs[0], second, *states],
                   iparams={"time_major": int(bool(n.attrs.get("time_major", False))),
                            "activation": _activation(g, n), "merge_outputs": int(merge)})


# --------------------------------------------------------------------------- bidirectional LSTM

def _bidi_lstm_view(n: Node, backward: bool) -> Node:
    """One direction as a unidirectional LSTM node (the same checks apply)."""
    ins = [_opt(n, k) for k in range(48)]
    base, states = (17, ins[37:39]) if backward else (0, ins[35:37])
    view = Node(op="unidirectional_sequence_lstm", inputs=[ins[0]] + ins[1 + base:18 + base] + states + [-1] * 4,
                outputs=list(n.outputs), attrs=dict(n.attrs), source_op=n.source_op)
    view.dtype = n.dtype
    return view


def _bidi_lstm_units(g: Graph, n: Node) -> tuple[int, int]:
    return _lstm_units(g, _bidi_lstm_view(n, False))[1], _lstm_units(g, _bidi_lstm_view(n, True))[1]


@shape("bidirectional_sequence_lstm")
def bidi_lstm_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    x = tuple(g.tensors[n.inputs[0]].shape)
    of, ob = _bidi_lstm_units(g, n)
    outs = [x[:-1] + (of + ob,)] if _bidi_merge(n) else [x[:-1] + (of,), x[:-1] + (ob,)]
    return outs + _state_shapes(g, n, len(outs))


@lower("bidirectional_sequence_lstm", dtype="f32")
def bidi_lstm_lower(g: Graph, n: Node) -> Lowered:
    if any(_opt(n, k) >= 0 for k in range(39, 48)):
        raise UnsupportedError(f"{describe(g, n)}: auxiliary inputs are not supported")
    cells, clips = [], {}
    for backward in (False, True):
        c, clips = lstm_operands(g, _bidi_lstm_view(n, backward), "f32")
        cells.append(c)
    merge = _bidi_merge(n)
    real = 1 if merge else 2
    states = _state_outputs(g, n, 4, real)
    name = g.tensors[n.outputs[0]].name
    second = g.add_tensor(Tensor(name=f"{name}/unused", shape=(1,), dtype="f32")) if merge else n.outputs[1]
    scratch = g.add_tensor(Tensor(name=f"{name}/lstm_gates", shape=(5 * max(cells),), dtype="f32"))
    return Lowered(kernel=n.kernel, inputs=[_opt(n, k) for k in range(39)],
                   outputs=[n.outputs[0], second, *states, scratch],
                   iparams={"time_major": int(bool(n.attrs.get("time_major", True))),
                            "activation": _activation(g, n), "merge_outputs": int(merge)},
                   fparams=clips)
