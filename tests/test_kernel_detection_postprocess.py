"""detection_postprocess.f32: LiteRT's TFLite_Detection_PostProcess custom op
(SSD box decoding + multi-class NMS), the post-processing of TF's object
detection models, against LiteRT's own kernel on host and under qemu.

LiteRT writes only the rows it detects in the fast path (the rest of its
output buffers is left as it was); the comparison covers num_detections and
those rows, boxes within 1e-6 relative (their exp() comes from each side's
libm), classes and scores exactly (they are copied).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from flatbuffers import flexbuffers

import harness as H
from selbuild import toolchain_loader, verify
from selbuild.build import build_target
from selbuild.config import BuildConfig
from selbuild.convert.pipeline import convert
from selbuild.errors import ModelError, UnsupportedError
from selbuild.frontends import tflite
from tflite_builder import Op, T, build_model

KERNEL = "detection_postprocess.f32"


def model(anchors_n: int = 50, columns: int = 4, classes: int = 3, max_det: int = 10, per_det: int = 1,
          regular: bool = False, per_class: int = 5, score_thr: float = 0.3, iou: float = 0.5,
          width: int = 4, seed: int = 0, options: dict | None = None) -> bytes:
    rng = np.random.default_rng(seed)
    anchors = np.concatenate([rng.uniform(0, 1, (anchors_n, 2)), rng.uniform(0.05, 0.4, (anchors_n, 2))],
                             axis=1).astype(np.float32)
    opts = {"max_detections": max_det, "max_classes_per_detection": per_det, "detections_per_class": per_class,
            "num_classes": classes, "nms_score_threshold": score_thr, "nms_iou_threshold": iou,
            "y_scale": 10.0, "x_scale": 10.0, "h_scale": 5.0, "w_scale": 5.0, "use_regular_nms": regular}
    opts.update(options or {})
    rows = max_det * per_det
    tensors = [T("boxes", [1, anchors_n, width]), T("scores", [1, anchors_n, columns]),
               T("anchors", [anchors_n, 4], data=anchors), T("det_boxes", [1, rows, 4]),
               T("det_classes", [1, rows]), T("det_scores", [1, rows]), T("num", [1])]
    ops = [Op("CUSTOM", ["boxes", "scores", "anchors"], ["det_boxes", "det_classes", "det_scores", "num"],
              custom_code="TFLite_Detection_PostProcess", custom_options=bytes(flexbuffers.Dumps(opts)))]
    return build_model(ops, tensors, inputs=["boxes", "scores"], outputs=["det_boxes", "det_classes",
                                                                           "det_scores", "num"])


def inputs(anchors_n: int, columns: int, width: int = 4, seed: int = 100, spread: float = 1.0):
    rng = np.random.default_rng(seed)
    return {"boxes": rng.normal(0, spread, (1, anchors_n, width)).astype(np.float32),
            "scores": rng.uniform(0, 1, (1, anchors_n, columns)).astype(np.float32)}


def compare(ours: dict, ref: dict, stride: int, filled: int | None = None) -> None:
    """num_detections equal, and the rows LiteRT writes: `filled` of every `stride` per detection
    (fast NMS with more classes per detection than the model has leaves gaps)."""
    n = int(ref["num"][0])
    assert ours["num"][0] == n
    rows = np.asarray([o * stride + j for o in range(n) for j in range(filled or stride)], dtype=np.int64)
    np.testing.assert_allclose(ours["det_boxes"][0, rows], ref["det_boxes"][0, rows], rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(ours["det_classes"][0, rows], ref["det_classes"][0, rows])
    np.testing.assert_array_equal(ours["det_scores"][0, rows], ref["det_scores"][0, rows])
    rest = np.setdiff1d(np.arange(ours["det_scores"].shape[1]), rows)
    assert not ours["det_scores"][0, rest].any() and not ours["det_boxes"][0, rest].any()   # ours: zeros


def _stride(kw: dict) -> tuple[int, int]:
    if kw.get("regular"):
        return 1, 1
    k = kw.get("per_det", 1)
    return k, min(k, kw.get("classes", 3))


def program(m: bytes) -> bytes:
    return convert(tflite.to_ir(tflite.parse_bytes(m, "ssd.tflite"))).program


CASES = {
    "fast": dict(),
    "fast_top2_classes": dict(per_det=2),
    "fast_more_classes_than_exist": dict(per_det=5, classes=3),
    "fast_no_background_column": dict(columns=3, classes=3),
    "fast_few_pass_threshold": dict(score_thr=0.9),
    "fast_none_pass": dict(score_thr=1.5),
    "fast_iou_1": dict(iou=1.0),
    "fast_heavy_overlap": dict(iou=0.05, anchors_n=200),
    "fast_keypoint_encodings": dict(width=8),
    "fast_one_anchor": dict(anchors_n=1),
    "fast_ssd_size": dict(anchors_n=1917, columns=91, classes=90, max_det=10),
    "regular": dict(regular=True),
    "regular_one_per_class": dict(regular=True, per_class=1),
    "regular_many_per_class": dict(regular=True, per_class=40, max_det=20),
    "regular_max_det_1": dict(regular=True, max_det=1),
    "regular_ssd_size": dict(regular=True, anchors_n=1917, columns=91, classes=90, max_det=25, per_class=20),
}


@pytest.fixture(scope="module")
def rt(tmp_path_factory) -> Path:
    return H.build_runtime(tmp_path_factory.mktemp("detection_rt"), [KERNEL])


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_litert(name: str, seed: int, rt: Path) -> None:
    kw = CASES[name]
    m = model(seed=seed, **kw)
    x = inputs(kw.get("anchors_n", 50), kw.get("columns", 4), kw.get("width", 4), seed=seed + 7,
               spread=0.3 if "overlap" in name else 1.0)
    ref = H.litert(m, x, reference=False)
    compare(verify.run_program(rt, program(m), x), ref, *_stride(kw))


def test_options_reach_the_program_and_analyze_names_the_kernel() -> None:
    ir = tflite.to_ir(tflite.parse_bytes(model(max_det=7, per_det=2), "ssd.tflite"))
    (n,) = ir.main.nodes
    assert n.kernel == KERNEL and n.attrs["max_detections"] == 7 and n.attrs["max_classes_per_detection"] == 2
    assert n.attrs["detections_per_class"] == 5 and n.attrs["y_scale"] == 10.0
    s = tflite.summarize_raw(tflite.parse_bytes(model(), "ssd.tflite"))
    assert [u.op for u in s.ops] == [KERNEL] and s.custom_ops == ["TFLite_Detection_PostProcess"]
    # detections_per_class and use_regular_nms take LiteRT's defaults when absent
    m = model(options={"detections_per_class": None})
    assert tflite.to_ir(tflite.parse_bytes(m, "d.tflite")).main.nodes[0].attrs["detections_per_class"] == 100


@pytest.mark.parametrize("options, message", [
    ({"nms_iou_threshold": 0.0}, "outside \\(0, 1\\]"),
    ({"num_classes": 7}, "does not fit 4 score columns"),
    ({"max_classes_per_detection": 0}, "out of range"),
])
def test_bad_options_fail_at_conversion(options: dict, message: str) -> None:
    with pytest.raises(UnsupportedError, match=message):
        program(model(options=options))


def test_options_that_are_no_flexbuffer_map_are_a_model_error() -> None:
    m = model().replace(bytes(flexbuffers.Dumps({"max_detections": 10})[:4]), b"\xff\xff\xff\xff", 0)
    tensors = [T("boxes", [1, 2, 4]), T("scores", [1, 2, 2]), T("anchors", [2, 4], data=np.ones((2, 4))),
               T("a", [1, 1, 4]), T("b", [1, 1]), T("c", [1, 1]), T("d", [1])]
    bad = build_model([Op("CUSTOM", ["boxes", "scores", "anchors"], ["a", "b", "c", "d"],
                          custom_code="TFLite_Detection_PostProcess", custom_options=b"\x01\x02")], tensors,
                      inputs=["boxes", "scores"], outputs=["a", "b", "c", "d"])
    assert m
    with pytest.raises(ModelError, match="flexbuffer"):
        tflite.to_ir(tflite.parse_bytes(bad, "bad.tflite"))


@pytest.fixture(scope="module")
def checker(tmp_path_factory):
    d = tmp_path_factory.mktemp("detection_check")
    return d, H.build(d, [KERNEL], cc="clang-19", sanitize=True, main=H.TESTS_C / "selrt_check.c",
                      name="selrt_check_detection")


# iparams: max_detections, classes_per_detection, detections_per_class, num_classes, regular
# fparams: score_threshold, iou_threshold, y_scale, x_scale, h_scale, w_scale
@pytest.mark.parametrize("edit", [dict(iparam=(0, -1)), dict(iparam=(0, 11)), dict(iparam=(1, 0)),
                                  dict(iparam=(3, 0)), dict(iparam=(3, 5)), dict(iparam=(4, 2)),
                                  dict(fparam=(1, float("nan"))), dict(fparam=(1, 1.5)), dict(fparam=(0, float("nan"))),
                                  dict(fparam=(2, 0.0)), dict(fparam=(5, float("inf")))])
def test_bad_parameters_are_refused_by_check(edit: dict, checker) -> None:
    from program_edits import UNSUPPORTED, rebuild, run_batch
    good = program(model())
    assert run_batch(*checker, "good", [rebuild(good)]) == [(0, 1)]
    assert run_batch(*checker, "bad", [rebuild(good, **edit)]) == [(UNSUPPORTED, 0)]


@pytest.mark.parametrize("regular", [False, True])
def test_every_edit_is_refused_or_safe_under_sanitizers(regular: bool, checker) -> None:
    """Each param at each extreme, each tensor reshaped; run under ASan+UBSan on arenas of 0x00 and 0x80."""
    from program_edits import run_batch, variants
    progs = variants(program(model(regular=regular, anchors_n=20, max_det=5)))
    for fill in (0x00, 0x80):
        results = run_batch(*checker, f"edits{int(regular)}", progs, fill=fill)
        assert len(results) == len(progs) and any(ran for _, ran in results)


@pytest.fixture(scope="module", params=["android-arm64", "android-armv7"])
def arm_rt(request, tmp_path_factory) -> Path:
    target = request.param
    if not toolchain_loader.availability(target).ok:
        pytest.skip(toolchain_loader.availability(target).reason)
    root = tmp_path_factory.mktemp(f"detection_{target}")
    cfg = BuildConfig(path=root / "d.yaml", name="det", models=[], targets=[target], ops={KERNEL: []})
    r = build_target(cfg, target, out_root=root, profile="size")
    if toolchain_loader.run_prefix(target, r.out_dir) is None:
        pytest.skip(f"{target}: qemu not installed")
    return r.manifest


@pytest.mark.qemu
@pytest.mark.parametrize("name", ["fast", "fast_top2_classes", "regular", "fast_ssd_size"])
def test_matches_litert_under_qemu(name: str, arm_rt: Path) -> None:
    kw = CASES[name]
    m = model(seed=3, **kw)
    x = inputs(kw.get("anchors_n", 50), kw.get("columns", 4), seed=11)
    compare(verify.run_program(arm_rt, program(m), x), H.litert(m, x, reference=False), *_stride(kw))
