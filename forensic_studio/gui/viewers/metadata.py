"""Metadata tables (EXIF, XMP, IPTC, text chunks, C2PA, container and stream tags): filterable and copyable."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QHeaderView, QLineEdit, QTableView, QTabWidget, QVBoxLayout, QWidget

from .base import Viewer


def metadata_tables(result) -> dict[str, dict[str, str]]:
    """The report's metadata groups, plus the media facts the analysis recorded."""
    from ...reports.content import metadata_tables as found_in_layers

    return found_in_layers(result) | {"Media": _flatten(result.media)}


def _flatten(data, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in (data or {}).items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat |= _flatten(value, f"{name}.")
        elif isinstance(value, list) and len(value) > 12:
            flat[name] = f"{len(value)} entries"
        else:
            flat[name] = str(value)
    return flat


class MetadataViewer(Viewer):
    title = "Metadata"
    layers = ("metadata", "camera", "c2pa", "video_container")

    @classmethod
    def applies(cls, result) -> bool:
        return result.error is None

    def __init__(self, result, parent=None):
        super().__init__(result, parent)
        self.filter = QLineEdit()
        self.filter.setObjectName("metadata-filter")
        self.filter.setPlaceholderText("Filter keys and values (Ctrl+F)")
        self.filter.setClearButtonEnabled(True)
        self.tabs = QTabWidget()
        self.proxies = []
        for name, table in metadata_tables(result).items():
            self.tabs.addTab(self._table(table), f"{name} ({len(table)})")
        self.filter.textChanged.connect(self._filter)
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.filter.setFocus)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.tabs, 1)

    def _table(self, rows: dict[str, str]) -> QWidget:
        model = QStandardItemModel(len(rows), 2)
        model.setHorizontalHeaderLabels(["key", "value"])
        for row, (key, value) in enumerate(rows.items()):
            for column, text in enumerate((key, value)):
                item = QStandardItem(text)
                item.setEditable(False)
                item.setToolTip(text[:2000])
                model.setItem(row, column, item)
        proxy = QSortFilterProxyModel(self)
        proxy.setSourceModel(model)
        proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        proxy.setFilterKeyColumn(-1)
        self.proxies.append(proxy)
        view = QTableView()
        view.setModel(proxy)
        view.setSortingEnabled(True)
        view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        view.resizeColumnToContents(0)
        view.verticalHeader().setVisible(False)
        QShortcut(QKeySequence.StandardKey.Copy, view, activated=lambda v=view: copy_selection(v))
        return view

    def _filter(self, text: str) -> None:
        for proxy in self.proxies:
            proxy.setFilterFixedString(text)


def copy_selection(view: QTableView) -> str:
    """The selected rows as tab-separated text, on the clipboard."""
    model = view.model()
    rows = sorted({index.row() for index in view.selectionModel().selectedIndexes()})
    text = "\n".join("\t".join(str(model.index(row, column).data()) for column in range(model.columnCount()))
                     for row in rows)
    QGuiApplication.clipboard().setText(text)
    return text
