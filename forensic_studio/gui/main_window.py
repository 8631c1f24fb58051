"""The main window: evidence browser, central result viewers, inspector and job docks, menus, drag and drop.

The window only arranges and shows. Analyses, case reads and writes, and
reports run on the worker thread or in background threads; what they produce
comes back through signals.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QApplication, QDockWidget, QFileDialog, QLabel, QListWidget, QMainWindow,
                               QMessageBox, QPushButton, QTabWidget, QVBoxLayout, QWidget)

from .background import run_in_background
from .dialogs import BookmarkDialog, NewCaseDialog, SettingsDialog, ask_passphrase
from .evidence import EvidenceBrowser
from .jobs import JobPanel
from .theme import apply_theme
from .viewers import viewers_for
from .worker import start_worker

APP_TITLE = "Forensic Studio"
DEFAULT_PREFERENCES = {"mode": "full", "device": "auto", "video_sampling": "auto", "frames_per_interval": 5.0}


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, warm_up: bool = True):
        super().__init__()
        self.settings = settings or QSettings()
        self.preferences = {k: self.settings.value(f"analysis/{k}", v, type=type(v))
                            for k, v in DEFAULT_PREFERENCES.items()}
        self.theme = self.settings.value("view/theme", "light")
        self.case_folder: Path | None = None
        self.case_info: dict = {}
        self.results: dict[object, object] = {}  # evidence-browser key -> AnalysisResult
        self.case_ids: dict[object, int] = {}  # key -> evidence id in the open case
        self.session_bookmarks: list = []
        self.devices: str | None = None
        self.current_key = None
        self.worker, self.worker_thread = start_worker(self)
        self._build()
        self._connect_worker()
        self._update_title()
        self.setAcceptDrops(True)
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        if warm_up:
            self.worker.warm_up(self.preferences["device"])  # queued first: runs before any file

    # -- building ------------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.resize(1400, 900)
        self.viewers = QTabWidget()
        self.viewers.setObjectName("result-viewers")
        self.viewers.setDocumentMode(True)
        self.placeholder = QLabel("Drop images, audio or video (files or folders) anywhere on this window,\n"
                                  "or use File → Add files (Ctrl+O).")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.viewers.addTab(self.placeholder, "Start")
        self.pending_viewers: dict = {}  # empty tab widget -> the viewer class it stands for
        self.viewers.currentChanged.connect(lambda _: self._build_current_viewer())
        self.setCentralWidget(self.viewers)
        self.evidence = EvidenceBrowser()
        self.evidence.chosen.connect(self.show_result)
        self.jobs = JobPanel()
        # Direct: the worker's own thread is busy analysing, a queued call would wait for the job to end.
        self.jobs.cancel_requested.connect(self.worker.cancel, Qt.ConnectionType.DirectConnection)
        self.jobs.result_chosen.connect(self.show_result)
        self.inspector = _Inspector()
        self.inspector.bookmark_button.clicked.connect(self.bookmark)
        docks = [self._dock("Evidence", self.evidence, Qt.DockWidgetArea.LeftDockWidgetArea),
                 self._dock("Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea),
                 self._dock("Jobs", self.jobs, Qt.DockWidgetArea.BottomDockWidgetArea)]
        self.resizeDocks(docks[:2], [330, 280], Qt.Orientation.Horizontal)
        self.resizeDocks(docks[2:], [170], Qt.Orientation.Vertical)
        self._menus()
        self.statusBar().showMessage("Ready")

    def _dock(self, title: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower()}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "Add &files…", QKeySequence.StandardKey.Open, self.add_files_dialog)
        self._action(file_menu, "Add f&older…", "Ctrl+Shift+O", self.add_folder_dialog)
        file_menu.addSeparator()
        self._action(file_menu, "&New case…", QKeySequence.StandardKey.New, self.new_case)
        self._action(file_menu, "Open &case…", "Ctrl+Alt+O", self.open_case_dialog)
        self.recent_menu = file_menu.addMenu("&Recent cases")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addSeparator()
        self._action(file_menu, "&Export report…", "Ctrl+E", self.export_report)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", QKeySequence.StandardKey.Quit, self.close)
        analysis = bar.addMenu("&Analysis")
        self._action(analysis, "&Bookmark finding…", "Ctrl+B", self.bookmark)
        self._action(analysis, "&Cancel all jobs", "Ctrl+.", lambda: self.worker.cancel_all())
        self._action(analysis, "&Settings…", "Ctrl+,", self.open_settings)
        view = bar.addMenu("&View")
        self._action(view, "Toggle &dark theme", "Ctrl+T", self.toggle_theme)
        for index in range(1, 8):
            self._action(view, f"Viewer tab {index}", f"Ctrl+{index}",
                         lambda _=False, i=index: self.viewers.setCurrentIndex(i - 1) if i <= self.viewers.count() else None)
        for dock in self.findChildren(QDockWidget):
            view.addAction(dock.toggleViewAction())
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&About", "F1", self.about)

    def _action(self, menu, text: str, shortcut, slot) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)
        return action

    def _connect_worker(self) -> None:
        w = self.worker
        w.queued.connect(self.jobs.add_job)
        w.started.connect(self.jobs.set_started)
        w.progress.connect(self.jobs.set_progress)
        w.finished.connect(self._job_finished)
        w.recorded.connect(self._recorded)
        w.case_loaded.connect(self._case_loaded)
        w.bookmarked.connect(self._bookmarked)
        w.expanded.connect(self._expanded)
        w.message.connect(self._message)
        w.ready.connect(self._devices_detected)
        # Only bound methods of widgets above: PySide would run a lambda on the worker's thread.

    def _expanded(self, path: str, count: int) -> None:
        name = Path(path).name
        self.statusBar().showMessage(f"{name}: {count} media file(s) queued" if count else f"{name}: no media files")

    def _message(self, text: str) -> None:
        self.statusBar().showMessage(text, 10000)

    # -- adding files ----------------------------------------------------------------------------------------
    def analysis_settings(self):
        from ..context import Settings

        return Settings(mode=self.preferences["mode"], device=self.preferences["device"],
                        video_sampling=self.preferences["video_sampling"],
                        frames_per_interval=float(self.preferences["frames_per_interval"]))

    def add_paths(self, paths: list[str]) -> None:
        if paths:
            self.worker.submit(paths, self.analysis_settings(), self.case_folder)

    def add_files_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Add evidence files")
        self.add_paths(files)

    def add_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of evidence")
        self.add_paths([folder] if folder else [])

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        self.add_paths(paths)
        event.acceptProposedAction()

    # -- results ---------------------------------------------------------------------------------------------
    def _job_finished(self, job_id: int, result) -> None:
        self.jobs.set_finished(job_id, result)
        self.results[job_id] = result
        self.evidence.show_result(job_id, result)
        if self.current_key is None or not self.viewers.count() or self.viewers.widget(0) is self.placeholder:
            self.evidence.select(job_id)

    def _recorded(self, job_id: int, folder: str, evidence_id: int) -> None:
        if self.case_folder is not None and Path(folder) == self.case_folder:
            self.case_ids[job_id] = evidence_id

    def show_result(self, key) -> None:
        """Tabs for every viewer that applies; each is built when first looked at (pyqtgraph plots cost
        tens of milliseconds each, and the UI thread must stay responsive while analyses run)."""
        result = self.results.get(key)
        if result is None:
            return
        self.current_key = key
        previous = self.viewers.currentIndex()
        self.viewers.blockSignals(True)
        for index in reversed(range(self.viewers.count())):
            widget = self.viewers.widget(index)
            self.viewers.removeTab(index)
            if widget is not self.placeholder:
                getattr(widget, "shutdown", lambda: None)()
                widget.deleteLater()
        self.pending_viewers = {}
        for viewer in viewers_for(result):
            slot = QWidget()
            self.pending_viewers[slot] = viewer
            self.viewers.addTab(slot, viewer.title)
        self.viewers.blockSignals(False)
        self.viewers.setCurrentIndex(min(max(previous, 0), self.viewers.count() - 1))
        self._build_current_viewer()
        self.inspector.show_result(result, self._bookmarks_of(key))

    def _build_current_viewer(self) -> None:
        index = self.viewers.currentIndex()
        slot = self.viewers.widget(index)
        viewer = self.pending_viewers.pop(slot, None) if index >= 0 else None
        if viewer is None:
            return
        self.viewers.blockSignals(True)
        self.viewers.removeTab(index)
        self.viewers.insertTab(index, viewer(self.current_result()), viewer.title)
        self.viewers.setCurrentIndex(index)
        self.viewers.blockSignals(False)
        slot.deleteLater()

    def open_viewer(self, title: str):
        """Bring a viewer tab forward (building it if needed) and return it; None when the result has none."""
        for index in range(self.viewers.count()):
            if self.viewers.tabText(index) == title:
                self.viewers.setCurrentIndex(index)
                self._build_current_viewer()
                return self.viewers.widget(index)
        return None

    def current_result(self):
        return self.results.get(self.current_key)

    # -- cases -----------------------------------------------------------------------------------------------
    def new_case(self) -> None:
        dialog = NewCaseDialog(self)
        if dialog.exec() != NewCaseDialog.DialogCode.Accepted:
            return
        values = dialog.values()
        if not values["folder"]:
            return

        def create():
            from ..cases.store import Case

            with Case.create(values["folder"], values["title"], values["reference"], values["examiner"]):
                return values["folder"]

        run_in_background(create, lambda folder, error: self._report_error("New case", error) if error
                          else self.open_case(Path(folder)), self)

    def open_case_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a case folder")
        if folder:
            self.open_case(Path(folder))

    def open_case(self, folder: Path) -> None:
        self.statusBar().showMessage(f"opening case {folder}…")
        self.worker.load_case(folder)

    def _case_loaded(self, folder: str, info: dict, entries: list) -> None:
        self.case_folder, self.case_info = Path(folder), info
        self.evidence.clear_entries()
        self.results = {k: v for k, v in self.results.items() if not isinstance(k, tuple)}
        self.case_ids.clear()
        for evidence_id, name, result in entries:
            key = ("case", evidence_id)
            self.case_ids[key] = evidence_id
            if result is not None:
                self.results[key] = result
                self.evidence.show_result(key, result)
        self._update_title()
        self.statusBar().showMessage(f"case {info.get('title', '')}: {len(entries)} evidence item(s)", 10000)

    def _fill_recent(self) -> None:
        from ..cases.recent import recent_cases

        self.recent_menu.clear()
        folders = recent_cases()
        for folder in folders:
            self.recent_menu.addAction(str(folder), lambda f=folder: self.open_case(f))
        if not folders:
            self.recent_menu.addAction("(none)").setEnabled(False)

    def _update_title(self) -> None:
        case = self.case_info.get("title") if self.case_folder else None
        self.setWindowTitle(f"{APP_TITLE} — {case}" if case else APP_TITLE)

    # -- bookmarks and reports ---------------------------------------------------------------------------
    def bookmark(self) -> None:
        result = self.current_result()
        if result is None or result.error is not None:
            self.statusBar().showMessage("Select an analysed file to bookmark a finding", 5000)
            return
        viewer = self.viewers.currentWidget()
        layers = [layer.name for layer in result.layers]
        current = next((name for name in getattr(viewer, "layers", ()) if name in layers), None)
        dialog = BookmarkDialog(layers, current, self)
        if dialog.exec() != BookmarkDialog.DialogCode.Accepted:
            return
        layer, status, note = dialog.values()
        evidence_id = self.case_ids.get(self.current_key)
        if self.case_folder is not None and evidence_id is not None:
            self.worker.add_bookmark(self.case_folder, evidence_id, layer, status, note)
        else:
            from ..cases.audit import utc_now
            from ..cases.store import current_actor

            self.session_bookmarks.append((self.current_key, layer, status, note, utc_now(), current_actor()))
            self.inspector.show_result(result, self._bookmarks_of(self.current_key))

    def _bookmarked(self, folder: str, evidence_id: int, bookmark) -> None:
        self.session_bookmarks.append((("case", evidence_id), bookmark.layer, bookmark.status, bookmark.note,
                                       bookmark.created_at, bookmark.created_by))
        if self.current_key is not None and self.case_ids.get(self.current_key) == evidence_id:
            self.inspector.show_result(self.current_result(), self._bookmarks_of(self.current_key))
        self.statusBar().showMessage("bookmark recorded in the case (audit log)", 5000)

    def _bookmarks_of(self, key) -> list:
        evidence_id = self.case_ids.get(key)
        return [b for b in self.session_bookmarks if b[0] == key or (evidence_id is not None and b[0] == ("case", evidence_id))]

    def export_report(self) -> None:
        from ..reports.identity import IdentityStore

        if not self.results:
            self.statusBar().showMessage("Nothing to report yet: analyse some evidence first", 5000)
            return
        out, _ = QFileDialog.getSaveFileName(self, "Export the report", "report.pdf", "PDF (*.pdf)")
        if not out:
            return
        sign = IdentityStore().exists()
        passphrase = ask_passphrase(self) if sign else None
        if sign and passphrase is None:
            return
        if not sign and QMessageBox.question(self, "Unsigned report", "No signing identity exists (Settings → "
                                             "Analyst identity). Export an unsigned report?") != QMessageBox.StandardButton.Yes:
            return
        self.statusBar().showMessage(f"writing {out}…")
        sources = [(k, r) for k, r in self.results.items() if not isinstance(k, tuple)]
        bookmarks = list(self.session_bookmarks)
        case_folder = self.case_folder
        run_in_background(lambda: write_report(Path(out), passphrase, case_folder, sources, bookmarks),
                          lambda signer, error: self._report_error("Report", error) if error else
                          self.statusBar().showMessage(f"report written to {out}" + (f", signed by {signer}" if signer else
                                                                                   " (unsigned)"), 15000), self)

    # -- settings, theme -------------------------------------------------------------------------------------
    def open_settings(self) -> None:
        dialog = SettingsDialog(self.preferences, self.devices, self)
        if dialog.exec() == SettingsDialog.DialogCode.Accepted:
            self.preferences = dialog.preferences()
            for key, value in self.preferences.items():
                self.settings.setValue(f"analysis/{key}", value)

    def _devices_detected(self, text: str) -> None:
        self.devices = text
        self.statusBar().showMessage(f"Ready — {self.devices}", 8000)

    def toggle_theme(self) -> None:
        self.theme = "dark" if self.theme == "light" else "light"
        self.settings.setValue("view/theme", self.theme)
        apply_theme(QApplication.instance(), self.theme)
        if self.current_key is not None:
            self.show_result(self.current_key)  # plots take their colours when built

    def about(self) -> None:
        from .. import __version__

        QMessageBox.about(self, APP_TITLE, f"<b>{APP_TITLE} {__version__}</b><br>Offline forensic workstation for "
                          "synthetic and manipulated images, audio and video.<br>Every number comes with the method "
                          "behind it; see the Layers and Fusion tabs.")

    def _report_error(self, what: str, error: BaseException) -> None:
        self.statusBar().showMessage(f"{what} failed: {error}", 20000)

    def closeEvent(self, event) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        for index in range(self.viewers.count()):
            getattr(self.viewers.widget(index), "shutdown", lambda: None)()
        self.worker.stop()  # every job and the warm-up poll the stop flag: the thread ends within a second
        self.worker_thread.quit()
        self.worker_thread.wait(10_000)
        super().closeEvent(event)


def write_report(out: Path, passphrase: bytes | None, case_folder: Path | None, results: list, bookmarks: list):
    """Runs in a background thread: gather (re-hashing the evidence), render, sign. Returns who signed."""
    from ..cases.store import Case, current_actor
    from ..reports.content import ReportBookmark, from_case, from_results
    from ..reports.issue import issue_report

    if case_folder is not None:
        with Case.open(case_folder) as case:
            report = from_case(case, current_actor())
    else:
        report = from_results([result for _, result in results], current_actor())
        numbers = {key: number for number, (key, _) in enumerate(results, start=1)}
        report.bookmarks = [ReportBookmark(numbers[key], layer, status, note, at, by)
                            for key, layer, status, note, at, by in bookmarks if key in numbers]
    return issue_report(report, out, sign=passphrase is not None, passphrase=passphrase)


class _Inspector(QWidget):
    """The selected result at a glance, and its bookmarks."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("inspector")
        self.summary = QLabel("No evidence selected")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bookmarks = QListWidget()
        self.bookmark_button = QPushButton("Bookmark finding… (Ctrl+B)")
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(QLabel("<b>Bookmarks</b>"))
        layout.addWidget(self.bookmarks, 1)
        layout.addWidget(self.bookmark_button)

    def show_result(self, result, bookmarks: list) -> None:
        from .qt_images import VERDICT_COLOURS

        if result.fusion is None:
            self.summary.setText(f"<b>{Path(result.evidence.path).name}</b><br>not analysed: "
                                 f"{result.error.message if result.error else ''}")
        else:
            top = sorted(result.fusion.contributions, key=lambda c: -abs(c.log_odds))[:4]
            moves = "".join(f"<br>{c.layer}: {c.log_odds:+.2f}" for c in top if abs(c.log_odds) > 0.01)
            colour = VERDICT_COLOURS.get(result.fusion.verdict)
            self.summary.setText(f"<b>{Path(result.evidence.path).name}</b><br><span style='color:{colour}'>"
                                 f"<b>{result.fusion.verdict}</b> {result.fusion.fake_probability:.2f}</span>"
                                 f"<br>profile {result.fusion.profile}{moves}")
        self.bookmarks.clear()
        labels = {"ok": "Ok", "to_check": "To check", "warning": "Warning"}
        for _, layer, status, note, at, by in bookmarks:
            self.bookmarks.addItem(f"[{labels.get(status, status)}] {layer}: {note}  — {by}, {at[:16]}")
