"""The NNAPI backend, Python half (C half: runtime_src/backends/nnapi/).

Android's Neural Networks API, f32 only. Everything NNAPI-specific is
decided here, ahead of time: which NNAPI operation each node becomes, with
exactly the inputs the NNAPI spec requires for it (explicit-padding forms,
fused activation code operands, axes tensors...), and the feature level
(= Android API level 27..30) each one needs. The payload is the resulting
NNAPI model, operand by operand and operation by operation; the device only
verifies it and replays it (no per-op code in the runtime).

The minimum feature level comes from the config/target (`NnapiBackend(level)`,
default 27 = Android 8.1, the first with NNAPI): an op or form that needs a
higher level (MEAN: 28; dilated convolutions, softmax on rank 1/3: 29) is left
on the CPU, with the reason. The C side also checks the device's level at
run time and falls back to the CPU when it is lower than the payload's.

Payload layout: runtime_src/backends/nnapi/selrt_nnapi.h.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from selbuild.backends.contract import PartitionPlan

MAGIC = 0x314E4E53        # "SNN1"
VERSION = 1
DEFAULT_LEVEL = 27        # Android 8.1 (O MR1): NNAPI 1.0
MAX_LEVEL = 30            # the highest level any form below needs
FLT_MAX = float(np.finfo(np.float32).max)

# Operand types (NeuralNetworks.h, frozen ABI).
FLOAT32, INT32, TENSOR_FLOAT32, TENSOR_INT32, BOOL = 0, 1, 3, 4, 6
# Operand sources (SELRT_NN_SRC_* in selrt_nnapi.h).
TEMP, INPUT, OUTPUT, INLINE, TENSOR, PANELS = range(6)
# Operation codes.
OP = {"add": 0, "average_pool2d": 1, "concatenation": 2, "conv2d": 3, "depthwise_conv2d": 4,
      "fully_connected": 9, "logistic": 14, "max_pool2d": 17, "mul": 18, "relu": 19, "relu6": 21,
      "reshape": 22, "softmax": 25, "tanh": 28, "mean": 31}
# Compile preferences: sustained speed by default, because a session is set
# up once and run per frame (see runtime_src/backends/nnapi/selrt_nnapi.c).
PREFER_LOW_POWER, PREFER_FAST_SINGLE_ANSWER, PREFER_SUSTAINED_SPEED = 0, 1, 2
# Fused activation codes by the CPU kernels' (act_min, act_max).
FUSE = {(-FLT_MAX, FLT_MAX): 0, (0.0, FLT_MAX): 1, (-1.0, 1.0): 2, (0.0, 6.0): 3}


class _No(Exception):
    """The node cannot go to NNAPI; the message says why."""


@dataclass
class _Model:
    """The NNAPI model of one partition, as the C side will add it."""

    tensor_source: dict[int, tuple[int, int]] = field(default_factory=dict)  # graph id -> (source, program idx)
    operands: list[tuple] = field(default_factory=list)   # (type, dims, source, a, b)
    operations: list[tuple[int, list[int], list[int]]] = field(default_factory=list)
    data: bytearray = field(default_factory=bytearray)
    of_tensor: dict[int, int] = field(default_factory=dict)   # graph id -> operand
    level: int = DEFAULT_LEVEL

    def _add(self, type_: int, dims, source: int, a: int = 0, b: int = 0) -> int:
        self.operands.append((type_, [int(d) for d in dims], source, a, b))
        return len(self.operands) - 1

    def inline(self, type_: int, values, dims=()) -> int:
        raw = np.asarray(values, dtype=np.float32 if type_ in (FLOAT32, TENSOR_FLOAT32) else np.int32).tobytes()
        if type_ == BOOL:
            raw = bytes([1 if values else 0])
        off = len(self.data)
        self.data += raw + b"\0" * (-len(raw) % 4)
        return self._add(type_, dims, INLINE, off, len(raw))

    def i32(self, v: int) -> int:
        return self.inline(INT32, [int(v)])

    def tensor(self, g, t: int, *, panels_dims=None) -> int:
        """Operand of graph tensor t: a constant, a model input, or an earlier result."""
        if t in self.of_tensor:
            return self.of_tensor[t]
        ten = g.tensors[t]
        if ten.dtype != "f32":
            raise _No(f"tensor '{ten.name}' is {ten.dtype}; the nnapi backend runs f32 only")
        source, prog = self.tensor_source.get(t, (TENSOR if ten.is_const else INPUT, 0))
        if panels_dims is not None:
            if not ten.is_const:                             # the device re-lays constants only
                raise _No(f"weights '{ten.name}' are not a constant")
            op = self._add(TENSOR_FLOAT32, panels_dims, PANELS, prog)
        else:
            op = self._add(TENSOR_FLOAT32, _dims(ten), source, prog)
        self.of_tensor[t] = op
        return op

    def result(self, g, t: int) -> int:
        ten = g.tensors[t]
        if ten.dtype != "f32":
            raise _No(f"tensor '{ten.name}' is {ten.dtype}; the nnapi backend runs f32 only")
        source, prog = self.tensor_source.get(t, (TEMP, 0))
        self.of_tensor[t] = self._add(TENSOR_FLOAT32, _dims(ten), source, prog)
        return self.of_tensor[t]

    def op(self, name: str, inputs: list[int], output: int, level: int = DEFAULT_LEVEL) -> None:
        self.operations.append((OP[name], inputs, [output]))
        self.level = max(self.level, level)

    def pack(self, preference: int) -> bytes:
        ops: list[int] = []
        for code, ins, outs in self.operations:
            ops += [code, len(ins), len(outs), *ins, *outs]
        words = [MAGIC, VERSION, self.level, preference, len(self.operands), len(self.operations),
                 len(ops), len(self.data)]
        for type_, dims, source, a, b in self.operands:
            words += [type_, len(dims), *(dims + [0] * (4 - len(dims))), 0, 0, source, a, b, 0]
        words += ops
        return struct.pack(f"<{len(words)}I", *words) + bytes(self.data)


def _dims(t) -> list[int]:
    shape = list(t.shape) or [1]          # NNAPI tensors have rank >= 1; [1] holds a scalar's bytes
    if len(shape) > 4:
        raise _No(f"tensor '{t.name}' has rank {len(shape)}; NNAPI ops take rank <= 4")
    return shape


def _fuse(low) -> int:
    key = (float(low.fparams.get("act_min", -FLT_MAX)), float(low.fparams.get("act_max", FLT_MAX)))
    key = tuple(float(np.float32(v)) for v in key)
    if key not in FUSE:
        raise _No(f"fused activation clamp {key} has no NNAPI fuse code")
    return FUSE[key]


def _pads(low, in_hw, out_hw, k_hw, dil_hw) -> list[int]:
    """NNAPI explicit padding (left, right, top, bottom) giving the program's output size."""
    ip = low.iparams
    top, left = int(ip["pad_top"]), int(ip["pad_left"])
    strides = (int(ip["stride_h"]), int(ip["stride_w"]))
    after = []
    for size, out, k, d, s, before in zip(in_hw, out_hw, k_hw, dil_hw, strides, (top, left)):
        eff = (k - 1) * d + 1
        pad = max(0, (out - 1) * s + eff - size - before)
        # NNAPI's output size: (in + before + after - eff) / stride + 1, rounded down.
        if before < 0 or (size + before + pad - eff) // s + 1 != out:
            raise _No(f"padding {before}/{pad} cannot give output size {out} in NNAPI")
        after.append(pad)
    return [left, after[1], top, after[0]]


def _window(m: _Model, g, node, low, x, k_hw, dil_hw) -> tuple[list[int], int]:
    """Padding + stride operands (and the level dilation needs) of a conv/pool."""
    xs, ys = g.tensors[low.inputs[0]].shape, g.tensors[low.outputs[0]].shape
    if len(xs) != 4 or len(ys) != 4:
        raise _No("NNAPI convolutions and pools take 4-D NHWC tensors")
    pads = _pads(low, xs[1:3], ys[1:3], k_hw, dil_hw)
    ins = [m.i32(v) for v in pads] + [m.i32(low.iparams["stride_w"]), m.i32(low.iparams["stride_h"])]
    return ins, (29 if dil_hw != (1, 1) else DEFAULT_LEVEL)


def _emit(m: _Model, g, node, low) -> None:
    """Adds the node's NNAPI operation(s) to m, or raises _No."""
    op = low.kernel.split(".")[0]
    if not low.kernel.endswith(".f32") or op not in OP:
        raise _No(f"{low.kernel} has no NNAPI mapping")
    ins = [t for t in low.inputs]
    out = low.outputs[0]
    if op in ("conv2d", "depthwise_conv2d"):
        x = m.tensor(g, ins[0])
        w = g.tensors[node.inputs[1]]                        # the IR filter: OHWI / [1,KH,KW,C*M]
        kh, kw = w.shape[1], w.shape[2]
        dil = (int(low.iparams["dilation_h"]), int(low.iparams["dilation_w"]))
        win, level = _window(m, g, node, low, x, (kh, kw), dil)
        cout = w.shape[0] if op == "conv2d" else w.shape[3]
        filt = m.tensor(g, ins[1], panels_dims=list(w.shape)) if op == "conv2d" else m.tensor(g, ins[1])
        bias = m.tensor(g, ins[2]) if len(ins) > 2 and ins[2] >= 0 else m.inline(TENSOR_FLOAT32, np.zeros(cout), [cout])
        extra = [m.i32(low.iparams["depth_multiplier"])] if op == "depthwise_conv2d" else []
        tail = [m.inline(BOOL, False), m.i32(dil[1]), m.i32(dil[0])] if level > DEFAULT_LEVEL else []
        m.op(op, [x, filt, bias, *win, *extra, m.i32(_fuse(low)), *tail], m.result(g, out), level)
    elif op in ("average_pool2d", "max_pool2d"):
        x = m.tensor(g, ins[0])
        k = (int(low.iparams["filter_h"]), int(low.iparams["filter_w"]))
        win, _ = _window(m, g, node, low, x, k, (1, 1))
        m.op(op, [x, *win, m.i32(k[1]), m.i32(k[0]), m.i32(_fuse(low))], m.result(g, out))
    elif op == "fully_connected":
        wn, wk = g.tensors[node.inputs[1]].shape              # IR weights [N, K]
        xs, ys = g.tensors[ins[0]].shape, g.tensors[out].shape
        if not 2 <= len(xs) <= 4 or list(ys) != [int(np.prod(xs)) // wk, wn]:
            raise _No(f"fully_connected {list(xs)} -> {list(ys)} is not NNAPI's [batch, units] form")
        x = m.tensor(g, ins[0])
        w = m.tensor(g, ins[1], panels_dims=[wn, wk])
        bias = m.tensor(g, ins[2]) if len(ins) > 2 and ins[2] >= 0 else m.inline(TENSOR_FLOAT32, np.zeros(wn), [wn])
        m.op(op, [x, w, bias, m.i32(_fuse(low))], m.result(g, out))
    elif op in ("add", "mul"):
        a, b = m.tensor(g, ins[0]), m.tensor(g, ins[1])
        m.op(op, [a, b, m.i32(_fuse(low))], m.result(g, out))
    elif op == "mean":
        xs, ys = g.tensors[ins[0]].shape, g.tensors[out].shape
        axes = [i for i in range(len(xs)) if low.iparams["axis_mask"] >> i & 1]
        if not axes:
            raise _No("mean over no axes")
        x = m.tensor(g, ins[0])
        keep = len(ys) == len(xs)
        if not keep and len(ys) == 0 and len(xs) == len(axes):
            raise _No("mean to a scalar: NNAPI's output is rank >= 1")
        m.op(op, [x, m.inline(TENSOR_INT32, axes, [len(axes)]), m.i32(int(keep))], m.result(g, out), 28)
    elif op == "softmax":
        rank = len(g.tensors[ins[0]].shape)
        if not low.fparams["beta"] > 0:
            raise _No("NNAPI SOFTMAX needs beta > 0")
        m.op(op, [m.tensor(g, ins[0]), m.inline(FLOAT32, [low.fparams["beta"]])], m.result(g, out),
             DEFAULT_LEVEL if rank in (2, 4) else 29)
    elif op == "concatenation":
        if _fuse(low) != 0:
            raise _No("NNAPI concatenation has no fused activation")
        if len(ins) > 63:
            raise _No("more than 63 concatenation inputs")
        rank = len(g.tensors[out].shape)
        axis = int(node.attrs.get("axis", 0))
        m.op(op, [*(m.tensor(g, t) for t in ins), m.i32(axis + rank if axis < 0 else axis)], m.result(g, out))
    elif op == "reshape":
        shape = _dims(g.tensors[out])
        m.op(op, [m.tensor(g, ins[0]), m.inline(TENSOR_INT32, shape, [len(shape)])], m.result(g, out))
    else:                                                    # relu, relu6, logistic, tanh
        m.op(op, [m.tensor(g, ins[0])], m.result(g, out))


class NnapiBackend:
    name = "nnapi"
    kernels = frozenset(f"{op}.f32" for op in OP)
    # TFLite's NNAPI delegate stands for the same thing.
    delegates = frozenset({"nnapi"})
    # Attached to every size report with this backend (selbuild/size/assemble.py).
    size_note = ("validated only against the host NNAPI shim (tests/nnapi_shim) and under qemu; "
                 "on-device validation with a real libneuralnetworks.so is outstanding")

    def __init__(self, level: int = DEFAULT_LEVEL, preference: int = PREFER_SUSTAINED_SPEED):
        if not DEFAULT_LEVEL <= level:
            raise ValueError(f"NNAPI needs Android API level >= {DEFAULT_LEVEL} (got {level})")
        self.level = level
        self.preference = preference

    def configure(self, options: dict) -> "NnapiBackend":
        """The config's `backend_options: {nnapi: {min_api_level: N}}`."""
        from selbuild.errors import ConfigError
        unknown = sorted(set(options) - {"min_api_level"})
        if unknown:
            raise ConfigError(f"unknown nnapi option(s): {', '.join(map(str, unknown))}",
                              hint="nnapi takes min_api_level (27 = Android 8.1, the default)")
        level = options.get("min_api_level", DEFAULT_LEVEL)
        if isinstance(level, bool) or not isinstance(level, int) or level < DEFAULT_LEVEL:
            raise ConfigError(f"nnapi min_api_level must be an integer >= {DEFAULT_LEVEL} (got {level!r})",
                              hint="NNAPI appeared in Android 8.1 (API level 27)")
        return NnapiBackend(level=level, preference=self.preference)

    def supports(self, graph, node, lowered) -> bool | str:
        m = _Model()
        try:
            _emit(m, graph, node, lowered)
        except _No as e:
            return str(e)
        except (KeyError, IndexError, ValueError, TypeError) as e:  # unexpected params: stay on the CPU
            return f"cannot map {lowered.kernel} to NNAPI ({type(e).__name__}: {e})"
        if m.level > self.level:
            return f"needs NNAPI feature level {m.level} (Android API {m.level}); the config allows {self.level}"
        return True

    def payload(self, part: PartitionPlan) -> bytes:
        g, lowered, remap = part.graph, part.lowered, part.remap
        m = _Model()
        downloads = set(part.downloads)
        for t, prog in remap.items():                       # how each program tensor enters the model
            ten = g.tensors[t]
            if ten.is_const:
                m.tensor_source[t] = (TENSOR, prog)
            elif prog in downloads:
                m.tensor_source[t] = (OUTPUT, prog)
            else:
                m.tensor_source[t] = (INPUT, prog)
        produced = {t for low in lowered for t in low.outputs}
        for t in produced:                                   # results not needed outside stay inside
            if m.tensor_source.get(t, (TEMP,))[0] != OUTPUT:
                m.tensor_source[t] = (TEMP, 0)
        for ni, low in zip(part.nodes, lowered):
            _emit(m, g, g.nodes[ni], low)
        return m.pack(self.preference)

    def generate_sources(self, kernels: list[str], gen_dir: Path) -> list[Path]:
        return []                                           # nothing generated: the C files are the backend


BACKEND = NnapiBackend()
