"""The analysis core's one thread: a queue of jobs run by ``AnalysisWorker`` on a ``QThread``.

The worker calls exactly what the CLI calls (``pipeline.analyze_file``, the case
store) and relays progress, each finished layer (partial results) and the
result through signals, which Qt delivers to the window on the UI thread. The
UI thread never hashes, decodes or runs a model: expanding dropped folders,
intake, case bookkeeping and the analysis itself all happen here. Cancel sets
the job's flag, which the detectors poll.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

log = logging.getLogger(__name__)


@dataclass
class Job:
    id: int
    path: Path
    settings: object
    case_folder: Path | None = None
    actor: str | None = None
    cancel: threading.Event = field(default_factory=threading.Event)


class AnalysisWorker(QObject):
    queued = Signal(int, str)  # job id, path
    started = Signal(int)
    progress = Signal(int, str, float)  # job id, stage, fraction
    layer_done = Signal(int, object)  # job id, LayerResult (partial results while the job runs)
    finished = Signal(int, object)  # job id, AnalysisResult (with .error set when it failed or was cancelled)
    recorded = Signal(int, str, int)  # job id, case folder, evidence id: the run is in the case
    expanded = Signal(str, int)  # a dropped path and how many media files it held
    case_loaded = Signal(str, object, object)  # case folder, case info, [(evidence id, name, AnalysisResult | None)]
    bookmarked = Signal(str, int, object)  # case folder, evidence id, Bookmark
    message = Signal(str)  # something for the status bar
    ready = Signal(str)  # warmed up: torch and the embedded models are loaded; what compute was found

    def __init__(self):
        super().__init__()
        self._requests: queue.Queue = queue.Queue()
        self._ids = itertools.count(1)
        self._jobs: dict[int, Job] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()  # the window is closing: the warm-up and every job stop

    # -- called from the UI thread (directly: this object's thread is busy running jobs) ----------------------
    def submit(self, paths: list[str], settings, case_folder: Path | None = None, actor: str | None = None) -> None:
        """Queue files or folders (expanded on the worker thread)."""
        self._requests.put(("expand", [str(p) for p in paths], settings, case_folder, actor))

    def warm_up(self, device: str) -> None:
        """Import torch and load the embedded models now, before the first file arrives.

        Imports hold Python's global lock for long stretches: done while the analyst looks at an
        empty window, they do not freeze it in the middle of an analysis later.
        """
        self._requests.put(("warm_up", device))

    def load_case(self, folder: Path) -> None:
        """Read a case's evidence and latest runs (results with their maps) on the worker thread."""
        self._requests.put(("load_case", Path(folder)))

    def add_bookmark(self, folder: Path, evidence_id: int, layer: str, status: str, note: str) -> None:
        self._requests.put(("bookmark", Path(folder), evidence_id, layer, status, note))

    def cancel(self, job_id: int) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is not None:
            job.cancel.set()

    def cancel_all(self) -> None:
        with self._lock:
            for job in self._jobs.values():
                job.cancel.set()

    def stop(self) -> None:
        self._stopping.set()
        self.cancel_all()
        self._requests.put(None)

    # -- the worker thread -----------------------------------------------------------------------------------
    @Slot()
    def run(self) -> None:
        while (request := self._requests.get()) is not None and not self._stopping.is_set():
            kind, *payload = request
            handler = {"expand": self._expand, "analyse": self._analyse, "load_case": self._load_case,
                       "bookmark": self._bookmark, "warm_up": self._warm_up}[kind]
            try:
                handler(*payload)
            except Exception as exc:  # a bug or a broken case must not kill the thread: report and carry on
                log.exception("worker request failed")
                self.message.emit(f"internal error: {type(exc).__name__}: {exc}")

    def _expand(self, raw_paths: list[str], settings, case_folder: Path | None, actor: str | None) -> None:
        from ..media.intake import expand_inputs

        for raw in raw_paths:
            files = expand_inputs([raw]) if Path(raw).is_dir() else [Path(raw)]
            self.expanded.emit(raw, len(files))
            for path in files:
                job = Job(next(self._ids), path, settings, case_folder, actor)
                with self._lock:
                    self._jobs[job.id] = job
                self.queued.emit(job.id, str(path))
                self._requests.put(("analyse", job))

    def _analyse(self, job: Job) -> None:
        from ..context import AnalysisContext, resolve_device
        from ..errors import AnalysisCancelled
        from ..pipeline import analyze_file
        from ..results import AnalysisResult, ErrorInfo, EvidenceInfo

        if job.cancel.is_set():
            result = AnalysisResult(EvidenceInfo(str(job.path)), error=ErrorInfo("cancelled", "cancelled before it started"))
            self._finish(job, result)
            return
        self.started.emit(job.id)
        try:
            device = resolve_device(job.settings.device)
        except ValueError as exc:
            self.message.emit(f"{exc}; using the CPU")
            device = "cpu"
        ctx = AnalysisContext(settings=job.settings, device=device, cancel_event=job.cancel,
                              progress=lambda stage, fraction: self.progress.emit(job.id, stage, fraction))
        ctx.partial = _PartialResults(lambda layer: self.layer_done.emit(job.id, layer))
        try:
            result = analyze_file(job.path, ctx)
        except AnalysisCancelled:
            result = AnalysisResult(EvidenceInfo(str(job.path)), error=ErrorInfo("cancelled", "analysis cancelled"))
        if job.case_folder is not None and result.error is None:
            self._record_in_case(job, result)
        self._finish(job, result)

    def _warm_up(self, requested: str) -> None:
        """Analyse a tiny generated image, recording and clip: every lazy import, model load and JIT
        compilation (librosa's numba kernels) happens now rather than during the analyst's first file."""
        import tempfile

        from ..context import AnalysisContext, Settings, resolve_device
        from ..pipeline import analyze_file
        from ..synthetic_media import jpeg_bytes, photo_like, speech_like, wav_bytes, write_video
        from .dialogs import detect_devices

        devices = detect_devices()
        try:
            ctx = AnalysisContext(settings=Settings(device=requested), device=resolve_device(requested),
                                  cancel_event=self._stopping)
            with tempfile.TemporaryDirectory(prefix="forensic-studio-warm-up-") as folder:
                samples = [Path(folder) / name for name in ("warm.jpg", "warm.wav", "warm.mp4")]
                samples[0].write_bytes(jpeg_bytes(photo_like(128, 128, seed=1), 90))
                samples[1].write_bytes(wav_bytes(speech_like(4.0, 16_000, seed=1), 16_000))
                write_video(samples[2], 1.0, 160, 120, 10, seed=1)
                for sample in samples:
                    if not self._stopping.is_set():
                        analyze_file(sample, ctx)
        except Exception as exc:  # the analysis reports what is broken; warming up is only a head start
            log.debug("warm-up incomplete", exc_info=True)
            devices += f" (warm-up incomplete: {exc})"
        self.ready.emit(devices)

    def _load_case(self, folder: Path) -> None:
        from ..cases.recent import remember_case
        from ..cases.store import Case

        with Case.open(folder) as case:
            entries = []
            for item in case.evidence():
                run = case.latest_run(item.id)
                entries.append((item.id, item.name, run.result() if run else None))
            info = case.info
        remember_case(folder)
        self.case_loaded.emit(str(folder), info, entries)

    def _bookmark(self, folder: Path, evidence_id: int, layer: str, status: str, note: str) -> None:
        from ..cases.store import Case

        with Case.open(folder) as case:
            bookmark = case.add_bookmark(evidence_id, layer, status, note)
        self.bookmarked.emit(str(folder), evidence_id, bookmark)

    def _record_in_case(self, job: Job, result) -> None:
        """Add the file to the open case (hashed again by the store) and record the run with its audit entry."""
        from ..cases.store import Case, CaseError

        try:
            with Case.open(job.case_folder) as case:
                known = {item.sha256: item for item in case.evidence()}
                item = known.get(result.evidence.sha256) or case.add_evidence(job.path, actor=job.actor)
                case.record_run(item.id, result, actor=job.actor)
            self.recorded.emit(job.id, str(job.case_folder), item.id)
        except (CaseError, OSError) as exc:
            self.message.emit(f"{job.path.name}: not recorded in the case: {exc}")

    def _finish(self, job: Job, result) -> None:
        with self._lock:
            self._jobs.pop(job.id, None)
        self.finished.emit(job.id, result)


class _PartialResults(list):
    """``ctx.partial`` that also tells the window about each layer as it finishes."""

    def __init__(self, notify):
        super().__init__()
        self._notify = notify

    def append(self, layer) -> None:
        super().append(layer)
        self._notify(layer)


def start_worker(parent: QObject) -> tuple[AnalysisWorker, QThread]:
    thread = QThread(parent)
    thread.setObjectName("analysis-worker")
    worker = AnalysisWorker()
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    thread.start()
    return worker, thread
