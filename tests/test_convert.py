"""The converter pipeline on small hand-built IR graphs (no frontend needed)."""

from __future__ import annotations

import numpy as np
import pytest

from selbuild import ir
from selbuild.convert import convert, read_program
from selbuild.convert import registry
from selbuild.errors import SelbuildError, UnsupportedError

T = ir.Tensor


def add_node(a: int, b: int, out: int, act: str = "none") -> ir.Node:
    return ir.Node("add", [a, b], [out], {"activation": act}, "ADD", "f32")


def model(tensors, nodes, inputs, outputs, path="tiny.tflite") -> ir.Model:
    return ir.Model(path, "tflite", [ir.Graph("main", tensors, nodes, inputs, outputs)])


def chain_model(n_adds: int = 3) -> ir.Model:
    ts = [T("x", (1, 8, 8, 4), "f32"), T("bias", (4,), "f32", data=np.linspace(-1, 1, 4, dtype=np.float32))]
    nodes = []
    prev = 0
    for k in range(n_adds):
        ts.append(T(f"h{k}", (1, 8, 8, 4), "f32"))
        nodes.append(add_node(prev, 1, len(ts) - 1, "relu" if k % 2 else "none"))
        prev = len(ts) - 1
    return model(ts, nodes, [0], [prev])


def test_add_chain_converts() -> None:
    r = convert(chain_model(3))
    info = read_program(r.program)
    assert r.kernels == ["add.f32"] and info.kernels == ["add.f32"]
    assert r.stats.nodes_out == 3 and r.stats.kernel_counts == {"add.f32": 3}
    # 1x8x8x4 f32 = 1024 bytes; the input keeps its own buffer for the whole run
    # and the chain ping-pongs between two more.
    assert r.arena_lower_bound == 3072 and r.arena_size == 3072
    assert info.arena_size == r.arena_size
    assert [t.name for t in info.inputs] == ["x"] and [t.name for t in info.outputs] == ["h2"]
    assert info.metadata["source"] == "tiny.tflite"
    assert info.metadata["selbuild_version"]
    acts = [n.fparams for n in info.nodes]
    assert acts[1][0] == 0.0 and acts[0][0] < -1e38


def test_same_model_same_bytes() -> None:
    assert convert(chain_model(4)).program == convert(chain_model(4)).program


def test_frontend_model_is_not_modified() -> None:
    m = chain_model(2)
    f16 = T("c16", (4,), "f16", data=np.array([1, 2, 3, 4], np.float16))
    g = m.main
    g.tensors += [f16, T("c32", (4,), "f32")]
    g.nodes.insert(0, ir.Node("dequantize", [len(g.tensors) - 2], [len(g.tensors) - 1], {}, "DEQUANTIZE", "f16"))
    g.nodes[1].inputs[1] = len(g.tensors) - 1
    n_nodes, c32 = len(g.nodes), g.tensors[-1]
    convert(m)
    assert len(g.nodes) == n_nodes and g.tensors[-1] is c32 and c32.data is None


def test_dequantize_of_f16_constant_is_folded_exactly() -> None:
    vals = np.array([0.1, -2.5, 65504, 6e-8], np.float16)
    ts = [T("x", (2, 4), "f32"), T("w16", (4,), "f16", data=vals), T("w", (4,), "f32"), T("y", (2, 4), "f32")]
    nodes = [ir.Node("dequantize", [1], [2], {}, "DEQUANTIZE", "f16"), add_node(0, 2, 3)]
    r = convert(model(ts, nodes, [0], [3]), kernels={"add.f32"})
    info = read_program(r.program)
    assert r.kernels == ["add.f32"] and r.stats.folded_nodes == 1
    const = [t for t in info.tensors if t.buffer >= 0]
    assert len(const) == 1 and const[0].dtype == "f32" and const[0].name == "w"
    off, n = info.buffer_offsets[const[0].buffer]
    got = np.frombuffer(r.program[off:off + n], "<f4")
    np.testing.assert_array_equal(got, vals.astype(np.float32))


def test_dequantize_of_per_channel_int8_constant_is_folded() -> None:
    q = np.array([[-128, 0, 5], [127, -1, 3]], np.int8)
    quant = ir.Quant(np.array([0.5, 0.25], np.float32), np.array([0, 1]), axis=0)
    ts = [T("x", (2, 3), "f32"), T("w8", (2, 3), "i8", data=q, quant=quant), T("w", (2, 3), "f32"),
          T("y", (2, 3), "f32")]
    nodes = [ir.Node("dequantize", [1], [2], {}, "DEQUANTIZE", "i8"), add_node(0, 2, 3)]
    r = convert(model(ts, nodes, [0], [3]))
    info = read_program(r.program)
    (w,) = [t for t in info.tensors if t.buffer >= 0]
    off, n = info.buffer_offsets[w.buffer]
    got = np.frombuffer(r.program[off:off + n], "<f4").reshape(2, 3)
    expect = (q.astype(np.float32) - np.array([[0], [1]], np.float32)) * np.array([[0.5], [0.25]], np.float32)
    np.testing.assert_array_equal(got, expect)


def test_dead_nodes_are_removed() -> None:
    ts = [T("x", (4,), "f32"), T("a", (4,), "f32"), T("dead", (4,), "f32"), T("dead2", (4,), "f32")]
    nodes = [add_node(0, 0, 1), add_node(0, 1, 2), add_node(2, 2, 3)]
    r = convert(model(ts, nodes, [0], [1]))
    info = read_program(r.program)
    assert r.stats.removed_nodes == 2 and len(info.nodes) == 1
    assert {t.name for t in info.tensors} == {"x", "a"}


def test_control_flow_is_rejected_by_name() -> None:
    ts = [T("x", (4,), "f32"), T("y", (4,), "f32")]
    nodes = [ir.Node("while", [0], [1], {}, "WHILE", "")]
    with pytest.raises(UnsupportedError) as e:
        convert(model(ts, nodes, [0], [1], path="models/lstm_f32.tflite"))
    assert "WHILE" in e.value.message and "lstm_f32.tflite" in e.value.message


def test_shape_mismatch_names_node_and_shapes() -> None:
    ts = [T("x", (2, 3), "f32"), T("b", (3,), "f32", data=np.ones(3, np.float32)), T("y", (3, 2), "f32")]
    with pytest.raises(SelbuildError) as e:
        convert(model(ts, [add_node(0, 1, 2)], [0], [2]))
    msg = e.value.message
    assert "add" in msg and "'y'" in msg and "[2, 3]" in msg and "[3, 2]" in msg


def test_missing_kernels_are_all_listed() -> None:
    ts = [T("x", (4,), "f32"), T("a", (4,), "f32"), T("b", (4,), "f32"), T("c", (4,), "f32")]
    nodes = [add_node(0, 0, 1), ir.Node("tanh", [1], [2], {}, "TANH", "f32"),
             ir.Node("frobnicate", [2], [3], {}, "CUSTOM", "f32")]
    with pytest.raises(UnsupportedError) as e:
        convert(model(ts, nodes, [0], [3]), kernels={"add.f32"})
    assert "tanh.f32" in e.value.message and "frobnicate.f32" in e.value.message
    assert "add.f32" not in e.value.message


def test_unlowerable_ops_are_all_listed() -> None:
    ts = [T("x", (4,), "f32"), T("a", (4,), "f32"), T("b", (4,), "f32")]
    nodes = [ir.Node("frobnicate", [0], [1], {}, "CUSTOM", "f32"), ir.Node("twiddle", [1], [2], {}, "CUSTOM", "f32")]
    assert registry.shape_fn("frobnicate") is None
    with pytest.raises(UnsupportedError) as e:
        convert(model(ts, nodes, [0], [2]))
    assert "frobnicate" in e.value.message and "twiddle" in e.value.message


def test_unsupported_fused_activation() -> None:
    ts = [T("x", (4,), "f32"), T("y", (4,), "f32")]
    with pytest.raises(UnsupportedError, match="tanh"):
        convert(model(ts, [add_node(0, 0, 1, act="tanh")], [0], [1]))


def test_out_of_order_graph_is_rejected() -> None:
    ts = [T("x", (4,), "f32"), T("a", (4,), "f32"), T("b", (4,), "f32")]
    nodes = [add_node(1, 0, 2), add_node(0, 0, 1)]
    with pytest.raises(SelbuildError, match="before any node"):
        convert(model(ts, nodes, [0], [2]))


def test_graph_inputs_outputs_and_multiple_outputs_keep_order() -> None:
    ts = [T("in_b", (3,), "f32"), T("in_a", (3,), "f32"), T("o1", (3,), "f32"), T("o2", (3,), "f32")]
    nodes = [add_node(0, 1, 2), add_node(2, 1, 3)]
    info = read_program(convert(model(ts, nodes, [1, 0], [3, 2])).program)
    assert [t.name for t in info.inputs] == ["in_a", "in_b"]
    assert [t.name for t in info.outputs] == ["o2", "o1"]
    # in_a and both outputs are live at the last step; in_b dies at step 0
    # and may be reused by o2.
    by_name = {t.name: t.arena_offset for t in info.tensors}
    assert len({by_name["in_a"], by_name["o1"], by_name["o2"]}) == 3
