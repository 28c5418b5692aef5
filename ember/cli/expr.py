"""Objective functions typed on the command line, evaluated without ``eval``.

The text is parsed with ``ast`` and every node is checked against a whitelist: numbers,
``+ - * / **``, unary minus, the variables ``x`` (1-D) or ``x1, x2`` / ``x, y`` (2-D),
the constant ``c`` and the names ``pi`` and ``e``, and calls of a fixed set of math
functions with one argument. The checked tree is turned into nested Python closures, so
nothing the user typed is ever executed as code. The same function evaluates ember
tensors (for autograd: gradients and Hessians) and NumPy arrays (for contour grids).
"""
import ast
import math

import numpy as np

import ember

_FUNCTIONS = {
    # name: (ember function, NumPy function)
    "sin": (ember.sin, np.sin), "cos": (ember.cos, np.cos), "tan": (ember.tan, np.tan),
    "exp": (ember.exp, np.exp), "log": (ember.log, np.log), "sqrt": (ember.sqrt, np.sqrt),
    "sinh": (ember.sinh, np.sinh), "cosh": (ember.cosh, np.cosh), "tanh": (ember.tanh, np.tanh),
    "abs": (ember.abs, np.abs), "atan": (ember.atan, np.arctan),
    "sigmoid": (ember.sigmoid, lambda a: 1 / (1 + np.exp(-a))),
}
_CONSTANTS = {"pi": math.pi, "e": math.e}
_VARIABLES = ("x", "x1", "x2", "y")
_BINARY = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
           ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
           ast.Pow: lambda a, b: a ** b}
_UNARY = {ast.USub: lambda a: -a, ast.UAdd: lambda a: a}
_MAX_LENGTH = 500


class ExpressionError(ValueError):
    """An expression the command line refuses (not arithmetic in x1, x2, or too long)."""


def _describe(node):
    return type(node).__name__ if not isinstance(node, ast.Name) else f"name '{node.id}'"


class Expression:
    """A checked expression: ``variables`` (("x",) or a pair), ``uses_c``, and a call that
    evaluates it on ember tensors or NumPy arrays given ``c``."""

    def __init__(self, text):
        text = text.strip()
        if not text:
            raise ExpressionError("empty expression")
        if len(text) > _MAX_LENGTH:
            raise ExpressionError(f"expression longer than {_MAX_LENGTH} characters")
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError as e:
            raise ExpressionError(f"cannot parse '{text}': {e.msg}") from None
        self.text = text
        self.names = set()
        self._fn = self._compile(tree.body)
        used = self.names & set(_VARIABLES)
        if used <= {"x"} and "x" in used:
            self.variables = ("x",)
        elif used <= {"x1", "x2"} and used:
            self.variables = ("x1", "x2")
        elif used <= {"x", "y"} and "y" in used:
            self.variables = ("x", "y")
        elif not used:
            raise ExpressionError(f"'{text}' uses no variable: write it in x (1-D) or in "
                                  "x1, x2 or x, y (2-D)")
        else:
            raise ExpressionError(f"'{text}' mixes variables {sorted(used)}: use x alone, "
                                  "x1 and x2, or x and y")
        self.uses_c = "c" in self.names
        self.canonical = ast.dump(tree.body)

    @property
    def dim(self):
        return len(self.variables)

    def _compile(self, node):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ExpressionError(f"only numbers are allowed as constants, not "
                                      f"{node.value!r}")
            # Floats, never Python ints: 9**9**9 on ints would compute for ever, on floats
            # it overflows at once.
            value = float(node.value)
            return lambda env: value
        if isinstance(node, ast.Name):
            name = node.id
            if name in _CONSTANTS:
                value = _CONSTANTS[name]
                return lambda env: value
            if name in _VARIABLES or name == "c":
                self.names.add(name)
                return lambda env: env[name]
            raise ExpressionError(f"unknown name '{name}': the variables are x (1-D) or "
                                  "x1, x2 / x, y (2-D), c is the constant set by --c, "
                                  f"and the functions are {', '.join(sorted(_FUNCTIONS))}")
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            op, left, right = _BINARY[type(node.op)], self._compile(node.left), \
                self._compile(node.right)

            def binary(env):
                a, b = left(env), right(env)
                try:
                    return op(a, b)
                except (OverflowError, ZeroDivisionError):
                    # Python floats raise where arrays give inf or nan: follow the arrays
                    with np.errstate(all="ignore"):
                        return float(op(np.float64(a), np.float64(b)))
            return binary
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            op, operand = _UNARY[type(node.op)], self._compile(node.operand)
            return lambda env: op(operand(env))
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
                name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
                raise ExpressionError(f"function '{name}' is not allowed; allowed: "
                                      f"{', '.join(sorted(_FUNCTIONS))}")
            if node.keywords or len(node.args) != 1:
                raise ExpressionError(f"{node.func.id}() takes exactly one argument")
            ember_fn, numpy_fn = _FUNCTIONS[node.func.id]
            arg = self._compile(node.args[0])

            def call(env):
                a = arg(env)
                if isinstance(a, ember.Tensor):
                    return ember_fn(a)
                return numpy_fn(a)
            return call
        raise ExpressionError(f"{_describe(node)} is not allowed in an expression "
                              f"(only numbers, variables, + - * / **, and math functions)")

    def __call__(self, *values, c=None):
        if len(values) != self.dim:
            raise TypeError(f"{self.text} takes {self.dim} values, got {len(values)}")
        env = dict(zip(self.variables, values))
        if self.uses_c:
            if c is None:
                raise ExpressionError(f"'{self.text}' uses the constant c: give its value "
                                      "with --c")
            env["c"] = c
        return self._fn(env)
