"""RFFT2D: the 2-D real FFT of audio front-ends (tf.signal.stft -> spectrogram).

The runtime has no complex dtype. RFFT2D's complex64 result is only ever
useful through a reader that makes it real again, so `fuse_complex` (a pass
run before lowering) replaces RFFT2D and each COMPLEX_ABS / REAL / IMAG that
reads it, possibly through RESHAPE / SQUEEZE / EXPAND_DIMS of the complex
tensor (they keep the element order), by one float node `rfft2d` with attr
`part` (0 abs, 1 real, 2 imag) writing the reader's output. Any other use of
a complex tensor is refused naming the node.

Lowering: fft_length must be a constant [rows, cols] of powers of two (LiteRT
requires them too); the twiddles exp(-2 pi i k / M), M = max(rows, cols), are
computed here in float64 and stored as float32 (cos, -sin) pairs, so the
kernel calls no trigonometry; the scratch holds the complex matrix and one line.
"""

from __future__ import annotations

import numpy as np

from selbuild.convert.ops._common import describe
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node, Tensor

# Readers of a complex tensor the rfft2d.f32 kernel computes, by canonical op -> part.
FUSED_READERS: dict[str, int] = {"complex_abs": 0, "real": 1, "imag": 2}
# Ops that only reshape a tensor: a complex chain through them keeps the element order.
_VIEW_OPS = ("reshape", "squeeze", "expand_dims")
_COMPLEX = ("c64", "c128")
MAX_LEN = 1 << 24            # = SELRT_RFFT2D_MAX_LEN in kernels/rfft2d/rfft2d_f32.c


def _is_complex(g: Graph, i: int) -> bool:
    return i >= 0 and g.tensors[i].dtype in _COMPLEX


def fuse_complex(g: Graph) -> None:
    """Replace each RFFT2D and the readers of its complex result by float `rfft2d` nodes."""
    if not any(_is_complex(g, i) for n in g.nodes for i in (*n.inputs, *n.outputs)):
        return
    readers: dict[int, list[Node]] = {}
    for n in g.nodes:
        for i in n.inputs:
            if _is_complex(g, i):
                readers.setdefault(i, []).append(n)
    fused: dict[int, Node] = {}          # id(reader) -> its rfft2d node
    dropped: set[int] = set()            # id() of the RFFT2D and view nodes
    for n in g.nodes:
        if n.op != "rfft2d" or len(n.inputs) != 2 or len(n.outputs) != 1:
            continue
        chain, view = [n.outputs[0]], False
        while chain:
            t = chain.pop()
            if t in g.outputs:
                raise UnsupportedError(f"{describe(g, n)}: the complex result '{g.tensors[t].name}' is a graph "
                                       f"output; selbuild has no complex dtype",
                                       hint="end the model with COMPLEX_ABS, REAL or IMAG of the FFT")
            for r in readers.get(t, []):
                if r.op in _VIEW_OPS and r.inputs[0] == t and len(r.outputs) == 1:
                    dropped.add(id(r))
                    chain.append(r.outputs[0])
                    view = True
                elif r.op in FUSED_READERS and len(r.inputs) == 1 and len(r.outputs) == 1:
                    fused[id(r)] = Node("rfft2d", list(n.inputs), list(r.outputs),
                                        {"part": FUSED_READERS[r.op], "view": view},
                                        source_op=f"{n.source_op or 'RFFT2D'}+{r.source_op or r.op}",
                                        dtype=n.dtype)
                else:
                    raise UnsupportedError(
                        f"{describe(g, r)}: reads the complex result of {describe(g, n)}; selbuild runs "
                        f"RFFT2D only when COMPLEX_ABS, REAL or IMAG read it (no complex dtype)",
                        hint="take COMPLEX_ABS, REAL or IMAG of the FFT before any other op")
        dropped.add(id(n))
    out: list[Node] = []
    for n in g.nodes:
        if id(n) in fused:
            out.append(fused[id(n)])
        elif id(n) not in dropped:
            bad = next((i for i in (*n.inputs, *n.outputs) if _is_complex(g, i)), None)
            if bad is not None:
                raise UnsupportedError(f"{describe(g, n)}: uses the complex tensor '{g.tensors[bad].name}'; "
                                       f"selbuild has no complex dtype (only RFFT2D read by COMPLEX_ABS, "
                                       f"REAL or IMAG runs)",
                                       hint="keep complex values inside RFFT2D -> COMPLEX_ABS / REAL / IMAG")
            out.append(n)
    g.nodes = out


def _lengths(g: Graph, n: Node) -> tuple[int, int]:
    fl = g.tensors[n.inputs[1]]
    if fl.data is None:
        raise UnsupportedError(f"{describe(g, n)}: fft_length '{fl.name}' must be a constant",
                               hint="give tf.signal.rfft2d / stft a fixed fft_length")
    vals = np.asarray(fl.data).reshape(-1)
    if vals.size != 2:
        raise UnsupportedError(f"{describe(g, n)}: fft_length has {vals.size} values, not 2")
    h, w = (int(v) for v in vals)
    for what, v in (("rows", h), ("cols", w)):
        if not 1 <= v <= MAX_LEN or v & (v - 1):
            raise UnsupportedError(f"{describe(g, n)}: fft_length {what} {v} is not a power of two in "
                                   f"[1, 2^24] (LiteRT requires powers of two)")
    return h, w


@shape("rfft2d")
def rfft2d_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    x = g.tensors[n.inputs[0]].shape
    h, w = _lengths(g, n)
    natural = (*x[:-2], h, w // 2 + 1)
    declared = g.tensors[n.outputs[0]]
    if n.attrs.get("view") and declared.numel == int(np.prod(natural)):
        return [tuple(declared.shape)]     # a reshape of the complex result followed
    return [natural]


@lower("rfft2d", dtype="f32")
def rfft2d_lower(g: Graph, n: Node) -> Lowered:
    x = g.tensors[n.inputs[0]]
    if "part" not in n.attrs:
        raise UnsupportedError(f"{describe(g, n)}: its complex result must be read by COMPLEX_ABS, REAL or IMAG")
    if len(x.shape) < 2:
        raise UnsupportedError(f"{describe(g, n)}: input rank {len(x.shape)} is below 2")
    h, w = _lengths(g, n)
    m = max(h, w)
    ang = 2.0 * np.pi * np.arange(max(m // 2, 1), dtype=np.float64) / m
    tw = np.stack([np.cos(ang), -np.sin(ang)], axis=1).astype(np.float32).reshape(-1)
    name = g.tensors[n.outputs[0]].name
    twiddles = g.add_tensor(Tensor(f"{name}/twiddles{m}", tw.shape, "f32", data=tw))
    scratch = g.add_tensor(Tensor(f"{name}/fft_scratch", (2 * h * (w // 2 + 1) + 2 * m,), "f32"))
    return Lowered(kernel="rfft2d.f32", inputs=[n.inputs[0], twiddles], outputs=[n.outputs[0], scratch],
                   iparams={"fft_rows": h, "fft_cols": w, "part": int(n.attrs["part"])})
