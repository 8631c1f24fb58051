"""Audio (and a video's soundtrack): waveform and spectrogram with suspicious intervals, playback with a cursor."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt, QUrl
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QStyle, QVBoxLayout

import pyqtgraph as pg

from ..background import run_in_background
from .base import Viewer
from .timeline import SUSPICIOUS_BRUSH, TimelinePlot

WAVEFORM_RATE = 4000  # decoded for drawing only; the analysis used 16 kHz
WAVEFORM_POINTS = 6000


class AudioViewer(Viewer):
    title = "Audio"
    layers = ("audio_learned", "audio_spectral", "audio_phase", "audio_splice", "audio_packs")

    @classmethod
    def applies(cls, result) -> bool:
        return result.error is None and any(layer.name.startswith("audio_") for layer in result.layers)

    def __init__(self, result, parent=None):
        super().__init__(result, parent)
        media = result.media
        track = media.get("audio_track", media)
        self.duration = float(track.get("analysed_seconds") or track.get("duration_s") or 0.0)
        self.waveform = pg.PlotWidget()
        self.waveform.setObjectName("waveform-plot")
        self.waveform.setLabel("left", "amplitude")
        self.waveform.setMouseEnabled(x=True, y=False)
        self.spectrogram = pg.PlotWidget()
        self.spectrogram.setObjectName("spectrogram-plot")
        self.spectrogram.setLabel("left", "frequency (Hz)")
        self.spectrogram.setLabel("bottom", "time (s)")
        self.spectrogram.setXLink(self.waveform)
        self.spectrogram_item = self._spectrogram(result)
        self.timeline = TimelinePlot(result, self.duration)
        self.timeline.setXLink(self.waveform)
        self.cursors = []
        for plot in (self.waveform, self.spectrogram):
            for interval in result.intervals:
                plot.addItem(pg.LinearRegionItem(values=(interval.start, interval.end), movable=False,
                                                 brush=pg.mkBrush(*SUSPICIOUS_BRUSH)))
            cursor = pg.InfiniteLine(pos=0, angle=90, pen=pg.mkPen("#3d7bd9", width=2))
            plot.addItem(cursor)
            self.cursors.append(cursor)
            plot.scene().sigMouseClicked.connect(lambda event, p=plot: self._clicked(p, event))
        self.timeline.seek.connect(self.seek)
        self.play_button = QPushButton()
        self.play_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.play_button.setToolTip("Play / pause (Space)")
        self.play_button.clicked.connect(self.toggle_play)
        self.time_label = QLabel("0.00 s")
        self.status = QLabel("decoding the waveform…")
        controls = QHBoxLayout()
        for widget in (self.play_button, self.time_label, self.status):
            controls.addWidget(widget)
        controls.addStretch(1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        for widget in (self.waveform, self.spectrogram, self.timeline):
            splitter.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(splitter, 1)
        self.player = None
        self.position_s = 0.0
        self.curve = None
        path = result.evidence.path
        run_in_background(lambda: _envelope(path, self.duration), self._waveform_ready, self)

    def _spectrogram(self, result):
        layer = result.layer("audio_spectral")
        heat = layer.maps.get("spectrogram") if layer is not None else None
        if heat is None or not heat.extent:
            self.spectrogram.setTitle("no spectrogram in this result")
            return None
        item = pg.ImageItem(heat.values[::-1].astype(np.float32))  # stored top row = highest frequency
        item.setColorMap(pg.colormap.get("inferno"))
        x0, x1, y0, y1 = heat.extent
        item.setRect(QRectF(x0, min(y0, y1), x1 - x0, abs(y1 - y0)))
        self.spectrogram.addItem(item)
        return item

    def _waveform_ready(self, envelope, error) -> None:
        if error is not None:
            self.status.setText(f"cannot draw the waveform: {error}")
            return
        times, low, high = envelope
        pen = pg.mkPen("#3d7bd9")
        upper, self.curve = self.waveform.plot(times, high, pen=pen), self.waveform.plot(times, low, pen=pen)
        self.waveform.addItem(pg.FillBetweenItem(upper, self.curve, brush=pg.mkBrush(61, 123, 217, 120)))
        self.status.setText(f"{self.duration:.1f} s; shaded: suspicious intervals; click to seek")

    def _clicked(self, plot, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.seek(float(plot.getPlotItem().vb.mapSceneToView(event.scenePos()).x()))

    def seek(self, time: float) -> None:
        self.position_s = min(max(0.0, time), self.duration)
        self._show_position(self.position_s)
        if self.player is not None:
            self.player.setPosition(int(self.position_s * 1000))

    def _show_position(self, time: float) -> None:
        for cursor in self.cursors:
            cursor.setValue(time)
        self.timeline.set_cursor(time)
        self.time_label.setText(f"{time:.2f} s")

    def toggle_play(self) -> None:
        if self.player is None and not self._make_player():
            return
        from PySide6.QtMultimedia import QMediaPlayer

        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
            icon = QStyle.StandardPixmap.SP_MediaPlay
        else:
            self.player.setPosition(int(self.position_s * 1000))
            self.player.play()
            icon = QStyle.StandardPixmap.SP_MediaPause
        self.play_button.setIcon(self.style().standardIcon(icon))

    def _make_player(self) -> bool:
        """QtMultimedia is loaded on first play: it probes audio devices, which costs time at start-up."""
        try:
            from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
        except ImportError as exc:
            self.status.setText(f"playback unavailable: {exc}")
            return False
        self.player, self.output = QMediaPlayer(self), QAudioOutput(self)
        self.player.setAudioOutput(self.output)
        self.player.setSource(QUrl.fromLocalFile(self.result.evidence.path))
        self.player.positionChanged.connect(lambda ms: self._show_position(ms / 1000))
        self.player.errorOccurred.connect(lambda _, text: self.status.setText(f"playback: {text}"))
        return True

    def shutdown(self) -> None:
        if self.player is not None:
            self.player.stop()


def _envelope(path: str, duration: float):
    """(times, minima, maxima) of the soundtrack in about WAVEFORM_POINTS buckets."""
    from ...media.audio import decode_mono

    signal = decode_mono(path, rate=WAVEFORM_RATE, max_seconds=duration or None)
    buckets = max(1, len(signal) // WAVEFORM_POINTS)
    usable = len(signal) // buckets * buckets
    blocks = signal[:usable].reshape(-1, buckets) if usable else np.zeros((1, 1), np.float32)
    times = (np.arange(len(blocks)) + 0.5) * buckets / WAVEFORM_RATE
    return times, blocks.min(axis=1), blocks.max(axis=1)
