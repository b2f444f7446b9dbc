"""Build small .tflite models in tests (single ops or a few ops), with LiteRT-valid output.

API
---
    from tflite_builder import T, Op, Subgraph, build_model   # tests/ is on sys.path (conftest)

    x = T("x", [1, 8, 8, 3])                                   # float32 activation
    w = T("w", [4, 3, 3, 3], data=np.random.rand(4, 3, 3, 3))  # constant → own buffer
    b = T("b", [4], data=np.zeros(4))
    y = T("y", [1, 8, 8, 4])
    model: bytes = build_model(
        ops=[Op("CONV_2D", ["x", "w", "b"], ["y"],
                options=dict(padding="same", stride_w=1, stride_h=1, activation="relu"),
                version=1)],
        tensors=[x, w, b, y])                      # inputs/outputs inferred (see below)

T(name, shape, dtype="f32", data=None, scale=None, zero_point=None, quantized_dimension=0,
  is_variable=False, signature=None)
    dtype: a canonical dtype (f32, i8, u8, i16, i32, i64, f16, bool, i4 = packed int4).
    data: constant contents (converted to dtype, must match shape) → a buffer.
    scale / zero_point: a number (per-tensor) or a list (per-channel along
    quantized_dimension); zero_point defaults to zeros.
Op(builtin, inputs, outputs, options=None, version=1, custom_code=None, custom_options=b"",
   options_table=None)
    builtin: TFLite builtin name ("CONV_2D", "ADD", …, "CUSTOM" with custom_code,
    or an int code to write codes newer than our schema). inputs/outputs: tensor
    names or indices; -1 (or None) = omitted optional input.
    options: in the IR attrs form (padding "same"/"valid", activation "relu",
    dilation_w …, see selbuild/frontends/tflite_ops.py) or the schema field names
    (fused_activation_function may be given as a string too). Unknown keys raise.
    Unset fields keep the schema default. options_table overrides the
    BuiltinOptions member (default: the one tflite_ops.OPS names for the op; pass
    it for ops outside that map, e.g. "LessOptions").
Subgraph(tensors, ops, inputs=None, outputs=None, name="")
(OpSpec and TensorSpec are aliases of Op and T.)
build_model(ops=None, tensors=None, inputs=None, outputs=None, *, subgraphs=None,
            version=3, description="selbuild test model") -> bytes
    Either ops/tensors (one subgraph) or subgraphs=[Subgraph, …] (control-flow
    bodies are subgraphs 1..N). When inputs/outputs are None: inputs = the
    non-constant tensors no op produces, outputs = the tensors no op consumes.
    version is written as the model's schema version (3; others only for tests
    of rejection).

Single-op helpers: one_op(builtin, tensors, inputs, outputs, options, version);
qt(name, shape, scale, zp, ...) a quantized tensor; float_op(builtin, x_shape,
y_shape, consts, ...) a float `x` -> `y` model with constant operands, and
float_model(...) the same with the output shape LiteRT infers (litert_shape).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Sequence

import flatbuffers
import numpy as np

from selbuild import ir
from selbuild.frontends import tflite_ops as TO


@dataclass
class T:
    name: str
    shape: Sequence[int]
    dtype: str = "f32"
    data: Any = None
    scale: float | Sequence[float] | None = None
    zero_point: int | Sequence[int] | None = None
    quantized_dimension: int = 0
    is_variable: bool = False
    signature: Sequence[int] | None = None    # shape_signature (-1 = dynamic dim); shape holds the defaults
    sparsity: dict[str, Any] | None = None    # see sparse_tensor(); data then holds the stored values only


@dataclass
class Op:
    builtin: str | int
    inputs: Sequence[int | str | None]
    outputs: Sequence[int | str]
    options: dict[str, Any] | None = None
    version: int = 1
    custom_code: str | None = None
    custom_options: bytes = b""
    options_table: str | None = None


@dataclass
class Subgraph:
    tensors: list[T]
    ops: list[Op]
    inputs: list[int | str] | None = None
    outputs: list[int | str] | None = None
    name: str = ""


def _mod(name: str) -> Any:
    return importlib.import_module(f"selbuild._generated.tflite.{name}")


def _camel(field_name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in field_name.split("_"))


def _ivec(b: flatbuffers.Builder, values: Sequence[int], dtype: str = "<i4") -> int:
    return b.CreateNumpyVector(np.asarray(list(values), dtype=dtype))


def _bytes16(b: flatbuffers.Builder, data: bytes) -> int:
    # Buffer.data is force_align 16 in the format; the generated helper aligns to 1.
    b.StartVector(1, len(data), 16)
    b.head = b.head - len(data)
    b.Bytes[b.head:b.head + len(data)] = data
    return b.EndVector()


def _encode(kind: str, value: Any) -> Any:
    if kind in TO._ENUMS:
        return TO._ENUMS[kind].index(value) if isinstance(value, str) else int(value)
    if kind == "dtype":
        return TO.TENSOR_TYPE_CODES[value] if isinstance(value, str) else int(value)
    if kind == "bias_dtype":
        return 0 if value is None else _encode("dtype", value)
    return value


def _options(b: flatbuffers.Builder, table: str, given: dict[str, Any]) -> int:
    fields = TO.OPTION_FIELDS.get(table, [])
    known = {f[0] for f in fields} | {f[1] for f in fields}
    unknown = set(given) - known
    if unknown:
        raise ValueError(f"{table}: unknown option(s) {sorted(unknown)}; known: {sorted(known)}")
    mod = _mod(table)
    values = []
    for fname, key, kind, _default in fields:
        if key in given or fname in given:
            v = given[key] if key in given else given[fname]
            values.append((fname, kind, v))
    vectors = {f: _ivec(b, v, "<i4" if k == "ivec" else "<f4") for f, k, v in values
               if k in ("ivec", "fvec") and v is not None}
    vectors.update({f: b.CreateString(v) for f, k, v in values if k == "str"})
    getattr(mod, f"{table}Start")(b)
    for fname, kind, v in values:
        if kind in ("ivec", "fvec", "str"):
            if v is not None:
                getattr(mod, f"{table}Add{_camel(fname)}")(b, vectors[fname])
        else:
            getattr(mod, f"{table}Add{_camel(fname)}")(b, _encode(kind, v))
    return getattr(mod, f"{table}End")(b)


def _index(names: dict[str, int], ref: int | str | None) -> int:
    if ref is None:
        return -1
    return ref if isinstance(ref, int) else names[ref]


def _const_bytes(t: T) -> bytes:
    if t.dtype == "i4":   # two values per byte, low nibble first (TFLite's int4 packing)
        v = np.asarray(t.data, dtype=np.int8).reshape(-1) & 0x0F
        v = np.concatenate([v, np.zeros(v.size % 2, dtype=np.int8)])
        return (v[0::2] | (v[1::2] << 4)).astype(np.uint8).tobytes()
    arr = np.asarray(t.data, dtype=ir.numpy_dtype(t.dtype))
    if arr.size != int(np.prod(t.shape, dtype=np.int64)) and t.sparsity is None:
        raise ValueError(f"tensor {t.name}: data has {arr.size} values, shape {list(t.shape)}")
    return arr.astype(arr.dtype.newbyteorder("<")).tobytes()


class _ModelWriter:
    def __init__(self) -> None:
        self.b = flatbuffers.Builder(1024)
        self.buffers: list[bytes] = [b""]            # buffer 0: the empty sentinel
        self.opcodes: list[tuple[int, str | None, int]] = []

    def opcode(self, op: Op) -> int:
        code = op.builtin if isinstance(op.builtin, int) else TO.BUILTIN_CODES[op.builtin]
        key = (code, op.custom_code, op.version)
        if key not in self.opcodes:
            self.opcodes.append(key)
        return self.opcodes.index(key)

    def tensor(self, t: T) -> int:
        b = self.b
        buf = 0
        if t.data is not None:
            self.buffers.append(_const_bytes(t))
            buf = len(self.buffers) - 1
        quant = None
        if t.scale is not None:
            scale = np.atleast_1d(np.asarray(t.scale, dtype="<f4"))
            zp = np.atleast_1d(np.asarray(0 if t.zero_point is None else t.zero_point, dtype="<i8"))
            if zp.size == 1 and scale.size > 1:
                zp = np.repeat(zp, scale.size)
            qm = _mod("QuantizationParameters")
            sv, zv = b.CreateNumpyVector(scale), b.CreateNumpyVector(zp)
            qm.QuantizationParametersStart(b)
            qm.QuantizationParametersAddScale(b, sv)
            qm.QuantizationParametersAddZeroPoint(b, zv)
            qm.QuantizationParametersAddQuantizedDimension(b, t.quantized_dimension)
            quant = qm.QuantizationParametersEnd(b)
        sparsity = self.sparsity(t.sparsity) if t.sparsity is not None else None
        name, shape = b.CreateString(t.name), _ivec(b, t.shape)
        signature = _ivec(b, t.signature) if t.signature is not None else None
        tm = _mod("Tensor")
        tm.TensorStart(b)
        tm.TensorAddShape(b, shape)
        if signature is not None:
            tm.TensorAddShapeSignature(b, signature)
        tm.TensorAddType(b, TO.TENSOR_TYPE_CODES[t.dtype])
        tm.TensorAddBuffer(b, buf)
        tm.TensorAddName(b, name)
        if quant is not None:
            tm.TensorAddQuantization(b, quant)
        if t.is_variable:
            tm.TensorAddIsVariable(b, True)
        if sparsity is not None:
            tm.TensorAddSparsity(b, sparsity)
        return tm.TensorEnd(b)

    def _index_vector(self, values: Sequence[int], kind: str) -> tuple[int, int]:
        name, dtype, code = {"i32": ("Int32Vector", "<i4", 1), "u16": ("Uint16Vector", "<u2", 2),
                             "u8": ("Uint8Vector", "<u1", 3)}[kind]
        b, mod = self.b, _mod(name)
        vec = b.CreateNumpyVector(np.asarray(list(values), dtype=dtype))
        getattr(mod, f"{name}Start")(b)
        getattr(mod, f"{name}AddValues")(b, vec)
        return code, getattr(mod, f"{name}End")(b)

    def sparsity(self, sp: dict[str, Any]) -> int:
        b, dm, spm = self.b, _mod("DimensionMetadata"), _mod("SparsityParameters")
        levels = []
        for md in sp["dim_metadata"]:
            kind = md.get("index_type", "i32")
            seg = self._index_vector(md["segments"], kind) if "segments" in md else None
            idx = self._index_vector(md["indices"], kind) if "indices" in md else None
            dm.DimensionMetadataStart(b)
            dm.DimensionMetadataAddFormat(b, md.get("format", 0))
            dm.DimensionMetadataAddDenseSize(b, md.get("dense_size", 0))
            if seg is not None:
                dm.DimensionMetadataAddArraySegmentsType(b, seg[0])
                dm.DimensionMetadataAddArraySegments(b, seg[1])
            if idx is not None:
                dm.DimensionMetadataAddArrayIndicesType(b, idx[0])
                dm.DimensionMetadataAddArrayIndices(b, idx[1])
            levels.append(dm.DimensionMetadataEnd(b))
        order, bmap = _ivec(b, sp["traversal_order"]), _ivec(b, sp.get("block_map", []))
        metas = self._table_vector(levels)
        spm.SparsityParametersStart(b)
        spm.SparsityParametersAddTraversalOrder(b, order)
        spm.SparsityParametersAddBlockMap(b, bmap)
        spm.SparsityParametersAddDimMetadata(b, metas)
        return spm.SparsityParametersEnd(b)

    def operator(self, op: Op, names: dict[str, int]) -> int:
        b = self.b
        idx = self.opcode(op)
        ins = _ivec(b, [_index(names, r) for r in op.inputs])
        outs = _ivec(b, [_index(names, r) for r in op.outputs])
        table = op.options_table
        if table is None and isinstance(op.builtin, str) and op.builtin in TO.OPS:
            table = TO.OPS[op.builtin].options
        opts = _options(b, table, op.options or {}) if table else None
        if op.options and not table:
            raise ValueError(f"{op.builtin}: options given but no options table is known; "
                             "pass options_table=")
        custom = b.CreateByteVector(op.custom_options) if op.custom_code else None
        om = _mod("Operator")
        om.OperatorStart(b)
        om.OperatorAddOpcodeIndex(b, idx)
        om.OperatorAddInputs(b, ins)
        om.OperatorAddOutputs(b, outs)
        if opts is not None:
            om.OperatorAddBuiltinOptionsType(b, TO.OPTION_TYPES[table])
            om.OperatorAddBuiltinOptions(b, opts)
        if custom is not None:
            om.OperatorAddCustomOptions(b, custom)
        return om.OperatorEnd(b)

    def subgraph(self, sg: Subgraph) -> int:
        b = self.b
        names = {t.name: i for i, t in enumerate(sg.tensors)}
        produced = {_index(names, r) for op in sg.ops for r in op.outputs}
        consumed = {_index(names, r) for op in sg.ops for r in op.inputs}
        inputs = sg.inputs if sg.inputs is not None else [
            i for i, t in enumerate(sg.tensors) if t.data is None and i not in produced and not t.is_variable]
        outputs = sg.outputs if sg.outputs is not None else [
            i for i in range(len(sg.tensors)) if i in produced and i not in consumed]
        tensors = [self.tensor(t) for t in sg.tensors]
        ops = [self.operator(op, names) for op in sg.ops]
        sm = _mod("SubGraph")
        tv, ov = self._table_vector(tensors), self._table_vector(ops)
        iv = _ivec(b, [_index(names, r) for r in inputs])
        outv = _ivec(b, [_index(names, r) for r in outputs])
        name = b.CreateString(sg.name)
        sm.SubGraphStart(b)
        sm.SubGraphAddTensors(b, tv)
        sm.SubGraphAddInputs(b, iv)
        sm.SubGraphAddOutputs(b, outv)
        sm.SubGraphAddOperators(b, ov)
        sm.SubGraphAddName(b, name)
        return sm.SubGraphEnd(b)

    def _table_vector(self, offsets: list[int]) -> int:
        self.b.StartVector(4, len(offsets), 4)
        for off in reversed(offsets):
            self.b.PrependUOffsetTRelative(off)
        return self.b.EndVector()

    def finish(self, subgraphs: list[Subgraph], version: int, description: str,
               metadata: dict[str, bytes] | None = None) -> bytes:
        b = self.b
        sgs = [self.subgraph(sg) for sg in subgraphs]
        meta_index = {}
        for name, data in (metadata or {}).items():
            meta_index[name] = len(self.buffers)
            self.buffers.append(data)
        bm = _mod("Buffer")
        bufs = []
        for data in self.buffers:
            dv = _bytes16(b, data) if data else None
            bm.BufferStart(b)
            if dv is not None:
                bm.BufferAddData(b, dv)
            bufs.append(bm.BufferEnd(b))
        cm = _mod("OperatorCode")
        codes = []
        for code, custom, ver in self.opcodes:
            cc = b.CreateString(custom) if custom else None
            cm.OperatorCodeStart(b)
            cm.OperatorCodeAddDeprecatedBuiltinCode(b, min(code, 127))
            cm.OperatorCodeAddBuiltinCode(b, code)
            cm.OperatorCodeAddVersion(b, ver)
            if cc is not None:
                cm.OperatorCodeAddCustomCode(b, cc)
            codes.append(cm.OperatorCodeEnd(b))
        mm = _mod("Model")
        sv, cv, bv = self._table_vector(sgs), self._table_vector(codes), self._table_vector(bufs)
        desc = b.CreateString(description)
        entries = []
        md = _mod("Metadata")
        for name, index in meta_index.items():
            nm = b.CreateString(name)
            md.MetadataStart(b)
            md.MetadataAddName(b, nm)
            md.MetadataAddBuffer(b, index)
            entries.append(md.MetadataEnd(b))
        mv = self._table_vector(entries) if entries else None
        mm.ModelStart(b)
        if mv is not None:
            mm.ModelAddMetadata(b, mv)
        mm.ModelAddVersion(b, version)
        mm.ModelAddOperatorCodes(b, cv)
        mm.ModelAddSubgraphs(b, sv)
        mm.ModelAddDescription(b, desc)
        mm.ModelAddBuffers(b, bv)
        b.Finish(mm.ModelEnd(b), file_identifier=b"TFL3")
        return bytes(b.Output())


def build_model(ops: list[Op] | None = None, tensors: list[T] | None = None,
                inputs: list[int | str] | None = None, outputs: list[int | str] | None = None, *,
                subgraphs: list[Subgraph] | None = None, version: int = 3,
                description: str = "selbuild test model", metadata: dict[str, bytes] | None = None) -> bytes:
    """metadata: Model.metadata entries, name -> buffer bytes (e.g. {"TFLITE_METADATA": model_metadata(...)})."""
    if subgraphs is None:
        subgraphs = [Subgraph(list(tensors or []), list(ops or []), inputs, outputs, "main")]
    elif ops or tensors:
        raise ValueError("give either ops/tensors or subgraphs")
    return _ModelWriter().finish(subgraphs, version, description, metadata)


def model_metadata(fields: dict, inputs: list[dict] = (), outputs: list[dict] = ()) -> bytes:
    """A TFLite ModelMetadata flatbuffer ("M001"), written slot by slot with the plain
    flatbuffers Builder. fields: name/description/version/author/license/min_parser_version;
    inputs/outputs: {"name", "description", "mean", "std", "files": [{"name", "type", "locale"}]}
    with type the AssociatedFileType number (2 = TENSOR_AXIS_LABELS)."""
    import flatbuffers
    b = flatbuffers.Builder(256)

    def s(v):
        return b.CreateString(v) if v else None

    def floats(vals):
        b.StartVector(4, len(vals), 4)
        for v in reversed(vals):
            b.PrependFloat32(v)
        return b.EndVector()

    def tables(offs):
        b.StartVector(4, len(offs), 4)
        for o in reversed(offs):
            b.PrependUOffsetTRelative(o)
        return b.EndVector()

    def afile(f):
        nm, loc = s(f["name"]), s(f.get("locale"))
        b.StartObject(4)
        b.PrependUOffsetTRelativeSlot(0, nm, 0)
        b.PrependInt8Slot(2, f.get("type", 0), 0)
        if loc:
            b.PrependUOffsetTRelativeSlot(3, loc, 0)
        return b.EndObject()

    def tensor(t):
        nm, desc = s(t["name"]), s(t.get("description"))
        units = None
        if "mean" in t:
            mv, sv = floats(t["mean"]), floats(t["std"])
            b.StartObject(2)
            b.PrependUOffsetTRelativeSlot(0, mv, 0)
            b.PrependUOffsetTRelativeSlot(1, sv, 0)
            norm = b.EndObject()
            b.StartObject(2)
            b.PrependUint8Slot(0, 1, 0)                 # NormalizationOptions
            b.PrependUOffsetTRelativeSlot(1, norm, 0)
            units = tables([b.EndObject()])
        files = tables([afile(f) for f in t["files"]]) if t.get("files") else None
        b.StartObject(7)
        b.PrependUOffsetTRelativeSlot(0, nm, 0)
        if desc:
            b.PrependUOffsetTRelativeSlot(1, desc, 0)
        if units:
            b.PrependUOffsetTRelativeSlot(4, units, 0)
        if files:
            b.PrependUOffsetTRelativeSlot(6, files, 0)
        return b.EndObject()

    iv, ov = tables([tensor(t) for t in inputs]), tables([tensor(t) for t in outputs])
    b.StartObject(5)
    b.PrependUOffsetTRelativeSlot(2, iv, 0)
    b.PrependUOffsetTRelativeSlot(3, ov, 0)
    graph = tables([b.EndObject()])
    strs = {k: s(fields.get(k)) for k in ("name", "description", "version", "author", "license",
                                          "min_parser_version")}
    b.StartObject(8)
    for slot, key in ((0, "name"), (1, "description"), (2, "version"), (4, "author"), (5, "license"),
                      (7, "min_parser_version")):
        if strs[key]:
            b.PrependUOffsetTRelativeSlot(slot, strs[key], 0)
    b.PrependUOffsetTRelativeSlot(3, graph, 0)
    b.Finish(b.EndObject(), file_identifier=b"M001")
    return bytes(b.Output())


def append_zip(model: bytes, files: dict[str, bytes]) -> bytes:
    """The model with a zip archive of `files` appended (how metadata tools pack label files)."""
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return model + buf.getvalue()


# --- single-op models --------------------------------------------------------

def sparse_tensor(name: str, dense: np.ndarray, dtype: str = "f32", block: Sequence[int] | None = None,
                  index_type: str = "i32") -> T:
    """A constant 2-D tensor stored as TFLite sparse weights: rows dense, columns
    compressed (CSR), optionally in blocks of `block` = (rows, cols) kept whole
    when any element of the block is non-zero (TF's block-sparse pruning)."""
    dense = np.asarray(dense)
    rows, cols = dense.shape
    br, bc = block or (1, 1)
    blocked = [d for d, size in enumerate((br, bc)) if size > 1]
    nr, nc = rows // br, cols // bc
    tiles = dense.reshape(nr, br, nc, bc).transpose(0, 2, 1, 3)      # [block row, block col, br, bc]
    keep = np.abs(tiles).reshape(nr, nc, -1).max(axis=2) != 0
    segments, indices, values = [0], [], []
    for r in range(nr):
        for c in np.flatnonzero(keep[r]):
            indices.append(int(c))
            values.append(tiles[r, c].reshape(-1))
        segments.append(len(indices))
    levels = [{"format": 0, "dense_size": nr},
              {"format": 1, "segments": segments, "indices": indices, "index_type": index_type}]
    levels += [{"format": 0, "dense_size": (br, bc)[d]} for d in blocked]
    sp = {"traversal_order": list(range(2 + len(blocked))), "block_map": blocked, "dim_metadata": levels}
    stored = np.concatenate(values) if values else np.zeros(0, dense.dtype)
    return T(name, [rows, cols], dtype, data=stored, sparsity=sp)


def one_op(builtin: str, tensors: list[T], inputs: list[str | None], outputs: list[str],
           options: dict | None = None, version: int = 1) -> bytes:
    return build_model(ops=[Op(builtin, inputs, outputs, options=options, version=version)], tensors=tensors)


def qt(name: str, shape, scale, zp=0, data=None, dtype: str = "i8", axis: int = 0) -> T:
    """A quantized tensor (per-channel when scale is a list)."""
    if isinstance(scale, (list, tuple, np.ndarray)):
        scale = [float(s) for s in scale]
        zp = [int(zp)] * len(scale) if np.isscalar(zp) else list(zp)
    return T(name, list(shape), dtype, data=data, scale=scale, zero_point=zp, quantized_dimension=axis)


def float_op(builtin: str, x_shape, y_shape, consts=(), options=None, inputs=None, version=1) -> bytes:
    """A single-op model with float input `x`, output `y` and constant operands.

    consts: [(name, array, dtype)]; inputs: operand names in TFLite order
    (default x then the constants; "-" for an omitted optional input)."""
    tensors = [T("x", list(x_shape))]
    tensors += [T(name, list(np.shape(a)), dt, data=a) for name, a, dt in consts]
    tensors.append(T("y", list(y_shape)))
    names = inputs or ["x"] + [c[0] for c in consts]
    names = [-1 if n == "-" else n for n in names]
    return build_model(ops=[Op(builtin, names, ["y"], options=options, version=version)], tensors=tensors)


def litert_shape(model: bytes) -> list[int]:
    """Output shape LiteRT infers (to build a model whose declared shape is right)."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    it = Interpreter(model_content=model, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    it.allocate_tensors()
    return list(it.get_output_details()[0]["shape"])


def float_model(builtin: str, x_shape, consts=(), options=None, inputs=None, version=1) -> bytes:
    """float_op with the output shape LiteRT infers for it (independent of our shape hooks)."""
    probe = float_op(builtin, x_shape, [1], consts, options, inputs, version)
    return float_op(builtin, x_shape, [int(d) for d in litert_shape(probe)], consts, options, inputs, version)


# Longer names for the same classes.
OpSpec = Op
TensorSpec = T
