"""The TFLite op map (selbuild/frontends/tflite_ops.py) against the kernel catalogue.

The map is derived from the descriptor (runtime_src/kernels/kernels.yaml), so
what it claims must be exactly what the catalogue has:
  * every catalogue kernel is reachable from the map (a TFLite builtin maps to
    its op) and its dtype is a canonical one;
  * for ops the map supports, every f32/i8 catalogue kernel is one the map claims;
  * every kernel the map claims is in the catalogue.
"""

from __future__ import annotations

import re

import pytest

from selbuild import ir
from selbuild.catalogue import load_catalogue
from selbuild.frontends import tflite_ops as TO

REQUIRED = """conv2d depthwise_conv2d transpose_conv fully_connected batch_matmul add sub mul div maximum
minimum squared_difference rsqrt sqrt exp log abs neg relu relu6 relu_n1_to_1 leaky_relu prelu elu
hard_swish logistic tanh gelu softmax log_softmax average_pool2d max_pool2d mean sum reduce_max reshape
squeeze expand_dims transpose concatenation pack unpack split split_v slice strided_slice gather pad
pad_v2 resize_bilinear resize_nearest_neighbor depth_to_space space_to_depth l2_normalization quantize
dequantize cast while if call_once""".split()

SPEC_NAMES = {"CONV_2D": "conv2d", "DEPTHWISE_CONV_2D": "depthwise_conv2d",
              "FULLY_CONNECTED": "fully_connected", "AVERAGE_POOL_2D": "average_pool2d",
              "MAX_POOL_2D": "max_pool2d", "REDUCE_MAX": "reduce_max", "SUM": "sum", "MEAN": "mean",
              "LOGISTIC": "logistic", "RESIZE_BILINEAR": "resize_bilinear",
              "CONCATENATION": "concatenation", "TRANSPOSE_CONV": "transpose_conv",
              "BATCH_MATMUL": "batch_matmul", "PADV2": "pad_v2", "SPLIT_V": "split_v"}


def test_map_covers_required_ops():
    mapped = {info.op for info in TO.OPS.values()}
    assert sorted(set(REQUIRED) - mapped) == []


def test_spec_names():
    for builtin, op in SPEC_NAMES.items():
        assert TO.canonical_op(builtin) == op
        assert TO.OPS[builtin].op == op


def test_canonical_names_are_snake_case_and_unique():
    names = {}
    for code, builtin in TO.BUILTIN_NAMES.items():
        op = TO.canonical_op(builtin)
        assert re.fullmatch(r"[a-z][a-z0-9_]*", op), builtin
        assert names.setdefault(op, builtin) == builtin, f"{builtin} and {names[op]} both map to {op}"


def test_builtin_codes_match_litert():
    from ai_edge_litert import schema_py_generated as S
    theirs = {v: k for k, v in vars(S.BuiltinOperator).items() if not k.startswith("_")}
    for code, name in TO.BUILTIN_NAMES.items():
        if code in theirs:
            assert theirs[code] == name, code


def test_options_tables_exist_and_union_order_matches_litert():
    from ai_edge_litert import schema_py_generated as S
    theirs = {k: v for k, v in vars(S.BuiltinOptions).items() if not k.startswith("_")}
    for name, idx in TO.OPTION_TYPES.items():
        assert theirs[name] == idx, name
    for info in TO.OPS.values():
        assert info.options is None or info.options in TO.OPTION_TYPES, info


def test_option_defaults_match_generated_code():
    """OPTION_FIELDS defaults == what the generated readers return for an empty table."""
    import importlib

    import flatbuffers
    for table in TO.OPTION_FIELDS:
        mod = importlib.import_module(f"selbuild._generated.tflite.{table}")
        b = flatbuffers.Builder(64)
        getattr(mod, f"{table}Start")(b)
        b.Finish(getattr(mod, f"{table}End")(b))
        obj = getattr(mod, table).GetRootAs(bytes(b.Output()), 0)
        assert TO.read_options(table, obj) == TO.read_options(table, None), table


def _catalogue():
    return load_catalogue()


def test_every_catalogue_kernel_is_reachable_from_the_map():
    unreachable = [k for k in _catalogue().names() if k.split(".")[0] not in TO.canonical_ops()]
    assert unreachable == [], f"catalogue kernels no TFLite builtin maps to: {unreachable}"


def test_catalogue_dtypes_are_canonical():
    hybrid = {f"f32{w}" for w in ("i8", "u8", "i4")}
    requantize = {a + b for a in ("i8", "u8", "i16") for b in ("i8", "u8", "i16")}   # quantize.<in><out>
    # "any": control flow and resource variables (while.any, assign_variable.any) move every dtype
    bad = [k for k in _catalogue().names() if k.split(".")[1] not in set(ir.DTYPES) | hybrid | {"none", "any"}
           and not (k.startswith("quantize.") and k.split(".")[1] in requantize)]
    assert bad == []


def test_catalogue_f32_i8_kernels_are_claimed_by_the_map():
    claimed = TO.supported_kernels(("f32", "i8"))
    by_op = {info.op for info in TO.OPS.values()}
    unclaimed = [k for k in _catalogue().names()
                 if k.split(".")[0] in by_op and k.split(".")[1] in ("f32", "i8") and k not in claimed]
    assert unclaimed == [], f"catalogue has kernels the map does not claim: {unclaimed}"


def test_report_claimed_kernels_missing_from_catalogue():
    cat = _catalogue()
    missing = sorted(k for k in TO.supported_kernels(("f32", "i8")) if k not in cat)
    assert missing == [], f"the map claims kernels the catalogue lacks: {missing}"


def test_ops_command_lists_the_catalogue(capsys):
    import json

    from selbuild.cli import main
    with pytest.raises(SystemExit) as e:
        main(["ops", "--json"])
    out, _ = capsys.readouterr()
    assert e.value.code == 0
    rows = json.loads(out)["kernels"]
    cat = _catalogue()
    assert [r["kernel"] for r in rows] == cat.names()
    assert all(r["summary"] == cat[r["kernel"]].summary for r in rows)
    conv = [r for r in rows if r["kernel"].startswith("conv2d.")]
    assert conv and all(r["tflite"] == ["CONV_2D"] for r in conv)
    with pytest.raises(SystemExit) as e:
        main(["ops"])
    out, _ = capsys.readouterr()
    assert e.value.code == 0 and all(k in out for k in cat.names()[:3])
