"""The UI-stall probe: how long the window's event loop goes without a turn while an analysis runs.

A 5 ms QTimer records the time between its ticks; any gap well above 5 ms is
time the UI thread could not react (the user would see a frozen window). The
file is analysed twice in the same window: the first run also pays for
importing torch and loading the models on the worker thread (imports hold
Python's global lock), the second is the steady state an analyst works in.
Used by ``forensic-studio bench --target ui-stall``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

PROBE_MS = 5


def measure_ui_stall(path: Path, mode: str = "full") -> dict:
    from PySide6.QtCore import QMetaObject, QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    runs: list[dict] = []
    with tempfile.TemporaryDirectory() as folder:
        window = MainWindow(QSettings(str(Path(folder) / "probe.ini"), QSettings.Format.IniFormat))
        window.preferences["mode"] = mode
        window.show()
        state: dict = {"gaps": [], "last": time.perf_counter(), "started": None}

        def tick() -> None:
            now = time.perf_counter()
            if state["started"] is not None:
                state["gaps"].append(now - state["last"])
            state["last"] = now

        def started(_job) -> None:  # direct: runs on the worker thread, only takes times
            state["started"] = state["last"] = time.perf_counter()

        def finished(_job, result) -> None:
            runs.append(_summary(state["gaps"], time.perf_counter() - state["started"], result))
            state["started"], state["gaps"] = None, []
            if len(runs) == 2:
                QMetaObject.invokeMethod(app, "quit", Qt.ConnectionType.QueuedConnection)

        probe = QTimer()
        probe.setInterval(PROBE_MS)
        probe.timeout.connect(tick)
        probe.start()
        window.worker.started.connect(started, Qt.ConnectionType.DirectConnection)
        window.worker.finished.connect(finished, Qt.ConnectionType.DirectConnection)
        window.add_paths([str(path), str(path)])
        app.exec()
        probe.stop()
        window.close()
    return {"file": str(path), "mode": mode, "probe_interval_ms": PROBE_MS, "first_run": runs[0], "second_run": runs[1]}


def _summary(gaps: list[float], seconds: float, result) -> dict:
    ordered = sorted(gaps) or [0.0]
    return {"ticks": len(gaps), "analysis_s": round(seconds, 2),
            "longest_gap_ms": round(1000 * ordered[-1], 1),
            "p99_gap_ms": round(1000 * ordered[int(0.99 * (len(ordered) - 1))], 1),
            "median_gap_ms": round(1000 * ordered[len(ordered) // 2], 1),
            "error": result.error.message if result.error else None}
