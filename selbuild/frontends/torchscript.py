"""TorchScript and lite-interpreter modules (.pt, .ptl): operator and delegate analysis.

Both are zip archives written by torch (`ScriptModule.save`,
`_save_for_lite_interpreter`); the lite form adds `bytecode.pkl`, a plain
pickle of per-method operator tables and instructions. We need torch to read
them properly (graphs, constants, dtypes), so this frontend asks for the
`torch` extra.

What is reported:
* ops: every operator torch's lite interpreter reports for the module
  (frontends/torch_oplist.py), spelled name.overload. Those that compute
  tensors get a kernel; interpreter bookkeeping (`aten::size`, `aten::eq.int`,
  `prim::*`) and training-only ops are listed with kernel_needed False (PyTorch
  Mobile's own selective build needs them, selbuild does not).
* counts and arguments from the frozen forward graph (weights become typed
  constants there, which tells a depthwise conv from a plain one). With
  example inputs the graph is run once and every tensor an op receives is
  observed, giving exact dtypes; without them activations take the dtype of
  the op's weights, else f32 (aten_ops.DEFAULT_DTYPE).
* delegates: submodules lowered to a backend (`torch._C._jit_to_backend`:
  classes `__torch__.torch.classes.__backends__.<name>`) and NNAPI-prepared
  modules (`torch.classes._nnapi.Compilation`). Desktop torch cannot load a
  module lowered to a backend it lacks (CoreML on Linux), so when loading
  fails the operator tables are read from bytecode.pkl directly.

`load` (conversion) is not offered: TorchScript graphs are not a stable
lowering target; export the module with torch.export (.pt2) instead.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import re
import warnings
import zipfile
import zlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from selbuild.errors import ModelError, UnsupportedError
from selbuild.frontends import aten_ops
from selbuild.frontends.base import Delegate, ModelSummary, OpUse, TensorInfo, torch_extra_files
from selbuild.frontends.torch_oplist import operator_list
from selbuild.inputs import MODEL_LIMIT, bounded_memory, probe_foreign_loader

TORCH_HINT = "install the torch extra: pip install 'selbuild[torch]'"

_BACKEND_RE = re.compile(rb"__torch__\.torch\.classes\.__backends__\.(\w+)")
_NNAPI_RE = re.compile(rb"torch\.classes\._nnapi\.Compilation")


def require_torch() -> Any:
    """The torch module, or a clear error naming the extra to install."""
    try:
        import torch
    except ImportError:
        raise ModelError("reading PyTorch models needs torch, which is not installed",
                         hint=TORCH_HINT) from None
    return torch


def _dtype_name(torch: Any, dt: Any) -> str | None:
    table = {torch.float32: "f32", torch.float16: "f16", torch.float64: "f64",
             torch.bfloat16: "bf16", torch.int8: "i8", torch.uint8: "u8", torch.int16: "i16",
             torch.int32: "i32", torch.int64: "i64", torch.bool: "bool",
             torch.qint8: "i8", torch.quint8: "u8", torch.qint32: "i32"}
    return table.get(dt)


# What a damaged zip raises from zipfile: a bad header or CRC (BadZipFile), a
# corrupt deflate stream (zlib.error), a cut-off member (EOFError), an
# unknown compression or encryption (NotImplementedError, RuntimeError), a
# name that is not UTF-8 (UnicodeDecodeError, a ValueError) or an offset past
# the file (ValueError, OSError).
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
               ValueError, OSError)
_COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


def _archive(path: Path) -> zipfile.ZipFile:
    """The archive, with every member's header checked: a member torch would
    reject or inflate past the model size limit is a ModelError here, before torch."""
    try:
        zf = zipfile.ZipFile(path)
        infos = zf.infolist()
    except _ZIP_ERRORS as e:
        raise ModelError(f"{path}: not a TorchScript archive ({type(e).__name__}: {e})") from None
    total = 0
    for info in infos:
        if info.compress_type not in _COMPRESSIONS or info.flag_bits & 0x1:
            raise ModelError(f"{path}: corrupt TorchScript archive: member {info.filename!r} uses "
                             "an encryption or compression torch does not write")
        total += info.file_size
    if total > MODEL_LIMIT:
        raise ModelError(f"{path}: corrupt TorchScript archive: its members claim {total:,} bytes, "
                         f"more than the {MODEL_LIMIT:,}-byte model limit", hint="see README \"Limits\"")
    return zf


def _member(zf: zipfile.ZipFile, info: zipfile.ZipInfo | str) -> bytes:
    """One member's bytes (CRC-checked by zipfile); ModelError when the archive is damaged."""
    try:
        return zf.read(info)
    except _ZIP_ERRORS as e:
        name = info if isinstance(info, str) else info.filename
        raise ModelError(f"{zf.filename}: corrupt TorchScript archive: cannot read {name!r} "
                         f"({type(e).__name__}: {e})".splitlines()[0],
                         hint="the file is damaged or truncated; save the module again") from None


def _scan_backends(zf: zipfile.ZipFile) -> Counter[str]:
    """Backend names referenced by the archive's code, with the number of classes naming them."""
    found: Counter[str] = Counter()
    for info in zf.infolist():
        if "/code/" not in info.filename or not info.filename.endswith(".py"):
            continue
        text = _member(zf, info)
        for name in set(_BACKEND_RE.findall(text)):
            found[name.decode("ascii")] += 1      # the pattern matches ASCII word characters only
        if _NNAPI_RE.search(text):
            found["nnapi"] += 1
    return found


class _StubUnpickler(pickle.Unpickler):
    """Reads bytecode.pkl without executing anything: classes and tensors become None."""

    def find_class(self, module: str, name: str) -> Any:
        return lambda *a, **k: None

    def persistent_load(self, pid: Any) -> Any:
        return None


def bytecode_operators(zf: zipfile.ZipFile) -> Counter[str] | None:
    """Operator -> number of OP instructions, from the lite bytecode (None if absent)."""
    name = next((n for n in zf.namelist() if n.endswith("/bytecode.pkl")), None)
    if name is None:
        return None
    try:
        table = _StubUnpickler(io.BytesIO(_member(zf, name))).load()
        counts: Counter[str] = Counter()
        for method in table[1:]:
            sections = dict(method[1])
            ops = [aten_ops.spell(op[0], op[1]) for op in sections.get("operators", ())]
            for op in ops:
                counts[op] += 0
            for ins in sections.get("instructions", ()):
                if ins[0] == "OP" and 0 <= ins[1] < len(ops):
                    counts[ops[ins[1]]] += 1
        return counts
    except Exception as e:      # any damage in a foreign pickle is the file's fault
        raise ModelError(f"corrupt bytecode.pkl ({type(e).__name__}: {e})") from None


def _is_tensor_op(torch: Any, spelled: str) -> bool:
    """True when the op computes tensors (needs a kernel), False for interpreter bookkeeping."""
    if spelled.startswith("prim::"):
        return False
    base, overload = aten_ops.split_name(spelled)
    try:
        schemas = torch._C._jit_get_schemas_for_operator(base)
    except RuntimeError:
        schemas = []
    for s in schemas:
        if s.overload_name == overload:
            return any("Tensor" in str(r.type) for r in s.returns)
    return True                 # unknown op (custom): assume it needs a kernel


def _node_name(node: Any) -> str | None:
    try:
        schema = node.schema()
    except RuntimeError:
        return None
    if schema == "(no schema)":
        return None
    head = schema.split("(", 1)[0]
    return aten_ops.spell(*aten_ops.split_name(head))


def _walk(block: Any) -> Any:
    for n in block.nodes():
        yield n
        for b in n.blocks():
            yield from _walk(b)


def _arg(torch: Any, v: Any, observed: dict[str, aten_ops.TensorArg]) -> Any:
    node = v.node()
    if v.debugName() in observed:
        return observed[v.debugName()]
    if node.kind() == "prim::Constant":
        ival = v.toIValue()
        if isinstance(ival, torch.Tensor):
            return aten_ops.TensorArg(tuple(ival.shape), _dtype_name(torch, ival.dtype), True)
        return ival
    if node.kind() == "prim::ListConstruct":
        return [_arg(torch, i, observed) for i in node.inputs()]
    t = v.type()
    if isinstance(t, torch._C.TensorType):
        try:
            sizes = t.sizes()               # None unless the graph has complete shapes
        except RuntimeError:
            sizes = None
        dt = _dtype_name(torch, t.dtype()) if t.dtype() is not None else None
        return aten_ops.TensorArg(tuple(sizes) if sizes else None, dt, False)
    return None


def _observe(torch: Any, graph: Any, inputs: Sequence[Any]) -> dict[str, aten_ops.TensorArg]:
    """Run a copy of the frozen graph with every top-level tensor operand as an extra
    output: what each op actually receives (dtype and shape)."""
    g = graph.copy()
    watched = []
    seen = set()
    for n in g.nodes():
        for v in n.inputs():
            if (isinstance(v.type(), torch._C.TensorType) and v.node().kind() != "prim::Constant"
                    and v.debugName() not in seen):
                seen.add(v.debugName())
                watched.append(v)
    # a method returns one value: pack the original outputs and the watched
    # operands into one tuple
    ret = g.return_node()
    values = list(ret.inputs()) + watched
    n_orig = len(values) - len(watched)
    tup = g.create("prim::TupleConstruct", values)
    tup.output().setType(torch._C.TupleType([v.type() for v in values]))
    tup.insertBefore(ret)
    while len(list(g.outputs())):
        g.eraseOutput(0)
    g.registerOutput(tup.output())
    fn = torch._C._create_function_from_graph("selbuild_observe", g)
    try:
        outs = fn(None, *inputs)
    except Exception as e:
        raise ModelError(f"running the module on the example inputs failed: {e}".splitlines()[0]) from None
    outs = outs[n_orig:] if isinstance(outs, tuple) else []
    return {v.debugName(): aten_ops.TensorArg(tuple(o.shape), _dtype_name(torch, o.dtype), False)
            for v, o in zip(watched, outs) if isinstance(o, torch.Tensor)}


def read_example_inputs(spec: Any) -> list[Any]:
    """Example inputs as tensors: a sequence of tensors/arrays, or a .npz / .pt path."""
    torch = require_torch()
    if isinstance(spec, (str, Path)):
        p = Path(spec)
        try:
            if p.suffix == ".npz":
                import numpy as np
                with np.load(p) as z:
                    spec = [z[k] for k in z.files]
            else:
                spec = torch.load(p, weights_only=True)
        except Exception as e:
            raise ModelError(f"{p}: cannot read example inputs ({e})".splitlines()[0],
                             hint="give a .npz with one array per input, in order, or a .pt tuple") from None
    if isinstance(spec, torch.Tensor) or not isinstance(spec, (list, tuple)):
        spec = [spec]
    return [torch.as_tensor(x) for x in spec]


def summarize(path: Path, example_inputs: Any = None) -> ModelSummary:
    torch = require_torch()
    path = Path(path)
    from selbuild.frontends import read_model
    data = read_model(path)
    zf = _archive(path)
    backends = _scan_backends(zf)
    notes: list[str] = []
    inputs: list[TensorInfo] = []
    outputs: list[TensorInfo] = []
    try:
        with warnings.catch_warnings():     # torch 2.x flags TorchScript as deprecated
            warnings.simplefilter("ignore", DeprecationWarning)
            # Every native step (load, freeze, a run with the example inputs) once in a
            # child: torch._C._freeze_module segfaults on some damaged archives.
            probe_foreign_loader(path, lambda: (_module_rows(torch, torch.jit.load(str(path), map_location="cpu")
                                                             .eval(), example_inputs, []),
                                                operator_list(torch, path)), "torch")
            with bounded_memory(len(data)):     # a mutated pickle can ask torch for gigabytes
                module = torch.jit.load(str(path), map_location="cpu")
                listed = operator_list(torch, path, module)
    except ModelError:
        raise
    except Exception as e:                          # torch's errors are RuntimeError and friends
        module = None
        why = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        counts = bytecode_operators(zf)
        if counts is None:
            raise ModelError(f"{path}: torch cannot load this module: {why}") from None
        notes.append(f"torch could not load the module ({why}); operators read from its bytecode")
        listed = sorted(counts)
        rows: Counter[tuple[str | None, str]] = Counter()
        for op, n in counts.items():
            if _is_tensor_op(torch, op):
                rows[(aten_ops.kernel_name(op), op)] += n
    else:
        module.eval()
        rows, inputs, outputs = _module_rows(torch, module, example_inputs, notes)
    root_ops = {src for _, src in rows}
    ops = [OpUse(op, src, None, n) for (op, src), n in sorted(rows.items(), key=lambda r: r[0][1])]
    # The rest of what the interpreter calls: PyTorch Mobile's own selective
    # build needs them (`config export-pytorch-ops`), selbuild runs none.
    try:
        called = bytecode_operators(zf) or Counter()
    except ModelError:              # counts only; torch itself has read the module
        called = Counter()
    ops += [OpUse(None, op, None, max(1, called.get(op, 0)), kernel_needed=False)
            for op in listed if op not in root_ops]
    delegates = [Delegate(name, f"{n} module{'s' if n != 1 else ''} lowered to the '{name}' backend; "
                                f"the app needs that backend at run time")
                 for name, n in sorted(backends.items())]
    unmapped = sorted({o.source_op for o in ops if o.op is None and o.kernel_needed})
    if unmapped:
        notes.append("no selbuild kernel for: " + ", ".join(unmapped))
    return ModelSummary(
        path=str(path), format="ptl",
        sha256=hashlib.sha256(data).hexdigest(), subgraphs=1,
        inputs=inputs, outputs=outputs, ops=ops, custom_ops=sorted(
            s for s in root_ops if not s.startswith(("aten::", "prim::", "prepacked::", "quantized::"))),
        delegates=delegates, notes=notes, metadata=torch_extra_files(path))


def _module_rows(torch: Any, module: Any, example_inputs: Any, notes: list[str]):
    root = [op for op in torch.jit.export_opnames(module)]
    tensor_ops = [op for op in root if _is_tensor_op(torch, op)]
    bookkeeping = sorted(set(root) - set(tensor_ops))
    if bookkeeping:
        notes.append("interpreter ops (no kernel needed): " + ", ".join(bookkeeping))
    # counts over every method, before freezing (training-only branches included)
    all_counts: Counter[str] = Counter()
    for name in module._c._method_names():
        try:
            g = module._c._get_method(name).graph.copy()
            torch._C._jit_pass_inline(g)
        except RuntimeError:
            continue
        for n in _walk(g):
            spelled = _node_name(n)
            if spelled:
                all_counts[spelled] += 1
    rows: Counter[tuple[str | None, str]] = Counter()
    seen: set[str] = set()
    inputs: list[TensorInfo] = []
    outputs: list[TensorInfo] = []
    frozen_graph = None
    try:
        frozen = torch._C._freeze_module(module._c)
        frozen_graph = frozen._get_method("forward").graph
    except Exception as e:
        notes.append(f"module could not be frozen ({str(e).splitlines()[0] if str(e) else e}); "
                     "dtypes not inferred")
    observed: dict[str, aten_ops.TensorArg] = {}
    if frozen_graph is not None:
        if example_inputs is not None:
            xs = read_example_inputs(example_inputs)
            observed = _observe(torch, frozen_graph, xs)
            out = module(*xs)
            outs = out if isinstance(out, (tuple, list)) else [out]
            inputs = [TensorInfo(f"input{i}", list(x.shape), _dtype_name(torch, x.dtype) or "unknown")
                      for i, x in enumerate(xs)]
            outputs = [TensorInfo(f"output{i}", list(o.shape), _dtype_name(torch, o.dtype) or "unknown")
                       for i, o in enumerate(outs) if isinstance(o, torch.Tensor)]
        for n in _walk(frozen_graph):
            spelled = _node_name(n)
            if spelled is None or spelled not in tensor_ops:
                continue
            args = [_arg(torch, v, observed) for v in n.inputs()]
            rows[(aten_ops.kernel_name(spelled, args), spelled)] += 1
            seen.add(spelled)
    unseen = [op for op in tensor_ops if op not in seen]
    if frozen_graph is not None and unseen:
        # e.g. BatchNorm's num_batches_tracked += 1: training-only branches
        notes.append("not run in eval mode (training-only branches), no kernel needed: " + ", ".join(unseen))
    elif unseen:
        for op in unseen:
            rows[(aten_ops.kernel_name(op), op)] += max(1, all_counts.get(op, 0))
    return rows, inputs, outputs


def load(path: Path):
    """A module converts only for given input shapes: frontends.load_model(path,
    input_shapes) goes to torchscript_load.load, which names forward's inputs."""
    raise UnsupportedError(
        f"{path}: a TorchScript module does not store its input shapes",
        hint="give them under the model in the config (input_shapes: {<input>: [1, 3, 224, 224]}), or "
             "convert the module itself with selbuild.torch_api.convert_module(module, example_inputs, out_path)")
