"""The audio pipeline on generated recordings: invariances, splices, timelines and bad input."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from conftest import SHARED, analyze
from forensic_studio.context import AnalysisContext, Settings
from forensic_studio.errors import MediaError
from forensic_studio.media.audio import decode_mono, probe_audio
from forensic_studio.pipeline import analyze_file
from forensic_studio.results import AnalysisResult
from forensic_studio.synthetic_media import speech_like, wav_bytes

# Seed 3 of the generated voice is one Silero VAD calls speech at every sample rate (checked in
# test_generated_voice_is_found_as_speech); other seeds are less voice-like.
VOICE_SEED = 3
ASVSPOOF = SHARED / "datasets" / "audio" / "asvspoof2019_samples"
AASIST_WEIGHTS = SHARED / "models" / "aasist"


def voice(seconds: float = 10.0, rate: int = 16_000, noise_db: float = -60.0) -> np.ndarray:
    return speech_like(seconds, rate=rate, seed=VOICE_SEED, noise_db=noise_db)


def encoded(signal: np.ndarray, container: str, codec: str, rate: int = 16_000) -> bytes:
    import av

    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        frame = av.AudioFrame.from_ndarray(signal[None, :].astype(np.float32), format="flt", layout="mono")
        frame.sample_rate = rate
        resampler = av.AudioResampler(format=stream.codec_context.format.name, layout="mono", rate=rate)
        for chunk in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(chunk):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


def test_generated_voice_is_found_as_speech():
    from forensic_studio.media.speech import speech_segments

    segments = speech_segments(voice())
    assert sum(b - a for a, b in segments) > 4.0, segments


def test_audio_result_has_layers_timeline_and_spectrogram(write):
    result = analyze(write("voice.wav", wav_bytes(voice(), 16_000)))
    assert result.ok, result.error
    assert result.evidence.modality == "audio" and result.fusion.profile == "speech"
    names = [layer.name for layer in result.layers]
    assert names[:2] == ["audio_learned", "audio_packs"] and {"audio_spectral", "audio_phase", "audio_splice"} <= set(names)
    learned = result.layer("audio_learned")
    assert learned.error is None and learned.confidence > 0 and learned.models[0].id == "audio-window-v2"
    assert len(result.timeline) >= 3 and all(0 <= e.score <= 1 and e.end > e.start for e in result.timeline)
    spectrogram = result.layer("audio_spectral").maps["spectrogram"]
    assert spectrogram.kind == "spectrogram" and spectrogram.extent[1] == pytest.approx(10.0, abs=0.05)
    assert result.media["sample_rate"] == 16_000 and result.media["speech_seconds"] > 4
    data = json.loads(json.dumps(result.to_dict()))
    assert "suspicious_intervals" in data and data["modality"] == "audio"
    assert AnalysisResult.from_dict(data).to_dict() == data


def test_leading_and_trailing_silence_do_not_change_the_score(write):
    signal = voice()
    silence = np.zeros(3 * 16_000, np.float32)
    plain = analyze(write("plain.wav", wav_bytes(signal, 16_000)))
    padded = analyze(write("padded.wav", wav_bytes(np.concatenate([silence, signal, silence]), 16_000)))
    assert plain.ok and padded.ok
    assert abs(plain.fusion.fake_probability - padded.fusion.fake_probability) <= 0.05
    assert abs(plain.layer("audio_learned").score - padded.layer("audio_learned").score) <= 0.05
    assert padded.layer("audio_splice").details["digital_silence"]  # the padding is reported, not scored


def test_sample_rate_does_not_decide_the_score(write):
    """One recording delivered at 44.1, 22.05 and 16 kHz (resampled as an editor would) scores alike."""
    import librosa

    original = voice(rate=44_100)
    scores = {}
    for rate in (16_000, 22_050, 44_100):
        signal = original if rate == 44_100 else librosa.resample(original, orig_sr=44_100, target_sr=rate)
        result = analyze(write(f"voice_{rate}.wav", wav_bytes(signal, rate)))
        assert result.ok and result.media["sample_rate"] == rate
        scores[rate] = result.fusion.fake_probability
    assert max(scores.values()) - min(scores.values()) <= 0.05, scores


def test_splice_of_two_noise_floors_is_located(write):
    first = speech_like(6.0, seed=VOICE_SEED, noise_db=-65)
    second = speech_like(6.0, seed=VOICE_SEED + 10, noise_db=-38)
    result = analyze(write("spliced.wav", wav_bytes(np.concatenate([first, second]), 16_000)))
    splice = result.layer("audio_splice")
    times = [item["time_s"] for item in splice.details["splices"]]
    assert len(times) == 1 and abs(times[0] - 6.0) <= 0.5, splice.details
    assert splice.score > 0.5 and any("audio:splice" in e.labels for e in result.timeline)
    # The splice is pooled into the speech windows around it, never a cell of its own (the fused curve
    # would dip there to the splice layer's weight alone).
    windows = {(w.start, w.end) for w in result.layer("audio_learned").timeline}
    assert {(e.start, e.end) for e in result.timeline} == windows
    unspliced = analyze(write("one_floor.wav", wav_bytes(speech_like(12.0, seed=VOICE_SEED, noise_db=-50), 16_000)))
    assert unspliced.layer("audio_splice").details["splices"] == []


def test_silence_only_gets_no_speech_score(write):
    rng = np.random.default_rng(0)
    result = analyze(write("room.wav", wav_bytes((0.003 * rng.standard_normal(5 * 16_000)).astype(np.float32), 16_000)))
    assert result.ok
    learned = result.layer("audio_learned")
    assert learned.confidence == 0 and "No speech" in learned.summary
    assert result.fusion.verdict == "inconclusive"


@pytest.mark.parametrize("container,codec,suffix", [("mp3", "libmp3lame", "mp3"), ("ogg", "libopus", "opus"),
                                                     ("flac", "flac", "flac"), ("adts", "aac", "aac")])
def test_common_codecs_decode_and_score(write, container, codec, suffix):
    rate = 48_000 if codec == "libopus" else 16_000
    path = write(f"voice.{suffix}", encoded(voice(4.0, rate=rate), container, codec, rate))
    result = analyze(path, mode="fast")
    assert result.ok, result.error
    assert result.media["codec"] in (codec.replace("lib", ""), codec, "mp3float", "opus")


def test_truncated_mp3_still_analyses_what_is_there(write):
    data = encoded(voice(8.0), "mp3", "libmp3lame")
    result = analyze(write("half.mp3", data[: len(data) // 2]), mode="fast")
    assert result.ok and 3.0 < result.media["analysed_seconds"] < 5.0


@pytest.mark.parametrize("data,code", [
    (wav_bytes(np.zeros(0, np.float32), 16_000), {"truncated", "corrupt"}),
    (b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 40, {"truncated", "corrupt"}),
    (b"ID3" + b"\x00" * 200, {"truncated", "corrupt"}),
])
def test_empty_or_broken_audio_gives_a_clear_error(write, data, code):
    result = analyze(write("broken.wav", data))
    assert not result.ok and result.error.code in code and result.error.message


def test_video_without_audio_has_no_audio_stream(write):
    import av

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="matroska") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for index in range(5):
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), index * 40, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    path = write("silent.mkv", buffer.getvalue())
    with pytest.raises(MediaError) as caught:
        probe_audio(path)
    assert caught.value.code == "no_audio_stream"
    with pytest.raises(MediaError):
        decode_mono(path)


def test_long_recordings_are_analysed_up_to_the_limit_and_say_so(write):
    path = write("long.wav", wav_bytes(voice(10.0), 16_000))
    result = analyze_file(path, AnalysisContext(settings=Settings(mode="fast", max_audio_seconds=5.0)))
    assert result.ok and result.media["analysed_seconds"] == pytest.approx(5.0, abs=0.01)
    assert result.media["truncated_to_seconds"] == 5.0
    assert any("first 5" in warning for warning in result.warnings)


@pytest.mark.skipif(not (AASIST_WEIGHTS.is_dir() and ASVSPOOF.is_dir()),
                    reason="../shared AASIST weights or ASVspoof samples are not present on this machine")
def test_aasist_pack_layer_ranks_bona_fide_below_spoofs():
    from forensic_studio.packs.importers import import_pack
    from forensic_studio.packs.store import ModelStore

    import_pack(AASIST_WEIGHTS, ModelStore())
    real = [analyze(p).layer("audio_packs") for p in sorted((ASVSPOOF / "real").glob("*.flac"))]
    spoofs = [analyze(p).layer("audio_packs") for p in sorted((ASVSPOOF / "fake").glob("*.flac"))]
    assert all(layer.confidence > 0 and set(layer.details["pack_scores"]) == {"aasist", "aasist-l"}
               for layer in real + spoofs)
    assert max(layer.score for layer in real) < min(layer.score for layer in spoofs)


def test_band_levels_are_the_same_a_minute_at_a_time():
    """The splice layer transforms long recordings in blocks (flat memory); the frames must not change."""
    import librosa

    from forensic_studio.detectors.audio.splice import band_levels

    signal = np.random.default_rng(0).normal(0, 0.1, 16_000 * 61 + 37).astype(np.float32)
    power = np.abs(librosa.stft(signal, n_fft=512, hop_length=160, win_length=400)) ** 2
    whole = 10 * np.log10(np.array([band.mean(0) for band in np.array_split(power[1:], 8)]) + 1e-14)
    assert np.array_equal(band_levels(signal), whole)


def test_splice_trials_count_false_alarms_and_located_cuts():
    from forensic_studio.evaluation.splice_trials import trials

    # Four "rooms" with steady floors far apart: every cross-room splice is a clear step, no clip alone is.
    recordings = [(f"room{i}", speech_like(8.0, seed=VOICE_SEED + i, noise_db=db))
                  for i, db in enumerate((-70, -55, -40, -30))]
    report = trials(recordings, splices=6, seed=0)
    assert report["unedited"] == 4 and report["spliced"] == 6
    assert report["at 6 dB"]["false_alarm_rate"] == 0.0 and report["at 6 dB"]["located_rate"] == 1.0
    assert report["auc_largest_step"] == 1.0
