"""Laundering augmentation for speech: what a clip goes through before it reaches an analyst.

Each training clip is also seen after one of these (chosen by a seeded RNG):
a round trip through another sample rate, or a lossy codec (MP3, AAC, Opus)
at a common bit rate.  The model therefore cannot key on "was this stored as
lossless 16 kHz", which in the training data says more about the demo page
than about the speech.

``VOCODERS`` re-synthesise real speech with classic vocoders; the copies are
extra fakes in training ("vocoded bona fide" data, after Wang & Yamagishi,
ICASSP 2023).  They share everything with their source but the re-synthesis, so
they teach the artefact rather than a demo page's voices or microphones.  The
demo pages hold one Griffin-Lim system (r9y9 Tacotron), which no other page
resembles: without these copies its clips scored as very real.
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


VOCODER_FFT, VOCODER_HOP, VOCODER_MELS, GRIFFIN_LIM_ITERATIONS = 1024, 256, 80, 32


def griffin_lim_copy(signal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Linear-magnitude STFT re-synthesised with Griffin-Lim phase (Tacotron 1-style output)."""
    import librosa

    magnitude = np.abs(librosa.stft(signal, n_fft=VOCODER_FFT, hop_length=VOCODER_HOP))
    return _griffin_lim(magnitude, rng, len(signal))


def mel_griffin_lim_copy(signal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An 80-band mel spectrogram (what TTS acoustic models emit) inverted to audio: mel smoothing plus GL phase."""
    import librosa

    mel = librosa.feature.melspectrogram(y=signal, sr=RATE, n_fft=VOCODER_FFT, hop_length=VOCODER_HOP,
                                         n_mels=VOCODER_MELS, fmax=RATE // 2)
    magnitude = librosa.feature.inverse.mel_to_stft(mel, sr=RATE, n_fft=VOCODER_FFT, fmax=RATE // 2)
    return _griffin_lim(magnitude, rng, len(signal))


def _griffin_lim(magnitude: np.ndarray, rng: np.random.Generator, length: int) -> np.ndarray:
    import librosa

    out = librosa.griffinlim(magnitude, n_iter=GRIFFIN_LIM_ITERATIONS, hop_length=VOCODER_HOP, n_fft=VOCODER_FFT,
                             random_state=int(rng.integers(2**31)), length=length)
    return np.nan_to_num(out).astype(np.float32)


VOCODERS = {"griffin_lim": griffin_lim_copy, "mel_griffin_lim": mel_griffin_lim_copy}


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
