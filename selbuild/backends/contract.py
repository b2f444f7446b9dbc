"""The Python half of the backend contract (C half: runtime_src/core/selrt_backend.h).

A leaf module: it imports nothing from selbuild, so the converter, the
registry (selbuild/backends/__init__.py) and each backend module can all
depend on it without depending on each other.

A backend `<name>` is a module selbuild/backends/<name>.py plus a folder
runtime_src/backends/<name>/. The module defines ``BACKEND``, an object
satisfying `Backend`; the optional hooks are their own protocols so that the
registry asks `isinstance(b, Fits)` instead of guessing attribute names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable


@dataclass
class PartitionPlan:
    """One run of consecutive program nodes a backend takes (see convert/partition.py)."""

    backend: str
    nodes: list[int]                        # program node indices, consecutive
    kernels: list[str]                      # kernel of each node
    inputs: list[list[int]]                 # per node: program tensor indices (-1: omitted)
    outputs: list[list[int]]
    uploads: list[int] = field(default_factory=list)    # arena tensors read, produced outside
    downloads: list[int] = field(default_factory=list)  # tensors produced inside, needed after it
    arena_size: int = 0                                 # the program's arena, bytes
    constant_bytes: int = 0                             # constants the partition's nodes read (distinct)
    # The converter's own view, for a backend that builds its device model
    # ahead of time (nnapi): the IR graph, each partition node's Lowered (graph
    # tensor ids), and graph tensor id -> program tensor index.
    graph: Any = None
    lowered: list = field(default_factory=list)
    remap: dict[int, int] = field(default_factory=dict)


@runtime_checkable
class Backend(Protocol):
    """What every backend provides."""

    name: str
    kernels: frozenset[str]                 # "<op>.<dtype>" keys it can ever take
    delegates: frozenset[str]               # analyze's delegate names it replaces (may be empty)

    def supports(self, graph: Any, node: Any, lowered: Any) -> bool | str:
        """May this backend run the node? A string is the reason it may not
        (attribute ranges, shapes, dtypes). Only called for nodes whose kernel
        is in `kernels`."""
        ...

    def payload(self, part: PartitionPlan) -> bytes:
        """The partition's serialized form, read (and fully verified) by the C
        side's init. Tensor and node indices are the program's."""
        ...

    def generate_sources(self, kernels: list[str], gen_dir: Path) -> list[Path]:
        """Build-time pieces for a build selecting `kernels`: generated C files
        (e.g. embedded SPIR-V of the selected ops only), compiled with the
        backend's own C files and sized as the backend's rows."""
        ...


@runtime_checkable
class Fits(Protocol):
    """Optional: whole-partition limits (e.g. device memory). A partition that
    does not fit is dropped and its nodes run on the CPU kernels."""

    def fits(self, part: PartitionPlan) -> bool | str: ...


@runtime_checkable
class Configurable(Protocol):
    """Optional: the config's backend_options[<name>] (e.g. nnapi's
    min_api_level); raises ConfigError for bad options."""

    def configure(self, options: dict) -> Backend: ...


@runtime_checkable
class RowNaming(Protocol):
    """Optional: the size-report row of a generated file (default: the
    backend's name), e.g. "vulkan/spirv" so code and data show apart."""

    def row_for(self, path: Path) -> str: ...


@runtime_checkable
class SizeNoted(Protocol):
    """Optional: a caveat attached to every size report the backend appears in."""

    size_note: str


OPTIONAL_HOOKS: dict[str, type] = {"fits": Fits, "configure": Configurable, "row_for": RowNaming,
                                   "size_note": SizeNoted}
