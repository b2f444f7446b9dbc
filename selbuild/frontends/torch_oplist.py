"""The operators PyTorch Mobile itself must register for TorchScript models.

selbuild's analysis of a .ptl/.pt file serves two selective builds: ours (the
tensor ops, as `<op>.<dtype>` kernels) and PyTorch Mobile's own, which takes
the list of every operator the lite interpreter calls, scalar and list ops
included (`aten::size`, `aten::__getitem__.t`, `aten::eq.int`, ...), as a YAML
list (its SELECTED_OP_LIST). That list comes from torch itself:
`torch.jit.mobile._export_operator_list` for lite-interpreter files,
`torch.jit.export_opnames` for full TorchScript archives.
"""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path
from typing import Any


def is_lite(path: Path) -> bool:
    """A lite-interpreter archive (it carries bytecode.pkl)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return any(n.endswith("/bytecode.pkl") for n in zf.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def operator_list(torch: Any, path: Path, module: Any | None = None) -> list[str]:
    """Every operator torch reports for the file, sorted (the caller guards torch's errors)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if is_lite(path):
            from torch.jit.mobile import _export_operator_list, _load_for_lite_interpreter
            return sorted(_export_operator_list(_load_for_lite_interpreter(str(path))))
        if module is None:
            module = torch.jit.load(str(path), map_location="cpu")
        return sorted(torch.jit.export_opnames(module))
