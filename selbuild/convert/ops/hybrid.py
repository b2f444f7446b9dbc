"""Dynamic-range ("hybrid") lowerings: float activations, constant int8
weights that stay int8 in the program (about a quarter of the float bytes).

The kernels (`<op>.f32i8`, runtime_src/kernels/shared/hybrid.h) quantize the
float input per batch row on the device, as LiteRT's hybrid kernels do; each
lowering passes the weights unchanged, their scales as a float constant (one
per tensor or one per output channel), the float bias, and an int8 scratch
output that holds the quantized input (the planner gives it arena space for
that one step). Ops listed in HYBRID_KERNELS are exempt from q_hybrid's
refusal.
"""

from __future__ import annotations

import numpy as np

from selbuild.convert.ops import conv as fconv
from selbuild.convert.ops import fully_connected as ffc
from selbuild.convert.ops._common import activation_fparams, describe
from selbuild.convert.registry import Lowered, lower
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node, Tensor

HYBRID_KERNELS = ("fully_connected", "conv2d", "depthwise_conv2d", "batch_matmul", "embedding_lookup",
                  "unidirectional_sequence_rnn", "svdf", "unidirectional_sequence_lstm", "transpose_conv")   # recurrent ones: convert/ops/recurrent_hybrid.py
# Ops with an int4-weight kernel (`<op>.f32i4`).
HYBRID_I4_KERNELS = ("fully_connected",)


def _opt(n: Node, i: int) -> int:
    return n.inputs[i] if len(n.inputs) > i else -1


def weight_scales(g: Graph, n: Node, w: Tensor, channels: int, axis: int) -> int:
    """Tensor id of the weights' float scales ([1] or [channels] along `axis`).
    TFLite's hybrid kernels assume symmetric weights: a zero point is refused."""
    q = w.quant
    if q is None or q.scale.size == 0:
        raise UnsupportedError(f"{describe(g, n)}: the int8 weights carry no quantization scale")
    scale = np.asarray(q.scale, dtype=np.float32).reshape(-1)
    if np.any(np.asarray(q.zero_point) != 0):
        raise UnsupportedError(f"{describe(g, n)}: hybrid weights must be symmetric (zero point 0)")
    if not np.all(np.isfinite(scale) & (scale > 0)):
        raise UnsupportedError(f"{describe(g, n)}: weight scales must be finite and positive")
    if scale.size != 1 and (scale.size != channels or q.axis != axis):
        raise UnsupportedError(f"{describe(g, n)}: {scale.size} weight scales along axis {q.axis}; the kernel "
                               f"takes one or {channels} along axis {axis}")
    return g.add_tensor(Tensor(name=f"{w.name}/scales", shape=(scale.size,), dtype="f32", data=scale))


def scratch(g: Graph, n: Node, x: Tensor) -> int:
    """The int8 copy of the float input the kernel quantizes into."""
    return g.add_tensor(Tensor(name=f"{x.name}/quantized", shape=tuple(x.shape), dtype="i8"))


def float_bias(g: Graph, n: Node, i: int) -> int:
    b = _opt(n, i)
    if b >= 0 and g.tensors[b].dtype != "f32":
        raise UnsupportedError(f"{describe(g, n)}: a hybrid op's bias must be float32, got {g.tensors[b].dtype}")
    return b


@lower("fully_connected", dtype="f32i8")
def fully_connected_hybrid(g: Graph, n: Node) -> Lowered:
    x, w = g.tensors[n.inputs[0]], g.tensors[n.inputs[1]]
    if n.attrs.get("weights_format", "default") != "default":
        raise UnsupportedError(f"{describe(g, n)}: weights_format '{n.attrs['weights_format']}' is not supported")
    if w.dtype != "i8" or not w.is_const or len(w.shape) != 2:
        raise UnsupportedError(f"{describe(g, n)}: the weights must be a constant 2-D int8 tensor")
    if x.numel % w.shape[1]:
        raise UnsupportedError(f"{describe(g, n)}: input {list(x.shape)} does not flatten into rows of {w.shape[1]}")
    return Lowered(kernel=n.kernel,
                   inputs=[n.inputs[0], n.inputs[1], weight_scales(g, n, w, w.shape[0], 0), float_bias(g, n, 2)],
                   outputs=[n.outputs[0], scratch(g, n, x)],
                   iparams={"asymmetric": int(bool(n.attrs.get("asymmetric_quantize_inputs", False)))},
                   fparams=activation_fparams(g, n))


def _conv_common(g: Graph, n: Node, channels: int, axis: int) -> tuple[Tensor, list[int]]:
    fconv._rank4(g, n, n.inputs[0], n.inputs[1], n.outputs[0])
    x, f = g.tensors[n.inputs[0]], g.tensors[n.inputs[1]]
    if f.dtype != "i8" or not f.is_const:
        raise UnsupportedError(f"{describe(g, n)}: the filter must be a constant int8 tensor")
    return x, [n.inputs[0], n.inputs[1], weight_scales(g, n, f, channels, axis), float_bias(g, n, 2)]


@lower("conv2d", dtype="f32i8")
def conv2d_hybrid(g: Graph, n: Node) -> Lowered:
    f = g.tensors[n.inputs[1]]
    x, inputs = _conv_common(g, n, f.shape[0], 0)
    if f.shape[3] != x.shape[3]:
        raise UnsupportedError(f"{describe(g, n)}: grouped convolution (filter depth {f.shape[3]}, "
                               f"input depth {x.shape[3]}) is not supported")
    _, ip = fconv._conv_geometry(g, n, f.shape[1], f.shape[2])
    # Conv2DOptions has no asymmetric_quantize_inputs: LiteRT quantizes the
    # image symmetrically for per-tensor filter scales and asymmetrically for
    # per-channel ones (its EvalHybrid vs EvalHybridPerChannel; checked
    # against BUILTIN_REF in tests/test_kernels_hybrid.py).
    ip["asymmetric"] = int(f.quant is not None and f.quant.scale.size > 1)
    return Lowered(kernel=n.kernel, inputs=inputs, outputs=[n.outputs[0], scratch(g, n, x)], iparams=ip,
                   fparams=activation_fparams(g, n))


@lower("depthwise_conv2d", dtype="f32i8")
def depthwise_hybrid(g: Graph, n: Node) -> Lowered:
    f = g.tensors[n.inputs[1]]
    x, inputs = _conv_common(g, n, f.shape[3], 3)
    if f.quant is None or f.quant.scale.size != f.shape[3]:
        # LiteRT refuses these (depthwise_conv.cc's Prepare); no reference to match.
        raise UnsupportedError(f"{describe(g, n)}: a hybrid depthwise filter needs one scale per output channel")
    c, oc = x.shape[3], f.shape[3]
    if f.shape[0] != 1 or oc % c:
        raise UnsupportedError(f"{describe(g, n)}: filter {list(f.shape)} does not fit input depth {c}")
    _, ip = fconv._conv_geometry(g, n, f.shape[1], f.shape[2])
    ip.update(depth_multiplier=oc // c, asymmetric=1)   # LiteRT's per-channel hybrid: asymmetric
    return Lowered(kernel=n.kernel, inputs=inputs, outputs=[n.outputs[0], scratch(g, n, x)], iparams=ip,
                   fparams=activation_fparams(g, n))


@lower("batch_matmul", dtype="f32i8")
def batch_matmul_hybrid(g: Graph, n: Node) -> Lowered:
    a_idx = n.inputs[0]
    bt = g.tensors[n.inputs[1]]
    if bt.dtype != "i8" or not bt.is_const:
        raise UnsupportedError(f"{describe(g, n)}: the int8 operand b must be constant")
    q = bt.quant
    if q is not None and q.scale.size != 1:
        # LiteRT's hybrid batch matmul reads only the per-tensor scale.
        raise UnsupportedError(f"{describe(g, n)}: hybrid batch_matmul takes one scale for b, got {q.scale.size}")
    scales = weight_scales(g, n, bt, 1, 0)
    data = np.asarray(bt.data, dtype=np.int8)
    if not n.attrs.get("adj_y", False):
        data = np.swapaxes(data, -1, -2)          # [.., K, N] -> [.., N, K]: dot-product rows
    data = np.ascontiguousarray(data)
    b_idx = g.add_tensor(Tensor(name=f"{bt.name}/nk", shape=tuple(data.shape), dtype="i8", data=data))
    a, b = tuple(g.tensors[a_idx].shape), tuple(data.shape)
    batch = tuple(g.tensors[n.outputs[0]].shape[:-2])
    sa, sb = ffc._batch_strides(a, batch), ffc._batch_strides(b, batch)
    dims = [(d, x, y) for d, x, y in zip(batch, sa, sb) if d != 1]
    if len(dims) > ffc._MAX_BATCH_DIMS:
        raise UnsupportedError(f"{describe(g, n)}: {len(dims)} batch dims; the kernel takes up to "
                               f"{ffc._MAX_BATCH_DIMS}")
    dims = [(1, 0, 0)] * (ffc._MAX_BATCH_DIMS - len(dims)) + dims
    adj_x = bool(n.attrs.get("adj_x", False))
    ip = {"adj_x": int(adj_x), "asymmetric": int(bool(n.attrs.get("asymmetric_quantize_inputs", False)))}
    for i, (d, x, y) in enumerate(dims):
        ip[f"batch{i}"], ip[f"a_stride{i}"], ip[f"b_stride{i}"] = d, x, y
    k = a[-2] if adj_x else a[-1]
    q_idx = g.add_tensor(Tensor(name=f"{g.tensors[a_idx].name}/quantized_row", shape=(k,), dtype="i8"))
    return Lowered(kernel=n.kernel, inputs=[a_idx, b_idx, scales], outputs=[n.outputs[0], q_idx], iparams=ip)


@lower("embedding_lookup", dtype="f32i8")
def embedding_lookup_hybrid(g: Graph, n: Node) -> Lowered:
    from selbuild.convert.ops.movers import _check_const_index
    ids, table = g.tensors[n.inputs[0]], g.tensors[n.inputs[1]]
    if ids.dtype != "i32":
        raise UnsupportedError(f"{describe(g, n)}: the ids must be int32")
    if not table.is_const or table.dtype != "i8" or len(table.shape) < 2:
        raise UnsupportedError(f"{describe(g, n)}: the table must be a constant int8 tensor of rank >= 2")
    _check_const_index(g, n, 0, list(table.shape), 1)
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0], n.inputs[1], weight_scales(g, n, table, table.shape[0], 0)],
                   outputs=[n.outputs[0]])


@lower("fully_connected", dtype="f32i4")
def fully_connected_hybrid_i4(g: Graph, n: Node) -> Lowered:
    x, w = g.tensors[n.inputs[0]], g.tensors[n.inputs[1]]
    if n.attrs.get("weights_format", "default") != "default":
        raise UnsupportedError(f"{describe(g, n)}: weights_format '{n.attrs['weights_format']}' is not supported")
    if w.dtype != "i4" or not w.is_const or len(w.shape) != 2:
        raise UnsupportedError(f"{describe(g, n)}: the weights must be a constant 2-D int4 tensor")
    units, k = w.shape
    if x.numel % k:
        raise UnsupportedError(f"{describe(g, n)}: input {list(x.shape)} does not flatten into rows of {k}")
    # Row-wise packing, low nibble first (the frontend unpacked TFLite's flat packing to int8 values).
    v = np.asarray(w.data, dtype=np.int8).reshape(units, k).astype(np.uint8) & 0x0F
    v = np.pad(v, ((0, 0), (0, k % 2)))
    packed = np.ascontiguousarray(v[:, 0::2] | (v[:, 1::2] << 4)).astype(np.uint8)
    wt = g.add_tensor(Tensor(name=f"{w.name}/rows_i4", shape=tuple(packed.shape), dtype="u8", data=packed))
    q = g.add_tensor(Tensor(name=f"{x.name}/quantized_row", shape=(k,), dtype="i8"))
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0], wt, weight_scales(g, n, w, units, 0), float_bias(g, n, 2)],
                   outputs=[n.outputs[0], q],
                   iparams={"asymmetric": int(bool(n.attrs.get("asymmetric_quantize_inputs", False))), "depth": k},
                   fparams=activation_fparams(g, n))


@lower("transpose_conv", dtype="f32i8")
def transpose_conv_hybrid(g: Graph, n: Node) -> Lowered:
    # TFLite inputs: output_shape, weights (OHWI), input, bias. The float
    # lowering resolves the geometry (its re-laid float filter is not used).
    ip = fconv.transpose_conv_lower(g, n).iparams
    x_idx, f_idx = n.inputs[2], n.inputs[1]
    f = g.tensors[f_idx]
    if f.dtype != "i8" or not f.is_const:
        raise UnsupportedError(f"{describe(g, n)}: the filter must be a constant int8 tensor")
    scales = weight_scales(g, n, f, f.shape[0], 0)
    hwio = np.ascontiguousarray(np.transpose(np.asarray(f.data, dtype=np.int8), (1, 2, 3, 0)))
    w = g.add_tensor(Tensor(name=f"{f.name}/hwio", shape=tuple(hwio.shape), dtype="i8", data=hwio))
    return Lowered(kernel=n.kernel, inputs=[x_idx, w, scales, float_bias(g, n, 3)],
                   outputs=[n.outputs[0], scratch(g, n, g.tensors[x_idx])], iparams=ip,
                   fparams=activation_fparams(g, n))
