"""Files selbuild reads where the user says (models, configs, programs).

One rule for every command: only a regular file is read (a FIFO would block
forever, /dev/zero or /dev/urandom never end), and only up to a size limit
named in the error, so no path can hang a command or exhaust memory. The
limits (README "Limits"):

* models and programs: 2 GiB, the largest file a flatbuffer (TFLite,
  ExecuTorch, .selrt) can address; zip-based PyTorch files get the same cap;
* build configs: 1 MiB of YAML (a config of every kernel is ~10 KB).
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from selbuild.errors import SelbuildError

MODEL_LIMIT = 2 * 1024 ** 3
CONFIG_LIMIT = 1024 ** 2


def _mib(n: int) -> str:
    return f"{n / 1024 ** 3:g} GiB" if n >= 1024 ** 3 else f"{n / 1024 ** 2:g} MiB"


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISDIR, "a directory")):
        if test(mode):
            return name
    return "not a regular file"


def not_regular(path: Path) -> str | None:
    """Why `path` (followed through symlinks) is not a regular file, or None if it is
    one or does not exist (callers report a missing file their own way)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if stat.S_ISREG(st.st_mode):
        return None
    return f"not a regular file ({_kind(st.st_mode)})"


def check_file(path: Path, limit: int, what: str, error: type[SelbuildError]) -> int:
    """The size of `path`; `error` unless it is a regular file of at most `limit` bytes."""
    path = Path(path)
    why = not_regular(path)
    if why is not None:
        raise error(f"{path}: {why}; selbuild reads {what} only from a regular file",
                    hint="pass the file itself, not a device, pipe or directory")
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except OSError as e:
        raise error(f"{path}: cannot read: {e.strerror or e}") from None
    if size > limit:
        raise error(f"{path}: {size:,} bytes is larger than the {_mib(limit)} limit for {what}",
                    hint="see README \"Limits\"")
    return size


def read_file(path: Path, limit: int, what: str, error: type[SelbuildError]) -> bytes:
    """The bytes of `path` after check_file; never reads more than `limit` bytes even
    if the file grows meanwhile. The open is non-blocking so a FIFO swapped in after
    the check cannot hang it."""
    check_file(path, limit, what, error)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        raise error(f"{path}: cannot read: {e.strerror or e}") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise error(f"{path}: not a regular file; selbuild reads {what} only from a regular file")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise error(f"{path}: larger than the {_mib(limit)} limit for {what}", hint="see README \"Limits\"")
    return data


# Memory a foreign loader (torch.jit.load, torch.export.load) may take beyond what the
# process has mapped already: a fixed allowance plus a multiple of the file (weights are
# stored uncompressed, so a sound archive needs about its own size).
LOADER_BASE = 512 * 1024 ** 2
LOADER_PER_BYTE = 8


def _mapped_bytes() -> int | None:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


@contextlib.contextmanager
def bounded_memory(file_size: int) -> Iterator[None]:
    """Cap the address space while a foreign loader parses an untrusted file, so a few
    mutated bytes asking it for gigabytes fail its allocation (torch raises RuntimeError,
    Python MemoryError) instead of exhausting the machine. Linux only (RLIMIT_AS, the
    current mapping from /proc); elsewhere a no-op. The old limit is restored after."""
    try:
        import resource
    except ImportError:
        yield
        return
    mapped = _mapped_bytes()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if mapped is None:
        yield
        return
    cap = mapped + LOADER_BASE + LOADER_PER_BYTE * file_size
    if soft != resource.RLIM_INFINITY and soft < cap:
        cap = soft
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _single_threaded_torch() -> None:
    """In a forked child: the parent's intra-op worker threads were not copied, and
    torch's OpenMP pool waits for them forever (a model run in the parent, then a probe
    that runs one, hangs); one thread runs every parallel loop inline."""
    import sys
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


# How long a foreign loader may take on one file in the probe below.
PROBE_SECONDS = 120.0


def probe_foreign_loader(path: Path, load: Callable[[], object], what: str) -> None:
    """Run `load` once in a forked child before the caller runs it in-process: torch's
    C++ readers can die with SIGSEGV on a damaged archive (bench/fuzz_python.py found
    a .ptl that does), which would kill selbuild with no error line. ModelError when
    the child dies by a signal or takes longer than PROBE_SECONDS; when it merely
    raises, the caller's own load raises the same and reports it. No-op without fork."""
    from selbuild.errors import ModelError
    if not hasattr(os, "fork"):
        return
    size = os.stat(path).st_size
    pid = os.fork()
    if pid == 0:                                    # the child: load, report by exit status only
        code = 1
        try:
            _single_threaded_torch()
            with bounded_memory(size):
                load()
            code = 0
        except BaseException:                       # noqa: BLE001 - the parent only needs "it raised"
            pass
        os._exit(code)
    deadline = time.monotonic() + PROBE_SECONDS
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise ModelError(f"{path}: {what} did not finish reading it in {PROBE_SECONDS:.0f} s",
                             hint="the file is damaged or not what its suffix says")
        time.sleep(0.005)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        raise ModelError(f"{path}: damaged: {what} crashed reading it ({name})",
                         hint="write the file again with torch; a damaged archive cannot be read")
