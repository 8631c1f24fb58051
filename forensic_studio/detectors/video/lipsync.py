"""The mouth: does it follow the voice, and is it rendered like the rest of the face?

Two measurements per face track:

- **Audio-visual sync.** On every looked-at frame (up to 10 a second) the mouth
  region is cut from the luma plane at the track's last landmarks, and its
  opening is estimated from how dark the mouth interior gets against the lips.
  Over each 4 s stretch of speech the opening is correlated with the voice's
  energy envelope (best lag within +-0.24 s). Real speakers correlate; dubbed
  or re-voiced video does not.
- **Mouth detail.** Lip-sync generators (Wav2Lip and its family) repaint the
  lower face at low resolution (96 px) and paste it back, so the mouth is
  blurrier than the eyes of the same face. The detail index (mean absolute
  Laplacian over local contrast) of the mouth region is compared with the eye
  region's on each sampled frame, with the face scaled to a fixed inter-ocular
  distance.
"""

from __future__ import annotations

import cv2
import numpy as np

from ...context import AnalysisContext
from ...results import LayerResult, Region
from ..registry import register
from .common import FAKE_INTERVAL, interval_timeline, logit, main_tracks, sigmoid
from .tracking import faces_in

LANDMARK_MAX_AGE_S = 0.6  # mouth positions come from the last sampled frame of the track
ENVELOPE_RATE = 25.0  # audio energy frames per second
SYNC_WINDOW_S, SYNC_HOP_S = 4.0, 2.0
MIN_SPEECH_FRACTION = 0.5
MIN_POINTS = 16
MAX_LAG_S = 0.24
NORMALISED_EYE_DISTANCE = 48.0
# Sync (hand-set): a correlation of 0.1 or less between mouth opening and voice energy during speech is
# where the mouth stops following the voice. Sync is one-sided evidence: generators sync well too, so a
# good correlation says nothing (0.5), a bad one points to dubbing.
SYNC_MIDPOINT, SYNC_SLOPE = 0.1, 0.08
# Detail (fitted on still photos, not on video): the logistic between 763 real training-split faces of
# faces140k and OpenForensics (median -0.05) and the same faces with the lower half re-rendered at 96 px
# (median -0.55); `python -m forensic_studio.training.mouth_calibration FOLDERS --limit 400`.
DETAIL_MIDPOINT, DETAIL_SLOPE = -0.30, 0.19
DETAIL_BASE, SYNC_BASE, TOP = 0.3, 0.5, 0.9


@register
class LipSyncDetector:
    name = "lip_sync"
    modality = "video"
    version = "1.0"
    modes = frozenset({"full"})
    description = ("Per face track: correlation of mouth opening (dark mouth interior, up to 10 frames/s) with the "
                   "voice energy envelope over 4 s speech windows (best lag within 0.24 s), and the detail of the "
                   "mouth region against the eyes (lip-sync generators repaint the mouth at low resolution).")
    limitations = ("Needs a frontal face of at least ~80 px and, for sync, speech in the audio track. Beards, "
                   "teeth-less speaking styles, music and off-screen voices lower the correlation of real video; "
                   "heavy compression blurs both regions alike. The detail threshold is fitted on still photos with a simulated "
                   "re-rendered mouth, the sync threshold is hand-set; neither was fitted on video.")

    def watch(self, media, ctx: AnalysisContext):
        self.landmarks: dict[int, tuple[float, dict]] = {}
        self.openness: dict[int, list[tuple[float, float]]] = {}
        self.detail: list[Region] = []

        def on_frame(frame) -> None:
            if frame.sampled:
                for tracked in faces_in(media, frame):
                    self.landmarks[tracked.track] = (frame.time, tracked.face.landmarks)
                    value = mouth_detail(frame.rgb, tracked.face.landmarks)
                    if value is not None:
                        self.detail.append(Region(tracked.face.box, _detail_probability(value), time=frame.time,
                                                  track=tracked.track, details={"mouth_detail": round(value, 4)}))
            for track, (seen, landmarks) in self.landmarks.items():
                if frame.time - seen <= LANDMARK_MAX_AGE_S:
                    value = mouth_openness(frame.luma, landmarks)
                    if value is not None:
                        self.openness.setdefault(track, []).append((frame.time, value))

        return on_frame

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        envelope = _voice_envelope(media)
        tracks, sync_points = {}, []
        for track in sorted(set(self.openness) | {r.track for r in self.detail}):
            details = [r.details["mouth_detail"] for r in self.detail if r.track == track]
            windows = _sync_windows(self.openness.get(track, []), envelope) if envelope else []
            sync_points += [Region((0, 0, 0, 0), _sync_probability(w["correlation"]), time=(w["start"] + w["end"]) / 2,
                                   track=track, details=w) for w in windows]
            tracks[track] = {"mouth_detail": _median(details), "sync_correlation": _median([w["correlation"] for w in windows]),
                             "sync_windows": len(windows), "detail_frames": len(details)}
            tracks[track]["probability"] = round(_combined(tracks[track]), 4)
        scored = {k: v for k, v in tracks.items() if v["mouth_detail"] is not None or v["sync_correlation"] is not None}
        audio_note = "no speech in the audio track" if not envelope else f"{len(sync_points)} speech window(s) compared"
        if not scored:
            return LayerResult(self.name, 0.5, 0.0, f"No face track to measure the mouth on ({audio_note})",
                               self.version, {"tracks": {}})
        counts = {t: v["detail_frames"] + v["sync_windows"] for t, v in scored.items()}
        worst = max(main_tracks(counts), key=lambda t: scored[t]["probability"])
        item = scored[worst]
        evidence = min(1.0, item["detail_frames"] / 10) * 0.5 + min(1.0, item["sync_windows"] / 3) * 0.5
        summary = (f"Face track {worst}: mouth detail {_fmt(item['mouth_detail'])} against the eyes, mouth-voice "
                   f"correlation {_fmt(item['sync_correlation'])} (P {item['probability']:.2f}); {audio_note}")
        timeline = interval_timeline(media.intervals(), self.detail + sync_points, "face:mouth")
        return LayerResult(self.name, item["probability"], 0.6 * evidence, summary, self.version,
                           {"tracks": {str(k): v for k, v in tracks.items()}, "worst_track": worst,
                            "flagged_intervals": sum(e.score >= FAKE_INTERVAL for e in timeline)},
                           timeline=timeline)


def mouth_box(landmarks: dict, shape) -> tuple[int, int, int, int] | None:
    try:
        left, right = np.array(landmarks["mouth_left"], float), np.array(landmarks["mouth_right"], float)
    except KeyError:
        return None
    width = float(np.hypot(*(right - left)))
    if width < 8:
        return None
    cx, cy = (left + right) / 2
    x0, x1 = int(cx - 0.8 * width), int(cx + 0.8 * width)
    y0, y1 = int(cy - 0.5 * width), int(cy + 0.7 * width)
    height, full_width = shape[:2]
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(full_width, x1), min(height, y1)
    return (x0, y0, x1 - x0, y1 - y0) if x1 - x0 >= 8 and y1 - y0 >= 8 else None


def mouth_openness(luma: np.ndarray, landmarks: dict) -> float | None:
    """How dark the mouth interior is against the lips: (median - 10th percentile) / median of the region."""
    box = mouth_box(landmarks, luma.shape)
    if box is None:
        return None
    x, y, w, h = box
    region = cv2.resize(luma[y:y + h, x:x + w], (24, 24), interpolation=cv2.INTER_AREA).astype(np.float32)
    median = float(np.median(region))
    return (median - float(np.percentile(region, 10))) / (median + 1.0)


def mouth_detail(rgb: np.ndarray, landmarks: dict) -> float | None:
    """log(detail of the mouth region / detail of the eye region), the face scaled to a fixed eye distance."""
    try:
        left, right = np.array(landmarks["left_eye"], float), np.array(landmarks["right_eye"], float)
    except KeyError:
        return None
    distance = float(np.hypot(*(right - left)))
    if distance < 12:
        return None
    mouth = mouth_box(landmarks, rgb.shape)
    cx, cy = (left + right) / 2
    eyes = (int(max(0, cx - 0.9 * distance)), int(max(0, cy - 0.35 * distance)), int(1.8 * distance),
            int(0.7 * distance))
    if mouth is None:
        return None
    scale = NORMALISED_EYE_DISTANCE / distance
    values = [_detail_index(rgb, box, scale) for box in (mouth, eyes)]
    if None in values:
        return None
    return float(np.log((values[0] + 1e-3) / (values[1] + 1e-3)))


def _detail_index(rgb: np.ndarray, box: tuple[int, int, int, int], scale: float) -> float | None:
    x, y, w, h = box
    region = rgb[y:y + h, x:x + w]
    if region.shape[0] < 4 or region.shape[1] < 4:
        return None
    size = (max(8, round(region.shape[1] * scale)), max(8, round(region.shape[0] * scale)))
    gray = cv2.cvtColor(cv2.resize(region, size, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(np.abs(cv2.Laplacian(gray, cv2.CV_32F, ksize=1)).mean() / (gray.std() + 4.0))


def _voice_envelope(media) -> dict | None:
    """Log energy of the soundtrack at ENVELOPE_RATE and a speech mask (from the audio track's voice activity)."""
    audio = media.audio
    if audio is None:
        return None
    try:
        signal, speech = audio.signal, audio.speech
    except Exception:  # an undecodable soundtrack is reported by the audio layers
        return None
    if not speech:
        return None
    hop = int(16_000 / ENVELOPE_RATE)
    frames = len(signal) // hop
    energy = np.log10((signal[:frames * hop].reshape(frames, hop) ** 2).mean(axis=1) + 1e-8)
    times = (np.arange(frames) + 0.5) / ENVELOPE_RATE
    in_speech = np.zeros(frames, bool)
    for start, end in speech:
        in_speech[(times >= start) & (times < end)] = True
    return {"times": times, "energy": energy, "speech": in_speech}


def _sync_windows(series: list[tuple[float, float]], envelope: dict) -> list[dict]:
    if len(series) < MIN_POINTS:
        return []
    times = np.array([t for t, _ in series])
    opening = np.array([v for _, v in series])
    windows = []
    for start in np.arange(times[0], max(times[0], times[-1] - SYNC_WINDOW_S) + 1e-6, SYNC_HOP_S):
        inside = (times >= start) & (times < start + SYNC_WINDOW_S)
        if inside.sum() < MIN_POINTS:
            continue
        speech = np.interp(times[inside], envelope["times"], envelope["speech"].astype(float))
        if speech.mean() < MIN_SPEECH_FRACTION:
            continue
        correlation, lag = _best_correlation(times[inside], opening[inside], envelope)
        windows.append({"start": round(float(start), 3), "end": round(float(start + SYNC_WINDOW_S), 3),
                        "correlation": round(correlation, 4), "lag_s": round(lag, 3)})
    return windows


def _best_correlation(times: np.ndarray, opening: np.ndarray, envelope: dict) -> tuple[float, float]:
    best = (-1.0, 0.0)
    if opening.std() < 1e-6:
        return 0.0, 0.0
    for lag in np.arange(-MAX_LAG_S, MAX_LAG_S + 1e-6, 1 / ENVELOPE_RATE):
        energy = np.interp(times + lag, envelope["times"], envelope["energy"])
        if energy.std() < 1e-6:
            continue
        correlation = float(np.corrcoef(opening, energy)[0, 1])
        best = max(best, (correlation, float(lag)))
    return best


def _sync_probability(correlation: float) -> float:
    return SYNC_BASE + (TOP - SYNC_BASE) * sigmoid((SYNC_MIDPOINT - correlation) / SYNC_SLOPE)


def _detail_probability(value: float) -> float:
    return DETAIL_BASE + (TOP - DETAIL_BASE) * sigmoid((DETAIL_MIDPOINT - value) / DETAIL_SLOPE)


def _combined(track: dict) -> float:
    parts = []
    if track["mouth_detail"] is not None:
        parts.append(logit(_detail_probability(track["mouth_detail"])))
    if track["sync_correlation"] is not None:
        parts.append(logit(_sync_probability(track["sync_correlation"])))
    return sigmoid(sum(parts) / len(parts)) if parts else 0.5


def _median(values: list[float]) -> float | None:
    return round(float(np.median(values)), 4) if values else None


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"
