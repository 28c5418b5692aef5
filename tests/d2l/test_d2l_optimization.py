"""train_2d on the notes' f(x1, x2) = 0.1*x1**2 + 2*x2**2 (gradient (0.2*x1, 4*x2)), with
the trainers of the notes, against values worked out by hand."""
import math

import pytest

from ember import d2l

from d2l_test_helpers import assert_png


def f_2d(x1, x2):
    return 0.1 * x1 ** 2 + 2 * x2 ** 2


def test_gradient_descent_trace(capsys):
    eta = 0.4

    def gd_2d(x1, x2, s1, s2):
        return (x1 - eta * 0.2 * x1, x2 - eta * 4 * x2, 0, 0)

    results = d2l.train_2d(gd_2d)
    assert len(results) == 21 and results[0] == (-5, -2)
    # Each step multiplies x1 by 1 - 0.4*0.2 = 0.92 and x2 by 1 - 0.4*4 = -0.6.
    for k, (x1, x2) in enumerate(results):
        assert x1 == pytest.approx(-5 * 0.92 ** k)
        assert x2 == pytest.approx(-2 * (-0.6) ** k)
    assert "epoch 20, x1: -0.943467, x2: -0.000073" in capsys.readouterr().out


def test_momentum_trace():
    eta, gamma = 0.4, 0.5

    def momentum_2d(x1, x2, v1, v2):
        v1 = gamma * v1 + eta * 0.2 * x1
        v2 = gamma * v2 + eta * 4 * x2
        return x1 - v1, x2 - v2, v1, v2

    results = d2l.train_2d(momentum_2d)
    # Step 1: v = (0.08*-5, 1.6*-2) = (-0.4, -3.2); x = (-4.6, 1.2).
    assert results[1] == pytest.approx((-4.6, 1.2))
    # Step 2: v1 = 0.5*-0.4 + 0.08*-4.6 = -0.568, v2 = 0.5*-3.2 + 1.6*1.2 = 0.32.
    assert results[2] == pytest.approx((-4.032, 0.88))
    # After 20 steps, as printed in the book: x1 -0.062843, x2 0.001202.
    assert results[-1] == pytest.approx((-0.062843, 0.001202), abs=1e-6)


def test_adagrad_trace():
    eta = 0.4

    def adagrad_2d(x1, x2, s1, s2):
        g1, g2, eps = 0.2 * x1, 4 * x2, 1e-6
        s1 += g1 ** 2
        s2 += g2 ** 2
        x1 -= eta / math.sqrt(s1 + eps) * g1
        x2 -= eta / math.sqrt(s2 + eps) * g2
        return x1, x2, s1, s2

    results = d2l.train_2d(adagrad_2d)
    # Step 1: g = (-1, -8), s = (1, 64): each coordinate moves by eta = 0.4.
    assert results[1] == pytest.approx((-4.6, -1.6), abs=1e-6)
    # Step 2: g = (-0.92, -6.4), s = (1.8464, 104.96).
    x1 = -4.6 + 0.4 * 0.92 / math.sqrt(1.8464)
    x2 = -1.6 + 0.4 * 6.4 / math.sqrt(104.96)
    assert results[2] == pytest.approx((x1, x2), abs=1e-6)
    assert results[-1] == pytest.approx((-2.382563, -0.158591), abs=1e-6)  # the book's


def test_rmsprop_trace():
    eta, gamma = 0.4, 0.9

    def rmsprop_2d(x1, x2, s1, s2):
        g1, g2, eps = 0.2 * x1, 4 * x2, 1e-6
        s1 = gamma * s1 + (1 - gamma) * g1 ** 2
        s2 = gamma * s2 + (1 - gamma) * g2 ** 2
        x1 -= eta / math.sqrt(s1 + eps) * g1
        x2 -= eta / math.sqrt(s2 + eps) * g2
        return x1, x2, s1, s2

    results = d2l.train_2d(rmsprop_2d)
    # Step 1: s = (0.1, 6.4); both coordinates move by 0.4 / sqrt(0.1) = 1.264911.
    assert results[1] == pytest.approx((-5 + 1.264911, -2 + 1.264911), abs=1e-5)
    assert results[-1] == pytest.approx((-0.010599, 0.0), abs=1e-6)  # the book's


def test_two_argument_trainer_and_steps(capsys):
    eta = 0.1

    def gd_2d(x1, x2):  # the notes' first 2-D example: no state
        return (x1 - eta * 2 * x1, x2 - eta * 4 * x2)

    results = d2l.train_2d(gd_2d, steps=5)
    assert len(results) == 6
    assert results[-1] == pytest.approx((-5 * 0.8 ** 5, -2 * 0.6 ** 5))
    assert capsys.readouterr().out.startswith("epoch 5, x1:")


def test_trainer_with_f_grad():
    def f_grad(x1, x2):
        return 0.2 * x1, 4 * x2

    def gd(x1, x2, s1, s2, f_grad):
        g1, g2 = f_grad(x1, x2)
        return x1 - 0.4 * g1, x2 - 0.4 * g2, 0, 0

    results = d2l.train_2d(gd, steps=3, f_grad=f_grad)
    assert results[3] == pytest.approx((-5 * 0.92 ** 3, -2 * (-0.6) ** 3))


def test_show_trace_2d_draws_contours_and_the_path(figure_dir):
    results = d2l.train_2d(lambda x1, x2, s1, s2: (0.9 * x1, 0.5 * x2, 0, 0))
    ax = d2l.show_trace_2d(f_2d, results, 0.4, 0.5)
    path_line = ax.get_lines()[0]
    # pytest.approx compares flat sequences only: compare the two coordinates apart
    assert list(path_line.get_xdata()) == pytest.approx([float(a) for a, _ in results])
    assert list(path_line.get_ydata()) == pytest.approx([float(b) for _, b in results])
    assert ax.collections  # the contour lines
    assert ax.get_title() == "0.4, 0.5"
    assert_png(d2l.savefig(figure_dir / "trace2d.png"))


def test_show_trace_2d_of_a_diverging_run(figure_dir):
    results = d2l.train_2d(lambda x1, x2, s1, s2: (x1 * 0.92, x2 * -1.4, 0, 0))
    ax = d2l.show_trace_2d(f_2d, results)
    lo, hi = ax.get_ylim()
    assert hi > abs(results[-1][1]) * 0.9 or lo < -abs(results[-1][1]) * 0.9


def test_show_trace_1d(figure_dir):
    results = [10.0]
    for _ in range(10):
        results.append(results[-1] - 0.2 * 2 * results[-1])
    ax = d2l.show_trace(results, lambda x: x ** 2)
    curve, trace = ax.get_lines()
    assert curve.get_xdata().min() == pytest.approx(-10, abs=0.011)
    assert list(trace.get_ydata()) == pytest.approx([x ** 2 for x in results], rel=1e-6)
    assert_png(d2l.savefig(figure_dir / "trace1d.png"))
