"""Audio anti-spoofing models behind the same interface as the image models: 16 kHz mono waveforms in, P(spoof) out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file

from .aasist import Aasist, AasistConfig, fit_length
from .image_models import ScoringModel, load_hf_classifier, verified_weights
from .runtime import BatchedModel


def aasist_module(model_config: dict, state_dict: dict[str, torch.Tensor]) -> Aasist:
    module = Aasist(AasistConfig.from_conf(model_config))
    module.load_state_dict(state_dict, strict=True)
    return module


def load_aasist(folder: Path, device: str, manifest: dict) -> ScoringModel:
    weights = verified_weights(folder, manifest["weights"], manifest["files"][manifest["weights"]])
    module = aasist_module(manifest["model_config"], load_file(str(weights)))
    # Logits are (spoof, bona fide); their difference is the spoof log-odds of the softmax.
    runner = BatchedModel(module, device, _waveform_batch, lambda out: (out[:, 0] - out[:, 1], {}))
    return ScoringModel(manifest["id"], manifest.get("version", "1"), manifest["files"][manifest["weights"]], runner)


def rawgat_module(state_dict: dict[str, torch.Tensor]):
    from .rawgat import RawGatST

    module = RawGatST()
    module.load_state_dict(state_dict, strict=True)
    return module


def load_rawgat(folder: Path, device: str, manifest: dict) -> ScoringModel:
    weights = verified_weights(folder, manifest["weights"], manifest["files"][manifest["weights"]])
    module = rawgat_module(load_file(str(weights)))
    # Logits are (spoof, bona fide), as in AASIST.
    runner = BatchedModel(module, device, _waveform_batch, lambda out: (out[:, 0] - out[:, 1], {}))
    return ScoringModel(manifest["id"], manifest.get("version", "1"), manifest["files"][manifest["weights"]], runner)


def _waveform_batch(waveforms: list[np.ndarray]) -> torch.Tensor:
    return torch.from_numpy(np.stack([fit_length(np.asarray(w, dtype=np.float32)) for w in waveforms]))


def load_hf_audio_classifier(folder: Path, device: str, manifest: dict) -> ScoringModel:
    """A transformers audio-classification checkpoint (wav2vec2-style) from a local folder, safetensors only."""
    from transformers import AutoFeatureExtractor, AutoModelForAudioClassification

    def batch(extractor):
        # The windows are 16 kHz already; the extractor applies the checkpoint's own normalisation.
        return lambda waveforms: extractor([np.asarray(w, dtype=np.float32) for w in waveforms], sampling_rate=16_000,
                                           return_tensors="pt", padding=True)["input_values"]

    return load_hf_classifier(folder, device, manifest, AutoFeatureExtractor, AutoModelForAudioClassification, batch)


def read_published_config(conf: Path) -> dict:
    """The ``model_config`` block of a published AASIST ``.conf`` (plain JSON)."""
    return json.loads(conf.read_text(encoding="utf-8"))["model_config"]
