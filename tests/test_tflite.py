"""The TFLite frontend against independent readers of the same files.

Expectations come from LiteRT: its interpreter (`_get_ops_details`,
`get_*_details`, `get_tensor`) for subgraph 0, its own generated schema reader
(`ai_edge_litert.schema_py_generated`) for every subgraph including
control-flow bodies, and its model analyzer's text for op names per subgraph.
The canonical names and the dtype rule are re-derived here from the
specification, not imported from selbuild.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from ai_edge_litert import schema_py_generated as S

from conftest import tflite_model_paths
from selbuild.frontends import tflite

MODELS = tflite_model_paths()
IDS = [p.name for p in MODELS]
SMALL = [p for p in MODELS if p.stat().st_size < 200_000]

BUILTIN = {v: k for k, v in vars(S.BuiltinOperator).items() if not k.startswith("_")}
TTYPE = {v: k for k, v in vars(S.TensorType).items() if not k.startswith("_")}
DTYPE = {"FLOAT32": "f32", "FLOAT16": "f16", "INT8": "i8", "UINT8": "u8", "INT16": "i16",
         "INT32": "i32", "INT64": "i64", "BOOL": "bool", "FLOAT64": "f64", "STRING": "str",
         "RESOURCE": "resource", "VARIANT": "variant"}
NP_DTYPE = {np.float32: "f32", np.int8: "i8", np.uint8: "u8", np.int16: "i16", np.int32: "i32",
            np.int64: "i64", np.float16: "f16", np.bool_: "bool"}
# The spec's exceptions to lowercasing the builtin name.
NAMES = {"CONV_2D": "conv2d", "DEPTHWISE_CONV_2D": "depthwise_conv2d",
         "AVERAGE_POOL_2D": "average_pool2d", "MAX_POOL_2D": "max_pool2d"}
HYBRID = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "BATCH_MATMUL", "LSTM",
          "UNIDIRECTIONAL_SEQUENCE_LSTM", "BIDIRECTIONAL_SEQUENCE_LSTM"}


@lru_cache(maxsize=None)
def litert_model(path: Path):
    return S.ModelT.InitFromPackedBuf(path.read_bytes(), 0)


def litert_op_name(model, op) -> tuple[str, int]:
    oc = model.operatorCodes[op.opcodeIndex]
    code = max(oc.builtinCode, oc.deprecatedBuiltinCode)
    return BUILTIN[code], oc.version


def expected_kernel(model, sg, op) -> str:
    """<op>.<dtype> by the spec, computed from LiteRT's view of the tensors."""
    name, _ = litert_op_name(model, op)
    t = lambda i: DTYPE[TTYPE[sg.tensors[i].type]]  # noqa: E731
    ins = [int(i) for i in op.inputs]
    if name in ("WHILE", "IF", "CALL_ONCE", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE"):
        dtype = "any"   # one kernel whatever the values' dtypes
    elif name == "QUANTIZE":
        dtype = t(int(op.outputs[0]))
    elif name == "SPLIT":
        dtype = t(ins[1])
    else:
        dtype = t(ins[0])
    if name in HYBRID and dtype == "f32":
        consts = [i for i in ins[1:] if i >= 0 and t(i) == "i8" and sg.tensors[i].buffer
                  and model.buffers[sg.tensors[i].buffer].data is not None]
        if consts:
            dtype = "f32i8"
    return f"{NAMES.get(name, name.lower())}.{dtype}"


@lru_cache(maxsize=None)
def ours(path: Path):
    return tflite.parse_bytes(path.read_bytes(), str(path))


def interpreter(path: Path):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        it = Interpreter(model_path=str(path), experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    it.allocate_tensors()
    return it


@pytest.mark.parametrize("path", MODELS, ids=IDS)
def test_every_subgraph_matches_litert_schema_reader(path):
    want_model = litert_model(path)
    raw = ours(path)
    assert len(raw.graphs) == len(want_model.subgraphs)
    for g, sg in zip(raw.graphs, want_model.subgraphs):
        assert len(g.ops) == len(sg.operators)
        assert g.inputs == list(sg.inputs) and g.outputs == list(sg.outputs)
        for op, wop in zip(g.ops, sg.operators):
            name, version = litert_op_name(want_model, wop)
            assert (op.builtin, op.version) == (name, version)
            assert op.inputs == [int(i) for i in wop.inputs]
            assert op.outputs == [int(i) for i in wop.outputs]
        for t, wt in zip(g.tensors, sg.tensors):
            assert t.name == wt.name.decode()
            assert list(t.shape) == ([] if wt.shape is None else list(wt.shape))
            assert t.dtype == DTYPE[TTYPE[wt.type]]


@pytest.mark.parametrize("path", MODELS, ids=IDS)
def test_summary_ops_counts_versions_dtypes(path):
    m = litert_model(path)
    want = Counter()
    for sg in m.subgraphs:
        for op in sg.operators:
            name, version = litert_op_name(m, op)
            want[(expected_kernel(m, sg, op), name, version)] += 1
    got = {(u.op, u.source_op, u.version): u.count for u in tflite.summarize(path).ops}
    assert got == dict(want)


@pytest.mark.parametrize("path", MODELS, ids=IDS)
def test_main_graph_matches_interpreter(path):
    it = interpreter(path)
    graph = tflite.load(path).main
    details = it._get_ops_details()
    assert [d["op_name"] for d in details] == [n.source_op for n in graph.nodes]
    for d, node in zip(details, graph.nodes):
        assert list(d["inputs"]) == node.inputs
        # The interpreter drops WHILE outputs nobody reads (-1); the file keeps them.
        assert [o for o in d["outputs"] if o != -1] == [o for o, w in zip(node.outputs, d["outputs"]) if w != -1]
        types = [NP_DTYPE[t] for t in d["operand_types"]]
        if d["op_name"] in ("WHILE", "IF", "CALL_ONCE", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE"):
            assert node.dtype == "any"
        elif d["op_name"] in ("SPLIT",):
            assert node.dtype == types[1]
        elif d["op_name"] == "QUANTIZE":
            assert node.dtype == NP_DTYPE[d["result_types"][0]]
        elif node.dtype == "f32i8":
            assert types[0] == "f32" and "i8" in types[1:]
        else:
            assert node.dtype == types[0]


@pytest.mark.parametrize("path", MODELS, ids=IDS)
def test_io_signature_matches_interpreter(path):
    it = interpreter(path)
    s = tflite.summarize(path)
    for got, want in ((s.inputs, it.get_input_details()), (s.outputs, it.get_output_details())):
        assert [(i.name, i.shape, i.dtype) for i in got] == \
               [(d["name"], [int(x) for x in d["shape"]], NP_DTYPE[d["dtype"]]) for d in want]


@pytest.mark.parametrize("path", MODELS, ids=IDS)
def test_tensors_and_quantization_match_interpreter(path):
    it = interpreter(path)
    tensors = tflite.load(path).main.tensors
    # The interpreter appends its own scratch tensors after the file's.
    details = [d for d in it.get_tensor_details() if d["index"] < len(litert_model(path).subgraphs[0].tensors)]
    assert len(details) > 0
    for d in details:
        t = tensors[d["index"]]
        assert (t.name, list(t.shape)) == (d["name"], [int(x) for x in d["shape"]])
        assert t.dtype == NP_DTYPE[d["dtype"]]
        q = d["quantization_parameters"]
        if t.quant is None:
            assert q["scales"].size == 0
        else:
            np.testing.assert_array_equal(t.quant.scale, q["scales"])
            np.testing.assert_array_equal(t.quant.zero_point, q["zero_points"])
            assert t.quant.axis == q["quantized_dimension"]


@pytest.mark.parametrize("path", SMALL, ids=[p.name for p in SMALL])
def test_constant_data_matches_interpreter(path):
    it = interpreter(path)
    m = litert_model(path)
    graph = tflite.load(path).main
    n_const = 0
    for i, wt in enumerate(m.subgraphs[0].tensors):
        has_data = wt.buffer and m.buffers[wt.buffer].data is not None and not wt.isVariable
        assert graph.tensors[i].is_const == bool(has_data)
        if has_data:
            np.testing.assert_array_equal(graph.tensors[i].data, it.get_tensor(i))
            assert graph.tensors[i].data.dtype == it.get_tensor(i).dtype
            n_const += 1
    assert n_const > 0


def _snake(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", camel).lower()


ENUMS = {"padding": ("same", "valid"), "weights_format": ("default", "shuffled4x16int8"),
         "fused_activation_function": ("none", "relu", "relu_n1_to_1", "relu6", "tanh", "sign_bit")}
RENAME = {"fused_activation_function": "activation", "dilation_w_factor": "dilation_w",
          "dilation_h_factor": "dilation_h"}


@pytest.mark.parametrize("path", MODELS, ids=IDS)
def test_attrs_match_litert_options(path):
    m = litert_model(path)
    model = tflite.load(path)
    checked = 0
    for g, sg in zip(model.graphs, m.subgraphs):
        for node, wop in zip(g.nodes, sg.operators):
            if wop.builtinOptions is None:
                continue
            for camel, value in vars(wop.builtinOptions).items():
                field = _snake(camel)
                key = RENAME.get(field, field)
                if key not in node.attrs:
                    continue   # fields beyond what selbuild reads (e.g. newer schema)
                if field in ENUMS:
                    value = ENUMS[field][value]
                elif isinstance(value, np.ndarray):
                    value = [int(v) for v in value]
                elif field == "quantized_bias_type":
                    value = None if value == 0 else DTYPE[TTYPE[value]]
                elif isinstance(value, float):
                    value = pytest.approx(value)
                assert node.attrs[key] == value, (node.source_op, key)
                checked += 1
    assert checked > 0


def _analyzer_ops(path: Path) -> list[list[str]]:
    from ai_edge_litert import _pywrap_analyzer_wrapper as A
    text = A.ModelAnalyzer(str(path), True, False)
    per: list[list[str]] = []
    for line in text.splitlines():
        if re.match(r"^Subgraph#\d+ ", line):
            per.append([])
        elif (mo := re.match(r"^\s+Op#\d+ ([A-Z0-9_]+)\(", line)) and per:
            per[-1].append(mo.group(1))
    return per


@pytest.mark.parametrize("path", [p for p in MODELS if "lstm_f32" in p.name or "gru_f32" in p.name],
                         ids=lambda p: p.name)
def test_control_flow_bodies_match_litert_analyzer(path):
    model = tflite.load(path)
    assert [[n.source_op for n in g.nodes] for g in model.graphs] == _analyzer_ops(path)
    whiles = [n for g in model.graphs for n in g.nodes if n.op == "while"]
    assert whiles
    for n in whiles:
        cond, body = n.attrs["cond_subgraph_index"], n.attrs["body_subgraph_index"]
        assert 0 < cond < len(model.graphs) and 0 < body < len(model.graphs) and cond != body
        # The body takes and returns as many values as the WHILE node.
        assert len(model.graphs[body].inputs) == len(n.inputs) == len(model.graphs[body].outputs)
