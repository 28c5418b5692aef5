"""A fuzz program and its differential run.

A program is data: NumPy input arrays and lines of Python that use only ``T`` (ember or
torch), ``F`` (``T.nn.functional``), the inputs ``a0, a1, ...`` and the variables
``v0, v1, ...`` the earlier lines bound. The same lines run against both modules; after
every line the two namespaces are compared: raise vs succeed and the exception class, then
every live tensor (dtype, shape, requires_grad, is_leaf, value, and a leaf's grad), every
other value the line bound, and which names are the same object.
"""
import math
import warnings
from dataclasses import dataclass, field

import numpy as np

# Float tolerance per dtype, relative to the larger of 1 and the expected tensor's scale; a
# float64 result may come from float32 values (a float32 softmax times a float64 tensor),
# whose last-bit differences are 6e-8 of their size.
RTOL = {"float16": 1e-2, "float32": 1e-4, "float64": 1e-6}

SILENT = ("value", "grad", "dtype", "shape", "requires_grad", "is_leaf", "identity", "result")
KINDS = ("crash", "hang") + SILENT + ("raise-vs-succeed", "exception-class")


@dataclass
class Program:
    inputs: list = field(default_factory=list)   # (name, array, requires_grad)
    lines: list = field(default_factory=list)
    seed: object = None

    def used_inputs(self):
        text = "\n".join(self.lines)
        return Program([i for i in self.inputs if _mentions(text, i[0])], list(self.lines),
                       self.seed)

    def source(self, module="ember"):
        """A runnable reproducer; ``module`` is ``ember`` or ``torch``."""
        out = ["import numpy as np", f"import {module} as T", "F = T.nn.functional",
               "nan, inf = float('nan'), float('inf')"]
        for name, arr, rg in self.inputs:
            if arr.size == 0 or (arr.size > 1 and np.all(arr == arr.flat[0])):
                fill = arr.flat[0].item() if arr.size else 0
                data = f"np.full({arr.shape}, {fill!r}, dtype='{arr.dtype}')"
            else:
                data = f"np.array({arr.tolist()!r}, dtype='{arr.dtype}')"
            out.append(f"{name} = T.tensor({data}{', requires_grad=True' if rg else ''})")
        return "\n".join(out + self.lines)


def _mentions(text, name):
    import re
    return re.search(rf"\b{name}\b", text) is not None


@dataclass
class Failure:
    kind: str
    step: int          # index of the line (-1: the inputs)
    detail: str

    def __str__(self):
        return f"{self.kind} at line {self.step + 1}: {self.detail}"


def error_class(exc):
    """The builtin exception class an error is (torch's own classes subclass builtins)."""
    for cls in type(exc).__mro__:
        if cls.__module__ == "builtins":
            return cls.__name__
    return type(exc).__name__


class Namespace:
    """The variables of one run of a program against ``T``."""

    def __init__(self, T, program):
        self.T, self.program = T, program
        # nan and inf as the reproducer's header defines them (source())
        self.env = {"T": T, "F": T.nn.functional, "nan": float("nan"), "inf": float("inf")}
        for name, arr, rg in program.inputs:
            self.env[name] = T.tensor(arr.copy(), requires_grad=rg)

    def run(self, code):
        """Execute one compiled line; the exception it raised, or None."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(code, self.env)
        except Exception as exc:  # noqa: BLE001 - every error is data to compare
            return exc
        return None

    def names(self):
        return [k for k in self.env if k not in ("T", "F", "nan", "inf") and not k.startswith("__")]


def snapshot(value, T):
    """A comparable picture of a value: tensors as arrays with their attributes."""
    if isinstance(value, T.Tensor):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                grad = value.grad if value.is_leaf else None
            except RuntimeError:
                # PyTorch refuses to read a split()/chunk() output whose base was changed in
                # place; using it raises, and a line that does is compared as usual.
                return ("unreadable",)
            return ("tensor", str(value.dtype).split(".")[-1], tuple(value.shape),
                    bool(value.requires_grad), bool(value.is_leaf),
                    np.array(value.detach().numpy(), copy=True),
                    None if grad is None else snapshot(grad, T))
    if isinstance(value, (tuple, list)):
        return ("seq", tuple(snapshot(v, T) for v in value))
    if isinstance(value, (bool, int, float)) or value is None:
        return ("py", type(value).__name__, value)
    if isinstance(value, (np.generic, np.ndarray)):
        return ("py", "ndarray", np.asarray(value).tolist())
    return ("other",)


def close(a, b, dtype):
    """``a`` (ember's array) equals ``b`` (torch's) within ``dtype``'s tolerance."""
    if a.shape != b.shape:
        return False
    if dtype not in RTOL:
        return np.array_equal(a, b)
    a, b = a.astype(np.float64), b.astype(np.float64)
    if not np.array_equal(np.isnan(a), np.isnan(b)):
        return False
    fin = np.isfinite(b)
    if not np.array_equal(a[~fin & ~np.isnan(b)], b[~fin & ~np.isnan(b)]):
        return False
    if not np.all(np.isfinite(a[fin])):
        return False
    rtol = RTOL[dtype]
    scale = max(1.0, float(np.max(np.abs(b[fin]), initial=0.0)))
    return bool(np.all(np.abs(a[fin] - b[fin]) <= rtol * scale))


def diff(e, t, where):
    """The first difference between two snapshots, as (kind, detail), or None."""
    if t[0] == "unreadable":
        return None
    if e[0] != t[0]:
        return "result", f"{where}: ember {e[0]}, torch {t[0]}"
    if e[0] == "tensor":
        _, edt, esh, erg, eleaf, eval_, egrad = e
        _, tdt, tsh, trg, tleaf, tval, tgrad = t
        if edt != tdt:
            return "dtype", f"{where}: ember {edt}, torch {tdt}"
        if esh != tsh:
            return "shape", f"{where}: ember {esh}, torch {tsh}"
        if erg != trg:
            return "requires_grad", f"{where}: ember {erg}, torch {trg}"
        if eleaf != tleaf:
            return "is_leaf", f"{where}: ember {eleaf}, torch {tleaf}"
        if not close(eval_, tval, tdt):
            return "value", f"{where}: ember {_short(eval_)}, torch {_short(tval)}"
        if (egrad is None) != (tgrad is None):
            return "grad", f"{where}.grad: ember {_none(egrad)}, torch {_none(tgrad)}"
        if egrad is not None:
            d = diff(egrad, tgrad, where + ".grad")
            if d:
                return ("grad" if d[0] == "value" else d[0]), d[1]
        return None
    if e[0] == "seq":
        if len(e[1]) != len(t[1]):
            return "result", f"{where}: ember {len(e[1])} items, torch {len(t[1])}"
        for i, (x, y) in enumerate(zip(e[1], t[1])):
            d = diff(x, y, f"{where}[{i}]")
            if d:
                return d
        return None
    if e[0] == "py":
        ok = e[1] == t[1] and (e[2] == t[2] or _both_nan(e[2], t[2]) or
                               (e[1] == "float" and math.isclose(e[2], t[2], rel_tol=1e-4)))
        return None if ok else ("result", f"{where}: ember {e[1:]}, torch {t[1:]}")
    return None


def _both_nan(x, y):
    return isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y)


def _none(s):
    return "None" if s is None else "a tensor"


def _short(a):
    return np.array2string(np.asarray(a), threshold=12, precision=5).replace("\n", "")


def compare_namespaces(ne, nt):
    """The first difference between ember's and torch's variables, or None."""
    names = nt.names()
    if sorted(ne.names()) != sorted(names):
        missing = set(names) ^ set(ne.names())
        return "result", f"bound names differ: {sorted(missing)}"
    for n in names:
        d = diff(snapshot(ne.env[n], ne.T), snapshot(nt.env[n], nt.T), n)
        if d:
            return d
    _resync(ne, nt, names)
    # Which names are one object (an in-place op returns its input; a view is a new one).
    for i, n in enumerate(names):
        for m in names[i + 1:]:
            if (ne.env[n] is ne.env[m]) != (nt.env[n] is nt.env[m]):
                return "identity", f"{n} is {m}: ember {ne.env[n] is ne.env[m]}, " \
                                   f"torch {nt.env[n] is nt.env[m]}"
    return None


def _resync(ne, nt, names):
    """Give ember's float tensors (and grads) torch's values where they agreed only within
    the tolerance, so that each line starts from the same numbers and rounding noise does not
    build up into a false mismatch (a comparison or floor after a long chain). Written in
    place, so views stay views; a real difference has been reported before this runs."""
    for n in names:
        e, t = ne.env[n], nt.env[n]
        if not isinstance(e, ne.T.Tensor) or not isinstance(t, nt.T.Tensor):
            continue
        pairs = [(e, t)]
        try:
            leaf = e.is_leaf
        except RuntimeError:  # an unreadable view (see snapshot): no grad of its own
            leaf = False
        if leaf and e.grad is not None and t.grad is not None:
            pairs.append((e.grad, t.grad))
        for x, y in pairs:
            data = x._data
            if data.dtype.kind == "f" and data.flags.writeable and data.size:
                want = y.detach().numpy()
                if want.shape == data.shape and not np.array_equal(data, want, equal_nan=True):
                    data[...] = want


def differential(program, ember, torch, stop=None):
    """Run ``program`` in both; the first Failure, or None. ``stop`` limits the lines run."""
    codes = []
    for line in program.lines[:stop]:
        codes.append(compile(line, "<fuzz>", "exec"))
    ne, nt = Namespace(ember, program), Namespace(torch, program)
    d = compare_namespaces(ne, nt)
    if d:
        return Failure(d[0], -1, d[1])
    for step, code in enumerate(codes):
        xt = nt.run(code)
        xe = ne.run(code)
        if (xe is None) != (xt is None):
            who = (f"ember raised {error_class(xe)}: {xe}" if xe is not None else
                   f"torch raised {error_class(xt)}: {xt}")
            return Failure("raise-vs-succeed", step, who)
        if xe is not None and error_class(xe) != error_class(xt):
            return Failure("exception-class", step,
                           f"ember {error_class(xe)}: {xe} | torch {error_class(xt)}: {xt}")
        d = compare_namespaces(ne, nt)
        if d:
            return Failure(d[0], step, d[1] if xe is None else "after both raised: " + d[1])
    return None
