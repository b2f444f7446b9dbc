"""Run .selrt programs in this Python process, through the host build of the runtime.

    from selbuild.runtime import Interpreter
    with Interpreter("model.selrt", runtime="build/app/host") as it:
        print(it.inputs)                   # [TensorDetails(name, shape, dtype, scale, zero_point)]
        it.set_input("input", x)           # by name or index; shape and dtype must match
        it.run()
        y = it.get_output(0)               # a copy, safe after the next run

`runtime` is a host build (its directory, its manifest.json, or the shared
library itself, as `selbuild build CONFIG --target host` writes it). The
library is opened with ctypes: no compiler is needed at run time and no
subprocess is started, unlike verify.run_program, which serves every target
through the `selrt_run` tool. The program bytes and the arena are kept in
16-byte aligned numpy buffers owned by the Interpreter, because the runtime
reads weights in place and requires aligned memory.

Every failure is a SelbuildError: RuntimeLibraryError (the library cannot be
opened), ProgramError (the C loader rejects the bytes, with its message) and
RunError (wrong inputs, a failing run, a closed interpreter).
"""

from __future__ import annotations

import ctypes
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from selbuild.errors import ProgramError, RunError, SelbuildError

MAX_RANK = 6
ARENA_ALIGN = 16
_DTYPES = {0: np.float32, 1: np.float16, 2: np.int8, 3: np.uint8, 4: np.int16, 5: np.int32,
           6: np.int64, 7: np.bool_}
_DTYPE_NAMES = {0: "f32", 1: "f16", 2: "i8", 3: "u8", 4: "i16", 5: "i32", 6: "i64", 7: "bool"}


class RuntimeLibraryError(RunError):
    """The runtime shared library is missing, not a host build, or lacks the selrt API."""


class _Tensor(ctypes.Structure):
    # Mirrors selrt_tensor in runtime_src/include/selrt.h.
    _fields_ = [("dtype", ctypes.c_int), ("rank", ctypes.c_int32), ("dims", ctypes.c_int32 * MAX_RANK),
                ("data", ctypes.c_void_p), ("bytes", ctypes.c_size_t), ("name", ctypes.c_char_p),
                ("scale", ctypes.c_float), ("zero_point", ctypes.c_int32)]


class _Error(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("message", ctypes.c_char * 192)]


@dataclass(frozen=True)
class TensorDetails:
    """One input or output of a loaded program."""

    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str                 # canonical name: "f32", "i8", ...
    scale: float               # quantization (int8/uint8), 0.0 otherwise
    zero_point: int

    @property
    def numpy_dtype(self) -> np.dtype:
        return np.dtype(_DTYPES[_DTYPE_NAMES_INV[self.dtype]])

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * self.numpy_dtype.itemsize


_DTYPE_NAMES_INV = {v: k for k, v in _DTYPE_NAMES.items()}


def library_path(runtime: Path | str) -> Path:
    """The shared library of a host build, given the library, its build directory or manifest.json."""
    p = Path(runtime)
    if p.is_dir():
        p = p / "manifest.json"
    if p.name != "manifest.json":
        if not p.is_file():
            raise RuntimeLibraryError(f"{p}: no such runtime library",
                                      hint="build it: `selbuild build CONFIG --target host`")
        return p
    if not p.is_file():
        raise RuntimeLibraryError(f"{p}: no build manifest", hint="build the runtime first: `selbuild build CONFIG --target host`")
    try:
        m = json.loads(p.read_text())
        target, lib = str(m["target"]), m["artifacts"]["library"]
    except (ValueError, KeyError, TypeError) as e:
        raise RuntimeLibraryError(f"{p}: unreadable build manifest ({e})") from None
    if target != "host":
        raise RuntimeLibraryError(f"{p.parent} is a {target} build; only a host build loads into this process",
                                  hint="build `--target host`, or run other targets with `selbuild run --target T`")
    return p.parent / lib


_LIBS: dict[tuple[Path, str], ctypes.CDLL] = {}


def open_library(runtime: Path | str, symbol_prefix: str = "selrt") -> ctypes.CDLL:
    """dlopen a host runtime once per path and declare its C API (prototypes checked by ctypes)."""
    path = library_path(runtime).resolve()
    key = (path, symbol_prefix)
    if key in _LIBS:
        return _LIBS[key]
    try:
        lib = ctypes.CDLL(str(path))         # one CDLL per prefix: the declared names live on it
    except OSError as e:
        raise RuntimeLibraryError(f"cannot load {path}: {e}",
                                  hint="only a host build (`--target host`) loads into this process") from None
    P, I, S = ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t
    T = ctypes.POINTER(_Tensor)
    api = {
        "program_load": (I, [P, S, ctypes.POINTER(P), ctypes.POINTER(_Error)]),
        "program_free": (None, [P]),
        "arena_size": (S, [P]),
        "num_inputs": (I, [P]),
        "num_outputs": (I, [P]),
        "session_create": (I, [P, P, S, ctypes.POINTER(P)]),
        "session_free": (None, [P]),
        "input": (T, [P, I]),
        "output": (T, [P, I]),
        "run": (I, [P]),
        "status_str": (ctypes.c_char_p, [I]),
        "version": (ctypes.c_char_p, []),
    }
    for name, (res, args) in api.items():
        full = f"{symbol_prefix}_{name}"
        try:
            fn = getattr(lib, full)
        except AttributeError:
            raise RuntimeLibraryError(f"{path} does not export {full}; not a selrt runtime "
                                      f"with symbol prefix {symbol_prefix!r}") from None
        fn.restype, fn.argtypes = res, args
        setattr(lib, "_" + name, fn)       # the canonical name, whatever the prefix
    # Only runtimes with control-flow kernels export the session-state calls.
    for name, (res, args) in {"session_reset": (None, [P]),
                              "session_set_iteration_cap": (None, [P, ctypes.c_uint64])}.items():
        fn = getattr(lib, f"{symbol_prefix}_{name}", None)
        if fn is not None:
            fn.restype, fn.argtypes = res, args
        setattr(lib, "_" + name, fn)
    _LIBS[key] = lib
    return lib


def _aligned_copy(data: bytes | memoryview | np.ndarray, n: int | None = None) -> tuple[np.ndarray, int]:
    """A zeroed or filled buffer whose data address is ARENA_ALIGN-aligned; (owner array, address)."""
    size = len(data) if n is None else n
    raw = np.zeros(size + ARENA_ALIGN, dtype=np.uint8)
    off = (-raw.ctypes.data) % ARENA_ALIGN
    view = raw[off:off + size]
    if n is None:
        view[:] = np.frombuffer(data, dtype=np.uint8)
    return raw, raw.ctypes.data + off


class Interpreter:
    """A loaded program with one session over its own arena (LiteRT-Interpreter-like)."""

    def __init__(self, program: bytes | Path | str, runtime: Path | str, *, symbol_prefix: str = "selrt"):
        if isinstance(program, (str, Path)):
            try:
                program = Path(program).read_bytes()
            except OSError as e:
                raise ProgramError(f"{program}: cannot read ({e.strerror or e})") from None
        self._program_bytes = bytes(program)
        self._lib = open_library(runtime, symbol_prefix)
        self._prog = ctypes.c_void_p()
        self._sess = ctypes.c_void_p()
        self._program_buf, addr = _aligned_copy(bytes(program))
        err = _Error()
        st = self._lib._program_load(addr, len(program), ctypes.byref(self._prog), ctypes.byref(err))
        if st != 0:
            msg = err.message.decode(errors="replace") or self._status(st)
            raise ProgramError(f"the runtime rejects the program: {msg}",
                               hint="convert the model with this selbuild and build the config's runtime")
        self._arena_buf, arena = _aligned_copy(b"", max(1, int(self._lib._arena_size(self._prog))))
        st = self._lib._session_create(self._prog, arena, len(self._arena_buf) - ARENA_ALIGN, ctypes.byref(self._sess))
        if st != 0:
            self._lib._program_free(self._prog)
            self._prog = ctypes.c_void_p()
            raise RunError(f"cannot create a session: {self._status(st)}")
        self.inputs = [self._details(self._lib._input(self._sess, i), i)
                       for i in range(self._lib._num_inputs(self._prog))]
        self.outputs = [self._details(self._lib._output(self._sess, i), i)
                        for i in range(self._lib._num_outputs(self._prog))]

    @property
    def metadata(self) -> dict | None:
        """The model's app metadata carried in the program (TFLite metadata: name, description,
        version, author, license, inputs[].normalization {mean, std}, outputs[].files, labels
        {file: [label, ...]}), or None when the model had none."""
        from selbuild.convert import read_program
        from selbuild.frontends.tflite_metadata import from_program
        return from_program(read_program(self._program_bytes).metadata)

    # -- helpers
    def _status(self, st: int) -> str:
        s = self._lib._status_str(st)
        return s.decode() if s else f"status {st}"

    @staticmethod
    def _details(t, index: int) -> TensorDetails:
        c = t.contents
        if c.dtype not in _DTYPE_NAMES:
            raise RunError(f"tensor {index} has an unknown dtype code {c.dtype}")
        return TensorDetails(index, c.name.decode(errors="replace"), tuple(c.dims[:c.rank]),
                             _DTYPE_NAMES[c.dtype], float(c.scale), int(c.zero_point))

    def _live(self) -> None:
        if not self._sess:
            raise RunError("the interpreter is closed")

    @staticmethod
    def _find(table: list[TensorDetails], key: int | str, what: str) -> TensorDetails:
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            if 0 <= key < len(table):
                return table[key]
            raise RunError(f"{what} index {key} out of range (the program has {len(table)})")
        for t in table:
            if t.name == key:
                return t
        raise RunError(f"no {what} named {key!r}", hint=f"{what}s: {', '.join(repr(t.name) for t in table)}")

    def _view(self, ptr, d: TensorDetails) -> np.ndarray:
        c = ptr.contents
        if d.nbytes and not c.data:
            raise RunError(f"tensor '{d.name}' has no data")
        buf = (ctypes.c_uint8 * d.nbytes).from_address(c.data) if d.nbytes else bytearray()
        return np.frombuffer(buf, dtype=d.numpy_dtype).reshape(d.shape)

    # -- public API
    @property
    def version(self) -> str:
        """The runtime library's version string."""
        return self._lib._version().decode()

    def input_details(self, key: int | str) -> TensorDetails:
        return self._find(self.inputs, key, "input")

    def output_details(self, key: int | str) -> TensorDetails:
        return self._find(self.outputs, key, "output")

    def set_input(self, key: int | str, value: np.ndarray) -> None:
        """Copy `value` into input `key` (name or index); its shape and dtype must match exactly."""
        self._live()
        d = self.input_details(key)
        arr = np.asarray(value)
        if tuple(arr.shape) != d.shape or arr.dtype != d.numpy_dtype:
            raise RunError(f"input '{d.name}' has shape {list(arr.shape)} dtype {arr.dtype.name}; "
                           f"the program expects shape {list(d.shape)} dtype {d.numpy_dtype.name} ({d.dtype})")
        self._view(self._lib._input(self._sess, d.index), d)[...] = arr

    def run(self) -> None:
        """Run the program once on the current inputs."""
        self._live()
        st = self._lib._run(self._sess)
        if st != 0:
            raise RunError(f"running the program failed: {self._status(st)}")

    def reset(self) -> None:
        """Forget the session's state (resource variables): the next run is a first run
        again. A runtime without control-flow kernels keeps no state: nothing to do."""
        self._live()
        if self._lib._session_reset is not None:
            self._lib._session_reset(self._sess)

    def set_iteration_cap(self, cap: int) -> None:
        """Lower the program's loop-iteration budget for this session (control-flow runtimes)."""
        self._live()
        if self._lib._session_set_iteration_cap is None:
            raise RunError("this runtime has no control-flow kernels: it runs no loops to cap")
        self._lib._session_set_iteration_cap(self._sess, int(cap))

    def get_output(self, key: int | str) -> np.ndarray:
        """A copy of output `key` (name or index) after run()."""
        self._live()
        d = self.output_details(key)
        return self._view(self._lib._output(self._sess, d.index), d).copy()

    def __call__(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Set every input by name, run, return every output by name."""
        missing = [t.name for t in self.inputs if t.name not in inputs]
        extra = [k for k in inputs if k not in {t.name for t in self.inputs}]
        if missing or extra:
            raise RunError("inputs do not match the program: " + "; ".join(
                [f"missing {n!r}" for n in missing] + [f"unexpected {n!r}" for n in extra]))
        for t in self.inputs:
            self.set_input(t.index, inputs[t.name])
        self.run()
        return {t.name: self.get_output(t.index) for t in self.outputs}

    def time(self, repeat: int) -> tuple[float, float]:
        """(min, median) milliseconds of `repeat` runs on the current inputs."""
        times = []
        for _ in range(max(1, int(repeat))):
            t0 = time.perf_counter()
            self.run()
            times.append((time.perf_counter() - t0) * 1e3)
        return min(times), float(np.median(times))

    def close(self) -> None:
        """Free the session and program; later calls raise RunError. Idempotent."""
        if self._sess:
            self._lib._session_free(self._sess)
            self._sess = ctypes.c_void_p()
        if self._prog:
            self._lib._program_free(self._prog)
            self._prog = ctypes.c_void_p()

    def __enter__(self) -> Interpreter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except (SelbuildError, AttributeError):
            pass


def run_once(program: bytes, runtime: Path | str, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Load, run once with `inputs` (by name), close; outputs by name in program order."""
    with Interpreter(program, runtime) as it:
        return it(inputs)
