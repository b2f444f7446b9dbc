"""Writes the example models: scale_shift.tflite (a TFLite model whose CUSTOM op
ScaleShift carries its attributes as flexbuffer custom_options, built with
tests/tflite_builder.py) and scale_shift.pt2 (torch.export of a module calling
mylib::scale_shift). Usage: python make_models.py [OUT_DIR]"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "tests"))

BIAS = np.array([0.5, -1.0, 0.25, 2.0], np.float32)


def tflite_model(scale: float = 1.5, axis: int = -1, relu: bool = True) -> bytes:
    from flatbuffers import flexbuffers
    from tflite_builder import Op, T, build_model
    opts = bytes(flexbuffers.Dumps({"scale": scale, "axis": axis, "relu": relu}))
    # y = ScaleShift(x, bias) followed by a built-in ADD, so the custom kernel sits in a real graph.
    return build_model(
        ops=[Op("CUSTOM", ["x", "bias"], ["s"], custom_code="ScaleShift", custom_options=opts),
             Op("ADD", ["s", "x"], ["y"])],
        tensors=[T("x", [2, 3, 4]), T("bias", [4], data=BIAS), T("s", [2, 3, 4]), T("y", [2, 3, 4])])


def torch_model(path: Path) -> None:
    import runpy
    import torch
    runpy.run_path(str(HERE / "scale_shift_torch.py"))

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bias = torch.nn.Parameter(torch.from_numpy(BIAS.copy()))

        def forward(self, x):
            return torch.ops.mylib.scale_shift(x * 2.0, self.bias, 0.5, -1, True) + x

    ep = torch.export.export(Net(), (torch.zeros(2, 3, 4),))
    torch.export.save(ep, str(path))


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    (out / "scale_shift.tflite").write_bytes(tflite_model())
    torch_model(out / "scale_shift.pt2")
    print(f"wrote {out / 'scale_shift.tflite'} and {out / 'scale_shift.pt2'}")
