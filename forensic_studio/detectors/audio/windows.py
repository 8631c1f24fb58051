"""What the audio layers share: window features, the embedded model, and per-window timelines."""

from __future__ import annotations

import numpy as np

from ...context import AnalysisContext
from ...resources import resource_path
from ...results import TimelineEntry

EMBEDDED_AUDIO_MODEL = "audio-window-v2"
FAKE_WINDOW = 0.65  # a window at or above this is labelled in the timeline
FULL_CONFIDENCE_SPEECH_S = 4.0  # less speech than this lowers a layer's confidence proportionally


def scored_windows(media) -> list:
    return [w for w in media.windows if w.scored]


def window_features(media, ctx: AnalysisContext) -> np.ndarray:
    """(scored windows, N_FEATURES), computed once per file and shared by the layers that read it."""
    from ...learned.audio_features import N_FEATURES
    from ...learned.audio_features import window_features as features_of

    def compute() -> np.ndarray:
        rows = []
        windows = scored_windows(media)
        for index, window in enumerate(windows):
            ctx.check_cancelled()
            ctx.report("audio features", index / max(1, len(windows)))
            rows.append(features_of(window.samples(media.signal)))
        return np.array(rows, np.float32).reshape(-1, N_FEATURES)

    return media.derived("audio_window_features", compute)


def embedded_audio_model():
    from ...learned.audio_detector import load_audio_window_model
    from ...learned.image_models import cached

    folder = resource_path("models", EMBEDDED_AUDIO_MODEL)
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(f"the embedded audio model is missing from {folder}; reinstall Forensic Studio")
    return cached((str(folder), "cpu"), lambda: load_audio_window_model(folder))


def head_outputs(media, ctx: AnalysisContext) -> dict[str, np.ndarray]:
    """Calibrated per-window log-odds of every head of the embedded model, computed once per file."""
    features = window_features(media, ctx)
    return media.derived("audio_head_log_odds", lambda: embedded_audio_model().window_log_odds(features))


def speech_confidence(media, ceiling: float) -> float:
    return ceiling * min(1.0, media.speech_seconds / FULL_CONFIDENCE_SPEECH_S)


def timeline_of(media, probabilities: np.ndarray, label: str) -> list[TimelineEntry]:
    return [TimelineEntry(w.start, w.end, round(float(p), 6), [label] if p >= FAKE_WINDOW else [])
            for w, p in zip(scored_windows(media), probabilities)]


def no_speech_summary(media) -> str:
    return (f"No speech found by voice activity detection in {media.duration:.1f} s of audio: "
            "nothing for a speech model to score")
