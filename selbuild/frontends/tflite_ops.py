"""The TFLite → canonical operator map: the one place it lives.

IR conventions of the TFLite frontend (other parts of selbuild code against them)
--------------------------------------------------------------------------------
Node.op
    The canonical snake_case op: the lower snake case of the TFLite builtin
    name, except where the builtin name glues a dimension count onto the word
    ("2D", "3D") or a version suffix: CONV_2D→conv2d, DEPTHWISE_CONV_2D→
    depthwise_conv2d, AVERAGE_POOL_2D→average_pool2d, MAX_POOL_2D→max_pool2d,
    L2_POOL_2D→l2_pool2d, CONV_3D→conv3d, CONV_3D_TRANSPOSE→conv3d_transpose,
    PADV2→pad_v2 (so that it reads like split_v). Everything else is just
    lowercased (FULLY_CONNECTED→fully_connected, REDUCE_MAX→reduce_max,
    SUM→sum, LOGISTIC→logistic, BATCH_MATMUL→batch_matmul, …). Custom ops get
    op "custom" (source_op = the custom code); op codes newer than our schema
    get op "unknown" (source_op = "unknown builtin N"); DELEGATE gets op
    "delegate". None of these has a canonical kernel (analyze: op null).
Node.source_op
    The builtin name as TFLite spells it ("CONV_2D") or the custom code.
Node.attrs
    The op's builtin options under the schema's field names, with:
    * enums as lowercase strings: padding "same"|"valid";
      fused_activation_function → key `activation` with one of
      selbuild.ir.ACTIVATIONS; weights_format "default"|"shuffled4x16int8";
      kernel_type "full"|"basic"; mirror pad mode "reflect"|"symmetric";
    * dilation_w_factor/dilation_h_factor → dilation_w/dilation_h (also the
      d variant for conv3d);
    * TensorType fields (cast in/out, arg_max output_type, quantized_bias_type
      …) as canonical dtype names; quantized_bias_type is None when unset
      (its raw default 0 would read as "f32", which means "not given" there);
    * int vectors (reshape new_shape, squeeze squeeze_dims) as lists of int,
      new_shape None when absent (distinct from an empty list = scalar);
    * options absent from the file get the schema defaults (OPTION_FIELDS
      lists them; a test checks them against the generated code);
    * control flow: WHILE cond_subgraph_index/body_subgraph_index, IF
      then_subgraph_index/else_subgraph_index, CALL_ONCE init_subgraph_index,
      CALL subgraph: indices into Model.graphs (= TFLite subgraph indices);
    * custom ops: custom_code (str) and custom_options (bytes).
    Operands that TFLite passes as tensors (MEAN/SUM axes, RESHAPE shape, PAD
    paddings, STRIDED_SLICE begin/end/strides, SPLIT axis, GATHER indices,
    TRANSPOSE perm, RESIZE size, …) stay node inputs in TFLite order.
Node.dtype
    The dtype of input 0 (-1 inputs skipped to output 0), except
    * the first input is a parameter: SPLIT → input 1, TRANSPOSE_CONV → input 2
      (its inputs are output_shape, weights, input, bias), FILL → input 1
      (the value), SCATTER_ND → input 1 (updates);
    * QUANTIZE → output 0's dtype from a float input (quantize.i8, quantize.i16),
      input then output dtype from an integer one (requantize: quantize.i8i8, quantize.u8i8);
    * hybrid ops (HYBRID_OPS: conv2d, depthwise_conv2d, fully_connected,
      batch_matmul, transpose_conv and the LSTM/RNN/SVDF family) with float32 input 0 and a
      constant int8 weight input → "f32i8" (dynamic-range models); other
      weight dtypes give "f32<w>" (e.g. f32u8); EMBEDDING_LOOKUP with a
      constant int8 table (input 1) and a float output → "f32i8" too;
    * an op with neither inputs nor outputs → "none".
    * WHILE, IF, CALL_ONCE and the resource-variable ops → "any": one kernel
      (while.any, if.any, call_once.any, read/assign_variable.any) moves values
      of every dtype by copy; VAR_HANDLE is resolved by the converter.
    DEQUANTIZE follows the rule: dequantize.i8, dequantize.f16.
    "Constant" = a tensor whose buffer holds data (converters also give
    activations buffer indices, with empty buffers).
Tensors
    Tensor.dtype canonical (TENSOR_TYPES); Tensor.data = the constant buffer as
    a numpy array of that dtype and shape (int4 unpacked to int8 values; str
    and resource tensors as raw uint8 bytes); variable tensors have no data.
    Tensor.quant = ir.Quant(scale, zero_point, axis=quantized_dimension),
    per-channel when scale has several elements; None without scales.
Model
    Model.graphs = the TFLite subgraphs in file order (0 = entry; bodies of
    WHILE/IF/CALL_ONCE follow); Model.metadata: description, sha256.
"""

from __future__ import annotations

from selbuild._generated.tflite.BuiltinOperator import BuiltinOperator
from selbuild._generated.tflite.BuiltinOptions import BuiltinOptions
from selbuild import opmaps
from selbuild.errors import SelbuildError

# Builtin code → name. The generated enum stops at RIGHT_SHIFT (161); codes
# 162..205 (StableHLO ops, DILATE) are named here so analyze can show them.
_STABLEHLO = (
    "LOGISTIC ADD DIVIDE MULTIPLY MAXIMUM RESHAPE CLAMP CONCATENATE BROADCAST_IN_DIM "
    "CONVOLUTION SLICE CUSTOM_CALL REDUCE ABS AND COSINE EXPONENTIAL FLOOR LOG MINIMUM "
    "NEGATE OR POWER REMAINDER RSQRT SELECT SUBTRACT TANH SCATTER COMPARE CONVERT "
    "DYNAMIC_SLICE DYNAMIC_UPDATE_SLICE PAD IOTA DOT_GENERAL REDUCE_WINDOW SORT WHILE "
    "GATHER TRANSPOSE").split()
BUILTIN_NAMES: dict[int, str] = {
    v: k for k, v in vars(BuiltinOperator).items() if not k.startswith("_") and isinstance(v, int)
}
BUILTIN_NAMES.update({162 + i: "STABLEHLO_" + n for i, n in enumerate(_STABLEHLO)})
BUILTIN_NAMES.update({203: "DILATE", 204: "STABLEHLO_RNG_BIT_GENERATOR", 205: "REDUCE_WINDOW"})
BUILTIN_CODES: dict[str, int] = {v: k for k, v in BUILTIN_NAMES.items()}
CUSTOM_CODE = BuiltinOperator.CUSTOM
# Builtins that never get a canonical op (analyze shows op null): DELEGATE
# stands for a graph pre-compiled for an accelerator, the placeholder is no op.
NO_CANONICAL = frozenset({"DELEGATE", "CUSTOM", "PLACEHOLDER_FOR_GREATER_OP_CODES"})

# The exceptions to "lowercase the builtin name" (see module docstring).
_NAME_EXCEPTIONS = {
    "CONV_2D": "conv2d", "DEPTHWISE_CONV_2D": "depthwise_conv2d",
    "AVERAGE_POOL_2D": "average_pool2d", "MAX_POOL_2D": "max_pool2d",
    "L2_POOL_2D": "l2_pool2d", "CONV_3D": "conv3d",
    "CONV_3D_TRANSPOSE": "conv3d_transpose", "PADV2": "pad_v2",
}


def canonical_op(builtin: str) -> str:
    """Canonical snake_case op of a TFLite builtin name."""
    return _NAME_EXCEPTIONS.get(builtin, builtin.lower())


# Which input decides Node.dtype when it is not input 0; -1 = output 0.
DTYPE_INPUT: dict[str, int] = {"SPLIT": 1, "TRANSPOSE_CONV": 2, "CONV_3D_TRANSPOSE": 2, "FILL": 1, "SCATTER_ND": 1, "ONE_HOT": 2,
                               "EMBEDDING_LOOKUP": 1, "SPARSE_TO_DENSE": 2, "EMBEDDING_LOOKUP_SPARSE": -1,
                               "QUANTIZE": -1, "SELECT": 1, "SELECT_V2": 1}

HYBRID_OPS = frozenset({
    "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "BATCH_MATMUL", "TRANSPOSE_CONV", "LSTM",
    "UNIDIRECTIONAL_SEQUENCE_LSTM", "BIDIRECTIONAL_SEQUENCE_LSTM", "RNN",
    "UNIDIRECTIONAL_SEQUENCE_RNN", "BIDIRECTIONAL_SEQUENCE_RNN", "SVDF",
})

CONTROL_FLOW = {"WHILE": ("cond_subgraph_index", "body_subgraph_index"),
                "IF": ("then_subgraph_index", "else_subgraph_index"),
                "CALL_ONCE": ("init_subgraph_index",), "CALL": ("subgraph",)}

# Canonical dtype names of TensorType values (selbuild.ir.DTYPES).
TENSOR_TYPES: dict[int, str] = {
    0: "f32", 1: "f16", 2: "i32", 3: "u8", 4: "i64", 5: "str", 6: "bool", 7: "i16",
    8: "c64", 9: "i8", 10: "f64", 11: "c128", 12: "u64", 13: "resource", 14: "variant",
    15: "u32", 16: "u16", 17: "i4", 18: "bf16",
}
TENSOR_TYPE_CODES: dict[str, int] = {v: k for k, v in TENSOR_TYPES.items()}

_ENUMS: dict[str, tuple[str, ...]] = {
    "padding": ("same", "valid"),
    "activation": ("none", "relu", "relu_n1_to_1", "relu6", "tanh", "sign_bit"),
    "weights_format": ("default", "shuffled4x16int8"),
    "kernel_type": ("full", "basic"),
    "mirror_mode": ("reflect", "symmetric"),
    "combiner": ("sum", "mean", "sqrtn"),
}

# Options table → [(schema field, attrs key, kind, default)]. kind: int, float,
# bool, ivec (int vector), fvec (float vector), dtype (TensorType), bias_dtype (TensorType, 0 =
# unset), or an _ENUMS key. Defaults are the schema's (used when the table is
# absent; the generated accessors give the same when a field is absent).
_ACT = ("fused_activation_function", "activation", "activation", "none")
_PAD = ("padding", "padding", "padding", "same")


def _f(name: str, kind: str, default: object, key: str | None = None) -> tuple:
    return (name, key or name, kind, default)


# Options tables of builtins the descriptor does not declare (their ops have no
# kernel; analyze still shows their attributes). The tables of declared ops come
# from their `attrs:` in runtime_src/kernels/kernels.yaml.
_UNDECLARED_FIELDS: dict[str, list[tuple]] = {
    "RNNOptions": [_ACT, _f("asymmetric_quantize_inputs", "bool", False)],
    "CallOptions": [_f("subgraph", "int", 0)],
    "VarHandleOptions": [_f("container", "str", ""), _f("shared_name", "str", "")],
    "ShapeOptions": [_f("out_type", "dtype", "f32")],
    "FakeQuantOptions": [_f("min", "float", 0.0), _f("max", "float", 0.0),
                         _f("num_bits", "int", 0), _f("narrow_range", "bool", False)],
    "UniqueOptions": [_f("idx_out_type", "dtype", "i32")],
}
OPTION_FIELDS: dict[str, list[tuple]] = {**_UNDECLARED_FIELDS, **opmaps.option_fields()}


# Builtins the descriptor declares: builtin -> (op, options table, the dtypes with kernels).
OpInfo = opmaps.TfliteOp
OPS: dict[str, OpInfo] = opmaps.tflite_ops()
_bad = sorted(b for b, info in OPS.items() if canonical_op(b) != info.op)
if _bad:
    raise SelbuildError(f"kernels.yaml: ops named against the TFLite naming rule: {', '.join(_bad)}")


# Custom ops LiteRT's builtin resolver registers, as the descriptor declares them:
# custom code -> (op, [(flexbuffer key, attrs key, kind, default)]).
CUSTOM_OPS: dict[str, tuple[str, list[tuple]]] = opmaps.tflite_custom_ops()


def read_custom_options(custom: str, raw: bytes) -> dict[str, object]:
    """The attrs of a known custom op from its flexbuffer map (missing keys take the defaults).

    SelbuildError-free: a value of the wrong kind, or bytes that are no
    flexbuffer map, raise ValueError, which the guarded reader reports as a
    corrupt model."""
    from flatbuffers import flexbuffers
    try:
        m = flexbuffers.Loads(raw) if raw else {}
    except Exception as e:       # the model's bytes: any decoding failure is damage
        raise ValueError(f"custom_options of {custom} are not a flexbuffer ({type(e).__name__})") from None
    if not isinstance(m, dict):
        raise ValueError(f"custom_options of {custom} are a {type(m).__name__}, not a flexbuffer map")
    out: dict[str, object] = {}
    for key, name, kind, default in CUSTOM_OPS[custom][1]:
        v = m.get(key)
        if v is None:               # absent or a flexbuffer null: LiteRT takes the default too
            v = default
        if kind == "bool" and isinstance(v, (bool, int)):
            out[name] = bool(v)
        elif kind == "int" and isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer():
            out[name] = int(v)
        elif kind == "float" and isinstance(v, (int, float)) and not isinstance(v, bool):
            out[name] = float(v)
        else:
            raise ValueError(f"custom_options of {custom}: {key} = {v!r} is not {kind}")
    return out


def supported_kernels(dtypes: tuple[str, ...] = ("f32", "i8")) -> dict[str, str]:
    """Every `<op>.<dtype>` the map claims (= has a kernel) for the given dtypes → its builtin name."""
    return {f"{info.op}.{d}": b for b, info in OPS.items() for d in info.dtypes if d in dtypes}


def canonical_ops() -> set[str]:
    """Every canonical op name the map can produce from a known builtin or LiteRT custom op."""
    return {canonical_op(n) for n in BUILTIN_NAMES.values()} | {op for op, _ in CUSTOM_OPS.values()}


def _camel(field: str) -> str:
    # Generated accessors are the field name in CamelCase; flatc capitalizes
    # each '_'-separated part, keeping digits (dilation_w_factor → DilationWFactor).
    return "".join(p[:1].upper() + p[1:] for p in field.split("_"))


def decode_value(kind: str, raw: object) -> object:
    """A raw option value (from the flatbuffer) in its attrs form."""
    if kind in _ENUMS:
        names = _ENUMS[kind]
        return names[raw] if isinstance(raw, int) and 0 <= raw < len(names) else f"unknown({raw})"
    if kind == "dtype":
        return TENSOR_TYPES.get(raw, f"unknown({raw})")
    if kind == "bias_dtype":
        return None if raw == 0 else TENSOR_TYPES.get(raw, f"unknown({raw})")
    if kind == "bool":
        return bool(raw)
    if kind == "float":
        return float(raw)
    if kind == "int":
        return int(raw)
    if kind == "str":   # flatbuffers strings come as bytes (or None when absent)
        return raw.decode("utf-8", "replace") if isinstance(raw, (bytes, bytearray)) else (raw or "")
    return raw


def read_options(table_name: str, obj: object | None) -> dict[str, object]:
    """attrs of one options table (obj = generated table object, None = absent → defaults)."""
    attrs: dict[str, object] = {}
    for field, key, kind, default in OPTION_FIELDS.get(table_name, []):
        if obj is None:
            attrs[key] = list(default) if isinstance(default, list) else default
            continue
        name = _camel(field)
        if kind in ("ivec", "fvec"):
            if getattr(obj, name + "IsNone")():
                attrs[key] = list(default) if isinstance(default, list) else default
            else:
                cast = int if kind == "ivec" else float
                attrs[key] = [cast(v) for v in getattr(obj, name + "AsNumpy")()]
        else:
            attrs[key] = decode_value(kind, getattr(obj, name)())
    return attrs


_OPTION_CLASSES: dict[int, str] = {
    v: k for k, v in vars(BuiltinOptions).items()
    if not k.startswith("_") and isinstance(v, int) and k != "NONE"
}
OPTION_TYPES: dict[str, int] = {k: v for v, k in _OPTION_CLASSES.items()}


def options_class_name(union_type: int) -> str | None:
    """Name of the BuiltinOptions member with this union type index (None for NONE/unknown)."""
    return _OPTION_CLASSES.get(union_type)


def builtin_name(code: int) -> str:
    return BUILTIN_NAMES.get(code, f"unknown builtin {code}")
