"""PyTorch state kept across runs (mutated buffers) as selbuild resource variables.

A module that updates a buffer in `forward` (`self.state.copy_(new)`, a
running count, a streaming window) exports to a graph whose buffer is an
input and whose new value is an extra output (torch.export's
BUFFER_MUTATION output spec); the caller is expected to carry it to the next
call. selbuild runs it the way TFLite streaming models run: each mutated
buffer becomes one resource variable of the session (the same
VAR_HANDLE / READ_VARIABLE / ASSIGN_VARIABLE / CALL_ONCE nodes the TFLite
frontend produces, so selbuild/convert/control.py resolves both alike):

    graph 0:  call_once(init) ; read_variable(buf) -> x ; ... ; assign_variable(buf, new)
    graph 1 ("init"): assign_variable(buf, <the buffer's value at export>)

so the first run of a session (and the first after `selrt_session_reset`)
starts from the exported value and every later run from the previous run's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from selbuild import ir


@dataclass
class StateSpec:
    """Which placeholders are mutable state and which outputs write it back."""

    initial: dict[str, tuple[str, np.ndarray]] = field(default_factory=dict)  # placeholder -> (buffer, value)
    writes: dict[int, str] = field(default_factory=dict)                      # output position -> buffer

    def __bool__(self) -> bool:
        return bool(self.initial)


def spec_of(ep: Any) -> StateSpec:
    """The mutated buffers of an ExportedProgram (other buffers stay constants)."""
    from torch.export.graph_signature import OutputKind

    sig = ep.graph_signature
    mutated = {spec.target: i for i, spec in enumerate(sig.output_specs) if spec.kind == OutputKind.BUFFER_MUTATION}
    spec = StateSpec()
    for ph, buf in sig.inputs_to_buffers.items():
        if buf in mutated:
            value = ep.state_dict[buf] if buf in ep.state_dict else ep.constants[buf]
            spec.initial[ph] = (buf, value.detach().cpu().contiguous().numpy().copy())
    spec.writes = {i: buf for buf, i in mutated.items()}
    return spec


class StateLowering:
    """Emits the variable nodes into a Lowerer's graph (see the module doc)."""

    def __init__(self, low: Any, spec: StateSpec):
        self.low = low
        self.spec = spec
        self.handles: dict[str, int] = {}
        self.init = ir.Graph("init", [], [], [], [])
        self.started = False

    def _node(self, g: ir.Graph, op: str, inputs: list[int], outputs: list[int], **attrs: Any) -> None:
        g.nodes.append(ir.Node(op, inputs, outputs, attrs, source_op=f"buffer mutation ({op})", dtype="any"))

    def _handle(self, g: ir.Graph, buf: str, cache: dict[str, int] | None) -> int:
        if cache is not None and buf in cache:
            return cache[buf]
        h = g.add_tensor(ir.Tensor(f"handle:{buf}", (), "resource"))
        self._node(g, "var_handle", [], [h], container="", shared_name=buf)
        if cache is not None:
            cache[buf] = h
        return h

    def read(self, placeholder: str) -> int | None:
        """The IR tensor holding this run's value of a mutated buffer (None if not one)."""
        if placeholder not in self.spec.initial:
            return None
        buf, value = self.spec.initial[placeholder]
        dtype = ir.dtype_of_numpy(value.dtype)
        if not self.started:
            # CALL_ONCE first: the init graph is graph 1 of the model lower_program builds.
            self._node(self.low.g, "call_once", [], [], init_subgraph_index=1)
            self.started = True
        h = self._handle(self.low.g, buf, self.handles)
        x = self.low.g.add_tensor(ir.Tensor(f"{placeholder}_state", tuple(int(d) for d in value.shape), dtype))
        self._node(self.low.g, "read_variable", [h], [x])
        c = self.init.add_tensor(ir.Tensor(f"{buf}_initial", tuple(value.shape), dtype, value))
        self._node(self.init, "assign_variable", [self._handle(self.init, buf, None), c], [])
        return x

    def write(self, buf: str, tid: int) -> None:
        """Store `tid` (the buffer's new value, torch layout) as the variable's value for the next run."""
        self._node(self.low.g, "assign_variable", [self._handle(self.low.g, buf, self.handles), tid], [])

    def graphs(self) -> list[ir.Graph]:
        """The graphs besides graph 0 the model needs (the init graph, once there is state)."""
        return [self.init] if self.started else []


def describe(spec: StateSpec) -> str:
    """The state as `name dtype[shape], ...` (the program's `model.state` metadata)."""
    keeps = sorted((buf, ir.dtype_of_numpy(v.dtype), list(v.shape)) for buf, v in spec.initial.values())
    return "; ".join(f"{b} {d}{s}" for b, d, s in keeps)


def note(model: ir.Model) -> list[str]:
    """analyze's note on the state a converted torch model keeps."""
    held = model.metadata.get("state")
    if not held:
        return []
    return [f"keeps state in {held.count('; ') + 1} mutated buffer(s) across runs (resource variables, set to "
            f"their exported values on a session's first run): {held}"]
