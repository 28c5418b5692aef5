"""Optimization-chapter tools: ``train_2d`` runs a 2-D optimizer from (-5, -2), and
``show_trace_2d`` / ``show_trace`` draw the path it took over the objective."""
import inspect

import numpy as np

import ember
from .plotting import _pyplot, set_figsize


def _positional_arity(fn):
    """How many positional arguments ``fn`` takes (None when it takes ``*args``)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    kinds = [p.kind for p in params]
    if inspect.Parameter.VAR_POSITIONAL in kinds:
        return None
    return sum(k in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
               for k in kinds)


def train_2d(trainer, steps=20, f_grad=None):
    """Optimize a 2-D objective with a customized ``trainer``, from ``x1, x2 = -5, -2``;
    returns the list of the ``steps + 1`` points visited.

    The notes write trainers three ways, all accepted: ``trainer(x1, x2)`` returning
    ``(x1, x2)``; ``trainer(x1, x2, s1, s2)`` returning ``(x1, x2, s1, s2)`` where ``s1, s2``
    are its state (momentum, accumulated squares), starting at 0; and, with ``f_grad``,
    ``trainer(x1, x2, s1, s2, f_grad)``.
    """
    x1, x2, s1, s2 = -5, -2, 0, 0
    results = [(x1, x2)]
    stateless = f_grad is None and _positional_arity(trainer) == 2
    for i in range(steps):
        if stateless:
            x1, x2 = trainer(x1, x2)
        elif f_grad is not None:
            x1, x2, s1, s2 = trainer(x1, x2, s1, s2, f_grad)
        else:
            x1, x2, s1, s2 = trainer(x1, x2, s1, s2)
        results.append((x1, x2))
    print(f"epoch {steps}, x1: {float(x1):f}, x2: {float(x2):f}")
    return results


def _grid_range(values, lo, hi, margin):
    """``[lo, hi]`` widened to hold every finite value, plus a margin."""
    finite = [v for v in values if np.isfinite(v)]
    if finite:
        lo, hi = min(lo, min(finite) - margin), max(hi, max(finite) + margin)
    return lo, hi


def show_trace_2d(f, results, *hyperparams):
    """Show the trace of 2-D variables during optimization over the contours of ``f``.

    ``f(x1, x2)`` is evaluated on ember tensors. The notes sometimes pass the learning rate
    (and momentum) after the results; they are shown as the figure's title.
    Returns the axes."""
    set_figsize()
    plt = _pyplot()
    points = [(float(a), float(b)) for a, b in results]
    x1s, x2s = zip(*points)
    plt.figure()
    plt.plot(x1s, x2s, "-o", color="#ff7f0e")
    lo1, hi1 = _grid_range(x1s, -5.5, 1.0, 0.5)
    lo2, hi2 = _grid_range(x2s, -3.0, 1.0, 0.5)
    # A fixed number of grid points, so a diverging trace does not blow up the grid.
    x1, x2 = ember.meshgrid(ember.linspace(lo1, hi1, 121), ember.linspace(lo2, hi2, 81),
                            indexing="ij")
    z = f(x1, x2)
    z = z.detach().numpy() if ember.is_tensor(z) else np.asarray(z)
    plt.contour(x1.numpy(), x2.numpy(), z, colors="#1f77b4")
    plt.xlabel("x1")
    plt.ylabel("x2")
    if hyperparams:
        plt.title(", ".join(f"{h:g}" if isinstance(h, (int, float)) else str(h)
                            for h in hyperparams))
    return plt.gca()


def show_trace(results, f):
    """Show the trace of a 1-D optimization: ``f`` over the range the trace spans, and the
    points visited. ``f`` is called on ember tensors. Returns the axes."""
    xs = np.array([float(x) for x in results])
    n = max(abs(xs.min()), abs(xs.max()))
    f_line = ember.arange(-n, n, 0.01)
    set_figsize()
    plt = _pyplot()
    plt.figure()
    values = [float(f(ember.tensor(x))) for x in xs]
    plt.plot(f_line.numpy(), _as_numpy(f(f_line)), "-")
    plt.plot(xs, values, "-o")
    plt.xlabel("x")
    plt.ylabel("f(x)")
    return plt.gca()


def _as_numpy(v):
    return v.detach().numpy() if ember.is_tensor(v) else np.asarray(v)
