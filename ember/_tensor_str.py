"""How a tensor prints: ``repr``, ``str`` and ``format`` laid out exactly as PyTorch lays them out.

The layout, as PyTorch defines it:

* One formatter serves the whole tensor, so every element gets the same width and columns
  line up. It looks only at the elements that will be shown (the edges, when the tensor is
  summarized), and for floats only at the finite nonzero ones: zeros, ``nan`` and ``inf``
  neither widen the column nor choose the notation.
* Floats whose shown values are all whole numbers print as ``1.`` (``int mode``).
  Scientific notation is used when the largest magnitude exceeds 1e8, the smallest is
  below 1e-4, or the two are more than a factor of 1000 apart, unless ``sci_mode`` was set.
* A tensor of more than ``threshold`` elements is summarized: along every dimension longer
  than ``2 * edgeitems`` only the first and last ``edgeitems`` entries are shown, with
  ``...`` between them.
* Rows wrap at ``linewidth``, continuation lines indented to sit under the first element;
  the slices of a k-dimensional tensor are separated by k - 1 newlines.
* Suffixes follow the numbers: ``dtype=`` when the dtype is not the default for its kind
  (the default float dtype, int64, bool), ``grad_fn=<...>`` or ``requires_grad=True``; a
  suffix that would pass ``linewidth`` goes to a new line.
"""
import contextlib
import math

import numpy as np

from . import _dtype

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}

_OPTIONS = dict(_PROFILES["default"], sci_mode=None)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set how tensors print (``ember.set_printoptions``, same arguments as PyTorch's).

    ``profile`` ("default", "short" or "full") first resets the four numeric options; the
    explicit arguments then override it. As in PyTorch, ``sci_mode`` is always assigned, so a
    call that leaves it out goes back to choosing the notation automatically.
    """
    if profile in _PROFILES:
        _OPTIONS.update(_PROFILES[profile])
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            _OPTIONS[name] = value
    _OPTIONS["sci_mode"] = sci_mode


def get_printoptions():
    """The current options, as a dict that ``set_printoptions(**d)`` accepts."""
    return dict(_OPTIONS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Change the print options inside a ``with`` block, restoring them afterwards."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


class _Formatter:
    """Turns one element (a Python number) into a string of the tensor's common width."""

    def __init__(self, shown, precision, sci_option):
        # shown: a NumPy array of the elements that will be printed.
        self.precision = precision
        self.floating = shown.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        if not self.floating:
            if shown.size:
                # The longest decimal of an integer is that of the most negative or the
                # largest value; for bools it is "False" if there is one.
                self.width = max(len(str(shown.min().item())), len(str(shown.max().item())))
            return
        vals = shown[np.isfinite(shown) & (shown != 0)]
        if vals.size == 0:
            # Nothing finite and nonzero: zeros, nan and inf print as "0.", "nan", "inf",
            # whatever sci_mode says.
            return
        self.int_mode = bool(np.all(np.ceil(vals) == vals))
        mags = np.abs(vals).astype(np.float64)
        lo, hi = mags.min(), mags.max()
        if sci_option is None:
            with np.errstate(over="ignore"):   # 1e300 / 1e-300 is inf: a huge ratio
                ratio = hi / lo
            self.sci_mode = bool(ratio > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
        else:
            self.sci_mode = bool(sci_option)
        values = vals.tolist()
        if self.sci_mode:
            texts = (f"{v:.{precision}e}" for v in values)
            self.width = max(map(len, texts))
        elif self.int_mode:
            # One more for the trailing "." that marks a whole-valued float.
            self.width = max(len(f"{v:.0f}") for v in values) + 1
        else:
            self.width = max(len(f"{v:.{precision}f}") for v in values)

    def __call__(self, value):
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:.{self.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."
        else:
            text = f"{value:.{self.precision}f}"
        return text.rjust(self.width)


def _edges(arr, edgeitems):
    """The elements a summarized print shows: the first and last ``edgeitems`` along every
    dimension longer than twice that."""
    for axis, n in enumerate(arr.shape):
        if n > 2 * edgeitems:
            keep = np.r_[0:edgeitems, n - edgeitems:n]
            arr = np.take(arr, keep, axis=axis)
    return arr


def _vector_str(arr, indent, summarize, fmt, opts):
    edge = opts["edgeitems"]
    if summarize and not edge:
        items = ["..."]
    elif summarize and arr.shape[0] > 2 * edge:
        items = ([fmt(v) for v in arr[:edge].tolist()] + [" ..."]
                 + [fmt(v) for v in arr[-edge:].tolist()])
    else:
        items = [fmt(v) for v in arr.tolist()]
    # Each element takes its width plus ", ".
    per_line = max(1, math.floor((opts["linewidth"] - indent) / (fmt.width + 2)))
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(arr, indent, summarize, fmt, opts):
    if arr.ndim == 0:
        return fmt(arr.item())
    if arr.ndim == 1:
        return _vector_str(arr, indent, summarize, fmt, opts)
    edge = opts["edgeitems"]
    n = arr.shape[0]
    if summarize and n > 2 * edge:
        rows = ([_nested_str(arr[i], indent + 1, summarize, fmt, opts) for i in range(edge)]
                + ["..."]
                + [_nested_str(arr[i], indent + 1, summarize, fmt, opts)
                   for i in range(n - edge, n)])
    else:
        rows = [_nested_str(arr[i], indent + 1, summarize, fmt, opts) for i in range(n)]
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _body_str(arr, indent, opts):
    summarize = arr.size > opts["threshold"]
    shown = _edges(arr, opts["edgeitems"]) if summarize else arr
    fmt = _Formatter(shown, opts["precision"], opts["sci_mode"])
    return _nested_str(arr, indent, summarize, fmt, opts)


def _with_suffixes(text, suffixes, indent, linewidth):
    # PyTorch measures the last line this way (two more than its length when the text is
    # one line); the same arithmetic decides where the suffixes wrap.
    last_line_len = len(text) - text.rfind("\n") + 1
    parts = [text]
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def _host_array(t):
    data = t._data
    if not isinstance(data, np.ndarray):
        # A device array (CuPy) will not convert implicitly; .get() copies it to the host.
        data = data.get() if hasattr(data, "get") else np.asarray(data)
    return data


def tensor_repr(t):
    """``repr(t)``: PyTorch's text for a tensor with these values, dtype and autograd state."""
    opts = _OPTIONS
    arr = _host_array(t)
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    device = t.device
    if device.type != "cpu":
        suffixes.append(f"device='{device}'")
    default_float = _dtype.get_default_dtype()
    if arr.size == 0:
        # Nothing to show the shape or the dtype by, so both are spelled out ((0,) reads
        # from "[]" alone).
        if arr.ndim != 1:
            suffixes.append(f"size={tuple(arr.shape)}")
        if t.dtype is not default_float:
            suffixes.append(f"dtype={t.dtype}")
        body = "[]"
    else:
        if not opts["edgeitems"]:
            suffixes.append(f"size={tuple(arr.shape)}")
        if t.dtype not in (default_float, _dtype.int64, _dtype.bool_):
            suffixes.append(f"dtype={t.dtype}")
        body = _body_str(arr, indent, opts)
    grad_fn = t.grad_fn
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{grad_fn.name().rsplit('::', 1)[-1]}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, indent, opts["linewidth"])


def tensor_format(t, spec):
    """``format(t, spec)``: a 0-d tensor formats as its Python number (``f"{loss:.3f}"``);
    any other tensor accepts only the empty spec, like every Python object."""
    if t.dim() == 0:
        return _host_array(t).item().__format__(spec)
    return object.__format__(t, spec)
