"""Quantized values of an XNNPACK delegate graph, and the dynamically
quantized fully connected node lowered onto selbuild's hybrid kernel.

ExecuTorch's XNNPACKQuantizer with `is_dynamic=True` gives XNNPACK graphs in
which a Convert node quantizes a float activation per row at run time
(datatype qdint8, DynamicPerToken) and a FullyConnected node reads it with
constant per-channel int8 weights (qcint8, ChannelScales along dim 0) and a
float bias, writing float. That is selbuild's `fully_connected.f32i8`: the
kernel quantizes each input row asymmetrically itself, so the Convert is a
pass-through of the float value and the weights stay 8-bit in the program.

In the fx graph the node is a call of `DYNAMIC_LINEAR` (its torch meaning, for
the fx reference: a linear layer with the dequantized weights); the lowering
registered here turns it into the hybrid IR node.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from selbuild import ir
from selbuild._generated.xnnfb import Datatype as DT
from selbuild._generated.xnnfb import QuantParams as QP
from selbuild._generated.xnnfb.ChannelScales import ChannelScales
from selbuild._generated.xnnfb.DynamicPerToken import DynamicPerToken
from selbuild._generated.xnnfb.TensorScale import TensorScale
from selbuild.errors import ModelError, UnsupportedError
from selbuild.frontends.torch_registry import handles

NO_ID = 0xFFFFFFFF          # the graph's "no value" id (an absent bias, an internal value's slot)

NAME = "selbuild.xnnpack_dynamic_linear"


@dataclass
class XQuant:
    """A QuantTensor's parameters: per channel (scales along channel_dim, or
    scale_count floats in constant `scale_buffer`), per tensor, or dynamic."""

    kind: str                            # "channel", "tensor", "dynamic", "other"
    scales: np.ndarray | None = None
    channel_dim: int = 0
    scale_buffer: int = 0
    scale_count: int = 0
    zero_point: int = 0


def read_quant(qt: Any) -> XQuant:
    """The parameters of a (flatbuffer) QuantTensor."""
    u, kind = qt.Quant(), qt.QuantType()
    if u is None:
        return XQuant("other")
    if kind == QP.QuantParams.ChannelScales:
        c = ChannelScales()
        c.Init(u.Bytes, u.Pos)
        scales = np.asarray(c.ScalesAsNumpy(), np.float32).copy() if c.ScalesLength() else None
        return XQuant("channel", scales, c.ChannelDim(), c.ScaleBuffer(), c.ScaleCount())
    if kind == QP.QuantParams.TensorScale:
        t = TensorScale()
        t.Init(u.Bytes, u.Pos)
        return XQuant("tensor", np.asarray([t.Scale()], np.float32), zero_point=t.ZeroPoint())
    if kind == QP.QuantParams.DynamicPerToken:
        d = DynamicPerToken()
        d.Init(u.Bytes, u.Pos)
        return XQuant("dynamic", channel_dim=d.NonBatchDims())
    return XQuant("other")


class _DynamicLinear:
    """fx target: y = x @ (w * scales[:, None]).T + b, the float meaning of the hybrid node."""

    def __call__(self, x: Any, w: Any, scales: Any, b: Any = None) -> Any:
        import torch
        return torch.nn.functional.linear(x, w.to(torch.float32) * scales[:, None], b)

    def __str__(self) -> str:
        return NAME

    __name__ = NAME


DYNAMIC_LINEAR = _DynamicLinear()
CONV_NAME = "selbuild.xnnpack_dynamic_conv"


class _DynamicConv:
    """fx target: an NHWC convolution with the dequantized OHWI filter, the float
    meaning of conv2d.f32i8; p holds stride, dilation and pads (top, right, bottom, left)."""

    def __call__(self, x: Any, w: Any, scales: Any, b: Any, p: dict) -> Any:
        import torch
        filt = (w.to(torch.float32) * scales[:, None, None, None]).permute(0, 3, 1, 2)
        t, r, bo, left = p["pads"]
        xp = torch.nn.functional.pad(x.permute(0, 3, 1, 2), [left, r, t, bo])
        return torch.nn.functional.conv2d(xp, filt, b, p["stride"], 0, p["dilation"]).permute(0, 2, 3, 1)

    def __str__(self) -> str:
        return CONV_NAME

    __name__ = CONV_NAME


DYNAMIC_CONV = _DynamicConv()


def is_dynamic(em: Any, vid: int) -> bool:
    v = em.xg.values.get(vid)
    return v is not None and v.datatype == DT.Datatype.qdint8


def channel_weights(em: Any, vid: int, rank: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """(int8 weights, one float scale per output channel) of a qcint8 constant [out, ...] of `rank`."""
    v = em.xg.values[vid]
    q = v.qparams
    if v.datatype != DT.Datatype.qcint8 or not v.constant or q is None or q.kind != "channel" or len(v.dims) != rank:
        raise UnsupportedError(f"XNNPACK weights {vid} (datatype {v.datatype}) are not constant per-channel "
                               f"int8 of rank {rank} (selbuild lowers those for dynamic quantization)")
    n = math.prod(v.dims)
    raw = em.xg.constant(v.constant)
    if len(raw) < n:
        raise ModelError(f"XNNPACK constant {vid} is truncated")
    w = np.frombuffer(raw[:n], np.int8).reshape(v.dims).copy()
    scales = channel_scales(em, v)
    if scales is None or q.channel_dim != 0 or scales.size != v.dims[0]:
        raise UnsupportedError(f"XNNPACK weights {vid}: {0 if scales is None else scales.size} scales along dim "
                               f"{q.channel_dim}; the hybrid kernel takes one per output channel (dim 0)")
    return w, scales


def channel_scales(em: Any, v: Any) -> np.ndarray | None:
    """The per-channel scales of a ChannelScales value (inline, or in a constant buffer)."""
    q = v.qparams
    scales = q.scales
    if scales is None and q.scale_buffer:
        sraw = em.xg.constant(q.scale_buffer)
        if len(sraw) < 4 * q.scale_count:
            raise ModelError(f"XNNPACK value {v.id}: scale buffer holds fewer than {q.scale_count} scales")
        scales = np.frombuffer(sraw[:4 * q.scale_count], np.float32).copy()
    if scales is not None and not np.all(np.isfinite(scales) & (scales > 0)):
        raise ModelError(f"XNNPACK value {v.id}: scales must be finite and positive")
    return scales


def dynamic_linear(em: Any, a: Any) -> Any:
    """A FullyConnected reading a dynamically quantized input, as DYNAMIC_LINEAR."""
    if not is_dynamic(em, a.X()):
        raise UnsupportedError("XNNPACK FullyConnected with int8 weights and a statically quantized input "
                               "(static int8 XNNPACK graphs are not lowered yet)")
    w, scales = channel_weights(em, a.Filter())
    b = em.value(a.Bias()) if a.Bias() != NO_ID else None
    xs, out = em.shape(a.X()), em.shape(a.Out())
    if len(xs) < 1 or xs[-1] != w.shape[1] or (out and out[-1] != w.shape[0]):
        raise ModelError(f"XNNPACK FullyConnected: input {list(xs)} does not meet weights {list(w.shape)}")
    wn = em.placeholder(w, f"{em.tag}_w{a.Filter()}")
    sn = em.placeholder(scales, f"{em.tag}_s{a.Filter()}")
    return em.call(DYNAMIC_LINEAR, (em.value(a.X()), wn, sn, b), out)


def dynamic_conv(em: Any, a: Any) -> Any:
    """A Conv2d reading a dynamically quantized (per image) input, as DYNAMIC_CONV."""
    if not is_dynamic(em, a.X()) or a.Groups() != 1:
        raise UnsupportedError("XNNPACK Conv2d with int8 weights: only ungrouped convolutions of a "
                               "dynamically quantized input are lowered")
    w, scales = channel_weights(em, a.Filter(), 4)
    # the shape of the float value the Convert passed on (a qdint8 value may keep its NCHW dims)
    val = getattr(em.value(a.X()), "meta", {}).get("val")
    xs = tuple(val.shape) if val is not None else em.shape(a.X())
    if len(xs) != 4 or xs[3] != w.shape[3]:
        raise ModelError(f"XNNPACK Conv2d: input {list(xs)} does not meet filter {list(w.shape)}")
    p = dict(stride=[a.StrideH(), a.StrideW()], dilation=[a.DilationH() or 1, a.DilationW() or 1],
             pads=[a.PadTop(), a.PadRight(), a.PadBottom(), a.PadLeft()])
    b = em.value(a.Bias()) if a.Bias() != NO_ID else None
    wn = em.placeholder(w, f"{em.tag}_w{a.Filter()}")
    sn = em.placeholder(scales, f"{em.tag}_s{a.Filter()}")
    return em.call(DYNAMIC_CONV, (em.value(a.X()), wn, sn, b, p), em.shape(a.Out()))


@handles(CONV_NAME)
def _lower_dynamic_conv(low, n, x, w, scales, b, p):
    from selbuild.frontends.torch_handlers import _pad_mode
    from selbuild.frontends.torch_lower import Unsupported
    if w.const is None or scales.const is None or (b is not None and b.const is None):
        raise Unsupported("weights computed at run time")
    out_shape = tuple(int(d) for d in n.meta["val"].shape)
    xs = x.shape
    kh, kw = w.const.shape[1], w.const.shape[2]
    t, r, bo, left = p["pads"]
    modes = {_pad_mode(xs[1], kh, p["stride"][0], p["dilation"][0], t, out_shape[1]) if t == bo else None,
             _pad_mode(xs[2], kw, p["stride"][1], p["dilation"][1], left, out_shape[2]) if left == r else None}
    tin = low.plain(x, f"{n.name}_x")
    if len(modes) != 1 or None in modes:
        shape = (xs[0], xs[1] + t + bo, xs[2] + left + r, xs[3])
        padded = low.new(f"{n.name}_padded", shape, False)
        rows = np.array([[0, 0], [t, bo], [left, r], [0, 0]], np.int32)
        low.node("pad", [tin, low.const_tensor(rows, f"{n.name}_paddings")], [padded.tid])
        tin, modes = padded.tid, {"valid"}
    wt = low.const_tensor(w.const.astype(np.int8), f"{n.name}_filter")
    low.g.tensors[wt].quant = ir.Quant(scale=scales.const.astype(np.float32),
                                       zero_point=np.zeros(scales.const.size, np.int64), axis=0)
    bias = low.const_tensor(b.const.astype(np.float32), f"{n.name}_bias") if b is not None else -1
    y = low.new(n.name, out_shape, False)
    low.node("conv2d", [tin, wt, bias], [y.tid], stride_h=int(p["stride"][0]), stride_w=int(p["stride"][1]),
             padding=modes.pop(), dilation_h=int(p["dilation"][0]), dilation_w=int(p["dilation"][1]),
             activation="none").dtype = "f32i8"
    return y


@handles(NAME)
def _lower_dynamic_linear(low, n, x, w, scales, b=None):
    from selbuild.frontends.torch_lower import Unsupported
    if w.const is None or scales.const is None or (b is not None and b.const is None):
        raise Unsupported("weights computed at run time")
    out_shape = tuple(int(d) for d in n.meta["val"].shape)
    wt = low.g.tensors[low.const_tensor(w.const.astype(np.int8), f"{n.name}_weights")]
    wt.quant = ir.Quant(scale=scales.const.astype(np.float32), zero_point=np.zeros(scales.const.size, np.int64),
                        axis=0)
    inputs = [low.plain(x, f"{n.name}_x"), low.g.tensors.index(wt)]
    inputs.append(low.const_tensor(b.const.astype(np.float32), f"{n.name}_bias") if b is not None else -1)
    y = low.new(n.name, out_shape, False)
    low.node("fully_connected", inputs, [y.tid], activation="none", asymmetric_quantize_inputs=True,
             keep_num_dims=len(out_shape) > 2).dtype = "f32i8"
    return y
