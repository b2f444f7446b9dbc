"""The graph every frontend produces and the converter consumes.

Frontends (TFLite, torch.export, ...) translate a model into a `Model`: tensors
with static shapes and canonical dtypes, nodes with a snake_case `op` and
normalized attributes. The converter passes (shape inference, lowering to
kernel params, memory planning) work on this form only, so a new frontend
needs no converter change and a new op needs no frontend-specific converter
code.

Layout conventions (the TFLite ones, which the kernels use):
  activations NHWC; conv2d weights OHWI; depthwise weights 1HW(C*M);
  fully_connected weights [out, in]; transpose_conv weights OHWI.
Frontends with another layout (torch: NCHW) insert transposes or re-lay
constants so that the graph they hand over follows these conventions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Canonical dtype names, used in `<op>.<dtype>` and in the program format.
DTYPES = ("f32", "f16", "f64", "i8", "u8", "i16", "u16", "i32", "u32", "i64",
          "u64", "bool", "i4", "bf16", "c64", "c128", "str", "resource", "variant")

NUMPY_DTYPES: dict[str, Any] = {
    "f32": np.float32, "f16": np.float16, "f64": np.float64,
    "i8": np.int8, "u8": np.uint8, "i16": np.int16, "u16": np.uint16,
    "i32": np.int32, "u32": np.uint32, "i64": np.int64, "u64": np.uint64,
    "bool": np.bool_,
}

# Fused activations a node may carry in attrs["activation"].
ACTIVATIONS = ("none", "relu", "relu_n1_to_1", "relu6", "tanh", "sign_bit")


def numpy_dtype(dtype: str) -> np.dtype:
    """numpy dtype of a canonical dtype name (KeyError for non-numeric ones)."""
    return np.dtype(NUMPY_DTYPES[dtype])


def dtype_of_numpy(arr_dtype: np.dtype) -> str:
    for name, np_t in NUMPY_DTYPES.items():
        if np.dtype(np_t) == np.dtype(arr_dtype):
            return name
    raise KeyError(f"no canonical dtype for numpy {arr_dtype}")


@dataclass
class Quant:
    """Affine quantization: real = scale * (q - zero_point).

    Per-tensor when `scale` has one element; per-channel along `axis` otherwise.
    """

    scale: np.ndarray            # float32, shape [1] or [channels]
    zero_point: np.ndarray       # int64, same shape as scale
    axis: int = 0

    @property
    def per_channel(self) -> bool:
        return self.scale.size > 1


@dataclass
class Tensor:
    name: str
    shape: tuple[int, ...]
    dtype: str
    data: np.ndarray | None = None      # set for constants (weights, biases)
    quant: Quant | None = None
    # The shape as the model declares it when some dims are dynamic (-1), e.g.
    # a TFLite shape_signature; `shape` then holds the file's default sizes.
    signature: tuple[int, ...] | None = None

    @property
    def is_const(self) -> bool:
        return self.data is not None

    @property
    def numel(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def nbytes(self) -> int:
        return self.numel * numpy_dtype(self.dtype).itemsize


@dataclass
class Node:
    """One operator. `inputs` may hold -1 for an omitted optional input."""

    op: str                                   # snake_case canonical op, e.g. "conv2d"
    inputs: list[int]
    outputs: list[int]
    attrs: dict[str, Any] = field(default_factory=dict)
    source_op: str = ""                       # as the model spells it: "CONV_2D", "aten::conv2d"
    dtype: str = ""                           # canonical dtype of the kernel; set by the frontend

    @property
    def kernel(self) -> str:
        """The canonical identity `<op>.<dtype>`: config key, kernel file, C symbol, size row."""
        return f"{self.op}.{self.dtype}"


@dataclass
class Graph:
    name: str
    tensors: list[Tensor]
    nodes: list[Node]
    inputs: list[int]
    outputs: list[int]

    def add_tensor(self, t: Tensor) -> int:
        self.tensors.append(t)
        return len(self.tensors) - 1


@dataclass
class Model:
    """A whole model: graph 0 is the entry point; others are control-flow bodies."""

    path: str
    format: str                               # "tflite", "pte", "ptl", "pt2"
    graphs: list[Graph]
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def main(self) -> Graph:
        return self.graphs[0]
