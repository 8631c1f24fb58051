"""Shots and analysis intervals of a video: the video counterpart of speech segments in audio.

Hard cuts are found from the luma of successive looked-at frames: a cut is a
frame whose small thumbnail no longer correlates with the previous one while
the recent frames did (or whose brightness histogram jumps). The analysis
intervals (about ``INTERVAL_SECONDS`` long) are laid inside shots, so no
interval straddles a cut and a spliced second source starts its own interval.
"""

from __future__ import annotations

from collections import deque

import cv2
import numpy as np

INTERVAL_SECONDS = 2.0
THUMB_SIZE = (64, 36)
MIN_SHOT_SECONDS = 0.5
MAX_PAIR_GAP_S = 0.6  # frames further apart than this are not compared (seeking, keyframes only)
CUT_DECORRELATION = 0.5  # 1 - correlation of successive thumbnails above this ...
CUT_OVER_RECENT = 3.0  # ... and this many times the recent median (motion blur and pans stay below)
CUT_HISTOGRAM = 0.5  # or half the brightness histogram moved (fades to black, flashes of a new scene)
CUT_MIN_CHANGE = 6.0  # mean grey-level change of the thumbnail: low-contrast frames decorrelate on noise alone
NO_HISTORY_DECORRELATION = 0.1  # assumed for the first frames of a shot, before there is a recent median


def thumbnail(luma: np.ndarray) -> np.ndarray:
    step = max(1, min(luma.shape[0] // (THUMB_SIZE[1] * 4), luma.shape[1] // (THUMB_SIZE[0] * 4)))
    return cv2.resize(luma[::step, ::step], THUMB_SIZE, interpolation=cv2.INTER_AREA).astype(np.float32)


class ShotSegmenter:
    """Incremental cut detection: ``add`` every looked-at frame in order, then read ``cuts``."""

    def __init__(self):
        self.cuts: list[dict] = []
        self._previous: tuple[float, np.ndarray, np.ndarray] | None = None
        self._recent: deque[float] = deque(maxlen=15)

    def add(self, time: float, luma: np.ndarray) -> None:
        thumb = thumbnail(luma)
        histogram = np.histogram(thumb, bins=32, range=(0, 256))[0] / thumb.size
        if self._previous is not None and time - self._previous[0] <= MAX_PAIR_GAP_S:
            decorrelation = 1.0 - _correlation(self._previous[1], thumb)
            shift = 0.5 * float(np.abs(histogram - self._previous[2]).sum())
            change = float(np.abs(thumb - self._previous[1]).mean())
            recent = float(np.median(self._recent)) if len(self._recent) >= 3 else NO_HISTORY_DECORRELATION
            if change >= CUT_MIN_CHANGE and self._is_cut(time, decorrelation, shift, recent):
                self.cuts.append({"time": round(time, 3), "decorrelation": round(decorrelation, 3),
                                  "histogram_shift": round(shift, 3), "mean_change": round(change, 2),
                                  "recent_decorrelation": round(recent, 3)})
                self._recent.clear()
            else:
                self._recent.append(decorrelation)
        self._previous = (time, thumb, histogram)

    def _is_cut(self, time: float, decorrelation: float, shift: float, recent: float) -> bool:
        if self.cuts and time - self.cuts[-1]["time"] < MIN_SHOT_SECONDS:
            return False
        sudden = decorrelation > CUT_DECORRELATION and decorrelation > CUT_OVER_RECENT * recent + 0.05
        return sudden or shift > CUT_HISTOGRAM


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    if denominator < 1e-3 * a.size:  # flat frames (black, one colour): nothing to correlate
        return 1.0 if abs(float(a.std()) - float(b.std())) < 2 else 0.0
    return float((a * b).sum() / denominator)


def shots_of(cuts: list[float], duration: float) -> list[tuple[float, float]]:
    edges = [0.0] + [c for c in cuts if 0.0 < c < duration] + [duration]
    return [(round(a, 3), round(b, 3)) for a, b in zip(edges[:-1], edges[1:]) if b > a]


def intervals_of(shots: list[tuple[float, float]], length: float = INTERVAL_SECONDS) -> list[tuple[float, float]]:
    """Each shot cut into near-equal intervals of about ``length`` seconds (a short shot is one interval)."""
    intervals = []
    for start, end in shots:
        count = max(1, round((end - start) / length))
        edges = np.linspace(start, end, count + 1)
        intervals.extend((round(float(a), 3), round(float(b), 3)) for a, b in zip(edges[:-1], edges[1:]))
    return intervals


def interval_index(intervals: list[tuple[float, float]], time: float) -> int:
    """Index of the interval holding ``time`` (the last one for times at or past the end)."""
    for index, (_, end) in enumerate(intervals):
        if time < end:
            return index
    return len(intervals) - 1
