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
