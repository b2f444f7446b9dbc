"""Hand out every byte of an Image to one row and build the SizeReport.

Claim order (first claim wins, see ledger.py):
  1. headers                          -> [headers]
  2. symbols whose owner is known     -> their op / backend / [core] / [shared] / [toolchain]
     (owner: the link map's object for that address via the manifest, else
     the symbol-name prefix)
  3. link-map pieces with a known owner (bytes without a symbol: switch
     tables, string literals), then string literals found in objects
  4. symbols with no known owner      -> [unattributed], under their name
  5. format data (.dynsym, __unwind_info, LINKEDIT ...) -> [sections]
  6. what is left inside code/data sections: short or zero runs -> [padding],
     the rest -> [unattributed]
  7. what is left of the file: zero bytes -> [padding], else [unattributed]
The same claims run on the address space (VM) ledger, so file and VM sizes
are both exact sums.
"""

from __future__ import annotations

import bisect
from collections import defaultdict

from selbuild.size.attribute import (HEADERS, PADDING, SECTIONS, SHARED, UNATTRIBUTED, Attributor)
from selbuild.size.image import Image
from selbuild.size.ledger import Ledger, Owner
from selbuild.size.model import Row, SizeReport, SymbolSize

# A run of free bytes inside a code/data section up to this long is alignment
# padding (functions and data are aligned to at most 16 bytes by default);
# longer runs count as padding only when they are all zero.
_MAX_ALIGN_GAP = 16


def assemble(img: Image, attr: Attributor, artifact: str) -> SizeReport:
    fl = Ledger(img.file_size)
    vl = Ledger(0, spans=img.vm_spans)
    piece_owner: list[tuple[int, int, str, str]] = []   # (lo, hi, row, obj) from the link map

    def claim(lo: int, hi: int, owner: Owner) -> None:
        vl.claim(lo, hi, owner)
        for a, b in img.file_ranges(lo, hi):
            fl.claim(a, b, owner)

    for r in img.headers:
        fl.claim(r.lo, r.hi, Owner(r.row, r.label))
        if r.vm is not None:
            vl.claim(r.vm, r.vm + r.hi - r.lo, Owner(r.row, r.label))

    pieces = sorted((p for p in img.pieces if p.size > 0), key=lambda p: p.addr)
    for p in pieces:
        row = attr.row_for_object(p.obj)
        if row is not None:
            piece_owner.append((p.addr, p.addr + p.size, row, p.obj))
    starts = [lo for lo, _, _, _ in piece_owner]

    def owner_at(addr: int) -> tuple[str, str] | None:
        i = bisect.bisect_right(starts, addr) - 1
        # pieces can nest (ld64 lists ltmpN atoms over named ones): scan back a little
        for j in range(i, max(-1, i - 4), -1):
            lo, hi, row, obj = piece_owner[j]
            if lo <= addr < hi:
                return row, obj
        return None

    used_by: dict[str, set[str]] = defaultdict(set)
    for k, v in img.used_by.items():
        used_by[k] |= v
    unowned = []
    owned: list[tuple[str, object]] = []
    for s in sorted(img.symbols, key=lambda s: (s.addr, -s.size)):
        hit = owner_at(s.addr)
        obj = s.obj or (hit[1] if hit else None)
        row = (attr.row_for_object(s.obj) if s.obj else None) or (hit[0] if hit else None) \
            or attr.row_for_symbol(s.name) or s.owner
        if row is None:
            unowned.append(s)
            continue
        claim(s.addr, s.addr + s.size, Owner(row, s.name))
        owned.append((row, s))
        if row == SHARED and obj:
            used_by[s.name] |= set(attr.used_by_object(obj))

    _scan_calls(img, attr, owned, used_by)

    for p in pieces:
        row = attr.row_for_object(p.obj)
        if row is not None:
            claim(p.addr, p.addr + p.size, Owner(row, _piece_label(p)))
    for addr, size, obj, text in img.strings:
        row = attr.row_for_object(obj)
        if row is not None:
            claim(addr, addr + size, Owner(row, f'"{text}"'))
    # A string pointed to by owned data (a descriptor's name, a switch table
    # of messages) belongs to the owner of the pointer.
    for loc, target, size in img.data_refs:
        o = vl.find(loc)
        if o is not None and o.row not in (UNATTRIBUTED, HEADERS, SECTIONS, PADDING):
            text = img.string_at(target, size)
            claim(target, target + size, Owner(o.row, f'"{text}"'))
    for s in unowned:
        claim(s.addr, s.addr + s.size, Owner(UNATTRIBUTED, s.name))

    for sec in img.sections:
        if not sec.content:
            o = Owner(sec.owner or SECTIONS, sec.name)
            if sec.loaded:
                vl.claim(sec.addr, sec.addr + sec.size, o)
            if sec.file_size:
                fl.claim(sec.offset, sec.offset + sec.file_size, o)
    for r in img.format_data:
        fl.claim(r.lo, r.hi, Owner(r.row, r.label))
        if r.vm is not None:
            vl.claim(r.vm, r.vm + r.hi - r.lo, Owner(r.row, r.label))

    # Leftovers inside code/data sections.
    for sec in img.sections:
        if not sec.content:
            continue
        fallback = sec.owner or UNATTRIBUTED
        if sec.file_size:
            sub = Ledger(sec.file_size, base=sec.offset)
            for lo, hi, _ in fl.items():
                if hi > sec.offset and lo < sec.offset + sec.file_size:
                    sub.claim(lo, hi, Owner("", ""))
            for lo, hi in sub.gaps():
                pad = is_fill(img.data[lo:hi])
                o = Owner(PADDING, sec.name) if pad else Owner(fallback, f"{sec.name} (no symbol)")
                fl.claim(lo, hi, o)
                vl.claim(sec.addr + lo - sec.offset, sec.addr + hi - sec.offset, o)
        if sec.loaded and sec.size > sec.file_size:
            lo0 = sec.addr + sec.file_size
            sub = Ledger(sec.size - sec.file_size, base=lo0)
            for lo, hi, _ in vl.items():
                if hi > lo0 and lo < sec.addr + sec.size:
                    sub.claim(lo, hi, Owner("", ""))
            for lo, hi in sub.gaps():
                pad = (hi - lo) <= _MAX_ALIGN_GAP
                vl.claim(lo, hi, Owner(PADDING, sec.name) if pad else Owner(fallback, f"{sec.name} (no symbol)"))

    for lo, hi in fl.gaps():
        zero = not any(img.data[lo:hi])
        fl.claim(lo, hi, Owner(PADDING, "(between sections)") if zero
                 else Owner(UNATTRIBUTED, "(outside any section)"))
    vl.fill(Owner(PADDING, "(alignment)"))

    return _report(img, attr, artifact, fl, vl, used_by)


# Bytes compilers and linkers use to pad code: zeros, x86 nop/int3, the
# AArch64 nop, Thumb nops, ARM nop.
_FILL_WORDS = (b"\x1f\x20\x03\xd5", b"\x00\x00\x20\xd4", b"\x00\xbf", b"\xc0\x46", b"\x00\xf0\x20\xe3")


def is_fill(chunk: bytes) -> bool:
    if not chunk.strip(b"\x00\x90\xcc\xd4"):   # zeros, x86 nop/int3, lld's ARM trap fill
        return True
    if len(chunk) > 4 * _MAX_ALIGN_GAP:
        return False
    if chunk[0] in (0x66, 0x0F, 0x2E) and not chunk.strip(b"\x66\x2e\x0f\x1f\x00\x40\x44\x80\x84\x90"):
        return True                  # x86 multi-byte nops (66 0f 1f 44 00 00 ...) between aligned functions
    for w in _FILL_WORDS:
        i = 0
        while i < len(chunk):
            if chunk.startswith(w, i):
                i += len(w)
            elif chunk[i] == 0:
                i += 1
            else:
                break
        if i >= len(chunk):
            return True
    return False


def _scan_calls(img: Image, attr: Attributor, owned: list, used_by: dict[str, set[str]]) -> None:
    """Add the ops whose code calls a [shared] helper; note disagreements with the manifest."""
    from selbuild.size.callscan import called
    helpers = {s.addr: s.name for row, s in owned if row == SHARED}
    if not helpers or img.format == "archive":
        return                                   # archives: undefined references already say it
    declared = {k: set(v) for k, v in used_by.items()}
    targets = set(helpers)
    for row, s in owned:
        if attr.kind(row) not in ("op", "backend"):
            continue
        for lo, hi, addr in img.file_ranges(s.addr, s.addr + s.size, with_addr=True):
            for t in called(img.arch, img.data[lo:hi], addr, targets):
                used_by[helpers[t]].add(row)
    for name in sorted(set(helpers.values())):
        extra = used_by.get(name, set()) - declared.get(name, set())
        if declared.get(name) and extra:
            img.notes.append(f"{name} is also called by {', '.join(sorted(extra))}, "
                             "which the manifest's used_by does not list")


def _piece_label(p) -> str:
    named = [n for _, n in p.symbols if not n.startswith("$")]
    if named:
        return named[0]
    return p.name or p.section or "(no symbol)"


def _backend_notes(names: list[str]) -> list[str]:
    """A backend may carry a caveat for every report it appears in (its
    `size_note`, e.g. nnapi: on-device validation outstanding)."""
    from selbuild import backends
    from selbuild.errors import SelbuildError
    notes = []
    for name in names:
        try:
            note = backends.size_note(name)
        except SelbuildError:    # a row named after a backend this checkout lacks: no caveat to add
            note = None
        if note:
            notes.append(f"{name}: {note}")
    return notes


def _report(img: Image, attr: Attributor, artifact: str, fl: Ledger, vl: Ledger,
            used_by: dict[str, set[str]]) -> SizeReport:
    rows: dict[str, Row] = {}
    syms: dict[tuple[str, str], SymbolSize] = {}

    def sym(o: Owner) -> SymbolSize:
        row = rows.setdefault(o.row, Row(o.row, attr.kind(o.row)))
        key = (o.row, o.label)
        if key not in syms:
            users = used_by.get(o.label, ()) if o.row == SHARED else ()   # static helpers share names
            syms[key] = SymbolSize(o.label, 0, 0, sorted(users))
            row.symbols.append(syms[key])
        return syms[key]

    for o, n in fl.by_owner().items():
        rows.setdefault(o.row, Row(o.row, attr.kind(o.row))).size += n
        sym(o).size += n
    for o, n in vl.by_owner().items():
        rows.setdefault(o.row, Row(o.row, attr.kind(o.row))).vm_size += n
        sym(o).vm_size += n
    for r in rows.values():
        r.symbols.sort(key=lambda s: (-s.size, -s.vm_size, s.name))
        r.used_by = sorted({u for s in r.symbols for u in s.used_by})
    ordered = sorted(rows.values(), key=lambda r: (-r.size, -r.vm_size, r.name))
    assert sum(r.size for r in ordered) == img.file_size, "ledger lost bytes"
    img.notes += _backend_notes([r.name for r in ordered if r.kind == "backend"])
    return SizeReport(artifact=artifact, format=img.format, arch=img.arch, file_size=img.file_size,
                      vm_size=vl.total(), gated_size=img.gated_size, rows=ordered, notes=list(img.notes))
