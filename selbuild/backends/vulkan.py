"""The Vulkan compute backend, Python half (C half: runtime_src/backends/vulkan/).

f32 only. Each op is one GLSL compute shader (runtime_src/backends/vulkan/
shaders/<module>.comp) compiled to SPIR-V at build time with glslangValidator
and embedded as a C array; a build embeds only the modules its selected ops
use. Ops sharing code share a module (add/mul -> binary, the two pools ->
pool2d, reshape and the unary activations -> unary).

Payload (little-endian u32 words; the C side verifies every one):

    magic 'SVK1', version 1, n_ops, n_uploads, n_downloads,
    n_ops x (op id, node index)         one op per partition node, in order
    n_uploads x tensor index            arena tensors read from outside
    n_downloads x tensor index          tensors later nodes / outputs read

The tensors, params (iparams/fparams) and weights of each op are the node's
own: the shaders read the CPU lowering's params and re-laid weights (GEMM
panels for conv2d/fully_connected), so nothing is duplicated in the payload.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

from selbuild import RUNTIME_SRC
from selbuild.backends.contract import PartitionPlan
from selbuild.errors import BuildError

MAGIC = 0x314B5653          # "SVK1"
VERSION = 1
SHADER_DIR = RUNTIME_SRC / "backends" / "vulkan" / "shaders"
GENERATED = "selrt_vulkan_spirv.c"

# op key -> (op id in the payload, shader module). Ids match SELRT_VK_OP_* in
# runtime_src/backends/vulkan/selrt_vulkan.h; modules match SELRT_VK_MOD_*.
OPS: dict[str, tuple[int, str]] = {
    "conv2d.f32": (1, "conv2d"),
    "depthwise_conv2d.f32": (2, "depthwise_conv2d"),
    "fully_connected.f32": (3, "fully_connected"),
    "add.f32": (4, "binary"),
    "mul.f32": (5, "binary"),
    "mean.f32": (6, "mean"),
    "softmax.f32": (7, "softmax"),
    "average_pool2d.f32": (8, "pool2d"),
    "max_pool2d.f32": (9, "pool2d"),
    "reshape.f32": (10, "unary"),
    "relu.f32": (11, "unary"),
    "relu6.f32": (12, "unary"),
    "hard_swish.f32": (13, "unary"),
    "logistic.f32": (14, "unary"),
    "concatenation.f32": (15, "concatenation"),
}
MODULES = ("conv2d", "depthwise_conv2d", "fully_connected", "binary", "mean", "softmax", "pool2d", "unary",
           "concatenation")
MAX_CONCAT_INPUTS = 12      # (32 push-constant words - 8) / 2 words per input

# Limits the C side checks at init (vulkan_ops.c, vulkan.c), mirrored here so
# that a partition the device would reject is never built (a `fallback: none`
# runtime could not run it): the device buffer [arena | weights] within the
# guaranteed maxStorageBufferRange, tensors and window arithmetic within the
# shaders' 32-bit ints.
_MAX_BUFFER = 1 << 27
_MAX_ELEMS = 1 << 30
_MAXP = 65536


class VulkanBackend:
    name = "vulkan"
    kernels = frozenset(OPS)
    # None: a delegated blob (ExecuTorch's VulkanBackend, a TFLite DELEGATE
    # node) is pre-compiled for another runtime and opaque to the converter;
    # this backend takes plain ops instead.
    delegates: frozenset[str] = frozenset()

    def supports(self, graph, node, lowered) -> bool | str:
        tensors = [graph.tensors[t] for t in list(lowered.inputs) + list(lowered.outputs) if t >= 0]
        for t in tensors:
            if t.dtype != "f32":
                return f"tensor '{t.name}' is {t.dtype}; the vulkan backend runs f32 only"
            if t.nbytes // 4 >= _MAX_ELEMS:
                return f"tensor '{t.name}' has 2^30 or more elements"
        why = _window_reason(graph, lowered)
        if why:
            return why
        if lowered.kernel in ("add.f32", "mul.f32") and lowered.iparams.get("rank", 0) > 6:
            return "broadcast rank above 6"
        if lowered.kernel == "concatenation.f32" and len(lowered.inputs) > MAX_CONCAT_INPUTS:
            return f"concatenation of {len(lowered.inputs)} inputs (the shader takes {MAX_CONCAT_INPUTS})"
        if lowered.kernel == "softmax.f32" and graph.tensors[lowered.inputs[0]].shape[-1] > 1 << 20:
            return "softmax rows longer than 2^20"
        return True

    def fits(self, part: PartitionPlan) -> bool | str:
        # The C side's layout: the arena, then each constant 16-aligned.
        need = (part.arena_size + 15) // 16 * 16 + part.constant_bytes + 16 * sum(map(len, part.inputs))
        if need > _MAX_BUFFER:
            return f"arena + weights need {need / 2**20:.1f} MiB of device buffer (limit 128 MiB)"
        return True

    def payload(self, part: PartitionPlan) -> bytes:
        words = [MAGIC, VERSION, len(part.nodes), len(part.uploads), len(part.downloads)]
        for node, kernel in zip(part.nodes, part.kernels):
            words += [OPS[kernel][0], node]
        words += part.uploads + part.downloads
        return struct.pack(f"<{len(words)}I", *words)

    def row_for(self, path: Path) -> str:
        """Size-report row of a generated file: the SPIR-V gets its own."""
        return "vulkan/spirv" if Path(path).name == GENERATED else "vulkan"

    def modules_for(self, kernels: list[str]) -> list[str]:
        used = {OPS[k][1] for k in kernels if k in OPS}
        return [m for m in MODULES if m in used]

    def generate_sources(self, kernels: list[str], gen_dir: Path) -> list[Path]:
        """selrt_vulkan_spirv.c: SPIR-V of the modules `kernels` use, nothing else."""
        modules = self.modules_for(kernels)
        lines = ["/* Generated by selbuild/backends/vulkan.py: SPIR-V of the selected ops. Do not edit. */",
                 # Found through the runtime_src/kernels include folder (this file lives in gen/).
                 '#include "../backends/vulkan/selrt_vulkan.h"', ""]
        entries = []
        for m in modules:
            words = compile_shader(SHADER_DIR / f"{m}.comp")
            lines.append(f"static const uint32_t selrt_vulkan_spv_{m}[{len(words)}] = {{")
            for i in range(0, len(words), 8):
                lines.append("  " + ", ".join(f"0x{w:08x}u" for w in words[i:i + 8]) + ",")
            lines.append("};")
            entries.append(f"  {{SELRT_VK_MOD_{m.upper()}, selrt_vulkan_spv_{m}, {len(words) * 4}u}},")
        if entries:
            lines.append("const selrt_vulkan_module selrt_vulkan_modules[] = {")
            lines += entries
            lines.append("};")
        else:
            lines.append("const selrt_vulkan_module selrt_vulkan_modules[1] = {{0, 0, 0}};")
        lines.append(f"const uint32_t selrt_vulkan_n_modules = {len(entries)}u;")
        out = Path(gen_dir) / GENERATED
        text = "\n".join(lines) + "\n"
        out.parent.mkdir(parents=True, exist_ok=True)
        if not out.exists() or out.read_text() != text:
            out.write_text(text)
        return [out]


def _window_reason(graph, lowered) -> str | None:
    """conv/pool params within what vulkan_ops.c accepts (selrt_vulkan_window_ok)."""
    ip = lowered.iparams
    if "stride_h" not in ip or "pad_top" not in ip:
        return None
    y = graph.tensors[lowered.outputs[0]].shape
    if lowered.kernel.startswith(("conv2d", "depthwise")):
        w = graph.tensors[lowered.inputs[1]].shape
        kh, kw = w[1], w[2]
        dh, dw = ip.get("dilation_h", 1), ip.get("dilation_w", 1)
    else:
        kh, kw, dh, dw = ip.get("filter_h", 1), ip.get("filter_w", 1), 1, 1
    for o, s, pad, k, d in ((y[1], ip["stride_h"], ip["pad_top"], kh, dh),
                            (y[2], ip["stride_w"], ip["pad_left"], kw, dw)):
        if not (1 <= s <= _MAXP and 1 <= d <= _MAXP and abs(pad) <= _MAXP) or \
                (o - 1) * s + (k - 1) * d + abs(pad) >= _MAX_ELEMS:
            return "stride, dilation or padding outside the shader's range"
    return None


def glslang() -> str:
    exe = shutil.which("glslangValidator")
    if exe is None:
        raise BuildError("the vulkan backend needs glslangValidator to compile its shaders",
                         hint="apt-get install glslang-tools (or drop `vulkan` from the config's backends)")
    return exe


def compile_shader(src: Path) -> list[int]:
    """SPIR-V words of one GLSL compute shader (Vulkan 1.0 target: every device)."""
    with tempfile.TemporaryDirectory() as tmp:
        spv = Path(tmp) / (src.stem + ".spv")
        res = subprocess.run([glslang(), "-V", "--target-env", "vulkan1.0", "-Os", "-g0", "-o", str(spv), str(src)],
                             capture_output=True, text=True)
        if res.returncode != 0:
            raise BuildError(f"glslangValidator failed on {src.name}:\n{res.stdout}{res.stderr}")
        data = spv.read_bytes()
    return list(struct.unpack(f"<{len(data) // 4}I", data))


BACKEND = VulkanBackend()
