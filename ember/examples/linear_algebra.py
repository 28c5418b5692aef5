"""Linear algebra: scalars, vectors, matrices, tensors; reductions with and without
keeping dimensions; dot, matrix-vector and matrix-matrix products; norms.

The notes' "线性代数" section.
"""
from _common import report, setup


def main():
    setup(__doc__)
    import ember as torch

    x, y = torch.tensor(3.0), torch.tensor(2.0)
    print(x + y, x * y, x / y, x ** y)
    x = torch.arange(4)
    print(x[3], len(x), x.shape)
    A = torch.arange(20).reshape(5, 4)
    print(A, A.T, sep="\n")

    X = torch.arange(24).reshape(2, 3, 4)
    Y = X.clone()
    print(X + Y, X * Y, 3 * X, sep="\n")

    A = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)
    report("A.sum()", A.sum().item())
    report("A.sum(axis=2).shape", tuple(A.sum(axis=2).shape))
    report("A.sum(axis=1).shape", tuple(A.sum(axis=1).shape))
    report("A.sum(axis=[0, 1, 2])", A.sum(axis=[0, 1, 2]).item())
    print(A.mean(axis=0), A.sum(axis=0) / A.shape[0], sep="\n")

    A = torch.arange(20, dtype=torch.float32).reshape(5, 4)
    sum_A = A.sum(axis=1, keepdim=True)
    report("sum_A.shape", tuple(sum_A.shape))
    print(A / sum_A)
    print(A.cumsum(axis=0))

    x = torch.arange(4, dtype=torch.float32)
    y = torch.ones(4, dtype=torch.float32)
    report("dot(x, y)", torch.dot(x, y).item())
    report("sum(x * y)", float(sum(x * y)))
    report("mv(A, x)", torch.mv(A, x).tolist())
    B = torch.ones(4, 3)
    report("mm(A, B)[0]", torch.mm(A, B)[0].tolist())

    u = torch.tensor([3.0, -4.0])
    report("L2 norm", torch.norm(u).item())
    report("L1 norm", torch.abs(u).sum().item())
    report("Frobenius norm of ones(4, 9)", torch.norm(torch.ones((4, 9))).item())
    A = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)
    print(A / A.sum(axis=1, keepdim=True))
    report("linalg.norm(A)", torch.linalg.norm(A).item())
    report("norm(arange(24))", torch.norm(torch.arange(24, dtype=torch.float32)).item())


if __name__ == "__main__":
    main()
