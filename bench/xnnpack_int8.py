"""MobileNetV2 (torchvision's architecture, random weights, 224x224) quantized with
ExecuTorch's XNNPACKQuantizer, static per-channel and dynamic, lowered to the
XNNPACK delegate; selbuild converts the .pte and runs it on the host runtime
built with its kernels, against the ExecuTorch runtime with XNNPACK.

    .venv/bin/python bench/xnnpack_int8.py [--mode static] [--mode dynamic]

For each mode: the kernels, max |selbuild - ExecuTorch|, that in output
quantization steps (static) or relative to the largest output (dynamic), and
how far each is from the float computation with dequantized weights (the fx
graph selbuild rebuilds). Too slow for the test suite (about 135 s for both);
tests/test_pte_xnnpack.py checks the small ConvLinear module the same way.
Writes bench/results/xnnpack_int8.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from selbuild import verify  # noqa: E402
from selbuild.build import build_target  # noqa: E402
from selbuild.config import BuildConfig  # noqa: E402
from selbuild.convert.pipeline import convert  # noqa: E402
from selbuild.frontends import executorch_load, load_model  # noqa: E402


def run(mode: str, out: Path) -> dict:
    import torch
    from test_pte_et1 import et_run
    from xnn_models import MobileNetV2, export_xnnpack, randomize_bn
    x = np.random.default_rng(6).standard_normal((1, 3, 224, 224)).astype(np.float32)
    torch.manual_seed(0)
    pte = export_xnnpack(randomize_bn(MobileNetV2(), 2), (torch.from_numpy(x),), out / f"mv2_{mode}.pte", mode)
    model = load_model(pte)
    kernels = sorted({n.kernel for n in model.main.nodes})
    cfg = BuildConfig(path=out / f"mv2_{mode}.yaml", name=f"mv2_{mode}", models=[], targets=["host"],
                      ops={k: [] for k in kernels})
    manifest = build_target(cfg, "host", out_root=out).manifest
    (ours,) = verify.run_program(manifest, convert(model).program,
                                 {model.main.tensors[model.main.inputs[0]].name: x}).values()
    (ref,) = et_run(pte, "forward", [x])
    (flt,) = executorch_load.reference(pte, [x])
    err = float(np.abs(ours - ref).max())
    row = {"kernels": kernels, "max_abs_error": err, "max_abs_output": float(np.abs(ref).max()),
           "selbuild_vs_float": float(np.abs(ours - flt).max()), "executorch_vs_float": float(np.abs(ref - flt).max())}
    g = model.main
    deq = [n for n in g.nodes if n.op == "dequantize" and n.outputs[0] in g.outputs]
    if deq:
        row["error_in_output_steps"] = err / float(g.tensors[deq[0].inputs[0]].quant.scale[0])
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", action="append", choices=["static", "dynamic"])
    args = ap.parse_args()
    out = REPO / "build" / "bench-xnnpack-int8"
    out.mkdir(parents=True, exist_ok=True)
    results = {m: run(m, out) for m in args.mode or ["static", "dynamic"]}
    dest = REPO / "bench" / "results" / "xnnpack_int8.json"
    dest.parent.mkdir(exist_ok=True)
    dest.write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
