"""ATen operator -> canonical selbuild op: the one map for every PyTorch format.

ExecuTorch programs, TorchScript/lite modules and torch.export graphs all name
their operators the ATen way (`aten::convolution` + overload `out`); this module
turns such a name, plus whatever a frontend knows about the call's arguments,
into the canonical op of decision 4 of the design (`conv2d`, `depthwise_conv2d`,
`fully_connected`, ...). Frontends never keep maps of their own.

Arguments matter for a few ops: `aten::convolution` is a depthwise conv when
groups equals the input channels, `aten::clamp(x, 0, 6)` is relu6, `aten::mm`
with a constant right operand is a fully-connected layer. A frontend passes
the arguments it knows as `args` (TensorArg for tensors, Python scalars/lists
for the rest, None where unknown) or `None` when it knows nothing (TorchScript
without example inputs): the op then gets its most common meaning.

The dtype of a call is the dtype of its first tensor argument. Where no tensor
dtype is known (TorchScript without example inputs) the call is taken as f32:
float models are what a PyTorch user ships unless they quantize, and quantized
ops have their own names (`quantized::conv2d`) that map to nothing here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from selbuild import opmaps

DEFAULT_DTYPE = "f32"


@dataclass(frozen=True)
class TensorArg:
    """What a frontend knows of one tensor argument (fields None when unknown)."""

    shape: tuple[int, ...] | None = None
    dtype: str | None = None
    const: bool | None = None           # a weight / stored constant


# Base name (namespace::name, no overload) -> canonical op, from the `aten:` lists
# of runtime_src/kernels/kernels.yaml. Overloads share the meaning of their base
# op (`add.Tensor`, `add.out`, `add.Scalar` all add).
ATEN_OPS: dict[str, str] = opmaps.aten_ops()


def _int_list(v: Any) -> list[int] | None:
    if isinstance(v, (list, tuple)) and all(isinstance(x, int) and not isinstance(x, bool) for x in v):
        return [int(x) for x in v]
    return None


def _arg(args: Sequence[Any] | None, i: int) -> Any:
    return args[i] if args is not None and 0 <= i < len(args) else None


def _conv(base: str, args: Sequence[Any] | None) -> str | None:
    # aten::convolution(input, weight, bias, stride, padding, dilation,
    #                   transposed, output_padding, groups); conv2d/conv1d have
    # groups at index 6 and no transposed flag.
    full = base in ("aten::convolution", "aten::_convolution")
    transposed = _arg(args, 6) if full else False
    groups = _arg(args, 8 if full else 6)
    if transposed is True:
        return "transpose_conv"
    x, w = _arg(args, 0), _arg(args, 1)
    in_ch = x.shape[1] if isinstance(x, TensorArg) and x.shape and len(x.shape) >= 2 else None
    w_in = w.shape[1] if isinstance(w, TensorArg) and w.shape and len(w.shape) >= 2 else None
    # depthwise: every group sees one input channel (TFLite DEPTHWISE_CONV_2D)
    if isinstance(groups, int) and groups > 1 and w_in == 1 and (in_ch is None or in_ch == groups):
        return "depthwise_conv2d"
    if isinstance(groups, int) and groups > 1:
        return None                     # grouped conv: no kernel
    return "conv2d"


def _bounds(lo: Any, hi: Any) -> str | None:
    def num(v: Any) -> float | None:
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
    lo_f, hi_f = num(lo), num(hi)
    if lo_f == 0.0 and hi_f == 6.0:
        return "relu6"
    if lo_f == 0.0 and hi is None:
        return "relu"
    if lo_f == -1.0 and hi_f == 1.0:
        return "relu_n1_to_1"
    # one-sided clamps are elementwise max/min against a scalar
    if lo_f is not None and hi is None:
        return "maximum"
    if lo is None and hi_f is not None:
        return "minimum"
    return None


def _clamp(base: str, args: Sequence[Any] | None) -> str | None:
    if args is None:
        return "relu6"                  # the clamp a float model normally has
    return _bounds(_arg(args, 1), _arg(args, 2))


def _hardtanh(base: str, args: Sequence[Any] | None) -> str | None:
    if args is None or len(args) < 3:   # hardtanh defaults are -1, 1
        return "relu_n1_to_1" if args is not None else "relu6"
    return _bounds(_arg(args, 1), _arg(args, 2))


def _mm(base: str, args: Sequence[Any] | None) -> str | None:
    b = _arg(args, 1)
    return "fully_connected" if isinstance(b, TensorArg) and b.const else "batch_matmul"


def _adaptive_avg(base: str, args: Sequence[Any] | None) -> str | None:
    size = _int_list(_arg(args, 1))
    if args is None or size is None:
        return "mean"
    return "mean" if all(s == 1 for s in size) else None


_REFINE: dict[str, Callable[[str, Sequence[Any] | None], str | None]] = {
    "aten::convolution": _conv, "aten::_convolution": _conv,
    "aten::conv2d": _conv, "aten::conv1d": _conv,
    "aten::clamp": _clamp, "aten::hardtanh": _hardtanh,
    "aten::mm": _mm,
    "aten::adaptive_avg_pool2d": _adaptive_avg, "aten::_adaptive_avg_pool2d": _adaptive_avg,
}


def split_name(spelled: str) -> tuple[str, str]:
    """'aten::add.out' -> ('aten::add', 'out'); 'aten::relu' -> ('aten::relu', '')."""
    ns, sep, rest = spelled.partition("::")
    if not sep:
        ns, rest = "", spelled
    name, _, overload = rest.partition(".")
    return (f"{ns}::{name}" if sep else name), overload


def spell(name: str, overload: str) -> str:
    """The file's spelling: name plus overload, default overload left off."""
    return f"{name}.{overload}" if overload and overload != "default" else name


def canonical_op(name: str, args: Sequence[Any] | None = None) -> str | None:
    """Canonical op of an ATen operator (base name or name.overload), None if unmapped."""
    base, _ = split_name(name) if "." in name.partition("::")[2] else (name, "")
    if base.endswith("_") and not base.endswith("__") and base not in ATEN_OPS:
        base = base[:-1]                # in-place variant (relu6_, add_) computes the same
    op = ATEN_OPS.get(base)
    if op is None:
        return None
    refine = _REFINE.get(base)
    return refine(base, args) if refine is not None else op


# Ops whose first tensor argument is not the activation (addmm: bias first).
_DTYPE_ARG: dict[str, int] = {"aten::addmm": 1}


def call_dtype(args: Sequence[Any] | None, name: str = "") -> str:
    """dtype of a call: that of its activation / first tensor argument with a known dtype."""
    base = split_name(name)[0] if name else ""
    first = _DTYPE_ARG.get(base)
    if first is not None:
        a = _arg(args, first)
        if isinstance(a, TensorArg) and a.dtype:
            return a.dtype
    for a in args or ():
        if isinstance(a, TensorArg) and a.dtype:
            return a.dtype
        if isinstance(a, (list, tuple)):        # cat's tensor list
            for t in a:
                if isinstance(t, TensorArg) and t.dtype:
                    return t.dtype
    return DEFAULT_DTYPE


def kernel_name(name: str, args: Sequence[Any] | None = None) -> str | None:
    """`<op>.<dtype>` for an ATen call, or None when selbuild has no kernel mapping."""
    op = canonical_op(name, args)
    return None if op is None else f"{op}.{call_dtype(args, name)}"
