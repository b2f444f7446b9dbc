"""Lowering of WHILE and IF (see selbuild/convert/control.py for the program
layout): the kernel gets the called subgraphs' program indices, which
control.flatten already wrote into the attrs."""

from __future__ import annotations

from selbuild.convert.control import CALLS, KERNELS
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node


@lower("while", "if", "call_once")
def control_lower(g: Graph, n: Node) -> Lowered:
    kernel, names = KERNELS[n.op]
    params = {name: int(n.attrs[attr]) for name, attr in zip(names, CALLS[n.op])}
    if n.op == "call_once":
        # The node's bit in the session's done-mask: CALL_ONCE nodes in program order.
        params["slot"] = [i for i, m in enumerate(m for m in g.nodes if m.op == "call_once") if m is n][0]
        if params["slot"] > 63:
            raise UnsupportedError("more than 64 CALL_ONCE nodes in one program")
    return Lowered(kernel=kernel, inputs=list(n.inputs), outputs=list(n.outputs), iparams=params)


@lower("read_variable", "assign_variable")
def variable_lower(g: Graph, n: Node) -> Lowered:
    # control.flatten already pointed them at the variable's tensor.
    return Lowered(kernel=f"{n.op}.any", inputs=list(n.inputs[:1]), outputs=list(n.outputs[:1]))


@shape("dynamic_update_slice")
def dynamic_update_slice_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    return [tuple(g.tensors[n.inputs[0]].shape)]


@lower("dynamic_update_slice")
def dynamic_update_slice_lower(g: Graph, n: Node) -> Lowered:
    return Lowered(kernel=n.kernel, inputs=list(n.inputs[:3]), outputs=list(n.outputs[:1]))
