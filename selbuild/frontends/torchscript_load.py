"""TorchScript modules (.ptl lite-interpreter files, .pt) converted to the IR.

A lite-interpreter file also carries the module's TorchScript code, so torch
loads it as a ScriptModule; torch's TorchScript-to-export converter then gives
an ExportedProgram for the input shapes the config names (`input_shapes:`),
lowered like a .pt2 (torch_export.lower_program).
"""

from __future__ import annotations

import warnings
from pathlib import Path

from selbuild.errors import ModelError, UnsupportedError
from selbuild.frontends.torchscript import require_torch
from selbuild.inputs import bounded_memory, probe_foreign_loader


def load(path: Path, input_shapes: dict[str, list[int]] | None = None):
    """The IR of a scripted or traced module (.ptl / .pt) for fixed input shapes.

    A TorchScript file stores no input shapes, so they are an argument (the
    config's `input_shapes:`). torch converts the module to an ExportedProgram
    for float32 inputs of those shapes (control flow that depends only on the
    shapes is decided then), which is lowered like a .pt2."""
    torch = require_torch()
    path = Path(path)
    from selbuild.frontends import read_model
    data = read_model(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            probe_foreign_loader(path, lambda: torch.jit.load(str(path), map_location="cpu"), "torch")
            with bounded_memory(len(data)):
                module = torch.jit.load(str(path), map_location="cpu").eval()
    except ModelError:
        raise
    except Exception as e:
        why = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ModelError(f"{path}: torch cannot load this module: {why}") from None
    names = [a.name for a in module.forward.schema.arguments[1:]]
    example = ", ".join(f"{n}: [1, 3, 224, 224]" for n in names[:2])
    hint = (f"give them under the model in the config: input_shapes: {{{example}}} "
            f"(forward's inputs: {', '.join(names)}), or convert the module itself with "
            "selbuild.torch_api.convert_module(module, example_inputs, out_path)")
    if not input_shapes:
        raise UnsupportedError(f"{path}: a TorchScript module does not store its input shapes", hint=hint)
    missing = [n for n in names if n not in input_shapes]
    unknown = sorted(set(input_shapes) - set(names))
    if missing or unknown:
        raise UnsupportedError(f"{path}: input_shapes " + (f"misses {', '.join(missing)}" if missing else
                                                           f"names no input {', '.join(unknown)}"), hint=hint)
    from torch._export.converter import TS2EPConverter

    from selbuild.frontends import torch_export
    args = tuple(torch.zeros([int(d) for d in input_shapes[n]]) for n in names)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ep = TS2EPConverter(module, args).convert()
            # the converter leaves dimensions symbolic; exported again its
            # module gets the static shapes a program is planned for
            ep = torch.export.export(ep.module(), args)
    except Exception as e:      # torch's converter raises whatever its passes raise
        why = str(e).strip().splitlines()[0][:300] if str(e).strip() else type(e).__name__
        raise UnsupportedError(f"{path}: torch cannot convert this TorchScript module to an "
                               f"exported program: {why}") from None
    model, errors = torch_export.lower_program(ep, str(path))
    if errors:
        raise torch_export.unsupported(errors, str(path))
    # inputs keep forward's argument names (the config names them so)
    for tid, n in zip(model.main.inputs, names):
        model.main.tensors[tid].name = n
    model.format = "ptl"
    return model
