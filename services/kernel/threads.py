"""One background thread that repeats a step until it is told to stop, and keeps going when a
step fails: how the outbox relay and the consumer runner work off the event loop."""

from __future__ import annotations

import threading
from collections.abc import Callable

RETRY_BACKOFF_S = 1.0  # after a failed step (the broker may be down for long)


class LoopThread:
    """Runs `step` over and over in a daemon thread named `name`. A step that raises is
    reported to `on_failure` and tried again after `RETRY_BACKOFF_S`; it never kills the
    thread. `stopping` is set by `stop()`: a step waits on it to sleep until stopped."""

    def __init__(
        self,
        what: str,
        name: str,
        step: Callable[[], object],
        on_failure: Callable[[Exception], None],
    ) -> None:
        self.what = what  # how errors name the owner: "relay pledges"
        self.name = name
        self.stopping = threading.Event()
        self._step = step
        self._on_failure = on_failure
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError(f"{self.what} already started")
        self.stopping.clear()
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float) -> None:
        """Tell the loop to stop and join it (for at most `timeout_s`)."""
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _loop(self) -> None:
        while not self.stopping.is_set():
            try:
                self._step()
            except Exception as exc:
                self._on_failure(exc)
                self.stopping.wait(RETRY_BACKOFF_S)
