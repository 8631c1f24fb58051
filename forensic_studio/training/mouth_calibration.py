"""Calibrate the lip-sync layer's mouth-detail threshold on still faces, never on the video validation clips.

Lip-sync generators of the Wav2Lip family generate the lower half of the face at
96x96 px and paste it back, upscaled. This script measures the mouth-detail
index (``detectors.video.lipsync.mouth_detail``) on real face photos of the
training split, and on the same photos with the lower half of the face box
re-rendered that way, and prints the medians, spreads and the midpoint and
slope the layer uses (a logistic between the two distributions).

    python -m forensic_studio.training.mouth_calibration ../shared/datasets/images/faces140k_stylegan \
        ../shared/datasets/images/openforensics_faceswap --limit 400
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

GENERATED_SIDE = 96


def relocated_lower_face(rgb: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The photo with the lower half of the face box regenerated at 96 px and pasted back (Wav2Lip-like)."""
    x, y, w, h = box
    x, y = max(0, x), max(0, y)
    face = rgb[y:y + h, x:x + w]
    small = cv2.resize(face, (GENERATED_SIDE, GENERATED_SIDE), interpolation=cv2.INTER_AREA)
    regenerated = cv2.resize(small, (face.shape[1], face.shape[0]), interpolation=cv2.INTER_LINEAR)
    out = rgb.copy()
    half = face.shape[0] // 2
    out[y + half:y + face.shape[0], x:x + face.shape[1]] = regenerated[half:]
    return out


def measure(folder: Path, limit: int) -> tuple[np.ndarray, np.ndarray]:
    from ..detectors.video.lipsync import mouth_detail
    from ..learned.faces import shared_detector
    from .splits import read_source, split_by_source

    train, _ = split_by_source([f for f in read_source(folder) if f.label == 0])
    real, rendered = [], []
    for item in train[:limit]:
        rgb = np.asarray(Image.open(item.path).convert("RGB"))
        faces = shared_detector().detect(rgb)
        if not faces:
            continue
        face = faces[0]
        original = mouth_detail(rgb, face.landmarks)
        pasted = mouth_detail(relocated_lower_face(rgb, face.box), face.landmarks)
        if original is not None and pasted is not None:
            real.append(original)
            rendered.append(pasted)
    return np.array(real), np.array(rendered)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+",
                        help="face dataset folders with manifest.csv (their real training side is used)")
    parser.add_argument("--limit", type=int, default=400, help="photos per folder")
    args = parser.parse_args(argv)
    pairs = [measure(folder, args.limit) for folder in args.folders]
    real, rendered = np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs])
    midpoint = (np.median(real) + np.median(rendered)) / 2
    slope = (np.percentile(real, 75) - np.percentile(real, 25) + np.percentile(rendered, 75)
             - np.percentile(rendered, 25)) / 2 / 2.2  # an interquartile range is ~2.2 logistic scale units
    print(f"faces measured: {len(real)}")
    print(f"real photos:        median {np.median(real):.3f}, IQR {np.percentile(real, 25):.3f}..{np.percentile(real, 75):.3f}")
    print(f"lower face at 96px: median {np.median(rendered):.3f}, IQR {np.percentile(rendered, 25):.3f}..{np.percentile(rendered, 75):.3f}")
    separable = float((rendered[:, None] < real[None, :]).mean())
    print(f"P(re-rendered below real) = {separable:.3f}")
    print(f"DETAIL_MIDPOINT, DETAIL_SLOPE = {midpoint:.2f}, {slope:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
