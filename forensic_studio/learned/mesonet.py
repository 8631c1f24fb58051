"""MesoNet (Afchar et al., WIFS 2018): Meso4 and MesoInception4, written for this project.

Small networks on mesoscopic features of 256x256 face crops. The published
weights are Keras HDF5 files; ``load_keras_h5`` maps them onto these modules with
h5py (no Keras, no pickles). The published output is a sigmoid of P(real); the
``forward`` here returns the logit of P(fake) so every detector agrees on sign.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

INPUT_SIZE = 256
KERAS_BN_EPS = 1e-3


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=KERAS_BN_EPS)


class _ConvReluBnPool(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, kernel: int, pool: int):
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch, kernel, padding=kernel // 2)
        self.bn = _bn(out_ch)
        self.pool = pool

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.max_pool2d(self.bn(F.relu(self.conv(x))), self.pool)


class InceptionBlock(nn.Module):
    """Four branches: 1x1; 1x1->3x3; 1x1->3x3 dilated 2; 1x1->3x3 dilated 3."""

    def __init__(self, in_ch: int, a: int, b: int, c: int, d: int):
        super().__init__()
        self.branch1 = nn.Conv2d(in_ch, a, 1)
        self.branch2 = nn.ModuleList([nn.Conv2d(in_ch, b, 1), nn.Conv2d(b, b, 3, padding=1)])
        self.branch3 = nn.ModuleList([nn.Conv2d(in_ch, c, 1), nn.Conv2d(c, c, 3, padding=2, dilation=2)])
        self.branch4 = nn.ModuleList([nn.Conv2d(in_ch, d, 1), nn.Conv2d(d, d, 3, padding=3, dilation=3)])
        self.out_channels = a + b + c + d

    def convs_in_keras_order(self) -> list[nn.Conv2d]:
        return [self.branch1, *self.branch2, *self.branch3, *self.branch4]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = [F.relu(self.branch1(x))]
        for first, second in (self.branch2, self.branch3, self.branch4):
            outs.append(F.relu(second(F.relu(first(x)))))
        return torch.cat(outs, dim=1)


class _MesoHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense1 = nn.Linear(16 * 8 * 8, 16)
        self.dense2 = nn.Linear(16, 1)

    def forward(self, maps: torch.Tensor) -> torch.Tensor:
        # Keras flattens channels-last; keep its order so the dense weights line up.
        flat = maps.permute(0, 2, 3, 1).flatten(1)
        logit_real = self.dense2(F.leaky_relu(self.dense1(flat), 0.1)).squeeze(1)
        return -logit_real


class Meso4(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.ModuleList(
            [_ConvReluBnPool(3, 8, 3, 2), _ConvReluBnPool(8, 8, 5, 2), _ConvReluBnPool(8, 16, 5, 2), _ConvReluBnPool(16, 16, 5, 4)]
        )
        self.head = _MesoHead()

    def forward(self, rgb: torch.Tensor) -> torch.Tensor:
        """RGB in [0, 1], (N, 3, 256, 256) -> logit of P(fake)."""
        x = rgb
        for layer in self.features:
            x = layer(x)
        return self.head(x)

    def keras_layers(self) -> tuple[list[nn.Conv2d], list[nn.BatchNorm2d], list[nn.Linear]]:
        return [f.conv for f in self.features], [f.bn for f in self.features], [self.head.dense1, self.head.dense2]


class MesoInception4(nn.Module):
    def __init__(self):
        super().__init__()
        self.inception1 = InceptionBlock(3, 1, 4, 4, 2)
        self.bn1 = _bn(self.inception1.out_channels)
        self.inception2 = InceptionBlock(self.inception1.out_channels, 2, 4, 4, 2)
        self.bn2 = _bn(self.inception2.out_channels)
        self.conv3 = _ConvReluBnPool(self.inception2.out_channels, 16, 5, 2)
        self.conv4 = _ConvReluBnPool(16, 16, 5, 4)
        self.head = _MesoHead()

    def forward(self, rgb: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(self.bn1(self.inception1(rgb)), 2)
        x = F.max_pool2d(self.bn2(self.inception2(x)), 2)
        return self.head(self.conv4(self.conv3(x)))

    def keras_layers(self) -> tuple[list[nn.Conv2d], list[nn.BatchNorm2d], list[nn.Linear]]:
        convs = self.inception1.convs_in_keras_order() + self.inception2.convs_in_keras_order()
        return convs + [self.conv3.conv, self.conv4.conv], [self.bn1, self.bn2, self.conv3.bn, self.conv4.bn], [self.head.dense1, self.head.dense2]


ARCHITECTURES = {"meso4": Meso4, "mesoinception4": MesoInception4}


def _numbered(group_names, prefix: str) -> list[str]:
    """Keras numbers layers in creation order (conv2d_5, conv2d_6, ...); sort on that."""
    names = [n for n in group_names if re.fullmatch(rf"{prefix}_\d+", n)]
    return sorted(names, key=lambda n: int(n.rsplit("_", 1)[1]))


def _weights(h5, layer: str) -> dict[str, np.ndarray]:
    group = h5[layer]
    return {Path(name.decode() if isinstance(name, bytes) else name).name.split(":")[0]: np.asarray(group[name])
            for name in group.attrs["weight_names"]}


def load_keras_h5(model: Meso4 | MesoInception4, path: Path) -> None:
    """Copy the published Keras weights into ``model`` (shapes are checked)."""
    import h5py

    convs, norms, denses = model.keras_layers()
    with h5py.File(path, "r") as h5:
        names = list(h5.keys())
        groups = (_numbered(names, "conv2d"), _numbered(names, "batch_normalization"), _numbered(names, "dense"))
        if tuple(map(len, groups)) != (len(convs), len(norms), len(denses)):
            raise ValueError(f"{path.name}: layer counts {tuple(map(len, groups))} do not match {type(model).__name__}")
        with torch.no_grad():
            for conv, name in zip(convs, groups[0]):
                w = _weights(h5, name)
                _copy(conv.weight, w["kernel"].transpose(3, 2, 0, 1), name)
                _copy(conv.bias, w["bias"], name)
            for bn, name in zip(norms, groups[1]):
                w = _weights(h5, name)
                for target, key in ((bn.weight, "gamma"), (bn.bias, "beta"), (bn.running_mean, "moving_mean"), (bn.running_var, "moving_variance")):
                    _copy(target, w[key], name)
            for dense, name in zip(denses, groups[2]):
                w = _weights(h5, name)
                _copy(dense.weight, w["kernel"].T, name)
                _copy(dense.bias, w["bias"], name)


def _copy(target: torch.Tensor, value: np.ndarray, layer: str) -> None:
    if tuple(target.shape) != value.shape:
        raise ValueError(f"layer {layer}: weight shape {value.shape} does not fit {tuple(target.shape)}")
    target.copy_(torch.from_numpy(np.ascontiguousarray(value)))
