"""The evidence browser: the files of the session (or of the open case) with their verdicts."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem

from .qt_images import verdict_colour


class EvidenceBrowser(QTreeWidget):
    chosen = Signal(object)  # the key of an entry (a job id, or ("case", evidence id))

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("evidence-browser")
        self.setHeaderLabels(["evidence", "kind", "verdict", "P(fake)"])
        self.setRootIsDecorated(False)
        self.setMinimumWidth(260)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.setAlternatingRowColors(True)
        self.items: dict[object, QTreeWidgetItem] = {}
        self.currentItemChanged.connect(lambda item, _: item and self.chosen.emit(item.data(0, Qt.ItemDataRole.UserRole)))

    def show_result(self, key, result) -> None:
        item = self.items.get(key)
        if item is None:
            item = QTreeWidgetItem(self)
            item.setData(0, Qt.ItemDataRole.UserRole, key)
            self.items[key] = item
        item.setText(0, Path(result.evidence.path).name)
        item.setToolTip(0, f"{result.evidence.path}\nSHA-256 {result.evidence.sha256 or '—'}")
        item.setText(1, result.evidence.modality or "?")
        verdict = result.fusion.verdict if result.fusion else None
        item.setText(2, verdict or (result.error.code if result.error else ""))
        item.setText(3, f"{result.fusion.fake_probability:.2f}" if result.fusion else "")
        item.setForeground(2, verdict_colour(verdict))


    def clear_entries(self) -> None:
        self.clear()
        self.items.clear()

    def select(self, key) -> None:
        item = self.items.get(key)
        if item is not None:
            self.setCurrentItem(item)
