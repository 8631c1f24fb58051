"""AASIST packs: our implementation of the published architecture, loaded from the published state dicts."""

from __future__ import annotations

import json

import pytest
import torch

from conftest import SHARED
from forensic_studio.learned.aasist import AASIST_L, Aasist, fit_length
from forensic_studio.media.audio import decode_mono
from forensic_studio.packs.importers import import_pack
from forensic_studio.packs.kinds import load_pack
from forensic_studio.packs.store import ModelStore, PackError

AASIST_WEIGHTS = SHARED / "models" / "aasist"
ASVSPOOF = SHARED / "datasets" / "audio" / "asvspoof2019_samples"


def test_architecture_shapes_and_length_fitting():
    model = Aasist(AASIST_L).eval()
    with torch.inference_mode():
        logits = model(torch.randn(2, 64_600) * 0.05)
    assert logits.shape == (2, 2) and torch.isfinite(logits).all()
    assert sum(p.numel() for p in model.parameters()) < 100_000  # AASIST-L: 85 k parameters published
    short = fit_length(torch.arange(10).numpy(), 25)
    assert list(short) == list(range(10)) * 2 + list(range(5))


def test_unpinned_pickle_is_never_opened(tmp_path):
    """A file named like AASIST whose hash is not the published one is refused before torch.load runs."""
    folder = tmp_path / "fake-aasist"
    folder.mkdir()
    torch.save(Aasist(AASIST_L).state_dict(), folder / "AASIST-L.pth")
    (folder / "AASIST-L.conf").write_text(json.dumps({"model_config": {}}), encoding="utf-8")
    with pytest.raises(PackError, match="not a published AASIST"):
        import_pack(folder, ModelStore())
    assert ModelStore().packs() == []


@pytest.mark.skipif(not (AASIST_WEIGHTS.is_dir() and ASVSPOOF.is_dir()), reason="../shared AASIST weights or ASVspoof samples are not present on this machine")
def test_imported_aasist_scores_bona_fide_below_both_spoofs():
    store = ModelStore()
    packs = import_pack(AASIST_WEIGHTS, store)
    assert sorted(p.id for p in packs) == ["aasist", "aasist-l"]
    assert all(p.modality == "audio" and not list(p.folder.glob("*.pth")) for p in packs)  # safetensors only
    real = [decode_mono(p) for p in sorted((ASVSPOOF / "real").glob("*.flac"))]
    spoofs = [decode_mono(p) for p in sorted((ASVSPOOF / "fake").glob("*.flac"))]
    assert len(real) == 1 and len(spoofs) == 2
    for pack in packs:
        model = load_pack(pack, "cpu")
        bona_fide, spoof = model.predict(real)[0], model.predict(spoofs)[0]
        assert bona_fide.max() < spoof.min(), (pack.id, bona_fide, spoof)
        assert bona_fide.max() < 0.1 and spoof.min() > 0.9


@pytest.fixture(scope="module")
def tiny_wav2vec2(tmp_path_factory):
    """A wav2vec2 audio classifier small enough to create here, saved as a Hugging Face checkpoint folder."""
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("hf-audio") / "tiny-voice-spoof"
    config = transformers.Wav2Vec2Config(
        hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        conv_dim=(16, 16, 16, 16, 16, 16, 16), num_feat_extract_layers=7, num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=2, classifier_proj_size=8, use_weighted_layer_sum=False,
        num_labels=2, id2label={0: "bonafide", 1: "spoof"}, label2id={"bonafide": 0, "spoof": 1})
    transformers.Wav2Vec2ForSequenceClassification(config).save_pretrained(folder, safe_serialization=True)
    transformers.Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=16_000, do_normalize=True).save_pretrained(folder)
    return folder


def test_a_hugging_face_audio_classifier_imports_and_scores_speech_windows(tiny_wav2vec2, tmp_path):
    from conftest import analyze
    from forensic_studio.synthetic_media import speech_like, wav_bytes

    (pack,) = import_pack(tiny_wav2vec2, ModelStore())
    assert (pack.kind, pack.modality, pack.manifest["fake_labels"]) == ("hf-audio-classification", "audio", ["spoof"])
    assert ModelStore().verify(pack) == []
    voice = tmp_path / "voice.wav"
    voice.write_bytes(wav_bytes(speech_like(9.0, 16_000, seed=4, noise_db=-55), 16_000))
    result = analyze(voice)
    layer = result.layer("audio_packs")
    assert layer.error is None and layer.confidence > 0, layer.summary
    assert pack.id in layer.details["pack_scores"] and layer.timeline
    assert any(model.id == pack.id for model in result.models)


def test_an_audio_checkpoint_with_unreadable_labels_is_refused(tiny_wav2vec2, tmp_path):
    import shutil

    folder = tmp_path / "odd-labels"
    shutil.copytree(tiny_wav2vec2, folder)
    config = json.loads((folder / "config.json").read_text())
    config["id2label"] = {"0": "LABEL_0", "1": "LABEL_1"}
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(PackError, match="fake-labels"):
        import_pack(folder, ModelStore())


RAWGAT_WEIGHTS = SHARED / "models" / "rawgat_st"


def test_rawgat_architecture_shapes():
    from forensic_studio.learned.rawgat import RawGatST

    model = RawGatST().eval()
    with torch.inference_mode():
        logits = model(torch.randn(2, 64_600) * 0.05)
    assert logits.shape == (2, 2) and torch.isfinite(logits).all()
    assert 430_000 < sum(p.numel() for p in model.parameters()) < 450_000  # 0.44 M published


def test_an_unpinned_rawgat_pickle_is_never_opened(tmp_path):
    from forensic_studio.learned.rawgat import RawGatST

    folder = tmp_path / "rawgat"
    folder.mkdir()
    torch.save(RawGatST().state_dict(), folder / "RawGAT_ST_mul.pth")
    with pytest.raises(PackError, match="not a published RawGAT-ST"):
        import_pack(folder, ModelStore())
    assert ModelStore().packs() == []


@pytest.mark.skipif(not (RAWGAT_WEIGHTS.is_dir() and ASVSPOOF.is_dir()), reason="../shared RawGAT-ST weights or ASVspoof samples are not present on this machine")
def test_imported_rawgat_scores_bona_fide_below_both_spoofs(tmp_path):
    from conftest import analyze

    (pack,) = import_pack(RAWGAT_WEIGHTS, ModelStore())
    assert pack.id == "rawgat-st" and pack.manifest["source_pinned"] and not list(pack.folder.glob("*.pth"))
    model = load_pack(pack, "cpu")
    real = [decode_mono(p) for p in sorted((ASVSPOOF / "real").glob("*.flac"))]
    spoofs = [decode_mono(p) for p in sorted((ASVSPOOF / "fake").glob("*.flac"))]
    bona_fide, spoof = model.predict(real)[0], model.predict(spoofs)[0]
    assert bona_fide.max() < 0.1 and spoof.min() > 0.9, (bona_fide, spoof)
    layer = analyze(sorted((ASVSPOOF / "fake").glob("*.flac"))[1]).layer("audio_packs")  # through the pipeline
    assert "rawgat-st" in layer.details["pack_scores"] and layer.score > 0.5
