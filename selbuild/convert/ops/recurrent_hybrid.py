"""Dynamic-range lowerings of the recurrent builtins (`<op>.f32i8`): constant
int8 weights with one scale per tensor, as LiteRT's hybrid RNN/SVDF/LSTM
kernels read them (params.scale), float biases, float state threaded as in
the float kernels (recurrent.py). The scales go to the kernel as one float
constant, in the order its descriptor entry names; the int8 scratch holds a
quantized row (the planner gives it arena space for that one step)."""

from __future__ import annotations

import numpy as np

from selbuild.convert.ops import recurrent as fr
from selbuild.convert.ops._common import describe
from selbuild.convert.registry import Lowered, lower
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node, Tensor


def tensor_scale(g: Graph, n: Node, t: Tensor, what: str) -> float:
    """The one symmetric scale of a constant int8 weight."""
    q = t.quant
    if t.dtype != "i8" or not t.is_const:
        raise UnsupportedError(f"{describe(g, n)}: {what} must be a constant int8 tensor, got {t.dtype}")
    if q is None or np.asarray(q.scale).size != 1:
        got = 0 if q is None else np.asarray(q.scale).size
        raise UnsupportedError(f"{describe(g, n)}: {what} needs one quantization scale (LiteRT's hybrid "
                               f"recurrent kernels read one per tensor), got {got}")
    if np.any(np.asarray(q.zero_point) != 0):
        raise UnsupportedError(f"{describe(g, n)}: hybrid weights must be symmetric (zero point 0)")
    s = float(np.asarray(q.scale, dtype=np.float32).reshape(-1)[0])
    if not (np.isfinite(s) and s > 0):
        raise UnsupportedError(f"{describe(g, n)}: {what} scale must be finite and positive, got {s}")
    return s


def scales_tensor(g: Graph, n: Node, values: list[float]) -> int:
    name = g.tensors[n.outputs[0]].name
    data = np.asarray(values, dtype=np.float32)
    return g.add_tensor(Tensor(name=f"{name}/weight_scales", shape=(data.size,), dtype="f32", data=data))


def _asym(n: Node) -> int:
    return int(bool(n.attrs.get("asymmetric_quantize_inputs", False)))


def _float_input(g: Graph, n: Node, i: int, what: str) -> None:
    t = fr._t(g, n, i)
    if t is not None and t.dtype != "f32":
        raise UnsupportedError(f"{describe(g, n)}: {what} must be float32 in a hybrid op, got {t.dtype}")


@lower("unidirectional_sequence_rnn", dtype="f32i8")
def rnn_hybrid(g: Graph, n: Node) -> Lowered:
    b, _, i = fr._seq_dims(g, n)
    w, r = g.tensors[n.inputs[1]], g.tensors[n.inputs[2]]
    if len(w.shape) != 2 or tuple(r.shape) != (w.shape[0], w.shape[0]) or w.shape[1] != i:
        raise UnsupportedError(f"{describe(g, n)}: weights {list(w.shape)} and {list(r.shape)} do not fit "
                               f"input depth {i}")
    u = w.shape[0]
    scales = [tensor_scale(g, n, w, "the weights"), tensor_scale(g, n, r, "the recurrent weights")]
    fr._need(g, n, fr._t(g, n, 3), "the bias", (u,))
    _float_input(g, n, 4, "the state")
    outs = fr._state_outputs(g, n, 1)
    q = g.add_tensor(Tensor(name=f"{g.tensors[n.inputs[0]].name}/quantized_row", shape=(max(i, u),), dtype="i8"))
    return Lowered(kernel=n.kernel, inputs=[fr._opt(n, k) for k in range(5)] + [scales_tensor(g, n, scales)],
                   outputs=[n.outputs[0], *outs, q],
                   iparams={"time_major": int(bool(n.attrs.get("time_major", False))),
                            "activation": fr._activation(g, n), "asymmetric": _asym(n)})


@lower("svdf", dtype="f32i8")
def svdf_hybrid(g: Graph, n: Node) -> Lowered:
    x, wf, wt = (g.tensors[n.inputs[k]] for k in range(3))
    if len(x.shape) != 2 or len(wf.shape) != 2 or len(wt.shape) != 2 or wf.shape[1] != x.shape[1] \
            or wt.shape[0] != wf.shape[0]:
        raise UnsupportedError(f"{describe(g, n)}: input {list(x.shape)} and weights {list(wf.shape)}, "
                               f"{list(wt.shape)} do not fit")
    (_, i), f = x.shape, wf.shape[0]
    u = f // fr._svdf_rank(g, n, f)
    scales = [tensor_scale(g, n, wf, "the feature weights"), tensor_scale(g, n, wt, "the time weights")]
    if fr._opt(n, 3) >= 0:
        fr._need(g, n, fr._t(g, n, 3), "the bias", (u,))
    _float_input(g, n, 4, "the state")
    outs = fr._state_outputs(g, n, 1)
    name = g.tensors[n.outputs[0]].name
    scratch = g.add_tensor(Tensor(name=f"{name}/svdf_scratch", shape=(f,), dtype="f32"))
    q = g.add_tensor(Tensor(name=f"{g.tensors[n.inputs[0]].name}/quantized_row", shape=(i,), dtype="i8"))
    return Lowered(kernel=n.kernel, inputs=[fr._opt(n, k) for k in range(5)] + [scales_tensor(g, n, scales)],
                   outputs=[n.outputs[0], *outs, scratch, q],
                   iparams={"rank": fr._svdf_rank(g, n, f), "activation": fr._activation(g, n), "asymmetric": _asym(n)})


@lower("unidirectional_sequence_lstm", dtype="f32i8")
def lstm_hybrid(g: Graph, n: Node) -> Lowered:
    c, clips = fr.lstm_operands(g, n, "i8")
    b, _, i = fr._seq_dims(g, n)
    _, o = fr._lstm_units(g, n)
    # scales in the kernel's order: Wx i f c o, Wh i f c o, peephole i f o, projection; 1 where absent
    scales = [tensor_scale(g, n, g.tensors[fr._opt(n, k)], f"weight operand {k}") if fr._opt(n, k) >= 0 else 1.0
              for k in fr.LSTM_WEIGHTS]
    outs = fr._state_outputs(g, n, 2)
    name = g.tensors[n.outputs[0]].name
    scratch = g.add_tensor(Tensor(name=f"{name}/lstm_gates", shape=(8 * c,), dtype="f32"))
    q = g.add_tensor(Tensor(name=f"{name}/quantized_row", shape=(max(i, o, c),), dtype="i8"))
    inputs = [fr._opt(n, k) for k in range(fr._LSTM_INPUTS)] + [scales_tensor(g, n, scales)]
    return Lowered(kernel=n.kernel, inputs=inputs, outputs=[n.outputs[0], *outs, scratch, q],
                   iparams={"time_major": int(bool(n.attrs.get("time_major", False))),
                            "activation": fr._activation(g, n), "asymmetric": _asym(n)},
                   fparams=clips)
