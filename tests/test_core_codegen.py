"""selbuild.codegen: the params header, the kernel table and the source list."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from harness import build, ctools, find_cc  # noqa: F401
from program_writer import add_program
from selbuild import RUNTIME_SRC, codegen
from selbuild.catalogue import load_catalogue, parse_catalogue
from selbuild.errors import SelbuildError

CAT = parse_catalogue("""
schema_version: 1
kernels:
  conv2d.f32:
    summary: conv */ with a comment terminator
    inputs: [input, filter, "bias?"]
    outputs: [output]
    iparams: [stride_h, stride_w]
    fparams: [act_min, act_max]
    shared: [gemm]
  concatenation.f32:
    inputs: ["values*"]
    outputs: [output]
    iparams: [outer]
  split.f32:
    inputs: [input]
    outputs: ["outputs*"]
""")


def test_params_header_has_every_catalogue_kernel():
    text = codegen.params_header(CAT)
    for line in ("#define SELRT_conv2d_f32_IP_stride_h 0",
                 "#define SELRT_conv2d_f32_IP_stride_w 1",
                 "#define SELRT_conv2d_f32_FP_act_max 1",
                 "#define SELRT_conv2d_f32_IN_bias 2",
                 "#define SELRT_conv2d_f32_N_IPARAMS 2",
                 "#define SELRT_conv2d_f32_N_FPARAMS 2",
                 "#define SELRT_conv2d_f32_MIN_INPUTS 2",
                 "#define SELRT_conv2d_f32_MAX_INPUTS 3",
                 "#define SELRT_conv2d_f32_N_OUTPUTS 1",
                 "#define SELRT_conv2d_f32_OPTIONAL_INPUTS 0x4ull",
                 "#define SELRT_concatenation_f32_MIN_INPUTS 1",
                 "#define SELRT_concatenation_f32_MAX_INPUTS 255",
                 "#define SELRT_split_f32_N_OUTPUTS 1",
                 "#define SELRT_split_f32_MAX_OUTPUTS 255"):
        assert line + "\n" in text, line
    assert "conv * / with" in text  # a summary cannot close the comment early


def test_real_catalogue_header_is_complete():
    text = codegen.params_header()
    cat = load_catalogue()
    for name in cat.names():
        sym = name.replace(".", "_")
        assert f"#define SELRT_{sym}_N_IPARAMS {len(cat[name].iparams)}\n" in text
        for i, p in enumerate(cat[name].iparams):
            assert f"#define SELRT_{sym}_IP_{p} {i}\n" in text


def test_table_lists_selection_sorted_and_deduplicated():
    text = codegen.table_source(["split.f32", "conv2d.f32", "split.f32"], [], CAT)
    assert text.index("&selrt_conv2d_f32,") < text.index("&selrt_split_f32,")
    assert text.count("&selrt_split_f32,") == 1
    assert "selrt_kernel_table_size = 2;" in text
    assert "concatenation" not in text.split("*/", 1)[1]


def test_empty_selection_is_core_only():
    text = codegen.table_source([], [], CAT)
    assert "selrt_kernel_table[1] = {0};" in text and "selrt_kernel_table_size = 0;" in text
    assert codegen.sources([]) == codegen.core_sources()
    assert all(p.parts[0] == "core" for p in codegen.sources([]))


def test_unknown_kernels_listed():
    with pytest.raises(SelbuildError) as e:
        codegen.table_source(["conv2d.f32", "nope.f32", "add.i3"], [], CAT)
    assert "add.i3, nope.f32" in str(e.value)
    with pytest.raises(SelbuildError):
        codegen.sources(["nope.f32"])
    with pytest.raises(SelbuildError):
        codegen.generate([], ["no_such_backend"], Path("/nonexistent"))


def test_bad_names_rejected():
    bad = parse_catalogue("schema_version: 1\nkernels:\n  x.f32:\n    inputs: [a-b]\n    outputs: [o]\n")
    with pytest.raises(SelbuildError, match="not a C identifier"):
        codegen.params_header(bad)
    dup = parse_catalogue("schema_version: 1\nkernels:\n  x.f32:\n    inputs: [a, a]\n    outputs: [o]\n")
    with pytest.raises(SelbuildError, match="duplicate"):
        codegen.params_header(dup)


def test_generate_is_deterministic_and_stable(tmp_path):
    paths = codegen.generate(["add.f32"], [], tmp_path / "a")
    again = codegen.generate(["add.f32"], [], tmp_path / "b")
    assert [p.name for p in paths] == [codegen.PARAMS_HEADER, codegen.TABLE_SOURCE, codegen.FEATURES_HEADER]
    for p, q in zip(paths, again):
        assert p.read_bytes() == q.read_bytes()
    mtime = paths[0].stat().st_mtime_ns
    codegen.generate(["add.f32"], [], tmp_path / "a")
    assert paths[0].stat().st_mtime_ns == mtime  # unchanged content is not rewritten


def test_sources_include_shared_helpers_once():
    cat = load_catalogue()
    users = [k for k in cat.names() if "broadcast" in cat[k].shared
             and (RUNTIME_SRC / cat[k].source).exists()]
    srcs = codegen.sources(users)
    assert srcs.count(Path("kernels/shared/broadcast.c")) == 1
    owners = codegen.source_owners(["add.f32"])
    assert owners[Path("kernels/add/add_f32.c")] == "add.f32"
    assert owners[Path("kernels/shared/broadcast.c")] == "[shared]"
    assert owners[Path("core/program.c")] == "[core]"


def test_core_only_build_links_and_reports_missing_kernel(ctools, tmp_path):
    exe = build(tmp_path, [], cc=find_cc(("gcc", "clang-19")))
    prog = tmp_path / "p.selrt"
    prog.write_bytes(add_program([2], [2]))
    (tmp_path / "in").mkdir()
    res = subprocess.run([exe, prog, tmp_path / "in", tmp_path], capture_output=True, text=True)
    assert res.returncode == 2
    assert "program needs kernel 'add.f32' which this runtime was built without" in res.stderr


def test_every_available_catalogue_kernel_compiles_with_the_header(tmp_path):
    """Compiles (not links) every kernel that has a C file against the
    generated header: the contract macros resolve for all of them."""
    cat = load_catalogue()
    present = [k for k in cat.names() if (RUNTIME_SRC / cat[k].source).exists()]
    try:
        build(tmp_path, present, main=None, cc=find_cc(("gcc", "clang-19")))
    except RuntimeError as e:
        pytest.fail(str(e))
