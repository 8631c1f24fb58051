"""RawGAT-ST (Tak et al., ASVspoof 2021 workshop), written from the paper for the published weights.

Raw 16 kHz waveform (64,600 samples) -> the same fixed sinc filterbank as AASIST
(70 mel-spaced bands, 129 taps) -> |x|, 3x3 max-pool -> two residual encoders
(six 2-D blocks each) -> a spectral graph (max over time, 23 nodes) and a
temporal graph (max over frequency, 29 nodes), each refined by graph attention
and top-k pooling -> both projected to 12 nodes and multiplied element-wise
(the "mul" fusion) -> a spectro-temporal graph attention layer and pooling ->
2 logits (spoof, bona fide).

Module names follow the published ``RawGAT_ST_mul.pth``, so
``load_state_dict(strict=True)`` checks every tensor. Published figure on
ASVspoof 2019 LA evaluation: EER 1.06 %, min t-DCF 0.0335.

Two details are as the weights were trained, not as the paper's figure reads: in
every block but the first, the second convolution reads the block input (the
first batch norm is computed in training but its output unused), and pooled
nodes come out in order of their pooling score.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from . import aasist
from .aasist import GraphAttention, SincFilterbank


@dataclass(frozen=True)
class RawGatConfig:
    sinc_bands: int = 70
    sinc_kernel: int = 128
    # The first block is declared 32 -> 32 but reads the 1-channel input through conv_1; its shortcut
    # adds that one channel to all 32 (broadcast), as in training.
    blocks: tuple = ((32, 32), (32, 32), (32, 64), (64, 64), (64, 64), (64, 64))
    spectral_ratio: float = 0.64
    temporal_ratio: float = 0.81
    fused_ratio: float = 0.64
    spectral_nodes: int = 14  # after pooling 23 frequency nodes (fixed by the 4 s input)
    temporal_nodes: int = 23  # after pooling 29 time nodes
    fused_nodes: int = 12
    final_nodes: int = 7


RAWGAT_ST = RawGatConfig()


class ResidualBlock(aasist.ResidualBlock):
    """AASIST's residual block as RawGAT-ST's weights name it: the first block reads the 1-channel
    input with ``conv_1`` (which every block carries, unused after the first) instead of ``conv1``."""

    def __init__(self, channels: tuple[int, int], first: bool):
        super().__init__(channels, first)
        if first:
            del self.conv1
        self.conv_1 = nn.Conv2d(1, channels[1], kernel_size=(2, 3), padding=(1, 1))

    def entry_conv(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv_1(x) if self.first else self.conv1(x)


class TopKPool(nn.Module):
    """Keep the ``ratio`` best-scoring nodes (at least 2), each scaled by its sigmoid score."""

    def __init__(self, dim: int, ratio: float):
        super().__init__()
        self.proj = nn.Linear(dim, 1)
        self.ratio = ratio

    def forward(self, nodes: torch.Tensor) -> torch.Tensor:
        scores = torch.sigmoid(self.proj(nodes))  # (B, N, 1)
        keep = max(2, int(self.ratio * nodes.shape[1]))
        order = torch.topk(scores.squeeze(-1), keep, dim=1).indices  # best first
        weighted = nodes * scores
        return torch.gather(weighted, 1, order.unsqueeze(-1).expand(-1, -1, nodes.shape[-1]))


def _encoder(config: RawGatConfig) -> nn.Sequential:
    # Each block is wrapped in its own Sequential, as in the published module tree ("encoder1.0.0...").
    return nn.Sequential(*(nn.Sequential(ResidualBlock(c, first=i == 0)) for i, c in enumerate(config.blocks)))


class RawGatST(nn.Module):
    def __init__(self, config: RawGatConfig = RAWGAT_ST):
        super().__init__()
        width = config.blocks[-1][1]
        self.sinc = SincFilterbank(config.sinc_bands, config.sinc_kernel)
        self.first_bn = nn.BatchNorm2d(1)
        self.encoder1, self.encoder2 = _encoder(config), _encoder(config)
        self.GAT_layer1 = GraphAttention(width, 32, temperature=1.0)  # spectral
        self.pool1 = TopKPool(32, config.spectral_ratio)
        self.GAT_layer2 = GraphAttention(width, 32, temperature=1.0)  # temporal
        self.pool2 = TopKPool(32, config.temporal_ratio)
        self.GAT_layer3 = GraphAttention(32, 16, temperature=1.0)  # spectro-temporal
        self.pool3 = TopKPool(16, config.fused_ratio)
        self.proj1 = nn.Linear(config.spectral_nodes, config.fused_nodes)
        self.proj2 = nn.Linear(config.temporal_nodes, config.fused_nodes)
        self.proj = nn.Linear(16, 1)
        self.proj_node = nn.Linear(config.final_nodes, 2)

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        x = self.sinc(waveform.unsqueeze(1)).unsqueeze(1)  # (B, 1, 70 bands, time)
        x = F.selu(self.first_bn(F.max_pool2d(x.abs(), (3, 3))))
        spectral = self.encoder1(x).abs().max(dim=3).values.transpose(1, 2)  # (B, 23 freq nodes, 64)
        temporal = self.encoder2(x).abs().max(dim=2).values.transpose(1, 2)  # (B, 29 time nodes, 64)
        spectral = self.proj1(self.pool1(self.GAT_layer1(spectral)).transpose(1, 2))  # (B, 32, 12)
        temporal = self.proj2(self.pool2(self.GAT_layer2(temporal)).transpose(1, 2))  # (B, 32, 12)
        fused = self.pool3(self.GAT_layer3((spectral * temporal).transpose(1, 2)))  # (B, 7, 16)
        return self.proj_node(self.proj(fused).squeeze(-1))  # (B, 2): spoof, bona fide
