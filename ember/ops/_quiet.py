"""``with quiet():``: NumPy's floating-point warnings off for a block, cheaply.

PyTorch never warns about 1/0, sqrt(-1) or exp(1000); NumPy does unless told not to. Telling
it with ``np.errstate`` costs three times a small array op, because each entry builds NumPy's
settings object anew. Those settings live in a context variable, so setting it to a prebuilt
"ignore everything" value and resetting it on exit does the same for a quarter of the cost.
The variable is NumPy's private business; if a NumPy release moves it, ``quiet`` falls back
to ``np.errstate``.
"""
import numpy as np

try:
    from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj
except ImportError:  # pragma: no cover - another NumPy layout
    def quiet():
        return np.errstate(all="ignore")
else:
    _IGNORE_ALL = _make_extobj(all="ignore")
    _set, _reset = _extobj_contextvar.set, _extobj_contextvar.reset

    class quiet:
        """Context manager: floating-point errors in NumPy give inf/nan silently."""

        __slots__ = ("_token",)

        def __enter__(self):
            self._token = _set(_IGNORE_ALL)

        def __exit__(self, *exc_info):
            _reset(self._token)
