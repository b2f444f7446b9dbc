"""Statically quantized (int8) XNNPACK delegate graphs onto selbuild's int8 kernels.

ExecuTorch's XNNPACKQuantizer with the static symmetric config gives graphs of
qint8 activations (one scale and zero point each), per-channel qcint8 weights
and qcint32 biases, between a Convert from fp32 (quantize) and a Convert back
(dequantize). XNNPACK is NHWC like selbuild's IR, so every quantized value
becomes an int8 IR tensor of exactly its XNNPACK dims with its quantization,
and every node one int8 IR node (conv2d.i8, depthwise_conv2d.i8,
fully_connected.i8, add.i8, transpose.i8, reshape.i8, pad.i8, quantize.i8,
dequantize.i8); a node's output range becomes its fused activation.

In the fx graph each such node is a call of a `QOp` (str: `selbuild.xnnq.<op>`;
called by torch, it computes the node in float on dequantized values, for the
fx reference), whose lowering below builds the IR node.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from selbuild import ir
from selbuild._generated.xnnfb import Datatype as DT
from selbuild.errors import ModelError, UnsupportedError
from selbuild.frontends.torch_registry import register

_Q8 = (DT.Datatype.qint8,)


class QOp:
    """fx target of one int8 node kind; p (the last argument) holds its parameters."""

    def __init__(self, op: str) -> None:
        self.op, self.__name__ = op, f"selbuild.xnnq.{op}"

    def __str__(self) -> str:
        return self.__name__

    def __call__(self, *args: Any) -> Any:      # the float meaning, for the fx reference
        import torch
        xs, p = _split(args, lambda t: t.numpy())
        deq = [(x.to(torch.float32) - z) * s if x.dtype == torch.int8 else x
               for x, (s, z) in zip(xs, p.get("in_q", [(1.0, 0)] * len(xs)))]
        y = _FLOAT[self.op](torch, deq, p)
        if p.get("out_q") is None:
            return y
        s, z = p["out_q"]
        return torch.clamp(torch.round(y / s) + z, p.get("qmin", -128), 127).to(torch.int8)


def _split(args: tuple, arr: Any) -> tuple[list, dict]:
    """(activations, parameters) of a QOp call: (*activations, *constants, p);
    the constants (weights, scales, bias) are fx placeholders, named in p["consts"]."""
    *rest, p = args
    n = len(rest) - len(p["consts"])
    return rest[:n], {**p, **{k: arr(v) for k, v in zip(p["consts"], rest[n:])}}


def _float_conv(torch: Any, xs: list, p: dict) -> Any:
    x = xs[0].permute(0, 3, 1, 2)
    w = torch.from_numpy((p["w"] * p["ws"].reshape(p["ws_shape"])).astype(np.float32))
    w = w.permute(0, 3, 1, 2) if p["groups"] == 1 else w.permute(3, 0, 1, 2)
    t, r, b, left = p["pads"]
    x = torch.nn.functional.pad(x, [left, r, t, b])
    bias = torch.from_numpy((p["b"] * p["bs"]).astype(np.float32)) if p.get("b") is not None else None
    return torch.nn.functional.conv2d(x, w, bias, p["stride"], 0, p["dilation"], p["groups"]).permute(0, 2, 3, 1)


_FLOAT = {
    "quantize": lambda torch, xs, p: xs[0],
    "requantize": lambda torch, xs, p: xs[0],
    "dequantize": lambda torch, xs, p: xs[0],
    "transpose": lambda torch, xs, p: xs[0].permute(p["perm"]),
    "reshape": lambda torch, xs, p: xs[0].reshape(p["shape"]),
    "add": lambda torch, xs, p: xs[0] + xs[1],
    "clamp": lambda torch, xs, p: torch.clamp(xs[0], *_ACT_RANGE[p["act"]]),
    "mean": lambda torch, xs, p: xs[0].mean((1, 2), keepdim=True),
    "conv": _float_conv,
    "linear": lambda torch, xs, p: torch.nn.functional.linear(
        xs[0].reshape(-1, p["w"].shape[1]), torch.from_numpy((p["w"] * p["ws"][:, None]).astype(np.float32)),
        torch.from_numpy((p["b"] * p["bs"]).astype(np.float32)) if p.get("b") is not None else None),
}
OPS = {k: QOp(k) for k in _FLOAT}
_ACT_RANGE = {"relu": (0.0, None), "relu6": (0.0, 6.0), "relu_n1_to_1": (-1.0, 1.0)}


# ----------------------------------------------------------------- reading the XNNPACK graph

def is_static(em: Any, kind: str, a: Any) -> bool:
    """A node of the static int8 part: it writes a qint8 value or converts one to float."""
    out = em.xg.values.get(a.Out()) if a is not None and hasattr(a, "Out") else None
    if out is not None and out.datatype in _Q8:
        return True
    if kind == "Convert":
        x = em.xg.values.get(a.X())
        return x is not None and x.datatype in _Q8
    return False


def _tensor_q(em: Any, vid: int) -> tuple[float, int]:
    v = em.xg.values[vid]
    q = v.qparams
    if v.datatype not in _Q8 or q is None or q.kind != "tensor" or q.scales is None:
        raise UnsupportedError(f"XNNPACK value {vid} is not a per-tensor qint8 value (datatype {v.datatype})")
    s, z = float(q.scales[0]), int(q.zero_point)
    if not (s > 0 and math.isfinite(s)) or not -128 <= z <= 127:
        raise ModelError(f"XNNPACK value {vid}: scale {s} / zero point {z} not usable for int8")
    return s, z


def _const(em: Any, vid: int, dtype: Any, what: str) -> tuple[np.ndarray, np.ndarray, int]:
    """(values, per-channel or per-tensor scales, channel dim) of a quantized constant."""
    from selbuild.frontends.xnnpack_quant import channel_scales
    v = em.xg.values.get(vid)
    if v is None or not v.constant or v.qparams is None:
        raise UnsupportedError(f"XNNPACK {what} {vid} is not a quantized constant")
    n = math.prod(v.dims) if v.dims else 1
    raw = em.xg.constant(v.constant)
    size = np.dtype(dtype).itemsize
    if len(raw) < size * n:
        raise ModelError(f"XNNPACK constant {vid} is truncated")
    arr = np.frombuffer(raw[:size * n], dtype).reshape(v.dims).copy()
    q = v.qparams
    if q.kind == "tensor" and q.scales is not None:
        if q.zero_point:
            raise UnsupportedError(f"XNNPACK {what} {vid} has zero point {q.zero_point} (symmetric only)")
        return arr, q.scales, 0
    scales = channel_scales(em, v) if q.kind == "channel" else None
    if scales is None:
        raise UnsupportedError(f"XNNPACK {what} {vid} has no per-tensor or per-channel scales")
    return arr, scales, q.channel_dim


def _act(em: Any, rng: tuple[float, float] | None, out: int) -> str:
    s, z = _tensor_q(em, out)
    lo_q, hi_q = (-128 - z) * s, (127 - z) * s            # what the int8 value can hold
    lo, hi = rng if rng is not None else (-math.inf, math.inf)
    lo, hi = max(lo, lo_q), min(hi, hi_q)
    if lo <= lo_q and hi >= hi_q:
        return "none"
    for act, (a_lo, a_hi) in (("relu", (0.0, math.inf)), ("relu6", (0.0, 6.0)), ("relu_n1_to_1", (-1.0, 1.0))):
        if abs(lo - max(a_lo, lo_q)) <= s / 2 and abs(hi - min(a_hi, hi_q)) <= s / 2:
            return act
    raise UnsupportedError(f"XNNPACK int8 output range [{rng[0]}, {rng[1]}] is no fused activation")


def static_node(em: Any, kind: str, a: Any, rng: tuple[float, float] | None) -> tuple[int, Any]:
    """One node of the int8 part, as a QOp call in the fx graph."""
    import torch
    out = a.Out()
    shape = em.shape(out)
    p: dict[str, Any] = {}
    if kind == "Convert":
        src_q = em.xg.values[a.X()].datatype in _Q8
        op, ins = ("dequantize" if src_q else "quantize"), [a.X()]
        if not src_q and em.xg.values[a.X()].datatype != DT.Datatype.fp32:
            raise UnsupportedError(f"XNNPACK Convert from datatype {em.xg.values[a.X()].datatype}")
    elif kind == "Transpose":
        op, ins = "transpose", [a.X()]
        p["perm"] = [int(a.Perm(i)) for i in range(a.PermLength())]
    elif kind == "Reshape":
        op, ins = "reshape", [a.X()]
        p["shape"] = list(shape)
    elif kind == "Add":
        op, ins = "add", [a.A(), a.B()]
        p["act"] = _act(em, rng, out)
    elif kind == "Clamp":                   # the bounds are the node's output range
        op, ins = "clamp", [a.X()]
        p["act"] = _act(em, rng, out)
        if p["act"] == "none":              # the int8 range lies inside the bounds already
            if _tensor_q(em, a.X()) == _tensor_q(em, out):
                return out, em.value(a.X())
            op = "requantize"
    elif kind == "GlobalAvgPool2d":         # NHWC: mean over H and W
        op, ins = "mean", [a.X()]
    elif kind in ("Conv2d", "DepthwiseConv2d"):
        op, ins = "conv", [a.X()]
        _conv_params(em, kind, a, p)
        p["act"] = _act(em, rng, out)
    elif kind == "FullyConnected":
        op, ins = "linear", [a.X()]
        w, ws, dim = _const(em, a.Filter(), np.int8, "weights")
        if w.ndim != 2 or dim != 0:
            raise UnsupportedError(f"XNNPACK int8 FullyConnected weights {list(w.shape)} scaled along dim {dim}")
        p.update(w=w, ws=np.broadcast_to(ws, (w.shape[0],)).astype(np.float32).copy())
        _bias(em, a.Bias(), w.shape[0], p)
        p["act"] = _act(em, rng, out)
    else:
        raise UnsupportedError(f"XNNPACK int8 node {kind} has no selbuild lowering")
    p["in_q"] = [_tensor_q(em, i) if em.xg.values[i].datatype in _Q8 else (1.0, 0) for i in ins]
    p["out_q"] = None if op == "dequantize" else _tensor_q(em, out)
    arrays = {k: p.pop(k) for k in ("w", "ws", "b", "bs") if k in p}
    p["consts"] = list(arrays)
    consts = [em.placeholder(v, f"{em.tag}_{k}{out}") for k, v in arrays.items()]
    node = em.call(OPS[op], (*[em.value(i) for i in ins], *consts, p), shape)
    if op != "dequantize":
        node.meta["val"] = torch.empty(shape, dtype=torch.int8)
    return out, node


def _bias(em: Any, vid: int, channels: int, p: dict) -> None:
    from selbuild.frontends.xnnpack_quant import NO_ID
    if vid == NO_ID:
        return
    b, bs, _ = _const(em, vid, np.int32, "bias")
    if b.shape != (channels,):
        raise ModelError(f"XNNPACK bias {vid} has shape {list(b.shape)}, not [{channels}]")
    p.update(b=b, bs=np.broadcast_to(bs, (channels,)).astype(np.float32).copy())


def _conv_params(em: Any, kind: str, a: Any, p: dict) -> None:
    w, ws, dim = _const(em, a.Filter(), np.int8, "filter")
    if w.ndim != 4:
        raise ModelError(f"XNNPACK filter {a.Filter()} has rank {w.ndim}")
    depthwise = kind == "DepthwiseConv2d"
    oc = w.shape[3] if depthwise else w.shape[0]
    if ws.size != 1 and dim != (3 if depthwise else 0):
        raise UnsupportedError(f"XNNPACK filter scales along dim {dim}")
    cin = em.shape(a.X())[3]
    p.update(w=w, ws=np.broadcast_to(ws, (oc,)).astype(np.float32).copy(),
             ws_shape=(1, 1, 1, oc) if depthwise else (oc, 1, 1, 1),
             stride=[a.StrideH(), a.StrideW()], dilation=[a.DilationH() or 1, a.DilationW() or 1],
             pads=[a.PadTop(), a.PadRight(), a.PadBottom(), a.PadLeft()],
             groups=cin if depthwise else a.Groups())
    if not depthwise and a.Groups() != 1:
        raise UnsupportedError(f"XNNPACK int8 grouped convolution (groups={a.Groups()})")
    _bias(em, a.Bias(), oc, p)


# ----------------------------------------------------------------- lowering to the IR

def _qtensor(low: Any, name: str, shape: tuple[int, ...], q: tuple[float, int]) -> int:
    return low.g.add_tensor(ir.Tensor(name, tuple(shape), "i8", quant=ir.Quant(
        np.asarray([q[0]], np.float32), np.asarray([q[1]], np.int64))))


def _qconst(low: Any, arr: np.ndarray, name: str, dtype: str, scales: np.ndarray, axis: int) -> int:
    tid = low.const_tensor(arr, name, dtype)
    low.g.tensors[tid].quant = ir.Quant(scales.astype(np.float32), np.zeros(scales.size, np.int64), axis)
    return tid


def _lower(op: str):
    def handler(low: Any, n: Any, *args: Any) -> Any:
        from selbuild.frontends.torch_lower import Unsupported, Val
        xs, p = _split(args, lambda v: v.const)
        if any(not isinstance(x, Val) or x.const is not None for x in xs):
            raise Unsupported("int8 XNNPACK node on a constant input")
        shape = tuple(int(d) for d in n.meta["val"].shape)
        tins = [low.plain(x, f"{n.name}_in{i}") if op == "quantize" else x.tid for i, x in enumerate(xs)]
        if op == "dequantize":
            y = low.new(n.name, shape, False)
            low.node("dequantize", tins, [y.tid]).dtype = "i8"
            return y
        out = _qtensor(low, n.name, shape, p["out_q"])
        if op == "quantize":
            low.node("quantize", tins, [out]).dtype = "i8"
        elif op == "requantize":
            low.node("quantize", tins, [out]).dtype = "i8i8"
        elif op == "transpose":
            low.node("transpose", [tins[0], low.ints(p["perm"], f"{n.name}_perm")], [out]).dtype = "i8"
        elif op == "reshape":
            low.node("reshape", [tins[0], low.ints(list(shape), f"{n.name}_shape")], [out],
                     new_shape=list(shape)).dtype = "i8"
        elif op == "clamp":
            low.node(p["act"], tins, [out]).dtype = "i8"
        elif op == "mean":
            low.node("mean", [tins[0], low.ints([1, 2], f"{n.name}_axes")], [out], keep_dims=True).dtype = "i8"
        elif op == "add":
            low.node("add", tins, [out], activation=p["act"]).dtype = "i8"
        elif op == "linear":
            w = _qconst(low, p["w"], f"{n.name}_weights", "i8", p["ws"], 0)
            b = _qconst(low, p["b"], f"{n.name}_bias", "i32", p["bs"], 0) if "b" in p else -1
            low.node("fully_connected", [tins[0], w, b], [out], activation=p["act"],
                     keep_num_dims=len(shape) > 2).dtype = "i8"
        else:
            _lower_conv(low, n, tins[0], out, p, xs[0].shape)
        return Val(shape, tid=out)
    return handler


def _lower_conv(low: Any, n: Any, tin: int, out: int, p: dict, x_shape: tuple[int, ...]) -> None:
    from selbuild.frontends.torch_handlers import _pad_mode
    t, r, b, left = p["pads"]
    kh, kw = p["w"].shape[1], p["w"].shape[2]
    o = low.g.tensors[out].shape
    modes = {_pad_mode(x_shape[1], kh, p["stride"][0], p["dilation"][0], t, o[1]) if t == b else None,
             _pad_mode(x_shape[2], kw, p["stride"][1], p["dilation"][1], left, o[2]) if left == r else None}
    if len(modes) != 1 or None in modes:        # explicit padding with the zero point (real 0)
        shape = (x_shape[0], x_shape[1] + t + b, x_shape[2] + left + r, x_shape[3])
        padded = _qtensor(low, f"{n.name}_padded", shape, p["in_q"][0])
        rows = np.array([[0, 0], [t, b], [left, r], [0, 0]], np.int32)
        low.node("pad", [tin, low.const_tensor(rows, f"{n.name}_paddings")], [padded]).dtype = "i8"
        tin, modes = padded, {"valid"}
    depthwise = p["groups"] != 1
    w = _qconst(low, p["w"], f"{n.name}_filter", "i8", p["ws"], 3 if depthwise else 0)
    b_ = _qconst(low, p["b"], f"{n.name}_bias", "i32", p["bs"], 0) if "b" in p else -1
    attrs: dict[str, Any] = dict(stride_h=int(p["stride"][0]), stride_w=int(p["stride"][1]), padding=modes.pop(),
                                 dilation_h=int(p["dilation"][0]), dilation_w=int(p["dilation"][1]),
                                 activation=p["act"])
    if depthwise:
        attrs["depth_multiplier"] = p["w"].shape[3] // x_shape[3]
    low.node("depthwise_conv2d" if depthwise else "conv2d", [tin, w, b_], [out], **attrs).dtype = "i8"


for _op, _q in OPS.items():
    register(str(_q), _lower(_op))
