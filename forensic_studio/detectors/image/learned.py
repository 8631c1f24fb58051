"""The embedded learned detector: each face, and the whole frame around them.

The model was trained on whole 256-px images from face datasets (aligned faces
and people in scenes).  Faces are found with MTCNN and scored as crops with
margin, and the whole frame is scored too; the layer's score is the most
suspicious of them, because one swapped face makes the image manipulated.
Scoring the frame as well matters: on OpenForensics validation the face crops
alone reached AUC 0.918 and the frame 0.965 (the training view).  A face whose
crop would fill the frame is not cropped at all: the frame is its view, at its
own scale.  With no face, the frame is scored for the record but carries no
weight: the model has only seen images of people.
"""

from __future__ import annotations

from ...context import AnalysisContext
from ...learned.faces import MTCNN, ORIGINAL, Face
from ...resources import resource_path
from ...results import LayerResult, Region
from ..registry import register
from .faces_common import FaceCrops, face_crops

EMBEDDED_MODEL = "image-dual-stream-v3"
FACE_CONFIDENCE = 0.9
# A face whose margin crop spans this much of the frame's shorter side is scored by the frame view:
# cutting and resizing it to 256 px would only resample the frame, which blurs the generator's
# noise fingerprint the model learned at native scale.
FRAME_FILLING_CROP = 0.75
# The whole frame is weighed beside the faces only where the picture is face-centric, as the training images
# were (256-px crops where the face fills ~60 %): its largest face crop spans at least this share of the
# shorter side. On a scene the frame score is out of distribution: real camera photos with a person scored
# "one face 0.00, whole frame 0.98" and were called fake.
FACE_CENTRIC_CROP = 0.5
# Without a face the score is shown but not weighed: on scenes this face-trained
# model measured worse than chance (AUC 0.42 on CIFAKE validation) and it called
# camera-like photos synthetic. A scene model is future work.
WHOLE_IMAGE_CONFIDENCE = 0.0


def fills_frame(face: Face, shape: tuple[int, ...], share: float = FRAME_FILLING_CROP) -> bool:
    return face.crop_box[2] >= share * min(shape[:2])


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
    version = "1.5"
    modes = frozenset({"full", "fast"})
    description = ("Embedded dual-stream network (EfficientNet-Lite0 visual stream + SRM/Bayar noise stream, "
                   "learned gate) trained by the project on StyleGAN faces and GAN face swaps; scores each "
                   "MTCNN face crop (1.6x margin) and, where a face spans half the frame or more, the whole frame "
                   "at 256 px, and keeps the highest; where MTCNN "
                   "finds no face, an installed RetinaFace pack is asked, then MTCNN again on contrast-equalised and "
                   "median-filtered copies, and the boxes are cut from the original pixels; a face whose crop would "
                   "fill the frame is scored by the frame itself, at its own scale; with no face the frame is scored "
                   "but not weighed.")
    limitations = ("Trained on 256 px face crops from two generator families: diffusion-model faces, full scenes "
                   "and unseen manipulation methods are out of distribution. Faces under ~40 px are not scored. "
                   "A probability from a classifier, not a proof.")

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        model = embedded_image_model(ctx.device)
        crops = face_crops(media)
        models = [model.info, *crops.detector_packs]
        ctx.check_cancelled()
        if not crops.faces:  # crops.images is the frame
            probabilities, extras = model.predict(crops.images, lambda: ctx.cancelled)
            return self._whole_image_result(probabilities[0], extras.get("visual_share"), models)
        # Each face's view: its own crop, or the frame (view 0) when the crop would only resample it.
        views, view_of_face = [media.rgb], []
        for face, image in zip(crops.faces, crops.images):
            view_of_face.append(0 if fills_frame(face, media.rgb.shape) else len(views))
            if view_of_face[-1]:
                views.append(image)
        probabilities, extras = model.predict(views, lambda: ctx.cancelled)
        ctx.check_cancelled()
        return self._face_result(crops, view_of_face, probabilities, extras.get("visual_share"), models,
                                 media.rgb.shape)

    def _face_result(self, crops: FaceCrops, view_of_face: list[int], probabilities, shares, models,
                     shape: tuple[int, ...]) -> LayerResult:
        regions = []
        for index, (face, view) in enumerate(zip(crops.faces, view_of_face)):
            details = {"detector_confidence": round(face.confidence, 4), "crop_box": list(face.crop_box),
                       "scored_view": "face crop" if view else "whole frame", "found_on": face.found_on,
                       "detector": face.detector,
                       "landmarks": {k: list(v) for k, v in face.landmarks.items()}}
            if shares is not None:
                details["visual_stream_share"] = round(float(shares[view]), 4)
            regions.append(Region(face.box, float(probabilities[view]), label=f"face {index + 1}", details=details))
        frame = float(probabilities[0])
        worst = max(range(len(regions)), key=lambda i: regions[i].score)
        faces = (f"{len(regions)} faces, highest {regions[worst].score:.2f} ({regions[worst].label})"
                 if len(regions) > 1 else f"one face {regions[worst].score:.2f}")
        face_centric = any(fills_frame(face, shape, FACE_CENTRIC_CROP) for face in crops.faces)
        score = max(regions[worst].score, frame) if face_centric else regions[worst].score
        frame_note = "" if face_centric else ", not weighed: the faces are a small part of a scene"
        summary = f"Synthetic probability {score:.2f}: {faces}, whole frame {frame:.2f}{frame_note}"
        first = crops.faces[0]  # every face comes from the same detection pass
        if first.detector != MTCNN:
            summary += f" (MTCNN found no face; the {first.detector} detector found it)"
        elif first.found_on != ORIGINAL:
            summary += f" (no face found on the original image; found on its {first.found_on})"
        details = {"faces": len(regions), "worst_face": regions[worst].label, "whole_frame_probability": round(frame, 6),
                   "whole_frame_weighed": face_centric}
        return LayerResult(self.name, score, FACE_CONFIDENCE, summary, self.version, details,
                           regions=regions, models=models)

    def _whole_image_result(self, probability, shares, models) -> LayerResult:
        details = {"faces": 0}
        if shares is not None:
            details["visual_stream_share"] = round(float(shares[0]), 4)
        summary = (f"No face found; whole-image probability {probability:.2f}, not weighed "
                   "(the model is trained on faces only)")
        return LayerResult(self.name, float(probability), WHOLE_IMAGE_CONFIDENCE, summary, self.version, details,
                           models=models)
