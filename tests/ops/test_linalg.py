"""Products: dot, mv, mm, matmul/@ (all rank combinations), bmm, outer, linalg.norm/inv/det;
shape-mismatch messages that name both shapes."""
import numpy as np
import pytest

import ember
from coreutil import compare_with_torch, gradcheck

rng = np.random.default_rng(3)

# name -> (op, shapes); the same callable runs on both libraries
PRODUCTS = {
    "dot": (lambda a, b: a.dot(b), [(5,), (5,)]),
    "mv": (lambda a, b: a.mv(b), [(3, 5), (5,)]),
    "mm": (lambda a, b: a.mm(b), [(3, 5), (5, 2)]),
    "bmm": (lambda a, b: a.bmm(b), [(4, 3, 5), (4, 5, 2)]),
    "outer": (lambda a, b: a.outer(b), [(3,), (4,)]),
    "matmul_1d_1d": (lambda a, b: a @ b, [(4,), (4,)]),
    "matmul_2d_1d": (lambda a, b: a @ b, [(3, 4), (4,)]),
    "matmul_1d_2d": (lambda a, b: a @ b, [(4,), (4, 2)]),
    "matmul_2d_2d": (lambda a, b: a.matmul(b), [(3, 4), (4, 2)]),
    "matmul_3d_1d": (lambda a, b: a @ b, [(2, 3, 4), (4,)]),
    "matmul_1d_3d": (lambda a, b: a @ b, [(4,), (2, 4, 3)]),
    "matmul_3d_2d": (lambda a, b: a @ b, [(2, 3, 4), (4, 5)]),
    "matmul_2d_3d": (lambda a, b: a @ b, [(3, 4), (2, 4, 5)]),
    "matmul_bcast": (lambda a, b: a @ b, [(2, 1, 3, 4), (3, 4, 2)]),
    "x_wT": (lambda a, b: a @ b.t(), [(1, 10), (3, 10)]),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_product_against_torch(torch, name, dtype):
    f, shapes = PRODUCTS[name]
    compare_with_torch(torch, f, f, [rng.standard_normal(s).astype(dtype) for s in shapes])


@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_product_gradcheck(name):
    f, shapes = PRODUCTS[name]
    gradcheck(f, [rng.standard_normal(s) for s in shapes])


def test_functional_forms_match_methods(torch):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    v = rng.standard_normal(4)
    compare_with_torch(torch, ember.mm, torch.mm, [a, b])
    compare_with_torch(torch, ember.matmul, torch.matmul, [a, b])
    compare_with_torch(torch, ember.mv, torch.mv, [a, v])
    compare_with_torch(torch, ember.dot, torch.dot, [v, v * 2])
    compare_with_torch(torch, ember.outer, torch.outer, [v, v[:2]])
    compare_with_torch(torch, lambda x, y: ember.bmm(x, y), torch.bmm,
                       [rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 1))])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_linalg_functions(torch, dtype):
    a = (rng.standard_normal((3, 3)) + 3 * np.eye(3)).astype(dtype)
    compare_with_torch(torch, lambda x: ember.linalg.norm(x), lambda x: torch.linalg.norm(x), [a])
    compare_with_torch(torch, lambda x: ember.linalg.norm(x, dim=1),
                       lambda x: torch.linalg.norm(x, dim=1), [a])
    compare_with_torch(torch, lambda x: ember.linalg.norm(x, ord=1, dim=0),
                       lambda x: torch.linalg.norm(x, ord=1, dim=0), [a])
    compare_with_torch(torch, ember.linalg.inv, torch.linalg.inv, [a],
                       rtol=1e-4 if dtype == "float32" else None)
    compare_with_torch(torch, ember.linalg.det, torch.linalg.det, [a],
                       rtol=1e-4 if dtype == "float32" else None)
    gradcheck(ember.linalg.inv, [a.astype(np.float64)])
    gradcheck(ember.linalg.det, [a.astype(np.float64)])


def test_matmul_of_integers(torch):
    a, b = np.arange(6).reshape(2, 3), np.arange(3)
    got, want = ember.tensor(a) @ ember.tensor(b), torch.tensor(a) @ torch.tensor(b)
    assert got.dtype == ember.int64 and got.tolist() == want.tolist()


@pytest.mark.parametrize("f,shapes", [
    (lambda a, b: a @ b, [(2, 3), (4, 5)]),
    (lambda a, b: a.mm(b), [(3, 4), (3, 4)]),
    (lambda a, b: a @ b, [(3,), (4,)]),
    (lambda a, b: a.dot(b), [(3,), (4,)]),
    (lambda a, b: a @ b, [(2, 3), (4,)]),
    (lambda a, b: a @ b, [(4,), (3, 2)]),
    (lambda a, b: a @ b, [(2, 2, 3), (4,)]),
    (lambda a, b: a @ b, [(2, 2, 3), (2, 4, 5)]),
    (lambda a, b: a @ b, [(2, 2, 3), (3, 3, 5)]),
    (lambda a, b: a @ b, [(3,), (2, 4, 5)]),
    (lambda a, b: a @ b, [(2, 3), (5, 4, 3)]),
])
def test_matmul_shape_mismatch_names_both_shapes(torch, f, shapes):
    with pytest.raises(RuntimeError) as want:
        f(*[torch.zeros(s) for s in shapes])
    with pytest.raises(RuntimeError) as got:
        f(*[ember.zeros(s) for s in shapes])
    assert str(got.value) == str(want.value)


def test_product_rank_errors(torch):
    with pytest.raises(RuntimeError, match="1D tensors expected, but got 2D and 1D tensors"):
        ember.dot(ember.zeros(2, 2), ember.zeros(2))
    with pytest.raises(RuntimeError, match="both arguments to matmul need to be at least 1D"):
        ember.tensor(1.0) @ ember.zeros(2)
    with pytest.raises(RuntimeError, match="batch1 must be a 3D tensor"):
        ember.bmm(ember.zeros(2, 2), ember.zeros(2, 2, 2))
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype"):
        ember.zeros(2, 2) @ ember.zeros(2, 2, dtype=ember.float64)


def test_numpy_matrix_operand(torch):
    m = np.eye(3, dtype=np.float32) * 2
    x = ember.ones(3, requires_grad=True)
    y = x @ m
    assert isinstance(y, ember.Tensor) and y.tolist() == [2.0, 2.0, 2.0]
    (m @ x).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
