"""A progress bar for ``codeanatomy build`` on a terminal (rich, on stderr).

Shown only when stderr is a terminal and only once a build has run for
``SHOW_AFTER_S`` seconds, so quick builds and piped or logged output stay clean. It is
fed by ``hooks.ProgressHook`` events: one step for the scan, one per file parsed, one
for resolution, one per table written.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from codeanatomy_hamilton.runtime.hooks import ProgressCallback, ProgressEvent

SHOW_AFTER_S = 1.0


@contextmanager
def terminal_progress(stream: IO[str]) -> Iterator[ProgressCallback | None]:
    """A progress callback drawing a bar on ``stream``; None when it is not a terminal."""
    if not stream.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(file=stream),
        transient=True,
    )
    task = bar.add_task("starting", total=None)
    lock = threading.Lock()
    shown = False

    def show() -> None:
        nonlocal shown
        with lock:
            if not shown:
                bar.start()
                shown = True

    timer = threading.Timer(SHOW_AFTER_S, show)
    timer.daemon = True
    timer.start()

    def report(event: ProgressEvent) -> None:
        kwargs: dict[str, Any] = {"description": event.message, "completed": event.done}
        if event.total:
            kwargs["total"] = event.total
        bar.update(task, **kwargs)

    try:
        yield report
    finally:
        timer.cancel()
        with lock:
            if shown:
                bar.stop()
