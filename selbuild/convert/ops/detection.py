"""detection_postprocess: LiteRT's TFLite_Detection_PostProcess custom op (SSD).

The attributes come from the op's flexbuffer custom_options (decoded by the
TFLite frontend through the descriptor). The converter sizes the kernel's two
scratch outputs (layouts in the kernel file) so the device never allocates,
and checks here what a model gets wrong (anchors not constant, shapes,
thresholds) so the error names the node at conversion, not at load.
"""

from __future__ import annotations

import numpy as np

from selbuild.convert.ops._common import describe
from selbuild.convert.registry import Lowered, lower, shape
from selbuild.errors import UnsupportedError
from selbuild.ir import Graph, Node, Tensor


def _counts(g: Graph, n: Node) -> tuple[int, int]:
    """(max_detections, max_classes_per_detection), UnsupportedError when out of range."""
    d, k = int(n.attrs.get("max_detections", 0)), int(n.attrs.get("max_classes_per_detection", 0))
    if k < 1 or d < 0:
        raise UnsupportedError(f"{describe(g, n)}: max_detections {d} / max_classes_per_detection {k} out of range")
    return d, k


@shape("detection_postprocess")
def detection_shape(g: Graph, n: Node) -> list[tuple[int, ...]]:
    d, k = _counts(g, n)
    return [(1, d * k, 4), (1, d * k), (1, d * k), (1,)]


@lower("detection_postprocess")
def detection_lower(g: Graph, n: Node) -> Lowered:
    if len(n.inputs) != 3 or len(n.outputs) != 4:
        raise UnsupportedError(f"{describe(g, n)}: needs 3 inputs and 4 outputs, has {len(n.inputs)} and "
                               f"{len(n.outputs)}")
    boxes, scores, anchors = (g.tensors[i] for i in n.inputs)
    if any(t.dtype != "f32" for t in (boxes, scores, anchors)):
        raise UnsupportedError(f"{describe(g, n)}: only float32 boxes, scores and anchors are supported "
                               f"(got {boxes.dtype}, {scores.dtype}, {anchors.dtype})",
                               hint="quantized (uint8) SSD post-processing inputs are not supported yet")
    if not anchors.is_const:
        raise UnsupportedError(f"{describe(g, n)}: the anchors '{anchors.name}' must be a constant")
    a = boxes.shape[1] if len(boxes.shape) == 3 else -1
    if len(boxes.shape) != 3 or boxes.shape[0] != 1 or boxes.shape[2] < 4 or scores.shape[:2] != (1, a) \
            or len(scores.shape) != 3 or tuple(anchors.shape) != (a, 4):
        raise UnsupportedError(f"{describe(g, n)}: shapes boxes {list(boxes.shape)}, scores {list(scores.shape)}, "
                               f"anchors {list(anchors.shape)} are not [1, A, >=4], [1, A, C], [A, 4]")
    if np.any(~(np.asarray(anchors.data)[:, 2:] >= 0)):
        raise UnsupportedError(f"{describe(g, n)}: an anchor has a negative or NaN height or width")
    at = n.attrs
    classes, c = int(at.get("num_classes", 0)), scores.shape[2]
    if classes < 1 or not 0 <= c - classes <= 1:
        raise UnsupportedError(f"{describe(g, n)}: num_classes {classes} does not fit {c} score columns")
    d, k = _counts(g, n)
    iou = float(at.get("nms_iou_threshold", 0.0))
    if not 0.0 < iou <= 1.0:
        raise UnsupportedError(f"{describe(g, n)}: nms_iou_threshold {iou} is outside (0, 1]")
    keff = min(k, classes)
    fscratch = g.add_tensor(Tensor(f"{boxes.name}/decoded", (6 * a + 2 * d,), "f32"))
    iscratch = g.add_tensor(Tensor(f"{boxes.name}/nms_index", (5 * a + 3 * d + a * keff,), "i32"))
    return Lowered(kernel=n.kernel, inputs=list(n.inputs), outputs=list(n.outputs) + [fscratch, iscratch],
                   iparams={"max_detections": d, "classes_per_detection": k,
                            "detections_per_class": int(at.get("detections_per_class", 100)),
                            "num_classes": classes, "regular": int(bool(at.get("use_regular_nms", False)))},
                   fparams={"score_threshold": float(at.get("nms_score_threshold", 0.0)), "iou_threshold": iou,
                            "y_scale": float(at.get("y_scale", 0.0)), "x_scale": float(at.get("x_scale", 0.0)),
                            "h_scale": float(at.get("h_scale", 0.0)), "w_scale": float(at.get("w_scale", 0.0))})
