"""The C test harness: compiles the runtime core + selected kernels + the
generated table straight with gcc/clang, runs programs on it, and compares
kernels with LiteRT.

The product build is SCons (SConstruct/SConscript); the tests compile here so
that they do not depend on it and can add sanitizer and fuzzer flags freely.
It uses selbuild.codegen for the file list, so "what a build contains" has
one definition. Sections:

- build(): objects compiled in parallel, cached by content hash.
- Tools / the `ctools` fixture: selrt_run, selrt_check and api_test built once
  (tests/test_core*.py, tests/test_fuzz*.py).
- Small single-op models (small_models, small_int8_models) for the hostile tests.
- Kernel runners: one host runner per kernel group (FLOAT_LAYER_KERNELS,
  FLOAT_ELEMENTWISE_KERNELS, INT8_KERNELS; ASan+UBSan on, so an out-of-bounds
  access in a kernel fails the run) wrapped in a build manifest, so programs
  run through the public convert -> selbuild.verify path and are compared
  with LiteRT's reference kernels (tests/test_kernels_*.py, tests/test_int8_*.py).

Program bytes are written by tests/program_writer.py, .tflite models by
tests/tflite_builder.py.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import shutil
import subprocess
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import tflite_builder as TB
from selbuild import RUNTIME_SRC, codegen
from selbuild.opmaps import harness_kernels

TOOLS = RUNTIME_SRC / "tools"
TESTS_C = Path(__file__).resolve().parent / "c"
WARN = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-Wshadow", "-Wvla", "-Wstrict-prototypes"]
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]


def find_cc(prefer: tuple[str, ...] = ("clang-19", "gcc", "cc")) -> str | None:
    for cc in prefer:
        if shutil.which(cc):
            return cc
    return None


_SHARED_DIR: list[Path] = []


def shared_dir() -> Path:
    """One build folder per test run, shared by its xdist workers: builds with
    the same command and sources are made once even when test modules on
    different workers ask for them (objects and executables are written to a
    private name and renamed into place, so two workers racing on one file
    both get a whole one)."""
    if not _SHARED_DIR:
        import tempfile
        run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")
        if run.isalnum():
            d = Path(tempfile.gettempdir()) / f"selrt_cbuild_{run}"
            d.mkdir(exist_ok=True)
        else:
            d = Path(tempfile.mkdtemp(prefix="selrt_cbuild_"))
        _SHARED_DIR.append(d)
    return _SHARED_DIR[0]


def _compile(cc: str, flags: list[str], incs: list[str], src: Path, obj: Path) -> None:
    if obj.exists():
        return
    tmp = obj.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    cmd = [cc, *flags, *incs, "-c", str(src), "-o", str(tmp)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"compile failed: {' '.join(cmd)}\n{res.stderr}")
    tmp.replace(obj)


def build(out_dir: Path | None, kernels: list[str] | tuple[str, ...] = ("add.f32",), *,
          main: Path | None = TOOLS / "selrt_run.c", name: str = "selrt_run",
          cc: str | None = None, sanitize: bool = False, fuzzer: bool = False,
          opt: str = "-O1", extra_sources: list[Path] = (), extra_flags: list[str] = (),
          link_flags_extra: list[str] = (), fake_backend: bool = False) -> Path:
    """Builds an executable (with main=None: only compiles, as a check) and
    returns its path. Objects are compiled in parallel and cached by the
    hash of compiler, flags, source and every runtime header, so a test
    session compiles each file once per flag set."""
    cc = cc or find_cc()
    if cc is None:
        raise RuntimeError("no C compiler found")
    out_dir = Path(out_dir) if out_dir is not None else shared_dir()
    gen = out_dir / ("gen-" + hashlib.sha256(" ".join(sorted(kernels)).encode()).hexdigest()[:12])
    codegen.generate(list(kernels), [], gen)
    srcs = [RUNTIME_SRC / p for p in codegen.sources(list(kernels))]
    table = gen / codegen.TABLE_SOURCE
    if fake_backend:
        # The test backend (tests/c/fake_backend.c) is not a runtime_src
        # backend folder, so codegen cannot list it: patch its table in.
        text = table.read_text()
        empty = "const struct selrt_backend *const selrt_backend_table[1] = {0};"
        empty_typedef = "const selrt_backend *const selrt_backend_table[1] = {0};"
        fake = ("extern const struct selrt_backend selrt_backend_fake;\n"
                "const struct selrt_backend *const selrt_backend_table[1] = {&selrt_backend_fake};")
        text = text.replace(empty, fake).replace(empty_typedef, fake)
        text = text.replace("selrt_backend_table_size = 0;", "selrt_backend_table_size = 1;")
        assert "selrt_backend_fake" in text and "selrt_backend_table_size = 1;" in text, text
        table = gen / "selrt_kernel_table_fake.c"
        if not table.exists() or table.read_text() != text:
            tmp = table.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(text)
            tmp.replace(table)
        srcs.append(TESTS_C / "fake_backend.c")
    srcs.append(table)
    srcs += [Path(p).resolve() for p in extra_sources]
    if main is not None:
        srcs.append(Path(main).resolve())
    flags = list(WARN) + [opt, "-g"]
    if sanitize or fuzzer:
        flags += SANITIZE
    link_flags = list(flags)
    if fuzzer:
        # Objects get coverage instrumentation; only the link adds libFuzzer's main.
        i = flags.index("-fsanitize=address,undefined")
        flags[i] = "-fsanitize=fuzzer-no-link,address,undefined"
        link_flags[i] = "-fsanitize=fuzzer,address,undefined"
    flags += list(extra_flags)
    link_flags += list(extra_flags) + list(link_flags_extra)
    incs = [f"-I{d}" for d in codegen.include_dirs(gen)]
    headers = hashlib.sha256()
    for hdr in sorted(RUNTIME_SRC.rglob("*.h")) + [gen / codegen.PARAMS_HEADER, gen / codegen.FEATURES_HEADER]:
        headers.update(hdr.read_bytes())
    objdir = out_dir / "obj"
    objdir.mkdir(exist_ok=True)
    objs = []
    for src in srcs:
        h = hashlib.sha256(" ".join([cc, *flags, *incs]).encode())
        h.update(headers.digest())
        h.update(src.read_bytes())
        objs.append(objdir / f"{src.stem}-{h.hexdigest()[:16]}.o")
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for f in [pool.submit(_compile, cc, flags, incs, s, o) for s, o in zip(srcs, objs)]:
            f.result()
    if main is None:
        return objs[0]
    h = hashlib.sha256(" ".join([cc, *link_flags, *map(str, objs)]).encode())
    exe = out_dir / f"{name}-{h.hexdigest()[:16]}"
    if exe.exists():
        return exe
    tmp = exe.with_suffix(f".{os.getpid()}.tmp")
    cmd = [cc, *link_flags, *map(str, objs), "-o", str(tmp), "-lm"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"link failed: {' '.join(cmd)}\n{res.stderr}")
    tmp.replace(exe)
    return exe


# ---------------------------------------------------------------------------
# Fixtures shared by tests/test_core*.py and tests/test_fuzz*.py (imported by
# name into those modules, so pytest finds them without touching conftest).

ASAN_CC = "clang-19"


class Tools:
    """Executables built once per test session."""

    def __init__(self, root: Path):
        self.root = root
        plain_cc = find_cc(("gcc", "clang-19", "cc"))
        self.runner = build(None, cc=plain_cc)
        self.sanitized = shutil.which(ASAN_CC) is not None
        cc = ASAN_CC if self.sanitized else plain_cc
        san = self.sanitized
        self.asan_runner = build(None, cc=cc, sanitize=san)
        self.check = build(None, cc=cc, sanitize=san, main=TESTS_C / "selrt_check.c", name="selrt_check")
        self.api = build(None, cc=cc, sanitize=san, main=TESTS_C / "api_test.c", name="api_test")

    def write(self, name: str, data: bytes) -> Path:
        path = self.root / name
        path.write_bytes(data)
        return path

    def load(self, program: bytes, name: str = "prog.selrt") -> tuple[int, str]:
        """(status, message) of loading (and, if it loads, running) `program`."""
        res = subprocess.run([self.check, self.write(name, program)], capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
        status, _, rest = res.stdout.strip().partition(" ran=")
        return int(status.removeprefix("status=")), rest.partition(" message=")[2]

    def run(self, program: bytes, inputs: list[np.ndarray], *, sanitized: bool = True,
            extra: list[str] = (), workdir: Path | None = None, exe: Path | None = None,
            prefix: list[str] = ()):
        """Runs `program` through selrt_run (`exe`, default the gcc or the
        sanitized build, behind `prefix`, e.g. qemu); returns
        (CompletedProcess, outputs)."""
        work = Path(workdir or self.root / "work")
        shutil.rmtree(work, ignore_errors=True)
        (work / "in").mkdir(parents=True)
        (work / "out").mkdir()
        prog = work / "p.selrt"
        prog.write_bytes(program)
        for i, x in enumerate(inputs):
            (work / "in" / f"input_{i}.bin").write_bytes(np.ascontiguousarray(x).tobytes())
        exe = exe or (self.asan_runner if sanitized else self.runner)
        res = subprocess.run([*prefix, exe, prog, work / "in", work / "out", *extra], capture_output=True, text=True)
        outs = sorted((work / "out").glob("output_*.bin"))
        return res, [np.fromfile(o, np.float32) for o in outs]


@pytest.fixture(scope="session")
def ctools(tmp_path_factory) -> Tools:
    if find_cc() is None:
        pytest.skip("no C compiler")
    return Tools(tmp_path_factory.mktemp("selrt_c"))


# ---------------------------------------------------------------------------
# Kernel runners: one host runner per kernel group, compared with LiteRT.

# The runner groups come from the descriptor (kernels.yaml `harness:`), so a new
# kernel joins its runner without an edit here.
# Float kernels with windows, reductions and layouts: conv, pool, reduce, resize, pad.
FLOAT_LAYER_KERNELS = harness_kernels("layers")

# Float elementwise math, activations, data movement and the float<->int8 boundary.
FLOAT_ELEMENTWISE_KERNELS = harness_kernels("elementwise")

# Every int8 kernel.
INT8_KERNELS = harness_kernels("int8")


def build_runtime(out_dir: Path, kernels: list[str], *, speed: bool = False, simd_mask: int | None = None) -> Path:
    """Compile the host runner (ASan+UBSan) with `kernels`; returns a directory
    holding manifest.json, which selbuild.verify.run_program accepts.

    speed=True compiles like the speed profile (-O2, SELRT_PROFILE_SPEED), which
    on x86-64 adds the AVX2+FMA GEMM variant chosen at run time. simd_mask caps
    the CPU features that choice may use (shared/simd.h bits; 0 forces the SSE2
    baseline variants of a speed build)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    flags = dict(opt="-O2", extra_flags=["-DSELRT_PROFILE_SPEED=1"]) if speed else {}
    if simd_mask is not None:
        flags["extra_flags"] = flags.get("extra_flags", []) + [f"-DSELRT_SIMD_MASK={int(simd_mask)}"]
    exe = build(out_dir, kernels, name="selrt_run_kernels", sanitize=True, **flags)
    manifest = {"target": "host", "kernels": list(kernels), "artifacts": {"runner": exe.name}}
    (out_dir / "manifest.json").write_text(json.dumps(manifest))
    return out_dir


def runtime_fixture(kernels: list[str]):
    """The `rt` fixture of a test module: `rt = H.runtime_fixture(H.FLOAT_ELEMENTWISE_KERNELS)`.
    One folder per kernel list and worker session, so modules share one build."""
    tag = hashlib.sha256(" ".join(kernels).encode()).hexdigest()[:12]

    @pytest.fixture(scope="module")
    def rt(tmp_path_factory) -> Path:
        return build_runtime(tmp_path_factory.getbasetemp() / f"kernels_rt_{tag}", kernels)
    return rt


def arm_runtime_fixture(tag: str, kernels: list[str]):
    """The `arm_runtime` fixture of a kernel test module: one size-profile build
    of `kernels` per Android ABI (android-armv7, android-arm64), its manifest
    for selbuild.verify.run_program under qemu; skips without NDK or qemu."""
    @pytest.fixture(scope="module", params=["android-armv7", "android-arm64"])
    def arm_runtime(request, tmp_path_factory) -> Path:
        from selbuild import toolchain_loader
        from selbuild.build import build_target
        from selbuild.config import BuildConfig
        target = request.param
        av = toolchain_loader.availability(target)
        if not av.ok:
            pytest.skip(av.reason)
        root = tmp_path_factory.getbasetemp() / f"{tag}_arm_{target}"
        root.mkdir(exist_ok=True)
        cfg = BuildConfig(path=root / f"{tag}.yaml", name=tag, models=[], targets=[target],
                          ops={k: [] for k in kernels})
        r = build_target(cfg, target, out_root=root, profile="size")
        if toolchain_loader.run_prefix(target, r.out_dir) is None:
            pytest.skip(f"{target}: qemu not installed")
        return r.manifest
    return arm_runtime


def checker_fixture(tag: str, kernels: list[str]):
    """The `checker` fixture of a hostile-program test: (workdir, tests/c/selrt_check.c
    built with `kernels` under clang-19 ASan+UBSan) for program_edits.run_batch."""
    @pytest.fixture(scope="module")
    def checker(tmp_path_factory):
        if find_cc(("clang-19",)) is None:
            pytest.skip("clang-19 (ASan+UBSan) not installed")
        d = tmp_path_factory.getbasetemp() / f"{tag}_kernels_check"
        d.mkdir(exist_ok=True)
        return d, build(d, kernels, cc="clang-19", sanitize=True, main=TESTS_C / "selrt_check.c",
                        name=f"selrt_check_{tag}")
    return checker


def assert_cases_match(runtime: Path, cases: dict, program, reference, exact=lambda name: False) -> None:
    """Every case {name: (model, feeds)} run on `runtime` (under qemu for an
    Android build) against reference(name, model, feeds); one AssertionError
    naming the first five failures, so one ARM run reports all of them."""
    from selbuild.verify import run_program
    failures = []
    for name, (m, feeds) in cases.items():
        try:
            assert_close(run_program(runtime, program(name, m), feeds), reference(name, m, feeds), exact=exact(name))
        except AssertionError as e:
            failures.append(f"{name}: {e}")
    assert not failures, "\n".join(failures[:5])


def convert_bytes(model: bytes) -> bytes:
    from selbuild.convert.pipeline import convert
    from selbuild.frontends import tflite
    return convert(tflite.to_ir(tflite.parse_bytes(model, "test.tflite"))).program


def run_ours(runtime: Path, model: bytes, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    from selbuild.verify import run_program
    return run_program(runtime, convert_bytes(model), inputs)


def litert(model: bytes | Path, inputs: dict[str, np.ndarray], reference: bool = True,
           *, fallback: bool = False) -> dict[str, np.ndarray]:
    """LiteRT's outputs: its reference kernels (BUILTIN_REF) or, reference=False,
    its default ones. fallback=True uses the default kernels for the few ops
    (ELU, ...) that have no reference registration, which LiteRT reports as a
    ValueError; without it that error propagates."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    src = {"model_path": str(model)} if isinstance(model, Path) else {"model_content": model}
    kw = {"experimental_op_resolver_type": OpResolverType.BUILTIN_REF} if reference else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            it = Interpreter(**src, num_threads=1, **kw)
        except ValueError:
            if not (reference and fallback):
                raise
            it = Interpreter(**src, num_threads=1)
    it.allocate_tensors()
    for d in it.get_input_details():
        it.set_tensor(d["index"], inputs[d["name"]])
    it.invoke()
    return {d["name"]: it.get_tensor(d["index"]).copy() for d in it.get_output_details()}


def assert_close(ours: dict[str, np.ndarray], ref: dict[str, np.ndarray], exact: bool = False) -> None:
    """Float: max |ours - ref| <= 1e-4 * max(1, |ref|) elementwise, NaN where
    LiteRT has NaN, infinities equal; ints/bools exact. Same names, shapes, dtypes."""
    assert set(ours) == set(ref), (sorted(ours), sorted(ref))
    for name, r in ref.items():
        o = ours[name]
        assert o.shape == r.shape and o.dtype == r.dtype, (name, o.shape, r.shape, o.dtype, r.dtype)
        if exact or not np.issubdtype(r.dtype, np.floating):
            np.testing.assert_array_equal(o, r, err_msg=name)
        else:
            tol = 1e-4 * np.maximum(1.0, np.abs(r))
            with np.errstate(invalid="ignore"):          # inf - inf where both are inf
                err = np.abs(o.astype(np.float64) - r)
            bad = ~((err <= tol) | (np.isnan(o) & np.isnan(r)) | (o == r)) | (np.isinf(r) & (o != r))
            assert not bad.any(), f"{name}: max err {err[bad].max()} at {np.argwhere(bad)[:3].tolist()}"


def check(runtime: Path, model: bytes, inputs: dict[str, np.ndarray], exact: bool = False) -> dict[str, np.ndarray]:
    """Convert + run on selrt, run LiteRT (reference kernels, default ones only
    for ops with no reference registration), compare; returns ours."""
    ours = run_ours(runtime, model, inputs)
    assert_close(ours, litert(model, inputs, fallback=True), exact)
    return ours


@dataclass
class Diff:
    """How far an integer output is from LiteRT's."""
    name: str
    differing: int      # elements that differ at all
    total: int
    max_steps: int      # largest difference in quantization steps (int outputs)

    def __str__(self) -> str:
        return f"{self.name}: {self.differing}/{self.total} elements differ, max {self.max_steps} step(s)"


def diffs(ours: dict[str, np.ndarray], ref: dict[str, np.ndarray]) -> list[Diff]:
    assert set(ours) == set(ref), (sorted(ours), sorted(ref))
    out = []
    for name, r in ref.items():
        o = ours[name]
        assert o.shape == r.shape and o.dtype == r.dtype, (name, o.shape, r.shape, o.dtype, r.dtype)
        d = np.abs(o.astype(np.int64) - r.astype(np.int64))
        out.append(Diff(name, int(np.count_nonzero(d)), int(d.size), int(d.max(initial=0))))
    return out


def run_both(runtime: Path, model: bytes, inputs: dict[str, np.ndarray]) -> list[Diff]:
    """Integer outputs of selrt vs LiteRT's reference kernels."""
    return diffs(run_ours(runtime, model, inputs), litert(model, inputs))


def rnd(shape, seed=0, scale=1.0) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


def rand_i8(shape, seed: int = 0, lo: int = -128, hi: int = 127) -> np.ndarray:
    return np.random.default_rng(seed).integers(lo, hi + 1, size=shape, dtype=np.int8)


def _i32(v) -> np.ndarray:
    return np.asarray(v, np.int32)


def small_models() -> dict[str, bytes]:
    """One small single-op model per FLOAT_LAYER_KERNELS kernel (name -> .tflite bytes)."""
    r, i32, model, one_op = rnd, _i32, TB.float_model, TB.float_op
    return {
        "conv2d": model("CONV_2D", [1, 5, 6, 3], [("w", r([4, 3, 3, 3]), "f32"), ("b", r([4]), "f32")],
                        dict(padding="same", stride_h=2, stride_w=1, activation="relu")),
        "depthwise": model("DEPTHWISE_CONV_2D", [1, 5, 5, 2], [("w", r([1, 3, 3, 4]), "f32"), ("b", r([4]), "f32")],
                           dict(padding="same", stride_h=1, stride_w=1, depth_multiplier=2), version=2),
        "transpose_conv": one_op("TRANSPOSE_CONV", [1, 3, 3, 2], [1, 6, 6, 3],
                                 [("os", i32([1, 6, 6, 3]), "i32"), ("w", r([3, 3, 3, 2]), "f32"),
                                  ("b", r([3]), "f32")],
                                 dict(padding="same", stride_h=2, stride_w=2), inputs=["os", "w", "x", "b"],
                                 version=4),
        "fully_connected": model("FULLY_CONNECTED", [2, 3, 4], [("w", r([5, 4]), "f32"), ("b", r([5]), "f32")],
                                 dict(keep_num_dims=True)),
        "batch_matmul": model("BATCH_MATMUL", [2, 3, 4], [("b", r([1, 4, 5]), "f32")]),
        "average_pool": model("AVERAGE_POOL_2D", [1, 5, 5, 3], [],
                              dict(padding="same", filter_height=2, filter_width=3, stride_h=2, stride_w=2)),
        "max_pool": model("MAX_POOL_2D", [1, 5, 5, 3], [],
                          dict(padding="valid", filter_height=2, filter_width=2, stride_h=1, stride_w=2)),
        "mean": model("MEAN", [2, 3, 4], [("a", i32([0, 2]), "i32")], dict(keep_dims=True)),
        "sum": model("SUM", [2, 3, 4], [("a", i32([1]), "i32")]),
        "reduce_max": model("REDUCE_MAX", [2, 3, 4], [("a", i32([-1]), "i32")]),
        "softmax": model("SOFTMAX", [2, 5], [], dict(beta=1.0)),
        "log_softmax": model("LOG_SOFTMAX", [2, 5], []),
        "l2_normalization": model("L2_NORMALIZATION", [2, 5], []),
        "resize_bilinear": model("RESIZE_BILINEAR", [1, 3, 4, 2], [("s", i32([5, 7]), "i32")],
                                 dict(half_pixel_centers=True), version=3),
        "resize_nearest": model("RESIZE_NEAREST_NEIGHBOR", [1, 3, 4, 2], [("s", i32([5, 2]), "i32")],
                                dict(align_corners=True), version=3),
        "depth_to_space": model("DEPTH_TO_SPACE", [1, 2, 3, 8], [], dict(block_size=2)),
        "space_to_depth": model("SPACE_TO_DEPTH", [1, 4, 6, 2], [], dict(block_size=2)),
        "pad": model("PAD", [2, 3], [("p", i32([[1, 0], [2, 1]]), "i32")], version=2),
        "pad_v2": model("PADV2", [2, 3], [("p", i32([[0, 1], [1, 1]]), "i32"),
                                          ("v", np.array([1.5], np.float32), "f32")], version=2),
    }


def _w8(shape, seed):
    return np.random.default_rng(seed).integers(-127, 128, size=shape).astype(np.int8)


def _b32(n, seed):
    return np.random.default_rng(seed).integers(-3000, 3000, size=n).astype(np.int32)


def small_int8_models() -> dict[str, bytes]:
    """One small single-op full-integer model per int8 layer kernel the hostile
    tests edit (name -> .tflite bytes)."""
    i32, q, op = _i32, TB.qt, TB.one_op
    same1 = dict(padding="same", stride_h=1, stride_w=1)
    return {
        # 4 output channels: the converter pads the filter to 16; the padded columns are bounded too.
        "conv2d": op("CONV_2D", [q("x", [1, 5, 6, 3], 0.05, -128),
                                 q("w", [4, 3, 3, 3], [0.01] * 4, data=_w8([4, 3, 3, 3], 1)),
                                 q("b", [4], [0.0005] * 4, data=_b32(4, 2), dtype="i32"),
                                 q("y", [1, 5, 6, 4], 0.5, 3)],
                     ["x", "w", "b"], ["y"], same1, version=3),
        "depthwise": op("DEPTHWISE_CONV_2D", [q("x", [1, 5, 5, 2], 0.05, 7),
                                              q("w", [1, 3, 3, 4], [0.01] * 4, data=_w8([1, 3, 3, 4], 3), axis=3),
                                              q("b", [4], [0.0005] * 4, data=_b32(4, 4), dtype="i32"),
                                              q("y", [1, 5, 5, 4], 0.5, -2)],
                        ["x", "w", "b"], ["y"], dict(same1, depth_multiplier=2), version=3),
        "fully_connected": op("FULLY_CONNECTED", [q("x", [2, 4], 0.05, 0), q("w", [5, 4], 0.01, data=_w8([5, 4], 5)),
                                                  q("b", [5], 0.0005, data=_b32(5, 6), dtype="i32"),
                                                  q("y", [2, 5], 0.5, 0)],
                              ["x", "w", "b"], ["y"], version=4),
        "transpose_conv": op("TRANSPOSE_CONV", [TB.T("os", [4], "i32", data=i32([1, 6, 6, 3])),
                                                q("w", [3, 3, 3, 2], [0.01] * 3, data=_w8([3, 3, 3, 2], 7)),
                                                q("x", [1, 3, 3, 2], 0.05, 9),
                                                q("b", [3], [0.0005] * 3, data=_b32(3, 8), dtype="i32"),
                                                q("y", [1, 6, 6, 3], 0.5, 5)],
                             ["os", "w", "x", "b"], ["y"], dict(padding="same", stride_h=2, stride_w=2), version=3),
        "resize_bilinear": op("RESIZE_BILINEAR", [q("x", [1, 3, 4, 2], 0.1, -3), TB.T("s", [2], "i32", data=i32([5, 7])),
                                                  q("y", [1, 5, 7, 2], 0.1, -3)],
                              ["x", "s"], ["y"], dict(half_pixel_centers=True), version=3),
        "resize_nearest": op("RESIZE_NEAREST_NEIGHBOR", [q("x", [1, 3, 4, 2], 0.1, -3),
                                                         TB.T("s", [2], "i32", data=i32([5, 7])),
                                                         q("y", [1, 5, 7, 2], 0.1, -3)],
                             ["x", "s"], ["y"], dict(align_corners=True), version=3),
    }


def small_hybrid_models() -> dict[str, bytes]:
    """One small single-op dynamic-range model per hybrid kernel (float
    activations, constant int8 weights): the fuzz corpus edits them."""
    q, op, T = TB.qt, TB.one_op, TB.T
    same1 = dict(padding="same", stride_h=1, stride_w=1)
    return {
        "conv2d": op("CONV_2D", [T("x", [1, 5, 6, 3]),
                                 q("w", [4, 3, 3, 3], [0.01, 0.02, 0.03, 0.04], data=_w8([4, 3, 3, 3], 1)),
                                 T("b", [4], data=rnd([4], 2)), T("y", [1, 5, 6, 4])],
                     ["x", "w", "b"], ["y"], same1, version=2),
        "depthwise": op("DEPTHWISE_CONV_2D", [T("x", [1, 5, 5, 2]),
                                              q("w", [1, 3, 3, 4], [0.01] * 4, data=_w8([1, 3, 3, 4], 3), axis=3),
                                              T("b", [4], data=rnd([4], 4)), T("y", [1, 5, 5, 4])],
                        ["x", "w", "b"], ["y"], dict(same1, depth_multiplier=2), version=2),
        "fully_connected": op("FULLY_CONNECTED", [T("x", [2, 4]), q("w", [5, 4], 0.01, data=_w8([5, 4], 5)),
                                                  T("b", [5], data=rnd([5], 6)), T("y", [2, 5])],
                              ["x", "w", "b"], ["y"], dict(asymmetric_quantize_inputs=True), version=9),
        "batch_matmul": op("BATCH_MATMUL", [T("a", [2, 3, 4]), q("b", [1, 4, 5], 0.02, data=_w8([1, 4, 5], 7)),
                                            T("y", [2, 3, 5])], ["a", "b"], ["y"], {}, version=4),
        "transpose_conv": op("TRANSPOSE_CONV", [T("os", [4], "i32", data=_i32([1, 6, 6, 3])),
                                                q("w", [3, 3, 3, 2], [0.01, 0.02, 0.03], data=_w8([3, 3, 3, 2], 9)),
                                                T("x", [1, 3, 3, 2]), T("b", [3], data=rnd([3], 10)),
                                                T("y", [1, 6, 6, 3])],
                             ["os", "w", "x", "b"], ["y"], dict(padding="same", stride_h=2, stride_w=2), version=4),
        "embedding_lookup": op("EMBEDDING_LOOKUP", [T("ids", [3], "i32"), q("v", [4, 3], 0.1, data=_w8([4, 3], 8)),
                                                    T("y", [3, 3])], ["ids", "v"], ["y"]),
    }
