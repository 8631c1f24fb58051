"""Run work off the UI thread and deliver its result on it.

``run_in_background`` is for one-off jobs (loading an image, decoding a
waveform, writing a report). ``LatestOnly`` serves a stream of requests where
only the newest matters (the frame scrubber while the slider moves).
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)


class _Delivery(QObject):
    """Carries a result from a worker thread to this object's thread.

    The signal is connected to a bound slot on purpose: PySide runs a lambda or plain function
    connected to a signal in the *emitting* thread, where touching widgets is not allowed.
    """

    done = Signal(object, object, object)  # request, result, error

    def __init__(self, callback: Callable[[Any, Any, BaseException | None], None], parent: QObject):
        super().__init__(parent)
        self._callback = callback
        self.done.connect(self._deliver)

    @Slot(object, object, object)
    def _deliver(self, request, result, error) -> None:
        self._callback(request, result, error)


def run_in_background(work: Callable[[], Any], on_done: Callable[[Any, BaseException | None], None],
                      parent: QObject) -> None:
    """Call ``work()`` in a daemon thread; ``on_done(result, error)`` runs later on ``parent``'s thread."""

    def deliver(_, result, error) -> None:
        delivery.deleteLater()
        on_done(result, error)

    delivery = _Delivery(deliver, parent)

    def target() -> None:
        try:
            delivery.done.emit(None, work(), None)
        except BaseException as exc:  # handed to the UI, which shows it
            log.debug("background work failed", exc_info=True)
            delivery.done.emit(None, None, exc)

    threading.Thread(target=target, name="gui-background", daemon=True).start()


class LatestOnly(QObject):
    """One thread that always works on the most recent request; older unserved ones are dropped."""

    def __init__(self, work: Callable[[Any], Any], on_done: Callable[[Any, Any, BaseException | None], None],
                 parent: QObject | None = None, name: str = "gui-latest"):
        super().__init__(parent)
        self._work = work
        self._delivery = _Delivery(on_done, self)
        self._pending: list = []
        self._wake = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def request(self, value: Any) -> None:
        with self._wake:
            self._pending[:] = [value]
            self._wake.notify()

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()

    def _loop(self) -> None:
        while True:
            with self._wake:
                while not self._pending and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                value = self._pending.pop()
            try:
                result, error = self._work(value), None
            except BaseException as exc:
                result, error = None, exc
            try:
                self._delivery.done.emit(value, result, error)
            except RuntimeError:  # the receiving widget is gone
                return
