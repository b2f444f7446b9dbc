"""Files selbuild writes where the user says (-o, --outputs, --aar, --xcframework).

One rule for every command: check the path before any slow work, never write
over an input of the command (the model, the config, the baseline, the library
being measured), never replace an existing file or folder that is not an
earlier output of the same kind, and write atomically (a temp file next to the
target, then a rename) so an interrupted run leaves the old file intact.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterable

from selbuild.errors import UsageError


def _same(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_output(path: Path, option: str, *, inputs: Iterable[Path | None] = (), kind: str = "file",
                 replaceable: Callable[[Path], bool] | None = None, what: str = "an earlier output") -> Path:
    """Raise UsageError unless `path` (given with `option`) can be written.

    `kind` "file" or "dir". An existing path is replaced only if
    `replaceable(path)` says it is ours (None: any existing file of that kind)."""
    path = Path(path)
    for p in inputs:
        if p is not None and (_same(path, Path(p)) or path.resolve() == Path(p).resolve()):
            raise UsageError(f"{path}: refusing to write over an input of this command ({option} {path})",
                             hint=f"pass another path with {option}")
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f"{path}: cannot write it, {parent} is a file, not a directory",
                                 hint=f"pass another path with {option}")
            break
    _check_name_length(path, option)
    if kind == "file" and path.is_dir():
        raise UsageError(f"{path}: is a directory", hint=f"pass a file path with {option}")
    if kind == "dir" and path.exists() and not path.is_dir():
        raise UsageError(f"{path}: is a file, not a directory", hint=f"pass another path with {option}")
    empty = path.is_file() and path.stat().st_size == 0
    if path.exists() and not empty and replaceable is not None and not replaceable(path):
        raise UsageError(f"{path}: already exists and is not {what}; not replacing it",
                         hint=f"remove it yourself, or pass another path with {option}")
    return path


def _check_name_length(path: Path, option: str) -> None:
    """A name the folder's filesystem cannot hold fails now, not after the slow work."""
    folder = next((p for p in path.absolute().parents if p.is_dir()), None)
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX") if folder is not None else 255
    except (OSError, ValueError):
        limit = 255
    size = len(os.fsencode(path.name))
    if size > limit:
        raise UsageError(f"{path.name[:40]}...: the file name is {size} bytes, the filesystem allows {limit}",
                         hint=f"pass a shorter name with {option}")


def head(path: Path, n: int = 8) -> bytes:
    """The first n bytes of a file (b"" if unreadable)."""
    try:
        with open(path, "rb") as f:
            return f.read(n)
    except OSError:
        return b""


def is_zip(path: Path) -> bool:
    return path.is_file() and head(path, 4) in (b"PK\x03\x04", b"PK\x05\x06")


def _mode(path: Path, default: int) -> int:
    """Keep the mode of the file being replaced; a new one gets the umask's."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return default & ~mask


# Temporary names are short and independent of the target's name: an output
# name may use all of NAME_MAX (255 bytes) and ".<name>.XXXXXX.tmp" would not fit.
TMP_PREFIX, TMP_SUFFIX = ".sb", ".tmp"


def _cannot_write(path: Path, e: OSError) -> UsageError:
    return UsageError(f"{path}: cannot write it: {e.strerror or e}",
                      hint="check the folder exists and is writable, or pass another path")


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def keep_backup(path: Path) -> Path:
    """Keep the file at `path` under the first free name of <name>.bak, <name>.bak.1, ...

    A hard link: atomic, no copy, and it can never replace an existing file
    (link fails with EEXIST), so a user's own .bak and earlier backups survive.
    Filesystems without hard links get a copy renamed in only if the name is free."""
    n = 0
    while True:
        bak = path.with_name(path.name + (".bak" if n == 0 else f".bak.{n}"))
        try:
            os.link(path, bak, follow_symlinks=False)
            return bak
        except FileExistsError:
            n += 1
            continue
        except OSError as e:
            if e.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EMLINK, errno.ENOSYS):
                raise
        if os.path.lexists(bak):
            n += 1
            continue
        fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=TMP_SUFFIX, dir=path.parent)
        os.close(fd)
        try:
            shutil.copy2(path, tmp)
            if os.path.lexists(bak):
                n += 1
                continue
            os.rename(tmp, bak)
            return bak
        finally:
            if os.path.lexists(tmp):
                os.unlink(tmp)


def write_atomic(path: Path, data: bytes | str, *, backup: bool = False) -> Path:
    """Write `data` to exactly `path` via a temp file in the same folder + rename
    (fsynced first); `backup`: keep the file it replaces (keep_backup)."""
    return write_kept(path, data, backup=backup)[0]


def write_kept(path: Path, data: bytes | str, *, backup: bool = True) -> tuple[Path, Path | None]:
    """write_atomic, returning (path, the backup kept or None). No backup is made
    of a file holding exactly `data` (nothing would be lost), and a failed write
    removes the backup it made: nothing is left but the old file."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=TMP_SUFFIX, dir=path.parent)
    except OSError as e:
        raise _cannot_write(path, e) from None
    bak: Path | None = None
    try:
        os.chmod(tmp, _mode(path, 0o666))
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        if backup and path.is_file() and not _same_bytes(path, raw):
            try:
                bak = keep_backup(path)
            except OSError as e:
                raise UsageError(f"{path}: cannot keep a backup of it beside it: {e.strerror or e}; "
                                 "not replacing it", hint="move the old file away yourself, "
                                 "or pass another path") from None
        os.replace(tmp, path)
    except BaseException as e:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        if bak is not None:
            os.unlink(bak)     # the old file is still at `path`: the backup is a stray
        if isinstance(e, OSError):
            raise _cannot_write(path, e) from None
        raise
    return path, bak


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def replace_dir(path: Path, fill: Callable[[Path], None]) -> Path:
    """Build a folder output in a temp folder beside `path` (`fill(tmp)`), then
    swap it in; the old folder (already checked replaceable) goes only then.
    The swap is one atomic exchange where the OS has it, so a kill at any
    moment leaves the old folder or the new one at `path`, never neither."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, suffix=TMP_SUFFIX, dir=path.parent))
    except OSError as e:
        raise _cannot_write(path, e) from None
    try:
        os.chmod(tmp, _mode(path, 0o777))
        fill(tmp)
        try:
            if not path.exists():
                tmp.rename(path)
            elif _exchange(tmp, path):
                shutil.rmtree(tmp)             # now the old folder
            else:
                old = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, suffix=".old", dir=path.parent))
                os.rmdir(old)
                path.rename(old)
                tmp.rename(path)
                shutil.rmtree(old)
        except OSError as e:
            raise _cannot_write(path, e) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path
