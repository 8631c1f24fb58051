"""Start the desktop window: ``forensic-studio`` (no arguments) or ``forensic-studio PATH...``."""

from __future__ import annotations

import os
import sys
import time

STARTED = time.perf_counter()


def run(paths: list[str] | None = None) -> int:
    from PySide6.QtCore import QCoreApplication, QTimer
    from PySide6.QtWidgets import QApplication

    from .. import __version__

    QCoreApplication.setOrganizationName("Forensic Studio")
    QCoreApplication.setApplicationName("Forensic Studio")
    QCoreApplication.setApplicationVersion(__version__)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from .main_window import MainWindow
    from .theme import apply_theme

    window = MainWindow()
    apply_theme(app, window.theme)
    window.show()
    if paths:
        QTimer.singleShot(0, lambda: window.add_paths(list(paths)))
    if os.environ.get("FORENSIC_STUDIO_STARTUP_PROBE"):  # tests and the benchmark: report, then quit
        QTimer.singleShot(0, lambda: (print(f"window shown after {time.perf_counter() - STARTED:.3f} s",
                                            flush=True), window.close(), app.quit()))
    return app.exec()
