"""How the splice layer does on real recordings: false alarms on unedited clips, hits on cut-together ones.

    python -m forensic_studio.evaluation.splice_trials ../shared/datasets/audio

Every real clip of at least ``MIN_SECONDS`` is run through the layer's step
search as it is (a false alarm is any step at or above the threshold).  Then
``--splices`` pairs of clips from different demo pages (different rooms and
microphones) are joined, the first cut 40-60 % into one clip, the second part
from 40-60 % into the other; a splice counts as located when the largest step
within 0.5 s of the cut reaches the threshold and is the largest step in the
clip.  Seeded.  Generated test signals (``tests/test_audio_pipeline.py``) show
the layer works on clean noise floors; this says how it fares on speech.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from ..detectors.audio.splice import SPLICE_DB, STRONG_SPLICE_DB, band_levels, floor_steps, splice_probability
from ..media.audio import decode_mono
from .metrics import roc_auc

RATE = 16_000
MIN_SECONDS = 4.0
LOCATED_WITHIN_S = 0.5


def real_recordings(root: Path) -> list[tuple[str, np.ndarray]]:
    """(page, 16 kHz signal) of every real clip long enough to examine."""
    recordings = []
    for manifest in sorted(root.glob("*/manifest.csv")):
        with open(manifest, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["label"] != "real":
                    continue
                signal = decode_mono(manifest.parent / row["file"])
                if len(signal) >= MIN_SECONDS * RATE:
                    recordings.append((row.get("pair_group") or manifest.parent.name, signal))
    return recordings


def largest_step(signal: np.ndarray, cut_s: float | None = None) -> tuple[float, float]:
    """(largest step anywhere, largest step within 0.5 s of ``cut_s``), in dB."""
    times, steps = floor_steps(band_levels(signal))
    if not len(steps):
        return 0.0, 0.0
    near = np.abs(times - cut_s) <= LOCATED_WITHIN_S if cut_s is not None else np.zeros(len(times), bool)
    return float(steps.max()), float(steps[near].max()) if near.any() else 0.0


def trials(recordings: list[tuple[str, np.ndarray]], splices: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    unedited = np.array([largest_step(signal)[0] for _, signal in recordings])
    spliced = []
    while len(spliced) < splices:
        first, second = rng.choice(len(recordings), 2, replace=False)
        if recordings[first][0] == recordings[second][0]:
            continue
        a, b = recordings[first][1], recordings[second][1]
        cut_a, cut_b = int(len(a) * rng.uniform(0.4, 0.6)), int(len(b) * rng.uniform(0.4, 0.6))
        spliced.append(largest_step(np.concatenate([a[:cut_a], b[cut_b:]]), cut_a / RATE))
    spliced = np.array(spliced)
    labels = np.r_[np.zeros(len(unedited)), np.ones(len(spliced))]
    scores = np.r_[[splice_probability(s) for s in unedited], [splice_probability(s) for s in spliced[:, 0]]]
    report = {"unedited": len(unedited), "spliced": len(spliced), "auc_largest_step": roc_auc(labels, scores)}
    for threshold in (SPLICE_DB, STRONG_SPLICE_DB):
        located = (spliced[:, 1] >= threshold) & (spliced[:, 1] >= spliced[:, 0])
        report[f"at {threshold:g} dB"] = {"false_alarm_rate": round(float((unedited >= threshold).mean()), 3),
                                          "located_rate": round(float(located.mean()), 3)}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", type=Path, help="a folder of sources with manifest.csv (real/ and fake/)")
    parser.add_argument("--splices", type=int, default=150)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(json.dumps(trials(real_recordings(args.data), args.splices, args.seed), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
