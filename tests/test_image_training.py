"""Training the embedded image detector: a weight-averaged stage, then an ensemble package, on generated data."""

from __future__ import annotations

import csv
import json

import numpy as np
import torch
from PIL import Image
from safetensors.torch import save_file

from forensic_studio.learned.dual_stream import DualStreamDetector
from forensic_studio.learned.image_models import load_dual_stream
from forensic_studio.media.intake import sha256_file
from forensic_studio.synthetic_media import photo_like
from forensic_studio.training import image_detector, image_ensemble


def _labelled_folder(root, files_per_class: int = 24):
    """A source folder as ../shared/datasets lays them out: fakes carry a periodic upsampling pattern."""
    source = root / "generated"
    rows = []
    for label in ("real", "fake"):
        (source / label).mkdir(parents=True)
        for i in range(files_per_class):
            rgb = np.asarray(photo_like(48, 48, seed=i + (1000 if label == "fake" else 0))).astype(np.int16)
            if label == "fake":
                rgb[::2, ::2] += 12
            path = source / label / f"{i:03d}.png"
            Image.fromarray(rgb.clip(0, 255).astype(np.uint8)).save(path)
            rows.append({"file": f"{label}/{path.name}", "label": label, "sha256": sha256_file(path)})
    with open(source / "manifest.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["file", "label", "sha256"])
        writer.writeheader()
        writer.writerows(rows)
    return source


def test_weight_averaged_stage_and_ensemble_package(tmp_path):
    source = _labelled_folder(tmp_path)
    start = tmp_path / "start.safetensors"  # stands in for an earlier stage (CI has no ImageNet checkpoint)
    torch.manual_seed(0)
    save_file(DualStreamDetector().state_dict(), str(start))
    out = tmp_path / "member"
    image_detector.main(["--data", str(tmp_path), "--sources", source.name, "--epochs", "2", "--average",
                         "--input-size", "32", "--batch", "8", "--init-from", str(start), "--out", str(out),
                         "--checkpoint", str(tmp_path / "ck.pt")])
    config = json.loads((out / "config.json").read_text())
    assert [h["epoch"] for h in config["history"]] == [0, 1, "average"]
    assert "weights averaged (SWA" in (out / "MODEL_CARD.md").read_text()
    assert set(np.load(tmp_path / "ck.val-logits.npz").files) == {"0", "1", "average"}

    ensemble = tmp_path / "ensemble"
    image_ensemble.main(["--members", str(out), str(out), "--data", str(tmp_path), "--out", str(ensemble)])
    card = (ensemble / "MODEL_CARD.md").read_text()
    assert "Member 2" in card and "float16" in card and config["sha256"][:16] in card
    single, both = load_dual_stream(out, "cpu"), load_dual_stream(ensemble, "cpu")
    crops = [np.asarray(photo_like(32, 32, seed=s)) for s in (5, 6)]
    # A member twice is the member itself, up to float16 storage; only the calibration differs.
    assert np.allclose(single.runner.logits(crops)[0], both.runner.logits(crops)[0], atol=0.05)
