"""What the video layers share: turning observations at points in time into per-interval timelines."""

from __future__ import annotations

from ...fusion.fuse import logit, sigmoid  # noqa: F401  (re-exported for the video layers)
from ...fusion.profiles import FAKE_ABOVE
from ...media.shots import interval_index
from ...results import Region, TimelineEntry

FAKE_INTERVAL = FAKE_ABOVE  # an interval at or above this is labelled with what fired
# Face tracks observed less than this share of the longest one are listed but do not decide a layer's score:
# brief tracks are mostly false or partial detections (profile views, passers-by, motion blur).
MIN_TRACK_SHARE = 0.25


def main_tracks(observations: dict[int, int]) -> list[int]:
    """Tracks long enough to decide a score, from {track: number of observations}."""
    longest = max(observations.values(), default=0)
    return [t for t, count in observations.items() if count >= max(1, MIN_TRACK_SHARE * longest)]


def interval_timeline(intervals: list[tuple[float, float]], observations: list[Region], label: str
                      ) -> list[TimelineEntry]:
    """One entry per interval holding observations: per track the mean log-odds, then the worst track.

    ``observations`` are regions with a ``time`` and a ``track`` (a face on a frame, a mouth crop).
    """
    if not intervals:
        return []
    cells: dict[int, dict[int | None, list[float]]] = {}
    for item in observations:
        cell = cells.setdefault(interval_index(intervals, item.time), {})
        cell.setdefault(item.track, []).append(logit(item.score))
    timeline = []
    for index, tracks in sorted(cells.items()):
        score = max(sigmoid(sum(values) / len(values)) for values in tracks.values())
        start, end = intervals[index]
        timeline.append(TimelineEntry(start, end, round(score, 6), [label] if score >= FAKE_INTERVAL else []))
    return timeline


def series_timeline(intervals: list[tuple[float, float]], points: list[tuple[float, float]], label: str
                    ) -> list[TimelineEntry]:
    """One entry per interval holding (time, probability) points: the highest probability inside."""
    cells: dict[int, float] = {}
    for time, probability in points:
        index = interval_index(intervals, time)
        cells[index] = max(cells.get(index, 0.0), probability)
    return [TimelineEntry(intervals[i][0], intervals[i][1], round(p, 6), [label] if p >= FAKE_INTERVAL else [])
            for i, p in sorted(cells.items())] if intervals else []
