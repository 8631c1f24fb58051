"""The score timeline under a frame scrubber or a waveform: fused intervals, layer curves, suspicious stretches."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal

import pyqtgraph as pg

from ...fusion.profiles import AUTHENTIC_BELOW, FAKE_ABOVE

LAYER_COLOURS = ("#1f77b4", "#9467bd", "#17becf", "#8c564b", "#e377c2", "#bcbd22", "#7f7f7f", "#ff7f0e")
SUSPICIOUS_BRUSH = (198, 40, 40, 55)


class TimelinePlot(pg.PlotWidget):
    """Scores over time in [0, 1]; clicking or dragging the cursor asks to seek."""

    seek = Signal(float)

    def __init__(self, result, duration: float, parent=None):
        super().__init__(parent)
        self.setObjectName("timeline-plot")
        self.setLabel("left", "fake probability")
        self.setLabel("bottom", "time (s)")
        self.setYRange(0, 1, padding=0.05)
        self.setXRange(0, max(duration, 0.1), padding=0.01)
        self.setMouseEnabled(x=True, y=False)
        self.showGrid(x=True, y=True, alpha=0.2)
        self.addLegend(offset=(-5, 5), labelTextSize="8pt", colCount=3)
        for level in (AUTHENTIC_BELOW, FAKE_ABOVE):
            self.addItem(pg.InfiniteLine(pos=level, angle=0, pen=pg.mkPen("#999", style=pg.QtCore.Qt.PenStyle.DashLine)))
        self.regions = []
        for interval in result.intervals:
            region = pg.LinearRegionItem(values=(interval.start, interval.end), movable=False,
                                         brush=pg.mkBrush(*SUSPICIOUS_BRUSH))
            region.setToolTip(f"{interval.start:.1f}–{interval.end:.1f} s, {interval.score:.2f}: {', '.join(interval.labels)}")
            self.addItem(region)
            self.regions.append(region)
        for cut in result.media.get("cuts", []):  # video: where one shot ends and the next begins
            line = pg.InfiniteLine(pos=cut["time"], angle=90, pen=pg.mkPen("#555", width=1, style=pg.QtCore.Qt.PenStyle.DotLine),
                                   label="cut", labelOpts={"position": 0.95, "color": "#555"})
            self.addItem(line)
        self.fused = None
        if result.timeline:
            edges, values = _steps(result.timeline)
            self.fused = self.plot(edges, values, stepMode="center", pen=pg.mkPen("#c62828", width=2.5), name="fused")
        self.curves = {}
        for index, layer in enumerate(layer for layer in result.layers if layer.timeline and layer.error is None):
            edges, values = _steps(layer.timeline)
            pen = pg.mkPen(LAYER_COLOURS[index % len(LAYER_COLOURS)], width=1)
            self.curves[layer.name] = self.plot(edges, values, stepMode="center", pen=pen, name=layer.name)
        self.cursor = pg.InfiniteLine(pos=0, angle=90, movable=True, pen=pg.mkPen("#3d7bd9", width=2))
        self.cursor.sigDragged.connect(lambda line: self.seek.emit(max(0.0, float(line.value()))))
        self.addItem(self.cursor)
        self.scene().sigMouseClicked.connect(self._clicked)

    def add_points(self, name: str, times, scores, colour: str = "#ff7f0e") -> None:
        """Per-frame observations (e.g. each scored face crop) as dots."""
        self.plot(list(times), list(scores), pen=None, symbol="o", symbolSize=5, symbolBrush=colour, name=name)

    def set_cursor(self, time: float) -> None:
        self.cursor.setValue(time)

    def _clicked(self, event) -> None:
        if event.button() != pg.QtCore.Qt.MouseButton.LeftButton:
            return
        point = self.getPlotItem().vb.mapSceneToView(event.scenePos())
        self.seek.emit(max(0.0, float(point.x())))


def _steps(entries) -> tuple[np.ndarray, np.ndarray]:
    """Edges and values for a step plot; gaps between entries drop to NaN so nothing is drawn there."""
    edges, values = [entries[0].start], []
    for entry, following in zip(entries, list(entries[1:]) + [None]):
        edges.append(entry.end)
        values.append(entry.score)
        if following is not None and following.start > entry.end + 1e-6:
            edges.append(following.start)
            values.append(np.nan)
        elif following is not None and following.start < entry.end - 1e-6:  # overlapping windows (audio)
            edges[-1] = following.start
    return np.array(edges, float), np.array(values, float)
