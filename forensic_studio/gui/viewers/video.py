"""Video: a frame scrubber (slider, play, step) over the per-interval score timeline, face boxes on the frame."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QGraphicsPixmapItem, QGraphicsScene, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QPushButton, QSlider, QSplitter, QStyle, QVBoxLayout, QWidget)

from ..background import LatestOnly
from ..qt_images import rgb_image
from .base import Viewer
from .image import ZoomView, draw_regions
from .timeline import TimelinePlot

PLAY_FPS = 12
DISPLAY_MAX_SIDE = 1280
BOX_WINDOW_S = 0.25  # face boxes within this of the shown frame are drawn on it


class VideoViewer(Viewer):
    title = "Video"
    layers = ("video_faces", "lip_sync", "face_tracks", "video_flow")

    @classmethod
    def applies(cls, result) -> bool:
        return result.error is None and result.evidence.modality == "video"

    def __init__(self, result, parent=None):
        super().__init__(result, parent)
        media = result.media
        self.duration = float(media.get("analysed_seconds") or media.get("duration_s") or 0.0)
        self.width = int(media.get("width") or 1)
        self.regions = sorted((r for layer in result.layers if layer.error is None for r in layer.regions
                               if r.time is not None and r.box[2] > 0), key=lambda r: r.time)
        self.scene = QGraphicsScene(self)
        self.frame_item = QGraphicsPixmapItem()
        self.scene.addItem(self.frame_item)
        self.view = ZoomView(self.scene)
        self.view.setObjectName("frame-view")
        self.box_items: list = []
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("frame-slider")
        self.slider.setRange(0, max(1, int(self.duration * 1000)))
        self.time_label = QLabel("0.00 s")
        self.play_button = QPushButton()
        self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.play_button.setToolTip("Play / pause (Space)")
        step_back, step_forward = QPushButton("◀"), QPushButton("▶")
        step_back.setToolTip("Previous frame (Left)")
        step_forward.setToolTip("Next frame (Right)")
        controls = QHBoxLayout()
        for widget in (self.play_button, step_back, step_forward, self.slider, self.time_label):
            controls.addWidget(widget)
        controls.setStretch(3, 1)
        self.timeline = TimelinePlot(result, self.duration)
        faces = result.layer("video_faces")
        if faces is not None and faces.regions:
            self.timeline.add_points("face crops", [r.time for r in faces.regions], [r.score for r in faces.regions])
        self.intervals = QListWidget()
        self.intervals.setObjectName("interval-list")
        for interval in result.intervals:
            item = QListWidgetItem(f"{interval.start:6.1f}–{interval.end:.1f} s  {interval.score:.2f}  "
                                   f"{', '.join(interval.labels)}")
            item.setData(Qt.ItemDataRole.UserRole, interval.start)
            self.intervals.addItem(item)
        if not result.intervals:
            self.intervals.addItem("no suspicious interval")
        self.status = QLabel("decoding the first frame…")
        top = QWidget()
        column = QVBoxLayout(top)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.view, 1)
        column.addLayout(controls)
        column.addWidget(self.status)
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.timeline)
        bottom.addWidget(self.intervals)
        bottom.setStretchFactor(0, 4)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([560, 320])
        QVBoxLayout(self).addWidget(splitter)
        self.frame_interval = 1.0 / float(media.get("frame_rate") or 25.0)
        self.frames = LatestOnly(_FrameSource(Path(result.evidence.path)), self._frame_ready, self, "gui-frames")
        self.player = QTimer(self)
        self.player.setInterval(int(1000 / PLAY_FPS))
        self.player.timeout.connect(lambda: self.seek(self.position() + 1.0 / PLAY_FPS, from_player=True))
        self.slider.valueChanged.connect(lambda value: self._slider_moved(value / 1000))
        self.timeline.seek.connect(self.seek)
        self.play_button.clicked.connect(self.toggle_play)
        step_back.clicked.connect(lambda: self.step(-1))
        step_forward.clicked.connect(lambda: self.step(1))
        self.intervals.itemClicked.connect(self._interval_clicked)
        self.shown_time: float | None = None
        self.frames.request(0.0)

    def position(self) -> float:
        return self.slider.value() / 1000

    def seek(self, time: float, from_player: bool = False) -> None:
        time = min(max(0.0, time), self.duration)
        if from_player and time >= self.duration:
            self.toggle_play()
        self.slider.setValue(int(time * 1000))

    def step(self, frames: int) -> None:
        self.seek(self.position() + frames * self.frame_interval)

    def toggle_play(self) -> None:
        playing = not self.player.isActive()
        self.player.start() if playing else self.player.stop()
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))

    def _slider_moved(self, time: float) -> None:
        self.time_label.setText(f"{time:.2f} s")
        self.timeline.set_cursor(time)
        self.frames.request(time)

    def _interval_clicked(self, item: QListWidgetItem) -> None:
        start = item.data(Qt.ItemDataRole.UserRole)
        if start is not None:
            self.seek(float(start))

    def _frame_ready(self, requested, frame, error) -> None:
        if error is not None:
            self.status.setText(f"cannot show the frame at {requested:.2f} s: {error}")
            return
        time, rgb = frame
        first = self.frame_item.pixmap().isNull()
        self.frame_item.setPixmap(QPixmap.fromImage(rgb_image(rgb)))
        self.scene.setSceneRect(QRectF(self.frame_item.pixmap().rect()))
        self.shown_time = time
        for item in self.box_items:
            self.scene.removeItem(item)
        near = [r for r in self.regions if abs(r.time - time) <= BOX_WINDOW_S]
        self.box_items = draw_regions(self.scene, near, rgb.shape[1] / self.width)
        self.status.setText(f"frame at {time:.3f} s; {len(near)} face box(es) from frames within {BOX_WINDOW_S} s")
        if first:
            self.view.fit()

    def shutdown(self) -> None:
        self.player.stop()
        self.frames.close()


class _FrameSource:
    """Decodes display frames on the scrubber's own thread (one reader, kept open between requests)."""

    def __init__(self, path: Path):
        self.path, self.reader = path, None

    def __call__(self, time: float):
        from ...media.video import FrameReader

        if self.reader is None:
            self.reader = FrameReader(self.path, DISPLAY_MAX_SIDE)
        return self.reader.frame_at(time)
