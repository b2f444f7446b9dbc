"""Which ops of a model a selbuild runtime can run: the flags of `analyze` and `config init`.

An op is supported when the catalogue has a kernel for its `<op>.<dtype>`
(selbuild.opmaps.is_supported, the one judgement convert and config check use
too) or when the converter folds it away (a DEQUANTIZE of constant weights:
its node never reaches the runtime), or when it needs no kernel at all (a
TorchScript interpreter op such as aten::size). Custom, unknown and delegate
ops have no canonical name and are never supported.

Folding depends on the model, so only when some op lacks a kernel is the
converter asked (selbuild.planning.ModelAnalysis.kernels: the kernels left
after folding; when the model does not convert, every op counts as needed).
"""

from __future__ import annotations

from dataclasses import dataclass

from selbuild.opmaps import is_supported
from selbuild.planning import ModelAnalysis


@dataclass(frozen=True)
class Support:
    flags: tuple[bool, ...]         # per entry of summary.ops, in order
    unsupported: tuple[str, ...]    # sorted names: `<op>.<dtype>`, or the source op when it has none


def judge(a: ModelAnalysis) -> Support:
    summary = a.summary
    lacking = {u.op for u in summary.ops if u.op and not is_supported(u.op)}
    folded: set[str] = set()
    if lacking:
        folded = lacking - set(a.kernels)
    flags = tuple(not u.kernel_needed or u.op is not None and (u.op not in lacking or u.op in folded)
                  for u in summary.ops)
    names = {u.op or u.source_op for u, ok in zip(summary.ops, flags) if not ok}
    return Support(flags, tuple(sorted(names)))
