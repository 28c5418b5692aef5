"""nn.Embedding / F.embedding and F.one_hot against PyTorch, plus finite differences."""
import numpy as np
import pytest

import ember
from ember import nn
from ember.nn import functional as F
from coreutil import assert_close, gradcheck

CONFIGS = [{}, {"padding_idx": 1}, {"padding_idx": -2, "scale_grad_by_freq": True},
           {"max_norm": 1.0}, {"max_norm": 0.5, "norm_type": 1.0}]


@pytest.mark.parametrize("kw", CONFIGS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_embedding_twin(torch, kw, dtype):
    tm = torch.nn.Embedding(6, 4, **kw).to(getattr(torch, dtype))
    em = nn.Embedding(6, 4, **kw).to(getattr(ember, dtype))
    assert repr(em) == repr(tm) and list(em.state_dict()) == list(tm.state_dict())
    em.load_state_dict({"weight": ember.tensor(tm.weight.detach().numpy().copy())})
    idx = np.array([[0, 1, 3], [3, 4, 1]])
    w = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(dtype)
    res = []
    for lib, m in ((ember, em), (torch, tm)):
        out = m(lib.tensor(idx))
        (out * lib.tensor(w)).sum().backward()
        res.append([out, m.weight.grad, m.weight])
    for g, want in zip(*res):
        assert_close(g, want)


def test_padding_row_and_init(torch):
    e = nn.Embedding(50, 30, padding_idx=3)
    assert not e.weight[3].detach().numpy().any()
    values = np.delete(e.weight.detach().numpy(), 3, axis=0)
    assert abs(values.mean()) < 0.1 and abs(values.std() - 1) < 0.1  # N(0, 1)
    e(ember.tensor([3, 3, 2])).sum().backward()
    assert not e.weight.grad[3].numpy().any() and e.weight.grad[2].numpy().all()


def test_from_pretrained(torch):
    w = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    for freeze in (True, False):
        e = nn.Embedding.from_pretrained(ember.tensor(w), freeze=freeze, padding_idx=0)
        t = torch.nn.Embedding.from_pretrained(torch.tensor(w), freeze=freeze, padding_idx=0)
        assert repr(e) == repr(t) and e.weight.requires_grad == t.weight.requires_grad
        assert_close(e(ember.tensor([1, 0])), t(torch.tensor([1, 0])))
    with pytest.raises(AssertionError, match="Embeddings parameter is expected to be 2-dim"):
        nn.Embedding.from_pretrained(ember.ones(3))


def test_embedding_errors(torch):
    for bad, exc in ((lambda lib: lib.tensor([1.0]), RuntimeError),
                     (lambda lib: lib.tensor([7]), IndexError),
                     (lambda lib: lib.tensor([-1]), IndexError)):
        msgs = []
        for lib in (torch, ember):
            with pytest.raises(exc) as info:
                lib.nn.Embedding(5, 3)(bad(lib))
            msgs.append(str(info.value))
        assert msgs[0] == msgs[1]
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(5, 3, padding_idx=5)
    with pytest.raises(NotImplementedError, match="sparse"):
        nn.Embedding(5, 3, sparse=True)
    e = nn.Embedding(5, 3)
    before = e.weight.detach().numpy().copy()
    with pytest.raises(IndexError):
        F.embedding(ember.tensor([1, 9]), e.weight, max_norm=0.1)
    np.testing.assert_array_equal(e.weight.detach().numpy(), before)  # nothing renormed


def test_embedding_finite_differences():
    """The plain gradient (padding_idx and scale_grad_by_freq change it on purpose; they
    are compared with PyTorch above)."""
    idx = ember.tensor([[0, 2], [2, 1]])
    gradcheck(lambda w: (F.embedding(idx, w) ** 2).sum(),
              [np.random.default_rng(1).standard_normal((3, 2))])


def test_one_hot(torch):
    for args in [([0, 2, 1],), ([[1], [3]], 5), ([0, 1], -1)]:
        e = F.one_hot(ember.tensor(args[0]), *args[1:])
        t = torch.nn.functional.one_hot(torch.tensor(args[0]), *args[1:])
        assert e.dtype == ember.int64 and e.tolist() == t.tolist()
    for args in [(ember.tensor([1.0]),), (ember.tensor([1, 2]), 2), (ember.tensor([-1]),),
                 (ember.tensor([], dtype=ember.int64),)]:
        targs = (torch.tensor(args[0].numpy()),) + args[1:]
        with pytest.raises(RuntimeError) as want:
            torch.nn.functional.one_hot(*targs)
        with pytest.raises(RuntimeError) as got:
            F.one_hot(*args)
        assert str(got.value) == str(want.value)
