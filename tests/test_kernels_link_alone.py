"""Float layer kernels against the catalogue's rules: each kernel builds and
links alone (its `shared:` helpers are complete), and every symbol its object
defines starts with selrt_<op>_<dtype> (helpers: selrt_shared_), which the
size report relies on."""

from __future__ import annotations

import shutil
import subprocess

import pytest

import harness as H
from selbuild import RUNTIME_SRC
from selbuild.catalogue import load_catalogue


@pytest.fixture(scope="module")
def solo_dir(tmp_path_factory):
    d = tmp_path_factory.getbasetemp() / "layer_kernels_solo"
    d.mkdir(exist_ok=True)
    return d


@pytest.mark.parametrize("kernel", H.FLOAT_LAYER_KERNELS)
def test_kernel_links_alone(solo_dir, kernel):
    exe = H.build(solo_dir, [kernel], name=f"solo_{kernel.replace('.', '_')}")
    assert exe.is_file()


@pytest.mark.parametrize("kernel", H.FLOAT_LAYER_KERNELS)
def test_symbols_carry_the_kernel_prefix(solo_dir, kernel):
    spec = load_catalogue()[kernel]
    cc = H.find_cc(("gcc", "clang-19"))  # gcc names function-local statics without the function
    if cc is None or shutil.which("nm") is None:
        pytest.skip("no compiler or nm")
    gen = solo_dir / "gen"
    from selbuild import codegen
    codegen.generate([kernel], [], gen)
    files = [RUNTIME_SRC / spec.source] + [RUNTIME_SRC / "kernels" / "shared" / f"{h}.c" for h in spec.shared]
    for src in files:
        obj = solo_dir / f"{src.stem}.o"
        subprocess.run([cc, "-std=c11", "-O2", "-DSELRT_PROFILE_SPEED=1",
                        *(f"-I{d}" for d in codegen.include_dirs(gen)), "-c", str(src), "-o", str(obj)],
                       check=True, capture_output=True)
        out = subprocess.run(["nm", "--defined-only", str(obj)], capture_output=True, text=True, check=True).stdout
        prefix = spec.symbol if src == RUNTIME_SRC / spec.source else "selrt_shared_"
        names = [line.split()[-1] for line in out.splitlines() if line.split() and line.split()[1] in "TtDdRrBb"]
        # .L* are assembler-local constants (no symbol in the linked library).
        bad = [n for n in names if not n.startswith(prefix) and not n.startswith(".")]
        assert not bad, f"{src.name}: symbols without the {prefix} prefix: {bad}"
