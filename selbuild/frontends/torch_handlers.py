"""Per-op lowerings of core ATen to the IR (found by torch_lower through torch_registry).

Each handler takes the Lowerer, the fx node and the node's arguments with fx
nodes replaced by their values (Val for tensors, Python scalars/lists as
torch gave them) and returns the node's value (a Val, or a list for ops with
several results). Layout rules are those of torch_lower's docstring.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from selbuild import ir
from selbuild.frontends.torch_lower import Lowerer, Unsupported, Val, _is_const
from selbuild.frontends.torch_registry import HANDLERS, Handler, handles
from selbuild.opmaps import torch_unary

FLT_MAX = 3.4028234663852886e38     # max pooling's padding value: never the maximum


def _shape(n: Any) -> tuple[int, ...]:
    val = n.meta.get("val")
    if isinstance(val, (tuple, list)):
        val = val[0]
    return tuple(int(d) for d in val.shape)


# ------------------------------------------------------------------ elementwise

def _as_val(x: Any) -> Val:
    if isinstance(x, Val):
        return x
    return Val((), const=np.asarray(x, np.float32))


# torch dtypes of values whose elementwise arithmetic has integer kernels
_INT_RESULTS = {"torch.int32": "i32", "torch.int64": "i64"}


def _binary(low: Lowerer, n: Any, op: str, a: Any, b: Any, out_dtype: str | None = None,
            dtype: str | None = None) -> Val:
    """`op` over a and b (broadcast) into one new tensor of `out_dtype`; the kernel is
    `op.<dtype>`. Both default to the node's own result type: f32, or i32 / i64 for
    integer arithmetic (a step counter, index math), whose constant operands are
    then that integer type too."""
    val = n.meta.get("val")
    own = _INT_RESULTS.get(str(getattr(val, "dtype", "")), "f32")
    dtype, out_dtype = dtype or own, out_dtype or own
    out_shape = _shape(n)
    vals = [_as_val(a), _as_val(b)]
    if dtype in _INT_RESULTS.values():
        from selbuild.catalogue import load_catalogue
        if f"{op}.{dtype}" not in load_catalogue():
            raise Unsupported(f"{dtype} arithmetic: selbuild has no {op}.{dtype} kernel "
                              f"(it has {op} in {', '.join(load_catalogue().dtypes_of(op)) or 'no dtype'})")
        for i, v in enumerate(vals):
            if v.const is not None:
                vals[i] = Val(v.shape, const=v.const.astype(ir.numpy_dtype(dtype)))
            elif low.g.tensors[v.tid].dtype != dtype:
                raise Unsupported(f"{low.g.tensors[v.tid].dtype} operand of an {dtype} {op} (mixed integer types)")
    nhwc = len(out_shape) == 4 and any(v.const is None and v.nhwc for v in vals)
    tids = []
    for i, v in enumerate(vals):
        if nhwc and v.const is None and len(v.shape) != 4:
            raise Unsupported(f"operand of rank {len(v.shape)} with a 4-D NHWC operand")
        tids.append(low.layout(v, nhwc, f"{n.name}_in{i}"))
    out = low.new(n.name, out_shape, nhwc, out_dtype)
    low.node(op, tids, [out.tid], activation="none").dtype = dtype
    return out


def _alpha(b: Any, alpha: Any) -> Any:
    if alpha == 1:
        return b
    if _is_const(b):
        return Val(_as_val(b).shape, const=_as_val(b).const * alpha)
    raise Unsupported("alpha != 1 on a non-constant operand")


@handles("aten.add.Tensor", "aten.add.Scalar")
def _add(low, n, a, b, alpha=1):
    return _binary(low, n, "add", a, _alpha(b, alpha))


@handles("aten.sub.Tensor", "aten.sub.Scalar")
def _sub(low, n, a, b, alpha=1):
    return _binary(low, n, "sub", a, _alpha(b, alpha))


@handles("aten.rsub.Scalar", "aten.rsub.Tensor")
def _rsub(low, n, a, b, alpha=1):
    return _binary(low, n, "sub", b, _alpha(a, alpha))


for _name, _op in (("mul", "mul"), ("div", "div"), ("maximum", "maximum"), ("minimum", "minimum"),
                   ("atan2", "atan2"), ("remainder", "floor_mod"), ("floor_divide", "floor_div")):
    def _make(op: str) -> Handler:
        return lambda low, n, a, b: _binary(low, n, op, a, b)
    HANDLERS[f"aten.{_name}.Tensor"] = _make(_op)
    HANDLERS[f"aten.{_name}.Scalar"] = _make(_op)
    HANDLERS[f"aten.{_name}.default"] = _make(_op)


@handles("aten.div.Tensor_mode", "aten.div.Scalar_mode")
def _div_mode(low, n, a, b, rounding_mode=None):
    # torch.floor_divide exports as div(rounding_mode="floor").
    if rounding_mode == "floor":
        return _binary(low, n, "floor_div", a, b)
    if rounding_mode is None:
        return _binary(low, n, "div", a, b)
    raise Unsupported(f"division with rounding_mode={rounding_mode!r}")


def _unary(low: Lowerer, n: Any, op: str, x: Val, **attrs: Any) -> Val:
    out = low.new(n.name, _shape(n), x.nhwc)
    low.node(op, [x.tid], [out.tid], **attrs)
    return out


# The ops kernels.yaml declares `torch: unary`: aten.<name>.default is one node.
for _target, _op in torch_unary().items():
    HANDLERS[_target] = (lambda op: lambda low, n, x: _unary(low, n, op, x))(_op)


@handles("aten.gelu.default")
def _gelu(low, n, x, approximate="none"):
    return _unary(low, n, "gelu", x, approximate=approximate == "tanh")


@handles("aten.leaky_relu.default")
def _leaky(low, n, x, negative_slope=0.01):
    return _unary(low, n, "leaky_relu", x, alpha=float(negative_slope))


@handles("aten.elu.default")
def _elu(low, n, x, alpha=1, scale=1, input_scale=1):
    if (alpha, scale, input_scale) != (1, 1, 1):
        raise Unsupported("elu with alpha/scale other than 1")
    return _unary(low, n, "elu", x)


@handles("aten.hardtanh.default", "aten.clamp.default")
def _clamp(low, n, x, lo=None, hi=None):
    bounds = (None if lo is None else float(lo), None if hi is None else float(hi))
    named = {(0.0, 6.0): "relu6", (-1.0, 1.0): "relu_n1_to_1", (0.0, None): "relu"}
    if n.target.__name__.startswith("hardtanh") and lo is None:
        bounds = (-1.0, bounds[1])
    if bounds in named:
        return _unary(low, n, named[bounds], x)
    v = x
    if bounds[0] is not None:
        v = _binary(low, n, "maximum", v, bounds[0])
    if bounds[1] is not None:
        v = _binary(low, n, "minimum", v, bounds[1]) if v is x else _chain_min(low, n, v, bounds[1])
    return v


def _chain_min(low: Lowerer, n: Any, v: Val, hi: float) -> Val:
    out = low.new(f"{n.name}_min", v.shape, v.nhwc)
    low.node("minimum", [v.tid, low.const_tensor(np.asarray(hi, np.float32), f"{n.name}_hi")], [out.tid],
             activation="none")
    return out


@handles("aten.pow.Tensor_Scalar", "aten.pow.Tensor_Tensor")
def _pow(low, n, x, e):
    if isinstance(e, (int, float)) and e == 2:
        return _binary(low, n, "mul", x, x)
    if isinstance(e, (int, float)) and e == 0.5:
        return _unary(low, n, "sqrt", x)
    return _binary(low, n, "pow", x, e)


# --------------------------------------------------------------- no-op values

@handles("aten.clone.default", "aten.alias.default", "aten.detach.default", "aten.lift_fresh_copy.default",
         "aten.contiguous.default", "aten.dropout.default", "aten._assert_tensor_metadata.default")
def _identity(low, n, x, *rest, **kw):
    return x


# ---------------------------------------------------------------- conv & pool

def _pad_mode(size: int, k: int, s: int, d: int, p: int, out: int) -> str | None:
    """'valid'/'same' when TFLite's padding gives torch's windows, else None."""
    eff = (k - 1) * d + 1
    if p == 0:
        return "valid"
    same_out = -(-size // s)
    total = max((same_out - 1) * s + eff - size, 0)
    if same_out == out and total // 2 == p:
        return "same"
    return None


def _spatial_pad(low: Lowerer, n: Any, tin: int, x: Val, ph: int, pw: int, fill: float = 0.0) -> int:
    """Explicit torch padding as a pad node before a VALID window op (TFLite's
    SAME only covers the split that puts the odd cell after the data)."""
    shape = (x.shape[0], x.shape[2] + 2 * ph, x.shape[3] + 2 * pw, x.shape[1])
    out = low.g.add_tensor(ir.Tensor(f"{n.name}_padded", shape, "f32"))
    pads = low.const_tensor(np.array([[0, 0], [ph, ph], [pw, pw], [0, 0]], np.int32), f"{n.name}_paddings")
    if fill == 0.0:
        low.node("pad", [tin, pads], [out])
    else:
        low.node("pad_v2", [tin, pads, low.const_tensor(np.asarray(fill, np.float32), f"{n.name}_fill")], [out])
    return out


@handles("aten.convolution.default")
def _conv(low, n, x, w, b, stride, padding, dilation, transposed, output_padding, groups):
    if w.const is None:
        raise Unsupported("weights computed at run time")
    out_shape = _shape(n)
    if transposed:
        return _transpose_conv(low, n, x, w.const, b, stride, padding, dilation, output_padding, groups, out_shape)
    if len(x.shape) == 3:
        # 1-D: a 1xW conv2d between reshapes, as TFLite converters lower Conv1D
        nb, c, length = x.shape
        x4 = low.new(f"{n.name}_x4", (nb, c, 1, length), False)
        low.node("reshape", [low.plain(x, f"{n.name}_x"), low.ints([nb, c, 1, length], f"{n.name}_x4_shape")],
                 [x4.tid], new_shape=[nb, c, 1, length])
        y = _conv2d(low, n, f"{n.name}_2d", x4, w.const[:, :, None, :], b, [1, stride[0]], [0, padding[0]],
                    [1, dilation[0]], groups, (out_shape[0], out_shape[1], 1, out_shape[2]))
        res = low.new(n.name, out_shape, False)
        low.node("reshape", [low.plain(y, f"{n.name}_y"), low.ints(list(out_shape), f"{n.name}_shape")],
                 [res.tid], new_shape=list(out_shape))
        return res
    if len(x.shape) != 4:
        raise Unsupported(f"{len(x.shape) - 2}-D convolution (only 1-D and 2-D)")
    return _conv2d(low, n, n.name, x, w.const, b, stride, padding, dilation, groups, out_shape)


def _conv2d(low: Lowerer, n: Any, name: str, x: Val, w: np.ndarray, b: Any, stride, padding, dilation,
            groups: int, out_shape: tuple[int, ...]) -> Val:
    wt = w.astype(np.float32)
    cout, cin_g, kh, kw = wt.shape
    cin = x.shape[1]
    tin = low.layout(x, True, f"{name}_x")
    modes = [_pad_mode(x.shape[2 + i], (kh, kw)[i], stride[i], dilation[i], padding[i], out_shape[2 + i])
             for i in range(2)]
    if None in modes or modes[0] != modes[1]:
        tin = _spatial_pad(low, n, tin, x, padding[0], padding[1])
        modes = ["valid", "valid"]
    attrs: dict[str, Any] = dict(stride_h=int(stride[0]), stride_w=int(stride[1]), padding=modes[0],
                                 dilation_h=int(dilation[0]), dilation_w=int(dilation[1]), activation="none")
    if groups == 1:
        op, filt = "conv2d", wt.transpose(0, 2, 3, 1)
    elif groups == cin and cin_g == 1:
        op, filt = "depthwise_conv2d", wt.transpose(1, 2, 3, 0)
        attrs["depth_multiplier"] = cout // cin
    else:
        raise Unsupported(f"grouped convolution (groups={groups})")
    bias = b.const.astype(np.float32) if isinstance(b, Val) else np.zeros(cout, np.float32)
    out = low.new(name, out_shape, True)
    low.node(op, [tin, low.const_tensor(filt, f"{name}_filter"), low.const_tensor(bias, f"{name}_bias")],
             [out.tid], **attrs)
    return out


def _transpose_conv(low: Lowerer, n: Any, x: Val, w: np.ndarray, b: Any, stride, padding, dilation,
                    output_padding, groups: int, out_shape: tuple[int, ...]) -> Val:
    if len(x.shape) != 4 or groups != 1 or list(dilation) != [1, 1]:
        raise Unsupported("transposed convolution other than 2-D, ungrouped, undilated")
    cin, cout, kh, kw = w.shape
    modes = set()
    for i, k in enumerate((kh, kw)):
        size, s, p, o = x.shape[2 + i], stride[i], padding[i], out_shape[2 + i]
        full = (size - 1) * s + k
        if p == 0 and output_padding[i] == 0 and o == full:
            modes.add("valid")
        elif o == size * s and (full - o) // 2 == p:       # TFLite SAME crops total//2 before
            modes.add("same")
        else:
            modes.add(None)
    if len(modes) != 1 or None in modes:
        raise Unsupported(f"transposed convolution padding {list(padding)} / output_padding "
                          f"{list(output_padding)} has no TFLite equivalent")
    oshape = [out_shape[p] for p in (0, 2, 3, 1)]
    bias = b.const.astype(np.float32) if isinstance(b, Val) else np.zeros(cout, np.float32)
    out = low.new(n.name, out_shape, True)
    low.node("transpose_conv", [low.ints(oshape, f"{n.name}_output_shape"),
                                low.const_tensor(w.astype(np.float32).transpose(1, 2, 3, 0), f"{n.name}_filter"),
                                low.layout(x, True, f"{n.name}_x"), low.const_tensor(bias, f"{n.name}_bias")],
             [out.tid], padding=modes.pop(), stride_h=int(stride[0]), stride_w=int(stride[1]), activation="none")
    return out


@handles("aten._native_batch_norm_legit_no_training.default")
def _batch_norm(low, n, x, w, b, mean, var, momentum, eps):
    c = x.shape[1]
    scale = (w.const if isinstance(w, Val) else np.ones(c, np.float32)) / np.sqrt(var.const + eps)
    shift = (b.const if isinstance(b, Val) else np.zeros(c, np.float32)) - mean.const * scale
    src = n.args[0]
    prod = low.producer.get(x.tid) if x.const is None else None
    if prod is not None and low.users.get(src) == 1:
        node = low.g.nodes[prod]
        if node.op in ("conv2d", "depthwise_conv2d") and node.attrs.get("activation") == "none":
            filt, bias = low.g.tensors[node.inputs[1]], low.g.tensors[node.inputs[2]]
            axis_shape = (-1, 1, 1, 1) if node.op == "conv2d" else (1, 1, 1, -1)
            filt.data = (filt.data * scale.reshape(axis_shape)).astype(np.float32)
            bias.data = (bias.data * scale + shift).astype(np.float32)
            return [x, None, None]
    bshape = (1, c) + (1,) * (len(x.shape) - 2)
    y = _binary(low, n, "mul", x, Val(bshape, const=scale.reshape(bshape).astype(np.float32)))
    out = low.new(f"{n.name}_shift", y.shape, y.nhwc)
    low.node("add", [y.tid, low.layout(Val(bshape, const=shift.reshape(bshape).astype(np.float32)), y.nhwc,
                                       f"{n.name}_b")], [out.tid], activation="none")
    return [out, None, None]


def _pool(low, n, op, x, kernel, stride, padding, ceil_mode, count_include_pad=False):
    if len(x.shape) != 4:
        raise Unsupported("pooling of a non 4-D tensor")
    kernel = list(kernel) * (2 // len(kernel))
    stride = list(stride or kernel) * (2 // len(stride or kernel))
    padding = list(padding) * (2 // len(padding)) if isinstance(padding, (list, tuple)) else [padding] * 2
    out_shape = _shape(n)
    tin = low.layout(x, True, f"{n.name}_x")
    # ceil_mode max pooling: the last window may hang past the padded input;
    # padding it on the far side with -FLT_MAX makes every window whole
    extra = [(out_shape[2 + i] - 1) * stride[i] + kernel[i] - (x.shape[2 + i] + 2 * padding[i]) for i in range(2)]
    if ceil_mode and op == "max_pool2d" and max(extra) > 0:
        extra = [max(e, 0) for e in extra]
        shape = (x.shape[0], x.shape[2] + 2 * padding[0] + extra[0], x.shape[3] + 2 * padding[1] + extra[1], x.shape[1])
        padded = low.g.add_tensor(ir.Tensor(f"{n.name}_padded", shape, "f32"))
        rows = [[0, 0], [padding[0], padding[0] + extra[0]], [padding[1], padding[1] + extra[1]], [0, 0]]
        low.node("pad_v2", [tin, low.const_tensor(np.array(rows, np.int32), f"{n.name}_paddings"),
                            low.const_tensor(np.asarray(-FLT_MAX, np.float32), f"{n.name}_fill")], [padded])
        out = low.new(n.name, out_shape, True)
        low.node(op, [padded], [out.tid], padding="valid", stride_h=stride[0], stride_w=stride[1],
                 filter_height=kernel[0], filter_width=kernel[1], activation="none")
        return out
    if op == "average_pool2d" and ceil_mode and max(extra) > 0:
        return _avg_pool_exact(low, n, tin, x, kernel, stride, padding, out_shape, count_include_pad)
    modes = {_pad_mode(x.shape[2 + i], kernel[i], stride[i], 1, padding[i], out_shape[2 + i]) for i in range(2)}
    # TFLite's SAME leaves padding out of an average; torch counts it unless
    # count_include_pad=False. Explicit padding: -inf-like for max, zeros for
    # an average that counts them.
    if len(modes) != 1 or None in modes or (op == "average_pool2d" and modes == {"same"} and count_include_pad):
        if op == "average_pool2d" and not count_include_pad:
            return _avg_pool_exact(low, n, tin, x, kernel, stride, padding, out_shape, False)
        tin = _spatial_pad(low, n, tin, x, padding[0], padding[1], -FLT_MAX if op == "max_pool2d" else 0.0)
        modes = {"valid"}
    pad_h = x.shape[2] + 2 * padding[0] if modes == {"valid"} and padding[0] else x.shape[2]
    pad_w = x.shape[3] + 2 * padding[1] if modes == {"valid"} and padding[1] else x.shape[3]
    if ceil_mode and any(((s - k) % st) for s, k, st in ((pad_h, kernel[0], stride[0]), (pad_w, kernel[1], stride[1]))):
        raise Unsupported("ceil_mode pooling with a partial last window")
    out = low.new(n.name, out_shape, True)
    low.node(op, [tin], [out.tid], padding=modes.pop(),
             stride_h=stride[0], stride_w=stride[1], filter_height=kernel[0], filter_width=kernel[1],
             activation="none")
    return out


def _torch_divisors(size: int, k: int, s: int, p: int, out: int, include_pad: bool) -> np.ndarray:
    """Per output index along one dim, the cells torch's avg_pool2d divides by:
    the window clipped to the padded input (include_pad) or to the input."""
    start = np.arange(out) * s - p
    end = np.minimum(start + k, size + p)
    if include_pad:
        return end - start
    return np.maximum(np.minimum(end, size) - np.maximum(start, 0), 0)


def _avg_pool_exact(low: Lowerer, n: Any, tin: int, x: Val, kernel, stride, padding, out_shape,
                    count_include_pad: bool) -> Val:
    """Average pooling with torch's divisor where no TFLite padding gives it
    (ceil_mode's partial last window, explicit padding left out of the count):
    zero padding (plus the ceil overhang) and a VALID average give
    sum / (kh * kw); one multiply by the constant kh * kw / divisor[oh, ow]
    makes it sum / divisor."""
    extra = [max((out_shape[2 + i] - 1) * stride[i] + kernel[i] - (x.shape[2 + i] + 2 * padding[i]), 0)
             for i in range(2)]
    if any(padding) or any(extra):
        shape = (x.shape[0], x.shape[2] + 2 * padding[0] + extra[0], x.shape[3] + 2 * padding[1] + extra[1],
                 x.shape[1])
        padded = low.g.add_tensor(ir.Tensor(f"{n.name}_padded", shape, "f32"))
        rows = [[0, 0], [padding[0], padding[0] + extra[0]], [padding[1], padding[1] + extra[1]], [0, 0]]
        low.node("pad", [tin, low.const_tensor(np.array(rows, np.int32), f"{n.name}_paddings")], [padded])
        tin = padded
    pooled = low.new(f"{n.name}_sum", out_shape, True)
    low.node("average_pool2d", [tin], [pooled.tid], padding="valid", stride_h=stride[0], stride_w=stride[1],
             filter_height=kernel[0], filter_width=kernel[1], activation="none")
    div = np.outer(*[_torch_divisors(x.shape[2 + i], kernel[i], stride[i], padding[i], out_shape[2 + i],
                                     count_include_pad) for i in range(2)]).astype(np.float64)
    scale = np.where(div > 0, kernel[0] * kernel[1] / np.maximum(div, 1), 0.0).astype(np.float32)
    if np.all(scale == 1.0):
        return pooled
    out = low.new(n.name, out_shape, True)
    low.node("mul", [pooled.tid, low.const_tensor(scale.reshape(1, out_shape[2], out_shape[3], 1),
                                                  f"{n.name}_divisor")], [out.tid], activation="none")
    return out


@handles("aten.max_pool2d_with_indices.default", "aten.max_pool2d.default")
def _max_pool(low, n, x, kernel, stride=(), padding=0, dilation=1, ceil_mode=False):
    if dilation not in (1, [1, 1], (1, 1)):
        raise Unsupported("dilated max pooling")
    out = _pool(low, n, "max_pool2d", x, kernel, stride, padding, ceil_mode)
    return [out, None] if "indices" in str(n.target) else out


@handles("aten.avg_pool2d.default")
def _avg_pool(low, n, x, kernel, stride=(), padding=0, ceil_mode=False, count_include_pad=True,
              divisor_override=None):
    if divisor_override is not None:
        raise Unsupported("avg_pool2d divisor_override")
    return _pool(low, n, "average_pool2d", x, kernel, stride, padding, ceil_mode, count_include_pad)
