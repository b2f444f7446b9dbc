"""Lowering of a decomposed torch.export graph (core ATen) to selbuild's IR.

The IR follows the TFLite conventions the kernels use (selbuild/ir.py): NHWC
activations, OHWI conv weights, 1HWC depthwise weights, [out, in] dense
weights, operands such as axes/perm/shape as int32 constant inputs.

Layout. Torch computes in NCHW. Every value here keeps its *torch* shape and
records how its IR tensor is laid out: `nhwc=True` means the IR tensor is the
(0, 2, 3, 1) permutation of the 4-D torch value. Convolutions and pooling
produce NHWC; elementwise ops keep whatever layout their inputs have (constant
operands are permuted to match); ops whose meaning depends on the memory
order (view, permute, layer_norm) ask for the torch layout, which costs a
transpose only when the permutation actually moves data (a [N, C, 1, 1]
tensor is the same bytes in both layouts). Program inputs and outputs keep
the torch layout, so the transposes sit at the graph boundary and a program
takes the same arrays torch does.

Constants. Any op whose tensor operands are all constants is evaluated with
torch here (weight transposes, `full`, scalar tensors), and batch norm after a
convolution is folded into its weights and bias, so none of those reach the
device.

Errors. An op without a lowering is recorded (with its torch op name) and
lowering goes on with a placeholder, so the caller can report every missing
op at once (summarize) or raise one UnsupportedError naming all (load).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

import numpy as np

from selbuild import ir
from selbuild.frontends.torch_registry import handler_for
from selbuild.frontends.torch_state import StateLowering, StateSpec, spec_of

TO_NHWC = (0, 2, 3, 1)
TO_NCHW = (0, 3, 1, 2)


@dataclass
class Val:
    """A torch value: a constant (numpy, torch layout) or an IR tensor."""

    shape: tuple[int, ...]
    const: np.ndarray | None = None
    tid: int = -1
    nhwc: bool = False
    other: int = -1              # cached IR tensor of the same value in the other layout


def source_name(target: Any) -> str:
    """'aten.convolution.default' / OpOverload -> 'aten::convolution' (+ .overload)."""
    s = target if isinstance(target, str) else str(target)
    parts = s.split(".")
    if len(parts) >= 3:
        ns, name, overload = parts[0], ".".join(parts[1:-1]), parts[-1]
        return f"{ns}::{name}" + ("" if overload == "default" else f".{overload}")
    return s


def _same_bytes(shape: tuple[int, ...]) -> bool:
    """NCHW and NHWC orders coincide when C or H*W is 1."""
    return len(shape) == 4 and (shape[1] == 1 or shape[2] * shape[3] == 1)


class Lowerer:
    """Builds one ir.Graph from an ExportedProgram's (decomposed) graph."""

    def __init__(self, name: str):
        self.g = ir.Graph(name, [], [], [], [])
        self.vals: dict[Any, Any] = {}
        self.errors: list[tuple[str, str]] = []          # (source op, reason)
        self.producer: dict[int, int] = {}               # tensor -> node index
        self.src = ""                                     # source op of the node being lowered
        self.users: dict[Any, int] = {}
        self.state: StateLowering | None = None          # mutated buffers (set by lower_fx)

    # ------------------------------------------------------------------ tensors
    def const_tensor(self, arr: np.ndarray, name: str, dtype: str | None = None) -> int:
        arr = np.array(arr, order="C")          # (ascontiguousarray would make 0-d arrays 1-d)
        dt = dtype or ir.dtype_of_numpy(arr.dtype)
        return self.g.add_tensor(ir.Tensor(name, tuple(int(d) for d in arr.shape), dt, arr))

    def ints(self, values: list[int], name: str) -> int:
        return self.const_tensor(np.asarray(values, np.int32), name)

    def new(self, name: str, shape: tuple[int, ...], nhwc: bool, dtype: str = "f32") -> Val:
        ir_shape = tuple(shape[p] for p in TO_NHWC) if nhwc else tuple(shape)
        tid = self.g.add_tensor(ir.Tensor(name, ir_shape, dtype))
        return Val(tuple(shape), tid=tid, nhwc=nhwc)

    def node(self, op: str, inputs: list[int], outputs: list[int], **attrs: Any) -> ir.Node:
        n = ir.Node(op, inputs, outputs, attrs, source_op=self.src, dtype="f32")
        self.g.nodes.append(n)
        for o in outputs:
            self.producer[o] = len(self.g.nodes) - 1
        return n

    def layout(self, v: Val, nhwc: bool, name: str) -> int:
        """IR tensor of `v` in the wanted layout (a transpose when it moves data)."""
        if v.const is not None:
            arr = v.const.astype(np.float32) if v.const.dtype == np.float64 else v.const
            if nhwc:
                arr = np.broadcast_to(arr, (1,) * (4 - arr.ndim) + arr.shape).transpose(TO_NHWC) \
                    if arr.ndim else arr
            return self.const_tensor(arr, name)
        if v.nhwc == nhwc or len(v.shape) != 4:
            if v.nhwc != nhwc:
                raise Unsupported(f"rank-{len(v.shape)} value cannot change layout")
            return v.tid
        if v.other >= 0:
            return v.other
        tgt = tuple(v.shape[p] for p in TO_NHWC) if nhwc else tuple(v.shape)
        out = self.g.add_tensor(ir.Tensor(f"{name}_{'nhwc' if nhwc else 'nchw'}", tgt, "f32"))
        if _same_bytes(v.shape):
            self.node("reshape", [v.tid, self.ints(list(tgt), f"{name}_shape")], [out], new_shape=list(tgt))
        else:
            perm = TO_NHWC if nhwc else TO_NCHW
            self.node("transpose", [v.tid, self.ints(list(perm), f"{name}_perm")], [out])
        v.other = out
        return out

    def plain(self, v: Val, name: str) -> int:
        return self.layout(v, False, name)


class Unsupported(Exception):
    """Raised by a handler: this node cannot be lowered (message says why)."""


def lower_graph(ep: Any, name: str = "main") -> Lowerer:
    """Lower a decomposed ExportedProgram; errors are collected on the result."""
    from torch.export.graph_signature import OutputKind

    sig = ep.graph_signature
    consts: dict[str, Any] = {}
    consts.update({k: ep.state_dict[v] for k, v in sig.inputs_to_parameters.items()})
    consts.update({k: ep.state_dict[v] if v in ep.state_dict else ep.constants[v]
                   for k, v in sig.inputs_to_buffers.items()})
    consts.update({k: ep.constants[v] for k, v in sig.inputs_to_lifted_tensor_constants.items()})
    state = spec_of(ep)
    for k in state.initial:
        consts.pop(k, None)
    # buffer mutations come before the user outputs in the output node
    outputs = {i: spec.arg.name for i, spec in enumerate(sig.output_specs)
               if spec.kind == OutputKind.USER_OUTPUT}
    return lower_fx(ep.graph_module.graph, consts, outputs, name, state)


def lower_fx(graph: Any, consts: dict[str, Any], outputs: dict[int, str], name: str = "main",
             state: StateSpec | None = None) -> Lowerer:
    """Lower an fx graph of core ATen ops. Placeholders named in `consts` are
    constants (torch tensors), those in `state` mutable buffers (torch_state.py),
    the others inputs; `outputs` maps positions of the output node's values to
    the names the program gives them. A node's torch op name comes from meta
    "selbuild_source", else the stored node it was decomposed from
    ("from_node"), else its own target."""
    import torch

    low = Lowerer(name)
    low.state = StateLowering(low, state or StateSpec())
    for n in graph.nodes:
        low.users[n] = len(n.users)
    for n in graph.nodes:
        if n.op == "placeholder":
            if n.name in consts:
                low.vals[n] = Val(tuple(consts[n.name].shape), const=consts[n.name].detach().cpu().numpy())
                continue
            held = low.state.read(n.name)
            if held is not None:
                low.vals[n] = Val(tuple(low.g.tensors[held].shape), tid=held)
                continue
            val = n.meta.get("val")
            # float activations; integer inputs are indices (token ids for an embedding)
            dtype = {torch.float32: "f32", torch.int64: "i64", torch.int32: "i32"}.get(
                val.dtype if isinstance(val, torch.Tensor) else None)
            if dtype is None:
                low.errors.append(("input", f"input '{n.name}' is not a float32 or integer index tensor"))
                continue
            if not all(isinstance(d, int) for d in val.shape):
                low.errors.append(("input", f"input '{n.name}' has dynamic dimensions {list(val.shape)}; "
                                            "selbuild programs have static shapes (export without dynamic_shapes)"))
            v = low.new(n.name, tuple(int(d) for d in val.shape), False, dtype)
            low.g.inputs.append(v.tid)
            low.vals[n] = v
        elif n.op == "call_function":
            fn = n.meta.get("from_node")
            low.src = n.meta.get("selbuild_source") or (source_name(fn[0].target) if fn else source_name(n.target))
            try:
                low.vals[n] = lower_node(low, n)
            except Unsupported as e:
                via = source_name(n.target)
                low.errors.append((low.src, str(e) if via == low.src else f"{via}: {e}"))
                low.vals[n] = _placeholder(low, n)
            except (IndexError, KeyError, ValueError, TypeError, RuntimeError, AttributeError, OverflowError,
                    MemoryError) as e:
                # arguments the handler (or torch, folding constants) cannot make sense of
                why = str(e).splitlines()[0][:200] if str(e) else ""
                via = source_name(n.target)
                low.errors.append((low.src, ("" if via == low.src else f"{via}: ")
                                   + f"cannot lower these arguments ({type(e).__name__}: {why})"))
                low.vals[n] = _placeholder(low, n)
        elif n.op == "output":
            results = n.args[0] if isinstance(n.args[0], (tuple, list)) else [n.args[0]]
            for i, o in enumerate(results):
                if i in low.state.spec.writes:
                    _write_state(low, low.state.spec.writes[i], low.vals.get(o))
                if i not in outputs:
                    continue
                v = low.vals.get(o)
                if isinstance(v, Val) and v.tid >= 0:
                    tid = low.plain(v, f"output{i}")
                    low.g.tensors[tid].name = outputs[i] or f"output{i}"
                    low.g.outputs.append(tid)
                elif isinstance(v, Val):
                    low.errors.append(("output", f"output {i} is a constant"))
    return low


def _write_state(low: Lowerer, buf: str, v: Any) -> None:
    if not isinstance(v, Val):
        low.errors.append(("output", f"the new value of buffer '{buf}' is not a tensor"))
        return
    tid = low.plain(v, f"{buf}_new") if v.tid >= 0 else low.const_tensor(v.const, f"{buf}_new")
    low.state.write(buf, tid)


# ------------------------------------------------------------ one node: fold or dispatch

def _is_const(v: Any) -> bool:
    return not isinstance(v, Val) or v.const is not None


def _value(low: Lowerer, a: Any) -> Any:
    from torch.fx import Node
    if isinstance(a, Node):
        return low.vals[a]
    if isinstance(a, (list, tuple)):
        return type(a)(_value(low, x) for x in a)
    return a


def _fold(n: Any, args: tuple, kwargs: dict) -> Any:
    """Evaluate an op on constants with torch itself."""
    import torch

    def to_t(v: Any) -> Any:
        if isinstance(v, Val):
            return torch.from_numpy(np.ascontiguousarray(v.const))
        if isinstance(v, (list, tuple)):
            return type(v)(to_t(x) for x in v)
        return v

    def from_t(r: Any) -> Any:
        if isinstance(r, torch.Tensor):
            arr = r.detach().contiguous().numpy().copy()
            return Val(tuple(arr.shape), const=arr)
        if isinstance(r, (list, tuple)):
            return [from_t(x) for x in r]
        return r

    return from_t(n.target(*to_t(args), **to_t(kwargs)))


def _all_const(x: Any) -> bool:
    if isinstance(x, (list, tuple)):
        return all(_all_const(v) for v in x)
    return _is_const(x)


def lower_node(low: Lowerer, n: Any) -> Any:
    import torch
    if isinstance(n.target, torch._ops.HigherOrderOperator):
        raise Unsupported("control flow and other higher-order ops (torch.cond, while_loop, map) "
                          "are not supported; export a graph without them")
    args = _value(low, tuple(n.args))
    kwargs = {k: _value(low, v) for k, v in n.kwargs.items()}
    if n.target is operator.getitem:
        seq = args[0]
        return seq[args[1]] if seq is not None else None
    name = str(n.target)
    if _all_const(args) and _all_const(list(kwargs.values())):
        return _fold(n, args, kwargs)
    fn = handler_for(name)
    if fn is None:
        raise Unsupported("no lowering to selbuild's IR")
    return fn(low, n, *args, **kwargs)


# ------------------------------------------------------------------ elementwise


def _placeholder(low: Lowerer, n: Any) -> Any:
    import torch
    val = n.meta.get("val")
    if isinstance(val, torch.Tensor):
        return low.new(n.name, tuple(int(d) for d in val.shape), False)
    if isinstance(val, (tuple, list)):
        return [low.new(f"{n.name}_{i}", tuple(int(d) for d in t.shape), False)
                if isinstance(t, torch.Tensor) else None for i, t in enumerate(val)]
    return None

