"""Every layer's score, weight and summary, with its full details."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHeaderView, QPlainTextEdit, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout

from .base import Viewer

MAX_DETAIL_CHARS = 200_000


class LayersViewer(Viewer):
    title = "Layers"

    @classmethod
    def applies(cls, result) -> bool:
        return bool(result.layers)

    def __init__(self, result, parent=None):
        super().__init__(result, parent)
        contributions = {c.layer: c for c in result.fusion.contributions} if result.fusion else {}
        self.table = QTableWidget(len(result.layers), 7)
        self.table.setObjectName("layers-table")
        self.table.setHorizontalHeaderLabels(["layer", "score", "confidence", "weight", "log-odds", "seconds", "summary"])
        for row, layer in enumerate(result.layers):
            c = contributions.get(layer.name)
            values = (layer.name, f"{layer.score:.3f}", f"{layer.confidence:.2f}", f"{c.weight:.2f}" if c else "",
                      f"{c.log_odds:+.3f}" if c else "", f"{layer.seconds:.2f}",
                      f"FAILED: {layer.error}" if layer.error else layer.summary)
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(row, column, item)
        self.table.horizontalHeader().setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        self.table.resizeColumnsToContents()
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setFont(QFont("monospace"))
        self.table.currentCellChanged.connect(lambda row, *_: self._show(row))
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        QVBoxLayout(self).addWidget(splitter)
        if result.layers:
            self.table.selectRow(0)

    def _show(self, row: int) -> None:
        if not 0 <= row < len(self.result.layers):
            return
        layer = self.result.layers[row]
        data = layer.to_dict(include_maps=False)
        text = json.dumps(data, indent=2, ensure_ascii=False)
        self.details.setPlainText(text[:MAX_DETAIL_CHARS] + ("\n… (truncated)" if len(text) > MAX_DETAIL_CHARS else ""))
