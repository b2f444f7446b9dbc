"""The process `selbuild build` runs SCons under: `python -m selbuild.scons_guard
<build dir> <selbuild pid> -- <scons command...>`.

Why a separate process: a killed `selbuild build` must not leave SCons (and
its compilers) building on, nor half-written objects behind. The guard leads
its own process group (SCons and every compiler it starts are in it), asks
Linux to send it SIGTERM when selbuild dies, even by SIGKILL
(PR_SET_PDEATHSIG), and adopts orphaned compilers (PR_SET_CHILD_SUBREAPER).
On SIGTERM/SIGINT/SIGHUP it stops the whole group (SIGTERM, SIGKILL after a
grace period), waits for all of it, removes the temporaries left in the build
dir and exits 128 + signal. The build-dir lock selbuild took is inherited, so
no other build starts in that dir until the guard is done.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER = 1, 36
GRACE_SECONDS = 3.0
# What an interrupted build leaves: clang's "<obj>.o-XXXXXXXX.tmp" outputs, SCons's
# ".sconsign.tmp" and selbuild's own ".sb*.tmp".
TEMP_SUFFIX = ".tmp"


def _prctl(option: int, value: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _reap_all(deadline: float) -> bool:
    """Wait for every child, adopted orphans included; False if some outlive deadline."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return True
        if pid == 0:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)


def _group_members() -> list[int]:
    """The other processes of our group (SCons, its compilers) from /proc."""
    me, group, out = os.getpid(), os.getpgrp(), []
    for d in Path("/proc").iterdir():
        if d.name.isdigit() and int(d.name) != me:
            try:
                if int((d / "stat").read_text().rsplit(")", 1)[1].split()[2]) == group:
                    out.append(int(d.name))
            except (OSError, IndexError, ValueError):
                continue
    return out


def remove_temporaries(build_dir: Path) -> list[Path]:
    """Delete the *.tmp files under build_dir (the dir is ours and locked)."""
    gone = []
    for p in build_dir.rglob(f"*{TEMP_SUFFIX}"):
        try:
            if p.is_file() or p.is_symlink():
                p.unlink()
                gone.append(p)
        except OSError:
            pass
    return gone


def stop_group(build_dir: Path) -> None:
    """SIGTERM to the whole group (compilers delete their own outputs on it), SIGKILL
    to what is left after the grace period, wait for all of it, then clean up."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.killpg(os.getpgrp(), signal.SIGTERM)
    if not _reap_all(time.monotonic() + GRACE_SECONDS):
        for pid in _group_members():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _reap_all(time.monotonic() + GRACE_SECONDS)
    remove_temporaries(build_dir)


def main(argv: list[str]) -> int:
    build_dir, parent, sep, *cmd = argv
    assert sep == "--" and cmd
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    if os.getppid() != int(parent):      # selbuild died before the prctl took effect
        return 128 + signal.SIGTERM
    stopped: list[int] = []

    def on_signal(signum, _frame) -> None:
        stopped.append(signum)
        raise KeyboardInterrupt

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)
    try:
        child = subprocess.Popen(cmd)
        code = child.wait()
    except KeyboardInterrupt:
        for s in (signal.SIGINT, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        stop_group(Path(build_dir))
        return 128 + (stopped[0] if stopped else signal.SIGINT)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
