"""Progress bars: tqdm, configured once for every place ember shows progress (the CLI's
``train`` and ``tour``, downloads, and the ``d2l.train_*`` loops when asked).

A bar is drawn on stderr only when it is a terminal, unless the caller forces it
(``enabled=True``): in a log file or a pipe the carriage returns would be noise, and the
per-epoch lines say the same.
"""
import sys

from tqdm.auto import tqdm


def progress_bar(total=None, desc="", unit="it", enabled=None, file=None, **kwargs):
    """A ``tqdm`` bar over ``total`` steps; ``enabled`` None: only on a terminal.

    Use it as a context manager (the bar's line is cleared when it closes, so the next
    output starts on a clean line); ``update(n)``, ``set_postfix_str(text)`` and
    ``write(line)`` are tqdm's.
    """
    file = sys.stderr if file is None else file
    if enabled is None:
        isatty = getattr(file, "isatty", None)
        enabled = bool(isatty and isatty())
    return tqdm(total=total, desc=desc or None, unit=unit, file=file, disable=not enabled,
                leave=False, dynamic_ncols=True, mininterval=0.1, **kwargs)
