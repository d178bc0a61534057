"""Re-check on save: watchdog's native observer (inotify, FSEvents, ...) with a polling
fallback where native events are unavailable (network drives, some containers) or asked for."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

DEBOUNCE_S = 0.3  # editors often write a file in several steps; check once they are done


def watch(
    root: Path, on_change: Callable[[Path], None], *, poll: bool = False, once: bool = False
) -> None:
    """Call ``on_change(path)`` for each saved ``*.py`` file under ``root`` until Ctrl-C.

    ``once`` returns after the first change (used by tests).
    """
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer
    from watchdog.observers.polling import PollingObserver

    pending: dict[Path, float] = {}
    lock = threading.Lock()

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.is_directory or event.event_type not in ("modified", "created", "moved"):
                return
            path = Path(getattr(event, "dest_path", "") or event.src_path)
            if path.suffix == ".py" and ".katas" not in path.parts:
                with lock:
                    pending[path] = time.monotonic()

    observer = PollingObserver(timeout=0.5) if poll else None
    if observer is None:
        try:
            observer = Observer()
            observer.schedule(Handler(), str(root), recursive=False)
            observer.start()
        except OSError:  # e.g. inotify watch limit reached: fall back to polling
            observer = PollingObserver(timeout=0.5)
    if not observer.is_alive():
        observer.schedule(Handler(), str(root), recursive=False)
        observer.start()
    try:
        while True:
            time.sleep(0.05)
            now = time.monotonic()
            with lock:
                ready = [p for p, t0 in pending.items() if now - t0 >= DEBOUNCE_S]
                for p in ready:
                    del pending[p]
            for path in ready:
                on_change(path)
            if once and ready:
                return
    except KeyboardInterrupt:
        pass
    finally:
        observer.stop()
        observer.join(timeout=2)
