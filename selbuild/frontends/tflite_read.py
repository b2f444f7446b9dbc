"""Guarded reading of .tflite flatbuffers into plain dataclasses (RawModel).

The file is read with the code flatc generates from our own schema
(selbuild/frontends/schemas/tflite.fbs). That code trusts every offset, so the
file is treated as untrusted: every vector length is bounded by the file size
before it is iterated, every index (tensor, buffer, opcode, subgraph) is
range-checked, and the low-level errors a corrupt offset causes (struct.error,
IndexError, ValueError from numpy views, …) become ModelError in `_guard`.
selbuild/frontends/tflite.py builds the summary and the IR from RawModel.
"""

from __future__ import annotations

import hashlib
import importlib
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, TypeVar

import numpy as np

from selbuild import ir
from selbuild._generated.tflite.Model import Model as FbModel
from selbuild.errors import ModelError, SelbuildError
from selbuild.frontends import tflite_ops as T
from selbuild.frontends import tflite_sparse
from selbuild.frontends.tflite_sparse import Sparsity

SCHEMA_VERSION = 3
_IDENT = b"TFL3"
# What a corrupt offset makes the generated reader or numpy raise.
_CORRUPT = (struct.error, IndexError, ValueError, TypeError, OverflowError,
            UnicodeDecodeError, MemoryError, RecursionError)

R = TypeVar("R")


class _Corrupt(Exception):
    """Internal: a structural problem; becomes ModelError with the path."""


@dataclass
class RawTensor:
    name: str
    shape: tuple[int, ...]
    dtype: str                        # canonical, or "unknown(N)"
    buffer: int
    quant: ir.Quant | None
    is_variable: bool
    has_data: bool                    # its buffer holds data (converters give empty buffers to activations)
    sparse: bool
    shape_signature: tuple[int, ...] | None
    sparsity: Sparsity | None = None  # the parameters of a sparse tensor (tflite_sparse)


@dataclass
class RawOp:
    builtin: str                      # "CONV_2D", "CUSTOM", "unknown builtin N"
    custom: str | None                # custom code when builtin == "CUSTOM"
    version: int
    inputs: list[int]
    outputs: list[int]
    attrs: dict[str, Any]

    @property
    def source_op(self) -> str:
        return self.custom if self.custom is not None else self.builtin

    @property
    def op(self) -> str | None:
        """Canonical op, None for undeclared custom ops and unknown builtins."""
        if self.custom is not None:
            from selbuild import custom_ops     # an app's declared custom op (docs/custom_ops.md)
            declared = custom_ops.by_tflite(self.custom)
            if declared is not None:
                return declared.name
            # A custom op LiteRT's builtin resolver itself registers (TFLite_Detection_PostProcess).
            known = T.CUSTOM_OPS.get(self.custom)
            return known[0] if known is not None else None
        if self.builtin.startswith("unknown") or self.builtin in T.NO_CANONICAL:
            return None
        return T.canonical_op(self.builtin)


@dataclass
class RawGraph:
    name: str
    tensors: list[RawTensor]
    inputs: list[int]
    outputs: list[int]
    ops: list[RawOp]


@dataclass
class RawModel:
    path: str
    data: bytes
    version: int
    description: str
    graphs: list[RawGraph]
    fb: Any = field(repr=False, default=None)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


# ---------------------------------------------------------------- guarded access

def _count(n: int, elem_size: int, buf: bytes) -> int:
    """A vector length from the file, rejected when it cannot fit in the file."""
    if n < 0 or n * elem_size > len(buf):
        raise _Corrupt(f"a vector claims {n} elements, more than the file can hold")
    return n


def _ints(obj: Any, name: str, buf: bytes) -> list[int]:
    if getattr(obj, name + "IsNone")():
        return []
    _count(getattr(obj, name + "Length")(), 4, buf)
    return [int(v) for v in getattr(obj, name + "AsNumpy")()]


def _str(raw: bytes | None) -> str:
    return raw.decode("utf-8", errors="replace") if raw is not None else ""


def _guard(path: str, fn: Callable[[], R]) -> R:
    try:
        return fn()
    except SelbuildError:
        raise
    except _Corrupt as e:
        raise ModelError(f"{path}: corrupt TFLite model: {e}",
                         hint="the file is damaged or truncated; re-export it from the converter") from None
    except _CORRUPT as e:
        raise ModelError(f"{path}: corrupt TFLite model ({type(e).__name__}: {e})",
                         hint="the file is damaged or truncated; re-export it from the converter") from None


# ---------------------------------------------------------------- parsing

def read_bytes(path: Path) -> bytes:
    from selbuild.frontends import read_model
    path = Path(path)
    if path.is_dir():
        raise ModelError(f"{path}: is a directory, not a model file")
    return read_model(path)


def parse_bytes(data: bytes, path: str = "<bytes>") -> RawModel:
    """Parse and check a TFLite flatbuffer (raises ModelError/UnsupportedError)."""
    if not data:
        raise ModelError(f"{path}: empty file, not a TFLite model")
    if len(data) < 8 or data[4:8] != _IDENT:
        raise ModelError(f"{path}: not a TFLite model (no 'TFL3' file identifier)",
                         hint="a .tflite file is a flatbuffer written by the TFLite/LiteRT converter")
    return _guard(path, lambda: _parse(data, path))


def _parse(buf: bytes, path: str) -> RawModel:
    root = struct.unpack_from("<I", buf, 0)[0]
    if root + 4 > len(buf):
        raise _Corrupt("root table offset points past the end of the file")
    m = FbModel.GetRootAs(buf, 0)
    version = m.Version()
    if version != SCHEMA_VERSION:
        raise ModelError(f"{path}: TFLite schema version {version} is not supported "
                         f"(selbuild reads version {SCHEMA_VERSION})",
                         hint="re-convert the model with a current TFLite/LiteRT converter")
    opcodes = []
    for i in range(_count(m.OperatorCodesLength(), 4, buf)):
        oc = m.OperatorCodes(i)
        # Files written before code 127 existed only fill the byte field;
        # newer ones fill both (byte = 127 placeholder for large codes).
        code = max(int(oc.DeprecatedBuiltinCode()), int(oc.BuiltinCode()))
        custom = _str(oc.CustomCode()) if code == T.CUSTOM_CODE else None
        opcodes.append((T.builtin_name(code), custom, int(oc.Version())))
    has_data = []
    for i in range(_count(m.BuffersLength(), 4, buf)):
        b = m.Buffers(i)
        has_data.append(bool((not b.DataIsNone() and b.DataLength() > 0) or b.Offset() > 1))
    graphs = [_parse_graph(m.Subgraphs(i), i, opcodes, has_data, buf)
              for i in range(_count(m.SubgraphsLength(), 4, buf))]
    if not graphs:
        raise _Corrupt("the model has no subgraphs")
    n = len(graphs)
    for gi, g in enumerate(graphs):
        for oi, op in enumerate(g.ops):
            for key in T.CONTROL_FLOW.get(op.builtin, ()):
                idx = op.attrs.get(key, 0)
                if not 0 <= idx < n:
                    raise _Corrupt(f"subgraph {gi} operator {oi} ({op.builtin}): {key} = {idx}, "
                                   f"but the model has {n} subgraphs")
    return RawModel(path, buf, version, _str(m.Description()), graphs, m)


def _parse_graph(sg: Any, gi: int, opcodes: list, has_data: list[bool], buf: bytes) -> RawGraph:
    tensors = [_parse_tensor(sg.Tensors(i), gi, i, has_data, buf)
               for i in range(_count(sg.TensorsLength(), 4, buf))]
    nt = len(tensors)

    def check(indices: list[int], what: str, optional: bool) -> list[int]:
        for k, t in enumerate(indices):
            if not (0 <= t < nt or (optional and t == -1)):
                raise _Corrupt(f"subgraph {gi} {what} {k} refers to tensor {t}, "
                               f"but the subgraph has {nt} tensors")
        return indices

    ops = []
    for oi in range(_count(sg.OperatorsLength(), 4, buf)):
        o = sg.Operators(oi)
        idx = o.OpcodeIndex()
        if idx >= len(opcodes):
            raise _Corrupt(f"subgraph {gi} operator {oi} uses opcode {idx}, "
                           f"but the model declares {len(opcodes)}")
        builtin, custom, version = opcodes[idx]
        where = f"operator {oi} ({custom or builtin})"
        ops.append(RawOp(builtin, custom, version,
                         check(_ints(o, "Inputs", buf), f"{where} input", True),
                         check(_ints(o, "Outputs", buf), f"{where} output", True),
                         _options(o, builtin, custom, buf)))
    return RawGraph(_str(sg.Name()), tensors, check(_ints(sg, "Inputs", buf), "input", False),
                    check(_ints(sg, "Outputs", buf), "output", False), ops)


def _parse_tensor(t: Any, gi: int, ti: int, has_data: list[bool], buf: bytes) -> RawTensor:
    shape = tuple(_ints(t, "Shape", buf))
    if any(d < 0 for d in shape):
        raise _Corrupt(f"subgraph {gi} tensor {ti} has a negative dimension {shape}")
    b = t.Buffer()
    if b >= max(len(has_data), 1):
        raise _Corrupt(f"subgraph {gi} tensor {ti} refers to buffer {b}, "
                       f"but the model has {len(has_data)} buffers")
    sig = None if t.ShapeSignatureIsNone() else tuple(_ints(t, "ShapeSignature", buf))
    type_code = t.Type()
    sp = t.Sparsity()
    try:
        sparsity = tflite_sparse.read(sp, buf) if sp is not None else None
    except tflite_sparse.SparseFormatError as e:
        raise _Corrupt(f"subgraph {gi} tensor {ti}: sparsity parameters: {e}") from None
    return RawTensor(_str(t.Name()), shape, T.TENSOR_TYPES.get(type_code, f"unknown({type_code})"),
                     b, _quant(t.Quantization(), buf), bool(t.IsVariable()),
                     b < len(has_data) and has_data[b],
                     sp is not None, sig, sparsity)


def _quant(q: Any, buf: bytes) -> ir.Quant | None:
    if q is None or q.ScaleIsNone() or _count(q.ScaleLength(), 4, buf) == 0:
        return None
    scale = np.array(q.ScaleAsNumpy(), dtype=np.float32)
    if q.ZeroPointIsNone() or _count(q.ZeroPointLength(), 8, buf) == 0:
        zp = np.zeros(scale.shape, dtype=np.int64)
    else:
        zp = np.array(q.ZeroPointAsNumpy(), dtype=np.int64)
    if zp.shape != scale.shape:
        raise _Corrupt(f"quantization has {scale.size} scales but {zp.size} zero points")
    return ir.Quant(scale=scale, zero_point=zp, axis=int(q.QuantizedDimension()))


def _options(o: Any, builtin: str, custom: str | None, buf: bytes) -> dict[str, Any]:
    if custom is not None:
        raw = b""
        if not o.CustomOptionsIsNone():
            _count(o.CustomOptionsLength(), 1, buf)
            raw = bytes(o.CustomOptionsAsNumpy())
        elif o.LargeCustomOptionsOffset() > 1:
            off, size = o.LargeCustomOptionsOffset(), o.LargeCustomOptionsSize()
            if off + size > len(buf):
                raise _Corrupt(f"custom options of {custom} lie outside the file")
            raw = bytes(buf[off:off + size])
        attrs: dict[str, Any] = {"custom_code": custom, "custom_options": raw}
        if custom in T.CUSTOM_OPS:
            attrs.update(T.read_custom_options(custom, raw))
        return attrs
    name = T.options_class_name(o.BuiltinOptionsType())
    info = T.OPS.get(builtin)
    if name is None:
        # No options table in the file: the schema defaults of the op's table.
        return T.read_options(info.options, None) if info and info.options else {}
    table = o.BuiltinOptions()
    if table is None:
        raise _Corrupt(f"{builtin}: options type {name} set but the table is missing")
    obj = getattr(importlib.import_module(f"selbuild._generated.tflite.{name}"), name)()
    obj.Init(table.Bytes, table.Pos)
    return T.read_options(name, obj)
