"""TFLite frontend: .tflite flatbuffers → ModelSummary (analyze) and ir.Model.

Parsing (with its guards against corrupt files) is in tflite_read.py; the IR
conventions (op names, attrs, the dtype rule) are documented in tflite_ops.py.
Everything a user can get wrong surfaces as ModelError/UnsupportedError.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from selbuild import ir
from selbuild.errors import SelbuildError, UnsupportedError
from selbuild.frontends import tflite_ops as T
from selbuild.frontends import tflite_sparse
from selbuild.frontends.base import Delegate, ModelSummary, OpUse, TensorInfo
from selbuild.frontends.tflite_read import (  # noqa: F401 - re-exported for callers/tests
    SCHEMA_VERSION, RawGraph, RawModel, RawOp, RawTensor, _Corrupt, _count, _guard, parse_bytes,
    read_bytes)

# ---------------------------------------------------------------- dtype rule

# Weight dtypes that make a float op "hybrid" (dynamic-range quantization).
_HYBRID_WEIGHTS = ("i8", "u8", "i4")


def node_dtype(op: RawOp, tensors: list) -> str:
    """Node.dtype by the rule in tflite_ops.py (tensors: RawTensor or ir.Tensor)."""
    if op.builtin in ("WHILE", "IF", "CALL_ONCE", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE"):
        return "any"   # one kernel whatever the values' dtypes (while.any, read_variable.any, ...)
    if op.custom is not None:
        from selbuild import custom_ops     # a declared custom op: its declaration's dtype
        declared = custom_ops.by_tflite(op.custom)
        if declared is not None:
            return declared.dtype
    pick = T.DTYPE_INPUT.get(op.builtin, 0)
    ins = op.inputs
    if pick == -1 or not any(i >= 0 for i in ins):
        outs = [i for i in op.outputs if i >= 0]
        if op.builtin == "QUANTIZE" and outs and ins and ins[0] >= 0 and tensors[ins[0]].dtype not in ("f32", "f16"):
            # Requantize (integer to integer) is its own kernel: quantize.<in><out>.
            return tensors[ins[0]].dtype + tensors[outs[0]].dtype
        return tensors[outs[0]].dtype if outs else "none"
    idx = ins[pick] if pick < len(ins) and ins[pick] >= 0 else next(i for i in ins if i >= 0)
    dtype = tensors[idx].dtype
    if op.builtin == "EMBEDDING_LOOKUP" and dtype in _HYBRID_WEIGHTS:
        # A quantized table with a float output: the hybrid (dequantizing) lookup.
        outs = [i for i in op.outputs if i >= 0]
        if outs and tensors[outs[0]].dtype == "f32" and _is_const(tensors[idx]):
            return "f32" + dtype
    if op.builtin in T.HYBRID_OPS and dtype == "f32":
        for i in ins[1:]:
            t = tensors[i] if i >= 0 else None
            if t is not None and t.dtype in _HYBRID_WEIGHTS and _is_const(t):
                return "f32" + t.dtype
    return dtype


def _is_const(t: Any) -> bool:
    if isinstance(t, ir.Tensor):
        return t.is_const
    return t.has_data and not t.is_variable


# ---------------------------------------------------------------- summary

_DELEGATE_CUSTOM = {
    "edgetpu-custom-op": ("edgetpu", "custom op edgetpu-custom-op holds a graph compiled for the "
                                     "Coral Edge TPU; it runs only through the Edge TPU delegate"),
}


def delegates_of(raw: RawModel) -> list[Delegate]:
    found: dict[str, str] = {}
    for g in raw.graphs:
        for op in g.ops:
            if op.custom is not None and op.custom.startswith("Flex"):
                found.setdefault("flex", f"custom op {op.custom} is a TensorFlow op (Select TF ops); "
                                         "it needs the Flex delegate and the TensorFlow kernels")
            elif op.custom in _DELEGATE_CUSTOM:
                name, reason = _DELEGATE_CUSTOM[op.custom]
                found.setdefault(name, reason)
            elif op.builtin == "DELEGATE":
                # The converter left a DELEGATE node: part of the graph was handed to
                # an accelerator at conversion time and only that backend can run it.
                found.setdefault("delegate", "builtin DELEGATE op: part of the graph was "
                                             "pre-compiled for an accelerator backend")
    return [Delegate(n, r) for n, r in sorted(found.items())]


def _info(g: RawGraph, idx: list[int]) -> list[TensorInfo]:
    return [TensorInfo(g.tensors[i].name, list(g.tensors[i].shape), g.tensors[i].dtype) for i in idx]


def summarize_raw(raw: RawModel) -> ModelSummary:
    counts: dict[tuple[str | None, str, int], int] = {}
    custom: set[str] = set()
    notes: list[str] = []
    from selbuild import uint8_plan as uint8
    main = raw.graphs[0] if raw.graphs else None
    try:
        legacy = uint8.plan(main.tensors, [(op.op, node_dtype(op, main.tensors), op.inputs, op.outputs)
                                           for op in main.ops], main.inputs, main.outputs) if main else None
    except UnsupportedError as e:      # the converter refuses it with the same message
        legacy = None
        notes.append(f"legacy uint8 quantized, not convertible: {e.message}")
    for gi, g in enumerate(raw.graphs):
        for oi, op in enumerate(g.ops):
            canonical, dtype = op.op, node_dtype(op, g.tensors)
            if gi == 0 and legacy is not None:
                dtype = legacy.dtypes.get(oi, dtype)     # uint8 ops run on the int8 kernels
            # A tensor type newer than our schema gives no canonical kernel either.
            kernel = f"{canonical}.{dtype}" if canonical and not dtype.startswith("unknown") else None
            key = (kernel, op.source_op, op.version)
            counts[key] = counts.get(key, 0) + 1
            if op.custom is not None:
                custom.add(op.custom)
    for k in legacy.kernels if legacy else ():
        counts[(k, "QUANTIZE", 1)] = counts.get((k, "QUANTIZE", 1), 0) + 1   # the program's uint8 edges
    if legacy:
        notes.append(uint8.note(legacy))
    # CALL is inlined at conversion (selbuild/convert/inline.py): no kernel of its own
    ops = [OpUse(None, s, v, c, kernel_needed=False) if s == "CALL" else OpUse(k, s, v, c) for (k, s, v), c in
           sorted(counts.items(), key=lambda kv: (kv[0][0] or "~", kv[0][1], kv[0][2]))]
    flow = sorted({op.builtin for g in raw.graphs for op in g.ops if op.builtin in T.CONTROL_FLOW})
    if flow:
        notes.append(f"uses {', '.join(flow)} control flow ({len(raw.graphs) - 1} body subgraphs)")
        notes += control_notes(raw)
    unknown = sorted({op.builtin for g in raw.graphs for op in g.ops if op.builtin.startswith("unknown")})
    if unknown:
        notes.append(f"op codes newer than selbuild's schema: {', '.join(unknown)}")
    notes += _sparse_notes(raw)
    hybrid = _hybrid_weight_values(raw)
    if hybrid:
        notes.append(f"dynamic-range (hybrid) quantized: {hybrid:,} weight values stay 8-bit in the program "
                     f"({hybrid:,} B, {4 * hybrid:,} B as float32)")
    main = raw.graphs[0]
    dyn = [t for t in (main.tensors[i] for i in main.inputs) if t.shape_signature and -1 in t.shape_signature]
    if dyn:
        listing = ", ".join(f"{t.name} {list(t.shape_signature)}" for t in dyn)
        notes.append(f"has dynamic input dimensions (-1): {listing}; shapes shown are the file's defaults; "
                     f"pin them with `input_shapes:` in the config")
    from selbuild.frontends import tflite_metadata
    meta, problem = tflite_metadata.read(raw)
    if problem:
        notes.append(problem)
    return ModelSummary(path=raw.path, format="tflite", sha256=raw.sha256, subgraphs=len(raw.graphs),
                        inputs=_info(main, main.inputs), outputs=_info(main, main.outputs),
                        ops=ops, custom_ops=sorted(custom), delegates=delegates_of(raw), notes=notes,
                        metadata=meta)


def control_notes(raw: RawModel) -> list[str]:
    """The subgraph tree (who calls whom) and the resource variables a model keeps."""
    lines = []
    seen: set[int] = set()

    def walk(gi: int, depth: int) -> None:
        if gi in seen or depth > 8:      # shared or cyclic: the converter reports cycles
            return
        seen.add(gi)
        for op in raw.graphs[gi].ops:
            for attr in T.CONTROL_FLOW.get(op.builtin, ()):
                ci = op.attrs.get(attr)
                if isinstance(ci, int) and 0 <= ci < len(raw.graphs):
                    what = attr.replace("_subgraph_index", "").replace("_index", "")
                    lines.append(f"{'  ' * depth}subgraph {gi} -> {op.builtin} {what}: subgraph {ci} "
                                 f"{raw.graphs[ci].name!r}")
                    walk(ci, depth + 1)

    walk(0, 0)
    if any(op.builtin == "WHILE" for g in raw.graphs for op in g.ops):
        lines += _loop_notes(raw)
    variables: dict[str, str] = {}
    for g in raw.graphs:
        handles = {op.outputs[0]: str(op.attrs.get("shared_name") or "") for op in g.ops
                   if op.builtin == "VAR_HANDLE" and op.outputs}
        for op in g.ops:
            value = op.outputs[0] if op.builtin == "READ_VARIABLE" and op.outputs else \
                op.inputs[1] if op.builtin == "ASSIGN_VARIABLE" and len(op.inputs) > 1 else None
            if value is not None and op.inputs and op.inputs[0] in handles:
                t = g.tensors[value]
                variables.setdefault(handles[op.inputs[0]] or "(unnamed)", f"{t.dtype}{list(t.shape)}")
    if variables:
        lines.append(f"keeps state in {len(variables)} resource variable(s) across runs: "
                     + ", ".join(f"{k} {v}" for k, v in sorted(variables.items())))
    return lines


def _loop_notes(raw: RawModel) -> list[str]:
    """Per WHILE of graph 0: unrolled in speed builds (constant trip count) or a loop."""
    from selbuild.ir_eval import loop_notes
    try:
        notes = loop_notes(to_ir(raw))
    except SelbuildError:
        notes = []          # the model does not load as IR: analyze reports why elsewhere
    if any(op.builtin == "WHILE" for g in raw.graphs[1:] for op in g.ops):
        notes.append("WHILE loops inside subgraphs stay loops; each iteration counts against the program's "
                     "iteration budget")
    return notes


def _hybrid_weight_values(raw: RawModel) -> int:
    """Elements of the distinct constant 8-bit weights read by hybrid nodes
    (what makes a dynamic-range program about a quarter of the float one)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for gi, g in enumerate(raw.graphs):
        for op in g.ops:
            dt = node_dtype(op, g.tensors)
            if not (dt.startswith("f32") and dt[3:] in ("i8", "u8")):
                continue
            for i in op.inputs:
                t = g.tensors[i] if i >= 0 else None
                if t is not None and t.dtype in ("i8", "u8") and _is_const(t) and (gi, i) not in seen:
                    seen.add((gi, i))
                    total += int(np.prod(t.shape, dtype=np.int64)) if t.shape else 1
    return total


def _buffer_size(raw: RawModel, index: int) -> int:
    b = raw.fb.Buffers(index)
    return int(b.Size()) if b.Offset() > 1 else int(b.DataLength())


def _sparse_notes(raw: RawModel) -> list[str]:
    sparse = [t for g in raw.graphs for t in g.tensors if t.sparse]
    if not sparse:
        return []
    consts = [t for t in sparse if t.has_data and t.dtype in ir.NUMPY_DTYPES]
    if len(consts) < len(sparse):
        return [f"has {len(sparse) - len(consts)} sparse tensors that are not constants (selbuild cannot "
                f"convert them)"]
    stored = sum(_buffer_size(raw, t.buffer) for t in consts)
    dense = sum(int(np.prod(t.shape, dtype=np.int64)) * np.dtype(ir.NUMPY_DTYPES[t.dtype]).itemsize
                for t in consts)
    return [f"sparse weights: {len(consts)} tensor{'s' if len(consts) > 1 else ''}, {stored:,} B stored sparse, "
            f"{dense:,} B dense (densified at conversion: the program holds the dense weights)"]


def summarize(path: Path) -> ModelSummary:
    return summarize_raw(parse_bytes(read_bytes(path), str(path)))


# ---------------------------------------------------------------- ir.Model

def _buffer_bytes(raw: RawModel, index: int) -> bytes | None:
    if index == 0:
        return None
    b = raw.fb.Buffers(index)
    off, size = b.Offset(), b.Size()
    if off > 1:   # data stored after the flatbuffer (models > 2 GB)
        if off + size > len(raw.data):
            raise _Corrupt(f"buffer {index} lies outside the file")
        return bytes(raw.data[off:off + size])
    if b.DataIsNone():
        return None
    _count(b.DataLength(), 1, raw.data)
    data = bytes(b.DataAsNumpy())
    return data or None


def _sparse_data(t: RawTensor, data: bytes) -> np.ndarray:
    """The dense value of a sparse constant (its buffer holds only the stored values)."""
    if t.dtype not in ir.NUMPY_DTYPES or t.dtype == "i4":
        raise UnsupportedError(f"tensor {t.name!r}: sparse {t.dtype} tensors are not supported",
                               hint="convert without sparsity")
    dt = np.dtype(ir.NUMPY_DTYPES[t.dtype]).newbyteorder("<")
    if len(data) % dt.itemsize:
        raise _Corrupt(f"tensor {t.name!r}: sparse buffer of {len(data)} bytes is not whole {t.dtype} values")
    values = np.frombuffer(data, dtype=dt).astype(dt.newbyteorder("="))
    try:
        return tflite_sparse.densify(tuple(t.shape), t.sparsity, values)
    except tflite_sparse.SparseFormatError as e:
        raise _Corrupt(f"tensor {t.name!r}: sparsity parameters: {e}") from None


def _tensor_data(t: RawTensor, data: bytes) -> np.ndarray:
    numel = int(np.prod(t.shape, dtype=np.int64)) if t.shape else 1
    if t.dtype == "i4":   # two values per byte, low nibble first
        packed = np.frombuffer(data, dtype=np.uint8)
        nib = np.stack([packed & 0x0F, packed >> 4], axis=-1).reshape(-1)[:numel].astype(np.int8)
        vals = np.where(nib > 7, nib - 16, nib).astype(np.int8)
        if vals.size != numel:
            raise _Corrupt(f"tensor {t.name!r}: int4 buffer too short for shape {t.shape}")
        return vals.reshape(t.shape)
    if t.dtype not in ir.NUMPY_DTYPES:   # strings, resources: keep the raw bytes
        return np.frombuffer(data, dtype=np.uint8).copy()
    dt = np.dtype(ir.NUMPY_DTYPES[t.dtype]).newbyteorder("<")
    if len(data) != numel * dt.itemsize:
        raise _Corrupt(f"tensor {t.name!r}: buffer has {len(data)} bytes, shape {t.shape} "
                       f"of {t.dtype} needs {numel * dt.itemsize}")
    return np.frombuffer(data, dtype=dt).astype(dt.newbyteorder("=")).reshape(t.shape)


def to_ir(raw: RawModel) -> ir.Model:
    return _guard(raw.path, lambda: _to_ir(raw))


def _to_ir(raw: RawModel) -> ir.Model:
    graphs = []
    for gi, g in enumerate(raw.graphs):
        tensors = []
        for t in g.tensors:
            if t.dtype.startswith("unknown"):
                raise UnsupportedError(f"{raw.path}: tensor {t.name!r} has TFLite type "
                                       f"{t.dtype[8:-1]}, which selbuild does not know")
            data = None if t.is_variable else _buffer_bytes(raw, t.buffer)
            if t.sparse and (data is None or t.sparsity is None):
                raise UnsupportedError(f"{raw.path}: tensor {t.name!r} is sparse but not a constant; selbuild "
                                       "densifies sparse weights only", hint="convert without sparsity")
            value = None if data is None else _sparse_data(t, data) if t.sparse else _tensor_data(t, data)
            sig = t.shape_signature if t.shape_signature and -1 in t.shape_signature else None
            tensors.append(ir.Tensor(t.name, t.shape, t.dtype, value, t.quant, sig))
        nodes = []
        for op in g.ops:
            fallback = "custom" if op.custom is not None else \
                "unknown" if op.builtin.startswith("unknown") else T.canonical_op(op.builtin)
            node = ir.Node(op=op.op or fallback,
                           inputs=list(op.inputs), outputs=list(op.outputs), attrs=dict(op.attrs),
                           source_op=op.source_op)
            node.dtype = node_dtype(op, tensors)
            nodes.append(node)
        graphs.append(ir.Graph(g.name or f"subgraph{gi}", tensors, nodes, list(g.inputs), list(g.outputs)))
    meta = {"description": raw.description, "sha256": raw.sha256}
    from selbuild.frontends import tflite_metadata
    app = tflite_metadata.read(raw)[0]
    if app:
        # Into the program as "model.app" (JSON): names, normalization, labels for the app.
        meta["app"] = tflite_metadata.to_json(app)
    return ir.Model(path=raw.path, format="tflite", graphs=graphs, metadata=meta)


def load(path: Path) -> ir.Model:
    return to_ir(parse_bytes(read_bytes(path), str(path)))
