"""AASIST and AASIST-L (Jung et al., ICASSP 2022), written from the paper for the published weights.

Raw 16 kHz waveform (64,600 samples, about 4 s) -> fixed sinc band-pass filters
(70 mel-spaced bands, 129 taps) -> |x|, 3x3 max-pool -> six 2-D residual blocks
-> two graphs: spectral nodes (max over time, plus a learned positional code)
and temporal nodes (max over frequency), each refined by graph attention and
top-k pooling -> two parallel heterogeneous stacks that attend across both graphs
through a learned master node -> max/mean readout of both graphs and the master
-> 2 logits (spoof, bona fide).

Module and parameter names follow the published state dicts, so
``load_state_dict(strict=True)`` checks every tensor.  Published figures on
ASVspoof 2019 LA evaluation: AASIST EER 0.83 %, min t-DCF 0.0275; AASIST-L EER
0.99 %, min t-DCF 0.0309 (85 k parameters).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

SAMPLE_RATE = 16_000
INPUT_SAMPLES = 64_600  # the published models' fixed input length


@dataclass(frozen=True)
class AasistConfig:
    filters: tuple = (70, (1, 32), (32, 32), (32, 64), (64, 64))
    sinc_kernel: int = 128
    gat_dims: tuple = (64, 32)
    pool_ratios: tuple = (0.5, 0.7, 0.5, 0.5)
    temperatures: tuple = (2.0, 2.0, 100.0, 100.0)

    @classmethod
    def from_conf(cls, model_config: dict) -> "AasistConfig":
        """From the ``model_config`` block of a published ``.conf`` file."""
        filts = model_config["filts"]
        return cls(filters=(filts[0], *(tuple(f) for f in filts[1:])), sinc_kernel=model_config["first_conv"],
                   gat_dims=tuple(model_config["gat_dims"]), pool_ratios=tuple(model_config["pool_ratios"]),
                   temperatures=tuple(model_config["temperatures"]))


AASIST = AasistConfig()
AASIST_L = AasistConfig(filters=(70, (1, 32), (32, 32), (32, 24), (24, 24)), gat_dims=(24, 32),
                        pool_ratios=(0.4, 0.5, 0.7, 0.5))


class SincFilterbank(nn.Module):
    """Fixed (not learned) Hamming-windowed sinc band-pass filters with mel-spaced edges."""

    def __init__(self, bands: int, kernel_size: int, sample_rate: int = SAMPLE_RATE):
        super().__init__()
        kernel_size += 1 - kernel_size % 2  # odd length, centred
        nyquist_bins = np.linspace(0, sample_rate / 2, 257)
        mel = 2595 * np.log10(1 + nyquist_bins / 700)
        edges = 700 * (10 ** (np.linspace(mel.min(), mel.max(), bands + 1) / 2595) - 1)
        taps = np.arange(-(kernel_size - 1) / 2, (kernel_size - 1) / 2 + 1)

        def low_pass(cutoff):
            return 2 * cutoff / sample_rate * np.sinc(2 * cutoff * taps / sample_rate)

        filters = np.stack([np.hamming(kernel_size) * (low_pass(hi) - low_pass(lo)) for lo, hi in zip(edges[:-1], edges[1:])])
        self.register_buffer("filters", torch.tensor(filters, dtype=torch.float32).unsqueeze(1), persistent=False)

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        return F.conv1d(waveform, self.filters)


class ResidualBlock(nn.Module):
    def __init__(self, channels: tuple[int, int], first: bool = False):
        super().__init__()
        c_in, c_out = channels
        self.first = first
        if not first:
            self.bn1 = nn.BatchNorm2d(c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, kernel_size=(2, 3), padding=(1, 1))
        self.bn2 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, kernel_size=(2, 3), padding=(0, 1))
        self.conv_downsample = nn.Conv2d(c_in, c_out, kernel_size=(1, 3), padding=(0, 1)) if c_in != c_out else None

    def entry_conv(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv1(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # The published weights were trained with conv1 reading the block input directly;
        # bn1 is kept (it is in the state dict) but, as in that training, its output is unused.
        out = F.selu(self.bn2(self.entry_conv(x)))
        out = self.conv2(out)
        identity = self.conv_downsample(x) if self.conv_downsample is not None else x
        return F.max_pool2d(out + identity, (1, 3))


def _attention_weight(dim: int) -> nn.Parameter:
    weight = nn.Parameter(torch.empty(dim, 1))
    nn.init.xavier_normal_(weight)  # loaded weights replace it; initialised so a fresh model is usable
    return weight


def _pairwise(x: torch.Tensor) -> torch.Tensor:
    """(B, N, D) -> (B, N, N, D): the element-wise product of every pair of nodes."""
    return x.unsqueeze(2) * x.unsqueeze(1)


def _batch_norm_nodes(bn: nn.BatchNorm1d, x: torch.Tensor) -> torch.Tensor:
    return bn(x.reshape(-1, x.shape[-1])).reshape(x.shape)


class GraphAttention(nn.Module):
    def __init__(self, in_dim: int, out_dim: int, temperature: float):
        super().__init__()
        self.att_proj = nn.Linear(in_dim, out_dim)
        self.att_weight = _attention_weight(out_dim)
        self.proj_with_att = nn.Linear(in_dim, out_dim)
        self.proj_without_att = nn.Linear(in_dim, out_dim)
        self.bn = nn.BatchNorm1d(out_dim)
        self.temperature = temperature

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scores = torch.tanh(self.att_proj(_pairwise(x))) @ self.att_weight
        attention = F.softmax(scores / self.temperature, dim=-2).squeeze(-1)
        x = self.proj_with_att(attention @ x) + self.proj_without_att(x)
        return F.selu(_batch_norm_nodes(self.bn, x))


class HeterogeneousGraphAttention(nn.Module):
    """Attention over the union of two node types with type-pair weights, plus a master node."""

    def __init__(self, in_dim: int, out_dim: int, temperature: float):
        super().__init__()
        self.proj_type1 = nn.Linear(in_dim, in_dim)
        self.proj_type2 = nn.Linear(in_dim, in_dim)
        self.att_proj = nn.Linear(in_dim, out_dim)
        self.att_projM = nn.Linear(in_dim, out_dim)
        self.att_weight11 = _attention_weight(out_dim)
        self.att_weight22 = _attention_weight(out_dim)
        self.att_weight12 = _attention_weight(out_dim)
        self.att_weightM = _attention_weight(out_dim)
        self.proj_with_att = nn.Linear(in_dim, out_dim)
        self.proj_without_att = nn.Linear(in_dim, out_dim)
        self.proj_with_attM = nn.Linear(in_dim, out_dim)
        self.proj_without_attM = nn.Linear(in_dim, out_dim)
        self.bn = nn.BatchNorm1d(out_dim)
        self.temperature = temperature

    def forward(self, nodes1: torch.Tensor, nodes2: torch.Tensor, master: torch.Tensor):
        n1 = nodes1.shape[1]
        x = torch.cat([self.proj_type1(nodes1), self.proj_type2(nodes2)], dim=1)
        master = self._update_master(x, master)
        hidden = torch.tanh(self.att_proj(_pairwise(x)))
        scores = torch.cat([
            torch.cat([hidden[:, :n1, :n1] @ self.att_weight11, hidden[:, :n1, n1:] @ self.att_weight12], dim=2),
            torch.cat([hidden[:, n1:, :n1] @ self.att_weight12, hidden[:, n1:, n1:] @ self.att_weight22], dim=2),
        ], dim=1)
        attention = F.softmax(scores / self.temperature, dim=-2).squeeze(-1)
        x = self.proj_with_att(attention @ x) + self.proj_without_att(x)
        x = F.selu(_batch_norm_nodes(self.bn, x))
        return x[:, :n1], x[:, n1:], master

    def _update_master(self, x: torch.Tensor, master: torch.Tensor) -> torch.Tensor:
        scores = torch.tanh(self.att_projM(x * master)) @ self.att_weightM
        attention = F.softmax(scores / self.temperature, dim=-2).squeeze(-1).unsqueeze(1)
        return self.proj_with_attM(attention @ x) + self.proj_without_attM(master)


class GraphPool(nn.Module):
    """Keep the top ``ratio`` of nodes by a learned sigmoid score, scaled by that score."""

    def __init__(self, ratio: float, dim: int):
        super().__init__()
        self.ratio = ratio
        self.proj = nn.Linear(dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scores = torch.sigmoid(self.proj(x))
        keep = max(int(x.shape[1] * self.ratio), 1)
        index = torch.topk(scores, keep, dim=1).indices.expand(-1, -1, x.shape[-1])
        return torch.gather(x * scores, 1, index)


class Aasist(nn.Module):
    def __init__(self, config: AasistConfig = AASIST):
        super().__init__()
        filters, gat, pools, temps = config.filters, config.gat_dims, config.pool_ratios, config.temperatures
        encoder_out = filters[-1][-1]
        self.conv_time = SincFilterbank(filters[0], config.sinc_kernel)
        self.first_bn = nn.BatchNorm2d(1)
        blocks = [filters[1], filters[2], filters[3], filters[4], filters[4], filters[4]]
        self.encoder = nn.Sequential(*(nn.Sequential(ResidualBlock(c, first=i == 0)) for i, c in enumerate(blocks)))
        self.pos_S = nn.Parameter(torch.zeros(1, 23, encoder_out))
        self.master1 = nn.Parameter(torch.zeros(1, 1, gat[0]))
        self.master2 = nn.Parameter(torch.zeros(1, 1, gat[0]))
        self.GAT_layer_S = GraphAttention(encoder_out, gat[0], temps[0])
        self.GAT_layer_T = GraphAttention(encoder_out, gat[0], temps[1])
        self.HtrgGAT_layer_ST11 = HeterogeneousGraphAttention(gat[0], gat[1], temps[2])
        self.HtrgGAT_layer_ST12 = HeterogeneousGraphAttention(gat[1], gat[1], temps[2])
        self.HtrgGAT_layer_ST21 = HeterogeneousGraphAttention(gat[0], gat[1], temps[2])
        self.HtrgGAT_layer_ST22 = HeterogeneousGraphAttention(gat[1], gat[1], temps[2])
        self.pool_S = GraphPool(pools[0], gat[0])
        self.pool_T = GraphPool(pools[1], gat[0])
        self.pool_hS1 = GraphPool(pools[2], gat[1])
        self.pool_hT1 = GraphPool(pools[2], gat[1])
        self.pool_hS2 = GraphPool(pools[2], gat[1])
        self.pool_hT2 = GraphPool(pools[2], gat[1])
        self.out_layer = nn.Linear(5 * gat[1], 2)

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        """(B, samples) at 16 kHz -> (B, 2) logits: index 0 spoof, index 1 bona fide."""
        x = self.conv_time(waveform.unsqueeze(1)).unsqueeze(1)
        x = F.selu(self.first_bn(F.max_pool2d(x.abs(), (3, 3))))
        e = self.encoder(x)  # (B, C, bands, frames)
        spectral = self.pool_S(self.GAT_layer_S(e.abs().amax(dim=3).transpose(1, 2) + self.pos_S))
        temporal = self.pool_T(self.GAT_layer_T(e.abs().amax(dim=2).transpose(1, 2)))
        t1, s1, m1 = self._branch(temporal, spectral, self.master1, self.HtrgGAT_layer_ST11, self.HtrgGAT_layer_ST12,
                                  self.pool_hS1, self.pool_hT1)
        t2, s2, m2 = self._branch(temporal, spectral, self.master2, self.HtrgGAT_layer_ST21, self.HtrgGAT_layer_ST22,
                                  self.pool_hS2, self.pool_hT2)
        t, s, master = torch.maximum(t1, t2), torch.maximum(s1, s2), torch.maximum(m1, m2)
        readout = torch.cat([t.abs().amax(dim=1), t.mean(dim=1), s.abs().amax(dim=1), s.mean(dim=1),
                             master.squeeze(1)], dim=1)
        return self.out_layer(readout)

    @staticmethod
    def _branch(temporal, spectral, master, first, second, pool_s, pool_t):
        t, s, m = first(temporal, spectral, master)
        s, t = pool_s(s), pool_t(t)
        t_aug, s_aug, m_aug = second(t, s, m)
        return t + t_aug, s + s_aug, m + m_aug


def fit_length(waveform: np.ndarray, samples: int = INPUT_SAMPLES) -> np.ndarray:
    """Crop to ``samples``, or repeat a short clip until it is that long (the published models' input)."""
    if len(waveform) >= samples:
        return waveform[:samples]
    repeats = int(np.ceil(samples / max(1, len(waveform))))
    return np.tile(waveform, repeats)[:samples]
