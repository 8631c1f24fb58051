"""The embedded image detector: a visual stream and a forensic noise stream, gated.

The visual stream (EfficientNet-Lite0) sees what a generator gets wrong in
content: skin, hair, eyes, blending seams. The noise stream sees what it gets
wrong in the signal: it starts from fixed SRM high-pass residuals and a
constrained (Bayar) convolution that can only learn prediction-error filters, so
it cannot fall back on image content. A learned gate decides per feature how much
of each stream to trust; its mean is reported so an examiner can see which stream
carried a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .efficientnet_lite import FEATURE_CHANNELS, INPUT_MEAN, INPUT_STD, EfficientNetLite0, fold_batch_norm

# Rich-model (SRM) kernels from steganalysis: first order, second order, and the
# 5x5 "KV" kernel. They are fixed: learning would let them drift towards content.
_SRM_FIRST = [[0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 1, -2, 1, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]
_SRM_SECOND = [[0, 0, 0, 0, 0], [0, -1, 2, -1, 0], [0, 2, -4, 2, 0], [0, -1, 2, -1, 0], [0, 0, 0, 0, 0]]
_SRM_KV = [[-1, 2, -2, 2, -1], [2, -6, 8, -6, 2], [-2, 8, -12, 8, -2], [2, -6, 8, -6, 2], [-1, 2, -2, 2, -1]]
_SRM_SCALES = (2.0, 4.0, 12.0)
# Truncation of residuals (in 8-bit pixel units): large residuals are edges, not noise.
RESIDUAL_CLIP = 3.0


def srm_kernels() -> torch.Tensor:
    kernels = [torch.tensor(k, dtype=torch.float32) / s for k, s in zip((_SRM_FIRST, _SRM_SECOND, _SRM_KV), _SRM_SCALES)]
    return torch.stack(kernels).unsqueeze(1)  # (3, 1, 5, 5)


class BayarConv2d(nn.Module):
    """Constrained convolution (Bayar & Stamm 2018): centre tap -1, the others sum to 1.

    The constraint is applied on every forward pass, so each filter is always a
    prediction-error filter whatever the optimiser did to the raw weights.
    """

    def __init__(self, in_ch: int, out_ch: int, kernel: int = 5):
        super().__init__()
        self.kernel = kernel
        self.weight = nn.Parameter(torch.randn(out_ch, in_ch, kernel * kernel) * 0.02)
        centre = torch.zeros(kernel * kernel, dtype=torch.bool)
        centre[kernel * kernel // 2] = True
        self.register_buffer("centre", centre, persistent=False)

    def constrained_weight(self) -> torch.Tensor:
        # Project the off-centre taps onto "sum to 1" by shifting them equally
        # (no division, so no blow-up when the raw taps happen to sum to ~0).
        taps = self.kernel * self.kernel - 1
        off = self.weight.masked_fill(self.centre, 0.0)
        off = off - off.sum(-1, keepdim=True) / taps + 1.0 / taps
        w = off.masked_fill(self.centre, -1.0)
        return w.view(*w.shape[:2], self.kernel, self.kernel)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.constrained_weight(), padding=self.kernel // 2)


def _conv_block(in_ch: int, out_ch: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_ch, out_ch, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(out_ch), nn.ReLU(inplace=True))


class NoiseStream(nn.Module):
    """Residual features at full input resolution -> (N, 128)."""

    OUT_CHANNELS = 128

    def __init__(self):
        super().__init__()
        self.register_buffer("srm", srm_kernels().repeat(3, 1, 1, 1))  # per colour channel
        self.bayar = BayarConv2d(3, 6)
        self.body = nn.Sequential(_conv_block(9 + 6, 32), _conv_block(32, 64), _conv_block(64, 128), _conv_block(128, self.OUT_CHANNELS))

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        """``pixels`` in 8-bit units (0..255)."""
        srm = F.conv2d(pixels, self.srm, padding=2, groups=3).clamp(-RESIDUAL_CLIP, RESIDUAL_CLIP)
        bayar = self.bayar(pixels).clamp(-RESIDUAL_CLIP * 4, RESIDUAL_CLIP * 4) / 4.0
        return self.body(torch.cat([srm, bayar], dim=1)).mean(dim=(2, 3))

    def fold_batch_norms(self) -> None:
        for block in self.body:  # Sequential(conv, bn, relu): children "0" and "1"
            fold_batch_norm(block, "0", "1")


@dataclass
class DualStreamOutput:
    logit: torch.Tensor  # (N,) log-odds that the input is synthetic or manipulated
    visual_share: torch.Tensor  # (N,) mean gate value: 1 = visual stream only, 0 = noise only


class DualStreamDetector(nn.Module):
    """RGB in [0, 1], (N, 3, H, W) -> DualStreamOutput."""

    FUSED = 256

    def __init__(self, dropout: float = 0.3):
        super().__init__()
        self.visual = EfficientNetLite0()
        self.noise = NoiseStream()
        self.visual_proj = nn.Linear(FEATURE_CHANNELS, self.FUSED)
        self.noise_proj = nn.Linear(NoiseStream.OUT_CHANNELS, self.FUSED)
        self.gate = nn.Linear(2 * self.FUSED, self.FUSED)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(self.FUSED, 1)
        self.register_buffer("mean", torch.tensor(INPUT_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(INPUT_STD).view(1, 3, 1, 1), persistent=False)

    def forward(self, rgb: torch.Tensor) -> DualStreamOutput:
        return self.forward_from(rgb, self.early_maps(rgb, 0), 0)

    def early_maps(self, rgb: torch.Tensor, blocks: int) -> torch.Tensor:
        return self.visual.early((rgb - self.mean) / self.std, blocks)

    def forward_from(self, rgb: torch.Tensor, early: torch.Tensor, blocks: int) -> DualStreamOutput:
        """The output given ``early_maps(rgb, blocks)``, which an ensemble computes once for all members."""
        v = self.visual_proj(self.visual.late(early, blocks))
        n = self.noise_proj(self.noise(rgb * 255.0))
        g = torch.sigmoid(self.gate(torch.cat([v, n], dim=1)))
        fused = g * v + (1.0 - g) * n
        logit = self.classifier(self.dropout(F.relu(fused))).squeeze(1)
        return DualStreamOutput(logit=logit, visual_share=g.mean(dim=1))

    def fold_batch_norms(self) -> None:
        """For inference only (see ``fold_batch_norm``); a folded model must not be trained further."""
        self.visual.fold_batch_norms()
        self.noise.fold_batch_norms()


class DualStreamEnsemble(nn.Module):
    """Independently trained detectors whose log-odds are averaged.

    Every member was fine-tuned from the same ImageNet backbone with its stem and
    first ``shared_blocks`` blocks frozen, so those layers are the same in all of
    them (checked on load) and run once per batch.
    """

    def __init__(self, members: int, shared_blocks: int):
        super().__init__()
        self.members = nn.ModuleList(DualStreamDetector() for _ in range(members))
        self.shared_blocks = shared_blocks

    def forward(self, rgb: torch.Tensor) -> DualStreamOutput:
        early = self.members[0].early_maps(rgb, self.shared_blocks)
        outputs = [member.forward_from(rgb, early, self.shared_blocks) for member in self.members]
        return DualStreamOutput(logit=torch.stack([o.logit for o in outputs]).mean(0),
                                visual_share=torch.stack([o.visual_share for o in outputs]).mean(0))

    def fold_batch_norms(self) -> None:
        for member in self.members:
            member.fold_batch_norms()

    def shared_layers_agree(self) -> bool:
        def shared(member: DualStreamDetector) -> list[torch.Tensor]:
            modules = member.visual.early_modules(self.shared_blocks)
            return [t for m in modules for t in (*m.parameters(), *m.buffers())]

        first = shared(self.members[0])
        return all(all(torch.equal(a, b) for a, b in zip(first, shared(m))) for m in self.members[1:])
