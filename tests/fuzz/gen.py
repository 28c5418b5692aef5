"""Random, seeded, reproducible programs over ember's public surface.

The generator writes one line at a time and runs it in PyTorch (the reference) to learn the
shapes and dtypes the next line can use. A line that raises in PyTorch is kept now and then
(the error paths are compared too) and otherwise replaced by another; since a rejected line
may have changed tensors in place, the namespace is rebuilt by replaying the kept lines.
"""
import random

import numpy as np

from .program import Namespace, Program

FLOATS = ("float32", "float64")
DTYPES = ("float32", "float32", "float32", "float64", "int64", "int64", "bool", "int32")
KEEP_ERROR = 0.15


class Builder:
    """The program being written and its PyTorch namespace."""

    def __init__(self, seed, torch):
        self.rng = random.Random(seed)
        self.torch = torch
        self.program = Program(seed=seed)
        self.ns = Namespace(torch, self.program)
        self.nvars = 0

    # -- inputs -------------------------------------------------------------------------
    def array(self, shape, dtype, finite=False):
        r = self.rng
        n = int(np.prod(shape))
        if dtype in FLOATS:
            vals = [r.choice((-2, -1.5, -1, -.75, -.5, -.25, 0, .25, .5, 1, 1.5, 2, 3))
                    for _ in range(n)]
            if n and not finite and r.random() < 0.03:
                vals[r.randrange(n)] = r.choice((float("nan"), float("inf"), -float("inf")))
        elif dtype == "bool":
            vals = [r.random() < 0.5 for _ in range(n)]
        else:
            vals = [r.randint(-3, 4) for _ in range(n)]
        return np.array(vals, dtype=dtype).reshape(shape)

    def shape(self, ndim=None):
        r = self.rng
        if ndim is None:
            ndim = r.choices((0, 1, 2, 3, 4), (1, 3, 4, 2, 1))[0]
        return tuple(0 if r.random() < 0.06 else r.choice((1, 2, 2, 3, 3, 4))
                     for _ in range(ndim))

    def new_input(self, shape=None, dtype=None, grad=None, finite=False):
        r = self.rng
        shape = self.shape() if shape is None else tuple(shape)
        dtype = dtype or r.choice(DTYPES)
        if grad is None:
            grad = dtype in FLOATS and r.random() < 0.6
        name = f"a{len(self.program.inputs)}"
        arr = self.array(shape, dtype, finite)
        self.program.inputs.append((name, arr, bool(grad and dtype in FLOATS)))
        self.ns.env[name] = self.torch.tensor(arr.copy(), requires_grad=bool(grad and dtype in FLOATS))
        return name

    # -- the namespace ------------------------------------------------------------------
    def tensors(self, pred=None):
        out = []
        for n in self.ns.names():
            v = self.ns.env[n]
            if isinstance(v, self.torch.Tensor) and (pred is None or pred(v)):
                out.append(n)
        return out

    def t(self, pred=None, make=None):
        """A live tensor's name (satisfying ``pred``), or a new input made by ``make``."""
        names = self.tensors(pred)
        if names and self.rng.random() < 0.85:
            return self.rng.choice(names)
        return make() if make else self.new_input()

    def val(self, name):
        return self.ns.env[name]

    def var(self):
        self.nvars += 1
        return f"v{self.nvars - 1}"

    # -- writing a line -----------------------------------------------------------------
    def add_line(self, make):
        """Try lines from ``make(self)`` until one runs in torch (or an error is kept)."""
        for _ in range(12):
            saved_inputs, saved_vars = len(self.program.inputs), self.nvars
            try:
                line = make(self)
            except Exception:  # noqa: BLE001 - an odd live value tripped a chooser: redraw
                self.nvars = saved_vars
                del self.program.inputs[saved_inputs:]
                self._replay()
                continue
            exc = self.ns.run(compile(line, "<fuzz>", "exec"))
            if exc is None or self.rng.random() < KEEP_ERROR:
                self.program.lines.append(line)
                return
            del self.program.inputs[saved_inputs:]
            self.nvars = saved_vars
            self._replay()

    def _replay(self):
        self.ns = Namespace(self.torch, self.program)
        for kept in self.program.lines:
            self.ns.run(compile(kept, "<fuzz>", "exec"))


def generate(seed, torch, length=None):
    """The program of ``seed``: a few inputs and 2 to 20 lines."""
    from .ops import OPS, WEIGHTS
    b = Builder(seed, torch)
    for _ in range(b.rng.choice((1, 1, 2, 3))):
        b.new_input()
    n = length or b.rng.randint(2, 20)
    for _ in range(n):
        b.add_line(b.rng.choices(OPS, WEIGHTS)[0])
    return b.program
