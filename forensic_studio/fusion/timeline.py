"""Per-interval fusion: where in a recording the evidence is.

Layers that look at time (audio windows, video intervals) put one
``TimelineEntry`` per interval in their result.  For each interval the entries
of every such layer are pooled exactly as the whole file is (profile weight x
confidence x logit), so an interval's score says what the time-resolved layers
found there.  Consecutive intervals at or above the "fake" band are merged into
the suspicious intervals, with the labels of what fired.

A video brings a ``grid`` (its analysis intervals, laid inside shots): every
layer's entries are first resampled onto it, overlap-weighted in log-odds, so
4 s audio windows and 2 s video intervals meet on the same cells.  Without one
(audio), the grid is the finest common timeline, the speech windows the window
layers share; an entry that matches a cell exactly stands for it alone, and
point events such as a splice (1 s around the cut) are resampled onto the
windows they fall in rather than becoming cells of their own, where the fused
curve would show only that one layer.
"""

from __future__ import annotations

import math

from ..results import LayerResult, TimelineEntry
from .fuse import logit, select_profile
from .profiles import FAKE_ABOVE


def fuse_timeline(layers: list[LayerResult], modality: str, grid: list[tuple[float, float]] | None = None
                  ) -> tuple[list[TimelineEntry], list[TimelineEntry]]:
    profile = select_profile(layers, modality)
    grid = grid or _shared_cells(layers)
    pooled: dict[tuple[float, float], list[float]] = {}
    labels: dict[tuple[float, float], set[str]] = {}
    for layer in layers:
        if layer.error or not layer.timeline:
            continue
        weight = profile.weights.get(layer.name, profile.default_weight) * layer.confidence
        if weight <= 0:  # an unweighed layer neither moves an interval nor labels it
            continue
        cells = _resampled(layer.timeline, grid)
        for key, (log_odds, fired) in cells.items():
            pooled.setdefault(key, []).append(weight * log_odds)
            labels.setdefault(key, set()).update(fired)
    timeline = [TimelineEntry(start, end, round(1 / (1 + math.exp(-sum(terms))), 6), sorted(labels[(start, end)]))
                for (start, end), terms in sorted(pooled.items())]
    return timeline, suspicious_intervals(timeline)


def _shared_cells(layers: list[LayerResult]) -> list[tuple[float, float]]:
    """The intervals of the layer with the most timeline entries (for audio: the speech windows)."""
    timelines = [layer.timeline for layer in layers if not layer.error and layer.timeline]
    finest = max(timelines, key=len, default=[])
    return sorted({(e.start, e.end) for e in finest})


def _resampled(entries: list[TimelineEntry], grid: list[tuple[float, float]]
               ) -> dict[tuple[float, float], tuple[float, set[str]]]:
    """Each grid cell that ``entries`` overlap: overlap-weighted mean log-odds, and the labels of entries
    covering at least a quarter of the cell."""
    cells = {}
    exact = {(e.start, e.end): e for e in entries}
    for start, end in grid:
        if (start, end) in exact:  # the layer scored this very interval: no blending with its neighbours
            entry = exact[(start, end)]
            cells[(start, end)] = (logit(entry.score), set(entry.labels))
            continue
        weights, values, fired = [], [], set()
        for entry in entries:
            overlap = min(end, entry.end) - max(start, entry.start)
            if overlap <= 0:
                continue
            weights.append(overlap)
            values.append(logit(entry.score))
            if overlap >= 0.25 * (end - start):
                fired.update(entry.labels)
        if weights:
            cells[(start, end)] = (sum(w * v for w, v in zip(weights, values)) / sum(weights), fired)
    return cells


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
