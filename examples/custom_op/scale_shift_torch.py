"""The same op for PyTorch: mylib::scale_shift, registered with torch.library.

Training code and selbuild use this one definition; selbuild runs this file
(the declaration's torch_library) before it loads a .pt2 that calls the op.
"""

from __future__ import annotations

import torch

if not hasattr(torch.ops.mylib, "scale_shift"):
    @torch.library.custom_op("mylib::scale_shift", mutates_args=())
    def scale_shift(x: torch.Tensor, bias: torch.Tensor, scale: float = 1.0, axis: int = -1,
                    relu: bool = False) -> torch.Tensor:
        shape = [1] * x.dim()
        shape[axis % x.dim()] = bias.numel()
        y = x * scale + bias.reshape(shape)
        return torch.relu(y) if relu else y

    @scale_shift.register_fake
    def _(x, bias, scale=1.0, axis=-1, relu=False):
        return torch.empty_like(x)
