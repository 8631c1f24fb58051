"""Copy-move detection: parts of the image that reappear elsewhere in it.

SIFT keypoints are matched against the image itself with the generalised
2-nearest-neighbour ratio test (Amerini et al. 2011); pairs closer than a few
pixels are discarded; a RANSAC affine fit keeps the pairs that agree on one
geometric transform (translation, rotation or scaling of a cloned region).
"""

from __future__ import annotations

import cv2
import numpy as np

from ...context import AnalysisContext
from ...results import HeatMap, LayerResult
from ..registry import register
from .stats import evidence_score, logistic

WORK_SIDE = 1024
RATIO = 0.6
MIN_OFFSET = 24  # pixels (working resolution); closer pairs are the same structure
MAX_FEATURES = 4000


@register
class CopyMove:
    name = "copy_move"
    modality = "image"
    version = "1.0"
    modes = frozenset({"full"})
    description = ("SIFT self-matching at 1024 px (g2NN ratio 0.6, offset > 24 px), RANSAC affine "
                   "consensus (4 px); score from the number of agreeing clone pairs.")
    limitations = ("Repetitive structures (tiles, windows, fabric) give false matches; smooth or small cloned "
                   "regions have too few keypoints to be found.")

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        gray = np.clip(media.preview_gray, 0, 255).astype(np.uint8)
        scale = media.size[0] / gray.shape[1]
        sources, targets = self_matches(gray)
        ctx.check_cancelled()
        inliers = consensus(sources, targets)
        count = int(inliers.sum())
        score = evidence_score(logistic(count, 10, 2.5) if count else 0.0)
        mask = np.zeros(gray.shape, dtype=np.float32)
        pairs = []
        for (sx, sy), (tx, ty) in zip(sources[inliers], targets[inliers]):
            cv2.circle(mask, (int(sx), int(sy)), 10, 1.0, -1)
            cv2.circle(mask, (int(tx), int(ty)), 10, 1.0, -1)
            pairs.append([round(sx * scale, 1), round(sy * scale, 1), round(tx * scale, 1), round(ty * scale, 1)])
        details = {"candidate_pairs": int(len(sources)), "consistent_pairs": count, "pairs_xyxy": pairs[:300]}
        summary = (f"{count} keypoint pairs agree on one cloning transform" if count
                   else f"No consistent cloned region ({len(sources)} candidate pairs)")
        maps = {"copy_move": HeatMap.from_float(mask, kind="mask", vmin=0, vmax=1, label="cloned regions")}
        return LayerResult(self.name, score, 0.6, summary, self.version, details, maps)


def self_matches(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keypoint pairs (x, y) that look alike but lie apart; arrays of shape (N, 2)."""
    sift = cv2.SIFT_create(nfeatures=MAX_FEATURES)
    keypoints, descriptors = sift.detectAndCompute(gray, None)
    empty = np.zeros((0, 2), dtype=np.float32)
    if descriptors is None or len(keypoints) < 3:
        return empty, empty
    matcher = cv2.BFMatcher(cv2.NORM_L2)
    points = np.array([kp.pt for kp in keypoints], dtype=np.float32)
    seen, sources, targets = set(), [], []
    for neighbours in matcher.knnMatch(descriptors, descriptors, k=3):
        if len(neighbours) < 3:
            continue
        first, second = neighbours[1], neighbours[2]  # neighbours[0] is the keypoint itself
        if second.distance <= 0 or first.distance / second.distance >= RATIO:
            continue
        a, b = first.queryIdx, first.trainIdx
        if (min(a, b), max(a, b)) in seen or np.hypot(*(points[a] - points[b])) < MIN_OFFSET:
            continue
        seen.add((min(a, b), max(a, b)))
        sources.append(points[a])
        targets.append(points[b])
    if not sources:
        return empty, empty
    return np.array(sources), np.array(targets)


def consensus(sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Boolean mask of the pairs that fit one affine transform (RANSAC); pair order normalised first."""
    if len(sources) < 4:
        return np.zeros(len(sources), dtype=bool)
    # A clone matched from either end: orient every pair so the displacement points "rightwards/down".
    flip = (targets[:, 0] < sources[:, 0]) | ((targets[:, 0] == sources[:, 0]) & (targets[:, 1] < sources[:, 1]))
    src = np.where(flip[:, None], targets, sources)
    dst = np.where(flip[:, None], sources, targets)
    _, inliers = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=4.0,
                                             maxIters=2000, confidence=0.995)
    if inliers is None:
        return np.zeros(len(sources), dtype=bool)
    mask = inliers.ravel().astype(bool)
    return mask if mask.sum() >= 4 else np.zeros(len(sources), dtype=bool)
