"""Laundering augmentation for speech: what a clip goes through before it reaches an analyst.

Each training clip is also seen after one of these (chosen by a seeded RNG):
a round trip through another sample rate, or a lossy codec (MP3, AAC, Opus)
at a common bit rate.  The model therefore cannot key on "was this stored as
lossless 16 kHz", which in the training data says more about the demo page
than about the speech.
"""

from __future__ import annotations

import io

import numpy as np

RATE = 16_000
CODECS = (("mp3", "libmp3lame", 64_000), ("mp3", "libmp3lame", 128_000), ("adts", "aac", 64_000),
          ("ogg", "libopus", 32_000))
ROUND_TRIP_RATES = (22_050, 24_000, 44_100, 48_000)


def launder(signal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One randomly chosen resampling round trip or lossy encode of a 16 kHz mono signal."""
    choice = int(rng.integers(len(CODECS) + len(ROUND_TRIP_RATES)))
    if choice < len(CODECS):
        container, codec, bit_rate = CODECS[choice]
        return encode_decode(signal, container, codec, bit_rate)
    return resample_round_trip(signal, ROUND_TRIP_RATES[choice - len(CODECS)])


def resample_round_trip(signal: np.ndarray, rate: int) -> np.ndarray:
    import librosa

    there = librosa.resample(signal, orig_sr=RATE, target_sr=rate, res_type="soxr_hq")
    return librosa.resample(there, orig_sr=rate, target_sr=RATE, res_type="soxr_hq").astype(np.float32)


def encode_decode(signal: np.ndarray, container: str, codec: str, bit_rate: int) -> np.ndarray:
    """Encode with PyAV and decode back to 16 kHz mono float32."""
    import av

    from ..media.audio import decode_mono

    buffer = io.BytesIO()
    rate = 48_000 if codec == "libopus" else RATE  # Opus runs at 48 kHz only
    with av.open(buffer, "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        stream.bit_rate = bit_rate
        resampler = av.AudioResampler(format=stream.codec_context.format.name, layout="mono", rate=rate)
        frame = av.AudioFrame.from_ndarray(np.clip(signal, -1, 1).astype(np.float32)[None, :], format="flt",
                                           layout="mono")
        frame.sample_rate = RATE
        for chunk in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(chunk):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    buffer.seek(0)
    return decode_mono(buffer)
