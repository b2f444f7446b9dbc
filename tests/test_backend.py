"""The backend contract: core verification of partitions, the generated
backend table, the partition pass (mixed CPU/Vulkan graphs), analyze's
backends section, delegates at config/build time, cross builds with the
Vulkan backend (no libvulkan dependency, only selrt_* exported, own size
rows) and the hand-declared Vulkan structs against the real headers."""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from harness import ctools  # noqa: F401  (ctools is a fixture)
from program_writer import bcast_strides, make_program
from selbuild import RUNTIME_SRC, codegen
from selbuild.build import build_target
from selbuild.config import load_config
from selbuild.convert import convert, read_program
from selbuild.errors import ConfigError
from selbuild.frontends import load_model
from selbuild import verify
from tflite_builder import Op, T, build_model
from test_vulkan import MODELS, max_rel_err, model_ops, needs_vulkan, run, write_config

OK, BAD_PROGRAM, MISSING_KERNEL = 0, 2, 4


def _two_adds(**over):
    """a[2,3] + b[3] -> t; t + b -> out, as make_program arguments."""
    ip = [2] + bcast_strides([2, 3], [2, 3]) + bcast_strides([3], [2, 3])
    args = dict(
        tensors=[{"name": "a", "dtype": "f32", "shape": [2, 3], "arena_offset": 0},
                 {"name": "b", "dtype": "f32", "shape": [3], "arena_offset": 32},
                 {"name": "t", "dtype": "f32", "shape": [2, 3], "arena_offset": 48},
                 {"name": "out", "dtype": "f32", "shape": [2, 3], "arena_offset": 80}],
        nodes=[{"kernel": 0, "inputs": [0, 1], "outputs": [2], "iparams": ip, "fparams": [-math.inf, math.inf]},
               {"kernel": 0, "inputs": [2, 1], "outputs": [3], "iparams": ip, "fparams": [-math.inf, math.inf]}],
        inputs=[0, 1], outputs=[3], kernels=["add.f32"], arena_size=112)
    args.update(over)
    return args


def _parts(nodes_partition, partitions):
    args = _two_adds(partitions=partitions)
    for n, p in zip(args["nodes"], nodes_partition):
        if p is not None:
            n["partition"] = p
    return args


def test_partition_over_both_nodes_runs_on_cpu_without_the_backend(ctools):
    assert ctools.load(make_program(**_parts([0, 0], [{"backend": "vulkan", "payload": b"x" * 16,
                                                        "nodes": [0, 1]}]))) == (OK, "")


@pytest.mark.parametrize("node_parts, nodes, msg", [
    ([0, None], [0, 1], "lists a node whose partition is another"),
    ([0, 0], [0], "not in the node list of its partition"),
    ([0, 0], [1, 0], "nodes must be consecutive and ascending"),
    ([0, 0], [], "no nodes"),
])
def test_partition_node_lists_are_verified(ctools, node_parts, nodes, msg):
    st, text = ctools.load(make_program(**_parts(node_parts, [{"backend": "vulkan", "nodes": nodes}])))
    assert st == BAD_PROGRAM and msg in text, text


def test_missing_kernel_in_a_runtime_without_backends(ctools):
    """Partitions do not excuse a missing kernel when no backend is compiled in."""
    args = _parts([0, 0], [{"backend": "vulkan", "nodes": [0, 1]}])
    args["kernels"] = ["mul.f32"]
    st, text = ctools.load(make_program(**args))
    assert st == MISSING_KERNEL and "program needs kernel 'mul.f32'" in text


def test_generated_table_lists_backends():
    text = codegen.table_source(["add.f32"], ["vulkan"])
    assert "extern const selrt_backend selrt_backend_vulkan;" in text
    assert "selrt_backend_table_size = 1;" in text
    assert "selrt_backend_table_size = 0;" in codegen.table_source(["add.f32"], [])
    owners = codegen.source_owners(["add.f32"], ["vulkan"])
    assert owners[Path("backends/vulkan/vulkan.c")] == "backend:vulkan"


def _mixed_model(tmp_path: Path) -> Path:
    """add -> sub (no vulkan shader) -> mul: two Vulkan partitions around a CPU node."""
    rng = np.random.default_rng(0)
    path = tmp_path / "mixed.tflite"
    path.write_bytes(build_model(
        ops=[Op("ADD", ["x", "c"], ["t1"]), Op("SUB", ["t1", "x"], ["t2"]), Op("MUL", ["t2", "t1"], ["y"],
                                                                             options=dict(activation="relu"))],
        tensors=[T("x", [1, 5, 7]), T("c", [7], data=rng.standard_normal(7)), T("t1", [1, 5, 7]),
                 T("t2", [1, 5, 7]), T("y", [1, 5, 7])]))
    return path


def test_partition_pass_splits_around_unsupported_nodes(tmp_path):
    r = convert(load_model(_mixed_model(tmp_path)), backends=["vulkan"])
    assert r.stats.partitions == [("vulkan", 1), ("vulkan", 1)]
    assert r.stats.backend_nodes == {"add.f32": 1, "mul.f32": 1}
    # Without backends: the same nodes, no partitions.
    assert convert(load_model(_mixed_model(tmp_path))).stats.partitions == []


@needs_vulkan
def test_mixed_partitions_on_lavapipe(tmp_path, tmp_path_factory):
    """t1 is downloaded after the first partition (SUB on the CPU reads it) and
    uploaded again into the second: the upload/download lists at work."""
    path = _mixed_model(tmp_path)
    cfg = write_config(tmp_path / "mixed.yaml", path, ["add.f32", "sub.f32", "mul.f32"])
    out = build_target(load_config(cfg), "host", out_root=tmp_path / "b").out_dir
    program = convert(load_model(path), backends=["vulkan"]).program
    info = read_program(program)
    inputs = verify.random_inputs(info, seed=5)
    code, ours, err = run(out, program, verify.check_inputs(info, inputs))
    assert code == 0 and "selrt_run: backend:" not in err, err
    assert max_rel_err(ours, verify.litert_reference(path, inputs)) <= 1e-5


def test_analyze_reports_backend_nodes(tmp_path):
    from selbuild.analyze import analyze

    doc = analyze([_mixed_model(tmp_path), MODELS / "tiny_cnn_int8.tflite"], backends=["vulkan"]).to_json()
    assert {"models", "ops", "delegates", "backends"} <= set(doc)
    mixed, int8 = doc["backends"]
    assert (mixed["backend_nodes"], mixed["cpu_nodes"], mixed["partitions"]) == (2, 1, 2)
    assert mixed["kernels"]["sub.f32"] == {"backend": 0, "cpu": 1}
    assert mixed["cpu"] == [{"kernel": "sub.f32", "reason": "sub.f32 is not a vulkan op", "count": 1}]
    assert int8["backend_nodes"] == 0 and int8["cpu_nodes"] == int8["nodes"] > 0
    assert "backends" not in analyze([_mixed_model(tmp_path)]).to_json()   # the old contract by default


def test_flex_model_is_a_clear_build_error(tmp_path):
    from selbuild.config_write import init_config

    model = tmp_path / "flexy.tflite"
    model.write_bytes(build_model(ops=[Op("CUSTOM", ["a"], ["b"], custom_code="FlexErf"),
                                       Op("CUSTOM", ["b"], ["c"], custom_code="FlexAtan2"), Op("RELU", ["c"], ["d"])],
                                  tensors=[T("a", [4]), T("b", [4]), T("c", [4]), T("d", [4])]))
    cfg = init_config([model], tmp_path / "flexy.yaml", targets=["host"])
    assert cfg.backends == []
    with pytest.raises(ConfigError) as e:
        build_target(load_config(tmp_path / "flexy.yaml", check_models=False), "host", out_root=tmp_path / "b")
    text = str(e.value) + " ".join(m for _, m in e.value.problems)
    assert "Select TF ops are not supported; the model needs FlexAtan2, FlexErf" in text, text


@pytest.mark.parametrize("target", ["android-arm64", "android-armv7"])
def test_android_build_with_vulkan_backend(tmp_path, target):
    from selbuild.size import report_artifact

    model = MODELS / "mobilenetv2_a035_96_f32.tflite"
    cfg = write_config(tmp_path / "mb.yaml", model, model_ops(model), targets=f"[{target}]")
    res = build_target(load_config(cfg), target, out_root=tmp_path / "b")
    readelf = shutil.which("llvm-readelf-19") or shutil.which("readelf")
    dyn = subprocess.run([readelf, "-d", str(res.library)], capture_output=True, text=True, check=True).stdout
    needed = [ln for ln in dyn.splitlines() if "NEEDED" in ln]
    assert needed and not any("vulkan" in ln for ln in needed), needed
    nm = shutil.which("llvm-nm-19") or "nm"
    out = subprocess.run([nm, "-D", "--defined-only", str(res.library)], capture_output=True, text=True,
                         check=True).stdout
    exported = [ln.split()[-1] for ln in out.splitlines() if ln.strip()]
    assert exported and all(s.startswith("selrt_") for s in exported), exported
    assert "selrt_session_backend_status" in exported
    rep = report_artifact(res.library, res.manifest)
    rows = {r.name: r for r in rep.rows}
    assert rows["vulkan"].kind == "backend" and rows["vulkan"].size > 5_000          # code
    assert rows["vulkan/spirv"].kind == "backend" and rows["vulkan/spirv"].size > 10_000   # 6 shaders
    assert sum(r.size for r in rep.rows) == res.library.stat().st_size


def test_vulkan_struct_layouts_match_the_real_headers(tmp_path):
    """selrt_vulkan.h declares Vulkan's structs by hand (no SDK for Android);
    every size and field offset must equal vulkan_core.h's."""
    if not Path("/usr/include/vulkan/vulkan_core.h").exists():
        pytest.skip("libvulkan-dev headers not installed")
    pairs = {
        "selrt_vk_app_info": ("VkApplicationInfo", ["pApplicationName", "apiVersion"]),
        "selrt_vk_instance_info": ("VkInstanceCreateInfo", ["pApplicationInfo", "ppEnabledExtensionNames"]),
        "selrt_vk_queue_family": ("VkQueueFamilyProperties", ["queueFlags", "timestampValidBits"]),
        "selrt_vk_memory_props": ("VkPhysicalDeviceMemoryProperties", ["memoryHeapCount", "memoryHeaps"]),
        "selrt_vk_queue_info": ("VkDeviceQueueCreateInfo", ["queueFamilyIndex", "pQueuePriorities"]),
        "selrt_vk_device_info": ("VkDeviceCreateInfo", ["pQueueCreateInfos", "pEnabledFeatures"]),
        "selrt_vk_buffer_info": ("VkBufferCreateInfo", ["size", "usage", "pQueueFamilyIndices"]),
        "selrt_vk_mem_reqs": ("VkMemoryRequirements", ["alignment", "memoryTypeBits"]),
        "selrt_vk_alloc_info": ("VkMemoryAllocateInfo", ["allocationSize", "memoryTypeIndex"]),
        "selrt_vk_shader_info": ("VkShaderModuleCreateInfo", ["codeSize", "pCode"]),
        "selrt_vk_dsl_binding": ("VkDescriptorSetLayoutBinding", ["stageFlags", "pImmutableSamplers"]),
        "selrt_vk_dsl_info": ("VkDescriptorSetLayoutCreateInfo", ["bindingCount", "pBindings"]),
        "selrt_vk_pc_range": ("VkPushConstantRange", ["offset", "size"]),
        "selrt_vk_layout_info": ("VkPipelineLayoutCreateInfo", ["pSetLayouts", "pPushConstantRanges"]),
        "selrt_vk_stage_info": ("VkPipelineShaderStageCreateInfo", ["module", "pName", "pSpecializationInfo"]),
        "selrt_vk_pipeline_info": ("VkComputePipelineCreateInfo", ["stage", "layout", "basePipelineIndex"]),
        "selrt_vk_dpool_info": ("VkDescriptorPoolCreateInfo", ["maxSets", "pPoolSizes"]),
        "selrt_vk_dset_alloc": ("VkDescriptorSetAllocateInfo", ["descriptorPool", "pSetLayouts"]),
        "selrt_vk_buffer_desc": ("VkDescriptorBufferInfo", ["offset", "range"]),
        "selrt_vk_write_dset": ("VkWriteDescriptorSet", ["dstSet", "descriptorType", "pBufferInfo",
                                                         "pTexelBufferView"]),
        "selrt_vk_cpool_info": ("VkCommandPoolCreateInfo", ["queueFamilyIndex"]),
        "selrt_vk_cmd_alloc": ("VkCommandBufferAllocateInfo", ["commandPool", "commandBufferCount"]),
        "selrt_vk_cmd_begin": ("VkCommandBufferBeginInfo", ["pInheritanceInfo"]),
        "selrt_vk_barrier": ("VkMemoryBarrier", ["dstAccessMask"]),
        "selrt_vk_submit": ("VkSubmitInfo", ["pWaitDstStageMask", "pCommandBuffers", "pSignalSemaphores"]),
        "selrt_vk_fence_info": ("VkFenceCreateInfo", ["flags"]),
    }
    lines = ["#include <stddef.h>", "#include <vulkan/vulkan_core.h>", '#include "selrt_vulkan.h"']
    for ours, (theirs, fields) in pairs.items():
        lines.append(f"_Static_assert(sizeof({ours}) == sizeof({theirs}), \"{ours}\");")
        for f in fields:
            lines.append(f"_Static_assert(offsetof({ours}, {f}) == offsetof({theirs}, {f}), \"{ours}.{f}\");")
    for ours, theirs in [("SELRT_VK_ST_MEMORY_BARRIER", "VK_STRUCTURE_TYPE_MEMORY_BARRIER"),
                         ("SELRT_VK_ST_COMPUTE_PIPELINE_CREATE_INFO", "VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO"),
                         ("SELRT_VK_ST_WRITE_DESCRIPTOR_SET", "VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET"),
                         ("SELRT_VK_ST_COMMAND_BUFFER_BEGIN_INFO", "VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO"),
                         ("SELRT_VK_PIPE_HOST", "VK_PIPELINE_STAGE_HOST_BIT"),
                         ("SELRT_VK_ACCESS_HOST_READ", "VK_ACCESS_HOST_READ_BIT"),
                         ("SELRT_VK_DESCRIPTOR_STORAGE_BUFFER", "VK_DESCRIPTOR_TYPE_STORAGE_BUFFER")]:
        lines.append(f"_Static_assert({ours} == {theirs}, \"{ours}\");")
    src = tmp_path / "layout.c"
    src.write_text("\n".join(lines) + "\nint main(void) { return 0; }\n")
    # The Vulkan headers alone (they need only stddef/stdint), so the ARM
    # targets compile them freestanding, without any sysroot.
    inc = tmp_path / "inc"
    shutil.copytree("/usr/include/vulkan", inc / "vulkan")
    shutil.copytree("/usr/include/vk_video", inc / "vk_video", dirs_exist_ok=True) \
        if Path("/usr/include/vk_video").is_dir() else None
    cc = shutil.which("clang-19") or pytest.skip("clang-19 not installed")
    for target in ("x86_64-linux-gnu", "aarch64-linux-android24", "armv7a-linux-androideabi24"):
        res = subprocess.run([cc, "-std=c11", "-fsyntax-only", "-ffreestanding", f"--target={target}",
                              f"-I{inc}", f"-I{RUNTIME_SRC / 'backends' / 'vulkan'}", str(src)],
                             capture_output=True, text=True)
        assert res.returncode == 0, (target, res.stderr)


def test_runtime_without_vulkan_needs_no_glslang(tmp_path, monkeypatch):
    """Builds without the backend never call glslangValidator."""
    monkeypatch.setenv("PATH", "/nonexistent")
    from selbuild import build_plan
    plan = build_plan.plan(["add.f32"], [], tmp_path / "gen")
    assert not any(e.kind == "backend" for e in plan.entries)


@pytest.mark.parametrize("target", ["android-arm64", "android-armv7"])
def test_android_build_without_vulkan_falls_back_under_qemu(tmp_path, target):
    """The cross-built backend code really runs (qemu, no libvulkan in the
    sysroot): dlopen fails, the reason is logged, the CPU kernels give
    LiteRT's answer. With `fallback: none` the same device is a clear error."""
    from selbuild import toolchain_loader

    model = MODELS / "tiny_cnn_f32.tflite"
    program = convert(load_model(model), backends=["vulkan"]).program
    info = read_program(program)
    inputs = verify.random_inputs(info, seed=11)
    arrays = verify.check_inputs(info, inputs)
    for fallback in ("cpu", "none"):
        cfg = write_config(tmp_path / f"tiny_{fallback}.yaml", model, model_ops(model), fallback=fallback,
                           targets=f"[{target}]")
        res = build_target(load_config(cfg), target, out_root=tmp_path / "b")
        prefix = toolchain_loader.run_prefix(target, res.out_dir)
        if prefix is None:
            pytest.skip(f"cannot run {target} programs here (qemu-user missing)")
        code, ours, err = run(res.out_dir, program, arrays, runner_prefix=list(prefix))
        if fallback == "cpu":
            assert code == 0, err
            assert "unavailable: cannot dlopen libvulkan.so.1" in err, err
            assert max_rel_err(ours, verify.litert_reference(model, inputs)) <= 1e-5
        else:
            assert code == 2 and "no CPU fallback (runtime built with fallback: none)" in err, err


def test_config_init_turns_delegates_into_backends(tmp_path, monkeypatch):
    """A delegate some backend declares it can stand in for becomes that
    backend in the written config (wiring test: no shipped backend runs a
    pre-compiled Edge TPU blob, so the declaration is patched in)."""
    from selbuild.backends import vulkan as vkmod
    from selbuild.config_write import init_config

    monkeypatch.setattr(vkmod.BACKEND, "delegates", frozenset({"edgetpu"}), raising=False)
    model = tmp_path / "tpu.tflite"
    model.write_bytes(build_model(ops=[Op("CUSTOM", ["a"], ["b"], custom_code="edgetpu-custom-op"),
                                       Op("RELU", ["b"], ["c"])],
                                  tensors=[T("a", [4]), T("b", [4]), T("c", [4])]))
    cfg = init_config([model], tmp_path / "tpu.yaml", targets=["host"])
    assert cfg.backends == ["vulkan"]
    assert "backends: [vulkan]" in (tmp_path / "tpu.yaml").read_text()


def test_partition_too_big_for_the_device_buffer_stays_on_cpu(tmp_path, monkeypatch):
    """The Vulkan device buffer is [arena | weights] <= 128 MiB (C side init
    rejects more): the converter drops such a partition instead of building one
    a `fallback: none` runtime could not run."""
    from selbuild.backends import vulkan as vkmod

    model = load_model(MODELS / "tiny_cnn_f32.tflite")
    assert convert(model, backends=["vulkan"]).stats.partitions == [("vulkan", 8)]
    monkeypatch.setattr(vkmod, "_MAX_BUFFER", 1024)
    r = convert(model, backends=["vulkan"])
    assert r.stats.partitions == [] and r.stats.backend_nodes == {}
