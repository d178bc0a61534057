"""Saved files under the workspace: watchdog's native observer (inotify, FSEvents, ...) with a
polling fallback where native events are unavailable (network drives, some containers) or asked
for. The watch loop (``tui.py``) asks ``Saves.ready()`` between keys; nothing here draws."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import TracebackType

DEBOUNCE_S = 0.3  # editors often write a file in several steps; check once they are done
POLL_S = 0.5  # the polling observer's period


class Saves:
    """The ``*.py`` files saved directly under ``root`` (not in ``.katas/``), each reported once
    it has been quiet for ``DEBOUNCE_S``. Use as a context manager: the observer runs inside.

    ``clock`` is injectable so the debounce can be tested without sleeping.
    """

    def __init__(self, root: Path, *, poll: bool = False, clock=time.monotonic) -> None:
        self.root = Path(root)
        self.poll = poll
        self.clock = clock
        self._pending: dict[Path, float] = {}
        self._lock = threading.Lock()
        self._observer = None

    def note(self, path: str | Path) -> None:
        """An event for ``path`` (from the observer's thread)."""
        path = Path(path)
        if path.suffix == ".py" and ".katas" not in path.parts:
            with self._lock:
                self._pending[path] = self.clock()

    def ready(self) -> list[Path]:
        """The files whose last event is at least ``DEBOUNCE_S`` old, each once, in save order."""
        now = self.clock()
        with self._lock:
            done = sorted(
                (p for p, t0 in self._pending.items() if now - t0 >= DEBOUNCE_S),
                key=self._pending.__getitem__,
            )
            for p in done:
                del self._pending[p]
        return done

    def __enter__(self) -> Saves:
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        saves = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                if event.is_directory or event.event_type not in ("modified", "created", "moved"):
                    return
                saves.note(getattr(event, "dest_path", "") or event.src_path)

        observer = None
        if not self.poll:
            try:
                observer = Observer()
                observer.schedule(Handler(), str(self.root), recursive=False)
                observer.start()
            except OSError:  # e.g. inotify watch limit reached: fall back to polling
                observer = None
        if observer is None:
            observer = PollingObserver(timeout=POLL_S)
            observer.schedule(Handler(), str(self.root), recursive=False)
            observer.start()
        self._observer = observer
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=2)
            self._observer = None
