"""Torch modules the XNNPACK-delegated .pte tests export (random weights, no downloads).

MobileNetV2 is torchvision's architecture (width 1.0, 224x224, 1000 classes:
the inverted-residual table of the paper), written here because these
machines have no CPU build of torchvision.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn


def _conv_bn(cin: int, cout: int, k: int, stride: int = 1, groups: int = 1, act: bool = True) -> nn.Sequential:
    layers = [nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    return nn.Sequential(*layers, nn.ReLU6()) if act else nn.Sequential(*layers)


class _Block(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int, t: int) -> None:
        super().__init__()
        h = cin * t
        self.res = stride == 1 and cin == cout
        layers = [_conv_bn(cin, h, 1)] if t != 1 else []
        layers += [_conv_bn(h, h, 3, stride, groups=h), _conv_bn(h, cout, 1, act=False)]
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.body(x) if self.res else self.body(x)


class MobileNetV2(nn.Module):
    # (expansion t, channels c, repeats n, first stride s)
    TABLE = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
             (6, 320, 1, 1)]

    def __init__(self, classes: int = 1000) -> None:
        super().__init__()
        layers: list[nn.Module] = [_conv_bn(3, 32, 3, 2)]
        cin = 32
        for t, c, n, s in self.TABLE:
            for i in range(n):
                layers.append(_Block(cin, c, s if i == 0 else 1, t))
                cin = c
        layers.append(_conv_bn(cin, 1280, 1))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, classes))

    def forward(self, x):
        x = nn.functional.adaptive_avg_pool2d(self.features(x), 1)
        return self.classifier(torch.flatten(x, 1))


class SmallNet(nn.Module):
    """The node kinds a classification network gives XNNPACK, small: conv, depthwise conv,
    relu/relu6 fused, add, max/avg pool, mean, linear, hardswish, sigmoid, softmax."""

    def __init__(self) -> None:
        super().__init__()
        self.c1 = _conv_bn(3, 8, 3, 1)
        self.dw = _conv_bn(8, 8, 3, 2, groups=8)
        self.pw = nn.Conv2d(8, 8, 1)
        self.fc = nn.Linear(8, 6)

    def forward(self, x):
        y = self.dw(self.c1(x))
        y = torch.relu(y + self.pw(y))
        y = nn.functional.max_pool2d(y, 2)
        y = nn.functional.hardswish(y) * torch.sigmoid(y)
        y = nn.functional.avg_pool2d(y, 2)
        y = y.mean((2, 3))
        return torch.softmax(self.fc(y), -1)


class ConvLinear(nn.Module):
    """A small conv + linear module for the int8 XNNPACK paths: conv, relu, flatten, two linears."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.fc1 = nn.Linear(8 * 6 * 6, 24)
        self.fc2 = nn.Linear(24, 5)

    def forward(self, x):
        y = torch.flatten(torch.relu(self.conv(x)), 1)
        return self.fc2(torch.relu(self.fc1(y)))


def randomize_bn(m: nn.Module, seed: int = 0) -> nn.Module:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, nn.BatchNorm2d):
                c = mod.num_features
                mod.running_mean.copy_(torch.randn(c, generator=g) * 0.1)
                mod.running_var.copy_(torch.rand(c, generator=g) + 0.5)
                mod.weight.copy_(torch.rand(c, generator=g) + 0.5)
                mod.bias.copy_(torch.randn(c, generator=g) * 0.1)
    return m.eval()


def export_xnnpack(m: nn.Module, x: tuple, path: Path, quant: str | None = None) -> Path:
    """`m` lowered to the XNNPACK delegate; quant None (f32), "static" or "dynamic" (int8)."""
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    from executorch.exir import to_edge_transform_and_lower
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ep = torch.export.export(m, x)
        if quant is not None:
            ep = torch.export.export(_quantize(ep.module(), x, quant), x)
        prog = to_edge_transform_and_lower(ep, partitioner=[XnnpackPartitioner()]).to_executorch()
    path.write_bytes(prog.buffer)
    return path


def _quantize(gm, x: tuple, mode: str):
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (XNNPACKQuantizer,
                                                                         get_symmetric_quantization_config)
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e
    q = XNNPACKQuantizer().set_global(get_symmetric_quantization_config(is_per_channel=True,
                                                                        is_dynamic=mode == "dynamic"))
    gm = prepare_pt2e(gm, q)
    gm(*x)
    return convert_pt2e(gm)
