"""int8 lowerings of conv2d, depthwise_conv2d and fully_connected (TFLite
full-integer semantics, kernels conv2d.i8 / depthwise_conv2d.i8 /
fully_connected.i8).

What the device would otherwise compute per run is done here once:
* the requantization multiplier of each output channel
  (input_scale * filter_scale[c] / output_scale, TFLite's
  PopulateConvolutionQuantizationParams) as a Q31 multiplier and a shift;
* the input zero point's share of every dot product, folded into the bias:
  sum((x - zp) * w) + b = sum(x * w) + (b - zp * sum(w));
* the fused activation as an int8 clamp.
A per-tensor weight zero point (legacy uint8 models after convert/uint8.py)
is passed as filter_zp: the kernels subtract filter_zp * sum(x - input_zp)
(fully_connected: filter_zp * sum(x), the constant K * input_zp * filter_zp
folded into the bias here).
conv2d filters are re-laid OHWI -> HWIO and fully_connected weights [N, K]
-> [K, N] so that the kernels' inner loops run over contiguous output
channels (depthwise filters [1, KH, KW, C*M] already are).
"""

from __future__ import annotations

import numpy as np

from selbuild.convert.ops import conv as fconv
from selbuild.convert.ops._common import describe
from selbuild.convert.ops.q_common import (act_range, channel_scales, const_tensor, filter_zp, folded_bias,
                                           per_tensor, requant_tensor)
from selbuild.convert.registry import Lowered, lower
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node


CONV_NB = 16  # SELRT_CONV2D_I8_NB: conv2d.i8 filters hold a multiple of 16 output channels


def _opt(n: Node, i: int) -> int:
    return n.inputs[i] if len(n.inputs) > i and n.inputs[i] is not None else -1


def _weights(g: Graph, n: Node, idx: int) -> np.ndarray:
    t = g.tensors[idx]
    if not t.is_const or t.dtype != "i8":
        raise UnsupportedError(f"{describe(g, n)}: the int8 kernel needs constant int8 weights "
                               f"('{t.name}' is {'constant ' if t.is_const else ''}{t.dtype})")
    return np.asarray(t.data, dtype=np.int8)


def _conv_mults(s_in: float, w_scales: np.ndarray, s_out: float) -> list[float]:
    # double(input_scale) * double(filter_scale) / double(output_scale), as TFLite.
    return [float(s_in) * float(ws) / float(s_out) for ws in w_scales]


@lower("conv2d", dtype="i8")
def conv2d_i8_lower(g: Graph, n: Node) -> Lowered:
    fconv._rank4(g, n, n.inputs[0], n.inputs[1], n.outputs[0])
    x, f = g.tensors[n.inputs[0]], g.tensors[n.inputs[1]]
    if f.shape[3] != x.shape[3]:
        raise UnsupportedError(f"{describe(g, n)}: grouped convolution (filter depth {f.shape[3]}, "
                               f"input depth {x.shape[3]}) is not supported")
    _, ip = fconv._conv_geometry(g, n, f.shape[1], f.shape[2])
    w = _weights(g, n, n.inputs[1])
    s_in, z_in = per_tensor(g, n, n.inputs[0])
    s_out, z_out = per_tensor(g, n, n.outputs[0])
    oc = f.shape[0]
    scales = channel_scales(g, n, n.inputs[1], oc, zero_point_ok=True)
    bias = folded_bias(g, n, _opt(n, 2), w.reshape(oc, -1).astype(np.int64).sum(axis=1), z_in)
    ip.update(input_zp=z_in, output_zp=z_out, filter_zp=filter_zp(g, n, n.inputs[1]),
              **act_range(g, n, n.outputs[0]))
    name = g.tensors[n.outputs[0]].name
    # OHWI -> HWIO with Cout padded to a multiple of 16 (zero filters): the
    # kernel's inner loop runs over 16 contiguous output channels.
    hwio = np.transpose(w, (1, 2, 3, 0))
    pad = -oc % CONV_NB
    hwio = const_tensor(g, f"{f.name}/hwio", np.pad(hwio, ((0, 0), (0, 0), (0, 0), (0, pad))), "i8")
    return Lowered(kernel="conv2d.i8",
                   inputs=[n.inputs[0], hwio, const_tensor(g, f"{name}/bias_folded", bias, "i32"),
                           requant_tensor(g, name, _conv_mults(s_in, scales, s_out))],
                   outputs=[n.outputs[0]], iparams=ip)


@lower("depthwise_conv2d", dtype="i8")
def depthwise_i8_lower(g: Graph, n: Node) -> Lowered:
    fconv._rank4(g, n, n.inputs[0], n.inputs[1], n.outputs[0])
    x, f = g.tensors[n.inputs[0]], g.tensors[n.inputs[1]]
    c, oc = x.shape[3], f.shape[3]
    if f.shape[0] != 1 or oc % c:
        raise UnsupportedError(f"{describe(g, n)}: filter {list(f.shape)} does not fit input depth {c}")
    _, ip = fconv._conv_geometry(g, n, f.shape[1], f.shape[2])
    w = _weights(g, n, n.inputs[1])
    s_in, z_in = per_tensor(g, n, n.inputs[0])
    s_out, z_out = per_tensor(g, n, n.outputs[0])
    scales = channel_scales(g, n, n.inputs[1], oc, zero_point_ok=True)
    bias = folded_bias(g, n, _opt(n, 2), w.reshape(-1, oc).astype(np.int64).sum(axis=0), z_in)
    ip.update(depth_multiplier=oc // c, input_zp=z_in, output_zp=z_out, filter_zp=filter_zp(g, n, n.inputs[1]),
              **act_range(g, n, n.outputs[0]))
    name = g.tensors[n.outputs[0]].name
    return Lowered(kernel="depthwise_conv2d.i8",
                   inputs=[n.inputs[0], n.inputs[1], const_tensor(g, f"{name}/bias_folded", bias, "i32"),
                           requant_tensor(g, name, _conv_mults(s_in, scales, s_out))],
                   outputs=[n.outputs[0]], iparams=ip)


@lower("fully_connected", dtype="i8")
def fully_connected_i8_lower(g: Graph, n: Node) -> Lowered:
    x, wt = g.tensors[n.inputs[0]], g.tensors[n.inputs[1]]
    if n.attrs.get("weights_format", "default") != "default":
        raise UnsupportedError(f"{describe(g, n)}: weights_format '{n.attrs['weights_format']}' is not supported")
    w = _weights(g, n, n.inputs[1])
    if w.ndim != 2 or x.numel % w.shape[1]:
        raise UnsupportedError(f"{describe(g, n)}: weights {list(w.shape)} do not fit input {list(x.shape)}")
    units = w.shape[0]
    s_in, z_in = per_tensor(g, n, n.inputs[0])
    s_out, z_out = per_tensor(g, n, n.outputs[0])
    scales = channel_scales(g, n, n.inputs[1], units, zero_point_ok=True)
    wz = filter_zp(g, n, n.inputs[1])
    if np.asarray(wt.quant.scale).size == 1:
        # Per-tensor: TFLite multiplies input and filter scales in double as well.
        mults = [float(s_in) * float(scales[0]) / float(s_out)] * units
    else:
        mults = _conv_mults(s_in, scales, s_out)
    # sum((x - z_in)(w - wz)) = sum(x w) - wz sum(x) - z_in sum(w) + K z_in wz: the kernel does the first two.
    bias = folded_bias(g, n, _opt(n, 2), w.astype(np.int64).sum(axis=1) - w.shape[1] * wz, z_in)
    name = g.tensors[n.outputs[0]].name
    kn = const_tensor(g, f"{wt.name}/kn", np.ascontiguousarray(w.T), "i8")
    return Lowered(kernel="fully_connected.i8",
                   inputs=[n.inputs[0], kn, const_tensor(g, f"{name}/bias_folded", bias, "i32"),
                           requant_tensor(g, name, mults)],
                   outputs=[n.outputs[0]], iparams={"output_zp": z_out, "filter_zp": wz,
                                                              **act_range(g, n, n.outputs[0])})


@lower("transpose_conv", dtype="i8")
def transpose_conv_i8_lower(g: Graph, n: Node) -> Lowered:
    # TFLite inputs: output_shape, weights (OHWI), input, bias (optional). The
    # float lowering resolves the geometry (its re-laid float filter is not used).
    ip = fconv.transpose_conv_lower(g, n).iparams
    x_idx, f_idx, y_idx = n.inputs[2], n.inputs[1], n.outputs[0]
    w = _weights(g, n, f_idx)
    s_in, z_in = per_tensor(g, n, x_idx)
    s_out, z_out = per_tensor(g, n, y_idx)
    oc = w.shape[0]
    scales = channel_scales(g, n, f_idx, oc)
    bias = folded_bias(g, n, _opt(n, 3), np.zeros(oc, np.int64), 0)   # no zero-point folding: see kernel
    ip.update(input_zp=z_in, output_zp=z_out, **act_range(g, n, y_idx))
    name = g.tensors[y_idx].name
    hwio = const_tensor(g, f"{g.tensors[f_idx].name}/hwio", np.transpose(w, (1, 2, 3, 0)), "i8")
    return Lowered(kernel="transpose_conv.i8",
                   inputs=[x_idx, hwio, const_tensor(g, f"{name}/bias", bias, "i32"),
                           requant_tensor(g, name, _conv_mults(s_in, scales, s_out))],
                   outputs=[y_idx], iparams=ip)
