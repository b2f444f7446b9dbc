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


def conv3d_transpose_model(ys, k, cin, strides=(1, 1, 1), dilations=(1, 1, 1), padding="same", act="none",
                           bias=True, seed=0, const_shape=True) -> bytes:
    """A CONV_3D_TRANSPOSE to output `ys` from the input the forward conv of `ys` gives."""
    from selbuild.convert.ops.conv import out_size
    f = _w(list(k) + [ys[4], cin], seed)
    xs = [ys[0]] + [out_size(padding, ys[1 + i], k[i], strides[i], dilations[i]) for i in range(3)] + [cin]
    opts = dict(padding=padding, stride_d=strides[0], stride_h=strides[1], stride_w=strides[2],
                dilation_d=dilations[0], dilation_h=dilations[1], dilation_w=dilations[2], activation=act)
    tensors = [T("s", [5], "i32", data=np.array(ys, np.int32) if const_shape else None),
               T("f", list(f.shape), data=f), T("x", xs), T("y", list(ys))]
    ins = ["s", "f", "x"]
    if bias:
        tensors.append(T("b", [ys[4]], data=_w([ys[4]], seed + 1)))
        ins.append("b")
    return build_model(ops=[Op("CONV_3D_TRANSPOSE", ins, ["y"], options=opts)], tensors=tensors,
                       inputs=["x"] if const_shape else ["s", "x"], outputs=["y"])


def bitcast_model(xs, src, ys, dst) -> bytes:
    return build_model(ops=[Op("BITCAST", ["x"], ["y"])], tensors=[T("x", list(xs), src), T("y", list(ys), dst)])


def dilate_model(xs, dtype, dilations, pad_const=None) -> bytes:
    """DILATE (builtin 203) of `xs` by constant `dilations`; the padding value a constant `pad_const`
    or, when None, a second model input `v`."""
    ys = [(s - 1) * d + 1 for s, d in zip(xs, dilations)]
    dt = {"f32": np.float32, "i8": np.int8, "i32": np.int32}[dtype]
    v = T("v", [], dtype, data=None if pad_const is None else np.array(pad_const, dt))
    return build_model(ops=[Op(203, ["x", "d", "v"], ["y"])],
                       tensors=[T("x", list(xs), dtype), T("d", [len(xs)], "i32", data=np.array(dilations, np.int32)),
                                v, T("y", ys, dtype)],
                       inputs=["x"] if pad_const is not None else ["x", "v"], outputs=["y"])


def nms_model(n_boxes, max_out, version=4, iou=None, score=None, sigma=0.0, const_max=True) -> bytes:
    """NON_MAX_SUPPRESSION_V4/V5; iou/score thresholds constants when given, else model inputs `iou`/`sth`."""
    f = lambda name, v: T(name, [], data=None if v is None else np.float32(v))  # noqa: E731
    tensors = [T("boxes", [n_boxes, 4]), T("scores", [n_boxes]),
               T("m", [], "i32", data=np.int32(max_out) if const_max else None), f("iou", iou), f("sth", score)]
    ins = ["boxes", "scores", "m", "iou", "sth"]
    outs = ["idx", "sel", "valid"] if version == 5 else ["idx", "valid"]
    if version == 5:
        tensors.append(f("sigma", sigma))
        ins.append("sigma")
        tensors.append(T("sel", [max_out]))
    tensors += [T("idx", [max_out], "i32"), T("valid", [], "i32")]
    inputs = [k for k in ins if k in ("boxes", "scores") or (k == "iou" and iou is None) or
              (k == "sth" and score is None) or (k == "m" and not const_max)]
    return build_model(ops=[Op(f"NON_MAX_SUPPRESSION_V{version}", ins, outs)], tensors=tensors,
                       inputs=inputs, outputs=outs)


def small_cover4_models() -> dict[str, bytes]:
    return {"conv3d_f32": conv3d_model([1, 3, 4, 4, 2], (2, 3, 2), 3, strides=(1, 2, 1), act="relu6"),
            "conv3d_transpose_f32": conv3d_transpose_model([1, 3, 5, 4, 3], (2, 3, 2), 2, strides=(1, 2, 2),
                                                           act="relu"),
            "bitcast_f32": bitcast_model([2, 3], "f32", [2, 3, 4], "u8"),
            "bitcast_i8": bitcast_model([3, 2], "i8", [3], "i16"),
            "dilate_f32": dilate_model([2, 3, 2], "f32", [2, 1, 3], 1.5),
            "dilate_i8": dilate_model([3, 2], "i8", [1, 4], None),
            "dilate_i32": dilate_model([2, 1, 2, 3], "i32", [3, 2, 1, 2], -7),
            "non_max_suppression_v4_f32": nms_model(6, 4, 4, 0.5, 0.1),
            "non_max_suppression_v5_f32": nms_model(7, 5, 5, None, None)}
