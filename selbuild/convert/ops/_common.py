"""Helpers shared by the op lowerings in this package.

Two things almost every elementwise or fused op needs:

* `broadcast_strides(in_shape, out_shape)`: how a kernel walks an input that
  numpy-broadcasts to the output. Kernels iterate over the *output* index
  (i0..i{r-1}) and find the input element at sum(i_k * stride_k); a
  broadcast dimension gets stride 0, so no kernel needs broadcasting logic
  beyond a multiply-add per dimension.
* `activation_bounds(activation)`: the clamp a fused activation amounts to,
  as (act_min, act_max) floats for the kernels' `act_min`/`act_max` fparams.

Both raise UnsupportedError with the node in the message when asked for
something a kernel cannot do, so lowerings need no checks of their own.
"""

from __future__ import annotations

from collections.abc import Sequence

from selbuild._generated.constants import MAX_RANK
from selbuild.errors import SelbuildError, UnsupportedError
from selbuild.ir import Graph, Node

# MAX_RANK: the runtime's fixed maximum rank (= SELRT_MAX_RANK, both generated
# from kernels.yaml): kernels take exactly this many stride params, unused ones zero.

# Largest finite float32. TFLite's CalculateActivationRange uses
# numeric_limits<float>::lowest()/max() for "no activation"; finite bounds
# (rather than inf) also stay correct when the runtime is built with
# -ffinite-math-only.
FLT_MAX = 3.4028234663852886e38

# Fused activation -> (min, max) clamp.
_ACT_BOUNDS: dict[str, tuple[float, float]] = {
    "none": (-FLT_MAX, FLT_MAX),
    "relu": (0.0, FLT_MAX),
    "relu6": (0.0, 6.0),
    "relu_n1_to_1": (-1.0, 1.0),
}


def describe(g: Graph, n: Node) -> str:
    """Short human name of a node for error messages: `add (ADD) -> 'out_name'`."""
    out = g.tensors[n.outputs[0]].name if n.outputs and n.outputs[0] >= 0 else "?"
    src = f" ({n.source_op})" if n.source_op else ""
    return f"{n.op}{src} -> '{out}'"


def broadcast_shape(*shapes: Sequence[int]) -> tuple[int, ...]:
    """numpy's broadcast of several shapes; ValueError if they do not broadcast."""
    rank = max((len(s) for s in shapes), default=0)
    out: list[int] = []
    for k in range(rank):
        dims = {s[len(s) - rank + k] for s in shapes if len(s) - rank + k >= 0}
        dims.discard(1)
        if len(dims) > 1:
            raise ValueError(f"shapes {[tuple(s) for s in shapes]} do not broadcast")
        out.append(dims.pop() if dims else 1)
    return tuple(out)


def broadcast_inputs_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    """Shape hook of a two-input elementwise node (add, sub, prelu ...): the
    broadcast of its first two inputs; SelbuildError naming the node if they do not."""
    a, b = (g.tensors[i].shape for i in n.inputs[:2])
    try:
        return [broadcast_shape(a, b)]
    except ValueError as e:
        raise SelbuildError(f"{describe(g, n)}: {e}") from None


def contiguous_strides(shape: Sequence[int]) -> list[int]:
    """Element strides of a row-major (C order) tensor."""
    strides = [1] * len(shape)
    for k in range(len(shape) - 2, -1, -1):
        strides[k] = strides[k + 1] * int(shape[k + 1])
    return strides


def broadcast_strides(in_shape: Sequence[int], out_shape: Sequence[int]) -> list[int]:
    """Element strides of `in_shape` per *output* dimension, 0 where broadcast.

    The input is right-aligned against the output (numpy rules): output dim k
    reads input dim k - (len(out) - len(in)); leading output dims the input
    lacks get stride 0, and so does every input dim of size 1. The result has
    len(out_shape) entries; `padded_strides` extends it to MAX_RANK.

    ValueError if the input does not broadcast to the output or has more dims.
    """
    r_out, r_in = len(out_shape), len(in_shape)
    if r_in > r_out:
        raise ValueError(f"input shape {tuple(in_shape)} has more dims than output {tuple(out_shape)}")
    own = contiguous_strides(in_shape)
    strides = [0] * r_out
    for k in range(r_out):
        j = k - (r_out - r_in)
        if j < 0:
            continue
        d_in, d_out = int(in_shape[j]), int(out_shape[k])
        if d_in == d_out and d_in != 1:
            strides[k] = own[j]
        elif d_in != 1:
            raise ValueError(f"input shape {tuple(in_shape)} does not broadcast to {tuple(out_shape)}")
    return strides


def padded_strides(strides: Sequence[int]) -> list[int]:
    """`strides` followed by zeros up to MAX_RANK entries."""
    if len(strides) > MAX_RANK:
        raise ValueError(f"rank {len(strides)} exceeds the runtime's maximum {MAX_RANK}")
    return list(strides) + [0] * (MAX_RANK - len(strides))


def broadcast_iparams(g: Graph, n: Node, names: Sequence[str] = ("a", "b")) -> dict[str, int]:
    """iparams `rank`, `<name>_strides0..5` for each input of an elementwise node.

    Input i of the node is called names[i]; the output shape is the node's
    declared output shape. For `add`: {"rank", "a_strides0".., "b_strides0"..}.
    Raises UnsupportedError for rank > MAX_RANK and for shapes that do not
    broadcast to the output.
    """
    out_shape = g.tensors[n.outputs[0]].shape
    if len(out_shape) > MAX_RANK:
        raise UnsupportedError(f"{describe(g, n)}: rank {len(out_shape)} output; kernels support rank <= {MAX_RANK}")
    params: dict[str, int] = {"rank": len(out_shape)}
    for name, idx in zip(names, n.inputs):
        in_shape = g.tensors[idx].shape
        try:
            strides = padded_strides(broadcast_strides(in_shape, out_shape))
        except ValueError as e:
            raise UnsupportedError(f"{describe(g, n)}: {e}") from None
        for k, s in enumerate(strides):
            params[f"{name}_strides{k}"] = s
    return params


def activation_bounds(activation: str | None) -> tuple[float, float]:
    """(act_min, act_max) of a fused activation given as ir.ACTIVATIONS names.

    None counts as "none". Activations that are not a clamp (tanh, sign_bit)
    raise UnsupportedError: a kernel with only act_min/act_max cannot do them.
    """
    act = activation or "none"
    try:
        return _ACT_BOUNDS[act]
    except KeyError:
        raise UnsupportedError(f"fused activation '{act}' is not supported by selbuild kernels",
                               hint="supported fused activations: " + ", ".join(_ACT_BOUNDS)) from None


def activation_fparams(g: Graph, n: Node) -> dict[str, float]:
    """{"act_min", "act_max"} for the node's attrs["activation"], naming the node on error."""
    try:
        lo, hi = activation_bounds(n.attrs.get("activation"))
    except UnsupportedError as e:
        raise UnsupportedError(f"{describe(g, n)}: {e.message}", hint=e.hint) from None
    return {"act_min": lo, "act_max": hi}
