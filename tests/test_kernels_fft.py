"""rfft2d.f32 (RFFT2D fused with the COMPLEX_ABS / REAL / IMAG reading its
complex64 result, convert/ops/fft.py) against LiteRT's default kernels, floats
within 1e-4 x max(1, |ref|): shapes [1, 1, 512], [3, 4, 16], [2, 8, 64] with
fft_length equal to the input's last two dims, larger (zero-padded), smaller
(cropped) and mixed; one RFFT2D read by all three readers; the STFT forms
(a RESHAPE of the complex result before COMPLEX_ABS, and EXPAND_DIMS -> RFFT2D
-> SQUEEZE -> COMPLEX_ABS as TF's converter writes tf.signal.rfft). Refusals:
a complex graph output, another reader of the complex tensor, a run-time or
non-power-of-two fft_length. Hostile programs: every iparam and tensor shape edited, under
ASan+UBSan. `CASES` also run in one android-armv7 and one android-arm64
size-profile library under qemu."""

from __future__ import annotations

import numpy as np
import pytest

import harness as H
from program_edits import UNSUPPORTED, assert_edits_rejected_or_safe, rebuild, run_batch
from selbuild.catalogue import load_catalogue
from selbuild.convert import read_program
from selbuild.errors import UnsupportedError
from tflite_builder import Op, T, build_model

KERNELS = ["rfft2d.f32", "expand_dims.f32"]
READERS = {"abs": "COMPLEX_ABS", "real": "REAL", "imag": "IMAG"}


def fft_model(shape, fft_length, readers=("abs",), view=None, const_length=True) -> bytes:
    """x -> RFFT2D(fft_length) -> c, each reader of c -> y_<reader>; view: reshape c to it first."""
    h, w = fft_length
    cshape = [*shape[:-2], h, w // 2 + 1]
    tensors = [T("x", list(shape)), T("c", cshape, "c64"),
               T("fl", [2], "i32", data=np.array(fft_length, np.int32) if const_length else None)]
    ops = [Op("RFFT2D", ["x", "fl"], ["c"], options_table="Rfft2dOptions")]
    src = "c"
    if view is not None:
        tensors += [T("cv", list(view), "c64"), T("vs", [len(view)], "i32", data=np.array(view, np.int32))]
        ops.append(Op("RESHAPE", ["c", "vs"], ["cv"], options=dict(new_shape=list(view))))
        src = "cv"
    out = list(view) if view is not None else cshape
    for r in readers:
        tensors.append(T(f"y_{r}", out))
        ops.append(Op(READERS[r], [src], [f"y_{r}"], options_table=None))
    return build_model(ops=ops, tensors=tensors, inputs=["x", "fl"] if not const_length else ["x"],
                       outputs=[f"y_{r}" for r in readers])


def _feeds(shape, seed=0):
    return {"x": np.random.default_rng(seed).uniform(-1.0, 1.0, shape).astype(np.float32)}


_SPECS = [([1, 1, 512], (1, 512), "abs"), ([1, 1, 512], (1, 256), "real"), ([1, 1, 512], (2, 1024), "imag"),
          ([3, 4, 16], (4, 16), "abs"), ([3, 4, 16], (8, 32), "imag"), ([3, 4, 16], (2, 8), "real"),
          ([3, 4, 16], (2, 2), "abs"), ([2, 8, 64], (8, 64), "real"), ([2, 8, 64], (16, 32), "abs"),
          ([2, 8, 64], (4, 128), "imag")]
CASES = {f"{'x'.join(map(str, s))}_fft{h}x{w}_{r}": (fft_model(s, (h, w), (r,)), _feeds(s, k))
         for k, (s, (h, w), r) in enumerate(_SPECS)}
CASES["3x4x16_fft4x16_all_readers"] = (fft_model([3, 4, 16], (4, 16), ("abs", "real", "imag")), _feeds([3, 4, 16]))
CASES["stft_5x1x64_reshaped_abs"] = (fft_model([5, 1, 64], (1, 64), ("abs",), view=[5, 33]), _feeds([5, 1, 64]))



def stft_model(frames: int, n: int) -> bytes:
    """What TF's converter emits for tf.signal.rfft of frames: EXPAND_DIMS -> RFFT2D [1, n] -> SQUEEZE -> abs."""
    return build_model(
        ops=[Op("EXPAND_DIMS", ["x", "ax"], ["xe"]), Op("RFFT2D", ["xe", "fl"], ["c"], options_table="Rfft2dOptions"),
             Op("SQUEEZE", ["c"], ["cs"], options=dict(squeeze_dims=[-2])),
             Op("COMPLEX_ABS", ["cs"], ["y_abs"], options_table=None)],
        tensors=[T("x", [frames, n]), T("ax", [], "i32", data=np.array(-2, np.int32)), T("xe", [frames, 1, n]),
                 T("fl", [2], "i32", data=np.array([1, n], np.int32)), T("c", [frames, 1, n // 2 + 1], "c64"),
                 T("cs", [frames, n // 2 + 1], "c64"), T("y_abs", [frames, n // 2 + 1])])


CASES["stft_7x256_squeezed_abs"] = (stft_model(7, 256), _feeds([7, 256]))
rt = H.runtime_fixture(KERNELS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_litert(rt, name):
    model, feeds = CASES[name]
    H.assert_close(H.run_ours(rt, model, feeds), H.litert(model, feeds, reference=False))


def test_fft_cols_1_follows_numpy_not_litert(rt):
    # fft_length cols 1: LiteRT 2.3 gives imag = -real (and, with rows 2, wrong
    # real parts); TF's rfft2d and np.fft.rfft2 give the 1 x 1 DFT, x[0] + 0i.
    model = fft_model([3, 4, 16], (2, 1), ("real", "imag"))
    feeds = _feeds([3, 4, 16])
    ref = np.fft.rfft2(feeds["x"].astype(np.float64), s=(2, 1))
    want = {"y_real": ref.real.astype(np.float32), "y_imag": ref.imag.astype(np.float32)}
    H.assert_close(H.run_ours(rt, model, feeds), want)
    with pytest.raises(AssertionError):
        H.assert_close(H.litert(model, feeds, reference=False), want)


def test_one_kernel_per_reader_and_no_complex_tensor():
    info = read_program(H.convert_bytes(CASES["3x4x16_fft4x16_all_readers"][0]))
    assert [n.kernel for n in info.nodes] == ["rfft2d.f32"] * 3
    assert sorted(n.iparams[2] for n in info.nodes) == [0, 1, 2]
    assert all(t.dtype != "c64" for t in info.tensors)


@pytest.mark.parametrize("model,match", [
    (build_model(ops=[Op("RFFT2D", ["x", "fl"], ["c"], options_table="Rfft2dOptions")],
                 tensors=[T("x", [2, 8]), T("fl", [2], "i32", data=np.array([2, 8], np.int32)), T("c", [2, 5], "c64")]),
     "graph output"),
    (build_model(ops=[Op("RFFT2D", ["x", "fl"], ["c"], options_table="Rfft2dOptions"),
                      Op("COMPLEX_ABS", ["c"], ["y"], options_table=None),
                      Op("SQUARE", ["c"], ["z"], options_table=None)],
                 tensors=[T("x", [2, 8]), T("fl", [2], "i32", data=np.array([2, 8], np.int32)),
                          T("c", [2, 5], "c64"), T("y", [2, 5]), T("z", [2, 5], "c64")],
                 outputs=["y", "z"]), "square"),
    (fft_model([2, 8], (2, 8), const_length=False), "must be a constant"),
    (fft_model([2, 8], (2, 6)), "not a power of two"),
])
def test_refusals(model, match):
    with pytest.raises(UnsupportedError, match=match):
        H.convert_bytes(model)


# --------------------------------------------------------------------------- qemu

arm_runtime = H.arm_runtime_fixture("fft", KERNELS)


@pytest.mark.qemu
def test_matches_litert_on_arm(arm_runtime):
    H.assert_cases_match(arm_runtime, CASES, lambda name, m: H.convert_bytes(m),
                         lambda name, m, feeds: H.litert(m, feeds, reference=False))


# --------------------------------------------------------------------------- hostile programs

checker = H.checker_fixture("fft", KERNELS)
HOSTILE = {"rows": fft_model([3, 4, 16], (8, 8), ("real",)), "stft": fft_model([2, 1, 32], (1, 32), ("abs",))}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_edited_fields_are_rejected_or_safe(checker, name):
    prog = H.convert_bytes(HOSTILE[name])
    assert_edits_rejected_or_safe(checker, name, prog)


@pytest.mark.parametrize("param,value", [("fft_rows", 0), ("fft_rows", 3), ("fft_rows", 16), ("fft_cols", 6),
                                         ("fft_cols", 2**30), ("fft_cols", -8), ("part", 3), ("part", -1)])
def test_bad_iparams_are_rejected(checker, param, value):
    prog = H.convert_bytes(HOSTILE["rows"])
    index = load_catalogue()["rfft2d.f32"].iparams.index(param)
    assert run_batch(*checker, "fft_ip", [rebuild(prog, iparam=(index, value))]) == [(UNSUPPORTED, 0)]


@pytest.mark.parametrize("which,dims", [("twiddles", [6]), ("twiddles", [2, 2]), ("scratch", [95]), ("scratch", [2, 40]),
                                        ("output", [3, 8, 4]), ("input", [3, 4])])
def test_bad_twiddles_scratch_and_shapes_are_rejected(checker, which, dims):
    prog = H.convert_bytes(HOSTILE["rows"])        # fft 8 x 8: twiddles 8 floats, scratch 2*8*5 + 16 = 96
    # (only smaller: a larger tensor than its buffer or arena slice is the core's BAD_PROGRAM)
    node = read_program(prog).nodes[0]
    t = {"input": node.inputs[0], "twiddles": node.inputs[1], "output": node.outputs[0],
         "scratch": node.outputs[1]}[which]
    assert run_batch(*checker, "fft_shape", [rebuild(prog, shape=(t, dims))]) == [(UNSUPPORTED, 0)]


def test_analyze_counts_the_fused_readers_as_supported(tmp_path):
    import selbuild
    path = tmp_path / "stft.tflite"
    path.write_bytes(CASES["stft_5x1x64_reshaped_abs"][0])
    a = selbuild.analyze(str(path))
    assert a.unsupported() == {}
    assert {u.op for u in a.models[0].ops} == {"rfft2d.f32", "reshape.c64", "complex_abs.c64"}
    path.write_bytes(fft_model([2, 8], (2, 6)))
    assert selbuild.analyze(str(path)).unsupported()
