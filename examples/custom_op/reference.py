"""numpy reference of ScaleShift (what scale_shift.c computes)."""

from __future__ import annotations

import numpy as np


def scale_shift(x: np.ndarray, bias: np.ndarray, scale: float = 1.0, axis: int = -1,
                relu: bool = False) -> np.ndarray:
    axis = axis % x.ndim
    shape = [1] * x.ndim
    shape[axis] = bias.size
    y = (x * np.float32(scale) + bias.reshape(shape)).astype(np.float32)
    return np.maximum(y, 0).astype(np.float32) if relu else y
