"""The catalogue agrees with the kernel sources it names.

A kernel that calls a shared helper it does not declare links only when some
other selected kernel happens to declare it; this catches that at test time
instead of in a user's build.
"""

import re

import pytest

from selbuild import RUNTIME_SRC
from selbuild.catalogue import load_catalogue

CATALOGUE = load_catalogue()
SHARED = {p.stem for p in (RUNTIME_SRC / "kernels" / "shared").glob("*.c")}
INCLUDE = re.compile(r'#include\s+"(?:[./a-z_]*/)?([a-z0-9_]+)\.h"')


def shared_closure(names):
    """Shared helpers reachable from `names` through the helpers' own includes."""
    seen, todo = set(), list(names)
    while todo:
        n = todo.pop()
        if n in seen or n not in SHARED:
            continue
        seen.add(n)
        todo += INCLUDE.findall((RUNTIME_SRC / "kernels" / "shared" / f"{n}.c").read_text())
    return seen


@pytest.mark.parametrize("name", CATALOGUE.names())
def test_kernel_source_exists_and_declares_its_shared_helpers(name):
    spec = CATALOGUE[name]
    src = RUNTIME_SRC / spec.source
    assert src.is_file(), f"{name}: no {spec.source}"
    text = src.read_text()
    # The descriptor, written directly or by a kernel family's macro that pastes the same
    # symbol: SELRT_<FAMILY>_<DTYPE>(op, ...) (SELRT_UNARY_F32, SELRT_REDUCE_F32,
    # SELRT_BINARY_ACT_F32, SELRT_LUT_I8(op)) or SELRT_<FAMILY>(op, dtype, ...)
    # (SELRT_UNARY, SELRT_COMPARE).
    op, dtype = name.split(".")
    assert (f"SELRT_KERNEL({spec.symbol[len('selrt_'):]}," in text
            or re.search(rf"SELRT_[A-Z0-9_]+_{dtype.upper()}\({op}[,)]", text)
            or re.search(rf"SELRT_[A-Z0-9]+\({op}, {dtype},", text)), f"{name}: descriptor missing"
    used = shared_closure(h for h in INCLUDE.findall(text) if h in SHARED)
    declared = set(spec.shared)
    assert declared <= SHARED, f"{name}: declares unknown helpers {sorted(declared - SHARED)}"
    # The build compiles exactly the helpers a kernel names (no transitive
    # resolution), so helpers used through another helper must be named too.
    missing = used - declared
    assert not missing, f"{name}: uses shared {sorted(missing)} without declaring it in kernels.yaml"


def test_every_kernel_file_is_catalogued():
    files = {p.relative_to(RUNTIME_SRC) for p in (RUNTIME_SRC / "kernels").glob("*/*.c")
             if p.parent.name != "shared"}
    catalogued = {CATALOGUE[n].source for n in CATALOGUE.names()}
    assert not files - catalogued, f"kernel files without a catalogue entry: {sorted(map(str, files - catalogued))}"


# ------------------------------------------------------------------ the descriptor itself

_LIBM_SYMS = RUNTIME_SRC.parent / "toolchains" / "minisys" / "stubs" / "libm.syms"
LIBM = {ln.strip() for ln in _LIBM_SYMS.read_text().splitlines() if ln.strip() and not ln.startswith("#")}
_CALL = re.compile(r"\b(" + "|".join(sorted(LIBM)) + r")\s*\(")


def _code(text):
    """C text without comments (a comment may name a libm function it does not call)."""
    return re.sub(r"//[^\n]*", "", re.sub(r"/\*.*?\*/", "", text, flags=re.S))


@pytest.mark.parametrize("name", CATALOGUE.names())
def test_kernel_declares_exactly_the_libm_functions_it_calls(name):
    spec = CATALOGUE[name]
    used = set(_CALL.findall(_code((RUNTIME_SRC / spec.source).read_text())))
    assert set(spec.libm) <= LIBM, f"{name}: libm functions the toolchains do not allow: {sorted(set(spec.libm) - LIBM)}"
    assert used == set(spec.libm), f"{name}: calls {sorted(used)}, kernels.yaml says libm: {sorted(spec.libm)}"


def test_param_groups_and_arrays_expand():
    from selbuild.catalogue import parse_catalogue
    cat = parse_catalogue("schema_version: 1\nconstants: {max_rank: 2}\n"
                          "param_groups: {bc: [rank, 'a[max_rank]']}\n"
                          "kernels:\n  x.f32:\n    inputs: [a]\n    outputs: [o]\n"
                          "    iparams: [$bc, 'b[3]', c]\n")
    assert cat["x.f32"].iparams == ("rank", "a0", "a1", "b0", "b1", "b2", "c")
    assert CATALOGUE["add.f32"].iparams[:13] == ("rank", *[f"a_strides{i}" for i in range(6)],
                                                  *[f"b_strides{i}" for i in range(6)])


@pytest.mark.parametrize("text, message", [
    ("kernels:\n  x.f32:\n    inputs: [a]\n    iparams: [$nope]\n", "unknown param group"),
    ("kernels:\n  x.f32:\n    inputs: [a]\n    iparams: ['a[big]']\n", "neither a number nor a constant"),
    ("kernels:\n  x.f32:\n    inputs: [a]\n    colour: red\n", "kernels.x.f32"),
    ("ops:\n  x: {tflite: {builtin: lower_case}}\nkernels:\n  x.f32: {inputs: [a]}\n", "ops.x.tflite.builtin"),
    ("ops:\n  x: {lowering: fancy}\nkernels:\n  x.f32: {inputs: [a]}\n", "ops.x.lowering"),
    ("ops:\n  y: {}\nkernels:\n  x.f32: {inputs: [a]}\n", "kernels of undeclared ops: x"),
])
def test_bad_descriptors_are_named(text, message):
    from selbuild.catalogue import parse_catalogue
    from selbuild.errors import SelbuildError
    with pytest.raises(SelbuildError, match=re.escape(message)):
        parse_catalogue("schema_version: 1\n" + text)


def test_every_op_is_declared_and_every_declared_op_is_used():
    """Each kernel's op has a descriptor entry; an entry without kernels is a
    frontend name only (analyze names it, nothing runs it)."""
    from selbuild.opmaps import tflite_ops
    kernel_ops = {CATALOGUE[n].op for n in CATALOGUE.names()}
    assert kernel_ops <= set(CATALOGUE.ops)
    no_kernel = sorted(set(CATALOGUE.ops) - kernel_ops)
    assert all(CATALOGUE.ops[o].converter == "rejects" or CATALOGUE.ops[o].aten or CATALOGUE.ops[o].tflite
               for o in no_kernel)
    assert all(tflite_ops()[CATALOGUE.ops[o].tflite].dtypes == () for o in no_kernel if CATALOGUE.ops[o].tflite)


# ------------------------------------------------------------------ generated constants

def _generator():
    import importlib.util
    path = RUNTIME_SRC.parent / "scripts" / "generate.py"
    spec = importlib.util.spec_from_file_location("generate", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_generated_constants_are_up_to_date():
    """Regenerating selbuild/_generated/constants.py and selrt.h's block changes nothing."""
    assert _generator().main(["--check"]) == 0


def test_generated_constants_check_catches_drift(tmp_path, monkeypatch):
    gen = _generator()
    stale = tmp_path / "constants.py"
    stale.write_text(gen.PY_OUT.read_text().replace("MAX_RANK = 6", "MAX_RANK = 5"))
    monkeypatch.setattr(gen, "PY_OUT", stale)
    assert gen.main(["--check"]) == 1


def test_constants_agree_across_python_and_c():
    from selbuild._generated import constants
    from selbuild._generated.selrt.fb.DType import DType
    header = (RUNTIME_SRC / "include" / "selrt.h").read_text()
    assert f"#define SELRT_MAX_RANK {constants.MAX_RANK}\n" in header
    assert constants.MAX_RANK == CATALOGUE.constants["max_rank"]
    assert f"#define SELRT_PROGRAM_VERSION {constants.PROGRAM_VERSION}\n" in header
    for name, code in constants.DTYPE_CODES.items():
        assert getattr(DType, name.upper()) == code and f"SELRT_{name.upper()} = {code}" in header
