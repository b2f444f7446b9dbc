"""Shape and data-movement ops against LiteRT: mirror_pad, tile, broadcast_to,
fill, reverse_v2, gather_nd (f32/i32/bool where LiteRT runs them), the int32
and bool variants of the copy movers, and the ops folded at conversion
(shape, rank, range, zeros_like, fill of constants). Exact comparisons: these
kernels only move elements."""

from __future__ import annotations

import numpy as np
import pytest

import harness as H
from selbuild.errors import RunError, UnsupportedError
from tflite_builder import Op, T, build_model, litert_shape

MOVERS = [f"{op}.{dt}" for op in ("tile", "broadcast_to", "fill", "reverse_v2") for dt in ("f32", "i32", "bool")]
MOVERS += [f"{op}.{dt}" for op in ("mirror_pad", "gather_nd") for dt in ("f32", "i32")]
MOVERS += [f"{op}.{dt}" for op in ("reshape", "squeeze", "expand_dims", "transpose", "slice", "strided_slice",
                                     "concatenation") for dt in ("i32", "bool")] + ["pack.i32"]
MOVERS += ["one_hot.f32", "one_hot.i32", "one_hot.bool", "embedding_lookup.f32", "scatter_nd.f32", "scatter_nd.i32"]
MOVERS += ["space_to_batch_nd.f32", "batch_to_space_nd.f32", "gather.i32", "gather.bool"]
rt = H.runtime_fixture(MOVERS + ["add.f32", "sum.f32", "conv2d.f32"])

NP = {"f32": np.float32, "i32": np.int32, "bool": np.bool_, "i64": np.int64}


def data(shape, dtype, seed=0):
    r = np.random.default_rng(seed)
    if dtype == "f32":
        return r.standard_normal(shape).astype(np.float32)
    if dtype == "bool":
        return r.integers(0, 2, shape).astype(np.bool_)
    return r.integers(-1000, 1000, shape).astype(NP[dtype])


def model(builtin, x_shape, dtype, consts=(), options=None, inputs=None, version=1):
    """One op on input `x`, with the output shape LiteRT infers."""
    def build(out):
        tensors = [T("x", list(x_shape), dtype)]
        tensors += [T(name, list(np.shape(a)), dt, data=a) for name, a, dt in consts]
        tensors.append(T("y", list(out), dtype))
        names = inputs or ["x"] + [c[0] for c in consts]
        return build_model(ops=[Op(builtin, names, ["y"], options=options, version=version)], tensors=tensors)
    return build([int(d) for d in litert_shape(build([1]))])


def i32(v):
    return np.asarray(v, np.int32)


# --------------------------------------------------------------------------- mirror_pad

MIRROR_CASES = [([3, 4], [[1, 2], [2, 3]]), ([1, 3, 4, 2], [[0, 0], [2, 2], [3, 1], [0, 1]]), ([5], [[0, 4]]),
                ([2, 2, 2, 2, 2, 2], [[1, 1]] * 6), ([4, 1], [[3, 0], [0, 0]])]


@pytest.mark.parametrize("mode", ["reflect", "symmetric"])
@pytest.mark.parametrize("shape,pads", MIRROR_CASES)
@pytest.mark.parametrize("dtype", ["f32", "i32"])
def test_mirror_pad(rt, mode, shape, pads, dtype):
    if mode == "reflect":   # REFLECT pads at most dim - 1
        pads = [[min(a, d - 1), min(b, d - 1)] for d, (a, b) in zip(shape, pads)]
    else:                   # SYMMETRIC at most dim: use the limit where it is larger
        pads = [[a + (a == d - 1), b] for d, (a, b) in zip(shape, pads)]
    m = model("MIRROR_PAD", shape, dtype, [("p", i32(pads), "i32")], {"mode": mode})
    H.check(rt, m, {"x": data(shape, dtype)}, exact=True)


@pytest.mark.parametrize("mode,pad", [("reflect", 3), ("symmetric", 4)])
def test_mirror_pad_beyond_the_edge_is_refused(mode, pad):
    shape = [3, 3]
    m = build_model(ops=[Op("MIRROR_PAD", ["x", "p"], ["y"], options={"mode": mode})],
                    tensors=[T("x", shape), T("p", [2, 2], "i32", data=i32([[pad, 0], [0, 0]])),
                             T("y", [3 + pad, 3])])
    with pytest.raises(UnsupportedError, match="exceeds"):
        H.convert_bytes(m)


# --------------------------------------------------------------------------- tile, broadcast_to

@pytest.mark.parametrize("shape,mult", [([3], [4]), ([2, 3], [3, 1]), ([1, 2, 3], [2, 2, 2]), ([2, 1, 2, 1, 2, 1],
                                                                                              [1, 2, 1, 3, 1, 2])])
@pytest.mark.parametrize("dtype", ["f32", "i32", "bool"])
def test_tile(rt, shape, mult, dtype):
    H.check(rt, model("TILE", shape, dtype, [("m", i32(mult), "i32")]), {"x": data(shape, dtype)}, exact=True)


@pytest.mark.parametrize("shape,to", [([3], [4, 3]), ([2, 1], [2, 5]), ([1], [2, 3, 4]), ([1, 3, 1], [2, 2, 3, 4]),
                                      ([2, 3], [2, 3])])
@pytest.mark.parametrize("dtype", ["f32", "i32", "bool"])
def test_broadcast_to(rt, shape, to, dtype):
    H.check(rt, model("BROADCAST_TO", shape, dtype, [("s", i32(to), "i32")], version=2), {"x": data(shape, dtype)}, exact=True)


# --------------------------------------------------------------------------- fill

@pytest.mark.parametrize("dtype", ["f32", "i32", "bool"])
@pytest.mark.parametrize("dims", [[1], [2, 3], [2, 1, 3, 2]])
def test_fill_with_a_runtime_value(rt, dtype, dims):
    m = build_model(ops=[Op("FILL", ["d", "x"], ["y"])],
                    tensors=[T("d", [len(dims)], "i32", data=i32(dims)), T("x", [], dtype), T("y", dims, dtype)],
                    inputs=["x"], outputs=["y"])
    ours = H.check(rt, m, {"x": data([], dtype, 5)}, exact=True)
    assert ours["y"].shape == tuple(dims)


def test_shape_and_fill_fold_to_a_constant_ones_like(rt):
    # ones_like(x) + x the way TF writes it: FILL(SHAPE(x), 1.0); both fold, only add runs
    shape = [2, 3, 4]
    m = build_model(ops=[Op("SHAPE", ["x"], ["s"], options={"out_type": "i32"}, options_table="ShapeOptions"), Op("FILL", ["s", "one"], ["o"]),
                         Op("ADD", ["x", "o"], ["y"])],
                    tensors=[T("x", shape), T("s", [3], "i32"), T("one", [], "f32", data=np.float32(1.0)),
                             T("o", shape), T("y", shape)], inputs=["x"], outputs=["y"])
    from selbuild.convert.pipeline import convert
    from selbuild.frontends import tflite
    assert convert(tflite.to_ir(tflite.parse_bytes(m, "t.tflite"))).kernels == ["add.f32"]
    H.check(rt, m, {"x": data(shape, "f32")})


def test_shape_feeds_a_runtime_fill(rt):
    # FILL(SHAPE(x), v) with v a model input: shape folds, fill.f32 runs
    shape = [3, 2]
    m = build_model(ops=[Op("SHAPE", ["x"], ["s"], options={"out_type": "i32"}, options_table="ShapeOptions"), Op("FILL", ["s", "v"], ["o"]),
                         Op("ADD", ["x", "o"], ["y"])],
                    tensors=[T("x", shape), T("v", []), T("s", [2], "i32"), T("o", shape), T("y", shape)],
                    inputs=["x", "v"], outputs=["y"])
    H.check(rt, m, {"x": data(shape, "f32"), "v": np.float32(-2.5)})


def test_rank_range_and_zeros_like_fold(rt):
    # sum over RANGE(0, RANK(x), 1) (every axis) of x + zeros_like(x)
    shape = [2, 3, 4]
    m = build_model(ops=[Op("RANK", ["x"], ["r"]), Op("RANGE", ["zero", "r", "step"], ["axes"]),
                         Op("ZEROS_LIKE", ["x"], ["z"]), Op("ADD", ["x", "z"], ["xz"]),
                         Op("SUM", ["xz", "axes"], ["y"], options={"keep_dims": False})],
                    tensors=[T("x", shape), T("r", [], "i32"), T("zero", [], "i32", data=np.int32(0)),
                             T("step", [], "i32", data=np.int32(1)), T("axes", [3], "i32"), T("z", shape),
                             T("xz", shape), T("y", [])], inputs=["x"], outputs=["y"])
    H.check(rt, m, {"x": data(shape, "f32")})


# --------------------------------------------------------------------------- reverse_v2

@pytest.mark.parametrize("shape,axes", [([5], [0]), ([3, 4], [-1]), ([2, 3, 4], [1, 2]), ([2, 3, 4, 5], [1])])
@pytest.mark.parametrize("dtype", ["f32", "i32", "bool"])
def test_reverse_v2(rt, shape, axes, dtype):
    H.check(rt, model("REVERSE_V2", shape, dtype, [("a", i32(axes), "i32")]), {"x": data(shape, dtype)}, exact=True)


# --------------------------------------------------------------------------- gather_nd

def gather_nd_model(ps, ishape, dtype, idx_dtype="i32"):
    out = list(ishape[:-1]) + list(ps[ishape[-1]:])
    return build_model(ops=[Op("GATHER_ND", ["p", "i"], ["y"])],
                       tensors=[T("p", ps, dtype), T("i", ishape, idx_dtype), T("y", out, dtype)])


def nd_indices(ps, ishape, idx_dtype, seed=1):
    r = np.random.default_rng(seed)
    k = ishape[-1]
    cols = [r.integers(0, ps[j], ishape[:-1] + [1]) for j in range(k)]
    return np.concatenate(cols, axis=-1).astype(NP[idx_dtype])


@pytest.mark.parametrize("ps,ishape", [([5, 3], [4, 1]), ([4, 3, 2], [2, 2]), ([4, 3, 2], [3, 2, 3]),
                                       ([6], [1]), ([2, 3, 4, 5], [7, 2])])
@pytest.mark.parametrize("dtype,idx_dtype", [("f32", "i32"), ("f32", "i64"), ("i32", "i32")])
def test_gather_nd(rt, ps, ishape, dtype, idx_dtype):
    H.check(rt, gather_nd_model(ps, ishape, dtype, idx_dtype),
            {"p": data(ps, dtype), "i": nd_indices(ps, ishape, idx_dtype)}, exact=True)


@pytest.mark.parametrize("bad", [[0, 3], [-1, 0], [4, 0], [1 << 30, 0]])
def test_gather_nd_out_of_range_index_fails_like_litert(rt, bad):
    m = gather_nd_model([4, 3, 2], [2, 2], "f32")
    feeds = {"p": data([4, 3, 2], "f32"), "i": i32([[1, 1], bad])}
    with pytest.raises(RuntimeError):
        H.litert(m, feeds)
    with pytest.raises(RunError):
        H.run_ours(rt, m, feeds)


# --------------------------------------------------------------------------- int32 / bool movers

@pytest.mark.parametrize("dtype", ["i32", "bool"])
def test_int_and_bool_copies_and_views(rt, dtype):
    x = data([2, 3, 4], dtype)
    cases = [("RESHAPE", [("s", i32([4, 6]), "i32")], None, [4, 6]),
             ("SQUEEZE", (), {"squeeze_dims": [0]}, [3, 4]),
             ("EXPAND_DIMS", [("a", i32(-1), "i32")], None, [2, 3, 4, 1]),
             ("TRANSPOSE", [("p", i32([2, 0, 1]), "i32")], None, [4, 2, 3]),
             ("SLICE", [("b", i32([0, 1, 1]), "i32"), ("z", i32([2, 2, -1]), "i32")], None, [2, 2, 3]),
             ("STRIDED_SLICE", [("b", i32([1, 0, 3]), "i32"), ("e", i32([2, 3, 0]), "i32"),
                                ("st", i32([1, 2, -1]), "i32")], {"begin_mask": 0, "end_mask": 2}, [1, 2, 3])]
    for builtin, consts, opts, out in cases:
        shape = [1, 3, 4] if builtin == "SQUEEZE" else [2, 3, 4]
        tensors = [T("x", shape, dtype)] + [T(nm, list(np.shape(a)), dt, data=a) for nm, a, dt in consts]
        m = build_model(ops=[Op(builtin, ["x"] + [c[0] for c in consts], ["y"], options=opts)],
                        tensors=tensors + [T("y", out, dtype)])
        H.check(rt, m, {"x": x[:1] if builtin == "SQUEEZE" else x}, exact=True)


@pytest.mark.parametrize("dtype", ["i32", "bool"])
@pytest.mark.parametrize("ps,ishape,axis,bd", [([5, 3], [4], 0, 0), ([2, 6, 3], [2, 2], -2, 0), ([2, 3, 4], [2, 5], 1, 1)])
def test_int_and_bool_gather(rt, dtype, ps, ishape, axis, bd):
    ax = axis % len(ps)
    out = ps[:ax] + ishape[bd:] + ps[ax + 1:]
    m = build_model(ops=[Op("GATHER", ["p", "i"], ["y"], options={"axis": axis, "batch_dims": bd})],
                    tensors=[T("p", ps, dtype), T("i", ishape, "i32"), T("y", out, dtype)])
    idx = np.random.default_rng(1).integers(0, ps[ax], ishape).astype(np.int32)
    H.check(rt, m, {"p": data(ps, dtype), "i": idx}, exact=True)
    idx.reshape(-1)[-1] = ps[ax]                  # one index past the end: the run fails, LiteRT's too
    with pytest.raises(RuntimeError):
        H.litert(m, {"p": data(ps, dtype), "i": idx})
    with pytest.raises(RunError):
        H.run_ours(rt, m, {"p": data(ps, dtype), "i": idx})


@pytest.mark.parametrize("builtin,dtype", [("CONCATENATION", "i32"), ("CONCATENATION", "bool"), ("PACK", "i32")])
def test_int_and_bool_joins(rt, builtin, dtype):
    shape = [2, 3]
    opts = {"axis": 1} if builtin == "CONCATENATION" else {"axis": 1, "values_count": 2}
    out = [2, 6] if builtin == "CONCATENATION" else [2, 2, 3]
    m = build_model(ops=[Op(builtin, ["a", "b"], ["y"], options=opts)],
                    tensors=[T("a", shape, dtype), T("b", shape, dtype), T("y", out, dtype)])
    H.check(rt, m, {"a": data(shape, dtype, 1), "b": data(shape, dtype, 2)}, exact=True)


# --------------------------------------------------------------------------- one_hot, embedding_lookup, scatter_nd

@pytest.mark.parametrize("ishape,depth,axis", [([5], 4, -1), ([2, 3], 5, 0), ([2, 3], 3, 1), ([3, 2], 4, -1)])
@pytest.mark.parametrize("dtype,idx_dtype", [("f32", "i32"), ("i32", "i32"), ("bool", "i32"), ("f32", "i64")])
def test_one_hot_out_of_range_indices_are_off_rows(rt, ishape, depth, axis, dtype, idx_dtype):
    on, off = {"f32": (2.5, -1.0), "i32": (7, -3), "bool": (True, False)}[dtype]
    out = list(ishape)
    out.insert(len(ishape) if axis == -1 else axis, depth)
    m = build_model(ops=[Op("ONE_HOT", ["i", "d", "on", "off"], ["y"], options={"axis": axis})],
                    tensors=[T("i", ishape, idx_dtype), T("d", [], "i32", data=np.int32(depth)),
                             T("on", [], dtype, data=np.asarray(on, NP[dtype])),
                             T("off", [], dtype, data=np.asarray(off, NP[dtype])), T("y", out, dtype)],
                    inputs=["i"], outputs=["y"])
    # indices include -1, depth and a huge value: LiteRT gives all-off rows there
    idx = np.random.default_rng(2).integers(-1, depth + 1, ishape).astype(NP[idx_dtype])
    idx.reshape(-1)[0] = 1 << 30
    H.check(rt, m, {"i": idx}, exact=True)


def embedding_model(n_ids, ps):
    return build_model(ops=[Op("EMBEDDING_LOOKUP", ["i", "p"], ["y"])],
                       tensors=[T("i", [n_ids], "i32"), T("p", ps), T("y", [n_ids] + ps[1:])])


@pytest.mark.parametrize("n_ids,ps", [(4, [6, 3]), (1, [2, 2, 5]), (7, [3, 1])])
def test_embedding_lookup(rt, n_ids, ps):
    ids = np.random.default_rng(3).integers(0, ps[0], [n_ids]).astype(np.int32)
    H.check(rt, embedding_model(n_ids, ps), {"i": ids, "p": data(ps, "f32")}, exact=True)


@pytest.mark.parametrize("bad", [-1, 6, 1 << 31 - 1])
def test_embedding_lookup_out_of_range_id_fails_like_litert(rt, bad):
    feeds = {"i": i32([0, bad, 2]), "p": data([6, 3], "f32")}
    with pytest.raises(RuntimeError):
        H.litert(embedding_model(3, [6, 3]), feeds)
    with pytest.raises(RunError):
        H.run_ours(rt, embedding_model(3, [6, 3]), feeds)


def scatter_model(ishape, out, dtype, idx_dtype="i32"):
    upd = ishape[:-1] + out[ishape[-1]:]
    return build_model(ops=[Op("SCATTER_ND", ["i", "u", "s"], ["y"])],
                       tensors=[T("i", ishape, idx_dtype), T("u", upd, dtype),
                                T("s", [len(out)], idx_dtype, data=np.asarray(out, NP[idx_dtype])), T("y", out, dtype)],
                       inputs=["i", "u"], outputs=["y"])


@pytest.mark.parametrize("ishape,out", [([4, 1], [8]), ([3, 1], [4, 3]), ([2, 3, 2], [4, 3, 2]), ([5, 2], [3, 3])])
@pytest.mark.parametrize("dtype,idx_dtype", [("f32", "i32"), ("i32", "i32")])
def test_scatter_nd_sums_duplicates(rt, ishape, out, dtype, idx_dtype):
    r = np.random.default_rng(4)
    k = ishape[-1]
    idx = np.stack([r.integers(0, out[j], ishape[:-1]) for j in range(k)], axis=-1).astype(NP[idx_dtype])
    idx.reshape(-1, k)[-1] = idx.reshape(-1, k)[0]          # a duplicate: the updates add
    upd = data(ishape[:-1] + out[k:], dtype, 5)
    H.check(rt, scatter_model(ishape, out, dtype, idx_dtype), {"i": idx, "u": upd}, exact=dtype != "f32")


@pytest.mark.parametrize("bad", [[0, 3], [-1, 0], [3, 0]])
def test_scatter_nd_out_of_range_index_fails_like_litert(rt, bad):
    m = scatter_model([2, 2], [3, 3], "f32")
    feeds = {"i": i32([[1, 1], bad]), "u": data([2], "f32")}
    with pytest.raises(RuntimeError):
        H.litert(m, feeds)
    with pytest.raises(RunError):
        H.run_ours(rt, m, feeds)


# --------------------------------------------------------------------------- space_to_batch_nd, batch_to_space_nd

@pytest.mark.parametrize("shape,block,pads", [([1, 4, 4, 3], [2, 2], [[0, 0], [0, 0]]),
                                              ([2, 5, 3, 2], [2, 3], [[1, 2], [2, 1]]),
                                              ([1, 7, 2], [4], [[1, 0]]), ([3, 2, 2, 1], [1, 1], [[0, 0], [0, 0]]),
                                              ([1, 3, 5, 2], [3, 2], [[0, 3], [1, 0]])])
def test_space_to_batch_nd(rt, shape, block, pads):
    m = model("SPACE_TO_BATCH_ND", shape, "f32", [("b", i32(block), "i32"), ("p", i32(pads), "i32")])
    H.check(rt, m, {"x": data(shape, "f32")}, exact=True)


@pytest.mark.parametrize("shape,block,crops", [([4, 2, 2, 3], [2, 2], [[0, 0], [0, 0]]),
                                               ([12, 2, 2, 2], [2, 3], [[1, 2], [2, 1]]),
                                               ([4, 2, 3], [4], [[1, 2]]), ([6, 3, 2, 1], [3, 2], [[0, 2], [1, 0]])])
def test_batch_to_space_nd(rt, shape, block, crops):
    m = model("BATCH_TO_SPACE_ND", shape, "f32", [("b", i32(block), "i32"), ("c", i32(crops), "i32")])
    H.check(rt, m, {"x": data(shape, "f32")}, exact=True)


def test_dilated_conv_pattern(rt):
    # how TF writes a dilation-2 convolution: space_to_batch, conv, batch_to_space
    w = data([4, 3, 3, 2], "f32", 7)
    m = build_model(ops=[Op("SPACE_TO_BATCH_ND", ["x", "b", "p"], ["s"]),
                         Op("CONV_2D", ["s", "w", "bias"], ["c"], options={"padding": "valid", "stride_w": 1,
                                                                            "stride_h": 1}),
                         Op("BATCH_TO_SPACE_ND", ["c", "b", "cr"], ["y"])],
                    tensors=[T("x", [1, 8, 8, 2]), T("b", [2], "i32", data=i32([2, 2])),
                             T("p", [2, 2], "i32", data=i32([[2, 2], [2, 2]])), T("s", [4, 6, 6, 2]),
                             T("w", [4, 3, 3, 2], data=w), T("bias", [4], data=np.zeros(4, np.float32)),
                             T("c", [4, 4, 4, 4]), T("cr", [2, 2], "i32", data=i32([[0, 0], [0, 0]])),
                             T("y", [1, 8, 8, 4])], inputs=["x"], outputs=["y"])
    H.check(rt, m, {"x": data([1, 8, 8, 2], "f32")})


# --------------------------------------------------------------------------- torch.export

rt_torch = H.runtime_fixture(["tile.f32", "reverse_v2.f32", "mirror_pad.f32", "broadcast_to.f32", "reshape.f32",
                              "add.f32", "mul.f32", "conv2d.f32", "transpose.f32", "slice.f32"])


@pytest.mark.parametrize("which", ["repeat", "repeat_new_dims", "flip", "flip_after_conv", "reflection_pad1d",
                                   "reflection_pad2d", "expand", "full_like"])
def test_torch_movers_match_torch(rt_torch, which):
    torch = pytest.importorskip("torch")
    from selbuild import torch_api, verify
    from selbuild.convert.pipeline import convert

    conv = torch.nn.Conv2d(3, 4, 3, padding=1)
    fns = {"repeat": lambda x: x.repeat(2, 1, 3) * 2.0, "repeat_new_dims": lambda x: x.repeat(2, 1, 1, 2) + 1.0,
           "flip": lambda x: torch.flip(x, [0, 2]) + x,
           "flip_after_conv": lambda x: torch.flip(conv(x.reshape(1, 3, 2, 4)), [1, 3]),
           "reflection_pad1d": lambda x: torch.nn.functional.pad(x, (3, 2), mode="reflect"),
           "reflection_pad2d": lambda x: torch.nn.functional.pad(x.reshape(1, 3, 2, 4), (1, 3, 1, 0), mode="reflect"),
           "expand": lambda x: x[:, :1, :].expand(3, 5, 4) * 3.0,
           "full_like": lambda x: (x + torch.ones_like(x) * torch.arange(4.0) + torch.zeros_like(x)
                                   + torch.full_like(x, 2.0) + torch.full((2, 4), 0.5))}
    wanted = {"repeat": "tile.f32", "repeat_new_dims": "tile.f32", "flip": "reverse_v2.f32",
              "flip_after_conv": "reverse_v2.f32", "reflection_pad1d": "mirror_pad.f32",
              "reflection_pad2d": "mirror_pad.f32", "expand": "broadcast_to.f32", "full_like": "add.f32"}

    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = conv

        def forward(self, x):
            return fns[which](x)

    x = torch.from_numpy(data([3, 2, 4], "f32"))
    result = convert(torch_api.to_ir(M().eval(), (x,), which))
    assert wanted[which] in result.kernels
    with torch.no_grad():
        ref = M().eval()(x).numpy()
    (ours,) = verify.run_program(rt_torch / "manifest.json", result.program, {"x": x.numpy()}).values()
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-5)


def test_fuzz_seed_models_convert_and_match_litert(rt):
    # the loader fuzzers' mover seeds (tests/mover_models.py) are valid models with valid inputs
    from mover_models import small_mover_models
    from selbuild.convert import read_program
    for name, m in small_mover_models().items():
        info = read_program(H.convert_bytes(m))
        feeds = {t.name: np.zeros(t.shape, M_NP[t.dtype]) for t in info.inputs}
        H.check(rt, m, feeds, exact=True)


M_NP = {"f32": np.float32, "i32": np.int32, "i64": np.int64, "bool": np.bool_}


def test_analyze_calls_folded_shape_ops_supported(tmp_path, capsys):
    # SHAPE/RANK/RANGE/ZEROS_LIKE have no kernel; analyze asks the converter, which folds them
    import json
    from selbuild.cli import main
    shape = [2, 3, 4]
    m = build_model(ops=[Op("RANK", ["x"], ["r"]), Op("RANGE", ["zero", "r", "step"], ["axes"]),
                         Op("ZEROS_LIKE", ["x"], ["z"]), Op("ADD", ["x", "z"], ["xz"]),
                         Op("SUM", ["xz", "axes"], ["s"], options={"keep_dims": False}),
                         Op("SHAPE", ["x"], ["sh"], options={"out_type": "i32"}, options_table="ShapeOptions"),
                         Op("FILL", ["sh", "s"], ["y"])],
                    tensors=[T("x", shape), T("r", [], "i32"), T("zero", [], "i32", data=np.int32(0)),
                             T("step", [], "i32", data=np.int32(1)), T("axes", [3], "i32"), T("z", shape),
                             T("xz", shape), T("s", []), T("sh", [3], "i32"), T("y", shape)],
                    inputs=["x"], outputs=["y"])
    p = tmp_path / "folded.tflite"
    p.write_bytes(m)
    with pytest.raises(SystemExit) as e:
        main(["analyze", "--json", str(p)])
    assert e.value.code == 0
    got = json.loads(capsys.readouterr().out)["models"][0]
    assert got["unsupported"] == [] and all(u["supported"] for u in got["ops"])
    assert {u["op"] for u in got["ops"]} >= {"shape.f32", "rank.f32", "range.i32", "zeros_like.f32", "fill.f32"}
    # and it runs with only the kernels left after folding: y = fill(shape(x), sum(x))
    H.check(H.build_runtime(tmp_path / "rt", ["add.f32", "sum.f32", "fill.f32"]), m, {"x": data(shape, "f32")})


# --------------------------------------------------------------------------- int8 movers

rt_i8 = H.runtime_fixture(["mirror_pad.i8", "tile.i8", "broadcast_to.i8", "reverse_v2.i8", "gather_nd.i8"])


def _q(name, shape, data=None):
    from tflite_builder import qt
    return qt(name, shape, 0.05, 3, data=data)


@pytest.mark.parametrize("case", ["mirror_pad_reflect", "mirror_pad_symmetric", "tile", "broadcast_to", "reverse_v2",
                                  "gather_nd"])
def test_int8_movers_keep_values_and_quantization(rt_i8, case):
    x = H.rand_i8([3, 4, 2], 9)
    consts = {"mirror_pad_reflect": ("MIRROR_PAD", i32([[2, 1], [0, 3], [1, 1]]), [6, 7, 4], {"mode": "reflect"}, 1),
              "mirror_pad_symmetric": ("MIRROR_PAD", i32([[3, 0], [4, 1], [0, 2]]), [6, 9, 4], {"mode": "symmetric"},
                                       1),
              "tile": ("TILE", i32([2, 1, 3]), [6, 4, 6], None, 1),
              "broadcast_to": ("BROADCAST_TO", i32([2, 3, 4, 2]), [2, 3, 4, 2], None, 2),
              "reverse_v2": ("REVERSE_V2", i32([-1]), [3, 4, 2], None, 1)}
    if case == "gather_nd":
        m = build_model(ops=[Op("GATHER_ND", ["x", "i"], ["y"])],
                        tensors=[_q("x", [3, 4, 2]), T("i", [5, 2], "i32"), _q("y", [5, 2])])
        feeds = {"x": x, "i": nd_indices([3, 4, 2], [5, 2], "i32")}
    else:
        builtin, c, out, opts, version = consts[case]
        m = build_model(ops=[Op(builtin, ["x", "c"], ["y"], options=opts, version=version)],
                        tensors=[_q("x", [3, 4, 2]), T("c", list(c.shape), "i32", data=c), _q("y", out)])
        feeds = {"x": x}
    H.check(rt_i8, m, feeds, exact=True)


def test_int8_mover_with_a_rescale_is_refused():
    from tflite_builder import qt
    m = build_model(ops=[Op("TILE", ["x", "c"], ["y"])],
                    tensors=[_q("x", [2, 3]), T("c", [2], "i32", data=i32([2, 1])), qt("y", [4, 3], 0.1, 3)])
    with pytest.raises(UnsupportedError, match="quantization differ"):
        H.convert_bytes(m)
