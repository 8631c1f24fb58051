"""Temporal continuity: optical-flow residual spikes inside shots, and the noise level either side of each cut.

Between successive looked-at frames (up to 10 a second) the motion is estimated
with DIS optical flow on a 160 px luma thumbnail; the previous frame warped by
it should predict the next one. Inside a shot that prediction error moves
smoothly; a frame dropped, inserted or morphed between two others makes it
jump. A spike is a residual more than ``SPIKE_Z`` robust deviations above the
shot's median. Cuts are not spikes: they are found by the shot segmenter and
the pairs across them are skipped. At every cut the sensor-noise level of the
two shots is compared, because footage from another source usually differs.
"""

from __future__ import annotations

import cv2
import numpy as np

from ...context import AnalysisContext
from ...results import LayerResult
from ..registry import register
from .common import series_timeline, sigmoid

THUMB_WIDTH = 160
MAX_PAIR_GAP_S = 0.35
SPIKE_Z = 8.0
MIN_POINTS_PER_SHOT = 10
NOISE_EVERY_S = 0.5
SOURCE_CHANGE_RATIO = 1.6  # noise level of one shot over the other's, either way
BASE, TOP = 0.5, 0.95  # one-sided: a smooth shot says nothing (0.5), a spike points to an edit


@register
class TemporalFlowDetector:
    name = "video_flow"
    modality = "video"
    version = "1.0"
    modes = frozenset({"full"})
    description = ("DIS optical flow between successive frames (up to 10/s, 160 px luma): motion-compensated "
                   "residual spikes inside shots (dropped, inserted or morphed frames); shot cuts; sensor-noise "
                   "level of the shots either side of each cut (footage from another source).")
    limitations = ("Fast motion, flashes, motion blur and heavy compression also raise the residual; edited "
                   "footage has legitimate cuts. Not available in fast mode (keyframes are too far apart).")

    def watch(self, media, ctx: AnalysisContext):
        self.flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
        self.points: list[tuple[float, float, float]] = []  # (time, residual, plain difference)
        self.noise: list[tuple[float, float]] = []
        previous: dict = {}

        def on_frame(frame) -> None:
            thumb = _thumbnail(frame.luma)
            cut = bool(media.segmenter.cuts) and media.segmenter.cuts[-1]["time"] == round(frame.time, 3)
            if previous and frame.time - previous["time"] <= MAX_PAIR_GAP_S and not cut:
                self.points.append((frame.time, *self._residual(previous["thumb"], thumb)))
            if not self.noise or frame.time - self.noise[-1][0] >= NOISE_EVERY_S:
                self.noise.append((frame.time, noise_level(frame.luma)))
            previous.update(time=frame.time, thumb=thumb)

        return on_frame

    def _residual(self, before: np.ndarray, after: np.ndarray) -> tuple[float, float]:
        flow = self.flow.calc(before, after, None)
        if getattr(self, "_grid", (None,))[0] is None or self._grid[0].shape != before.shape:
            height, width = before.shape
            self._grid = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
        grid_x, grid_y = self._grid
        warped = cv2.remap(before, grid_x + flow[..., 0], grid_y + flow[..., 1], cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)
        inner = (slice(4, -4), slice(4, -4))  # borders hold what entered the frame: no prediction there
        residual = float(np.abs(after[inner].astype(np.float32) - warped[inner]).mean())
        plain = float(np.abs(after[inner].astype(np.float32) - before[inner]).mean())
        return residual, plain

    def analyze(self, media, ctx: AnalysisContext) -> LayerResult:
        shots = media.shots()
        spikes, scored_points, per_point = [], 0, []
        for start, end in shots:
            inside = [p for p in self.points if start <= p[0] < end]
            if len(inside) < MIN_POINTS_PER_SHOT:
                continue
            scored_points += len(inside)
            residuals = np.array([p[1] for p in inside])
            median = float(np.median(residuals))
            spread = 1.4826 * float(np.median(np.abs(residuals - median))) + 0.5  # 0.5 grey levels: codec noise
            for time, residual, plain in inside:
                z = (residual - median) / spread
                per_point.append((time, BASE + (TOP - BASE) * sigmoid((z - SPIKE_Z) / 1.5)))
                if z >= SPIKE_Z:
                    spikes.append({"time": round(time, 3), "z": round(z, 2), "residual": round(residual, 3),
                                   "shot_median": round(median, 3)})
        changes = self._source_changes(media.segmenter.cuts, shots)
        details = {"spikes": spikes, "cuts": media.segmenter.cuts, "source_changes": changes,
                   "pairs_compared": len(self.points), "shots": [list(s) for s in shots],
                   "noise_levels": [[round(t, 3), round(v, 3)] for t, v in self.noise[:2000]]}
        timeline = series_timeline(media.intervals(), per_point, "video:discontinuity")
        if not scored_points:
            return LayerResult(self.name, 0.5, 0.0, f"Too few successive frames to compare ({len(self.points)} "
                               f"pair(s)); {len(media.segmenter.cuts)} cut(s)", self.version, details)
        score = max(p for _, p in per_point)
        confidence = 0.5 * min(1.0, scored_points / 50)
        summary = (f"{len(spikes)} motion-compensated residual spike(s) in {scored_points} frame pairs; "
                   f"{len(media.segmenter.cuts)} cut(s), {len(changes)} with a change of noise level")
        return LayerResult(self.name, score, confidence, summary, self.version, details, timeline=timeline)

    def _source_changes(self, cuts: list[dict], shots: list[tuple[float, float]]) -> list[dict]:
        changes = []
        for cut, before, after in zip(cuts, shots[:-1], shots[1:]):
            a = [v for t, v in self.noise if before[0] <= t < before[1]]
            b = [v for t, v in self.noise if after[0] <= t < after[1]]
            if not a or not b:
                continue
            ratio = (float(np.median(b)) + 0.05) / (float(np.median(a)) + 0.05)
            if max(ratio, 1 / ratio) >= SOURCE_CHANGE_RATIO:
                changes.append({"time": cut["time"], "noise_before": round(float(np.median(a)), 3),
                                "noise_after": round(float(np.median(b)), 3), "ratio": round(ratio, 3)})
        return changes


def _thumbnail(luma: np.ndarray) -> np.ndarray:
    height, width = luma.shape
    step = max(1, width // (THUMB_WIDTH * 2))
    size = (THUMB_WIDTH, max(8, round(height * THUMB_WIDTH / width)))
    return cv2.resize(luma[::step, ::step], size, interpolation=cv2.INTER_AREA)


def noise_level(luma: np.ndarray, side: int = 512) -> float:
    """Median absolute Laplacian of a central crop: the fine-grain (sensor and codec) noise of a frame."""
    height, width = luma.shape
    top, left = max(0, (height - side) // 2), max(0, (width - side) // 2)
    patch = luma[top:top + side, left:left + side].astype(np.float32)
    return float(np.median(np.abs(cv2.Laplacian(patch, cv2.CV_32F, ksize=1)))) / 4.0
