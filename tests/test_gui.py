"""The desktop window, offscreen (pytest-qt): the worker runs, the viewers fill, cancel, drag and drop, cases."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

pytest.importorskip("PySide6.QtWidgets", reason="PySide6 (or a system library it needs, e.g. libEGL) is missing")
pytest.importorskip("pytestqt")
pytest.importorskip("pyqtgraph")

from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl  # noqa: E402
from PySide6.QtGui import QDropEvent  # noqa: E402

from forensic_studio.synthetic_media import (camera_exif, jpeg_bytes, photo_like, speech_like, wav_bytes,  # noqa: E402
                                             write_video)

ANALYSIS_TIMEOUT_MS = 180_000


@pytest.fixture
def window(qtbot, tmp_path):
    from forensic_studio.gui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings, warm_up=False)  # the warm-up has a test of its own
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def analyse(qtbot, window, paths: list, count: int = 1, timeout: int = ANALYSIS_TIMEOUT_MS) -> list:
    """Queue ``paths`` and wait until ``count`` jobs finished; their results in completion order.

    The listener is connected before the files are queued: a broken file can finish in a millisecond.
    It runs on the worker thread as the signal is emitted, while the window's own slot is queued behind
    it, so the wait also covers the window having taken each result in.
    """
    done: list = []
    window.worker.finished.connect(lambda job_id, result: done.append((job_id, result)))
    window.add_paths([str(p) for p in paths])
    qtbot.waitUntil(lambda: len(done) >= count and all(job_id in window.results for job_id, _ in done), timeout=timeout)
    return [result for _, result in done]


def tabs(window) -> dict[str, object]:
    """Tab title -> the viewer (viewers are built when first shown: this shows each)."""
    titles = [window.viewers.tabText(i) for i in range(window.viewers.count())]
    return {title: window.open_viewer(title) for title in titles}


@pytest.fixture
def camera_photo(tmp_path):
    path = tmp_path / "camera.jpg"
    path.write_bytes(jpeg_bytes(photo_like(480, 640, seed=3), 92, camera_exif(size=(640, 480))))
    return path


def test_the_window_is_titled_and_starts_empty(window):
    assert "Forensic Studio" in window.windowTitle()
    assert window.viewers.tabText(0) == "Start"


def test_an_image_fills_the_image_fusion_and_metadata_viewers(qtbot, window, camera_photo):
    (result,) = analyse(qtbot, window, [camera_photo])
    assert result.error is None
    qtbot.waitUntil(lambda: "Image" in tabs(window), timeout=5000)
    shown = tabs(window)
    assert {"Overview", "Image", "Fusion", "Metadata", "Layers"} <= set(shown)
    image = shown["Image"]
    qtbot.waitUntil(lambda: not image.picture.pixmap().isNull(), timeout=10_000)
    assert image.overlay_choice.count() > 3  # ELA, noise, texture ... maps
    image.overlay_choice.setCurrentIndex(1)
    assert image.overlay.isVisible() or image.side_overlay.isVisible()
    fusion = shown["Fusion"]
    assert fusion.table.rowCount() == len(result.fusion.contributions)
    metadata = shown["Metadata"]
    assert any(metadata.tabs.tabText(i).startswith("EXIF") for i in range(metadata.tabs.count()))
    titles = [metadata.tabs.tabText(i) for i in range(metadata.tabs.count())]
    exif = metadata.proxies[next(i for i, title in enumerate(titles) if title.startswith("EXIF"))]
    everything = exif.rowCount()
    metadata.filter.setText("Make")
    assert 1 <= exif.rowCount() < everything
    assert window.evidence.topLevelItemCount() == 1


def test_audio_fills_the_waveform_spectrogram_and_timeline(qtbot, window, tmp_path):
    path = tmp_path / "voice.wav"
    path.write_bytes(wav_bytes(speech_like(8.0, 22_050, seed=3, noise_db=-55), 22_050))
    (result,) = analyse(qtbot, window, [path])
    assert result.error is None and result.timeline
    qtbot.waitUntil(lambda: "Audio" in tabs(window), timeout=5000)
    audio = tabs(window)["Audio"]
    qtbot.waitUntil(lambda: audio.curve is not None, timeout=20_000)
    assert audio.spectrogram_item is not None and audio.spectrogram_item.image.size > 0
    assert audio.timeline.fused is not None
    audio.seek(3.0)
    assert abs(audio.cursors[0].value() - 3.0) < 1e-6
    audio.toggle_play()  # QtMultimedia offscreen may have no audio device: it must say so, not crash
    audio.toggle_play()
    audio.shutdown()


def test_video_fills_the_frame_scrubber_and_timeline(qtbot, window, tmp_path):
    path = tmp_path / "clip.mp4"
    write_video(path, 5.0, 320, 240, 25, seed=6)
    (result,) = analyse(qtbot, window, [path])
    assert result.error is None, result.error
    qtbot.waitUntil(lambda: "Video" in tabs(window), timeout=5000)
    shown = tabs(window)
    assert "Audio" in shown  # the soundtrack has its own viewer
    video = shown["Video"]
    qtbot.waitUntil(lambda: video.shown_time is not None, timeout=20_000)
    assert video.slider.maximum() >= 4900 and video.timeline.fused is not None
    video.seek(2.0)
    qtbot.waitUntil(lambda: video.shown_time is not None and abs(video.shown_time - 2.0) < 0.05, timeout=20_000)
    video.step(1)
    qtbot.waitUntil(lambda: video.shown_time > 2.0, timeout=20_000)


def test_cancel_stops_a_long_job_within_a_second(qtbot, window, tmp_path):
    path = tmp_path / "long.mp4"
    write_video(path, 300.0, 320, 240, 25, audio_rate=None, options={"preset": "ultrafast"})  # ~4 s to analyse
    window.add_paths([str(path)])
    qtbot.waitUntil(lambda: window.jobs.stage_of(1) == "frames", timeout=60_000)
    done: list = []
    window.worker.finished.connect(lambda job_id, result: done.append((time.perf_counter(), result)))
    asked = time.perf_counter()
    window.jobs.cancel_requested.emit(1)
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    qtbot.waitUntil(lambda: 1 in window.results, timeout=5000)  # the window's queued slot, after the listener
    finished_at, result = done[0]
    assert result.error is not None and result.error.code == "cancelled"
    assert finished_at - asked < 1.0
    assert window.jobs.stage_of(1) == "cancelled"


def test_dropping_a_folder_queues_its_media(qtbot, window, tmp_path):
    folder = tmp_path / "dropped"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.jpg").write_bytes(jpeg_bytes(photo_like(64, 64, seed=1), 90))
    (folder / "sub" / "b.png").write_bytes(jpeg_bytes(photo_like(64, 64, seed=2), 90))  # a JPEG named .png
    (folder / "notes.txt").write_text("not media")
    done: list = []
    window.worker.finished.connect(lambda job_id, result: done.append(result))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.jobs.rowCount() == 2, timeout=10_000)
    names = sorted(window.jobs.item(row, 0).text() for row in range(2))
    assert names == ["a.jpg", "b.png"]
    qtbot.waitUntil(lambda: len(done) == 2, timeout=ANALYSIS_TIMEOUT_MS)


def test_bad_files_are_reported_in_the_job_row_without_dialogs(qtbot, window, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 40)
    (result,) = analyse(qtbot, window, [broken])
    assert result.error is not None
    outcome = window.jobs.item(0, 3).text()
    assert result.error.code in outcome
    assert not [w for w in window.findChildren(object) if type(w).__name__ == "QMessageBox"]


def test_a_case_records_runs_and_bookmarks(qtbot, window, tmp_path, camera_photo, monkeypatch):
    from forensic_studio.cases.store import Case
    from forensic_studio.gui import dialogs

    folder = tmp_path / "case"
    Case.create(folder, "GUI case").close()
    window.open_case(folder)
    qtbot.waitUntil(lambda: window.case_folder == folder, timeout=10_000)
    assert "GUI case" in window.windowTitle()
    recorded = []
    window.worker.recorded.connect(lambda *args: recorded.append(args))
    analyse(qtbot, window, [camera_photo])
    # The listener runs on the worker thread; the window learns the evidence id from its own queued slot.
    qtbot.waitUntil(lambda: bool(recorded) and recorded[0][0] in window.case_ids, timeout=10_000)
    window.show_result(1)
    monkeypatch.setattr(dialogs.BookmarkDialog, "exec", lambda self: dialogs.BookmarkDialog.DialogCode.Accepted)
    monkeypatch.setattr(dialogs.BookmarkDialog, "values", lambda self: ("copy_move", "warning", "cloned patch?"))
    window.bookmark()
    qtbot.waitUntil(lambda: window.inspector.bookmarks.count() == 1, timeout=10_000)
    with Case.open(folder) as case:
        assert len(case.runs()) == 1
        (bookmark,) = case.bookmarks()
    assert (bookmark.layer, bookmark.status, bookmark.note) == ("copy_move", "warning", "cloned patch?")


def test_an_unsigned_report_from_the_session(qtbot, window, tmp_path, camera_photo, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    analyse(qtbot, window, [camera_photo])
    out = tmp_path / "session-report.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "PDF (*.pdf)"))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.export_report()
    qtbot.waitUntil(lambda: out.is_file() and "report written" in window.statusBar().currentMessage(), timeout=60_000)
    assert out.read_bytes().startswith(b"%PDF")


def test_the_dark_theme_rebuilds_the_viewers(qtbot, window, camera_photo):
    analyse(qtbot, window, [camera_photo])
    qtbot.waitUntil(lambda: "Fusion" in tabs(window), timeout=5000)
    window.toggle_theme()
    assert window.theme == "dark" and "Fusion" in tabs(window)
    window.toggle_theme()


def test_the_warm_up_loads_the_models_before_the_first_file(qtbot, tmp_path):
    from forensic_studio.gui.main_window import MainWindow

    win = MainWindow(QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.worker.ready, timeout=120_000) as ready:
        win.show()
    assert "torch" in ready.args[0] and "incomplete" not in ready.args[0]
    assert win.devices == ready.args[0]
    win.close()


def test_the_window_opens_quickly_from_the_command_line(tmp_path):
    """Process start to the window shown, measured from outside the process: under 3 s on this machine."""
    env = dict(os.environ, FORENSIC_STUDIO_STARTUP_PROBE="1", QT_QPA_PLATFORM="offscreen",
               XDG_CONFIG_HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path))
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "forensic_studio"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    shown = time.perf_counter() - started
    process.wait(timeout=60)
    assert "window shown after" in line
    assert shown < 3.0


def test_the_core_never_imports_qt_even_with_the_gui_present():
    code = ("import sys, forensic_studio.pipeline, forensic_studio.cli; "
            "print(any(m.startswith(('PySide6', 'pyqtgraph')) for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
