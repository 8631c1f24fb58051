"""The embedded audio detector over the speech windows of a recording."""

from __future__ import annotations

import numpy as np

from ...context import AnalysisContext
from ...fusion.fuse import sigmoid
from ...results import LayerResult
from ..registry import register
from .windows import (FAKE_WINDOW, embedded_audio_model, head_outputs, no_speech_summary,
                      speech_confidence, timeline_of)

CONFIDENCE = 0.9


def pooled_head_layer(detector, media, ctx: AnalysisContext, head: str, label: str, ceiling: float,
                      what: str) -> LayerResult:
    """A layer whose score is one head's mean log-odds over the speech windows (how the model was validated)."""
    if not any(w.scored for w in media.windows):
        return LayerResult(detector.name, 0.5, 0.0, no_speech_summary(media), detector.version)
    log_odds = head_outputs(media, ctx)[head]
    probabilities = 1 / (1 + np.exp(-log_odds))
    score = sigmoid(float(log_odds.mean()))
    flagged = int((probabilities >= FAKE_WINDOW).sum())
    summary = (f"{what}: P(synthetic) {score:.2f} over {len(probabilities)} speech window(s); "
               f"{flagged} window(s) at or above {FAKE_WINDOW}")
    details = {"window_probabilities": [round(float(p), 4) for p in probabilities],
               "speech_seconds": round(media.speech_seconds, 2)}
    return LayerResult(detector.name, score, speech_confidence(media, ceiling), summary, detector.version, details,
                       timeline=timeline_of(media, probabilities, label), models=[embedded_audio_model().info])


@register
class LearnedAudioDetector:
    name = "audio_learned"
    modality = "audio"
    version = "1.0"
    modes = frozenset({"full", "fast"})
    description = ("Embedded audio detector trained by the project: 194 speech-forensic features per 4 s window "
                   "(cepstra, envelope, flatness, spectral ripple, noise floor, dynamics, phase; 0-7 kHz, unit "
                   "level) into a small MLP; windows every 2 s over the speech span found by Silero VAD; the file "
                   "score is the calibrated mean log-odds of its speech windows.")
    limitations = ("Trained on research TTS/vocoder demo pages of read English speech; commercial voice clones, "
                   "other languages, telephone audio and music are out of distribution. Needs speech: silence and "
                   "music-only audio get no score. A probability from a classifier, not a proof.")

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        return pooled_head_layer(self, media, ctx, "logit", "audio:synthetic_voice", CONFIDENCE,
                                 "Embedded audio model")
