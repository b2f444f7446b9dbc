"""Test-only C build helper: compiles the runtime core + selected kernels +
the generated table straight with gcc/clang into a temporary folder.

The product build is SCons (SConstruct/SConscript, another module); this
exists so that the core tests do not depend on it and can add sanitizer and
fuzzer flags freely. It uses selbuild.codegen for the file list, so "what a
build contains" has one definition.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import os
import shutil
import threading
import subprocess
from pathlib import Path

from selbuild import RUNTIME_SRC, codegen

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
    """One build folder per test process: builds with the same command and
    sources are made once even when several test modules ask for them."""
    if not _SHARED_DIR:
        import tempfile
        _SHARED_DIR.append(Path(tempfile.mkdtemp(prefix="selrt_cbuild_")))
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
        table.write_text(text)
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
    for hdr in sorted(RUNTIME_SRC.rglob("*.h")) + [gen / codegen.PARAMS_HEADER]:
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
# Program builder for tests: writes .selrt bytes with the generated Python
# flatbuffers code, with full control over every field (also invalid ones).

import math  # noqa: E402

import flatbuffers  # noqa: E402
import numpy as np  # noqa: E402

from selbuild._generated.selrt.fb import (Buffer, KeyValue, Node, Partition,  # noqa: E402
                                          Program, Tensor)

DTYPES = {"f32": 0, "f16": 1, "i8": 2, "u8": 3, "i16": 4, "i32": 5, "i64": 6, "bool": 7}
NP_DTYPES = {"f32": np.float32, "i8": np.int8, "u8": np.uint8, "i16": np.int16,
             "i32": np.int32, "i64": np.int64}


def _ints(b: flatbuffers.Builder, values, elem: int = 4, fmt=flatbuffers.number_types.Int32Flags):
    b.StartVector(elem, len(values), elem)
    for v in reversed(list(values)):
        b.Prepend(fmt, v)
    return b.EndVector()


def _offsets(b: flatbuffers.Builder, offs):
    b.StartVector(4, len(offs), 4)
    for o in reversed(offs):
        b.PrependUOffsetTRelative(o)
    return b.EndVector()


def _bytes16(b: flatbuffers.Builder, data: bytes):
    # The generated code ignores force_align: 16; start the vector aligned ourselves.
    b.StartVector(1, len(data), 16)
    b.head -= len(data)
    b.Bytes[b.head:b.head + len(data)] = data
    return b.EndVector()


def make_program(*, tensors: list[dict], nodes: list[dict], inputs: list[int],
                 outputs: list[int], kernels: list[str], buffers: list[bytes] = (),
                 arena_size: int = 0, version: int = 1, partitions: list[dict] = (),
                 metadata: dict[str, str] | None = None, identifier: bytes = b"SLRT") -> bytes:
    """tensors: dicts with name, dtype ("f32"...), shape, buffer, arena_offset,
    scale, zero_point (omitted keys are not written, so defaults apply).
    nodes: dicts with kernel, inputs, outputs, iparams, fparams, partition."""
    b = flatbuffers.Builder(1024)
    buf_offs = []
    for data in buffers:
        vec = _bytes16(b, bytes(data))
        Buffer.Start(b)
        Buffer.AddData(b, vec)
        buf_offs.append(Buffer.End(b))
    t_offs = []
    for t in tensors:
        name = b.CreateString(t["name"]) if "name" in t else None
        shape = _ints(b, t["shape"]) if "shape" in t else None
        Tensor.Start(b)
        if name is not None:
            Tensor.AddName(b, name)
        if "dtype" in t:
            Tensor.AddDtype(b, DTYPES.get(t["dtype"], t["dtype"]))
        if shape is not None:
            Tensor.AddShape(b, shape)
        for key, add in (("buffer", Tensor.AddBuffer), ("arena_offset", Tensor.AddArenaOffset),
                         ("scale", Tensor.AddScale), ("zero_point", Tensor.AddZeroPoint)):
            if key in t:
                add(b, t[key])
        t_offs.append(Tensor.End(b))
    n_offs = []
    for n in nodes:
        vecs = {}
        for key in ("inputs", "outputs", "iparams"):
            if key in n:
                vecs[key] = _ints(b, n[key])
        if "fparams" in n:
            vecs["fparams"] = _ints(b, n["fparams"], fmt=flatbuffers.number_types.Float32Flags)
        Node.Start(b)
        Node.AddKernel(b, n.get("kernel", 0))
        for key, add in (("inputs", Node.AddInputs), ("outputs", Node.AddOutputs),
                         ("iparams", Node.AddIparams), ("fparams", Node.AddFparams)):
            if key in vecs:
                add(b, vecs[key])
        if "partition" in n:
            Node.AddPartition(b, n["partition"])
        n_offs.append(Node.End(b))
    p_offs = []
    for part in partitions:
        backend = b.CreateString(part.get("backend", "none"))
        payload = _bytes16(b, part.get("payload", b""))
        pnodes = _ints(b, part.get("nodes", []), fmt=flatbuffers.number_types.Uint32Flags)
        Partition.Start(b)
        Partition.AddBackend(b, backend)
        Partition.AddPayload(b, payload)
        Partition.AddNodes(b, pnodes)
        p_offs.append(Partition.End(b))
    kv_offs = []
    for k, v in (metadata or {}).items():
        ko, vo = b.CreateString(k), b.CreateString(v)
        KeyValue.Start(b)
        KeyValue.AddKey(b, ko)
        KeyValue.AddValue(b, vo)
        kv_offs.append(KeyValue.End(b))
    k_offs = [b.CreateString(k) for k in kernels]
    vk, vt, vn = _offsets(b, k_offs), _offsets(b, t_offs), _offsets(b, n_offs)
    vi, vo = _ints(b, inputs), _ints(b, outputs)
    vb, vm, vp = _offsets(b, buf_offs), _offsets(b, kv_offs), _offsets(b, p_offs)
    Program.Start(b)
    Program.AddVersion(b, version)
    Program.AddKernels(b, vk)
    Program.AddTensors(b, vt)
    Program.AddNodes(b, vn)
    Program.AddInputs(b, vi)
    Program.AddOutputs(b, vo)
    Program.AddBuffers(b, vb)
    Program.AddArenaSize(b, arena_size)
    Program.AddMetadata(b, vm)
    Program.AddPartitions(b, vp)
    root = Program.End(b)
    b.minalign = max(b.minalign, 16)  # pad the finished buffer to 16 bytes
    b.Finish(root, file_identifier=identifier)
    return bytes(b.Output())


def bcast_strides(shape, out_shape) -> list[int]:
    """Element strides of an input of `shape` along each dim of `out_shape`
    (numpy broadcasting: right-aligned, 0 where broadcast), padded to 6."""
    shape = [1] * (len(out_shape) - len(shape)) + list(shape)
    contiguous = [int(np.prod(shape[i + 1:], dtype=np.int64)) for i in range(len(shape))]
    strides = [0 if shape[i] == 1 and out_shape[i] != 1 else contiguous[i] for i in range(len(shape))]
    return strides + [0] * (6 - len(strides))


def _up16(x: int) -> int:
    return (x + 15) // 16 * 16


def add_program(a_shape, b_shape, *, b_const: np.ndarray | None = None,
                act=(-math.inf, math.inf), chain: int = 1, partition: int = -1,
                **overrides) -> bytes:
    """A valid program: out = a + b with broadcasting, optionally b constant,
    optionally `chain` add nodes (out_k = out_{k-1} + b). Keyword overrides
    replace make_program arguments (to break one thing at a time)."""
    out_shape = list(np.broadcast_shapes(tuple(a_shape), tuple(b_shape)))
    nbytes = lambda s: 4 * int(np.prod(s, dtype=np.int64))  # noqa: E731
    off = 0
    tensors = [{"name": "a", "dtype": "f32", "shape": list(a_shape), "arena_offset": 0}]
    off = _up16(nbytes(a_shape))
    buffers = []
    if b_const is not None:
        buffers.append(np.ascontiguousarray(b_const, np.float32).tobytes())
        tensors.append({"name": "b", "dtype": "f32", "shape": list(b_shape), "buffer": 0})
    else:
        tensors.append({"name": "b", "dtype": "f32", "shape": list(b_shape), "arena_offset": off})
        off += _up16(nbytes(b_shape))
    iparams = [len(out_shape)] + bcast_strides(a_shape, out_shape) + bcast_strides(b_shape, out_shape)
    nodes = []
    prev = 0
    for k in range(chain):
        tensors.append({"name": f"out{k}", "dtype": "f32", "shape": out_shape, "arena_offset": off})
        off += _up16(nbytes(out_shape))
        nodes.append({"kernel": 0, "inputs": [prev, 1], "outputs": [len(tensors) - 1],
                      "iparams": iparams if k == 0 else
                      [len(out_shape)] + bcast_strides(out_shape, out_shape) + bcast_strides(b_shape, out_shape),
                      "fparams": list(act)})
        prev = len(tensors) - 1
    if partition >= 0:
        nodes[0]["partition"] = partition
    args = dict(tensors=tensors, nodes=nodes, inputs=[0] if b_const is not None else [0, 1],
                outputs=[prev], kernels=["add.f32"], buffers=buffers, arena_size=off)
    args.update(overrides)
    return make_program(**args)


# ---------------------------------------------------------------------------
# Fixtures shared by tests/test_core*.py and tests/test_fuzz*.py (imported by
# name into those modules, so pytest finds them without touching conftest).

import pytest  # noqa: E402

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
