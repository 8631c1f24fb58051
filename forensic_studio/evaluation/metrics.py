"""Detection metrics on (label, score) pairs; label 1 = fake."""

from __future__ import annotations

import numpy as np


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """Area under the ROC curve (Mann-Whitney U with tie correction); None with one class only."""
    labels, scores = np.asarray(labels), np.asarray(scores, dtype=np.float64)
    positives, negatives = labels.sum(), (1 - labels).sum()
    if positives == 0 or negatives == 0:
        return None
    from scipy.stats import rankdata

    ranks = rankdata(scores)
    return float((ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def equal_error_rate(labels: np.ndarray, scores: np.ndarray) -> tuple[float | None, float | None]:
    """(EER, threshold at which false-accept and false-reject rates meet)."""
    labels, scores = np.asarray(labels), np.asarray(scores, dtype=np.float64)
    if labels.min(initial=1) == labels.max(initial=0):
        return None, None
    thresholds = np.unique(scores)
    fake, real = scores[labels == 1], scores[labels == 0]
    far = np.array([(real >= t).mean() for t in thresholds])  # real called fake
    frr = np.array([(fake < t).mean() for t in thresholds])  # fake called real
    index = int(np.argmin(np.abs(far - frr)))
    return float((far[index] + frr[index]) / 2), float(thresholds[index])


def accuracy_at(labels: np.ndarray, scores: np.ndarray, threshold: float) -> float:
    labels, scores = np.asarray(labels), np.asarray(scores)
    return float(((scores >= threshold).astype(int) == labels).mean()) if len(labels) else float("nan")


def expected_calibration_error(labels: np.ndarray, scores: np.ndarray, bins: int = 10) -> float:
    """Mean |accuracy - confidence| over equal-width probability bins, weighted by bin size."""
    labels, scores = np.asarray(labels, dtype=np.float64), np.asarray(scores, dtype=np.float64)
    if not len(labels):
        return float("nan")
    edges = np.linspace(0, 1, bins + 1)
    index = np.clip(np.digitize(scores, edges[1:-1]), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        members = index == b
        if members.any():
            error += members.mean() * abs(labels[members].mean() - scores[members].mean())
    return float(error)


def summarise(labels, scores, verdicts=None, threshold: float = 0.5) -> dict:
    """Metrics for one set; without ``verdicts`` every item counts as decided."""
    labels, scores = np.asarray(labels, dtype=int), np.asarray(scores, dtype=np.float64)
    if verdicts is None:
        verdicts = ["decided"] * len(labels)
    eer, eer_threshold = equal_error_rate(labels, scores)
    decided = np.array([v != "inconclusive" for v in verdicts], dtype=bool)
    return {
        "n": int(len(labels)), "n_fake": int(labels.sum()), "n_real": int((1 - labels).sum()),
        "auc": roc_auc(labels, scores), "eer": eer, "eer_threshold": eer_threshold,
        "accuracy_at_threshold": accuracy_at(labels, scores, threshold), "threshold": threshold,
        "inconclusive_rate": float(1 - decided.mean()) if len(decided) else float("nan"),
        "accuracy_when_decided": accuracy_at(labels[decided], scores[decided], threshold) if decided.any() else None,
        "ece": expected_calibration_error(labels, scores),
    } | verdict_rates(labels, verdicts)


def verdict_rates(labels: np.ndarray, verdicts) -> dict:
    """At the operating point the verdicts embody: how often authentic media is accused (``false_alarm_rate``:
    real called ``fake``) or cleared (``authentic_rate``), and how often fakes are caught (``detection_rate``)
    or cleared by mistake (``missed_as_authentic``). None where a class is absent or verdicts were not given."""
    verdicts = np.asarray(verdicts)

    def share(label: int, verdict: str) -> float | None:
        chosen = verdicts[labels == label]
        if not len(chosen) or set(chosen) == {"decided"}:
            return None
        return float((chosen == verdict).mean())

    return {"false_alarm_rate": share(0, "fake"), "authentic_rate": share(0, "authentic"),
            "detection_rate": share(1, "fake"), "missed_as_authentic": share(1, "authentic")}
