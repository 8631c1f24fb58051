"""Voice activity and analysis windows for 16 kHz audio.

Speech is found with Silero VAD (MIT, weights inside the ``silero-vad`` wheel).
Only the span from the first to the last speech is windowed and scored, so
leading and trailing silence (or music) can never change a score; pauses and
non-speech inside that span are marked by each window's speech fraction.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

RATE = 16_000
WINDOW_SECONDS = 4.0
HOP_SECONDS = 2.0
MIN_SPEECH_FRACTION = 0.25  # windows with less speech than this are shown but not scored
MIN_SPEECH_SECONDS = 0.25
VAD_LEAD_SAMPLES = RATE // 2

_VAD_LOCK = threading.Lock()
_VAD_MODEL = None


@dataclass(frozen=True)
class Window:
    start: float
    end: float
    speech_fraction: float

    @property
    def scored(self) -> bool:
        return self.speech_fraction >= MIN_SPEECH_FRACTION

    def samples(self, signal: np.ndarray) -> np.ndarray:
        return signal[int(self.start * RATE):int(self.end * RATE)]


def _silero():
    global _VAD_MODEL
    with _VAD_LOCK:
        if _VAD_MODEL is None:
            from silero_vad import load_silero_vad

            _VAD_MODEL = load_silero_vad()
        return _VAD_MODEL


def speech_segments(signal: np.ndarray) -> list[tuple[float, float]]:
    """(start, end) seconds of speech in a 16 kHz signal."""
    if len(signal) < RATE // 10:
        return []
    import torch
    from silero_vad import get_speech_timestamps

    model = _silero()
    # The recurrent state starts from silence either way, so speech at the very first sample is found as
    # it would be after a pause: a recording then segments the same with or without leading silence.
    lead = np.zeros(VAD_LEAD_SAMPLES, np.float32)
    padded = np.concatenate([lead, np.asarray(signal, np.float32), lead])
    with _VAD_LOCK, torch.inference_mode():  # the model carries recurrent state: one caller at a time
        stamps = get_speech_timestamps(torch.from_numpy(padded), model, sampling_rate=RATE,
                                       min_speech_duration_ms=int(MIN_SPEECH_SECONDS * 1000))
    duration = len(signal) / RATE
    segments = [(max(0.0, (s["start"] - VAD_LEAD_SAMPLES) / RATE), min(duration, (s["end"] - VAD_LEAD_SAMPLES) / RATE))
                for s in stamps]
    return [(round(a, 3), round(b, 3)) for a, b in segments if b > a]


def analysis_windows(segments: list[tuple[float, float]], duration: float,
                     length: float = WINDOW_SECONDS, hop: float = HOP_SECONDS) -> list[Window]:
    """Windows of ``length`` every ``hop`` seconds over the speech span (one shorter window for short speech)."""
    if not segments:
        return []
    first, last = segments[0][0], min(segments[-1][1], duration)
    if last - first <= length:
        starts = [first]
    else:
        starts = list(np.arange(first, last - length + 1e-6, hop))
        if starts[-1] + length < last - 0.25 * hop:  # cover the tail with a window ending at the last speech
            starts.append(last - length)
    windows = []
    for start in starts:
        end = min(start + length, last)
        windows.append(Window(round(float(start), 3), round(float(end), 3), _speech_fraction(segments, start, end)))
    return windows


def _speech_fraction(segments: list[tuple[float, float]], start: float, end: float) -> float:
    covered = sum(max(0.0, min(end, b) - max(start, a)) for a, b in segments)
    return round(covered / max(end - start, 1e-6), 3)
