"""Per-interval fusion: where in a recording the evidence is.

Layers that look at time (audio windows, video intervals) put one
``TimelineEntry`` per interval in their result.  For each interval the entries
of every such layer are pooled exactly as the whole file is (profile weight x
confidence x logit), so an interval's score says what the time-resolved layers
found there.  Consecutive intervals at or above the "fake" band are merged into
the suspicious intervals, with the labels of what fired.
"""

from __future__ import annotations

import math

from ..results import LayerResult, TimelineEntry
from .fuse import logit, select_profile
from .profiles import FAKE_ABOVE


def fuse_timeline(layers: list[LayerResult], modality: str) -> tuple[list[TimelineEntry], list[TimelineEntry]]:
    profile = select_profile(layers, modality)
    pooled: dict[tuple[float, float], list[float]] = {}
    labels: dict[tuple[float, float], set[str]] = {}
    for layer in layers:
        if layer.error or not layer.timeline:
            continue
        weight = profile.weights.get(layer.name, profile.default_weight) * layer.confidence
        for entry in layer.timeline:
            key = (entry.start, entry.end)
            pooled.setdefault(key, []).append(weight * logit(entry.score))
            labels.setdefault(key, set()).update(entry.labels)
    timeline = [TimelineEntry(start, end, round(1 / (1 + math.exp(-sum(terms))), 6), sorted(labels[(start, end)]))
                for (start, end), terms in sorted(pooled.items())]
    return timeline, suspicious_intervals(timeline)


def suspicious_intervals(timeline: list[TimelineEntry], threshold: float = FAKE_ABOVE) -> list[TimelineEntry]:
    """Overlapping or touching intervals at or above ``threshold`` merged; score = the highest inside."""
    merged: list[TimelineEntry] = []
    for entry in sorted(timeline, key=lambda e: e.start):
        if entry.score < threshold:
            continue
        if merged and entry.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = TimelineEntry(last.start, max(last.end, entry.end), max(last.score, entry.score),
                                       sorted(set(last.labels) | set(entry.labels)))
        else:
            merged.append(TimelineEntry(entry.start, entry.end, entry.score, list(entry.labels)))
    return merged
