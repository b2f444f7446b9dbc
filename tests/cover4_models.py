"""Single-op models of the issue-12 batch-B kernels (tests/test_kernels_cover4.py):
the cases' builders, and one small model per kernel for the fuzz seeds and
the hostile-edit tests."""

from __future__ import annotations

import numpy as np

from tflite_builder import Op, T, build_model


def _w(shape, seed):
    return (np.random.default_rng(seed).standard_normal(shape) * 0.5).astype(np.float32)


def conv3d_model(xs, k, cout, strides=(1, 1, 1), dilations=(1, 1, 1), padding="same", act="none", bias=True,
                 seed=0) -> bytes:
    from selbuild.convert.ops.conv import out_size
    f = _w(list(k) + [xs[4], cout], seed)
    ys = [xs[0]] + [out_size(padding, xs[1 + i], k[i], strides[i], dilations[i]) for i in range(3)] + [cout]
    opts = dict(padding=padding, stride_d=strides[0], stride_h=strides[1], stride_w=strides[2],
                dilation_d=dilations[0], dilation_h=dilations[1], dilation_w=dilations[2], activation=act)
    tensors = [T("x", xs), T("f", list(f.shape), data=f), T("y", ys)]
    ins = ["x", "f"]
    if bias:
        tensors.append(T("b", [cout], data=_w([cout], seed + 1)))
        ins.append("b")
    return build_model(ops=[Op("CONV_3D", ins, ["y"], options=opts)], tensors=tensors, inputs=["x"], outputs=["y"])


def small_cover4_models() -> dict[str, bytes]:
    return {"conv3d_f32": conv3d_model([1, 3, 4, 4, 2], (2, 3, 2), 3, strides=(1, 2, 1), act="relu6")}
