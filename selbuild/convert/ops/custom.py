"""Converter hooks of the app's custom ops (selbuild/custom_ops.py).

One generic lowering serves every declared op: the node's tensors go to the
kernel in the declaration's order, its attributes (TFLite: the flexbuffer
map in custom_options; torch: the schema's named arguments) become the
kernel's params by name, typed as declared. Shapes: an output declared
`shape: <input>` has that input's shape; a `shape_function` computes them on
the build machine; otherwise the model's own shapes stand.
"""

from __future__ import annotations

from typing import Any

from selbuild import custom_ops
from selbuild.convert.ops._common import describe
from selbuild.convert.registry import Lowered, custom_hooks
from selbuild.custom_ops import CustomOp
from selbuild.errors import SelbuildError, UnsupportedError
from selbuild.ir import Graph, Node

HINT = "see docs/custom_ops.md"


def attr_values(g: Graph, n: Node, op: CustomOp) -> dict[str, Any]:
    """The node's attributes as the declaration types them (defaults filled in)."""
    raw: Any = {k: v for k, v in n.attrs.items() if k != "custom_code"}
    if "custom_options" in n.attrs:
        data = n.attrs["custom_options"] or b""
        raw = {}
        if data:
            from flatbuffers import flexbuffers
            try:
                raw = flexbuffers.Loads(bytes(data))
            except Exception:       # the model's bytes: any decoding failure means "not a flexbuffer"
                raise UnsupportedError(f"{describe(g, n)}: custom_options are not a flexbuffer", hint=HINT) from None
            if not isinstance(raw, dict):
                raise UnsupportedError(f"{describe(g, n)}: custom_options hold a {type(raw).__name__}, "
                                       "not a flexbuffer map of attributes", hint=HINT)
    out: dict[str, Any] = {}
    for a in op.attrs:
        if a.name not in raw:
            if a.default is None:
                raise UnsupportedError(f"{describe(g, n)}: the model gives no attribute {a.name!r} "
                                       f"and the declaration ({op.origin.name}) no default", hint=HINT)
            out[a.name] = a.default
            continue
        v = custom_ops.coerce(a, raw[a.name])
        if v is None:
            raise UnsupportedError(f"{describe(g, n)}: attribute {a.name} = {raw[a.name]!r} is not "
                                   f"the declared {a.type}", hint=HINT)
        out[a.name] = v
    return out


def shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    op = custom_ops.by_op(n.op)
    assert op is not None
    _check_arity(g, n, op)
    ins = {p.name: tuple(g.tensors[i].shape) for p, i in zip(op.inputs, n.inputs)}
    if op.shape_function is not None:
        fn = custom_ops.load_shape_function(op)
        try:
            got = fn(ins, attr_values(g, n, op))
            shapes = [tuple(int(d) for d in s) for s in (got.values() if isinstance(got, dict) else got)]
        except SelbuildError:
            raise
        except Exception as e:      # the app's function: its failure is reported, not a selbuild crash
            raise UnsupportedError(f"{describe(g, n)}: shape_function raised {type(e).__name__}: {e}",
                                   hint=HINT) from None
        if len(shapes) != len(op.outputs):
            raise UnsupportedError(f"{describe(g, n)}: shape_function gave {len(shapes)} shapes for "
                                   f"{len(op.outputs)} outputs", hint=HINT)
        return shapes
    return [ins[p.shape] if p.shape != "model" else tuple(g.tensors[o].shape)
            for p, o in zip(op.outputs, n.outputs)]


def _check_arity(g: Graph, n: Node, op: CustomOp) -> None:
    if len(n.inputs) != len(op.inputs) or len(n.outputs) != len(op.outputs):
        raise UnsupportedError(f"{describe(g, n)}: the model gives {len(n.inputs)} inputs and "
                               f"{len(n.outputs)} outputs, the declaration ({op.origin.name}) "
                               f"{len(op.inputs)} and {len(op.outputs)}", hint=HINT)


def lower(g: Graph, n: Node) -> Lowered:
    op = custom_ops.by_op(n.op)
    assert op is not None
    _check_arity(g, n, op)
    for kind, ports, idx in (("input", op.inputs, n.inputs), ("output", op.outputs, n.outputs)):
        for p, i in zip(ports, idx):
            if i < 0:
                raise UnsupportedError(f"{describe(g, n)}: {kind} {p.name} is omitted", hint=HINT)
            if g.tensors[i].dtype != p.dtype:
                raise UnsupportedError(f"{describe(g, n)}: {kind} {p.name} is {g.tensors[i].dtype}, "
                                       f"the declaration ({op.origin.name}) says {p.dtype}", hint=HINT)
    values = attr_values(g, n, op)
    return Lowered(kernel=op.kernel, inputs=list(n.inputs), outputs=list(n.outputs),
                   iparams={a: int(values[a]) for a in op.iparams},
                   fparams={a: float(values[a]) for a in op.fparams})


custom_hooks(shape, lower)
