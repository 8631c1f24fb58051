"""Set a fusion profile's verdict bands from measured false alarms, and report them by source.

Input: ``analyze --json`` results of corpus files (matched to the corpus manifests by
SHA-256, so file names do not matter) and the manifests. Repositories are split as
``corpus.corpus_split`` holds them out; the bands are read from the calibration side
only, then measured on the held-out repositories:

- ``fake_above``: the lowest probability at which at most ``--false-alarms`` of the
  calibration side's authentic files would be called fake;
- ``authentic_below``: the highest probability below which at most ``--misses`` of the
  calibration side's generated and manipulated files would be cleared.

    forensic-studio analyze $(corpus files) --json > corpus.jsonl
    python -m forensic_studio.training.operating_point corpus.jsonl --manifests corpora/images_*.csv
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from ..evaluation.metrics import roc_auc
from .corpus import CorpusFile, corpus_split, read_manifest

FALSE_ALARMS = 0.01
MISSES = 0.05
# The layers that read pixels, whose image-profile weights are fitted here. Provenance layers (metadata,
# c2pa, camera) choose the profile and are kept out: their presence differs by class in any public corpus
# (generated files carry their generator's chunks), so a fit on them would learn the corpus, not the evidence.
# The face model keeps the weight fitted on the face datasets (its scene score carries no confidence).
PIXEL_LAYERS = ("ela", "noise", "copy_move", "spectrum", "texture", "colour", "jpeg")
RIDGE = 0.01


def bands(authentic: np.ndarray, fakes: np.ndarray, false_alarms: float = FALSE_ALARMS,
          misses: float = MISSES) -> tuple[float, float]:
    """(authentic_below, fake_above) from calibration probabilities; authentic_below never above fake_above."""
    allowed = int(np.floor(false_alarms * len(authentic)))
    ranked = np.sort(authentic)[::-1]
    fake_above = float(np.nextafter(ranked[allowed], 1.0)) if allowed < len(ranked) else 0.5
    fake_above = min(max(fake_above, 0.5), 0.999)
    cleared = int(np.floor(misses * len(fakes)))
    lowest = np.sort(fakes)
    authentic_below = float(np.nextafter(lowest[cleared], 0.0)) if cleared < len(lowest) else 0.5
    return min(max(authentic_below, 0.001), 0.5, fake_above), fake_above


def read_results(paths: list[Path], corpus: dict[str, CorpusFile]) -> list[tuple[CorpusFile, dict]]:
    matched = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:  # a line cut short by an interrupted run
                continue
            item = corpus.get(record.get("sha256", ""))
            if item is not None and record.get("fusion"):
                matched.append((item, record))
    return matched


def rates(rows: list[tuple[CorpusFile, dict]], authentic_below: float, fake_above: float) -> dict:
    p = np.array([r["fake_probability"] for _, r in rows])
    fake = np.array([f.is_fake for f, _ in rows])
    out = {"n": len(rows)}
    if (~fake).any():
        out |= {"real->fake": float((p[~fake] >= fake_above).mean()),
                "real->authentic": float((p[~fake] <= authentic_below).mean())}
    if fake.any():
        out |= {"fake->fake": float((p[fake] >= fake_above).mean()),
                "fake->authentic": float((p[fake] <= authentic_below).mean())}
    if fake.any() and (~fake).any():
        out["auc"] = roc_auc(fake.astype(int), p)
    return out


def report(rows: list[tuple[CorpusFile, dict]], held_out: set[str], false_alarms: float, misses: float) -> dict:
    """Bands per profile and pooled over every image profile. Public corpora tie profile to class (camera
    photos keep EXIF, generators write their own chunks), so the pooled bands are the ones to use."""
    by_profile = defaultdict(list)
    for item, record in rows:
        by_profile[record["fusion"]["profile"]].append((item, record))
        by_profile["(all image profiles)"].append((item, record))
    result = {}
    for profile, items in sorted(by_profile.items()):
        calibration = [(f, r) for f, r in items if f.repo not in held_out]
        real = np.array([r["fake_probability"] for f, r in calibration if not f.is_fake])
        fakes = np.array([r["fake_probability"] for f, r in calibration if f.is_fake])
        if len(real) and len(fakes):
            low, high = bands(real, fakes, false_alarms, misses)
        else:
            low, high = None, None
        validation = [(f, r) for f, r in items if f.repo in held_out]
        result[profile] = {"calibration": {"n_real": len(real), "n_fake": len(fakes),
                                           "authentic_below": low, "fake_above": high}}
        if low is not None:
            result[profile]["validation_at_these_bands"] = rates(validation, low, high)
    return result


def layer_table(rows: list[tuple[CorpusFile, dict]], accuses_at: float = 0.65) -> dict:
    """Each layer alone: AUC (authentic against generated and manipulated) and how often it accuses authentic
    media (score at or above ``accuses_at`` with a non-zero confidence)."""
    scores: dict[str, list[tuple[int, float, bool]]] = defaultdict(list)
    for item, record in rows:
        for layer in record["layers"]:
            if not layer.get("error"):
                accuses = layer["score"] >= accuses_at and layer.get("confidence", 1.0) > 0
                scores[layer["name"]].append((int(item.is_fake), layer["score"], accuses))
    table = {}
    for name, items in sorted(scores.items()):
        labels = np.array([i[0] for i in items])
        values = np.array([i[1] for i in items])
        accused = np.array([i[2] for i in items])
        auc = roc_auc(labels, values) if np.ptp(values) > 0 else None
        table[name] = {"n": len(items), "auc": auc,
                       "accuses_authentic": float(accused[labels == 0].mean()) if (labels == 0).any() else None,
                       "flags_fake": float(accused[labels == 1].mean()) if (labels == 1).any() else None}
    return table


def fit_pixel_weights(rows: list[tuple[CorpusFile, dict]], ridge: float = RIDGE) -> dict[str, float]:
    """Non-negative weights of the pixel layers, pooled over image profiles, pulled towards 0 (no evidence)."""
    from ..fusion.fuse import logit
    from .fusion_weights import fit

    features, labels = [], []
    for item, record in rows:
        layers = {layer["name"]: layer for layer in record["layers"] if not layer.get("error")}
        features.append([layers[n].get("confidence", 1.0) * logit(layers[n]["score"]) if n in layers else 0.0
                         for n in PIXEL_LAYERS])
        labels.append(float(item.is_fake))
    weights = fit(np.asarray(features), np.asarray(labels), np.zeros(len(PIXEL_LAYERS)), 0.0, ridge)
    return {name: round(float(w), 2) for name, w in zip(PIXEL_LAYERS, weights)}


def refused(rows: list[tuple[CorpusFile, dict]]) -> list[tuple[CorpusFile, dict]]:
    """The same layer results fused again with the profiles in the code now (no layer is re-run)."""
    from ..fusion.fuse import fuse
    from ..results import LayerResult

    out = []
    for item, record in rows:
        fusion = fuse([LayerResult.from_dict(layer) for layer in record["layers"]], record["modality"])
        out.append((item, record | {"fusion": fusion.to_dict(), "verdict": fusion.verdict,
                                    "fake_probability": fusion.fake_probability}))
    return out


def by_source(rows: list[tuple[CorpusFile, dict]], held_out: set[str]) -> dict:
    """Verdict counts per side, label, repository (and generator family)."""
    table = defaultdict(lambda: defaultdict(int))
    for item, record in rows:
        side = "validation" if item.repo in held_out else "calibration"
        key = (side, item.label, item.repo, item.family if item.is_fake else "")
        table[key][record["verdict"]] += 1
    return {" | ".join(k): dict(v) for k, v in sorted(table.items())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m forensic_studio.training.operating_point", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="+", type=Path)
    parser.add_argument("--manifests", nargs="+", type=Path, required=True)
    parser.add_argument("--false-alarms", type=float, default=FALSE_ALARMS)
    parser.add_argument("--misses", type=float, default=MISSES)
    parser.add_argument("--refuse", action="store_true",
                        help="fuse the recorded layer results again with the profiles in the code now")
    args = parser.parse_args(argv)
    files = [f for m in args.manifests for f in read_manifest(m)]
    held_out = corpus_split(files)
    rows = read_results(args.results, {f.sha256: f for f in files})
    if args.refuse:
        rows = refused(rows)
    calibration = [(f, r) for f, r in rows if f.repo not in held_out]
    out = {"held_out_repositories": sorted(held_out), "pixel_weights": fit_pixel_weights(calibration), "profiles": report(rows, held_out, args.false_alarms,
                                                                         args.misses),
           "layers": layer_table(rows), "verdicts_by_source": by_source(rows, held_out)}
    json.dump(out, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
