"""The embedded audio detector: small networks over the forensic window features.

The detector is a few experts of the same shape whose outputs are averaged in
log-odds (``AudioExpertEnsemble``).  They differ only in training data: each
expert also saw real training speech re-synthesised by one classic vocoder
(``training.audio_augment.VOCODERS``) as extra fakes, so each learned one family
of re-synthesis artefacts; averaging them scored better on held-out demo pages
than one network trained on every vocoder at once (see the model card).

Each expert holds three heads that share the feature standardisation:
  ``logit``           the embedded detector (two-layer MLP over every feature group),
  ``spectral_logit``  a linear read-out of the spectral groups only (envelope, flatness, ripple),
  ``phase_logit``     a linear read-out of the phase group only.
The two linear heads are what the ``audio_spectral`` and ``audio_phase``
layers report: fixed, inspectable statistics with a calibration fitted on the
same data, so each layer's score is a probability rather than a raw number.
All three are trained together by ``forensic_studio.training.audio_detector``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file
from torch import nn

from ..results import ModelInfo
from .audio_features import N_FEATURES, group_slice

SPECTRAL_GROUPS = ("envelope", "flatness", "ripple")
PHASE_GROUPS = ("phase",)


def _indices(groups: tuple[str, ...]) -> torch.Tensor:
    return torch.cat([torch.arange(N_FEATURES)[group_slice(name)] for name in groups])


class AudioWindowNet(nn.Module):
    def __init__(self, hidden: int = 64, dropout: float = 0.3):
        super().__init__()
        self.register_buffer("mean", torch.zeros(N_FEATURES))
        self.register_buffer("std", torch.ones(N_FEATURES))
        self.register_buffer("spectral_index", _indices(SPECTRAL_GROUPS))
        self.register_buffer("phase_index", _indices(PHASE_GROUPS))
        self.mlp = nn.Sequential(
            nn.Dropout(0.1), nn.Linear(N_FEATURES, hidden), nn.GELU(), nn.Dropout(dropout),
            nn.Linear(hidden, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, 1),
        )
        self.spectral = nn.Linear(len(self.spectral_index), 1)
        self.phase = nn.Linear(len(self.phase_index), 1)

    def set_standardisation(self, features: np.ndarray) -> None:
        self.mean.copy_(torch.as_tensor(features.mean(0), dtype=torch.float32))
        self.std.copy_(torch.as_tensor(features.std(0) + 1e-6, dtype=torch.float32))

    def forward(self, features: torch.Tensor) -> dict[str, torch.Tensor]:
        z = ((features - self.mean) / self.std).clamp(-8, 8)  # a wild window must not dominate the file
        return {
            "logit": self.mlp(z).squeeze(-1),
            "spectral_logit": self.spectral(z[:, self.spectral_index]).squeeze(-1),
            "phase_logit": self.phase(z[:, self.phase_index]).squeeze(-1),
        }


class AudioExpertEnsemble(nn.Module):
    """``AudioWindowNet`` experts whose heads are averaged in log-odds."""

    def __init__(self, experts: int, hidden: int = 64, dropout: float = 0.3):
        super().__init__()
        self.experts = nn.ModuleList(AudioWindowNet(hidden, dropout) for _ in range(experts))

    def forward(self, features: torch.Tensor) -> dict[str, torch.Tensor]:
        outputs = [expert(features) for expert in self.experts]
        return {head: torch.stack([out[head] for out in outputs]).mean(0) for head in outputs[0]}


@dataclass
class AudioWindowModel:
    """The loaded embedded audio model, pinned by the SHA-256 of its weights."""

    id: str
    version: str
    sha256: str
    module: AudioExpertEnsemble
    calibration: dict[str, tuple[float, float]]  # head -> (scale, bias), fitted on held-out pages

    @property
    def info(self) -> ModelInfo:
        return ModelInfo(self.id, self.version, self.sha256)

    def window_log_odds(self, features: np.ndarray) -> dict[str, np.ndarray]:
        """Calibrated per-window log-odds of each head for a (windows, N_FEATURES) array."""
        if len(features) == 0:
            return {head: np.zeros(0) for head in self.calibration}
        with torch.inference_mode():
            out = self.module(torch.as_tensor(np.asarray(features, np.float32)))
        return {head: self.calibration[head][0] * value.numpy().astype(np.float64) + self.calibration[head][1]
                for head, value in out.items()}


def load_audio_window_model(folder: Path) -> AudioWindowModel:
    from .image_models import verified_weights

    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    weights = verified_weights(folder, config["weights"], config["sha256"])
    module = AudioExpertEnsemble(len(config["experts"]), hidden=config["hidden"])
    module.load_state_dict(load_file(str(weights)), strict=True)
    module.eval()
    calibration = {head: (float(c["scale"]), float(c["bias"])) for head, c in config["calibration"].items()}
    return AudioWindowModel(config["id"], config.get("version", "1"), config["sha256"], module, calibration)
