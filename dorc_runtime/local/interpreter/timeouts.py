"""Run a handler with a deadline, cheaply.

A handler that never returns must end its Task with States.Timeout. Handing every call to a
helper thread costs ~30 µs (two thread switches), most of the per-state budget, so on the main
thread the deadline is a SIGALRM timer whose handler raises :class:`HandlerTimeout` inside the
handler (it interrupts sleeps, lock waits and socket reads too). Off the main thread (Map and
Parallel workers) or when the process already uses the real-time timer, the call runs on a
helper thread that is abandoned if it overruns: Python cannot kill a thread.
"""

from __future__ import annotations

import _signal
import signal
import threading
from collections.abc import Callable
from queue import SimpleQueue
from typing import Any, TypeVar

from .errors import HandlerTimeout

T = TypeVar("T")

_MAIN = threading.main_thread()
_HAS_ALARM = hasattr(signal, "setitimer")


class _Alarm:
    armed = False
    in_use = False
    installed = False


def _on_alarm(signum: int, frame: Any) -> None:
    if _Alarm.armed:
        _Alarm.armed = False
        raise HandlerTimeout()


def _alarm_available() -> bool:
    """Installed once and left in place (it does nothing unless a handler call is armed), because
    swapping signal handlers per call costs more than the rest of a state. Never replaces a
    SIGALRM handler someone else installed."""
    if _Alarm.installed:
        # _signal: the same call without the enum conversion that signal.getsignal adds
        return _signal.getsignal(signal.SIGALRM) is _on_alarm
    if signal.getsignal(signal.SIGALRM) not in (signal.SIG_DFL, None):
        return False
    signal.signal(signal.SIGALRM, _on_alarm)
    _Alarm.installed = True
    return True


def call_with_timeout(fn: Callable[[], T], seconds: float | None) -> T:
    """``fn()``, or :class:`HandlerTimeout` once ``seconds`` have passed (``None``: no limit)."""
    if seconds is None:
        return fn()
    if (_HAS_ALARM and not _Alarm.in_use and threading.current_thread() is _MAIN and _alarm_available()
            and not signal.getitimer(signal.ITIMER_REAL)[0]):
        return _with_alarm(fn, seconds)
    return _with_helper_thread(fn, seconds)


def _with_alarm(fn: Callable[[], T], seconds: float) -> T:
    _Alarm.in_use = _Alarm.armed = True
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        result = fn()
        _Alarm.armed = False
        return result
    finally:
        _Alarm.armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        _Alarm.in_use = False


class _Helper:
    """A daemon thread that runs calls for one caller thread, reused until a call overruns."""

    def __init__(self) -> None:
        self.queue: SimpleQueue[tuple[Callable[[], Any], list[Any], threading.Lock]] = SimpleQueue()
        threading.Thread(target=self._loop, name="dorc-handler", daemon=True).start()

    def _loop(self) -> None:
        while True:
            fn, box, done = self.queue.get()
            try:
                box.append((True, fn()))
            except BaseException as exc:  # handed back to the caller, which re-raises it
                box.append((False, exc))
            done.release()


_local = threading.local()


def _with_helper_thread(fn: Callable[[], T], seconds: float) -> T:
    helper = getattr(_local, "helper", None) or _Helper()
    _local.helper = helper
    box: list[tuple[bool, Any]] = []
    done = threading.Lock()
    done.acquire()
    helper.queue.put((fn, box, done))
    if not done.acquire(timeout=seconds):
        _local.helper = None  # still busy with the overrunning call: never reuse it
        raise HandlerTimeout()
    ok, value = box[0]
    if ok:
        return value
    raise value
