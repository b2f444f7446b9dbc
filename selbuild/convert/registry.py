"""Per-op converter hooks: shape inference and lowering to kernel params.

Each op registers, in a module of selbuild/convert/ops/ (imported
automatically), two functions:

    @shape("conv2d")
    def conv2d_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
        '''Output shapes from input shapes and attrs (constant inputs readable).'''

    @lower("conv2d")
    def conv2d_lower(g: Graph, n: Node) -> Lowered:
        '''Kernel key, tensors and the params the catalogue declares for it.'''

A hook serves every dtype of its op unless registered for one dtype:
`@lower("conv2d", dtype="i8")` takes precedence over `@lower("conv2d")` for
int8 nodes, so quantized lowerings live beside (not inside) the float ones.

`lower` may add constant tensors to the graph (re-laid weights, per-channel
multipliers) and reference them in `Lowered.inputs`. It must raise
UnsupportedError (with the node's op and reason) for attribute values the
kernel does not handle, never emit a program the kernel would reject.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable

from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node


@dataclass
class Lowered:
    kernel: str                                # "<op>.<dtype>", usually node.kernel
    inputs: list[int]                          # tensor indices, -1 for an omitted optional input
    outputs: list[int]
    iparams: dict[str, int] = field(default_factory=dict)
    fparams: dict[str, float] = field(default_factory=dict)


ShapeFn = Callable[[Graph, Node], list[tuple[int, ...]]]
LowerFn = Callable[[Graph, Node], Lowered]

# Keyed by (op, dtype); dtype None = any dtype.
_SHAPES: dict[tuple[str, str | None], ShapeFn] = {}
_LOWERS: dict[tuple[str, str | None], LowerFn] = {}
_loaded = False
# The one pair of hooks every declared custom op uses (ops/custom.py sets it).
_CUSTOM: tuple[ShapeFn, LowerFn] | tuple[()] = ()


def custom_hooks(shape_hook: ShapeFn, lower_hook: LowerFn) -> None:
    global _CUSTOM
    _CUSTOM = (shape_hook, lower_hook)


def shape(*ops: str, dtype: str | None = None) -> Callable[[ShapeFn], ShapeFn]:
    def deco(fn: ShapeFn) -> ShapeFn:
        for op in ops:
            _SHAPES[(op, dtype)] = fn
        return fn
    return deco


def lower(*ops: str, dtype: str | None = None) -> Callable[[LowerFn], LowerFn]:
    def deco(fn: LowerFn) -> LowerFn:
        for op in ops:
            _LOWERS[(op, dtype)] = fn
        return fn
    return deco


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    from selbuild.convert import ops as ops_pkg
    for mod in pkgutil.iter_modules(ops_pkg.__path__):
        importlib.import_module(f"{ops_pkg.__name__}.{mod.name}")
    _loaded = True


def shape_fn(op: str, dtype: str | None = None) -> ShapeFn | None:
    _load_all()
    from selbuild import custom_ops
    if custom_ops.by_op(op) is not None and _CUSTOM:   # an app's declared op (docs/custom_ops.md)
        return _CUSTOM[0]
    return _SHAPES.get((op, dtype)) or _SHAPES.get((op, None))


def lower_fn(op: str, dtype: str | None = None) -> LowerFn:
    _load_all()
    from selbuild import custom_ops
    if custom_ops.by_op(op) is not None and _CUSTOM:
        return _CUSTOM[1]
    fn = _LOWERS.get((op, dtype)) or _LOWERS.get((op, None))
    if fn is None:
        raise UnsupportedError(f"the converter cannot lower op '{op}' yet",
                               hint="run `selbuild ops` for the operators selbuild supports")
    return fn


def registered_ops() -> list[str]:
    _load_all()
    return sorted({op for op, _ in _LOWERS})
