"""space_to_batch_nd and batch_to_space_nd (float): TFLite's 3-D [B, H, C]
(one block dim) and 4-D NHWC [B, H, W, C] (two). block_shape and
paddings/crops must be constants; the kernels take the block sizes and the
padding/crop before each spatial dim, the output shape gives the rest.
"""

from __future__ import annotations

import numpy as np

from selbuild.convert.ops._common import describe
from selbuild.convert.ops._views import const_ints, prod
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import SelbuildError
from selbuild.ir import Graph, Node


def _params(g: Graph, n: Node) -> tuple[list[int], list[int], list[tuple[int, int]]]:
    x = list(g.tensors[n.inputs[0]].shape)
    block = const_ints(g, n, 1, "block_shape")
    pads = np.asarray(const_ints(g, n, 2, "paddings" if n.op == "space_to_batch_nd" else "crops")).reshape(-1, 2)
    if len(x) not in (3, 4) or len(block) != len(x) - 2 or pads.shape[0] != len(block) \
            or min(block) < 1 or (pads < 0).any():
        raise SelbuildError(f"{describe(g, n)}: block {block} and paddings {pads.tolist()} do not fit an input "
                            f"of shape {x} (3-D or 4-D, one block size per spatial dim)")
    return x, block, [(int(a), int(b)) for a, b in pads]


@shape("space_to_batch_nd")
def space_to_batch_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    x, block, pads = _params(g, n)
    spatial = [d + a + b for d, (a, b) in zip(x[1:-1], pads)]
    if any(s % k for s, k in zip(spatial, block)):
        raise SelbuildError(f"{describe(g, n)}: padded size {spatial} is not a multiple of block {block}")
    return [tuple([x[0] * prod(block)] + [s // k for s, k in zip(spatial, block)] + [x[-1]])]


@shape("batch_to_space_nd")
def batch_to_space_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    x, block, crops = _params(g, n)
    if x[0] % prod(block):
        raise SelbuildError(f"{describe(g, n)}: batch {x[0]} is not a multiple of the block {block}")
    spatial = [d * k - a - b for d, k, (a, b) in zip(x[1:-1], block, crops)]
    if min(spatial) < 1:
        raise SelbuildError(f"{describe(g, n)}: crops {crops} remove the whole image")
    return [tuple([x[0] // prod(block)] + spatial + [x[-1]])]


@lower("space_to_batch_nd", "batch_to_space_nd")
def space_batch_lower(g: Graph, n: Node) -> Lowered:
    _x, block, pads = _params(g, n)
    block = block + [1] * (2 - len(block))
    pads = pads + [(0, 0)] * (2 - len(pads))
    before = ("pad_top", "pad_left") if n.op == "space_to_batch_nd" else ("crop_top", "crop_left")
    return Lowered(kernel=n.kernel, inputs=[n.inputs[0]], outputs=[n.outputs[0]],
                   iparams={"block_h": block[0], "block_w": block[1], before[0]: pads[0][0], before[1]: pads[1][0]})
