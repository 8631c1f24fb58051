"""Fit one fusion profile's layer weights and prior from labelled ``analyze --json`` output.

Fusion is logistic: fused log-odds = prior + sum_l weight_l * confidence_l * logit(score_l).
Given results whose files sit under ``real/`` or ``fake/`` folders, this fits the
weights (kept non-negative, so a layer can be switched off but never inverted)
by L-BFGS, with an L2 pull towards the hand-set weights so that layers the data
barely exercises keep them.  The profile's prior stays as it is: fitted to a
balanced dataset it would turn "no evidence either way" into a verdict.  Use results from the
*training* side of the grouped split, then check with ``eval --split val``:

    forensic-studio analyze $(cat train-files.txt) --json > train.jsonl
    python -m forensic_studio.training.fusion_weights train.jsonl --profile metadata_absent

Where no separate training data exists (video: one small labelled set), ``--cv-groups
MANIFEST.csv`` reports what fitting would be worth honestly: leave-one-group-out
predictions (groups: the manifest's ``pair_id``, else its ``repo``), each made by
weights fitted without that group.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from ..evaluation.metrics import summarise
from ..fusion.fuse import logit
from ..fusion.profiles import AUDIO_PROFILES, PROFILES, VIDEO_PROFILES


def read_examples(paths: list[Path], profile: str) -> tuple[list[str], np.ndarray, np.ndarray, list[str]]:
    """Layer names, per-file unweighted contributions (confidence x logit(score)), labels and file paths."""
    rows, labels, names, files = [], [], None, []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            label = _label(record["path"])
            if label is None or record.get("fusion", {}).get("profile") != profile:
                continue
            layers = {layer["name"]: layer for layer in record["layers"] if not layer.get("error")}
            names = names or sorted(layers)
            rows.append([layers[n]["confidence"] * logit(layers[n]["score"]) if n in layers else 0.0 for n in names])
            labels.append(label)
            files.append(record["path"])
    if not rows:
        raise ValueError(f"no labelled results with profile {profile!r} in {', '.join(map(str, paths))}")
    return names, np.asarray(rows), np.asarray(labels, dtype=float), files


def manifest_groups(manifest: Path, files: list[str]) -> list[str]:
    """Each file's group: its manifest row's pair_id, else its repo, else the file itself."""
    import csv

    with open(manifest, newline="", encoding="utf-8") as handle:
        rows = {Path(row["file"]).name: row for row in csv.DictReader(handle)}
    groups = []
    for file in files:
        row = rows.get(Path(file).name, {})
        groups.append(row.get("pair_id") or row.get("repo") or file)
    return groups


def grouped_predictions(features: np.ndarray, labels: np.ndarray, groups: list[str], prior: np.ndarray,
                        bias: float, pull: float) -> np.ndarray:
    """Leave-one-group-out fused probabilities: each group scored by weights fitted on the others."""
    out = np.zeros(len(labels))
    keys = np.array(groups)
    for group in sorted(set(groups)):
        held = keys == group
        weights = fit(features[~held], labels[~held], prior, bias, pull)
        out[held] = 1 / (1 + np.exp(-(features[held] @ weights + bias)))
    return out


def _label(path: str) -> int | None:
    parts = Path(path).parts
    return 1 if "fake" in parts else 0 if "real" in parts else None


def fit(features: np.ndarray, labels: np.ndarray, prior_weights: np.ndarray, bias: float, pull: float) -> np.ndarray:
    """Non-negative weights minimising the mean log-loss plus ``pull`` x ||w - prior||^2 (bias fixed)."""

    def objective(weights):
        z = features @ weights + bias
        p = 1 / (1 + np.exp(-z))
        loss = np.mean(np.logaddexp(0, z) - labels * z) + pull * np.sum((weights - prior_weights) ** 2)
        return loss, features.T @ (p - labels) / len(labels) + 2 * pull * (weights - prior_weights)

    bounds = [(0.0, None)] * len(prior_weights)
    return minimize(objective, prior_weights, jac=True, bounds=bounds, method="L-BFGS-B").x


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="+", type=Path, help="JSON Lines from 'forensic-studio analyze --json'")
    parser.add_argument("--profile", default="metadata_absent")
    parser.add_argument("--pull", type=float, default=0.01, help="L2 pull towards the current weights")
    parser.add_argument("--towards", type=json.loads, default=None, metavar="JSON",
                        help='weights to pull towards instead of the profile\'s current ones, e.g. the hand-set '
                             'ones the current weights were fitted from: \'{"video_faces": 2.0}\'')
    parser.add_argument("--cv-groups", type=Path, metavar="MANIFEST.csv",
                        help="also report leave-one-group-out AUC (groups from the manifest's pair_id / repo)")
    args = parser.parse_args(argv)

    profile = next(p for p in PROFILES + AUDIO_PROFILES + VIDEO_PROFILES if p.name == args.profile)
    names, features, labels, files = read_examples(args.results, args.profile)
    start = profile.weights | (args.towards or {})
    prior = np.array([start.get(n, profile.default_weight) for n in names])
    bias = profile.prior_log_odds
    weights = fit(features, labels, prior, bias, args.pull)
    print(f"{len(labels)} files ({int(labels.sum())} fake) with profile {args.profile}")
    print(f"{'layer':<12} {'AUC alone':>9} {'current':>8} {'fitted':>8}")
    for index, name in enumerate(names):
        auc = summarise(labels, 1 / (1 + np.exp(-features[:, index])))["auc"]
        print(f"{name:<12} {auc:9.3f} {prior[index]:8.2f} {weights[index]:8.2f}")
    for title, w in (("current", prior), ("fitted", weights)):
        p = 1 / (1 + np.exp(-(features @ w + bias)))
        print(f"{title}: AUC {summarise(labels, p)['auc']:.4f}, "
              f"log-loss {float(np.mean(-labels * np.log(p + 1e-9) - (1 - labels) * np.log(1 - p + 1e-9))):.4f}")
    if args.cv_groups:
        groups = manifest_groups(args.cv_groups, files)
        held_out = grouped_predictions(features, labels, groups, prior, bias, args.pull)
        print(f"fitted, leave-one-group-out over {len(set(groups))} groups: AUC {summarise(labels, held_out)['auc']:.4f}")
    print(json.dumps({"weights": {n: round(float(w), 2) for n, w in zip(names, weights)}, "prior_log_odds": bias}))


if __name__ == "__main__":
    main()
