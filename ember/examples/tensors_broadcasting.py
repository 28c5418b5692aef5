"""Tensors: creation, arithmetic, concatenation, broadcasting, indexing, saving memory.

The notes' "数据操作" (data manipulation) section, run on ember.
"""
from _common import report, setup


def main():
    setup(__doc__)
    import ember as torch

    x = torch.arange(12)
    report("x.shape", tuple(x.shape))
    report("x.numel()", x.numel())
    X = x.reshape(3, 4)
    print(X)
    print(torch.zeros((2, 3, 4)).shape, torch.ones((2, 3, 4)).shape, torch.randn(3, 4).shape)
    print(torch.tensor([[2, 2], [3, 3]]))
    print(torch.exp(x))

    x = torch.tensor([1.0, 2, 4, 8])
    y = torch.tensor([2, 2, 2, 2])
    print(x + y, x - y, x * y, x / y, x ** y, sep="\n")

    X = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    Y = torch.tensor([[2.0, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])
    report("cat dim=0 shape", tuple(torch.cat((X, Y), dim=0).shape))
    report("cat dim=1 shape", tuple(torch.cat((X, Y), dim=1).shape))
    print(X > Y)
    report("X.sum()", X.sum().item())
    report("X.mean()", X.mean().item())

    # Broadcasting: trailing dimensions must be equal or 1.
    a = torch.randn((3, 4, 5))
    b = torch.randn((3, 1, 5))
    report("broadcast (3,4,5)+(3,1,5)", tuple((a + b).shape))
    a = torch.arange(3).reshape((3, 1))
    b = torch.arange(2).reshape((1, 2))
    print(a + b)

    print(X[-1], X[1:3], sep="\n")
    X[1, 2] = 9
    X[0:2, :] = 12
    print(X)

    # In-place operations keep the object (and its memory).
    before = id(Y)
    Y += X
    report("Y += X keeps id", id(Y) == before)
    Y = Y + X
    report("Y = Y + X keeps id", id(Y) == before)
    Z = torch.zeros_like(Y)
    before = id(Z)
    Z[:] = X + Y
    report("Z[:] = X + Y keeps id", id(Z) == before)

    A = X.numpy()
    B = torch.tensor(A)
    C = B.numpy()
    print(type(A).__name__, type(B).__name__, type(C).__name__)
    a = torch.tensor([3.5])
    print(a, a.item(), float(a), int(a))
    report("a.item()", a.item())


if __name__ == "__main__":
    main()
