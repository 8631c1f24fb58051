"""Faces across the sampled frames of a video, with track ids that stay the same from frame to frame.

The whole frame is searched (MTCNN at 960 px) every ``FULL_SEARCH_SECONDS``
(every ``FULL_SEARCH_WITH_TRACKS_S`` while faces are being tracked: a newcomer is
found within 4 s); in between, each live track is looked for only in a small
region around its last box, which costs a fifth as much and keeps the ids stable. Detections are
matched to tracks by box overlap; a track not seen for ``TRACK_TIMEOUT_S`` ends.
Every layer that needs faces calls ``faces_in``, which runs the tracker once
per frame however many layers ask.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...learned.faces import Face, crop, shared_detector

FULL_SEARCH_SECONDS = 2.0
FULL_SEARCH_WITH_TRACKS_S = 4.0
DETECTION_SIDE = 960  # faces under ~80 px in a 1080p frame are too small to judge, and cost the most to find
ROI_SIDE = 160  # measured: MTCNN on a 160 px region costs ~6 ms against ~29 ms for a 960 px frame
ROI_SCALE = 1.7  # search region side relative to the track's box side
TRACK_TIMEOUT_S = 1.0
MATCH_IOU = 0.3


@dataclass
class TrackedFace:
    track: int
    face: Face
    crop: np.ndarray  # the square crop with margin, RGB, what the face models score


@dataclass
class _Track:
    id: int
    box: tuple[int, int, int, int]
    last_seen: float


class FaceTracker:
    def __init__(self):
        self.tracks: dict[int, _Track] = {}
        self.next_id = 1
        self.last_full_search = -np.inf

    def update(self, time: float, rgb: np.ndarray) -> list[TrackedFace]:
        self._expire(time)
        faces = self._search(time, rgb)
        matched = self._assign(time, faces)
        return [TrackedFace(track, face, crop(rgb, face.crop_box)) for track, face in matched]

    def _search(self, time: float, rgb: np.ndarray) -> list[Face]:
        detector = shared_detector()
        period = FULL_SEARCH_WITH_TRACKS_S if self.tracks else FULL_SEARCH_SECONDS
        if time - self.last_full_search >= period - 1e-6:
            self.last_full_search = time
            return detector.detect(rgb, DETECTION_SIDE)
        found: list[Face] = []
        for track in self.tracks.values():
            candidates = detector.detect_in(rgb, _region_around(track.box, rgb.shape), ROI_SIDE)
            best = max(candidates, key=lambda f: iou(f.box, track.box), default=None)
            if best is not None and all(iou(best.box, other.box) < 0.5 for other in found):
                found.append(best)
        return found

    def _assign(self, time: float, faces: list[Face]) -> list[tuple[int, Face]]:
        """Greedy matching by overlap, best pairs first; unmatched faces start new tracks."""
        pairs = sorted(((iou(f.box, t.box), i, t.id) for i, f in enumerate(faces) for t in self.tracks.values()),
                       reverse=True)
        taken_faces, taken_tracks, matched = set(), set(), []
        for overlap, index, track_id in pairs:
            if overlap < MATCH_IOU or index in taken_faces or track_id in taken_tracks:
                continue
            taken_faces.add(index)
            taken_tracks.add(track_id)
            matched.append((track_id, faces[index]))
        for index, face in enumerate(faces):
            if index not in taken_faces:
                self.tracks[self.next_id] = _Track(self.next_id, face.box, time)
                matched.append((self.next_id, face))
                self.next_id += 1
        for track_id, face in matched:
            track = self.tracks[track_id]
            track.box, track.last_seen = face.box, time
        return sorted(matched, key=lambda pair: pair[0])

    def _expire(self, time: float) -> None:
        for track_id in [t.id for t in self.tracks.values() if time - t.last_seen > TRACK_TIMEOUT_S]:
            del self.tracks[track_id]


def faces_in(media, frame) -> list[TrackedFace]:
    """The tracked faces of a sampled frame (computed once per frame, whichever layer asks first)."""
    tracker = media.derived("face_tracker", FaceTracker)
    return frame.derived("faces", lambda: tracker.update(frame.time, frame.rgb))


def iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    width = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    height = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = width * height
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def _region_around(box: tuple[int, int, int, int], shape) -> tuple[int, int, int, int]:
    height, width = shape[:2]
    x, y, w, h = box
    side = int(max(w, h) * ROI_SCALE)
    cx, cy = x + w / 2, y + h / 2
    left, top = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
    return left, top, min(side, width - left), min(side, height - top)
