"""The embedded learned detector: faces first, the whole image as a fallback.

Faces are found with MTCNN and scored as crops with margin (the distribution the
model was trained on); the image verdict is the most suspicious face, because a
single swapped face makes the image manipulated. With no face, the whole image
is scored for the record but carries no weight: the model has only seen face crops.
"""

from __future__ import annotations

from ...context import AnalysisContext
from ...resources import resource_path
from ...results import LayerResult, Region
from ..registry import register
from .faces_common import FaceCrops, face_crops

EMBEDDED_MODEL = "image-dual-stream-v1"
FACE_CONFIDENCE = 0.9
# Without a face the score is shown but not weighed: on scenes this face-trained
# model measured worse than chance (AUC 0.42 on CIFAKE validation) and it called
# camera-like photos synthetic. A scene model is future work.
WHOLE_IMAGE_CONFIDENCE = 0.0


def embedded_image_model(device: str):
    from ...learned.image_models import cached, load_dual_stream

    folder = resource_path("models", EMBEDDED_MODEL)
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(f"the embedded image model is missing from {folder}; reinstall Forensic Studio")
    return cached((str(folder), device), lambda: load_dual_stream(folder, device))


@register
class LearnedImageDetector:
    name = "learned"
    modality = "image"
    version = "1.0"
    modes = frozenset({"full", "fast"})
    description = ("Embedded dual-stream network (EfficientNet-Lite0 visual stream + SRM/Bayar noise stream, "
                   "learned gate) trained by the project on StyleGAN faces and GAN face swaps; scores each "
                   "MTCNN face crop (1.6x margin, 256 px), or the whole image when no face is found.")
    limitations = ("Trained on 256 px face crops from two generator families: diffusion-model faces, full scenes "
                   "and unseen manipulation methods are out of distribution. Faces under ~40 px are not scored. "
                   "A probability from a classifier, not a proof.")

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        model = embedded_image_model(ctx.device)
        crops = face_crops(media)
        ctx.check_cancelled()
        probabilities, extras = model.predict(crops.images, lambda: ctx.cancelled)
        ctx.check_cancelled()
        shares = extras.get("visual_share")
        if crops.faces:
            return self._face_result(crops, probabilities, shares, model)
        return self._whole_image_result(probabilities[0], shares, model)

    def _face_result(self, crops: FaceCrops, probabilities, shares, model) -> LayerResult:
        regions = []
        for index, (face, p) in enumerate(zip(crops.faces, probabilities)):
            details = {"detector_confidence": round(face.confidence, 4), "crop_box": list(face.crop_box),
                       "landmarks": {k: list(v) for k, v in face.landmarks.items()}}
            if shares is not None:
                details["visual_stream_share"] = round(float(shares[index]), 4)
            regions.append(Region(face.box, float(p), label=f"face {index + 1}", details=details))
        worst = max(range(len(regions)), key=lambda i: regions[i].score)
        score = regions[worst].score
        summary = (f"{len(regions)} face(s); highest synthetic probability {score:.2f} ({regions[worst].label})"
                   if len(regions) > 1 else f"One face; synthetic probability {score:.2f}")
        details = {"faces": len(regions), "worst_face": regions[worst].label}
        return LayerResult(self.name, score, FACE_CONFIDENCE, summary, self.version, details,
                           regions=regions, models=[model.info])

    def _whole_image_result(self, probability, shares, model) -> LayerResult:
        details = {"faces": 0}
        if shares is not None:
            details["visual_stream_share"] = round(float(shares[0]), 4)
        summary = (f"No face found; whole-image probability {probability:.2f}, not weighed "
                   "(the model is trained on faces only)")
        return LayerResult(self.name, float(probability), WHOLE_IMAGE_CONFIDENCE, summary, self.version, details,
                           models=[model.info])
