"""Optional threads (`threads: N`, issue 17 item 3): conv2d.f32,
depthwise_conv2d.f32 and fully_connected.f32 split their output across the
app's parallel-for (here tools/selrt_pool.c through `selrt_run --threads`).

Split outputs must be bit-identical to one thread (each element keeps its
summation order) and match LiteRT's reference kernels; the split runs under
ASan+UBSan and, where clang-19's TSan runs, under TSan; a build without
threads links no threading code."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

import harness as H
import tflite_builder as TB
from selbuild import RUNTIME_SRC

TOOLS = RUNTIME_SRC / "tools"
MODEL = Path(__file__).parent / "models" / "tflite" / "mobilenetv2_a035_96_f32.tflite"


def _kernels() -> list[str]:
    from selbuild.convert.pipeline import required_kernels
    from selbuild.frontends import load_model
    return sorted(set(required_kernels(load_model(MODEL))) |
                  {"conv2d.f32", "depthwise_conv2d.f32", "fully_connected.f32"})


KERNELS = _kernels()
TASKS = (1, 2, 3)


def _models() -> dict[str, bytes]:
    r = H.rnd
    conv = [("w", r([20, 3, 3, 7], 1), "f32"), ("b", r([20], 2), "f32")]
    pw = [("w", r([19, 1, 1, 12], 1), "f32"), ("b", r([19], 2), "f32")]
    return {
        # k x k conv, batch 3, padded, Cout not a multiple of 8: whole rows per task
        "conv3x3": (TB.float_model("CONV_2D", [3, 9, 7, 7], conv, dict(padding="same", stride_h=2, stride_w=1,
                                                                        activation="relu6")), [3, 9, 7, 7]),
        # pointwise: one GEMM of 2*11*13 = 286 rows split in blocks of 24
        "conv1x1": (TB.float_model("CONV_2D", [2, 11, 13, 12], pw, dict(padding="same", stride_h=1, stride_w=1)),
                    [2, 11, 13, 12]),
        "dw3x3": (TB.float_model("DEPTHWISE_CONV_2D", [2, 10, 11, 24], [("w", r([1, 3, 3, 24], 1), "f32"),
                                 ("b", r([24], 2), "f32")], dict(padding="same", stride_h=1, stride_w=1,
                                 depth_multiplier=1, activation="relu6"), version=2), [2, 10, 11, 24]),
        "dw_m2": (TB.float_model("DEPTHWISE_CONV_2D", [1, 7, 6, 5], [("w", r([1, 3, 3, 10], 1), "f32")],
                                 dict(padding="valid", stride_h=2, stride_w=1, depth_multiplier=2),
                                 inputs=["x", "w"], version=2), [1, 7, 6, 5]),
        # one row, 100 columns: split by 16-column panel pairs (the last one partial)
        "fc_cols": (TB.float_model("FULLY_CONNECTED", [1, 70], [("w", r([100, 70], 1), "f32"),
                                   ("b", r([100], 2), "f32")], dict(activation="relu"),
                                   inputs=["x", "w", "b"]), [1, 70]),
        # 53 rows: split by rows (24 + 24 + 5)
        "fc_rows": (TB.float_model("FULLY_CONNECTED", [53, 40], [("w", r([13, 40], 1), "f32")],
                                   dict(activation="none"), inputs=["x", "w", "-"]), [53, 40]),
    }


def _build(cc: str, sanitize: list[str], tag: str, tmp: Path) -> Path:
    """selrt_run with KERNELS, SELRT_THREADS=4 and the pthread pool, speed-profile flags."""
    flags = ["-DSELRT_PROFILE_SPEED=1", "-DSELRT_THREADS=4", f"-I{TOOLS}"]
    return H.build(tmp / tag, KERNELS, cc=cc, opt="-O2", name=f"selrt_run_threads_{tag}",
                   sanitize=sanitize == ["asan"], extra_flags=flags + [s for s in sanitize if s != "asan"],
                   extra_sources=[TOOLS / "selrt_pool.c"], link_flags_extra=["-pthread"])


def _run(exe: Path, program: bytes, inputs: list[np.ndarray], threads: int, work: Path) -> list[bytes]:
    (work / "in").mkdir(parents=True, exist_ok=True)
    (work / "out").mkdir(exist_ok=True)
    for f in (work / "out").glob("*"):
        f.unlink()
    (work / "p.selrt").write_bytes(program)
    for i, x in enumerate(inputs):
        (work / "in" / f"input_{i}.bin").write_bytes(np.ascontiguousarray(x).tobytes())
    res = subprocess.run([exe, work / "p.selrt", work / "in", work / "out", "--threads", str(threads)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "WARNING: ThreadSanitizer" not in res.stderr, res.stderr
    return [o.read_bytes() for o in sorted((work / "out").glob("output_*.bin"))]


@pytest.fixture(scope="module")
def cases() -> dict[str, tuple[bytes, bytes, list[np.ndarray]]]:
    """name -> (tflite model, our program, inputs)."""
    out = {}
    for name, (model, xs) in _models().items():
        out[name] = (model, H.convert_bytes(model), [H.rnd(xs, 3)])
    model = MODEL.read_bytes()
    from selbuild.convert import read_program
    from selbuild.verify import random_inputs
    prog = H.convert_bytes(model)
    info = read_program(prog)
    out["mobilenetv2_035_96"] = (model, prog, list(random_inputs(info, seed=7).values()))
    return out


@pytest.fixture(scope="module")
def asan_runner(tmp_path_factory) -> Path:
    if H.find_cc(("clang-19",)) is None:
        pytest.skip("clang-19 not installed")
    return _build("clang-19", ["asan"], "asan", tmp_path_factory.mktemp("threads"))


def test_split_is_bit_identical_and_matches_litert(asan_runner, cases, tmp_path):
    for name, (model, prog, inputs) in cases.items():
        outs = {t: _run(asan_runner, prog, inputs, t, tmp_path / name) for t in TASKS}
        for t in TASKS[1:]:
            assert outs[t] == outs[1], f"{name}: {t} tasks differ from 1"
        ref = H.litert(model, {"x": inputs[0]} if name != "mobilenetv2_035_96" else None, reference=True) \
            if name != "mobilenetv2_035_96" else None
        ours = np.frombuffer(outs[1][0], np.float32)
        if ref is None:
            from ai_edge_litert.interpreter import Interpreter, OpResolverType
            it = Interpreter(model_content=model, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
            it.allocate_tensors()
            it.set_tensor(it.get_input_details()[0]["index"], inputs[0].reshape(it.get_input_details()[0]["shape"]))
            it.invoke()
            want = it.get_tensor(it.get_output_details()[0]["index"]).ravel()
        else:
            want = next(iter(ref.values())).ravel()
        np.testing.assert_allclose(ours, want, rtol=1e-4, atol=1e-4, err_msg=name)


def test_split_under_tsan(cases, tmp_path_factory):
    if H.find_cc(("clang-19",)) is None:
        pytest.skip("clang-19 not installed")
    tmp = tmp_path_factory.mktemp("tsan")
    exe = _build("clang-19", ["-fsanitize=thread", "-fno-omit-frame-pointer"], "tsan", tmp)
    probe = subprocess.run([exe], capture_output=True, text=True)
    if "ThreadSanitizer" in probe.stderr and "usage" not in probe.stderr:
        pytest.skip("clang-19's TSan does not run here: " + probe.stderr.strip()[:200])
    _, prog, inputs = cases["mobilenetv2_035_96"]
    base = _run(exe, prog, inputs, 1, tmp / "w")
    assert _run(exe, prog, inputs, 3, tmp / "w") == base


def test_build_without_threads_has_no_thread_code(tmp_path):
    """The default build (no SELRT_THREADS): no parallel-for symbol anywhere."""
    cc = H.find_cc()
    objs = [H.build(tmp_path, KERNELS, main=None, cc=cc)]
    objdir = tmp_path / "obj"
    res = subprocess.run(["nm", *map(str, objdir.glob("*.o"))], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert objs and "selrt_session" in res.stdout
    for sym in ("selrt_session_set_parallel", "selrt_parallel_rows", "pthread", "gemm_f32_par"):
        assert sym not in res.stdout, sym


def test_config_threads_reach_the_features_header(tmp_path):
    """`threads: N` (default 1, written commented by config init) defines SELRT_THREADS N; bad values are
    reported; 1 defines nothing."""
    from selbuild import codegen
    from selbuild import config as C
    from selbuild.config_write import init_config
    from selbuild.errors import ConfigError
    model = Path(__file__).parent / "models" / "tflite" / "sine_float.tflite"
    out = tmp_path / "app.yaml"
    init_config([model], out)
    text = out.read_text()
    assert "# threads: 1" in text and C.load_config(out).threads == 1
    out.write_text(text.replace("# threads: 1", "threads: 3"))
    assert C.load_config(out).threads == 3
    for bad in ("0", "two", "true"):
        out.write_text(text.replace("# threads: 1", f"threads: {bad}"))
        with pytest.raises(ConfigError, match="threads"):
            C.load_config(out)
    assert "#define SELRT_THREADS 3" in codegen.features_header(["conv2d.f32"], threads=3)
    assert "SELRT_THREADS" not in codegen.features_header(["conv2d.f32"])


def test_set_parallel_contract(cases, tmp_path):
    """Bad arguments refused; at most 4 * min(max_tasks, SELRT_THREADS=4) parts; NULL fn: serial again."""
    if H.find_cc(("clang-19",)) is None:
        pytest.skip("clang-19 not installed")
    exe = H.build(tmp_path, KERNELS, cc="clang-19", sanitize=True, main=H.TESTS_C / "threads_api.c",
                  name="threads_api", extra_flags=["-DSELRT_THREADS=4"])
    prog = tmp_path / "p.selrt"
    prog.write_bytes(cases["conv1x1"][1])
    # 286 rows in 24-row blocks: 6 parts for max_tasks 2, 12 for 1000 (capped at 4 * 4)
    for max_tasks, most in [(1, 0), (2, 8), (1000, 16)]:
        res = subprocess.run([exe, prog, str(max_tasks)], capture_output=True, text=True)
        assert res.returncode == 0 and res.stdout.startswith("ok"), res.stdout + res.stderr
        got = dict(kv.split("=") for kv in res.stdout.split()[1:])
        assert (2 <= int(got["max"]) <= most if most else got == {"max": "0", "calls": "0"}), res.stdout
