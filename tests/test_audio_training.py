"""Training the embedded audio detector: vocoded copies, expert training sets, and the package round trip."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from forensic_studio.learned.audio_detector import load_audio_window_model
from forensic_studio.learned.audio_features import N_FEATURES
from forensic_studio.synthetic_media import speech_like
from forensic_studio.training import audio_detector as training
from forensic_studio.training.audio_augment import VOCODERS


def _long_term_spectrum(signal: np.ndarray) -> np.ndarray:
    import librosa

    return np.log(np.abs(librosa.stft(signal, n_fft=1024)).mean(1) + 1e-6)


@pytest.mark.parametrize("name", sorted(VOCODERS))
def test_vocoded_copy_keeps_length_and_spectrum_but_not_waveform(name):
    source = speech_like(3.0, seed=3)
    copy = VOCODERS[name](source, np.random.default_rng(0))
    assert copy.shape == source.shape and copy.dtype == np.float32 and np.isfinite(copy).all()
    spectrum_match = np.corrcoef(_long_term_spectrum(source), _long_term_spectrum(copy))[0, 1]
    waveform_match = abs(np.corrcoef(source, copy)[0, 1])
    assert spectrum_match > 0.9, spectrum_match  # the same voice, levels and colour...
    assert waveform_match < 0.5, waveform_match  # ...re-synthesised with new phase


def _clip(rng: np.random.Generator, label: int, shift: float) -> training.ClipFeatures:
    def windows(n: int, offset: float) -> np.ndarray:
        return (rng.standard_normal((n, N_FEATURES)) + offset).astype(np.float32)

    vocoded = {} if label else {name: windows(1, 1.0) for name in VOCODERS}
    return training.ClipFeatures(windows(2, shift), windows(4, shift), vocoded)


def test_expert_sets_label_copies_fake_and_the_package_loads(tmp_path):
    rng = np.random.default_rng(0)
    labels = np.array([0, 0, 1, 1])
    features = [_clip(rng, int(label), 1.0 * label) for label in labels]
    x, y, vocoded = training.expert_training_set(features, labels, "griffin_lim")
    assert len(x) == len(y) == len(vocoded) == 4 * 2 + 4 * 4 + 2  # clean, laundered, one copy per real clip
    assert vocoded.sum() == 2 and (y[vocoded] == 1).all()

    args = argparse.Namespace(seed=0, epochs=3, hidden=16, weight_decay=0.05, dropout=0.1)
    ensemble = training.train_experts(features, labels, args)
    assert len(ensemble.experts) == len(VOCODERS)
    calibrations = {head: (1.0, 0.0) for head in training.HEADS}
    held_out = training.clip_scores(ensemble, [f.clean for f in features])
    metrics = {head: training.page_metrics(1 / (1 + np.exp(-held_out[head])), labels, np.array(["p"] * 4))
               for head in training.HEADS}
    run = {"command": "test", "clips": 4, "fake_clips": 2, "pages": 1, "windows": len(y), "experts": list(VOCODERS),
           "epochs": 3, "hidden": 16, "weight_decay": 0.05, "dropout": 0.1, "seed": 0, "minutes": 0.0}
    training.write_package(tmp_path / "audio-test", ensemble, calibrations, metrics, run)

    model = load_audio_window_model(tmp_path / "audio-test")  # verifies the SHA-256 the config declares
    assert (tmp_path / "audio-test" / "MODEL_CARD.md").read_text().count(model.sha256) == 1
    loaded = model.window_log_odds(features[0].clean)
    assert loaded["logit"].shape == (2,) and np.isfinite(loaded["logit"]).all()
    assert np.isclose(loaded["logit"].mean(), held_out["logit"][0], atol=1e-5)
