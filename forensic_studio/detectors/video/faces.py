"""The embedded image model on the tracked faces of a video's sampled frames.

Crops are collected while the frames stream and scored in batches (the
model's batch size: 2 on CPU, 64 on CUDA), so inference overlaps decoding. A
track's score is its mean log-odds over its crops (one odd frame does not
decide); the video's score is its most suspicious track, because one swapped
face makes the video manipulated. Frames without a face are not scored: the
model has only seen images of people (see the image layer ``learned``).
"""

from __future__ import annotations

import numpy as np

from ...context import AnalysisContext
from ...results import LayerResult, Region
from ..image.learned import FACE_CONFIDENCE, embedded_image_model
from ..registry import register
from .common import FAKE_INTERVAL, interval_timeline, logit, main_tracks, sigmoid
from .tracking import faces_in

FULL_CONFIDENCE_CROPS = 6  # a track seen on fewer crops than this lowers the layer's confidence
# How often a track's face is scored: enough crops for a stable track score (CROPS_PER_TRACK over the clip),
# never more often than every sampled frame, never less than once per 2 s interval. The model costs
# ~30-40 ms a crop on two CPU cores, and crops 0.4 s apart are nearly the same evidence twice; a 60 s
# clip gets a crop every 2 s, a 6 s clip every 0.5 s. Tracking still runs on every sampled frame.
CROPS_PER_TRACK = 12
MAX_SCORE_EVERY_S = 2.0


@register
class VideoFaceDetector:
    name = "video_faces"
    modality = "video"
    version = "1.0"
    modes = frozenset({"full", "fast"})
    description = ("Embedded dual-stream image model on every tracked face (about 12 crops per track over the clip, "
                   "between every sampled frame and one per 2 s; MTCNN at 960 px every 2 s, region search in "
                   "between; crops with 1.6x margin at 256 px); track score = mean log-odds of its crops, video "
                   "score = the most suspicious track; per-interval timeline.")
    limitations = ("The model was trained on still face images (StyleGAN faces, GAN face swaps); lip-sync and "
                   "talking-head generators that only change the mouth are often missed by it. Frames without a "
                   "face of at least ~80 px (in 1080p) are not scored.")

    def watch(self, media, ctx: AnalysisContext):
        self.model = embedded_image_model(ctx.device)
        self.pending: list[tuple[float, object]] = []
        self.scored: list[Region] = []
        self.sampled_frames = 0
        last_scored: dict[int, float] = {}
        every = score_interval(media.duration, media.plan.sample_step)

        def on_frame(frame) -> None:
            if not frame.sampled:
                return
            self.sampled_frames += 1
            for face in faces_in(media, frame):
                if frame.time - last_scored.get(face.track, -np.inf) >= every - 1e-6:
                    last_scored[face.track] = frame.time
                    self.pending.append((frame.time, face))
            if len(self.pending) >= self.model.runner.batch_size:
                self._score_pending(ctx)

        return on_frame

    def _score_pending(self, ctx: AnalysisContext) -> None:
        if not self.pending:
            return
        probabilities, extras = self.model.predict([face.crop for _, face in self.pending], lambda: ctx.cancelled)
        ctx.check_cancelled()
        shares = extras.get("visual_share")
        for index, ((time, tracked), probability) in enumerate(zip(self.pending, probabilities)):
            face = tracked.face
            details = {"detector_confidence": round(face.confidence, 4), "crop_box": list(face.crop_box),
                       "landmarks": {k: list(v) for k, v in face.landmarks.items()}}
            if shares is not None:
                details["visual_stream_share"] = round(float(shares[index]), 4)
            self.scored.append(Region(face.box, float(probability), f"face track {tracked.track}", time,
                                      tracked.track, details))
        self.pending = []

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        self._score_pending(ctx)
        models = [self.model.info]
        if not self.scored:
            return LayerResult(self.name, 0.5, 0.0, f"No face found in {self.sampled_frames} sampled frame(s): "
                               "nothing for the face model to score", self.version, {"tracks": {}}, models=models)
        tracks = track_scores(self.scored)
        worst = max(main_tracks({t: item["crops"] for t, item in tracks.items()}), key=lambda t: tracks[t]["score"])
        score = tracks[worst]["score"]
        crops = tracks[worst]["crops"]
        confidence = FACE_CONFIDENCE * min(1.0, crops / FULL_CONFIDENCE_CROPS)
        timeline = interval_timeline(media.intervals(), self.scored, "face:synthetic")
        flagged = sum(1 for entry in timeline if entry.score >= FAKE_INTERVAL)
        summary = (f"Face model: P(synthetic) {score:.2f} for face track {worst} ({crops} crop(s)); "
                   f"{len(tracks)} track(s) in {self.sampled_frames} sampled frames; {flagged} interval(s) flagged")
        details = {"tracks": {str(k): v for k, v in tracks.items()}, "worst_track": worst,
                   "sampled_frames": self.sampled_frames, "scored_crops": len(self.scored)}
        return LayerResult(self.name, score, confidence, summary, self.version, details, timeline=timeline,
                           regions=self.scored, models=models)


def score_interval(duration: float, sample_step: float) -> float:
    """Seconds between two scored crops of one track (depends only on the declared duration and the plan)."""
    if duration <= 0:
        return 1.0
    return float(min(MAX_SCORE_EVERY_S, max(sample_step, duration / CROPS_PER_TRACK)))


def track_scores(regions: list[Region]) -> dict[int, dict]:
    """Per track: mean log-odds as a probability, crop count, time span and score spread."""
    by_track: dict[int, list[Region]] = {}
    for region in regions:
        by_track.setdefault(region.track, []).append(region)
    summary = {}
    for track, items in sorted(by_track.items()):
        logits = np.array([logit(r.score) for r in items])
        summary[track] = {"score": round(sigmoid(float(logits.mean())), 6), "crops": len(items),
                          "start": items[0].time, "end": items[-1].time,
                          "highest": round(max(r.score for r in items), 6)}
    return summary
