"""Dialogs: settings (analysis, device, model packs, analyst identity), bookmarks, new case, passphrase.

Anything slow or touching files behind them (device detection, pack import,
identity creation) runs with ``run_in_background``; the dialogs only collect
choices and show outcomes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QTableWidget,
                               QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from .background import run_in_background

BOOKMARK_STATUSES = (("ok", "Ok"), ("to_check", "To check"), ("warning", "Warning"))


def detect_devices() -> str:
    """What compute the analysis can use (imports torch: call it off the UI thread)."""
    try:
        import torch
    except Exception as exc:  # torch broken: the deterministic layers still run
        return f"torch unavailable ({exc}): learned layers cannot run"
    if torch.cuda.is_available():
        names = ", ".join(torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count()))
        return f"CUDA: {names} (torch {torch.__version__})"
    return f"no CUDA device; CPU with {torch.get_num_threads()} threads (torch {torch.__version__})"


class SettingsDialog(QDialog):
    """Analysis mode and device, video sampling, model packs, and the analyst's signing identity."""

    def __init__(self, preferences: dict, devices: str | None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Settings — Forensic Studio")
        self.setMinimumWidth(640)
        tabs = QTabWidget()
        tabs.addTab(self._analysis_tab(preferences, devices), "Analysis")
        tabs.addTab(PacksTab(), "Model packs")
        tabs.addTab(IdentityTab(), "Analyst identity")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(buttons)

    def _analysis_tab(self, preferences: dict, devices: str | None) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.mode = _combo(("full", "fast"), preferences.get("mode", "full"))
        self.device = _combo(("auto", "cpu", "cuda"), preferences.get("device", "auto"))
        self.sampling = _combo(("auto", "interval", "keyframes", "all"), preferences.get("video_sampling", "auto"))
        self.frames = QDoubleSpinBox()
        self.frames.setRange(0.1, 60.0)
        self.frames.setValue(float(preferences.get("frames_per_interval", 5.0)))
        self.devices = QLabel(devices or "detecting…")
        self.devices.setWordWrap(True)
        if devices is None:
            run_in_background(detect_devices, lambda text, error: self.devices.setText(text or str(error)), self)
        form.addRow("Mode", self.mode)
        form.addRow("Device", self.device)
        form.addRow("Detected", self.devices)
        form.addRow("Video sampling", self.sampling)
        form.addRow("Frames per 2 s interval", self.frames)
        return page

    def preferences(self) -> dict:
        return {"mode": self.mode.currentText(), "device": self.device.currentText(),
                "video_sampling": self.sampling.currentText(), "frames_per_interval": self.frames.value()}


class PacksTab(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["id", "kind", "modality", "weight", "title"])
        self.table.verticalHeader().setVisible(False)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        importing, removing = QPushButton("Import folder…"), QPushButton("Remove")
        importing.clicked.connect(self._import)
        removing.clicked.connect(self._remove)
        buttons = QHBoxLayout()
        buttons.addWidget(importing)
        buttons.addWidget(removing)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self._refresh()

    def _refresh(self) -> None:
        from ..packs.store import ModelStore

        store = ModelStore()
        packs = store.packs()
        self.table.setRowCount(len(packs))
        for row, pack in enumerate(packs):
            values = (pack.id, pack.kind, pack.modality, f"{pack.ensemble_weight:g}", pack.manifest.get("title", ""))
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        if not self.status.text():
            self.status.setText(f"{len(packs)} pack(s) in {store.root}")

    def _import(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a model pack from a folder")
        if not folder:
            return
        self.status.setText(f"importing {folder}…")

        def work():
            from ..packs.importers import import_pack
            from ..packs.store import ModelStore

            return import_pack(Path(folder), ModelStore())

        run_in_background(work, self._imported, self)

    def _imported(self, packs, error) -> None:
        self.status.setText(f"import failed: {error}" if error else f"imported {', '.join(p.id for p in packs)}")
        self._refresh()

    def _remove(self) -> None:
        from ..packs.store import ModelStore

        row = self.table.currentRow()
        if row >= 0:
            pack_id = self.table.item(row, 0).text()
            ModelStore().remove(pack_id)
            self.status.setText(f"removed {pack_id}")
            self._refresh()


class IdentityTab(QWidget):
    """Who signs reports: a local lab CA and analyst certificate, or an imported PKCS#12."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.name, self.email, self.organisation = QLineEdit(), QLineEdit(), QLineEdit()
        self.passphrase, self.again = QLineEdit(), QLineEdit()
        for field in (self.passphrase, self.again):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        create, importing = QPushButton("Create lab identity"), QPushButton("Import PKCS#12…")
        create.clicked.connect(self._create)
        importing.clicked.connect(self._import)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("E-mail", self.email)
        form.addRow("Organisation", self.organisation)
        form.addRow("Passphrase", self.passphrase)
        form.addRow("Again", self.again)
        buttons = QHBoxLayout()
        buttons.addWidget(create)
        buttons.addWidget(importing)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self._refresh()

    def _refresh(self, note: str = "") -> None:
        from ..reports.identity import IdentityError, IdentityStore

        try:
            s = IdentityStore().summary()
            text = (f"<b>{s.name}</b> ({s.source}); certificate {s.subject}, issued by {s.issuer}, valid "
                    f"{s.not_before[:10]} to {s.not_after[:10]}; SHA-256 {s.sha256_fingerprint[:23]}…")
        except IdentityError as exc:
            text = f"No signing identity yet ({exc}). Reports can be exported unsigned, or create one below."
        self.summary.setText(text + (f"<br><i>{note}</i>" if note else ""))

    def _create(self) -> None:
        if not self.name.text().strip():
            self._refresh("a name is needed")
            return
        if len(self.passphrase.text()) < 8 or self.passphrase.text() != self.again.text():
            self._refresh("the passphrase must be at least 8 characters and typed twice the same")
            return
        name, email, organisation = self.name.text().strip(), self.email.text().strip(), self.organisation.text().strip()
        passphrase = self.passphrase.text().encode()

        def work():
            from ..reports.identity import IdentityStore

            return IdentityStore().create(name, passphrase, email, organisation)

        run_in_background(work, lambda _, error: self._refresh(f"not created: {error}" if error else "created"), self)

    def _import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a PKCS#12 identity", "", "PKCS#12 (*.p12 *.pfx)")
        if not path:
            return
        passphrase = self.passphrase.text().encode()

        def work():
            from ..reports.identity import IdentityStore

            return IdentityStore().import_pkcs12(Path(path), passphrase)

        run_in_background(work, lambda _, error: self._refresh(f"not imported: {error}" if error else "imported"), self)


class BookmarkDialog(QDialog):
    """A finding for the report: the layer it rests on, a status and a note."""

    def __init__(self, layers: list[str], current: str | None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Bookmark a finding")
        self.layer = _combo(layers, current or (layers[0] if layers else ""))
        self.status = QComboBox()
        for key, label in BOOKMARK_STATUSES:
            self.status.addItem(label, key)
        self.status.setCurrentIndex(1)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("What you saw, and why it matters")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Layer", self.layer)
        form.addRow("Status", self.status)
        form.addRow("Note", self.note)
        form.addRow(buttons)

    def values(self) -> tuple[str, str, str]:
        return self.layer.currentText(), self.status.currentData(), self.note.toPlainText().strip()


class NewCaseDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("New case")
        self.folder, self.title, self.reference, self.examiner = QLineEdit(), QLineEdit(), QLineEdit(), QLineEdit()
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder)
        row.addWidget(browse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Folder (empty or new)", row)
        form.addRow("Title", self.title)
        form.addRow("Reference", self.reference)
        form.addRow("Examiner", self.examiner)
        form.addRow(buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the new case")
        if folder:
            self.folder.setText(folder)

    def values(self) -> dict:
        return {"folder": self.folder.text().strip(), "title": self.title.text().strip() or "Untitled case",
                "reference": self.reference.text().strip(), "examiner": self.examiner.text().strip()}


def ask_passphrase(parent, title: str = "Unlock the signing key") -> bytes | None:
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    form = QFormLayout(dialog)
    form.addRow("Passphrase", field)
    form.addRow(buttons)
    return field.text().encode() if dialog.exec() == QDialog.DialogCode.Accepted else None


def _combo(options, current: str) -> QComboBox:
    combo = QComboBox()
    combo.addItems(list(options))
    if current in options:
        combo.setCurrentText(current)
    return combo
