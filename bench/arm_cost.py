"""ARM cost of an inference, counted under qemu: instructions per inference and per multiply-add.

    .venv/bin/python bench/arm_cost.py [--target android-arm64 --target android-armv7]
        [--cpu cortex-a53|max] [--profile speed|size] [--runs 2] [MODEL ...]

No ARM machine is lent to this project, so time on ARM cannot be measured
here; the number of guest instructions can, exactly: qemu-user runs the
Android runtime with a small TCG plugin (bench/qemu_plugin/, built here with
clang against our own minimal declaration of the plugin API) that adds every
translated block's instruction count to a counter each time the block runs.
The runner is started twice, with 1 and with 1 + --runs inferences; the
difference divided by --runs is the cost of one inference alone (process
start, program load and file I/O cancel out). Multiply-adds are counted from
the converted graph (conv2d, depthwise, fully_connected, batch_matmul,
transpose_conv). `--cpu max` lets qemu offer every extension it emulates
(dotprod, i8mm, fp16 on arm64); the default is the toolchain's cortex-a53.

Default models: MobileNetV2 0.35/96 f32 and int8 (the 1.0/224 ones take a
few minutes each under qemu; name them to include them). Writes
bench/results/arm_cost.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from selbuild import verify  # noqa: E402
from selbuild.build import build_target  # noqa: E402
from selbuild.config import BuildConfig  # noqa: E402
from selbuild.convert import convert, read_program  # noqa: E402
from selbuild.convert.pipeline import prepare, required_kernels  # noqa: E402
from selbuild.errors import SelbuildError  # noqa: E402
from selbuild.frontends import load_model  # noqa: E402
from selbuild.ir import Graph  # noqa: E402

MODELS = REPO / "tests" / "models" / "tflite"
DEFAULT = ["mobilenetv2_a035_96_f32", "mobilenetv2_a035_96_int8"]
PLUGIN_SRC = REPO / "bench" / "qemu_plugin" / "selrt_insn_count.c"


def _numel(shape) -> int:
    return int(np.prod(shape, dtype=np.int64)) if len(shape) else 1


def multiply_adds(g: Graph) -> int:
    """Multiply-adds of the graph's matrix and convolution nodes (what instructions per MAC divides by)."""
    total = 0
    for n in g.nodes:
        t = [g.tensors[i] if i >= 0 else None for i in n.inputs]
        out = g.tensors[n.outputs[0]].shape if n.outputs else ()
        if n.op == "conv2d":                       # weights [Co, kh, kw, Ci]
            total += _numel(out) * _numel(t[1].shape[1:])
        elif n.op == "depthwise_conv2d":           # weights [1, kh, kw, C*m]
            total += _numel(out) * _numel(t[1].shape[1:3])
        elif n.op == "fully_connected":            # weights [O, I]
            total += _numel(out) * t[1].shape[-1]
        elif n.op == "batch_matmul":
            a = t[0].shape
            total += _numel(out) * (a[-2] if n.attrs.get("adj_x") else a[-1])
        elif n.op == "transpose_conv":             # inputs: output shape, weights [Co, kh, kw, Ci], x
            total += _numel(t[2].shape) * _numel(t[1].shape[:3])
    return total


def build_plugin(qemu: str, out_dir: Path) -> Path:
    version = subprocess.run([qemu, "--version"], capture_output=True, text=True).stdout.split()
    major = int(version[2].split(".")[0]) if len(version) > 2 and version[2][:1].isdigit() else 0
    if not 4 <= major <= 8:
        raise SelbuildError(f"{qemu} is version {major}: the plugin declares API version 1 (qemu 4.2 to 8.x)")
    cc = shutil.which("clang-19") or shutil.which("cc")
    so = out_dir / "selrt_insn_count.so"
    subprocess.run([cc, "-shared", "-fPIC", "-O2", "-std=c11", "-Wall", "-Wextra", "-Werror", "-fvisibility=hidden",
                    "-o", str(so), str(PLUGIN_SRC)], check=True)
    return so


def count(command: list[str], plugin: Path, cpu: str | None, program: bytes, inputs: list[np.ndarray],
          runs: int) -> tuple[int, float]:
    """Guest instructions (and wall seconds) of one runner process doing `runs` inferences."""
    with tempfile.TemporaryDirectory(prefix="arm_cost_") as tmp:
        d = Path(tmp)
        (d / "in").mkdir()
        (d / "out").mkdir()
        (d / "p.selrt").write_bytes(program)
        for i, a in enumerate(inputs):
            (d / "in" / f"input_{i}.bin").write_bytes(np.ascontiguousarray(a.astype(a.dtype.newbyteorder("<"))).tobytes())
        cmd = list(command)
        if cpu and "-cpu" in cmd:
            cmd[cmd.index("-cpu") + 1] = cpu
        cmd[1:1] = ["-plugin", f"{plugin},out={d / 'count'}"]
        cmd += [str(d / "p.selrt"), str(d / "in"), str(d / "out"), "--repeat", str(runs)]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SelbuildError(f"runner failed ({proc.returncode}): {proc.stderr.strip()[:300]}")
        return int((d / "count").read_text()), wall


def bench(name: str, target: str, cpu: str | None, profile: str, runs: int, plugin_dir: Path) -> dict:
    path = MODELS / f"{name}.tflite"
    model = load_model(path)
    kernels = required_kernels(model)
    cfg = BuildConfig(path=REPO / "build" / f"armcost-{name}.yaml", name=f"armcost-{name}", models=[],
                      targets=[target], profile=profile, ops={k: [name] for k in kernels})
    result = build_target(cfg, target, out_root=REPO / "build", profile=profile)
    program = convert(model, kernels=set(kernels)).program
    info = read_program(program)
    inputs = verify.random_inputs(info, seed=1)
    rt = verify.load_runtime(result.manifest)
    if not rt.command or "qemu" not in Path(rt.command[0]).name:
        raise SelbuildError(f"{target} does not run under qemu here")
    plugin = build_plugin(rt.command[0], plugin_dir)
    arrays = verify.check_inputs(info, inputs)
    one, _ = count(list(rt.command), plugin, cpu, program, arrays, 1)
    many, wall = count(list(rt.command), plugin, cpu, program, arrays, 1 + runs)
    per_inference = (many - one) / runs
    macs = multiply_adds(prepare(model)[0])
    return {"model": name, "target": target, "cpu": cpu or rt.command[rt.command.index("-cpu") + 1],
            "profile": profile, "kernels": sorted(kernels), "multiply_adds": macs,
            "instructions_per_inference": int(per_inference), "instructions_per_mac": round(per_inference / macs, 3),
            "process_overhead_instructions": int(one - per_inference), "qemu_wall_s": round(wall, 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="*")
    ap.add_argument("--target", action="append", choices=["android-arm64", "android-armv7", "linux-arm64",
                                                          "linux-armv7"])
    ap.add_argument("--cpu", default=None, help="qemu -cpu model (default: the toolchain's, cortex-a53)")
    ap.add_argument("--profile", default="speed", choices=["speed", "size"])
    ap.add_argument("--runs", type=int, default=2, help="inferences counted (beyond the one subtracted)")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "arm_cost.json")
    args = ap.parse_args(argv)
    rows, skipped = [], []
    with tempfile.TemporaryDirectory(prefix="qemu_plugin_") as plugin_dir:
        for name in args.models or DEFAULT:
            for target in args.target or ["android-arm64", "android-armv7"]:
                try:
                    row = bench(name, target, args.cpu, args.profile, max(1, args.runs), Path(plugin_dir))
                except (SelbuildError, subprocess.CalledProcessError) as e:
                    msg = getattr(e, "message", str(e)).splitlines()[0][:300]
                    skipped.append({"model": name, "target": target, "reason": msg})
                    print(f"{name} {target}: skipped: {msg}")
                    continue
                rows.append(row)
                print(f"{name} {target} -cpu {row['cpu']} ({args.profile}): {row['instructions_per_inference']:,} "
                      f"instructions, {row['multiply_adds']:,} MACs, {row['instructions_per_mac']} per MAC")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"schema": 1, "benchmark": "arm_cost", "rows": rows, "skipped": skipped},
                                   indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
