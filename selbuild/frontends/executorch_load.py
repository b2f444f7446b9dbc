"""Conversion of portable ExecuTorch programs (.pte without delegates) to the IR.

A portable program is a list of out-variant ATen kernel calls over a table of
values (tensors, scalars, lists), with weights in a constant segment. We
rebuild it as a torch.fx graph of the *functional* ATen ops (`convolution.out`
-> `convolution.default`, the out arguments becoming the node's results) and
hand that to the torch.export lowering (torch_lower.lower_fx), so .pte and
.pt2 share one lowering. The same fx graph, run by torch, is the reference a
converted program is checked against (`reference`).

Needs torch (the functional ops' schemas); the analysis (`summarize`) does not.
"""

from __future__ import annotations

import operator
import struct
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from selbuild import ir
from selbuild.errors import CatalogueError, ModelError, SelbuildError, UnsupportedError
from selbuild.frontends import aten_ops
from selbuild.frontends.executorch import Plan, PteProgram, read_program
from selbuild.frontends.torch_state import StateSpec, describe
from selbuild.frontends.torchscript import require_torch

_NUMPY = {"f32": np.float32, "f64": np.float64, "f16": np.float16, "i64": np.int64, "i32": np.int32,
          "i16": np.int16, "i8": np.int8, "u8": np.uint8, "bool": np.bool_}


@dataclass
class FxProgram:
    graph: Any                          # torch.fx.Graph
    consts: dict[str, Any]              # placeholder name -> torch tensor
    inputs: list[str]                   # placeholder names of the plan's inputs
    outputs: dict[int, str]
    state: StateSpec = field(default_factory=StateSpec)   # mutable buffers (torch_state.py)


def _functional(torch: Any, name: str, overload: str) -> Any:
    """The functional overload matching an out variant's non-out arguments."""
    ns, _, op = name.partition("::")
    try:
        packet = getattr(getattr(torch.ops, ns), op)
        out_op = getattr(packet, overload or "default")
    except (AttributeError, RuntimeError):
        raise UnsupportedError(f"torch has no operator {aten_ops.spell(name, overload)}") from None
    want = [a.name for a in out_op._schema.arguments if not a.is_out]
    for ov in packet.overloads():
        cand = getattr(packet, ov)
        args = cand._schema.arguments
        if not any(a.is_out for a in args) and [a.name for a in args] == want:
            return out_op, cand
    raise UnsupportedError(f"no functional form of {aten_ops.spell(name, overload)}")


# ExecuTorch's dim-order ops (exported by default since 0.4) -> the ATen op computing the same values
_DIM_ORDER = {
    "dim_order_ops::_to_dim_order_copy": lambda torch: torch.ops.aten._to_copy.default,
    "dim_order_ops::_clone_dim_order": lambda torch: torch.ops.aten.clone.default,
}


def _out_op(torch: Any, name: str, overload: str) -> Any:
    ns, _, op = name.partition("::")
    try:
        return getattr(getattr(getattr(torch.ops, ns), op), overload or "default")
    except (AttributeError, RuntimeError):
        raise UnsupportedError(f"torch has no operator {aten_ops.spell(name, overload)}") from None


def _no_tensor_operand(torch: Any, call: Any) -> bool:
    """A call whose inputs are all scalars or int lists (its outs are its only tensors)."""
    sargs = _out_op(torch, call.name, call.overload)._schema.arguments
    ins = [v for v, a in zip(call.args, sargs) if not a.is_out]
    return bool(ins) and not any(isinstance(v, aten_ops.TensorArg) or
                                 (isinstance(v, list) and any(isinstance(x, aten_ops.TensorArg) for x in v))
                                 for v in ins)


def _constant_call(torch: Any, g: Any, call: Any) -> tuple[int, Any]:
    """Run a scalars-only call with torch; its out value becomes a constant placeholder."""
    out_op = _out_op(torch, call.name, call.overload)
    sargs = out_op._schema.arguments
    pairs = list(zip(call.arg_ids, call.args))
    outs = [pv for pv, a in zip(pairs, sargs) if a.is_out]
    if len(outs) != 1:
        raise UnsupportedError(f"{aten_ops.spell(call.name, call.overload)} with {len(outs)} outputs")
    vid, o = outs[0]
    dtype = torch.from_numpy(np.zeros(0, _NUMPY.get(o.dtype or "f32", np.float32))).dtype
    given = [(a, v) for (_, v), a in zip(pairs, sargs) if not a.is_out]
    kwargs = {a.name: v for a, v in given if a.kwarg_only}
    kwargs[[a.name for a in sargs if a.is_out][0]] = torch.empty(o.shape, dtype=dtype)
    value = out_op(*[v for a, v in given if not a.kwarg_only], **kwargs)
    node = g.placeholder(f"const{vid}")
    node.meta["val"] = value
    return vid, node


def build_fx(data: bytes, prog: PteProgram, plan: Plan) -> FxProgram:
    """The plan as an fx graph; ModelError when the program's values do not fit together."""
    try:
        return _build_fx(data, prog, plan)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError, RuntimeError, OverflowError,
            MemoryError, struct.error, RecursionError) as e:
        # a damaged or unusual program (the reader checked structure, not meaning)
        raise ModelError(f"cannot rebuild the program's graph ({type(e).__name__}: {e})".splitlines()[0]) from None


def _build_fx(data: bytes, prog: PteProgram, plan: Plan) -> FxProgram:
    torch = require_torch()
    from torch import fx

    g = fx.Graph()
    node_of: dict[int, Any] = {}
    consts: dict[str, Any] = {}
    values: dict[int, Any] = {}
    for call in plan.calls:
        values.update(zip(call.arg_ids, call.args))
    inputs = []
    for i, vid in enumerate(plan.input_ids):
        t = plan.inputs[i]
        node = g.placeholder(f"input{i}")
        node.meta["val"] = torch.empty(t.shape, dtype=torch.from_numpy(np.zeros(0, _NUMPY[t.dtype])).dtype)
        node_of[vid] = node
        inputs.append(node.name)
    for vid, buf in sorted(plan.buffers.items()):
        t = values.get(vid)
        if not isinstance(t, aten_ops.TensorArg) or t.dtype not in _NUMPY:
            continue
        n = int(np.prod(t.shape)) if t.shape else 1
        raw = prog.constant_bytes(data, buf, n * np.dtype(_NUMPY[t.dtype]).itemsize)
        arr = np.frombuffer(raw, _NUMPY[t.dtype]).reshape(t.shape).copy()
        node = g.placeholder(f"const{vid}")
        consts[node.name] = torch.from_numpy(arr)
        node.meta["val"] = consts[node.name]
        node_of[vid] = node

    held = _state_placeholders(torch, g, data, prog, plan, values, node_of)
    written: list[int] = []
    current = [""]                          # source op of the call being built

    def arg(vid: int, v: Any) -> Any:
        if isinstance(v, list) and vid in plan.lists and any(isinstance(x, aten_ops.TensorArg) for x in v):
            return [arg(e, x) for e, x in zip(plan.lists[vid], v)]
        if isinstance(v, aten_ops.TensorArg):
            if vid not in node_of:
                node_of[vid] = view_of(vid, v)
            return node_of[vid]
        return v

    def view_of(vid: int, v: aten_ops.TensorArg) -> Any:
        """A tensor no kernel writes but planned onto the bytes of one that was
        written: ExecuTorch's static view (flatten, view). It becomes a reshape."""
        key = plan.allocs.get(vid)
        numel = int(np.prod(v.shape)) if v.shape else 1
        for w in reversed(written):
            src = values.get(w)
            if key is not None and plan.allocs.get(w) == key and isinstance(src, aten_ops.TensorArg) \
                    and (int(np.prod(src.shape)) if src.shape else 1) == numel:
                node = g.call_function(torch.ops.aten.view.default, (node_of[w], list(v.shape)))
                node.meta["val"] = torch.empty(v.shape)
                node.meta["selbuild_source"] = current[0]      # attributed to the op reading it
                return node
        raise ModelError(f"value {vid} is read before any kernel writes it")

    def delegated(position: int) -> None:
        """The delegate calls made before kernel call `position`, inlined as ATen ops."""
        for pos, index, ids in plan.delegate_calls:
            if pos == position:
                outs = _delegate(torch, g, consts, data, prog, plan, index, [node_of.get(v) for v in ids])
                for vid, node in outs.items():
                    node_of[ids[vid]] = node
                    written.append(ids[vid])

    for position, call in enumerate(plan.calls):
        delegated(position)
        source = aten_ops.spell(call.name, call.overload)
        current[0] = source
        pairs = list(zip(call.arg_ids, call.args))
        if call.name == "aten::copy_":
            _copy_into_state(call, node_of, arg(*pairs[1]))
            written.append(call.arg_ids[0])
            continue
        if call.name in _DIM_ORDER:
            # a copy (with a dtype conversion) into a memory order; selbuild tensors are contiguous
            out_op, fn = None, _DIM_ORDER[call.name](torch)
        elif _no_tensor_operand(torch, call):
            # full.out, zeros.out, arange.out, ...: a tensor made from scalars alone,
            # so it is computed once here and becomes a constant
            vid, node = _constant_call(torch, g, call)
            consts[node.name] = node.meta["val"]
            node_of[vid] = node
            written.append(vid)
            continue
        else:
            out_op, fn = _functional(torch, call.name, call.overload)
        if out_op is None:                  # _*_dim_order(self, *, non_blocking, dim_order, out)
            outs = [pairs[3]]
            dtype = _NUMPY.get(outs[0][1].dtype or "")
            kwargs = {"dtype": torch.from_numpy(np.zeros(0, dtype)).dtype} \
                if dtype and fn is torch.ops.aten._to_copy.default else {}
            node = g.call_function(fn, (arg(*pairs[0]),), kwargs)
        else:
            # args = the schema's arguments (outs included) followed by the returned values
            sargs = out_op._schema.arguments
            outs = [pv for pv, a in zip(pairs, sargs) if a.is_out]
            given = [(a, arg(*pv)) for pv, a in zip(pairs, sargs) if not a.is_out]
            node = g.call_function(fn, tuple(v for a, v in given if not a.kwarg_only),
                                   {a.name: v for a, v in given if a.kwarg_only})
        node.meta["selbuild_source"] = source
        metas = [torch.empty(o.shape, dtype=torch.from_numpy(np.zeros(0, _NUMPY.get(o.dtype or "f32", np.float32))).dtype)
                 for _, o in outs]
        written.extend(vid for vid, _ in outs)
        if len(outs) == 1:
            node.meta["val"] = metas[0]
            node_of[outs[0][0]] = node
        else:
            node.meta["val"] = tuple(metas)
            for j, (vid, _) in enumerate(outs):
                item = g.call_function(operator.getitem, (node, j))
                item.meta["val"] = metas[j]
                node_of[vid] = item
    delegated(len(plan.calls))
    results = [node_of[v] for v in plan.output_ids]
    state = StateSpec()
    for vid, (ph, initial) in held.items():
        # the buffer's last value this run becomes the variable's value for the next
        state.initial[ph.name] = (f"buffer{vid}", initial)
        state.writes[len(results) + len(state.writes)] = f"buffer{vid}"
    g.output(tuple(results + [node_of[vid] for vid in held]))
    return FxProgram(g, consts, inputs, {i: f"output{i}" for i in range(len(results))}, state)


def _state_placeholders(torch: Any, g: Any, data: bytes, prog: PteProgram, plan: Plan, values: dict[int, Any],
                        node_of: dict[int, Any]) -> dict[int, tuple[Any, np.ndarray]]:
    """A placeholder per mutable buffer (a planned tensor some `aten::copy_` writes):
    {value: (placeholder, initial value)}. The initial value is the program's
    (ExecuTorch's InitializedMutableBufferPass) or zeros, where ExecuTorch leaves
    it unspecified."""
    held: dict[int, tuple[Any, np.ndarray]] = {}
    for call in plan.calls:
        if call.name != "aten::copy_" or not call.arg_ids or call.arg_ids[0] in held:
            continue
        vid = call.arg_ids[0]
        t = values.get(vid)
        if vid in node_of or not isinstance(t, aten_ops.TensorArg) or t.dtype not in _NUMPY:
            raise UnsupportedError(f"aten::copy_ into value {vid}, which is not a mutable buffer "
                                   "(a program input or constant); selbuild keeps state in mutable buffers only")
        shape, dt = tuple(t.shape or ()), np.dtype(_NUMPY[t.dtype])
        n = int(np.prod(shape)) if shape else 1
        if vid in plan.inits:
            initial = np.frombuffer(prog.initial_bytes(data, plan.inits[vid], n * dt.itemsize), dt).reshape(shape).copy()
        else:
            initial = np.zeros(shape, dt)
        node = g.placeholder(f"state{vid}")
        node.meta["val"] = torch.from_numpy(initial)
        node_of[vid] = node
        held[vid] = (node, initial)
    return held


def _copy_into_state(call: Any, node_of: dict[int, Any], new: Any) -> None:
    """`copy_(buffer, src)`: from here on the buffer's value is src's."""
    dst = call.arg_ids[0]
    a, b = call.args[0], call.args[1]
    if not isinstance(b, aten_ops.TensorArg) or tuple(a.shape or ()) != tuple(b.shape or ()) or a.dtype != b.dtype:
        raise UnsupportedError(f"aten::copy_ into buffer {dst} from a value of another shape or dtype "
                               "(a broadcasting or converting copy)")
    node_of[dst] = new
    if len(call.arg_ids) > 3:
        node_of[call.arg_ids[3]] = new          # the op's result is its `self`


def _delegate(torch: Any, g: Any, consts: dict[str, Any], data: bytes, prog: PteProgram, plan: Plan,
              index: int, args: list[Any]) -> dict[int, Any]:
    """One XNNPACK delegate call: its graph's nodes appended to `g`; returns
    {position in the call's args: fx node} for the values it writes."""
    from selbuild.frontends import xnnpack
    backend = plan.delegates[index]
    if backend != xnnpack.BACKEND:
        raise UnsupportedError(f"plan '{plan.name}' is delegated to {backend}; selbuild converts portable "
                               f"programs and {xnnpack.BACKEND} delegates")

    def named(key: str) -> bytes:
        if key not in prog.named_data:
            raise ModelError(f"XNNPACK weights '{key[:16]}' are not in the program's named data")
        return prog.segment_bytes(data, prog.named_data[key])

    xg = xnnpack.read_graph(prog.delegate_blob(data, plan, index), named)
    ext = {vid: xg.values[vid].external for vid in xg.inputs + xg.outputs if vid in xg.values}
    if any(not 0 <= e < len(args) for e in ext.values()):
        raise ModelError(f"XNNPACK delegate {index} has {len(args)} arguments, fewer than its inputs and outputs")
    ins = [args[ext[v]] for v in xg.inputs]
    if any(n is None for n in ins):
        raise ModelError(f"XNNPACK delegate {index} reads a value before any call writes it")
    outs = xnnpack.Emitter(torch, g, consts, xg, f"d{index}").emit(ins)
    return {ext[v]: node for v, node in zip(xg.outputs, outs)}


def entry_plan(prog: PteProgram, method: str | None = None) -> Plan:
    """The method a selbuild program runs: `method` if given, else `forward`, else the first plan."""
    if method is not None:
        for p in prog.plans:
            if p.name == method:
                return p
        raise ModelError(f"the program has no method '{method}'",
                         hint="its methods: " + ", ".join(p.name for p in prog.plans))
    return next((p for p in prog.plans if p.name == "forward"), prog.plans[0])


def program_of(path: Path, method: str | None = None) -> tuple[bytes, PteProgram, Plan]:
    from selbuild.frontends import read_model
    data = read_model(Path(path))
    prog = read_program(data)
    plan = entry_plan(prog, method)
    from selbuild.frontends.xnnpack import BACKEND
    others = sorted(set(plan.delegates) - {BACKEND})
    if others:
        raise UnsupportedError(f"{path}: plan '{plan.name}' is delegated to {', '.join(others)}; "
                               f"selbuild converts portable programs and {BACKEND} delegates")
    return data, prog, plan


def kernel_rows(data: bytes, prog: PteProgram) -> tuple[Counter, list[tuple[str, str]]] | None:
    """Kernels of the converted program by (kernel, source op), plus what cannot
    be converted, over all its methods (a library serves every method); None if
    a method cannot even be rebuilt as a graph."""
    from selbuild.frontends.torch_export import fuse_activations
    from selbuild.frontends.torch_lower import lower_fx
    rows: Counter = Counter()
    errors: list[tuple[str, str]] = []
    for plan in prog.plans:
        try:
            fxp = build_fx(data, prog, plan)
        except CatalogueError:
            raise               # selbuild's own mistake: not a reason to fall back
        except SelbuildError:
            return None
        low = lower_fx(fxp.graph, fxp.consts, fxp.outputs, plan.name, fxp.state)
        fuse_activations(low.g)
        rows.update((n.kernel, n.source_op) for g in (low.g, *low.state.graphs()) for n in g.nodes
                    if n.op != "var_handle")
        for src, why in low.errors:
            if src not in ("input", "output"):
                rows[(None, src)] += 1
            if (src, why) not in errors:
                errors.append((src, why))
    return rows, errors


def load(path: Path, method: str | None = None) -> ir.Model:
    from selbuild.frontends.torch_export import fuse_activations, unsupported
    from selbuild.frontends.torch_lower import lower_fx
    data, prog, plan = program_of(path, method)
    fxp = build_fx(data, prog, plan)
    low = lower_fx(fxp.graph, fxp.consts, fxp.outputs, plan.name, fxp.state)
    if low.errors:
        raise unsupported(low.errors, str(path))
    fuse_activations(low.g)
    # which method this program is, when there is a choice
    meta = {"method": plan.name} if len(prog.plans) > 1 else {}
    if fxp.state:
        meta["state"] = describe(fxp.state)
    return ir.Model(path=str(path), format="pte", graphs=[low.g, *low.state.graphs()], metadata=meta)


def reference(path: Path, inputs: list[np.ndarray], method: str | None = None) -> list[np.ndarray]:
    """Outputs of the program's own ATen ops run by torch (the check for `load`)."""
    torch = require_torch()
    data, prog, plan = program_of(path, method)
    fxp = build_fx(data, prog, plan)
    gm = torch.fx.GraphModule(torch.nn.Module(), fxp.graph)
    given = dict(zip(fxp.inputs, (torch.from_numpy(np.asarray(x)) for x in inputs)))
    given.update(fxp.consts)
    given.update({k: torch.from_numpy(v.copy()) for k, (_, v) in fxp.state.initial.items()})
    args = [given[n.name] for n in fxp.graph.nodes if n.op == "placeholder"]
    with torch.no_grad():
        out = gm(*args)
    return [o.numpy() for o in out][:len(fxp.outputs)]      # (a session's first run; state outputs dropped)
