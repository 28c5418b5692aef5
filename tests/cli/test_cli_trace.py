"""`ember trace`: optimizers' paths on the notes' functions, and safe expressions."""
import math
import re

import pytest

import ember
from _cli import assert_one_line_error, run_cli, run_main
from ember.cli.expr import Expression, ExpressionError
from ember.cli.trace import resolve_function

PNG = b"\x89PNG\r\n\x1a\n"


def _finals(stdout):
    """{optimizer label: (point, value)} from the printed table."""
    finals = {}
    for line in stdout.splitlines():
        m = re.match(r"\s+(\S+)\s+final (?:x|\([^)]*\)) = \(?([^)]*?)\)?\s+f = (\S+)", line)
        if m:
            finals[m.group(1)] = (tuple(float(v) for v in m.group(2).split(",")),
                                  float(m.group(3)))
    return finals


def test_adam_on_himmelblau_reaches_3_2(tmp_path):
    # the notes: Adam, lr 1e-2, from (0, 0) → (3, 2)
    proc = run_cli(tmp_path, "trace", "himmelblau", "--optimizer", "adam", "--lr", "1e-2",
                   "--steps", "2000", "--start", "0,0", "--out", "h.png")
    assert proc.returncode == 0, proc.stderr
    (point, value), = _finals(proc.stdout).values()
    assert point == pytest.approx((3.0, 2.0), abs=1e-3)
    assert 0 <= value < 1e-5
    png = (tmp_path / "h.png").read_bytes()
    assert png[:8] == PNG and len(png) > 10_000


def test_several_optimizers_overlaid_on_the_notes_2d_function(tmp_path):
    # 0.1 x1^2 + 2 x2^2 from (-5, -2) with eta 0.4, 20 steps, as in the notes
    proc = run_cli(tmp_path, "trace", "0.1*x1**2 + 2*x2**2", "-O", "gd", "momentum",
                   "adagrad", "rmsprop", "adadelta", "adam", "newton",
                   "--out", tmp_path / "figs")
    assert proc.returncode == 0, proc.stderr
    finals = _finals(proc.stdout)
    assert list(finals) == ["gd", "momentum", "adagrad", "rmsprop", "adadelta", "adam",
                            "newton"]
    # plain gradient descent: x2 ← (1 - 4 eta) x2 = -0.6 x2, x1 ← (1 - 0.2 eta) x1 = 0.92 x1
    (x1, x2), _ = finals["gd"]
    assert x1 == pytest.approx(-5 * 0.92 ** 20, rel=1e-5)
    assert x2 == pytest.approx(-2 * (-0.6) ** 20, rel=1e-4)
    # Newton's method minimizes a quadratic in one step
    (n1, n2), nv = finals["newton"]
    assert abs(n1) < 1e-9 and abs(n2) < 1e-9 and nv < 1e-15
    assert (tmp_path / "figs" / "trace.png").read_bytes()[:8] == PNG


def test_1d_gd_and_newton_match_the_notes(tmp_path):
    # gd(0.2) on x**2 from 10 for 10 steps: x = 10 * 0.6**10 = 0.0604661...
    proc = run_cli(tmp_path, "trace", "x**2", "--out", "q.png")
    assert proc.returncode == 0, proc.stderr
    (x,), _ = _finals(proc.stdout)["gd"]
    assert x == pytest.approx(10 * 0.6 ** 10, rel=1e-5)
    # Newton on cosh(0.5 x) from 10 converges to 0; on x cos(c x) it heads for a maximum
    proc = run_cli(tmp_path, "trace", "cosh(c*x)", "-O", "newton", "--out", "c.png")
    (x,), v = _finals(proc.stdout)["newton"]
    assert abs(x) < 1e-6 and v == pytest.approx(1.0)
    assert (tmp_path / "c.png").read_bytes()[:8] == PNG


def test_divergence_is_reported_not_raised(tmp_path):
    proc = run_cli(tmp_path, "trace", "x**2", "-O", "gd:lr=1.1", "--steps", "3000",
                   "--out", "d.png")
    assert proc.returncode == 0, proc.stderr
    assert "diverged" in proc.stdout
    assert (tmp_path / "d.png").read_bytes()[:8] == PNG


def test_expression_with_c_and_negative_start(tmp_path):
    proc = run_cli(tmp_path, "trace", "x1**2 + c*x2**2", "--c", "3", "--start", "-1,-1",
                   "-O", "gd:lr=0.1", "--steps", "5", "--out", "e.png")
    assert proc.returncode == 0, proc.stderr
    (x1, x2), _ = _finals(proc.stdout)["gd(lr=0.1)"]
    assert x1 == pytest.approx(-(0.8 ** 5)) and x2 == pytest.approx(-(0.4 ** 5))


@pytest.mark.parametrize("args, fragments", [
    (["himmelblau", "-O", "adma"], ["unknown optimizer 'adma'", "did you mean 'adam", "newton"]),
    (["__import__('os').system('true')"], ["bad expression", "not allowed"]),
])
def test_user_errors(tmp_path, args, fragments):
    proc = run_cli(tmp_path, "trace", *args, "--out", "t.png", timeout=60)
    assert_one_line_error(proc, 2, *fragments)
    assert not (tmp_path / "t.png").exists()


@pytest.mark.parametrize("args, fragments", [
    (["himmelblau", "-O", "adam:lr=-1"], ["bad hyperparameter for Adam", "Invalid learning"]),
    (["himmelblau", "-O", "adam:bogus=1"], ["Adam has no hyperparameter 'bogus'"]),
    (["himmelblau", "--opt", "momentum=0.9", "-O", "adam"], ["no chosen optimizer takes"]),
    (["himmelblaw"], ["unknown function 'himmelblaw'", "did you mean 'himmelblau'"]),
    (["x.__class__"], ["bad expression", "Attribute is not allowed"]),
    (["x1 + y"], ["mixes variables"]),
    (["c*x"], ["uses the constant c", "--c"]),
    (["himmelblau", "--start", "1,2,3"], ["bad --start", "2 variable"]),
    (["himmelblau", "--steps", "-1"], ["bad --steps"]),
])
def test_more_user_errors(tmp_path, capsys, args, fragments):
    proc = run_main(capsys, "trace", *args, "--out", tmp_path / "t.png")
    assert_one_line_error(proc, 2, *fragments)
    assert not (tmp_path / "t.png").exists()


def test_unwritable_out(tmp_path):
    (tmp_path / "f").write_text("")
    proc = run_cli(tmp_path, "trace", "x**2", "--out", tmp_path / "f" / "t.png", timeout=60)
    assert_one_line_error(proc, 1, "cannot write to --out directory")


# --- the expression evaluator, in process ---------------------------------------------

def test_catalogued_formulas_are_recognized_whatever_the_spacing():
    assert resolve_function("x1**2+2*x2**2").name == "f2d"
    assert resolve_function("0.1 * x1 ** 2 + 2 * x2 ** 2").name == "ill"
    assert resolve_function("x * cos(c * x)").c == pytest.approx(0.15 * math.pi)
    assert resolve_function("Himmelblau").start == (0.0, 0.0)


def test_expression_evaluates_tensors_with_gradients_and_arrays():
    import numpy as np
    f = Expression("sin(x1) * exp(x2) + x1**2 / 2 - pi")
    x1 = ember.tensor(0.3, dtype=ember.float64, requires_grad=True)
    x2 = ember.tensor(-0.2, dtype=ember.float64, requires_grad=True)
    y = f(x1, x2)
    y.backward()
    assert float(y) == pytest.approx(math.sin(0.3) * math.exp(-0.2) + 0.045 - math.pi)
    assert float(x1.grad) == pytest.approx(math.cos(0.3) * math.exp(-0.2) + 0.3)
    assert float(x2.grad) == pytest.approx(math.sin(0.3) * math.exp(-0.2))
    grid = f(np.array([0.0, 1.0]), np.array([0.0, 0.0]))
    assert grid == pytest.approx([-math.pi, math.sin(1) + 0.5 - math.pi])


@pytest.mark.parametrize("text", [
    "__import__('os')", "x.real", "x[0]", "[x]", "lambda: x", "x if x else x", "'a' * x",
    "open('f')", "exp(x, x)", "exp(x=x)", "x < 1", "True * x", "eval('1')", "(x := 2)",
    "x" + "+x" * 300,
])
def test_expression_rejects_everything_but_arithmetic(text):
    with pytest.raises(ExpressionError):
        Expression(text)


def test_huge_constants_overflow_instead_of_hanging():
    f = Expression("9**9**9 * x")
    assert f(1.0) == math.inf
