"""Whether operations record a graph: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

The flag lives in a one-element list so that the hot path (``Function.apply``) reads it
with a single index instead of an attribute lookup through a module.
"""
import functools

_enabled = [True]


def is_grad_enabled():
    return _enabled[0]


class _GradMode:
    """Base of the grad-mode switches: a context manager and a function decorator."""

    mode = True

    def __enter__(self):
        self._prev = _enabled[0]
        _enabled[0] = self.mode

    def __exit__(self, *exc):
        _enabled[0] = self._prev
        return False

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _enabled[0]
            _enabled[0] = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _enabled[0] = prev
        return wrapper


class no_grad(_GradMode):
    """Operations inside record no graph (results have ``requires_grad=False``)."""

    mode = False


class enable_grad(_GradMode):
    """Turn recording back on inside a ``no_grad`` block."""

    mode = True


class inference_mode(_GradMode):
    """PyTorch's faster no_grad; in ember the two are the same thing."""

    def __init__(self, mode=True):
        self.mode = not mode


class set_grad_enabled(_GradMode):
    """Set grad mode now (called as a function) or for a block (as a context manager)."""

    def __init__(self, mode):
        self.mode = bool(mode)
        self._prev = _enabled[0]
        _enabled[0] = self.mode

    def __enter__(self):
        pass

    def __call__(self, fn):
        _enabled[0] = self._prev  # used as a decorator: undo the immediate switch
        return super().__call__(fn)
