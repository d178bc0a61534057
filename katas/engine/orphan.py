"""A child process that learner code runs in ends when the command that started it is gone.

The parent enforces the time limit and kills the child's process group (``runner.run_child``),
but a parent that is itself killed (SIGKILL, a closed terminal, a crashed editor plugin) cannot:
the child has its own session, so learner code stuck in a loop would run on, unseen, using a
core for ever. Each child therefore watches its parent: once it has been re-parented (the
parent died), it exits at once. A thread can do this even while learner code loops, since
Python switches threads every few milliseconds.
"""

from __future__ import annotations

import os
import threading
import time

POLL_S = 0.5
ORPHAN_EXIT_STATUS = 3


def exit_with_parent(poll_s: float = POLL_S) -> None:
    """Start a daemon thread that ends this process (``os._exit``) once its parent is gone."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(poll_s)
            if os.getppid() != parent:
                os._exit(ORPHAN_EXIT_STATUS)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
