"""Audio decoding with PyAV: any container/codec FFmpeg reads, to mono float32 at 16 kHz.

Frames are resampled as they are decoded (FFmpeg's resampler), so memory holds
only the output signal, never the decoded source at its own rate and width.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..errors import CorruptMediaError, MediaError, TruncatedMediaError
from .derived import SharedDerivations

ANALYSIS_RATE = 16_000


def _open_audio(path: Path | str | BinaryIO):
    """The opened container and its first audio stream; clear errors when there is neither."""
    import av

    try:
        container = av.open(path if hasattr(path, "read") else str(path))
    except (av.FFmpegError, OSError) as exc:
        raise CorruptMediaError(f"cannot open as audio: {exc}") from None
    if not container.streams.audio:
        container.close()
        raise MediaError("the file has no audio stream", code="no_audio_stream")
    return container, container.streams.audio[0]


def decode_mono(path: Path | str | BinaryIO, rate: int = ANALYSIS_RATE, max_seconds: float | None = None) -> np.ndarray:
    """The first audio stream as mono float32 in [-1, 1] at ``rate`` Hz (at most ``max_seconds``).

    Samples go straight into one buffer sized from the declared duration (two hours at 16 kHz are
    460 MB: a list of chunks joined at the end would need that twice over).
    """
    import av

    container, stream = _open_audio(path)
    with container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        limit = int(max_seconds * rate) if max_seconds else None
        declared = declared_seconds(container, stream)
        expected = int((declared or 60.0) * rate * 1.01) + rate
        buffer = _SampleBuffer(min(expected, limit + rate) if limit else expected)
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    buffer.add(out.to_ndarray().reshape(-1))
                if limit is not None and buffer.size >= limit:
                    break
            for out in resampler.resample(None):  # flush the resampler's delay line
                buffer.add(out.to_ndarray().reshape(-1))
        except av.FFmpegError as exc:
            if not buffer.size:
                raise CorruptMediaError(f"the audio stream cannot be decoded: {exc}") from None
    signal = buffer.samples()
    return signal[:limit] if limit is not None else signal


class _SampleBuffer:
    """A float32 buffer that grows (doubling) only when the declared duration was too short."""

    def __init__(self, capacity: int):
        self.data = np.empty(max(1, capacity), np.float32)
        self.size = 0

    def add(self, chunk: np.ndarray) -> None:
        end = self.size + len(chunk)
        if end > len(self.data):
            grown = np.empty(max(end, 2 * len(self.data)), np.float32)
            grown[:self.size] = self.data[:self.size]
            self.data = grown
        self.data[self.size:end] = chunk
        self.size = end

    def samples(self) -> np.ndarray:
        if self.size < 0.9 * len(self.data):  # give back what an overestimate reserved
            return self.data[:self.size].copy()
        return self.data[:self.size]


def declared_seconds(container, stream) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return container.duration / 1e6 if container.duration else None


class AudioMedia(SharedDerivations):
    """An audio file (or the audio track of any container) opened for analysis.

    The header is probed on open; samples are decoded on first use, to 16 kHz
    mono float32, at most ``max_seconds`` of them (what lies beyond is reported,
    not analysed).  Speech segments and analysis windows are computed once and
    shared by every detector.
    """

    modality = "audio"

    def __init__(self, evidence, max_seconds: float):
        self.evidence = evidence
        self.path: Path = evidence.path
        self.max_seconds = max_seconds
        self.stream_info = probe_audio(self.path)
        self.notes: list[str] = []  # said by whoever opened it (e.g. "a video container without video")

    def load(self, mode: str) -> None:
        _ = self.signal

    @cached_property
    def signal(self) -> np.ndarray:
        signal = decode_mono(self.path, max_seconds=self.max_seconds)
        if len(signal) == 0:
            raise TruncatedMediaError("the audio stream holds no decodable samples")
        return signal if np.isfinite(signal).all() else np.nan_to_num(signal)

    @property
    def duration(self) -> float:
        return len(self.signal) / ANALYSIS_RATE

    @property
    def truncated(self) -> bool:
        declared = self.stream_info.get("duration_s")
        return bool(declared and declared > self.max_seconds and self.duration >= self.max_seconds - 0.01)

    @cached_property
    def speech(self) -> list[tuple[float, float]]:
        from .speech import speech_segments

        return speech_segments(self.signal)

    @property
    def speech_seconds(self) -> float:
        return sum(end - start for start, end in self.speech)

    @cached_property
    def windows(self):
        from .speech import analysis_windows

        return analysis_windows(self.speech, self.duration)

    def tracks(self) -> list[tuple[str, object]]:
        return [("audio", self)]

    def warnings(self) -> list[str]:
        if "signal" not in self.__dict__ or not self.truncated:
            return list(self.notes)
        return self.notes + [f"only the first {self.max_seconds:g} s of {self.stream_info['duration_s']:g} s were analysed "
                "(the audio length limit in the settings)"]

    def describe(self) -> dict:
        info = dict(self.stream_info)
        if "signal" in self.__dict__:
            info.update({"analysed_rate": ANALYSIS_RATE, "analysed_seconds": round(self.duration, 3),
                         "truncated_to_seconds": self.max_seconds if self.truncated else None,
                         "speech_seconds": round(self.speech_seconds, 3),
                         "speech_segments": [list(s) for s in self.speech],
                         "windows": [{"start": w.start, "end": w.end, "speech_fraction": w.speech_fraction,
                                      "scored": w.scored} for w in self.windows]})
        return info


def probe_audio(path: Path) -> dict:
    """Container and first-audio-stream facts, without decoding samples."""
    container, stream = _open_audio(path)
    with container:
        context = stream.codec_context
        duration = declared_seconds(container, stream)
        return {
            "container": container.format.name,
            "codec": context.name,
            "sample_rate": context.sample_rate,
            "channels": context.channels,
            "sample_format": context.format.name if context.format else None,
            "bit_rate": context.bit_rate or container.bit_rate,
            "duration_s": round(duration, 3) if duration else None,
            "audio_streams": len(container.streams.audio),
            "tags": {str(k): str(v)[:200] for k, v in list(container.metadata.items())[:40]},
        }
