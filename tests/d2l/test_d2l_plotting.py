import os

import numpy as np
import pytest

import ember
from ember import d2l

from d2l_test_helpers import assert_png


def test_plt_is_pyplot_on_a_non_interactive_backend(figure_dir):
    import matplotlib
    assert d2l.plt is matplotlib.pyplot
    assert not matplotlib.get_backend().lower().endswith(("qt5agg", "tkagg", "gtk3agg"))


def test_set_figsize_and_use_svg_display(figure_dir):
    d2l.use_svg_display()  # outside a notebook: nothing to switch, and no error
    d2l.set_figsize((5, 3))
    assert tuple(d2l.plt.rcParams["figure.figsize"]) == (5, 3)
    d2l.set_figsize()
    assert tuple(d2l.plt.rcParams["figure.figsize"]) == (3.5, 2.5)


def test_set_axes_applies_every_setting(figure_dir):
    fig, ax = d2l.plt.subplots()
    ax.plot([1, 10, 100], [1, 2, 3])
    d2l.set_axes(ax, "x", "y", [1, 100], [0.5, 4], "log", "linear", ["line"])
    assert ax.get_xlabel() == "x" and ax.get_ylabel() == "y"
    assert ax.get_xscale() == "log" and ax.get_yscale() == "linear"
    assert ax.get_xlim() == pytest.approx((1, 100))
    assert ax.get_ylim() == pytest.approx((0.5, 4))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["line"]


def test_plot_tensors_with_and_without_grad_to_a_png(figure_dir):
    x = ember.arange(-1, 4, 0.1, requires_grad=True)
    y = ember.sin(x)
    y.sum().backward()
    d2l.plt.figure()
    ax = d2l.plot(x.detach(), [y, x.grad], "x", "f(x)", legend=["sin x", "grad"])
    lines = ax.get_lines()
    assert len(lines) == 2
    np.testing.assert_allclose(lines[0].get_ydata(), np.sin(np.arange(-1, 4, 0.1)),
                               atol=1e-5)
    np.testing.assert_allclose(lines[1].get_ydata(), np.cos(np.arange(-1, 4, 0.1)),
                               atol=1e-5)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["sin x", "grad"]
    path = d2l.savefig(figure_dir / "plot.png")
    assert_png(path)


def test_plot_accepts_the_books_shapes_of_input(figure_dir):
    d2l.plt.figure()
    # Y only: a flat list of 0-d tensors is one series, plotted against its index.
    ax = d2l.plot([ember.tensor(v) for v in (1.0, 4.0, 9.0)])
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [1, 4, 9])
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), [0, 1, 2])
    # A 2-D array is one series per row, all against the one x.
    x = np.linspace(0, 1, 5)
    ax = d2l.plot(x, np.stack([x, x ** 2, x ** 3]))
    assert len(ax.get_lines()) == 3
    np.testing.assert_allclose(ax.get_lines()[2].get_ydata(), x ** 3)
    # Several x's, several y's (a chord over a curve, as in the convexity section).
    seg = ember.tensor([-1.5, 1.0])
    ax = d2l.plot([x, seg], [x, 0.5 * seg ** 2])
    np.testing.assert_allclose(ax.get_lines()[1].get_xdata(), [-1.5, 1.0])
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), [1.125, 0.5])


def test_annotate_adds_an_arrow(figure_dir):
    d2l.plt.figure()
    d2l.plot(np.arange(3), [np.arange(3) ** 2], "x", "f(x)")
    ann = d2l.annotate("min", (0, 0), (1, 2))
    assert ann.get_text() == "min"
    assert ann.xy == (0, 0)
    assert ann.arrow_patch is not None
    assert_png(d2l.savefig(figure_dir / "annotated.png"))


def test_show_images_titles_and_hidden_axes(figure_dir):
    imgs = ember.rand(6, 28, 28)
    axes = d2l.show_images(imgs, 2, 3, titles=[f"t{i}" for i in range(6)])
    assert len(axes) == 6
    assert [ax.get_title() for ax in axes] == [f"t{i}" for i in range(6)]
    assert not axes[0].get_xaxis().get_visible()
    np.testing.assert_allclose(axes[4].get_images()[0].get_array(), imgs[4].numpy())
    assert_png(d2l.savefig(figure_dir / "images.png"))


def test_animator_headless_keeps_a_png_up_to_date(figure_dir, capsys):
    animator = d2l.Animator(xlabel="epoch", xlim=[1, 3], ylim=[0, 1],
                            legend=["train loss", "train acc", "test acc"])
    assert not animator.notebook
    animator.add(1, (0.9, 0.4, None))  # None: that line gets no point at x=1
    path = animator.path
    assert os.path.dirname(path) == str(figure_dir)
    assert_png(path)
    first = os.path.getsize(path)
    assert f"Animator: live figure at {path}" in capsys.readouterr().err
    animator.add(2, (0.5, 0.7, 0.65))
    animator.add(3, (0.3, 0.8, 0.78))
    assert animator.X == [[1, 2, 3], [1, 2, 3], [2, 3]]
    assert animator.Y[2] == [0.65, 0.78]
    assert os.path.getsize(path) != first  # the file shows the new points
    assert capsys.readouterr().err == ""  # the path is reported once only
    lines = animator.axes[0].get_lines()
    np.testing.assert_allclose(lines[0].get_ydata(), [0.9, 0.5, 0.3])
    assert animator.axes[0].get_xlabel() == "epoch"


def test_animator_scalar_points_subplots_and_explicit_path(figure_dir):
    target = figure_dir / "sub" / "curve.png"
    animator = d2l.Animator(xlabel="epochs", ylabel="loss", yscale="log", nrows=1, ncols=2,
                            path=target, quiet=True)
    assert len(animator.axes) == 2
    for epoch in range(1, 4):
        animator.add(epoch, ember.tensor(10.0 ** -epoch))
    assert animator.Y[0] == pytest.approx([0.1, 0.01, 0.001])
    assert animator.axes[0].get_yscale() == "log"
    assert animator.path == str(target)
    assert_png(target)


def test_figure_dir_from_the_environment(monkeypatch, tmp_path):
    d2l.set_figure_dir(None)
    monkeypatch.setenv("EMBER_FIGURE_DIR", str(tmp_path / "figs"))
    assert d2l.figure_dir() == str(tmp_path / "figs")
    assert os.path.isdir(tmp_path / "figs")


def test_animator_in_a_notebook_redraws_the_cell_output(figure_dir, monkeypatch):
    display = pytest.importorskip("IPython.display")
    from ember.d2l import plotting
    calls = []
    monkeypatch.setattr(plotting, "in_notebook", lambda: True)
    monkeypatch.setattr(display, "display", lambda fig: calls.append(("display", fig)))
    monkeypatch.setattr(display, "clear_output",
                        lambda wait=False: calls.append(("clear", wait)))
    animator = d2l.Animator(legend=["loss"])
    animator.add(1, 0.5)
    animator.add(2, 0.25)
    assert calls == [("display", animator.fig), ("clear", True)] * 2
    assert not list(figure_dir.glob("*.png"))  # no file in a notebook


def test_set_axes_leaves_a_degenerate_limit_alone(figure_dir):
    import warnings
    fig, ax = d2l.plt.subplots()
    ax.plot([1, 1], [0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d2l.set_axes(ax, None, None, [1, 1], [0, 1], "linear", "linear", [])
    lo, hi = ax.get_xlim()
    assert lo < 1 < hi
