"""Timing and counting: the book's ``Timer`` and ``Accumulator``, and the opt-in progress
bar of the training loops."""
import os
import time

import numpy as np

from ember.utils._progress import progress_bar


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


def show_progress(enabled=True):
    """Opt in (or, with ``False``, out again) to a tqdm progress bar per epoch in the long
    ``train_*`` loops. Off by default, as in the book, whose loops draw only the
    ``Animator``; ``EMBER_PROGRESS=1`` in the environment opts in too."""
    _progress["on"] = bool(enabled)


_progress = {"on": os.environ.get("EMBER_PROGRESS") == "1"}


def epoch_bar(data_iter, desc):
    """The bar of one epoch over ``data_iter`` (drawn only after ``show_progress()``)."""
    try:
        total = len(data_iter)
    except TypeError:
        total = None
    return progress_bar(total=total, desc=desc, unit="batch", enabled=_progress["on"])


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
