"""The job panel: one row per queued file with its stage, progress, outcome and a cancel button.

Errors are written into the row (red, with the full message as a tooltip), never
in a dialog: a folder of 500 broken files must not open 500 message boxes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QProgressBar, QTableWidget, QTableWidgetItem, QToolButton

FILE, STAGE, PROGRESS, OUTCOME, CANCEL = range(5)


class JobPanel(QTableWidget):
    cancel_requested = Signal(int)
    result_chosen = Signal(int)

    def __init__(self, parent=None):
        super().__init__(0, 5, parent)
        self.setObjectName("job-panel")
        self.setHorizontalHeaderLabels(["file", "stage", "progress", "outcome", ""])
        self.horizontalHeader().setSectionResizeMode(FILE, QHeaderView.ResizeMode.Stretch)
        self.horizontalHeader().setSectionResizeMode(OUTCOME, QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.rows: dict[int, int] = {}
        self.cellDoubleClicked.connect(self._double_clicked)

    def add_job(self, job_id: int, path: str) -> None:
        row = self.rowCount()
        self.insertRow(row)
        self.rows[job_id] = row
        name = QTableWidgetItem(Path(path).name)
        name.setToolTip(path)
        name.setData(Qt.ItemDataRole.UserRole, job_id)
        self.setItem(row, FILE, name)
        self.setItem(row, STAGE, QTableWidgetItem("queued"))
        bar = QProgressBar()
        bar.setRange(0, 1000)
        bar.setTextVisible(False)
        self.setCellWidget(row, PROGRESS, bar)
        self.setItem(row, OUTCOME, QTableWidgetItem(""))
        cancel = QToolButton()
        cancel.setText("✕")
        cancel.setToolTip("Cancel this job")
        cancel.clicked.connect(lambda: self.cancel_requested.emit(job_id))
        self.setCellWidget(row, CANCEL, cancel)

    def set_progress(self, job_id: int, stage: str, fraction: float) -> None:
        row = self.rows.get(job_id)
        if row is None:
            return
        self.item(row, STAGE).setText(stage)
        self.cellWidget(row, PROGRESS).setValue(int(fraction * 1000))

    def set_started(self, job_id: int) -> None:
        self.set_progress(job_id, "starting", 0.0)

    def set_finished(self, job_id: int, result) -> None:
        row = self.rows.get(job_id)
        if row is None:
            return
        outcome = self.item(row, OUTCOME)
        if result.error is not None:
            outcome.setText(f"{result.error.code}: {result.error.message}")
            outcome.setToolTip(result.error.message)
            outcome.setForeground(QColor("#c62828"))
            self.item(row, STAGE).setText("cancelled" if result.error.code == "cancelled" else "failed")
        else:
            outcome.setText(f"{result.fusion.verdict} ({result.fusion.fake_probability:.2f})")
            self.item(row, STAGE).setText("done")
            self.cellWidget(row, PROGRESS).setValue(1000)
        self.cellWidget(row, CANCEL).setEnabled(False)

    def stage_of(self, job_id: int) -> str:
        row = self.rows.get(job_id)
        return self.item(row, STAGE).text() if row is not None else ""

    def _double_clicked(self, row: int, _column: int) -> None:
        self.result_chosen.emit(self.item(row, FILE).data(Qt.ItemDataRole.UserRole))
