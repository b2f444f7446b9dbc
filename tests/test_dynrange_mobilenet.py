"""MobileNetV2 (alpha 0.35, 96x96) made dynamic-range (tests/dynrange_models:
per-channel int8 filters as TF's converter writes them, asymmetric FC input):
its program size against the float one."""

from __future__ import annotations

from pathlib import Path

import dynrange_models as D
from selbuild.convert import convert
from selbuild.frontends import tflite

F32 = Path(__file__).parent / "models" / "tflite" / "mobilenetv2_a035_96_f32.tflite"
KERNELS = ["conv2d.f32i8", "depthwise_conv2d.f32i8", "fully_connected.f32i8"]


def _program(model: bytes):
    return convert(tflite.to_ir(tflite.parse_bytes(model, "m.tflite")))


def test_program_is_about_a_quarter_of_the_float_one():
    dyn, f32 = _program(D.dynamic_range(F32)), _program(F32.read_bytes())
    assert set(KERNELS) <= set(dyn.kernels)
    # 1,806,144 B vs 6,724,384 B: the small (< 1024-element) filters and biases stay float.
    assert 0.25 < len(dyn.program) / len(f32.program) < 0.30, (len(dyn.program), len(f32.program))
