"""TFLite model metadata: what an app needs besides the graph.

A converted or "metadata-populated" .tflite may hold a flatbuffer named
TFLITE_METADATA in Model.metadata (schema: schemas/tflite_metadata.fbs, file
identifier M001): model name, description, version, author, licence, per
input the normalization (mean/std), per output its label files. The files it
names live in a zip archive appended to the model. This module reads that into
plain dicts for `selbuild analyze`, the package (assets / resources) and the
runtime APIs.

Metadata is advisory: a broken metadata buffer never stops a model from
converting; it becomes a note instead (read() returns the reason).
"""

from __future__ import annotations

import io
import struct
import zipfile
from typing import Any

import flatbuffers
from flatbuffers import number_types as N
from flatbuffers.table import Table

METADATA_NAME = "TFLITE_METADATA"
IDENT = b"M001"
FILE_TYPES = {0: "unknown", 1: "descriptions", 2: "tensor_axis_labels", 3: "tensor_value_labels",
              4: "tensor_axis_score_calibration", 5: "vocabulary"}
LABEL_TYPES = ("tensor_axis_labels", "tensor_value_labels")
MAX_LABELS = 100_000            # a label file is a list of names, not a data set
NORMALIZATION = 1               # ProcessUnitOptions member


class _Bad(Exception):
    pass


def _table(buf: bytes, pos: int) -> Table:
    if not 0 <= pos < len(buf) - 3:
        raise _Bad("a table offset points outside the metadata")
    return Table(bytearray(buf), pos)


def _off(t: Table, slot: int) -> int:
    return t.Offset(4 + 2 * slot)


def _str(t: Table, slot: int) -> str | None:
    o = _off(t, slot)
    if not o:
        return None
    start = t.Pos + o
    p = start + N.UOffsetTFlags.py_type(t.Get(N.UOffsetTFlags, start))
    n = t.Get(N.UOffsetTFlags, p)
    if p + 4 + n > len(t.Bytes):
        raise _Bad("a string runs past the end of the metadata")
    return bytes(t.Bytes[p + 4:p + 4 + n]).decode("utf-8", "replace")


def _vec(t: Table, slot: int, elem: int = 4) -> tuple[int, int]:
    """(first element position, length) of a vector field; (0, 0) when absent."""
    o = _off(t, slot)
    if not o:
        return 0, 0
    n = t.VectorLen(o)
    start = t.Vector(o)
    if n < 0 or start + n * elem > len(t.Bytes):
        raise _Bad("a vector runs past the end of the metadata")
    return start, n


def _tables(t: Table, slot: int) -> list[Table]:
    start, n = _vec(t, slot)
    return [_table(t.Bytes, t.Indirect(start + 4 * i)) for i in range(n)]


def _floats(t: Table, slot: int) -> list[float]:
    start, n = _vec(t, slot)
    return [float(t.Get(N.Float32Flags, start + 4 * i)) for i in range(n)]


def _byte(t: Table, slot: int) -> int:
    o = _off(t, slot)
    return int(t.Get(N.Int8Flags, t.Pos + o)) if o else 0


def _sub(t: Table, slot: int) -> Table | None:
    o = _off(t, slot)
    return _table(t.Bytes, t.Indirect(t.Pos + o)) if o else None


def _files(t: Table, slot: int) -> list[dict]:
    out = []
    for f in _tables(t, slot):
        d = {"name": _str(f, 0), "type": FILE_TYPES.get(_byte(f, 2), "unknown")}
        for key, s in (("description", 1), ("locale", 3)):
            v = _str(f, s)
            if v:
                d[key] = v
        out.append(d)
    return out


def _tensor(t: Table) -> dict:
    d: dict[str, Any] = {"name": _str(t, 0)}
    if _str(t, 1):
        d["description"] = _str(t, 1)
    for unit in _tables(t, 4):
        if _byte(unit, 0) == NORMALIZATION:
            opts = _sub(unit, 1)
            if opts is not None:
                d["normalization"] = {"mean": _floats(opts, 0), "std": _floats(opts, 1)}
    stats = _sub(t, 5)
    if stats is not None and (_floats(stats, 0) or _floats(stats, 1)):
        d["stats"] = {"max": _floats(stats, 0), "min": _floats(stats, 1)}
    files = _files(t, 6)
    if files:
        d["files"] = files
    return d


def parse_metadata(buf: bytes) -> dict:
    """The ModelMetadata flatbuffer as a dict (keys only for fields that are set)."""
    if len(buf) < 8 or not flatbuffers.util.BufferHasIdentifier(bytearray(buf), 0, IDENT):
        raise _Bad("the TFLITE_METADATA buffer is not a metadata flatbuffer (no 'M001' identifier)")
    root = _table(buf, int.from_bytes(buf[0:4], "little"))
    out: dict[str, Any] = {}
    for key, slot in (("name", 0), ("description", 1), ("version", 2), ("author", 4), ("license", 5),
                      ("min_parser_version", 7)):
        v = _str(root, slot)
        if v:
            out[key] = v
    graphs = _tables(root, 3)
    if graphs:
        main = graphs[0]
        out["inputs"] = [_tensor(t) for t in _tables(main, 2)]
        out["outputs"] = [_tensor(t) for t in _tables(main, 3)]
        sub_files = _files(main, 4)
        if sub_files:
            out["subgraph_files"] = sub_files
    files = _files(root, 6)
    if files:
        out["files"] = files
    return out


def _metadata_buffer(raw: Any) -> bytes | None:
    """The bytes of the buffer Model.metadata names TFLITE_METADATA, else None."""
    m, data = raw.fb, raw.data
    if m is None:
        return None
    for i in range(min(m.MetadataLength(), 4096)):
        entry = m.Metadata(i)
        if (entry.Name() or b"").decode("utf-8", "replace") != METADATA_NAME:
            continue
        idx = entry.Buffer()
        if not 0 <= idx < m.BuffersLength():
            raise _Bad(f"its buffer index {idx} is out of range")
        b = m.Buffers(idx)
        if not b.DataIsNone() and b.DataLength() > 0:
            return bytes(b.DataAsNumpy().tobytes())
        off, size = int(b.Offset()), int(b.Size())
        if off > 1 and off + size <= len(data):
            return data[off:off + size]
        raise _Bad("its buffer is empty")
    return None


def zip_members(data: bytes) -> dict[str, bytes]:
    """Files of the zip archive appended to a model (name -> bytes); {} when there is none."""
    if b"PK\x05\x06" not in data[-66_000:]:
        return {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return {i.filename: z.read(i) for i in z.infolist()
                    if not i.is_dir() and i.file_size <= 64 << 20}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return {}


def read(raw: Any) -> tuple[dict | None, str | None]:
    """(metadata, problem): the model's metadata with its label files read from the
    appended zip (`labels`: file name -> list of labels), or None; `problem` says
    why metadata that is there could not be read."""
    try:
        buf = _metadata_buffer(raw)
        if buf is None:
            return None, None
        meta = parse_metadata(buf)
    except (_Bad, struct.error, IndexError, ValueError, TypeError, OverflowError, UnicodeDecodeError, AttributeError) as e:
        return None, f"TFLite metadata is unreadable and ignored: {e}"
    members = zip_members(raw.data)
    named = [f for t in meta.get("outputs", []) + meta.get("inputs", []) for f in t.get("files", [])]
    named += meta.get("files", []) + meta.get("subgraph_files", [])
    labels = {}
    for f in named:
        if f["type"] in LABEL_TYPES and f["name"] in members:
            text = members[f["name"]].decode("utf-8", "replace")
            labels[f["name"]] = [line.strip() for line in text.splitlines() if line.strip()][:MAX_LABELS]
    if labels:
        meta["labels"] = labels
    missing = sorted({f["name"] for f in named if f["name"] and f["name"] not in members})
    if missing:
        meta["missing_files"] = missing
    return meta, None


def describe(meta: dict | None) -> list[str]:
    """Lines for `selbuild analyze`'s text output."""
    if not meta:
        return []
    lines = []
    head = [f"{k} {meta[k]}" for k in ("name", "version", "author", "license") if meta.get(k)]
    if head:
        lines.append("metadata: " + ", ".join(head))
    if meta.get("description"):
        lines.append(f"  description: {meta['description']}")
    for t in meta.get("inputs", []):
        norm = t.get("normalization")
        if norm:
            lines.append(f"  input {t['name']}: normalize (x - mean {norm['mean']}) / std {norm['std']}")
    for t in meta.get("outputs", []):
        for f in t.get("files", []):
            n = len(meta.get("labels", {}).get(f["name"], []))
            lines.append(f"  output {t['name']}: {f['type']} {f['name']}" + (f" ({n} labels)" if n else ""))
    for name, size in (meta.get("extra_files") or {}).items():
        lines.append(f"  extra file {name} ({size:,} B)")
    if meta.get("missing_files"):
        lines.append(f"  files named but not in the model's zip: {', '.join(meta['missing_files'])}")
    return lines


def to_json(meta: dict) -> str:
    """Compact, key-sorted JSON: the same model gives the same program bytes."""
    import json
    return json.dumps(meta, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def from_program(metadata: dict[str, str]) -> dict | None:
    """The app metadata a program carries (key "model.app"), or None."""
    import json
    text = metadata.get("model.app")
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
