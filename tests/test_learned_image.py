"""The embedded learned image detector: architecture pieces, shipped package, face path, integrity."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from forensic_studio.context import AnalysisContext, Settings
from forensic_studio.detectors.image.learned import EMBEDDED_MODEL, FACE_CONFIDENCE, embedded_image_model, fills_frame
from forensic_studio.learned.dual_stream import BayarConv2d, DualStreamDetector, DualStreamEnsemble
from forensic_studio.learned.efficientnet_lite import SameConv2d
from forensic_studio.learned.faces import RETRY_VIEWS, Face, FaceDetector, shared_detector, square_crop_box
from forensic_studio.learned.image_models import ModelIntegrityError, load_dual_stream
from forensic_studio.learned.preprocess import batch_tensor
from forensic_studio.media.intake import sha256_file
from forensic_studio.pipeline import analyze_file
from forensic_studio.resources import resource_path
from forensic_studio.synthetic_media import photo_like
from forensic_studio.training.model_card import write_model_package

from conftest import SHARED, analyze

PACKAGE = resource_path("models", EMBEDDED_MODEL)
FACES = SHARED / "datasets" / "images" / "faces140k_stylegan"
OPENFORENSICS = SHARED / "datasets" / "images" / "openforensics_faceswap"


def test_same_padding_matches_tensorflow_output_sizes():
    conv = SameConv2d(1, 1, 3, stride=2, bias=False)
    for size in (191, 192, 193):
        assert conv(torch.zeros(1, 1, size, size)).shape[-1] == -(-size // 2)


def test_stride_one_same_padding_equals_the_explicit_tensorflow_padding():
    import torch.nn.functional as F

    conv = SameConv2d(4, 4, 5, groups=4, bias=False)
    x = torch.randn(2, 4, 33, 40)
    explicit = F.conv2d(F.pad(x, [2, 2, 2, 2]), conv.weight, None, 1, 0, 1, 4)
    assert torch.allclose(conv(x), explicit, atol=1e-6)


def test_folding_batch_norms_leaves_the_outputs_unchanged():
    torch.manual_seed(3)
    model = DualStreamEnsemble(2, shared_blocks=5).eval()
    for bn in (m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)):  # statistics far from 0/1
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 2.0)
        bn.weight.data.uniform_(0.5, 1.5)
        bn.bias.data.uniform_(-0.2, 0.2)
    x = torch.rand(3, 3, 64, 64)
    with torch.no_grad():
        before = model(x)
        model.fold_batch_norms()
        after = model(x)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
    assert torch.allclose(before.logit, after.logit, atol=1e-4)
    assert torch.allclose(before.visual_share, after.visual_share, atol=1e-5)


def test_bayar_filters_are_prediction_error_filters():
    weight = BayarConv2d(3, 4).constrained_weight()
    assert torch.allclose(weight.sum(dim=(2, 3)), torch.zeros(4, 3), atol=1e-5)
    assert torch.all(weight[:, :, 2, 2] == -1)


def test_noise_stream_ignores_flat_colour():
    """SRM and Bayar filters sum to zero: a flat image has no residual, whatever its colour."""
    model = DualStreamDetector().eval()
    with torch.no_grad():
        srm_sums = model.noise.srm.sum(dim=(1, 2, 3))
        bayar_sums = model.noise.bayar.constrained_weight().sum(dim=(1, 2, 3))
    assert torch.allclose(srm_sums, torch.zeros_like(srm_sums), atol=1e-6)
    assert torch.allclose(bayar_sums, torch.zeros_like(bayar_sums), atol=1e-5)


def test_shipped_package_is_small_pinned_and_documented():
    config = json.loads((PACKAGE / "config.json").read_text())
    weights = PACKAGE / config["weights"]
    assert sha256_file(weights) == config["sha256"]
    assert weights.stat().st_size < 30 * 1024**2
    card = (PACKAGE / "MODEL_CARD.md").read_text()
    assert config["sha256"] in card and "Validation" in card and "Limitations" in card
    assert config["validation"]["pooled"]["auc"] is not None


def test_scene_without_face_is_scored_whole_with_low_confidence(write):
    result = analyze(write("scene.png", photo_like(240, 320, seed=9)))
    layer = result.layer("learned")
    assert layer.error is None, layer.error
    assert layer.details["faces"] == 0 and layer.regions == []
    assert layer.confidence < 0.5
    assert [m.id for m in layer.models] == [EMBEDDED_MODEL]
    assert EMBEDDED_MODEL in [m.id for m in result.models]


def test_fast_mode_runs_the_learned_layer(write):
    result = analyze(write("scene.jpg", photo_like(240, 320, seed=2)), mode="fast")
    assert result.layer("learned") is not None and result.layer("learned").error is None


@pytest.mark.skipif(not FACES.is_dir(), reason="../shared/datasets/images is not present on this machine")
def test_faces_are_found_boxed_and_scored_per_face(write):
    face = np.asarray(Image.open(sorted((FACES / "real").glob("*.jpg"))[0]).convert("RGB"))
    canvas = np.full((600, 900, 3), 235, np.uint8)  # two copies of the face on a plain page
    canvas[100:356, 80:336] = face
    canvas[200:456, 560:816] = face
    layer = analyze(write("two-faces.png", canvas)).layer("learned")
    assert layer.details["faces"] == 2 and len(layer.regions) == 2
    for region in layer.regions:
        x, y, w, h = region.box
        assert 0 <= x and x + w <= 900 and 0 <= y and y + h <= 600
        assert 0.0 <= region.score <= 1.0
    # The same face twice gets the same score (within resampling noise).
    assert abs(layer.regions[0].score - layer.regions[1].score) < 0.1
    assert all(r.details["scored_view"] == "face crop" for r in layer.regions)
    # The whole frame is scored for the record, but two 256-px faces on a 900x600 page are a small part of
    # a scene, where the face model's frame score was never validated: the faces alone decide.
    assert 0.0 <= layer.details["whole_frame_probability"] <= 1.0
    assert layer.details["whole_frame_weighed"] is False
    assert layer.score == pytest.approx(max(r.score for r in layer.regions), abs=1e-6)
    assert "not weighed" in layer.summary


@pytest.mark.skipif(not FACES.is_dir(), reason="../shared/datasets/images is not present on this machine")
def test_a_face_centric_picture_weighs_its_whole_frame(write):
    face = np.asarray(Image.open(sorted((FACES / "real").glob("*.jpg"))[0]).convert("RGB"))
    canvas = np.full((320, 320, 3), 235, np.uint8)  # the face fills most of the picture, as in training
    canvas[32:288, 32:288] = face
    layer = analyze(write("portrait.png", canvas)).layer("learned")
    assert layer.details["faces"] == 1 and layer.details["whole_frame_weighed"] is True
    frame = layer.details["whole_frame_probability"]
    assert layer.score == pytest.approx(max(frame, layer.regions[0].score), abs=1e-6)


def test_a_face_crop_that_fills_the_frame_is_scored_as_the_frame():
    portrait = Face((40, 30, 170, 190), 0.99, {}, square_crop_box((40, 30, 170, 190), 256, 256))
    small = Face((300, 200, 60, 70), 0.99, {}, square_crop_box((300, 200, 60, 70), 900, 600))
    assert fills_frame(portrait, (256, 256, 3))
    assert not fills_frame(small, (600, 900, 3))


def test_a_face_missed_on_the_original_is_sought_on_normalised_copies():
    class FindsOnThirdImage:  # stands in for MTCNN: records what it is shown
        def __init__(self):
            self.seen = []

        def detect_faces(self, rgb):
            self.seen.append(rgb.copy())
            if len(self.seen) != 3:
                return []
            return [{"box": [60, 60, 120, 120], "confidence": 0.95, "keypoints": {"nose": (120, 120)}}]

    original = photo_like(256, 256, seed=4)
    detector = FaceDetector()
    detector._net = FindsOnThirdImage()
    (found,) = detector.detect_with_retries(original)
    assert found.found_on == RETRY_VIEWS[1][0] and found.box == (60, 60, 120, 120)
    first, second, third = detector._net.seen
    assert np.array_equal(first, original)
    assert np.array_equal(second, RETRY_VIEWS[0][1](original)) and np.array_equal(third, RETRY_VIEWS[1][1](original))
    assert not np.array_equal(second, original) and not np.array_equal(third, original)
    # A face on the original stops there.
    detector._net.seen = [None, None]  # the next image shown is the third
    (found,) = detector.detect_with_retries(original)
    assert found.found_on == "original" and len(detector._net.seen) == 3


@pytest.mark.skipif(not OPENFORENSICS.is_dir(), reason="../shared/datasets/images is not present on this machine")
def test_a_washed_out_face_is_found_on_a_copy_and_scored_on_the_original():
    path = OPENFORENSICS / "real" / "4924d39544fbd079ce7129f7f57f67f7a84de188bdac0fd628761f12b30c3b7a.jpg"
    rgb = np.asarray(Image.open(path).convert("RGB"))
    assert shared_detector().detect(rgb) == []
    layer = analyze_file(path, AnalysisContext()).layer("learned")
    (region,) = layer.regions
    assert region.details["found_on"] == "contrast-equalised copy"
    assert "found on its contrast-equalised copy" in layer.summary
    assert layer.confidence == FACE_CONFIDENCE
    expected = embedded_image_model("cpu").predict([rgb])[0][0]
    assert layer.details["whole_frame_probability"] == pytest.approx(expected, abs=1e-4)


@pytest.mark.skipif(not FACES.is_dir(), reason="../shared/datasets/images is not present on this machine")
def test_dataset_face_crop_is_scored_at_its_own_scale():
    layer = analyze_file(min((FACES / "fake").glob("*.jpg")), AnalysisContext()).layer("learned")
    assert layer.details["faces"] == 1
    (region,) = layer.regions
    assert region.details["scored_view"] == "whole frame"
    assert region.score == pytest.approx(layer.details["whole_frame_probability"], abs=1e-6)


@pytest.mark.skipif(not FACES.is_dir(), reason="../shared/datasets/images is not present on this machine")
def test_validation_faces_score_the_right_way_round():
    from forensic_studio.evaluation.evaluate import Sample, select_split
    from forensic_studio.evaluation.metrics import roc_auc

    samples = [Sample(p, label, FACES.name) for label, kind in ((0, "real"), (1, "fake"))
               for p in sorted((FACES / kind).glob("*.jpg"))]
    validation = select_split(samples, "val")[::6]
    scores = [analyze_file(s.path, AnalysisContext(settings=Settings(mode="fast"))).layer("learned").score
              for s in validation]
    assert roc_auc(np.array([s.label for s in validation]), np.array(scores)) > 0.85


ENSEMBLE_TRAINING = {"sources": ["synthetic"], "train_files": 0, "validation_files": 0, "frozen_blocks": 5,
                     "train_crop": 64, "native_crops": True, "members": [], "command": "made by a test"}


def _members_with_one_frozen_backbone(count: int, shared_blocks: int) -> list[DualStreamDetector]:
    members = [DualStreamDetector().eval() for _ in range(count)]
    frozen = [f"visual.{name}" for name in ("_conv_stem", "_bn0", *(f"_blocks.{i}" for i in range(shared_blocks)))]
    backbone = {k: v for k, v in members[0].state_dict().items() if k.startswith(tuple(frozen))}
    for member in members[1:]:
        member.load_state_dict(backbone, strict=False)
    return members


def test_ensemble_package_averages_its_members_log_odds(tmp_path):
    members = _members_with_one_frozen_backbone(2, shared_blocks=5)
    ensemble = DualStreamEnsemble(2, shared_blocks=5)
    for slot, member in zip(ensemble.members, members):
        slot.load_state_dict(member.state_dict())
    write_model_package(tmp_path / "ens", ensemble, input_size=64, calibration={"scale": 1.0, "bias": 0.0},
                        metrics={}, history=[], training=ENSEMBLE_TRAINING, dtype=torch.float16,
                        architecture={"architecture": "dual_stream_ensemble", "members": 2, "shared_blocks": 5})
    assert (tmp_path / "ens" / "model.safetensors").stat().st_size < 0.6 * 2 * sum(
        t.numel() * 4 for t in members[0].state_dict().values())  # float16 on disk
    loaded = load_dual_stream(tmp_path / "ens", "cpu")
    crops = [np.asarray(photo_like(64, 64, seed=s)) for s in (1, 2, 3)]
    logits, _ = loaded.runner.logits(crops)
    with torch.no_grad():
        x = batch_tensor(crops, 64)
        expected = torch.stack([m(x).logit for m in members]).mean(0).numpy()
    assert np.allclose(logits, expected, atol=0.02)  # float16 storage moves log-odds by rounding only


def test_ensemble_whose_members_differ_in_shared_layers_is_refused(tmp_path):
    ensemble = DualStreamEnsemble(2, shared_blocks=5)  # two independent random backbones
    write_model_package(tmp_path / "bad", ensemble, input_size=64, calibration={"scale": 1.0, "bias": 0.0},
                        metrics={}, history=[], training=ENSEMBLE_TRAINING,
                        architecture={"architecture": "dual_stream_ensemble", "members": 2, "shared_blocks": 5})
    with pytest.raises(ModelIntegrityError, match="differ"):
        load_dual_stream(tmp_path / "bad", "cpu")


def test_tampered_weights_are_refused(tmp_path, monkeypatch, write):
    copy = tmp_path / "resources"
    shutil.copytree(PACKAGE, copy / "models" / EMBEDDED_MODEL)
    weights = copy / "models" / EMBEDDED_MODEL / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    monkeypatch.setenv("FORENSIC_STUDIO_RESOURCES", str(copy))
    result = analyze(write("x.png", photo_like(64, 64, seed=4)))
    layer = result.layer("learned")
    assert layer.error and "does not match" in layer.error
    assert result.fusion is not None  # the other layers still decide


def test_crop_box_stays_square_and_inside_the_image():
    assert square_crop_box((0, 0, 100, 120), 150, 150) == (0, 0, 150, 150)
    x, y, w, h = square_crop_box((900, 500, 60, 80), 1000, 600)
    assert w == h == 128 and x + w <= 1000 and y + h <= 600
