"""Audio decoding with PyAV: any container/codec FFmpeg reads, to mono float32 at 16 kHz.

Frames are resampled as they are decoded (FFmpeg's resampler), so memory holds
only the output signal, never the decoded source at its own rate and width.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import CorruptMediaError, MediaError

ANALYSIS_RATE = 16_000


def decode_mono(path: Path | str, rate: int = ANALYSIS_RATE, max_seconds: float | None = None) -> np.ndarray:
    """The first audio stream as mono float32 in [-1, 1] at ``rate`` Hz (at most ``max_seconds``)."""
    import av

    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError) as exc:
        raise CorruptMediaError(f"cannot open as audio: {exc}") from None
    with container:
        if not container.streams.audio:
            raise MediaError("the file has no audio stream", code="no_audio_stream")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        limit = int(max_seconds * rate) if max_seconds else None
        chunks, total = [], 0
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray().reshape(-1)
                    chunks.append(chunk)
                    total += len(chunk)
                if limit is not None and total >= limit:
                    break
            for out in resampler.resample(None):  # flush the resampler's delay line
                chunks.append(out.to_ndarray().reshape(-1))
        except av.FFmpegError as exc:
            if not chunks:
                raise CorruptMediaError(f"the audio stream cannot be decoded: {exc}") from None
    signal = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
    return signal[:limit] if limit is not None else signal
