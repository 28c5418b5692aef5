"""``ember trace``: optimizers at work on the notes' test functions.

Every optimizer except Newton's method is the real ``ember.optim`` class stepping a
parameter tensor, so the picture shows exactly what training with it does; Newton's
method takes the Hessian from ``ember.autograd.functional.hessian``. Points are float64
so that the printed numbers match the notes, which compute with Python floats.
"""
import inspect
import math
import os

import numpy as np

import ember
from ember import optim
from ember.autograd.functional import hessian

from ._util import (EXIT_ENV, CLIError, accepted_keywords, check_keywords, closest,
                    parse_assignments, parse_value, use_agg, writable_dir)
from .expr import Expression, ExpressionError


class Objective:
    """A catalogued function of the notes with the settings the notes use for it."""

    def __init__(self, name, text, start, lr, steps, c=None, aliases=(), plot_range=None):
        self.name = name
        self.expression = Expression(text)
        self.start = start
        self.lr = lr
        self.steps = steps
        self.c = c
        self.aliases = aliases
        self.plot_range = plot_range


CATALOGUE = [
    # the 1-D examples of the gradient descent section: 10 steps from x = 10
    Objective("quadratic", "x**2", (10.0,), 0.2, 10),
    Objective("xcos", "x*cos(c*x)", (10.0,), 2.0, 10, c=0.15 * math.pi),
    Objective("cosh", "cosh(c*x)", (10.0,), 0.2, 10, c=0.5),
    # the 2-D examples: 20 steps from (-5, -2), as d2l.train_2d
    Objective("f2d", "x1**2 + 2*x2**2", (-5.0, -2.0), 0.1, 20, aliases=("bowl",),
              plot_range=((-5.5, 1.0), (-3.0, 1.0))),
    Objective("ill", "0.1*x1**2 + 2*x2**2", (-5.0, -2.0), 0.4, 20,
              aliases=("ill-conditioned", "elongated"), plot_range=((-5.5, 1.0), (-3.0, 1.0))),
    Objective("himmelblau", "(x1**2 + x2 - 11)**2 + (x1 + x2**2 - 7)**2", (0.0, 0.0), 1e-2,
              2000, plot_range=((-6.0, 6.0), (-6.0, 6.0))),
    Objective("rosenbrock", "(1 - x1)**2 + 100*(x2 - x1**2)**2", (-1.5, 1.5), 5e-4, 2000,
              plot_range=((-2.0, 2.0), (-1.0, 3.0))),
    Objective("saddle", "x**2 - y**2", (-2.0, 0.01), 0.1, 20,
              plot_range=((-2.5, 2.5), (-2.5, 2.5))),
]


def _by_name():
    table = {}
    for obj in CATALOGUE:
        for key in (obj.name,) + tuple(obj.aliases):
            table[key] = obj
    return table


def resolve_function(text):
    """A catalogued objective by name or by its formula (spacing does not matter), else a
    new objective from the expression with generic settings."""
    table = _by_name()
    if text.lower() in table:
        return table[text.lower()]
    try:
        expr = Expression(text)
    except ExpressionError as e:
        if text.isidentifier():
            raise CLIError(f"unknown function '{text}'{closest(text, table)}; known: "
                           f"{', '.join(o.name for o in CATALOGUE)}, or an expression "
                           "such as 'x**4 - 3*x' or 'x1**2 + 5*x2**2'") from None
        raise CLIError(f"bad expression: {e}") from None
    for obj in CATALOGUE:
        if obj.expression.canonical == expr.canonical:
            return obj
    start = (1.0,) if expr.dim == 1 else (-1.0, 1.0)
    return Objective(text, text, start, 0.1, 20)


class Newton:
    """x ← x − η H(x)⁻¹ ∇f(x), with the Hessian from autograd (the notes' ``newton``)."""

    def __init__(self, params, lr=1.0):
        if not lr > 0:
            raise ValueError(f"Invalid learning rate: {lr}")
        (self.param,) = params
        self.lr = lr

    def step(self, objective):
        p = self.param
        (g,) = ember.autograd.grad(objective(p), [p])
        h = hessian(objective, p.detach())
        g = g.detach().numpy().reshape(-1)
        h = h.numpy().reshape(g.size, g.size)
        try:
            delta = np.linalg.solve(h, g)
        except np.linalg.LinAlgError:
            raise FloatingPointError("the Hessian is singular") from None
        with ember.no_grad():
            p -= ember.from_numpy(self.lr * delta.reshape(p.shape))


# The notes' names for the optimizers, with the hyperparameters the notes use; any other
# ember.optim class is also accepted by its own name.
ALIASES = {
    "gd": (optim.SGD, {}),
    "sgd": (optim.SGD, {}),
    "momentum": (optim.SGD, {"momentum": 0.5}),
    "nesterov": (optim.SGD, {"momentum": 0.5, "nesterov": True}),
    "adagrad": (optim.Adagrad, {"eps": 1e-6}),
    "rmsprop": (optim.RMSprop, {"alpha": 0.9, "eps": 1e-6}),
    "adadelta": (optim.Adadelta, {"rho": 0.9, "eps": 1e-5}),
    "adam": (optim.Adam, {}),
    "newton": (Newton, {}),
}
# These read the learning rate differently (a step-size multiplier of 1 by design), so the
# function's usual learning rate is not imposed on them.
_OWN_LR = (optim.Adadelta, Newton, optim.LBFGS)


def optimizer_table():
    table = {}
    for name in optim.__all__:
        cls = getattr(optim, name)
        if isinstance(cls, type) and issubclass(cls, optim.Optimizer) and \
                cls is not optim.Optimizer:
            table[name.lower()] = (cls, {})
    table.update(ALIASES)
    return table


def split_spec(spec):
    """``"adam:lr=0.1,betas=(0.9,0.99)"`` → ``("adam", ["lr=0.1", "betas=(0.9,0.99)"])``:
    commas inside brackets belong to the value."""
    name, _, rest = spec.partition(":")
    items, depth, current = [], 0, ""
    for ch in rest:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += ch
    if current:
        items.append(current)
    return name.strip(), items


class Run:
    def __init__(self, label, cls, kwargs):
        self.label = label
        self.cls = cls
        self.kwargs = kwargs
        self.path = []
        self.values = []
        self.error = None


def build_runs(args, objective):
    table = optimizer_table()
    shared = parse_assignments(args.opt, "--opt hyperparameter")
    for flag in ("momentum", "weight_decay"):
        if getattr(args, flag) is not None:
            shared[flag] = getattr(args, flag)
    runs = []
    for spec in args.optimizer:
        name, items = split_spec(spec)
        if name.lower() not in table:
            raise CLIError(f"unknown optimizer '{name}'{closest(name, table)}; known "
                           f"optimizers: {', '.join(sorted(table))}")
        cls, defaults = table[name.lower()]
        own = parse_assignments(items, f"hyperparameter of {name}")
        check_keywords(cls, own, "hyperparameter")
        kwargs = dict(defaults)
        if cls not in _OWN_LR:
            kwargs["lr"] = objective.lr
        if args.lr is not None:
            kwargs["lr"] = args.lr
        known = accepted_keywords(cls)
        kwargs.update({k: v for k, v in shared.items() if k in known})
        kwargs.update(own)
        label = name if not own else f"{name}({', '.join(f'{k}={v}' for k, v in own.items())})"
        try:  # on a stand-in parameter, so a bad value fails before anything runs
            cls([ember.zeros(objective.expression.dim, dtype=ember.float64,
                             requires_grad=True)], **kwargs)
        except (ValueError, TypeError) as e:
            shown = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
            raise CLIError(f"bad hyperparameter for {cls.__name__}({shown}): {e}") from None
        runs.append(Run(label, cls, kwargs))
    taken = sorted({k for r in runs for k in accepted_keywords(r.cls)})
    for key in shared:
        if key not in taken:
            raise CLIError(f"no chosen optimizer takes '{key}'{closest(key, taken)}; they "
                           f"take: {', '.join(taken)}")
    return runs


def run_optimizer(run, fn, start, steps):
    """Step ``run``'s optimizer from ``start``; record every point and value. A path that
    overflows stops there (the notes' gd(1.1) diverges on purpose)."""
    p = ember.tensor(start, dtype=ember.float64, requires_grad=True)

    def objective(q):
        return fn(*[q[i] for i in range(q.shape[0])])

    opt = run.cls([p], **run.kwargs)

    def closure():
        opt.zero_grad()
        loss = objective(p)
        loss.backward()
        return loss

    def record():
        with ember.no_grad():
            value = float(objective(p))
        point = tuple(float(v) for v in p.detach().numpy())
        run.path.append(point)
        run.values.append(value)
        return all(map(math.isfinite, point)) and math.isfinite(value)

    record()
    with np.errstate(all="ignore"):
        for _ in range(steps):
            try:
                if isinstance(opt, Newton):
                    opt.step(objective)
                else:
                    opt.step(closure)
            except FloatingPointError as e:
                run.error = str(e)
                break
            if not record():
                run.error = "diverged"
                break


def _fmt(v):
    return f"{v:.6g}" if math.isfinite(v) else str(v)


def _finite_box(runs, default):
    """The region the paths live in, ignoring points that ran away: a path that leaves for
    infinity must not shrink the rest of the picture to a dot."""
    starts = np.array([r.path[0] for r in runs if r.path])
    scale = max(10.0, 10 * float(np.abs(starts).max())) if starts.size else 10.0
    pts = np.array([pt for r in runs for pt in r.path
                    if all(math.isfinite(v) and abs(v) <= scale for v in pt)])
    if default is not None:
        lo = np.array([r[0] for r in default])
        hi = np.array([r[1] for r in default])
        if pts.size:
            lo, hi = np.minimum(lo, pts.min(0)), np.maximum(hi, pts.max(0))
        return lo, hi, scale
    lo, hi = pts.min(0), pts.max(0)
    pad = np.maximum(0.1 * (hi - lo), 0.5)
    return lo - pad, hi + pad, scale


def plot(objective, runs, c, path):
    plt = use_agg()
    fn = objective.expression
    dim = fn.dim
    fig, ax = plt.subplots(figsize=(5.0, 3.8) if dim == 2 else (5.0, 3.5))
    lo, hi, scale = _finite_box(runs, objective.plot_range)
    if dim == 1:
        # the notes' show_trace: the curve over [-n, n] covering every path
        n = max(abs(lo[0]), abs(hi[0]))
        xs = np.linspace(-n, n, 400)
        with np.errstate(all="ignore"):
            ax.plot(xs, fn(xs, c=c), "-", color="0.4", lw=1)
    else:
        x1 = np.linspace(lo[0], hi[0], 200)
        x2 = np.linspace(lo[1], hi[1], 200)
        g1, g2 = np.meshgrid(x1, x2)
        with np.errstate(all="ignore"):
            z = np.broadcast_to(fn(g1, g2, c=c), g1.shape)
        # log-spaced levels show the valleys of Himmelblau and Rosenbrock; plain levels
        # are right for the quadratics (and for the saddle, which goes negative)
        if np.nanmin(z) >= 0 and np.nanmax(z) > 100 * max(np.nanmin(z), 1e-3):
            levels = np.geomspace(max(np.nanmin(z), 1e-2), np.nanmax(z), 25)
        else:
            levels = 25
        ax.contour(g1, g2, z, levels=levels, cmap="viridis", linewidths=0.8)
    markers = "o^sv<>Dph*"
    for i, run in enumerate(runs):
        pts = []
        for pt in run.path:  # drawn up to where it ran away, if it did
            if not all(math.isfinite(v) and abs(v) <= scale for v in pt):
                break
            pts.append(pt)
        if not pts:
            continue
        arr = np.array(pts)
        # long runs (Adam's 2000 steps) would bury the contours under markers
        every = max(1, len(arr) // 40)
        if dim == 1:
            ys = np.asarray([fn(v, c=c) for v in arr[:, 0]], dtype=float)
            ax.plot(arr[:, 0], ys, "-", marker=markers[i % len(markers)], markevery=every,
                    ms=4, label=run.label)
        else:
            ax.plot(arr[:, 0], arr[:, 1], "-", marker=markers[i % len(markers)],
                    markevery=every, ms=4, label=run.label)
    if dim == 1:
        ax.set_xlabel("x")
        ax.set_ylabel("f(x)")
    else:
        ax.set_xlabel(fn.variables[0])
        ax.set_ylabel(fn.variables[1])
    ax.set_title(f"f = {fn.text}" + (f"   (c = {c:.4g})" if fn.uses_c else ""), fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def parse_start(text, dim):
    try:
        values = tuple(float(parse_value(v)) if v.strip() else float("nan")
                       for v in text.split(","))
    except (TypeError, ValueError):
        raise CLIError(f"bad --start '{text}': expected {dim} number(s) separated by commas, "
                       f"e.g. {'10' if dim == 1 else '-5,-2'}") from None
    if len(values) != dim or not all(map(math.isfinite, values)):
        raise CLIError(f"bad --start '{text}': this function has {dim} variable(s), so give "
                       f"{dim} finite number(s), e.g. {'10' if dim == 1 else '-5,-2'}")
    return values


def output_path(out):
    """``--out`` names the PNG, or a directory to put ``trace.png`` in."""
    root, ext = os.path.splitext(out)
    if ext.lower() in (".png", ".svg", ".pdf"):
        writable_dir(os.path.dirname(out) or ".")
        return os.path.abspath(out)
    return os.path.join(writable_dir(out), "trace.png")


def main(args):
    objective = resolve_function(args.function)
    fn = objective.expression
    c = args.c if args.c is not None else objective.c
    if fn.uses_c and c is None:
        raise CLIError(f"'{fn.text}' uses the constant c: give its value with --c")
    start = parse_start(args.start, fn.dim) if args.start else objective.start
    steps = args.steps if args.steps is not None else objective.steps
    if steps < 0:
        raise CLIError(f"bad --steps {steps}: must be >= 0")
    runs = build_runs(args, objective)
    out = output_path(args.out)

    def f(*values):
        return fn(*values, c=c)

    with_c = f"  with c = {c:.6g}" if fn.uses_c else ""
    print(f"f({', '.join(fn.variables)}) = {fn.text}{with_c}, from "
          f"{tuple(start) if fn.dim > 1 else start[0]}, {steps} steps")
    width = max(len(r.label) for r in runs)
    for run in runs:
        run_optimizer(run, f, start, steps)
        shown = ", ".join(_fmt(v) for v in run.path[-1])
        note = f"  ({run.error} after {len(run.path) - 1} steps)" if run.error else ""
        shown_kwargs = dict(run.kwargs)
        if "lr" not in shown_kwargs:  # the optimizer's own default: say what it was
            shown_kwargs["lr"] = inspect.signature(run.cls).parameters["lr"].default
        hp = ", ".join(f"{k}={v}" for k, v in shown_kwargs.items())
        names = "x" if fn.dim == 1 else f"({', '.join(fn.variables)})"
        point = shown if fn.dim == 1 else f"({shown})"
        print(f"  {run.label:<{width}}  final {names} = {point}  f = {_fmt(run.values[-1])}"
              f"  [{hp}]{note}")
    try:
        plot(objective, runs, c, out)
    except OSError as e:
        raise CLIError(f"cannot write {out}: {e.strerror or e}", EXIT_ENV) from None
    print(f"saved {out}")
    return 0


def add_parser(sub):
    names = ", ".join(f"{o.name} ({o.expression.text})" for o in CATALOGUE)
    p = sub.add_parser(
        "trace", help="draw optimizers' paths on a test function",
        description="Run one or several optimizers on a function of one or two variables and "
                    "draw their paths (1-D trace or 2-D contour plot), as in the notes. "
                    f"Functions: {names}; or any expression in x, or in x1, x2 (or x, y), "
                    "using + - * / ** and sin cos tan exp log sqrt sinh cosh tanh abs atan "
                    "sigmoid, pi, e and the constant c.")
    p.add_argument("function", help="a function's name or formula, e.g. himmelblau or "
                                    "'0.1*x1**2 + 2*x2**2'")
    p.add_argument("--optimizer", "-O", nargs="+", default=["gd"], metavar="NAME[:K=V,...]",
                   help="optimizers: gd sgd momentum nesterov adagrad rmsprop adadelta adam "
                        "newton, or any ember.optim class (adamw, nadam, ...); hyperparameters "
                        "for one of them after a colon, e.g. momentum:momentum=0.9 "
                        "(default: gd)")
    p.add_argument("--lr", "--eta", type=float, default=None,
                   help="learning rate for every optimizer (default: the notes' value for "
                        "the function; 1 for adadelta and newton)")
    p.add_argument("--momentum", type=float, default=None)
    p.add_argument("--weight-decay", type=float, default=None)
    p.add_argument("--opt", action="append", metavar="KEY=VALUE",
                   help="a hyperparameter for every optimizer that takes it, e.g. "
                        "--opt betas=0.8,0.99 (repeatable)")
    p.add_argument("--steps", type=int, default=None, help="number of steps (default: the "
                                                           "notes' number for the function)")
    p.add_argument("--start", default=None, metavar="X1[,X2]",
                   help="starting point (default: the notes' start for the function)")
    p.add_argument("--c", type=float, default=None, help="the constant c in the formula")
    p.add_argument("--out", default="trace.png",
                   help="the PNG to write, or a directory for trace.png (default: trace.png)")
    p.set_defaults(run=main)
    return p
