"""A progress bar for long management commands, drawn on their stderr."""

from __future__ import annotations

import time

from django.core.management.base import OutputWrapper


class ProgressBar:
    """`[#######.........]  45%  450,000/1,000,000  12.3 s`, redrawn in place at most ten times a
    second, and finished with a newline."""

    WIDTH = 30

    def __init__(self, *, total: int, label: str, stream: OutputWrapper) -> None:
        self.total = max(total, 1)
        self.label = label
        self.stream = stream
        self.done = 0
        self.started = time.monotonic()
        self.drawn_at = 0.0

    def advance(self, step: int) -> None:
        self.done = min(self.done + step, self.total)
        now = time.monotonic()
        if now - self.drawn_at >= 0.1 or self.done == self.total:
            self.drawn_at = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        filled = self.WIDTH * self.done // self.total
        share = 100 * self.done // self.total
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {share:3d}%  "
            f"{self.done:,}/{self.total:,}  {now - self.started:.1f} s",
            ending="",
        )
        self.stream.flush()

    def finish(self) -> float:
        """Close the line; returns the seconds taken."""
        elapsed = time.monotonic() - self.started
        self._draw(time.monotonic())
        self.stream.write("")
        self.stream.flush()
        return elapsed
