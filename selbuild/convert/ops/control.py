"""Lowering of WHILE and IF (see selbuild/convert/control.py for the program
layout): the kernel gets the called subgraphs' program indices, which
control.flatten already wrote into the attrs."""

from __future__ import annotations

from selbuild.convert.control import CALLS, KERNELS
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.ir import Graph, Node


@lower("while", "if")
def control_lower(g: Graph, n: Node) -> Lowered:
    kernel, names = KERNELS[n.op]
    return Lowered(kernel=kernel, inputs=list(n.inputs), outputs=list(n.outputs),
                   iparams={name: int(n.attrs[attr]) for name, attr in zip(names, CALLS[n.op])})


@shape("dynamic_update_slice")
def dynamic_update_slice_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    return [tuple(g.tensors[n.inputs[0]].shape)]


@lower("dynamic_update_slice")
def dynamic_update_slice_lower(g: Graph, n: Node) -> Lowered:
    return Lowered(kernel=n.kernel, inputs=list(n.inputs[:3]), outputs=list(n.outputs[:1]))
