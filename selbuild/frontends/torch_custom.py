"""torch.export nodes of an app's torch.library op (selbuild/custom_ops.py).

The op's schema names its arguments: the declaration's inputs are taken by
those names (tensors, in the declaration's order, in torch's own NCHW
layout), its attributes by theirs (the schema's defaults fill the rest);
the outputs' shapes come from the exported program's metadata.
"""

from __future__ import annotations

from typing import Any

from selbuild import custom_ops
from selbuild.custom_ops import CustomOp
from selbuild.frontends.torch_lower import Lowerer, Unsupported, Val, source_name
from selbuild.frontends.torch_registry import FALLBACKS


def _named(n: Any, args: tuple, kwargs: dict) -> dict[str, Any]:
    schema = getattr(n.target, "_schema", None)
    if schema is None:
        raise Unsupported("the op has no schema (register it with torch.library)")
    values: dict[str, Any] = {}
    for i, arg in enumerate(schema.arguments):
        if i < len(args):
            values[arg.name] = args[i]
        elif arg.name in kwargs:
            values[arg.name] = kwargs[arg.name]
        elif arg.has_default_value():
            values[arg.name] = arg.default_value
    return values


def _handler(name: str) -> Any:
    op = custom_ops.by_torch(source_name(name))
    if op is None:
        return None
    return lambda low, n, *args, **kwargs: lower_custom(low, n, op, args, kwargs)


FALLBACKS.append(_handler)


def lower_custom(low: Lowerer, n: Any, op: CustomOp, args: tuple, kwargs: dict) -> Any:
    import torch
    values = _named(n, args, kwargs)
    ins = []
    for p in op.inputs:
        v = values.get(p.name)
        if not isinstance(v, Val):
            raise Unsupported(f"declared input {p.name!r} is not a tensor argument of {op.torch} "
                              f"(arguments: {', '.join(values) or 'none'})")
        ins.append(low.plain(v, f"{n.name}_{p.name}"))
    attrs = {a.name: values[a.name] for a in op.attrs if a.name in values}
    meta = n.meta.get("val")
    metas = list(meta) if isinstance(meta, (tuple, list)) else [meta]
    if len(metas) != len(op.outputs) or not all(isinstance(m, torch.Tensor) for m in metas):
        raise Unsupported(f"{op.torch} returns {len(metas)} values, the declaration "
                          f"({op.origin.name}) {len(op.outputs)} tensors")
    outs = [low.new(f"{n.name}_{p.name}" if len(metas) > 1 else n.name, tuple(int(d) for d in m.shape),
                    False, p.dtype) for p, m in zip(op.outputs, metas)]
    node = low.node(op.name, ins, [o.tid for o in outs], **attrs)
    node.dtype = op.dtype
    return outs if isinstance(meta, (tuple, list)) else outs[0]
