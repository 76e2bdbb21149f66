"""A progress bar for the commands, fed by the same ``progress(done, total, label)`` callback
the task queue's jobs report through (``jobs/progress.py``): one way to say how far work is.

On a terminal the bar is redrawn in place and ends with one line; in a log (standard error not
a terminal) a line is written each time the bar grows, so a cron mail reads as a short list of
steps (at most ``WIDTH`` + 1 lines, however many rows report). No library: Django's
``OutputWrapper`` (a command's ``self.stderr``) or any text stream will do.
"""

import time
from collections.abc import Callable

WIDTH = 30
# On a terminal a changed label (a row count, a committee's name) is redrawn at most this often.
REDRAW_SECONDS = 0.2


def _plain(text: str) -> str:
    return text


class TerminalBar:
    """``[#########---------] 3/5 Prestadores: listo``, written to ``stream``."""

    def __init__(self, stream, *, width: int = WIDTH, clock: Callable[[], float] = time.monotonic):
        self.stream, self.width, self.clock = stream, width, clock
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.filled: int | None = None
        self.drawn_at: float | None = None
        self.ended = False

    def line(self, done: int, total: int, label: str) -> str:
        filled = self.filled_for(done, total)
        return f"[{'#' * filled}{'-' * (self.width - filled)}] {done}/{total} {label}".rstrip()

    def filled_for(self, done: int, total: int) -> int:
        # Rounded down: the bar is full only when the work is.
        return self.width * min(done, total) // total if total > 0 else self.width

    def __call__(self, done: int, total: int, label: str = "") -> None:
        complete = done >= total
        if complete and self.ended:
            return
        filled = self.filled_for(done, total)
        now = self.clock()
        grew = filled != self.filled
        relabelled = (
            self.tty and self.drawn_at is not None and now - self.drawn_at >= REDRAW_SECONDS
        )
        if not (complete or grew or relabelled):
            return
        self.filled, self.drawn_at, self.ended = filled, now, complete
        line = self.line(done, total, label)
        if self.tty:
            self._write("\r\033[K" + line, ending="\n" if complete else "")
        else:
            self._write(line, ending="\n")

    def clear(self) -> None:
        """Wipe an unfinished bar off a terminal line, so that other output (a command's own
        lines on standard output) starts at the line's beginning; the next step redraws it."""
        if self.tty and self.filled is not None and not self.ended:
            self._write("\r\033[K", ending="")
            self.filled = None

    def _write(self, text: str, *, ending: str) -> None:
        try:
            # Django's OutputWrapper: no colouring of the bar, and its own line ending.
            self.stream.write(text, style_func=_plain, ending=ending)
        except TypeError:
            self.stream.write(text + ending)
        if hasattr(self.stream, "flush"):
            self.stream.flush()
