"""ExecuTorch's XNNPACK delegate payload, read and rebuilt as ATen ops.

A delegate call of an XNNPACK-lowered program hands its inputs to an XNNPACK
graph stored as the delegate's processed bytes: a 30-byte header ("XH00":
flatbuffer offset and size, constant data offset and size) then a flatbuffer
(identifier "XN00", our schema: schemas/xnnpack_graph.fbs) of values and nodes.
Weights live in the program's named data (ExecuTorch 1.x, found by key) or in
the payload's own constant data.

XNNPACK tensors are NHWC where the model was NCHW (the delegate inserts its own
transposes at the boundaries). We rebuild each node as the ATen ops computing
the same thing on the same layout (a convolution is permute, conv, permute back)
inside the fx graph executorch_load builds for the whole plan, so delegated and
portable parts of a plan share one lowering; the lowering's layout tracking
makes the inner permutes free. The same fx graph run by torch is the reference.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from selbuild._generated.xnnfb import Datatype as DT
from selbuild._generated.xnnfb import NodeKind as NK
from selbuild._generated.xnnfb import ValueKind as VK
from selbuild._generated.xnnfb.Binary import Binary
from selbuild._generated.xnnfb.Concat import Concat
from selbuild._generated.xnnfb.ConstantPad import ConstantPad
from selbuild._generated.xnnfb.Conv import Conv
from selbuild._generated.xnnfb.Elu import Elu
from selbuild._generated.xnnfb.FullyConnected import FullyConnected
from selbuild._generated.xnnfb.Graph import Graph
from selbuild._generated.xnnfb.LeakyRelu import LeakyRelu
from selbuild._generated.xnnfb.Pool import Pool
from selbuild._generated.xnnfb.QuantTensor import QuantTensor
from selbuild._generated.xnnfb.Reshape import Reshape
from selbuild._generated.xnnfb.Slice import Slice
from selbuild._generated.xnnfb.Tensor import Tensor
from selbuild._generated.xnnfb.Transpose import Transpose
from selbuild._generated.xnnfb.Unary import Unary
from selbuild.errors import ModelError, UnsupportedError
from selbuild.frontends import xnnpack_quant as xq
from selbuild.frontends import xnnpack_static as xs
from selbuild.frontends.xnnpack_quant import NO_ID, read_quant

BACKEND = "XnnpackBackend"
KIND_NAMES = {v: k for k, v in vars(NK.NodeKind).items() if not k.startswith("_")}

# node kind -> the table its arguments are stored in
_TABLES: dict[str, type] = {
    **{k: Binary for k in ("Add", "Subtract", "Multiply", "Divide", "Minimum", "Maximum", "BatchMatMul", "PRelu")},
    **{k: Unary for k in ("Softmax", "Sigmoid", "Clamp", "Floor", "Convert", "GlobalAvgPool2d", "SquareRoot",
                          "Ceiling", "Hardswish", "Negate", "Square", "Abs", "RSqrt", "Log", "Gelu", "Tanh",
                          "Exp", "Sin", "Copy", "Cos")},
    **{k: Conv for k in ("Conv2d", "DepthwiseConv2d")},
    **{k: Pool for k in ("AvgPool2d", "MaxPool2d")},
    **{f"Concat{i}": Concat for i in (2, 3, 4, 5)},
    "FullyConnected": FullyConnected, "Transpose": Transpose, "Reshape": Reshape, "Slice": Slice,
    "ConstantPad": ConstantPad, "Elu": Elu, "LeakyRelu": LeakyRelu,
}


@dataclass
class XValue:
    id: int
    dims: tuple[int, ...]
    datatype: int
    constant: int               # constant data index, 0 if none
    external: int               # delegate input/output slot, NO_ID if internal
    quantized: bool
    qparams: Any = None         # xnnpack_quant.XQuant of a quantized value


@dataclass
class XGraph:
    values: dict[int, XValue]
    nodes: list[tuple[str, Any, tuple[float, float] | None]]   # kind, argument table, output range
    inputs: list[int]
    outputs: list[int]
    constant: Callable[[int], bytes]     # constant data index -> bytes


def _payload(blob: bytes) -> tuple[bytes, bytes]:
    """(flatbuffer, constant data) of a delegate payload."""
    if len(blob) >= 30 and blob[4:8] == b"XH00":
        _, fb_off, fb_size, c_off, c_size = struct.unpack_from("<HIIIQ", blob, 8)
        if fb_off + fb_size > len(blob) or c_off + c_size > len(blob):
            raise ModelError("XNNPACK payload header points past its end")
        return blob[fb_off:fb_off + fb_size], blob[c_off:c_off + c_size]
    if blob[4:8] == b"XN00":                    # no header: flatbuffer only
        return blob, b""
    raise ModelError("delegate payload is not an XNNPACK graph (no 'XH00' header or 'XN00' identifier)")


def read_graph(blob: bytes, named: Callable[[str], bytes]) -> XGraph:
    """The XNNPACK graph of a payload; `named` finds a named-data blob by key."""
    try:
        return _read_graph(blob, named)
    except (struct.error, IndexError, ValueError, UnicodeDecodeError, OverflowError, TypeError,
            AttributeError, RecursionError) as e:
        raise ModelError(f"corrupt XNNPACK payload ({type(e).__name__}: {e})".splitlines()[0]) from None


def _read_graph(blob: bytes, named: Callable[[str], bytes]) -> XGraph:
    fb, cdata = _payload(blob)
    g = Graph.GetRootAs(fb, 0)
    values: dict[int, XValue] = {}
    for i in range(g.ValuesLength()):
        v = g.Values(i)
        u, kind = v.Kind(), v.KindType()
        if kind == VK.ValueKind.Tensor:
            t = Tensor()
            t.Init(u.Bytes, u.Pos)
            quant, qparams = False, None
        elif kind == VK.ValueKind.QuantTensor:
            qt = QuantTensor()
            qt.Init(u.Bytes, u.Pos)
            t, quant = qt.Tensor(), True
            qparams = read_quant(qt)
        else:
            raise ModelError(f"XNNPACK value {i} has unknown kind {kind}")
        dims = tuple(int(t.Dims(k)) for k in range(t.DimsLength()))
        values[t.Id()] = XValue(t.Id(), dims, t.Datatype(), t.ConstantBuffer(), t.ExternalId(), quant, qparams)
    nodes = []
    for i in range(g.NodesLength()):
        n = g.Nodes(i)
        kind = KIND_NAMES.get(n.KindType(), f"node kind {n.KindType()}")
        table = _TABLES.get(kind)
        args = None
        if table is not None and n.Kind() is not None:
            args = table()
            args.Init(n.Kind().Bytes, n.Kind().Pos)
        r = n.OutputRange()
        nodes.append((kind, args, (r.Min(), r.Max()) if r is not None else None))
    entries = [g.ConstantData(i) for i in range(g.ConstantDataLength())]
    buffers = [g.Buffers(i) for i in range(g.BuffersLength())]

    def constant(idx: int) -> bytes:
        if entries:
            if not 0 < idx < len(entries):
                raise ModelError(f"XNNPACK constant {idx} is not in the payload")
            e = entries[idx]
            if e.Key():
                return named(e.Key().decode())
            if e.Offset() + e.Size() > len(cdata):
                raise ModelError(f"XNNPACK constant {idx} lies past the payload's constant data")
            return cdata[e.Offset():e.Offset() + e.Size()]
        if not 0 < idx < len(buffers):
            raise ModelError(f"XNNPACK constant {idx} is not in the payload")
        return buffers[idx].BytesAsNumpy().tobytes()

    return XGraph(values, nodes, [g.InputIds(i) for i in range(g.InputIdsLength())],
                  [g.OutputIds(i) for i in range(g.OutputIdsLength())], constant)


def node_kinds(blob: bytes, named: Callable[[str], bytes]) -> list[str]:
    return [k for k, _, _ in read_graph(blob, named).nodes]


class Emitter:
    """Appends one XNNPACK graph to an fx graph as ATen calls (f32 graphs)."""

    def __init__(self, torch: Any, g: Any, consts: dict[str, Any], xg: XGraph, tag: str):
        self.torch, self.g, self.consts, self.xg, self.tag = torch, g, consts, xg, tag
        self.vals: dict[int, Any] = {}
        self.source = ""

    def call(self, fn: Any, args: tuple, shape: tuple[int, ...], **kwargs: Any) -> Any:
        node = self.g.call_function(fn, args, kwargs)
        node.meta["val"] = self.torch.empty(shape)
        node.meta["selbuild_source"] = self.source
        return node

    def value(self, vid: int) -> Any:
        if vid in self.vals:
            return self.vals[vid]
        v = self.xg.values.get(vid)
        if v is None:
            raise ModelError(f"XNNPACK node reads value {vid}, which the graph does not define")
        if not v.constant:
            raise ModelError(f"XNNPACK value {vid} is read before any node writes it")
        self.vals[vid] = self.placeholder(self.weights(vid), f"{self.tag}_w{vid}")
        return self.vals[vid]

    def weights(self, vid: int) -> np.ndarray:
        v = self.xg.values[vid]
        if v.datatype != DT.Datatype.fp32 or v.quantized:
            raise UnsupportedError(f"XNNPACK constant {vid} of datatype {v.datatype} "
                                   "(selbuild lowers float32 XNNPACK graphs)")
        n = math.prod(v.dims) if v.dims else 1
        raw = self.xg.constant(v.constant)
        if len(raw) < 4 * n:
            raise ModelError(f"XNNPACK constant {vid} is truncated")
        return np.frombuffer(raw[:4 * n], np.float32).reshape(v.dims).copy()

    def placeholder(self, arr: np.ndarray, name: str) -> Any:
        # placeholders may follow calls in an fx graph; lower_fx and the
        # reference both take constants by name
        node = self.g.placeholder(name)
        self.consts[name] = self.torch.from_numpy(arr)
        node.meta["val"] = self.consts[name]
        return node

    def shape(self, vid: int) -> tuple[int, ...]:
        return self.xg.values[vid].dims

    def emit(self, inputs: list[Any]) -> list[Any]:
        for vid, node in zip(self.xg.inputs, inputs):
            self.vals[vid] = node
        for kind, a, rng in self.xg.nodes:
            self.source = f"xnnpack::{kind}"
            if a is None:
                raise UnsupportedError(f"XNNPACK node {kind} has no selbuild lowering")
            if xs.is_static(self, kind, a):            # int8 part: the output range is its activation
                out_id, node = xs.static_node(self, kind, a, rng)
                self.vals[out_id] = node
                continue
            out_id, node = self._node(kind, a)
            if rng is not None and (rng[0] > -math.inf or rng[1] < math.inf):
                lo = None if rng[0] == -math.inf else float(rng[0])
                hi = None if rng[1] == math.inf else float(rng[1])
                node = self.call(self.torch.ops.aten.clamp.default, (node, lo, hi), self.shape(out_id))
            self.vals[out_id] = node
        return [self.value(v) for v in self.xg.outputs]

    def _node(self, kind: str, a: Any) -> tuple[int, Any]:
        aten = self.torch.ops.aten
        binary = {"Add": aten.add.Tensor, "Subtract": aten.sub.Tensor, "Multiply": aten.mul.Tensor,
                  "Divide": aten.div.Tensor, "Minimum": aten.minimum.default, "Maximum": aten.maximum.default,
                  "BatchMatMul": aten.bmm.default}
        unary = {"Sigmoid": aten.sigmoid.default, "Floor": aten.floor.default, "Ceiling": aten.ceil.default,
                 "SquareRoot": aten.sqrt.default, "RSqrt": aten.rsqrt.default, "Hardswish": aten.hardswish.default,
                 "Negate": aten.neg.default, "Abs": aten.abs.default, "Log": aten.log.default,
                 "Gelu": aten.gelu.default, "Tanh": aten.tanh.default, "Exp": aten.exp.default,
                 "Sin": aten.sin.default, "Cos": aten.cos.default, "Copy": aten.clone.default,
                 "Clamp": aten.clone.default}       # Clamp's bounds are its output range
        if kind in binary:
            x, y = self.value(a.A()), self.value(a.B())
            return a.Out(), self.call(binary[kind], (x, y), self.shape(a.Out()))
        if kind in unary:
            return a.Out(), self.call(unary[kind], (self.value(a.X()),), self.shape(a.Out()))
        if kind == "Square":
            x = self.value(a.X())
            return a.Out(), self.call(aten.mul.Tensor, (x, x), self.shape(a.Out()))
        if kind == "Convert":
            if xq.is_dynamic(self, a.Out()):        # quantized per row by the hybrid kernel itself
                return a.Out(), self.value(a.X())
            if self.xg.values[a.Out()].datatype != DT.Datatype.fp32:
                raise UnsupportedError("XNNPACK Convert to a statically quantized value (static int8 "
                                       "XNNPACK graphs are not lowered yet; dynamic quantization is)")
            return a.Out(), self.call(aten.clone.default, (self.value(a.X()),), self.shape(a.Out()))
        if kind == "Softmax":      # over the last dimension
            return a.Out(), self.call(aten._softmax.default, (self.value(a.X()), -1, False), self.shape(a.Out()))
        if kind == "GlobalAvgPool2d":                   # NHWC: mean over H and W
            return a.Out(), self.call(aten.mean.dim, (self.value(a.X()), [1, 2], True), self.shape(a.Out()))
        if kind == "LeakyRelu":
            return a.Out(), self.call(aten.leaky_relu.default, (self.value(a.X()), a.Slope()), self.shape(a.Out()))
        if kind == "Elu":
            return a.Out(), self.call(aten.elu.default, (self.value(a.X()), a.Alpha()), self.shape(a.Out()))
        if kind == "FullyConnected":
            if self.xg.values.get(a.Filter()) is not None and self.xg.values[a.Filter()].quantized:
                return a.Out(), xq.dynamic_linear(self, a)
            return a.Out(), self._fully_connected(a)
        if kind in ("Conv2d", "DepthwiseConv2d"):
            if self.xg.values.get(a.Filter()) is not None and self.xg.values[a.Filter()].quantized:
                return a.Out(), xq.dynamic_conv(self, a)
            return a.Out(), self._conv(kind, a)
        if kind in ("MaxPool2d", "AvgPool2d"):
            return a.Out(), self._pool(kind, a)
        if kind == "Transpose":
            perm = [a.Perm(i) for i in range(a.PermLength())]
            return a.Out(), self.call(aten.permute.default, (self.value(a.X()), perm), self.shape(a.Out()))
        if kind == "Reshape":
            return a.Out(), self.call(aten.view.default, (self.value(a.X()), list(self.shape(a.Out()))),
                                      self.shape(a.Out()))
        if kind.startswith("Concat"):
            ids = [a.In1(), a.In2(), a.In3(), a.In4(), a.In5()][:int(kind[-1])]
            return a.Out(), self.call(aten.cat.default, ([self.value(i) for i in ids], a.Axis()),
                                      self.shape(a.Out()))
        if kind == "Slice":
            return a.Out(), self._slice(a)
        if kind == "ConstantPad":
            return a.Out(), self._pad(a)
        raise UnsupportedError(f"XNNPACK node {kind} has no selbuild lowering")

    def _fully_connected(self, a: Any) -> Any:
        aten = self.torch.ops.aten
        x = self.value(a.X())
        w = self.value(a.Filter())                      # [out, in]
        b = self.value(a.Bias()) if a.Bias() != NO_ID else None
        if len(self.shape(a.X())) != 2:                 # XNNPACK flattens leading dimensions
            rows = math.prod(self.shape(a.X())[:-1])
            x = self.call(aten.view.default, (x, [rows, self.shape(a.X())[-1]]), (rows, self.shape(a.X())[-1]))
            y = self.call(aten.linear.default, (x, w, b), (rows, self.shape(a.Out())[-1]))
            return self.call(aten.view.default, (y, list(self.shape(a.Out()))), self.shape(a.Out()))
        return self.call(aten.linear.default, (x, w, b), self.shape(a.Out()))

    def _nchw(self, vid: int, node: Any) -> tuple[Any, tuple[int, ...]]:
        n, h, w, c = self.shape(vid)
        return self.call(self.torch.ops.aten.permute.default, (node, [0, 3, 1, 2]), (n, c, h, w)), (n, c, h, w)

    def _padded(self, x: Any, shape: tuple[int, ...], a: Any, fill: float) -> tuple[Any, list[int], tuple]:
        """Symmetric padding as an argument; other padding as an explicit pad before."""
        t, r, b, left = a.PadTop(), a.PadRight(), a.PadBottom(), a.PadLeft()
        if t == b and left == r:
            return x, [t, left], shape
        n, c, h, w = shape
        shape = (n, c, h + t + b, w + left + r)
        return self.call(self.torch.ops.aten.constant_pad_nd.default, (x, [left, r, t, b], fill), shape), [0, 0], shape

    def _conv(self, kind: str, a: Any) -> Any:
        aten = self.torch.ops.aten
        filt = self.weights(a.Filter())
        # XNNPACK filters: [out, kh, kw, in] (conv), [1, kh, kw, out] (depthwise); torch: [out, in/g, kh, kw]
        w = filt.transpose(0, 3, 1, 2) if kind == "Conv2d" else filt.transpose(3, 0, 1, 2)
        wn = self.placeholder(np.ascontiguousarray(w), f"{self.tag}_w{a.Filter()}")
        bn = self.value(a.Bias()) if a.Bias() != NO_ID else None
        x, shape = self._nchw(a.X(), self.value(a.X()))
        x, pad, shape = self._padded(x, shape, a, 0.0)
        on, oh, ow, oc = self.shape(a.Out())
        y = self.call(aten.convolution.default,
                      (x, wn, bn, [a.StrideH(), a.StrideW()], pad, [a.DilationH(), a.DilationW()], False, [0, 0],
                       a.Groups()), (on, oc, oh, ow))
        return self.call(aten.permute.default, (y, [0, 2, 3, 1]), self.shape(a.Out()))

    def _pool(self, kind: str, a: Any) -> Any:
        aten = self.torch.ops.aten
        x, shape = self._nchw(a.X(), self.value(a.X()))
        x, pad, shape = self._padded(x, shape, a, -math.inf if kind == "MaxPool2d" else 0.0)
        on, oh, ow, oc = self.shape(a.Out())
        k, s = [a.WindowH(), a.WindowW()], [a.StrideH(), a.StrideW()]
        if kind == "MaxPool2d":
            y = self.call(aten.max_pool2d.default, (x, k, s, pad, [a.DilationH() or 1, a.DilationW() or 1]),
                          (on, oc, oh, ow))
        else:   # XNNPACK averages over the window cells inside the input
            y = self.call(aten.avg_pool2d.default, (x, k, s, pad, False, False), (on, oc, oh, ow))
        return self.call(aten.permute.default, (y, [0, 2, 3, 1]), self.shape(a.Out()))

    def _slice(self, a: Any) -> Any:
        aten = self.torch.ops.aten
        node, shape = self.value(a.X()), list(self.shape(a.X()))
        for d in range(a.OffsetsLength()):
            start, size = a.Offsets(d), a.Sizes(d)
            if start == 0 and size == shape[d]:
                continue
            shape[d] = size
            node = self.call(aten.slice.Tensor, (node, d, start, start + size, 1), tuple(shape))
        return node if node is not self.value(a.X()) else self.call(aten.clone.default, (node,), tuple(shape))

    def _pad(self, a: Any) -> Any:
        before = [a.Before(i) for i in range(a.BeforeLength())]
        after = [a.After(i) for i in range(a.AfterLength())]
        pads: list[int] = []
        for lo, hi in zip(reversed(before), reversed(after)):    # torch: last dimension first
            pads += [lo, hi]
        return self.call(self.torch.ops.aten.constant_pad_nd.default, (self.value(a.X()), pads, a.Value()),
                         self.shape(a.Out()))
