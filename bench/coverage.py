#!/usr/bin/env python3
"""TFLite builtin coverage: which builtins LiteRT's builtin op resolver runs,
and which of them selbuild has kernels for, per dtype.

    .venv/bin/python bench/coverage.py [--out bench/results/coverage.json]

The resolver's list is measured, not typed in: for every builtin code
(0..205) and operator version 1..12 a one-op model is handed to LiteRT's
Interpreter (default resolver and BUILTIN_REF). LiteRT looks each (code,
version) up in its resolver while building the interpreter and fails with
"Didn't find op for builtin opcode" when it is not registered; any other
outcome (success, or a Prepare/options error about the dummy tensors) means
the resolver has a kernel for it. The registered versions are recorded.

Each registered builtin gets a category: the issue-12 scope ("ops") or one
of the exclusions other issues own (recurrent, control flow and state,
string/hash tables). For every builtin, "ours" lists the dtypes selbuild
has kernels for (from the operator descriptor, runtime_src/kernels/kernels.yaml;
"fold" for the ops conversion computes from shapes and constants, "fused" for
COMPLEX_ABS / REAL / IMAG, which run inside rfft2d.f32 when they read an
RFFT2D's complex result: selbuild has no complex dtype); the summary
counts, per dtype, how many in-scope builtins have a kernel of that dtype
against the number the resolver registers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from ai_edge_litert.interpreter import Interpreter, OpResolverType  # noqa: E402

from selbuild import opmaps  # noqa: E402
from selbuild.convert.ops.fft import FUSED_READERS  # noqa: E402
from selbuild.convert.passes import _FOLD_DATA_OPS  # noqa: E402
from selbuild.frontends.tflite_ops import BUILTIN_NAMES, NO_CANONICAL, canonical_op  # noqa: E402
from tflite_builder import Op, T, build_model  # noqa: E402

# Builtins whose issue is not 12 (why in the value).
EXCLUDED: dict[str, tuple[str, ...]] = {
    "recurrent (issue 13)": ("LSTM", "RNN", "SVDF", "UNIDIRECTIONAL_SEQUENCE_RNN", "UNIDIRECTIONAL_SEQUENCE_LSTM",
                             "BIDIRECTIONAL_SEQUENCE_RNN", "BIDIRECTIONAL_SEQUENCE_LSTM"),
    "quantization mode (issue 13)": ("FAKE_QUANT",),
    "control flow and state (issue 14)": ("IF", "WHILE", "CALL_ONCE", "CALL", "VAR_HANDLE", "READ_VARIABLE",
                                          "ASSIGN_VARIABLE"),
    "string or hash-table tensors": ("HASHTABLE", "HASHTABLE_FIND", "HASHTABLE_IMPORT", "HASHTABLE_SIZE",
                                     "HASHTABLE_LOOKUP", "LSH_PROJECTION", "SKIP_GRAM"),
    "sparse weights (issue 12 item 3)": ("DENSIFY",),
}
DTYPES = ("f32", "i8", "u8", "i16", "i32", "i64", "bool", "f16", "f32i8", "fold", "fused")
VERSIONS = range(1, 13)


def _registered(code: int, version: int, ref: bool) -> bool:
    model = build_model(ops=[Op(code, ["x"], ["y"], version=version)], tensors=[T("x", [2]), T("y", [2])])
    kw = {"experimental_op_resolver_type": OpResolverType.BUILTIN_REF} if ref else {}
    try:
        Interpreter(model_content=model, **kw)
    except Exception as e:  # noqa: BLE001 - LiteRT raises ValueError/RuntimeError by build
        return "Didn't find op" not in str(e)
    return True


def probe() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for code, name in sorted(BUILTIN_NAMES.items()):
        if name in NO_CANONICAL:
            continue
        versions = [v for v in VERSIONS if _registered(code, v, False)]
        if versions:
            out[name] = {"code": code, "versions": versions,
                         "ref_versions": [v for v in versions if _registered(code, v, True)]}
    return out


def category(name: str) -> str:
    for why, names in EXCLUDED.items():
        if name in names:
            return why
    if name.startswith("STABLEHLO_"):
        return "stablehlo"
    return "ops"


def report(resolver: dict[str, dict]) -> dict:
    # Ops without a kernel that conversion folds away (static shapes, constant operands) count as "fold",
    # the complex readers conversion fuses into rfft2d.f32 as "fused".
    ours = {b: list(t.dtypes) for b, t in opmaps.tflite_ops().items()}

    def _ours(name: str) -> list[str]:
        op = canonical_op(name)
        return ours.get(name) or (["fold"] if op in _FOLD_DATA_OPS else ["fused"] if op in FUSED_READERS else [])
    rows = {n: {**r, "category": category(n), "ours": _ours(n)} for n, r in resolver.items()}
    scope = [n for n, r in rows.items() if r["category"] == "ops"]
    per_dtype = {d: sum(1 for n in scope if d in rows[n]["ours"]) for d in DTYPES}
    return {
        "litert": "ai-edge-litert " + _litert_version(),
        "resolver_builtins": len(rows),
        "in_scope_builtins": len(scope),
        "covered_any_dtype": sum(1 for n in scope if rows[n]["ours"]),
        "covered_per_dtype": per_dtype,
        "folded_only": sorted(n for n in scope if rows[n]["ours"] == ["fold"]),
        "missing": sorted(n for n in scope if not rows[n]["ours"]),
        "excluded": {why: sorted(n for n in rows if rows[n]["category"] == why)
                     for why in [*EXCLUDED, "stablehlo"]},
        "builtins": rows,
    }


def _litert_version() -> str:
    from importlib.metadata import version
    return version("ai-edge-litert")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "coverage.json")
    args = ap.parse_args()
    rep = report(probe())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rep, indent=1) + "\n")
    print(f"LiteRT resolver: {rep['resolver_builtins']} builtins, {rep['in_scope_builtins']} in issue-12 scope; "
          f"selbuild covers {rep['covered_any_dtype']} in some dtype")
    print("per dtype: " + ", ".join(f"{d} {n}" for d, n in rep["covered_per_dtype"].items()))
    print("missing: " + " ".join(rep["missing"]))


if __name__ == "__main__":
    main()
