"""Image classifiers behind one interface: RGB crops in, P(fake) out.

Three families load here: the project's embedded dual-stream model, MesoNet
packs, and Hugging Face image-classification checkpoints. Each is pinned by the
SHA-256 of its weights, which is checked on load and recorded in every result.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from safetensors.torch import load_file

from ..media.intake import sha256_file
from ..results import ModelInfo
from .dual_stream import DualStreamDetector, DualStreamEnsemble
from .mesonet import ARCHITECTURES as MESONET_ARCHITECTURES
from .mesonet import INPUT_SIZE as MESONET_INPUT_SIZE
from .preprocess import batch_tensor
from .runtime import BatchedModel, sigmoid


class ModelIntegrityError(RuntimeError):
    """Weights on disk do not match the hash their package declares."""


def verified_weights(folder: Path, name: str, expected: str | None) -> Path:
    path = folder / name
    actual = sha256_file(path)
    if expected and actual != expected:
        raise ModelIntegrityError(f"{path}: SHA-256 {actual[:16]}… does not match the declared {expected[:16]}…")
    return path


@dataclass
class ScoringModel:
    """A loaded detector of any modality: inputs (crops, waveforms) in, P(fake) out, pinned by its weights' hash."""

    id: str
    version: str
    sha256: str
    runner: BatchedModel
    calibration: tuple[float, float] = (1.0, 0.0)  # fake probability = sigmoid(scale * logit + bias)

    @property
    def info(self) -> ModelInfo:
        return ModelInfo(self.id, self.version, self.sha256)

    def predict(self, crops: list[np.ndarray], cancelled: Callable[[], bool] = lambda: False) -> tuple[np.ndarray, dict]:
        logits, extras = self.runner.logits(crops, cancelled)
        scale, bias = self.calibration
        return sigmoid(scale * logits + bias), extras


def load_dual_stream(folder: Path, device: str) -> ScoringModel:
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    weights = verified_weights(folder, config["weights"], config["sha256"])
    module = dual_stream_module(config)
    module.load_state_dict(load_file(str(weights)), strict=True)  # float16 storage is cast to the float32 model
    if isinstance(module, DualStreamEnsemble) and not module.shared_layers_agree():
        raise ModelIntegrityError(f"{weights}: the ensemble's members differ in the layers they share")
    module.eval().fold_batch_norms()  # ~10 % faster on CPU; log-odds move by ~2e-5
    size = int(config["input_size"])
    runner = BatchedModel(module, device, lambda crops: batch_tensor(crops, size),
                          lambda out: (out.logit, {"visual_share": out.visual_share}), channels_last=True)
    calibration = (config["calibration"]["scale"], config["calibration"]["bias"])
    return ScoringModel(config["id"], config.get("version", "1"), config["sha256"], runner, calibration)


def dual_stream_module(config: dict) -> DualStreamDetector | DualStreamEnsemble:
    if config["architecture"] == "dual_stream_ensemble":
        return DualStreamEnsemble(int(config["members"]), int(config["shared_blocks"]))
    return DualStreamDetector()


def load_mesonet(folder: Path, device: str, manifest: dict) -> ScoringModel:
    weights = verified_weights(folder, manifest["weights"], manifest["files"][manifest["weights"]])
    module = MESONET_ARCHITECTURES[manifest["architecture"]]()
    module.load_state_dict(load_file(str(weights)), strict=True)
    runner = BatchedModel(module, device, lambda crops: batch_tensor(crops, MESONET_INPUT_SIZE))
    return ScoringModel(manifest["id"], manifest.get("version", "1"), manifest["files"][manifest["weights"]], runner)


def load_hf_image_classifier(folder: Path, device: str, manifest: dict) -> ScoringModel:
    """A transformers image-classification checkpoint from a local folder (safetensors only)."""
    from transformers import AutoImageProcessor, AutoModelForImageClassification

    def batch(processor) -> Callable:
        return lambda crops: processor(images=list(crops), return_tensors="pt")["pixel_values"]

    return load_hf_classifier(folder, device, manifest, AutoImageProcessor, AutoModelForImageClassification, batch)


def load_hf_classifier(folder: Path, device: str, manifest: dict, processor_class, model_class,
                       batch: Callable) -> ScoringModel:
    """Any transformers classification checkpoint: weights verified, loaded offline from safetensors only,
    scored as the log-odds of the pack's fake labels. ``batch(processor)`` turns inputs into a tensor."""
    weights = manifest["weights"]
    verified_weights(folder, weights, manifest["files"][weights])
    processor = processor_class.from_pretrained(str(folder), local_files_only=True)
    module = model_class.from_pretrained(str(folder), local_files_only=True, use_safetensors=True)
    runner = BatchedModel(module, device, batch(processor), fake_label_log_odds(module.config.id2label,
                                                                                manifest["fake_labels"]))
    return ScoringModel(manifest["id"], manifest.get("version", "1"), manifest["files"][weights], runner)


def fake_label_log_odds(id2label: dict, fake_labels: list[str]) -> Callable:
    """A classifier's output -> the log-odds of "any fake label" against the rest, from its softmax."""
    fake_ids = [int(i) for i, label in id2label.items() if label in set(fake_labels)]

    def to_logit(out) -> tuple[torch.Tensor, dict]:
        log_probs = torch.log_softmax(out.logits.float(), dim=-1)
        fake = torch.logsumexp(log_probs[:, fake_ids], dim=-1)
        real = torch.log1p(-fake.exp().clamp(max=1 - 1e-7))
        return fake - real, {}

    return to_logit


_LOADED: dict[tuple[str, str], ScoringModel] = {}
_LOADED_LOCK = threading.Lock()


def cached(key: tuple[str, str], load: Callable[[], ScoringModel]) -> ScoringModel:
    """Load each model once per process and device (loading dominates small jobs)."""
    with _LOADED_LOCK:
        if key not in _LOADED:
            _LOADED[key] = load()
        return _LOADED[key]
