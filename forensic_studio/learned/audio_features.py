"""Deterministic speech-forensic features per analysis window (the embedded audio model's front end).

Everything is computed on 16 kHz mono audio and only from 0-7 kHz: clips that
were born at 22.05/24 kHz lose 7.6-8 kHz in the resampler while 16 kHz
originals keep it, so that band would let a model learn the sample rate instead
of the speech (see ../shared/datasets/README.md).  Each window is normalised
to unit RMS first, so loudness never enters either.

Each window is transformed on its own, so memory stays flat however long the
recording is.

Feature groups (names in ``FEATURE_GROUPS``):
  lfcc      linear-frequency cepstra: mean, spread and delta spread
  envelope  long-term average spectrum (32 bands, level removed)
  flatness  spectral flatness overall and per band, in speech and in pauses
  ripple    fine-resolution spectral ripple (vocoder upsampling tones)
  floor     noise floor in the quietest frames relative to the speech level
  dynamics  frame-to-frame smoothness of band energies (vocoders over-smooth)
  phase     group-delay and instantaneous-frequency irregularity
"""

from __future__ import annotations

import numpy as np
import scipy.fft
import scipy.signal

RATE = 16_000
MAX_HZ = 7_000
N_FFT, HOP, WIN = 512, 160, 400  # 25 ms windows every 10 ms
FINE_N_FFT, FINE_HOP = 2048, 512
N_LFCC_FILTERS, N_LFCC = 40, 20
POWER_FLOOR = 1e-9  # relative to the window's mean power: digital silence must not produce -inf

BINS = int(MAX_HZ / (RATE / N_FFT))  # 224 bins below 7 kHz
FINE_BINS = int(MAX_HZ / (RATE / FINE_N_FFT))

FEATURE_GROUPS: dict[str, int] = {
    "lfcc": 3 * N_LFCC,
    "envelope": 32 + 16,
    "flatness": 2 + 8 * 3,
    "ripple": 4 * 3,
    "floor": 16,
    "dynamics": 8 * 2,
    "phase": 4 * 2 + 4 * 2,
}
N_FEATURES = sum(FEATURE_GROUPS.values())


def group_slice(name: str) -> slice:
    start = 0
    for group, size in FEATURE_GROUPS.items():
        if group == name:
            return slice(start, start + size)
        start += size
    raise KeyError(name)


def _linear_filterbank() -> np.ndarray:
    centres = np.linspace(0, BINS - 1, N_LFCC_FILTERS + 2)
    bins = np.arange(BINS)
    bank = np.zeros((N_LFCC_FILTERS, BINS), np.float32)
    for i in range(N_LFCC_FILTERS):
        left, mid, right = centres[i:i + 3]
        bank[i] = np.clip(np.minimum((bins - left) / (mid - left), (right - bins) / (right - mid)), 0, None)
    return bank


_FILTERBANK = _linear_filterbank()


def window_features(samples: np.ndarray) -> np.ndarray:
    """The ``N_FEATURES`` vector of one analysis window of 16 kHz samples."""
    import librosa

    samples = np.asarray(samples, np.float32)
    if len(samples) < FINE_N_FFT:
        samples = np.pad(samples, (0, FINE_N_FFT - len(samples)))
    stft = librosa.stft(samples, n_fft=N_FFT, hop_length=HOP, win_length=WIN)[:BINS]
    fine = np.abs(librosa.stft(samples, n_fft=FINE_N_FFT, hop_length=FINE_HOP)[:FINE_BINS]) ** 2
    power = np.abs(stft) ** 2
    power = power / (float(power.mean()) or 1.0) + POWER_FLOOR  # unit level: loudness cannot matter
    fine = fine / (float(fine.mean()) or 1.0) + POWER_FLOOR
    energy = power.sum(0)
    loud = energy >= np.percentile(energy, 30)
    speech = energy >= np.percentile(energy, 50)
    quiet = energy <= np.percentile(energy, 20)
    parts = [
        _lfcc(power[:, loud]),
        _envelope(power[:, loud], power[:, speech]),
        _flatness(power, loud, speech, quiet),
        _ripple(fine),
        _floor(power[:, speech], power[:, quiet]),
        _dynamics(power),
        _phase(stft, speech),
    ]
    return np.nan_to_num(np.concatenate(parts).astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)


def _bands(power: np.ndarray, count: int) -> list[np.ndarray]:
    return np.array_split(power, count, axis=0)


def _lfcc(power: np.ndarray) -> np.ndarray:
    cepstra = scipy.fft.dct(np.log(_FILTERBANK @ power + POWER_FLOOR), axis=0, norm="ortho")[:N_LFCC]
    deltas = np.diff(cepstra, axis=1) if cepstra.shape[1] > 1 else np.zeros_like(cepstra)
    return np.concatenate([cepstra.mean(1), cepstra.std(1), deltas.std(1)])


def _envelope(loud: np.ndarray, speech: np.ndarray) -> np.ndarray:
    ltas = np.log(loud.mean(1))
    coarse = np.array([band.mean() for band in np.array_split(ltas - ltas.mean(), 32)])
    levels = 10 * np.log10(np.array([band.sum(0) for band in _bands(speech, 16)]).mean(1))
    return np.concatenate([coarse, levels - levels.mean()])


def _spectral_flatness(power: np.ndarray) -> np.ndarray:
    return np.exp(np.mean(np.log(power), axis=0)) / power.mean(0)


def _flatness(power: np.ndarray, loud: np.ndarray, speech: np.ndarray, quiet: np.ndarray) -> np.ndarray:
    overall = _spectral_flatness(power[:, loud])
    values = [overall.mean(), overall.std()]
    for band in _bands(power, 8):
        flat = _spectral_flatness(band)
        values += [flat[speech].mean(), flat[speech].std(), flat[quiet].mean()]
    return np.array(values)


def _ripple(fine: np.ndarray) -> np.ndarray:
    level = 10 * np.log10(fine.mean(1))
    residual = (level - scipy.signal.medfilt(level, 31))[10:]
    values = []
    for region in np.array_split(residual, 4):
        values += [region.std(), region.max(), _kurtosis(region)]
    return np.array(values)


def _floor(speech: np.ndarray, quiet: np.ndarray) -> np.ndarray:
    speech_levels = 10 * np.log10(np.array([band.sum(0) for band in _bands(speech, 16)]).mean(1))
    quiet_levels = 10 * np.log10(np.array([band.sum(0) for band in _bands(quiet, 16)]).mean(1))
    return quiet_levels - speech_levels


def _dynamics(power: np.ndarray) -> np.ndarray:
    values = []
    for band in _bands(power, 8):
        level = 10 * np.log10(band.sum(0))
        step = np.diff(level)
        values += [step.std() / (level.std() + 1e-6), np.abs(np.diff(step)).mean() if len(step) > 1 else 0.0]
    return np.array(values)


def _phase(stft: np.ndarray, speech: np.ndarray) -> np.ndarray:
    phase = np.angle(stft)
    group_delay = _wrap(np.diff(phase[:, speech], axis=0))
    expected_advance = 2 * np.pi * np.arange(phase.shape[0], dtype=np.float32)[:, None] * HOP / N_FFT
    deviation = _wrap(np.diff(phase, axis=1) - expected_advance)[:, speech[1:]]
    values = []
    for band in np.array_split(group_delay, 4):
        values += [np.abs(band).mean(), band.std(0).mean() if band.size else 0.0]
    for band in np.array_split(deviation, 4):
        values += [np.abs(band).mean(), _kurtosis(band.ravel())]
    return np.array(values)


def _wrap(angles: np.ndarray) -> np.ndarray:
    """Angles folded into [-pi, pi)."""
    return (angles + np.pi) % (2 * np.pi) - np.pi


def _kurtosis(values: np.ndarray) -> float:
    """Excess kurtosis (0 for a Gaussian); 0 when undefined."""
    centred = values - values.mean() if values.size else values
    variance = float(np.mean(centred ** 2)) if values.size > 3 else 0.0
    return float(np.mean(centred ** 4)) / variance ** 2 - 3.0 if variance > 0 else 0.0
