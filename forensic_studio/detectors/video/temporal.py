"""Face-track stability: landmark jitter and frame-to-frame volatility of the face model's score.

A real head moves as a rigid body: the layout of eyes, nose and mouth corners,
measured in inter-ocular distances, changes smoothly with pose and expression.
Swapped and re-rendered faces are produced frame by frame, and their landmarks
(and the face model's opinion of them) flicker. Both are measured on each
track as the median absolute second difference of the series, so a steady
drift (a head turning) does not count, only a jump and back.
"""

from __future__ import annotations

import numpy as np

from ...context import AnalysisContext
from ...results import LayerResult, Region
from ..registry import register
from .common import FAKE_INTERVAL, interval_timeline, logit, main_tracks, sigmoid
from .tracking import faces_in

MIN_OBSERVATIONS = 6
LANDMARK_MAX_STEP_S = 0.6  # observations further apart than this are not differenced (sampling: 0.4 s)
SCORE_MAX_STEP_S = 2.5  # the face model scores a track every 0.4 to 2 s (see video_faces)
# Where the probability of manipulation crosses 0.5 (hand-set from first principles, not fitted): landmark
# layout jumping by 0.08 inter-ocular distances between sampled frames, and the face model's log-odds
# jumping by 1.5 (a factor of 4.5 in odds) from one frame to the next.
JITTER_MIDPOINT, JITTER_SLOPE = 0.08, 0.02
VOLATILITY_MIDPOINT, VOLATILITY_SLOPE = 1.5, 0.4
# One-sided evidence: a steady face is what real and most generated video look like alike (on lipsync_wild
# the real clips move more than the talking-photo fakes), so calm maps to 0.5, "nothing to say".
BASE, TOP = 0.5, 0.9
_LAYOUT = ("nose", "mouth_left", "mouth_right")


@register
class FaceTrackStability:
    name = "face_tracks"
    modality = "video"
    version = "1.0"
    modes = frozenset({"full"})
    description = ("Per face track: landmark-layout jitter (nose and mouth corners relative to the eyes, in "
                   "inter-ocular distances; median absolute second difference) and the volatility of the face "
                   "model's log-odds between successive sampled frames.")
    limitations = ("Measured at the sampling rate (2.5 frames/s by default), so only coarse flicker is seen; fast "
                   "head turns, occlusions and small faces also raise jitter; a calm track is no evidence either way. "
                   "Thresholds are hand-set, not fitted.")

    def watch(self, media, ctx: AnalysisContext):
        self.observations: dict[int, list[tuple[float, np.ndarray]]] = {}

        def on_frame(frame) -> None:
            if not frame.sampled:
                return
            for tracked in faces_in(media, frame):
                layout = landmark_layout(tracked.face.landmarks)
                if layout is not None:
                    self.observations.setdefault(tracked.track, []).append((frame.time, layout))

        return on_frame

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        scores = _face_scores(ctx)
        tracks, points = {}, []
        for track, series in sorted(self.observations.items()):
            jitter, jitter_at = _second_difference([t for t, _ in series], np.array([v for _, v in series]),
                                                   LANDMARK_MAX_STEP_S)
            volatility, volatile_at = _second_difference(*_score_series(scores.get(track, [])), SCORE_MAX_STEP_S)
            if jitter is None and volatility is None:
                continue
            probability = _combined(jitter, volatility)
            tracks[track] = {"landmark_jitter": _round(jitter), "score_volatility": _round(volatility),
                             "probability": round(probability, 4), "observations": len(series)}
            points += [Region((0, 0, 0, 0), _jitter_probability(v), time=t, track=track) for t, v in jitter_at]
            points += [Region((0, 0, 0, 0), _volatility_probability(v), time=t, track=track) for t, v in volatile_at]
        if not tracks:
            return LayerResult(self.name, 0.5, 0.0, f"No face track with {MIN_OBSERVATIONS}+ observations",
                               self.version, {"tracks": {}})
        worst = max(main_tracks({t: v["observations"] for t, v in tracks.items()}),
                    key=lambda t: tracks[t]["probability"])
        item = tracks[worst]
        confidence = 0.4 * min(1.0, item["observations"] / 20)
        summary = (f"Face track {worst}: landmark jitter {_fmt(item['landmark_jitter'])} inter-ocular distances, "
                   f"score volatility {_fmt(item['score_volatility'])} log-odds (P {item['probability']:.2f})")
        timeline = interval_timeline(media.intervals(), points, "face:jitter")
        return LayerResult(self.name, item["probability"], confidence, summary, self.version,
                           {"tracks": {str(k): v for k, v in tracks.items()}, "worst_track": worst,
                            "flagged_intervals": sum(e.score >= FAKE_INTERVAL for e in timeline)},
                           timeline=timeline)


def landmark_layout(landmarks: dict) -> np.ndarray | None:
    """Nose and mouth corners relative to the eye midpoint, in inter-ocular distances, rotated to the eye line."""
    try:
        left, right = np.array(landmarks["left_eye"], float), np.array(landmarks["right_eye"], float)
        others = np.array([landmarks[name] for name in _LAYOUT], float)
    except KeyError:
        return None
    axis = right - left
    distance = float(np.hypot(*axis))
    if distance < 4:
        return None
    cos, sin = axis / distance
    rotation = np.array([[cos, sin], [-sin, cos]])
    return ((others - (left + right) / 2) @ rotation.T / distance).reshape(-1)


def _face_scores(ctx: AnalysisContext) -> dict[int, list[Region]]:
    """The face model's per-crop scores by track, from the ``video_faces`` layer already run."""
    layer = next((layer for layer in ctx.partial if layer.name == "video_faces" and not layer.error), None)
    by_track: dict[int, list[Region]] = {}
    for region in layer.regions if layer else []:
        by_track.setdefault(region.track, []).append(region)
    return by_track


def _score_series(regions: list[Region]) -> tuple[list[float], np.ndarray]:
    return [r.time for r in regions], np.array([[logit(r.score)] for r in regions])


def _second_difference(times: list[float], values: np.ndarray, max_step: float
                       ) -> tuple[float | None, list[tuple[float, float]]]:
    """Median absolute second difference over evenly spaced runs, and its value at each middle point."""
    if len(times) < MIN_OBSERVATIONS:
        return None, []
    at = []
    for i in range(1, len(times) - 1):
        if times[i] - times[i - 1] > max_step or times[i + 1] - times[i] > max_step:
            continue
        jump = values[i - 1] - 2 * values[i] + values[i + 1]
        at.append((times[i], float(np.abs(jump).max())))
    if len(at) < MIN_OBSERVATIONS - 2:
        return None, []
    return float(np.median([v for _, v in at])), at


def _jitter_probability(value: float) -> float:
    return BASE + (TOP - BASE) * sigmoid((value - JITTER_MIDPOINT) / JITTER_SLOPE)


def _volatility_probability(value: float) -> float:
    return BASE + (TOP - BASE) * sigmoid((value - VOLATILITY_MIDPOINT) / VOLATILITY_SLOPE)


def _combined(jitter: float | None, volatility: float | None) -> float:
    parts = [logit(f(v)) for f, v in ((_jitter_probability, jitter), (_volatility_probability, volatility))
             if v is not None]
    return sigmoid(sum(parts) / len(parts))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
