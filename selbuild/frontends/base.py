"""What every frontend returns to `selbuild analyze` (the --json contract)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class TensorInfo:
    name: str
    shape: list[int]
    dtype: str                       # canonical dtype name (selbuild.ir.DTYPES)


@dataclass
class OpUse:
    op: str | None                   # canonical "<op>.<dtype>", None when selbuild has no name for it
    source_op: str                   # as the file spells it: "CONV_2D", "aten::convolution.out"
    version: int | None              # operator version (TFLite), None where the format has none
    count: int                       # how many nodes, over all subgraphs
    # False for what a framework's interpreter does itself (TorchScript's
    # aten::size, aten::__getitem__.t, prim::*; ops of training-only branches):
    # listed because the framework's own selective build needs them, but no
    # selbuild kernel is needed.
    kernel_needed: bool = True


@dataclass
class Delegate:
    name: str                        # "flex", "edgetpu", "XnnpackBackend", ...
    reason: str                      # why the model needs it


@dataclass
class ModelSummary:
    path: str
    format: str                      # "tflite", "pte", "ptl", "pt2"
    sha256: str
    subgraphs: int
    inputs: list[TensorInfo]
    outputs: list[TensorInfo]
    ops: list[OpUse]
    custom_ops: list[str] = field(default_factory=list)
    delegates: list[Delegate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # human remarks, e.g. "uses WHILE control flow"
    # What an app needs besides the graph: TFLite metadata (name, description, version,
    # author, license, inputs[].normalization, outputs[].files, labels) or a
    # TorchScript archive's extra files ({"extra_files": {name: size}}). None: nothing.
    metadata: dict | None = None

    def to_json(self) -> dict:
        d = asdict(self)
        if not self.notes:
            d.pop("notes")
        if self.metadata is None:
            d.pop("metadata")
        return d


def torch_extra_files(path) -> dict | None:
    """{"extra_files": {name: bytes}} for a torch archive (.pt/.ptl/.pt2) whose
    `_extra_files` / `extra_files` the app stored beside the model (labels,
    configs: members `<archive>/extra/<name>`), else None. Never raises: the
    frontend has already judged the archive."""
    import zipfile
    try:
        with zipfile.ZipFile(path) as zf:
            found = {}
            for info in zf.infolist():
                parts = info.filename.split("/")
                if len(parts) >= 3 and parts[1] == "extra" and not info.is_dir():
                    found["/".join(parts[2:])] = info.file_size
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None
    return {"extra_files": dict(sorted(found.items()))} if found else None
