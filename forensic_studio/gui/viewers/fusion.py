"""Fusion breakdown: how far each layer moved the verdict (log-odds), and why."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QLabel, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout

from .base import Viewer

TOWARDS_FAKE, TOWARDS_AUTHENTIC = "#c62828", "#2e7d32"


class FusionViewer(Viewer):
    title = "Fusion"

    @classmethod
    def applies(cls, result) -> bool:
        return result.fusion is not None

    def __init__(self, result, parent=None):
        import pyqtgraph as pg

        super().__init__(result, parent)
        fusion = result.fusion
        ranked = sorted(fusion.contributions, key=lambda c: abs(c.log_odds))
        self.layers = tuple(c.layer for c in ranked if abs(c.log_odds) > 0)
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("fusion-chart")
        self.plot.setLabel("bottom", "contribution to the verdict (log-odds; right = towards fake)")
        values = np.array([c.log_odds for c in ranked])
        brushes = [pg.mkBrush(TOWARDS_FAKE if v > 0 else TOWARDS_AUTHENTIC) for v in values]
        self.bars = pg.BarGraphItem(x0=np.minimum(values, 0), width=np.abs(values), y=np.arange(len(values)),
                                    height=0.6, brushes=brushes)
        self.plot.addItem(self.bars)
        self.plot.addItem(pg.InfiniteLine(pos=0, angle=90, pen=pg.mkPen("#888", width=1)))
        self.plot.getAxis("left").setTicks([[(i, c.layer) for i, c in enumerate(ranked)]])
        self.plot.setMouseEnabled(x=False, y=False)
        self.table = _contribution_table(fusion, result)
        explanation = QLabel(f"<b>{fusion.verdict}</b>, fake probability {fusion.fake_probability:.3f} "
                             f"(prior {fusion.prior_log_odds:+.2f} log-odds; inconclusive between "
                             f"{fusion.thresholds['authentic_below']:.2f} and {fusion.thresholds['fake_above']:.2f}). "
                             f"{fusion.explanation}")
        explanation.setWordWrap(True)
        explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.plot)
        splitter.addWidget(self.table)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addWidget(splitter, 1)


def _contribution_table(fusion, result) -> QTableWidget:
    summaries = {layer.name: layer.summary for layer in result.layers}
    rows = sorted(fusion.contributions, key=lambda c: -abs(c.log_odds))
    table = QTableWidget(len(rows), 6)
    table.setObjectName("fusion-table")
    table.setHorizontalHeaderLabels(["layer", "score", "confidence", "weight", "log-odds", "what it found"])
    for row, c in enumerate(rows):
        for column, value in enumerate((c.layer, f"{c.score:.3f}", f"{c.confidence:.2f}", f"{c.weight:.2f}",
                                        f"{c.log_odds:+.3f}", summaries.get(c.layer, ""))):
            item = QTableWidgetItem(value)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            table.setItem(row, column, item)
    table.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
    table.resizeColumnsToContents()
    table.verticalHeader().setVisible(False)
    return table
