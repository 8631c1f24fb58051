"""Splice detection: an abrupt, lasting change of noise floor or room tone at one point in time.

Speech always has gaps (between words, in stop closures), so the quietest
tenth of the frames in a stretch of a recording is its room tone.  At each
candidate point the room tone of the 2 s before is compared with the 2 s after,
band by band; a cut between two recordings (or an insert) shows as a step that
natural speech does not make.  Digital silence (exact zeros, e.g. padding) is
left out of the comparison: it is reported, never taken for room tone.
"""

from __future__ import annotations

import numpy as np

from ...context import AnalysisContext
from ...results import LayerResult, TimelineEntry
from ..registry import register

RATE = 16_000
HOP = 160  # 10 ms frames
SIDE_S = 2.0
STEP_S = 0.05
N_BANDS = 8
FLOOR_PERCENTILE = 10
DIGITAL_SILENCE_DB = -100.0  # frame power (dBFS) below this is treated as no signal at all
SPLICE_DB = 6.0  # mean step of the band floors at which a point is reported
STRONG_SPLICE_DB = 12.0


N_FFT = 512
BLOCK_FRAMES = 6000  # one minute of frames per transform: memory stays flat however long the recording


def band_levels(signal: np.ndarray) -> np.ndarray:
    """(bands, frames) power in dB of 10 ms frames, in ``N_BANDS`` equal bands up to 8 kHz.

    The frames are librosa's centred STFT frames, transformed a minute at a time (a two-hour
    recording's whole spectrogram would take gigabytes).
    """
    import librosa

    frames = 1 + len(signal) // HOP
    blocks = []
    for first in range(0, frames, BLOCK_FRAMES):
        last = min(frames, first + BLOCK_FRAMES)
        segment = _centred(signal, first * HOP, (last - 1) * HOP + N_FFT)
        power = np.abs(librosa.stft(segment, n_fft=N_FFT, hop_length=HOP, win_length=400, center=False)) ** 2
        blocks.append(np.array([band.mean(0) for band in np.array_split(power[1:], N_BANDS)]))
    return 10 * np.log10(np.concatenate(blocks, axis=1) + 1e-14)


def _centred(signal: np.ndarray, start: int, stop: int) -> np.ndarray:
    """signal[start:stop] as if zero-padded by N_FFT // 2 on both sides (librosa's centring)."""
    pad = N_FFT // 2
    low, high = start - pad, stop - pad
    part = signal[max(0, low):max(0, min(len(signal), high))]
    return np.pad(part, (max(0, -low), max(0, high - max(low, len(signal)))))


def floor_steps(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidate times (s) and the mean absolute step (dB) of the band floors across each."""
    frames = levels.shape[1]
    side = int(SIDE_S * RATE / HOP)
    live = levels.mean(0) > DIGITAL_SILENCE_DB
    times, steps = [], []
    for centre in range(side // 2, frames - side // 2, int(STEP_S * RATE / HOP)):
        before = slice(max(0, centre - side), centre)
        after = slice(centre, min(frames, centre + side))
        left, right = levels[:, before][:, live[before]], levels[:, after][:, live[after]]
        if left.shape[1] < side // 2 or right.shape[1] < side // 2:  # need 1 s of real signal on each side
            continue
        step = np.abs(np.percentile(left, FLOOR_PERCENTILE, axis=1) - np.percentile(right, FLOOR_PERCENTILE, axis=1))
        times.append(centre * HOP / RATE)
        steps.append(float(step.mean()))
    return np.array(times), np.array(steps)


def find_splices(times: np.ndarray, steps: np.ndarray) -> list[tuple[float, float]]:
    """Local maxima of the step curve above ``SPLICE_DB``, at least one side-length apart."""
    found: list[tuple[float, float]] = []
    for index in np.argsort(-steps):
        if steps[index] < SPLICE_DB:
            break
        if all(abs(times[index] - t) >= SIDE_S for t, _ in found):
            found.append((float(times[index]), float(steps[index])))
    return sorted(found)


def splice_probability(step_db: float) -> float:
    """6 dB -> 0.5, 12 dB -> about 0.88: a step of room tone is strong but not conclusive evidence."""
    return float(1 / (1 + np.exp(-(step_db - SPLICE_DB) / 3.0)))


def digital_silence(levels: np.ndarray) -> list[tuple[float, float]]:
    dead = levels.mean(0) <= DIGITAL_SILENCE_DB
    runs, start = [], None
    for index, is_dead in enumerate(np.append(dead, False)):
        if is_dead and start is None:
            start = index
        elif not is_dead and start is not None:
            if index - start >= 10:  # at least 100 ms
                runs.append((round(start * HOP / RATE, 2), round(index * HOP / RATE, 2)))
            start = None
    return runs


@register
class SpliceDetector:
    name = "audio_splice"
    modality = "audio"
    version = "1.0"
    modes = frozenset({"full"})
    description = (f"Room-tone continuity: the {FLOOR_PERCENTILE}th-percentile level of 10 ms frames in {N_BANDS} "
                   f"bands, {SIDE_S:.0f} s before vs {SIDE_S:.0f} s after every {STEP_S * 1000:.0f} ms; a mean step of "
                   f"{SPLICE_DB:.0f} dB or more marks a splice point. Digital silence is excluded and listed.")
    limitations = ("Unreliable on clean speech, so its points need listening to and weigh little in the verdict: "
                   "on 188 unedited real clips of 4 s or more (speech-synthesis demo pages, LJSpeech) the largest "
                   "step reached 6 dB in 95 % and 12 dB in 64 %, and of 150 splices joining clips of two "
                   "different pages it located 30 % at 6 dB (`python -m forensic_studio.evaluation.splice_trials`"
                   "); short studio clips have little steady room tone to compare. "
                   "Finds cuts between recordings with different noise floors; a splice between two takes in the "
                   "same room, or one hidden under added noise or music, leaves no step. Points closer than 1 s to "
                   "either end of the signal are not examined. Cuts shorter than ~2 s apart merge.")

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        levels = band_levels(media.signal)
        ctx.check_cancelled()
        times, steps = floor_steps(levels)
        splices = find_splices(times, steps)
        silence = digital_silence(levels)
        details = {"splices": [{"time_s": round(t, 2), "step_db": round(s, 2)} for t, s in splices],
                   "largest_step_db": round(float(steps.max()), 2) if len(steps) else None,
                   "digital_silence": [list(run) for run in silence]}
        timeline = [TimelineEntry(max(0.0, round(t - 0.5, 2)), round(t + 0.5, 2), round(splice_probability(s), 6),
                                  ["audio:splice"]) for t, s in splices]
        if not splices:
            largest = details["largest_step_db"]
            summary = ("No room-tone step found" + (f" (largest {largest:.1f} dB)" if largest is not None else
                                                    " (too short to examine)"))
            return LayerResult(self.name, 0.3, 0.3 if len(steps) else 0.0, summary, self.version, details)
        score = splice_probability(max(s for _, s in splices))
        where = ", ".join(f"{t:.2f} s ({s:.1f} dB)" for t, s in splices[:5])
        return LayerResult(self.name, score, 0.6, f"{len(splices)} room-tone step(s) at {where}", self.version,
                           details, timeline=timeline,
                           signals={"splice": True})
