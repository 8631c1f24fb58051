"""Model packs: import from folders and archives, integrity, safety, offline install, ensemble scoring."""

from __future__ import annotations

import io
import json
import pickle
import socket
import time
import zipfile

import numpy as np
import pytest
from PIL import Image

from forensic_studio.cli import main
from forensic_studio.packs.importers import ImportOptions, import_pack, resolve_fake_labels
from forensic_studio.packs.safety import UnsafePackError
from forensic_studio.packs.store import ModelStore, PackError
from forensic_studio.synthetic_media import photo_like

from conftest import SHARED, analyze

MESONET = SHARED / "models" / "mesonet"


@pytest.fixture(scope="session")
def tiny_vit(tmp_path_factory):
    """A 2-label ViT image classifier saved as a Hugging Face checkpoint (safetensors)."""
    import torch
    from transformers import ViTConfig, ViTForImageClassification, ViTImageProcessor

    folder = tmp_path_factory.mktemp("tiny-vit")
    config = ViTConfig(image_size=32, patch_size=8, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                       intermediate_size=32, num_labels=2, id2label={0: "Real", 1: "Fake"}, label2id={"Real": 0, "Fake": 1})
    torch.manual_seed(0)
    ViTForImageClassification(config).save_pretrained(folder, safe_serialization=True)
    ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(folder)
    return folder


def _zip_folder(folder, archive, prefix="pack/"):
    with zipfile.ZipFile(archive, "w") as zf:
        for path in folder.iterdir():
            zf.write(path, prefix + path.name)
    return archive


def test_hf_checkpoint_imports_and_scores_in_the_pipeline(tiny_vit, write):
    store = ModelStore()
    (pack,) = import_pack(tiny_vit, store, ImportOptions(pack_id="tiny-vit"))
    assert pack.manifest["fake_labels"] == ["Fake"]
    assert set(pack.manifest["files"]) == {"config.json", "preprocessor_config.json", "model.safetensors"}
    assert store.verify(pack) == []

    image = write("scene.png", photo_like(96, 128, seed=5))
    result = analyze(image)
    layer = result.layer("model_packs")
    assert layer.error is None and layer.confidence > 0
    assert 0.0 <= layer.score <= 1.0
    assert set(layer.details["pack_scores"]) == {"tiny-vit"}
    assert any(m.id == "tiny-vit" and m.sha256 == pack.manifest["files"]["model.safetensors"] for m in result.models)


def test_zip_import_and_tampering_is_detected(tiny_vit, tmp_path):
    store = ModelStore()
    (pack,) = import_pack(_zip_folder(tiny_vit, tmp_path / "vit.zip"), store, ImportOptions(pack_id="zipped-vit"))
    config = pack.folder / "config.json"
    config.write_text(config.read_text().replace('"Fake"', '"Faux"'))
    assert store.verify(pack) == ["changed file config.json"]
    assert main(["models", "verify", "zipped-vit"]) == 2


def test_archive_escaping_the_store_is_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("pack/config.json", "{}")
        zf.writestr("../../outside.txt", "gotcha")
    with pytest.raises(UnsafePackError, match="outside the pack folder"):
        import_pack(archive, ModelStore())
    assert not (tmp_path / "outside.txt").exists() and not (tmp_path.parent / "outside.txt").exists()
    assert ModelStore().packs() == []


class _Boom:
    def __reduce__(self):
        return (print, ("this pickle would run code",))


def test_pickles_are_refused_even_under_a_safe_name(tiny_vit, tmp_path):
    folder = tmp_path / "disguised"
    folder.mkdir()
    for name in ("config.json", "preprocessor_config.json"):
        (folder / name).write_bytes((tiny_vit / name).read_bytes())
    (folder / "model.safetensors").write_bytes(pickle.dumps(_Boom()))
    with pytest.raises(UnsafePackError, match="pickle"):
        import_pack(folder, ModelStore())

    archive = tmp_path / "pickled.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("weights.pkl", pickle.dumps(_Boom()))
    with pytest.raises(UnsafePackError, match="pickle"):
        import_pack(archive, ModelStore())
    assert ModelStore().packs() == []


def test_unknown_labels_need_an_explicit_fake_label_list():
    assert resolve_fake_labels({0: "ai", 1: "hum"}, None) == ["ai"]
    assert resolve_fake_labels({0: "Artificial", 1: "Deepfake", 2: "Real"}, None) == ["Artificial", "Deepfake"]
    with pytest.raises(PackError, match="--fake-labels"):
        resolve_fake_labels({0: "LABEL_0", 1: "LABEL_1"}, None)
    assert resolve_fake_labels({0: "LABEL_0", 1: "LABEL_1"}, ["label_1"]) == ["LABEL_1"]


def test_install_fails_fast_and_clearly_when_offline(monkeypatch, capsys):
    def unreachable(*args, **kwargs):
        raise OSError("Network is unreachable")

    monkeypatch.setattr(socket, "create_connection", unreachable)
    started = time.monotonic()
    assert main(["models", "install", "mesonet-meso4-df"]) == 2
    assert time.monotonic() - started < 5
    assert "offline" in capsys.readouterr().err


def test_remove_weight_and_list(tiny_vit, capsys):
    import_pack(tiny_vit, ModelStore(), ImportOptions(pack_id="tiny-vit"))
    assert main(["models", "weight", "tiny-vit", "0"]) == 0
    capsys.readouterr()
    assert main(["models", "list", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    row = next(r for r in listing["packs"] if r["id"] == "tiny-vit")
    assert row["status"] == "installed" and row["weight"] == 0
    assert main(["models", "remove", "tiny-vit"]) == 0
    assert main(["models", "remove", "tiny-vit"]) == 2


@pytest.mark.skipif(not MESONET.is_dir(), reason="../shared/models/mesonet is not present on this machine")
def test_mesonet_import_scores_the_published_test_faces_the_right_way_round():
    from forensic_studio.learned.image_models import load_mesonet

    packs = {p.id: p for p in import_pack(MESONET, ModelStore())}
    assert {"mesonet-meso4-df", "mesonet-mesoinception4-df"} <= set(packs)
    assert all(p.manifest["source_pinned"] for p in packs.values())
    faces = {kind: [np.asarray(Image.open(p).convert("RGB")) for p in sorted((MESONET / "test_images" / kind).glob("*.jpg"))]
             for kind in ("real", "fake")}
    for pack_id in ("mesonet-meso4-df", "mesonet-mesoinception4-df"):
        model = load_mesonet(packs[pack_id].folder, "cpu", packs[pack_id].manifest)
        real, _ = model.predict(faces["real"])
        fake, _ = model.predict(faces["fake"])
        assert real.max() < 0.5 < fake.min(), (pack_id, real, fake)


def test_pack_that_fails_to_load_is_reported_not_hidden(tiny_vit, write):
    (pack,) = import_pack(tiny_vit, ModelStore(), ImportOptions(pack_id="broken-vit"))
    (pack.folder / "model.safetensors").write_bytes(b"not weights any more")
    layer = analyze(write("x.png", photo_like(64, 64, seed=1))).layer("model_packs")
    assert layer.confidence == 0 and "broken-vit" in layer.details["failures"]
    assert "does not match" in layer.details["failures"]["broken-vit"]


def test_archive_bytes_never_land_outside_a_staging_folder(tiny_vit, tmp_path):
    buffer = io.BytesIO()
    _zip_folder(tiny_vit, buffer)
    archive = tmp_path / "ok.zip"
    archive.write_bytes(buffer.getvalue())
    store = ModelStore()
    import_pack(archive, store, ImportOptions(pack_id="ok"))
    assert [p.name for p in store.root.iterdir()] == ["ok"]
