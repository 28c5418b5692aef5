"""Timing and counting: the book's ``Timer`` and ``Accumulator``, and a small terminal
progress bar for the training loops."""
import os
import sys
import time

import numpy as np


class Timer:
    """Record several running times (the book's ``d2l.Timer``)."""

    def __init__(self):
        self.times = []
        self.start()

    def start(self):
        """Start the timer."""
        self.tik = time.perf_counter()

    def stop(self):
        """Stop the timer, record the elapsed time in the list and return it."""
        self.times.append(time.perf_counter() - self.tik)
        return self.times[-1]

    def avg(self):
        """The average of the recorded times."""
        return sum(self.times) / len(self.times)

    def sum(self):
        """The sum of the recorded times."""
        return sum(self.times)

    def cumsum(self):
        """The cumulative sums of the recorded times, as a list."""
        return np.array(self.times).cumsum().tolist()


class Accumulator:
    """Sums over ``n`` variables (the book's ``d2l.Accumulator``).

    ``add`` takes Python numbers or 0-d tensors; each is turned into a float at once so the
    accumulator never holds on to tensors (or their graphs).
    """

    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        if len(args) != len(self.data):
            raise ValueError(f"Accumulator of {len(self.data)} variables got {len(args)} values")
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def reset(self):
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx):
        return self.data[idx]

    def __len__(self):
        return len(self.data)


class ProgressBar:
    """A one-line terminal progress bar: ``epoch 2/10 [#####.....] 120/235 3.1s loss 0.51``.

    It redraws in place with a carriage return, at most every ``min_interval`` seconds, and
    only when ``stream`` is a terminal (or ``force=True``): logs and captured test output
    stay clean, and the training loops print their results as ordinary lines anyway.
    ``EMBER_PROGRESS=0`` in the environment turns the bars off everywhere.
    """

    def __init__(self, total=None, desc="", width=30, stream=None, min_interval=0.1,
                 force=False):
        self.total = total
        self.desc = desc
        self.width = width
        self.stream = stream if stream is not None else sys.stderr
        self.min_interval = min_interval
        self.n = 0
        self.postfix = ""
        self._last = float("-inf")
        self._start = time.perf_counter()
        isatty = getattr(self.stream, "isatty", lambda: False)()
        self.live = (force or isatty) and os.environ.get("EMBER_PROGRESS", "1") != "0"

    def render(self):
        """The bar's current line of text."""
        elapsed = time.perf_counter() - self._start
        if self.total:
            filled = int(round(min(self.n / self.total, 1.0) * self.width))
            core = f"[{'#' * filled}{'.' * (self.width - filled)}] {self.n}/{self.total}"
        else:
            core = f"{self.n} it"
        parts = (self.desc, core, f"{elapsed:.1f}s", self.postfix)
        return " ".join(p for p in parts if p)

    def update(self, n=1, postfix=None):
        self.n += n
        if postfix is not None:
            self.postfix = postfix
        now = time.perf_counter()
        finished = self.total is not None and self.n >= self.total
        if self.live and (finished or now - self._last >= self.min_interval):
            self._last = now
            self.stream.write("\r" + self.render() + "\033[K")
            self.stream.flush()

    def close(self):
        """Clear the bar's line so the next output starts on a clean line."""
        if self.live:
            self.stream.write("\r\033[K")
            self.stream.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def progress(iterable, desc="", total=None, **kwargs):
    """Yield from ``iterable`` while a ``ProgressBar`` counts the items."""
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)
    with ProgressBar(total=total, desc=desc, **kwargs) as bar:
        for item in iterable:
            yield item
            bar.update()


class Benchmark:
    """A ``with`` block that prints its running time: ``with Benchmark('numpy'): ...``
    prints ``numpy: 0.1234 sec`` at the end (the book's ``d2l.Benchmark``). The block's
    ``Timer`` is kept as ``timer``."""

    def __init__(self, description="Done"):
        self.description = description

    def __enter__(self):
        self.timer = Timer()
        return self

    def __exit__(self, *exc):
        print(f"{self.description}: {self.timer.stop():.4f} sec")
        return False
