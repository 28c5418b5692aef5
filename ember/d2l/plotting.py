"""Plotting helpers of the book: ``use_svg_display``, ``set_figsize``, ``set_axes``, ``plot``,
``annotate``, ``show_images``, ``Animator`` and ``plt`` itself.

matplotlib (a dependency of ember) is imported on first use, so ``import ember.d2l`` stays
quick. Where there is no display and no notebook, the Agg backend is selected, so nothing
ever opens a window or blocks.

Figures drawn outside a notebook are saved to files. ``Animator`` keeps its figure up to
date in a PNG file whose path it reports (``animator.path``) and prints once to stderr; the
directory is ``set_figure_dir(path)``, else ``$EMBER_FIGURE_DIR``, else a folder
``ember-figures`` in the system's temporary directory.
"""
import itertools
import os
import sys
import tempfile

import numpy as np

import ember

_figure_dir = None
_animator_ids = itertools.count(1)


def in_notebook():
    """Whether we run inside a Jupyter kernel (where figures are displayed inline)."""
    ipython = sys.modules.get("IPython")
    if ipython is None or "ipykernel" not in sys.modules:
        return False
    shell = ipython.get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _choose_backend(matplotlib):
    """Agg when nothing could show a window; otherwise leave matplotlib's own choice."""
    if os.environ.get("MPLBACKEND") or in_notebook():
        return
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if headless:
        matplotlib.use("Agg")


def _pyplot():
    if "matplotlib.pyplot" not in sys.modules:
        import matplotlib
        _choose_backend(matplotlib)
    from matplotlib import pyplot
    return pyplot


def set_figure_dir(path):
    """Where figures drawn outside a notebook (``Animator``'s live file) are saved."""
    global _figure_dir
    _figure_dir = None if path is None else os.fspath(path)


def figure_dir():
    """The directory figures are saved in (created on demand)."""
    path = _figure_dir or os.environ.get("EMBER_FIGURE_DIR") or os.path.join(
        tempfile.gettempdir(), "ember-figures")
    os.makedirs(path, exist_ok=True)
    return path


def savefig(path, fig=None, **kwargs):
    """Save ``fig`` (default: the current figure) to ``path`` atomically: a viewer watching
    the file never sees it half written. Returns the path."""
    plt = _pyplot()
    fig = fig if fig is not None else plt.gcf()
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    root, ext = os.path.splitext(path)
    fmt = kwargs.pop("format", ext[1:] or "png")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".part-", suffix=ext or ".png")
    try:
        with os.fdopen(fd, "wb") as f:
            fig.savefig(f, format=fmt, **kwargs)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a figure is for anyone to view
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def use_svg_display():
    """Use the svg format to display plots in Jupyter (no effect outside a notebook)."""
    if in_notebook():
        _pyplot()
        from matplotlib_inline import backend_inline
        backend_inline.set_matplotlib_formats("svg")


def set_figsize(figsize=(3.5, 2.5)):
    """Set the figure size for matplotlib."""
    use_svg_display()
    _pyplot().rcParams["figure.figsize"] = figsize


def set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend):
    """Set the axes for matplotlib. A limit with equal ends (``xlim=[1, num_epochs]`` for a
    single epoch) is left to matplotlib instead of making a singular axis."""
    xlim = None if xlim is not None and xlim[0] == xlim[1] else xlim
    ylim = None if ylim is not None and ylim[0] == ylim[1] else ylim
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_xscale(xscale)
    axes.set_yscale(yscale)
    axes.set_xlim(xlim)
    axes.set_ylim(ylim)
    if legend:
        axes.legend(legend)
    axes.grid()


def _to_numpy(x):
    """A tensor (detached; ``requires_grad`` does not matter for a plot) or array-like as a
    NumPy array; a list of numbers or 0-d tensors becomes a 1-D array."""
    if ember.is_tensor(x):
        return x.detach().numpy()
    if isinstance(x, (list, tuple)) and any(ember.is_tensor(v) for v in x):
        return np.array([float(v) for v in x])
    return np.asarray(x)


def _is_scalar(v):
    return np.ndim(v.detach().numpy() if ember.is_tensor(v) else v) == 0


def _is_point(v):
    """A single value: a number, None, or a 0-d tensor or array (which have ``__len__``
    but no length)."""
    return v is None or not hasattr(v, "__len__") or _is_scalar(v)


def _series(X):
    """The list of 1-D series in ``X``: one array, a 2-D array (its rows), or a list of
    series; a flat list of numbers is one series (the book's ``has_one_axis``)."""
    if isinstance(X, (list, tuple)):
        if len(X) and all(_is_scalar(v) for v in X):
            return [_to_numpy(X)]
        return [_to_numpy(x) for x in X]
    arr = _to_numpy(X)
    return [arr] if arr.ndim == 1 else list(arr)


def plot(X, Y=None, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None,
         xscale="linear", yscale="linear", fmts=("-", "m--", "g-.", "r:"), figsize=(3.5, 2.5),
         axes=None):
    """Plot data points: ``plot(x, [f(x), g(x)], 'x', 'f(x)', legend=[...])``. ``X`` and ``Y``
    may be tensors (they are detached), arrays or lists. Returns the axes drawn on."""
    if legend is None:
        legend = []
    set_figsize(figsize)
    axes = axes if axes is not None else _pyplot().gca()
    X = _series(X)
    if Y is None:
        X, Y = [np.array([])] * len(X), X
    else:
        Y = _series(Y)
    if len(X) != len(Y):
        X = X * len(Y)
    axes.cla()
    for x, y, fmt in zip(X, Y, itertools.cycle(fmts)):
        if len(x):
            axes.plot(x, y, fmt)
        else:
            axes.plot(y, fmt)
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend)
    return axes


def annotate(text, xy, xytext):
    """Annotate the current axes with an arrow from ``xytext`` to ``xy``."""
    return _pyplot().gca().annotate(text, xy=xy, xytext=xytext,
                                    arrowprops=dict(arrowstyle="->"))


def show_images(imgs, num_rows, num_cols, titles=None, scale=1.5):
    """Plot a grid of images (tensors, arrays, or PIL images); returns the flat axes."""
    figsize = (num_cols * scale, num_rows * scale)
    _, axes = _pyplot().subplots(num_rows, num_cols, figsize=figsize)
    axes = np.asarray(axes).flatten()
    for i, (ax, img) in enumerate(zip(axes, imgs)):
        if ember.is_tensor(img):
            img = img.detach().numpy()
        ax.imshow(img)
        ax.axes.get_xaxis().set_visible(False)
        ax.axes.get_yaxis().set_visible(False)
        if titles:
            ax.set_title(titles[i])
    return axes


class Animator:
    """Plot data incrementally (the book's ``d2l.Animator``).

    In Jupyter it redraws the figure in the cell's output. Anywhere else it never blocks: it
    saves the figure to ``self.path`` (a PNG, replaced atomically) on every ``add``, and
    reports that path on stderr the first time. Pass ``path=`` to choose the file.
    """

    def __init__(self, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None,
                 xscale="linear", yscale="linear", fmts=("-", "m--", "g-.", "r:"), nrows=1,
                 ncols=1, figsize=(3.5, 2.5), path=None, quiet=False):
        if legend is None:
            legend = []
        use_svg_display()
        plt = _pyplot()
        self.fig, self.axes = plt.subplots(nrows, ncols, figsize=figsize)
        if nrows * ncols == 1:
            self.axes = [self.axes]
        else:
            self.axes = list(np.asarray(self.axes).flatten())
        # A closure over the arguments, so every redraw restores the same axes settings.
        self.config_axes = lambda: set_axes(self.axes[0], xlabel, ylabel, xlim, ylim, xscale,
                                            yscale, legend)
        self.X, self.Y, self.fmts = None, None, fmts
        self.notebook = in_notebook()
        self._path = None if path is None else os.fspath(path)
        self._reported = quiet

    @property
    def path(self):
        """The PNG file the figure is kept in (outside a notebook)."""
        if self._path is None:
            self._path = os.path.join(figure_dir(),
                                      f"animator-{os.getpid()}-{next(_animator_ids)}.png")
        return self._path

    def add(self, x, y):
        """Add one point per line: ``add(epoch, (train_loss, train_acc, test_acc))``; a
        ``None`` in ``y`` skips that line for this ``x``."""
        y = [y] if _is_point(y) else list(y)
        n = len(y)
        x = [x] * n if _is_point(x) else list(x)
        if not self.X:
            self.X = [[] for _ in range(n)]
        if not self.Y:
            self.Y = [[] for _ in range(n)]
        for i, (a, b) in enumerate(zip(x, y)):
            if a is not None and b is not None:
                self.X[i].append(float(a))
                self.Y[i].append(float(b))
        self.axes[0].cla()
        for xs, ys, fmt in zip(self.X, self.Y, itertools.cycle(self.fmts)):
            self.axes[0].plot(xs, ys, fmt)
        self.config_axes()
        self.show()

    def show(self):
        """Display the figure (notebook) or write it to ``self.path`` (elsewhere)."""
        if self.notebook:
            from IPython import display
            display.display(self.fig)
            display.clear_output(wait=True)
            return
        savefig(self.path, self.fig)
        if not self._reported:
            self._reported = True
            print(f"Animator: live figure at {self.path}", file=sys.stderr)

    def close(self):
        """Release the figure's memory (its file stays)."""
        _pyplot().close(self.fig)


def __getattr__(name):
    # ``plt`` is pyplot, imported (and its backend chosen) only when first used.
    if name == "plt":
        return _pyplot()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
