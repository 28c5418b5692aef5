"""Shape operations: reshape/view/flatten/squeeze/unsqueeze/t/T/transpose/permute/expand/
repeat/cat/stack/split/chunk: values, views sharing storage, and gradients."""
import numpy as np
import pytest

import ember
from coreutil import compare_with_torch, gradcheck, threads

rng = np.random.default_rng(2)

# one input of shape (2, 3, 4) unless noted
UNARY = {
    "reshape": lambda x: x.reshape(4, 6),
    "reshape_tuple": lambda x: x.reshape((6, -1)),
    "reshape_fn": lambda x: ember.reshape(x, (-1,)) if isinstance(x, ember.Tensor) else None,
    "view": lambda x: x.view(3, 8),
    "view_infer": lambda x: x.view(-1, 4),
    "flatten": lambda x: x.flatten(),
    "flatten_from1": lambda x: x.flatten(1),
    "flatten_range": lambda x: x.flatten(0, 1),
    "unsqueeze0": lambda x: x.unsqueeze(0),
    "unsqueeze_neg": lambda x: x.unsqueeze(-1),
    "squeeze_all": lambda x: x.unsqueeze(1).unsqueeze(-1).squeeze(),
    "squeeze_dim": lambda x: x.unsqueeze(1).squeeze(1),
    "squeeze_noop": lambda x: x.squeeze(0),
    "transpose": lambda x: x.transpose(0, 2),
    "transpose_neg": lambda x: x.transpose(-1, -2),
    "swapaxes": lambda x: x.swapaxes(0, 1),
    "permute": lambda x: x.permute(2, 0, 1),
    "permute_tuple": lambda x: x.permute((1, 2, 0)),
    "T_2d": lambda x: x[0].T,
    "t_2d": lambda x: x[1].t(),
    "t_1d": lambda x: x[0, 0].t(),
    "mT": lambda x: x.mT,
    "expand": lambda x: x[:, :1].expand(2, 5, 4),
    "expand_new_dim": lambda x: x[0].expand(3, 3, 4),
    "expand_minus1": lambda x: x[:, :1].expand(-1, 3, -1),
    "expand_as": lambda x: x[:1].expand_as(x),
    "repeat": lambda x: x.repeat(2, 1, 3),
    "repeat_more_dims": lambda x: x.repeat(2, 1, 1, 2),
    "flip": lambda x: x.flip(0, 2),
    "roll": lambda x: x.roll(1, 2),
    "tril": lambda x: x[0].tril(),
    "triu": lambda x: x[0].triu(1),
    "narrow": lambda x: x.narrow(2, 1, 2),
    "movedim": lambda x: x.movedim(0, -1),
    "contiguous_t": lambda x: x.transpose(0, 1).contiguous().view(-1),
    "clone": lambda x: x.clone(),
    "unbind": lambda x: x.unbind(1),
    "split_int": lambda x: x.split(2, dim=2),
    "split_sizes": lambda x: x.split([1, 2], dim=1),
    "chunk": lambda x: x.chunk(2, dim=-1),
    "chunk_uneven": lambda x: x.chunk(2, 1),
    "tensor_split": lambda x: x.tensor_split(3, dim=2),
}


def _torch(torch, name):
    if name == "reshape_fn":
        return lambda x: torch.reshape(x, (-1,))
    return UNARY[name]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_shape_op_against_torch(torch, name, dtype):
    x = rng.standard_normal((2, 3, 4)).astype(dtype)
    compare_with_torch(torch, UNARY[name], _torch(torch, name), [x])


@pytest.mark.parametrize("name", sorted(UNARY))
def test_shape_op_gradcheck(name):
    def f(x):
        out = UNARY[name](x)
        if isinstance(out, tuple):  # weigh each piece differently
            return sum((o * (i + 1)).sum() for i, o in enumerate(out))
        return out
    gradcheck(f, [rng.standard_normal((2, 3, 4))])


@pytest.mark.parametrize("name", ["reshape", "view", "flatten", "unsqueeze0", "squeeze_dim",
                                  "transpose", "permute", "T_2d", "narrow",
                                  "unbind", "split_int", "chunk"])
def test_views_share_storage(name):
    x = ember.zeros(2, 3, 4)
    out = UNARY[name](x)
    first = out[0] if isinstance(out, tuple) else out
    first.fill_(7.0)
    assert (x == 7).any().item(), "writing through the view did not reach the base"
    # and the base's changes show through the view
    x.zero_()
    assert (first == 0).all().item()


def test_expanded_view_shares_storage_and_refuses_writes(torch):
    x = ember.zeros(2, 1)
    e = x.expand(2, 3)
    x[1, 0] = 5.0
    assert e.tolist() == [[0.0, 0.0, 0.0], [5.0, 5.0, 5.0]]
    with pytest.raises(RuntimeError) as got:
        e.add_(1.0)
    with pytest.raises(RuntimeError) as want:
        torch.zeros(2, 1).expand(2, 3).add_(1.0)
    assert str(got.value) == str(want.value)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        e[0] = 2.0
    assert x.tolist() == [[0.0], [5.0]]


def test_reshape_of_non_contiguous_copies_and_view_refuses(torch):
    x = ember.arange(6).reshape(2, 3).t()
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        x.view(6)
    y = x.reshape(6)
    assert y.tolist() == [0, 3, 1, 4, 2, 5]
    y[0] = 100
    assert x[0, 0].item() == 0


@pytest.mark.parametrize("bad,msg", [
    (lambda x: x.reshape(5, 5), r"shape '\[5, 5\]' is invalid for input of size 24"),
    (lambda x: x.view(-1, -1), "only one dimension can be inferred"),
    (lambda x: x.permute(0, 1), "number of dimensions"),
    (lambda x: x.expand(3, 3, 4), "The expanded size of the tensor"),
    (lambda x: x.transpose(0, 3), "Dimension out of range"),
])
def test_shape_errors(torch, bad, msg):
    with pytest.raises((RuntimeError, IndexError), match=msg):
        bad(ember.zeros(2, 3, 4))
    with pytest.raises((RuntimeError, IndexError), match=msg):
        bad(torch.zeros(2, 3, 4))


JOIN = {
    "cat0": (lambda *t: ember.cat(t, 0), lambda torch: lambda *t: torch.cat(t, 0), [(2, 3), (4, 3)]),
    "cat1": (lambda *t: ember.cat(t, dim=1), lambda torch: lambda *t: torch.cat(t, dim=1),
             [(2, 3), (2, 1), (2, 2)]),
    "cat_neg_list": (lambda *t: ember.cat(list(t), -1), lambda torch: lambda *t: torch.cat(list(t), -1),
                     [(2, 2, 3), (2, 2, 1)]),
    "concat": (lambda *t: ember.concat(t), lambda torch: lambda *t: torch.concat(t), [(1, 3), (2, 3)]),
    "stack0": (lambda *t: ember.stack(t), lambda torch: lambda *t: torch.stack(t), [(2, 3)] * 3),
    "stack1": (lambda *t: ember.stack(t, 1), lambda torch: lambda *t: torch.stack(t, 1), [(2, 3)] * 2),
    "stack_last": (lambda *t: ember.stack(t, dim=-1), lambda torch: lambda *t: torch.stack(t, dim=-1),
                   [(4,)] * 3),
    "hstack": (lambda *t: ember.hstack(t), lambda torch: lambda *t: torch.hstack(t), [(2, 1), (2, 3)]),
    "vstack": (lambda *t: ember.vstack(t), lambda torch: lambda *t: torch.vstack(t), [(3,), (2, 3)]),
    "broadcast_tensors": (lambda *t: ember.broadcast_tensors(*t),
                          lambda torch: lambda *t: torch.broadcast_tensors(*t), [(2, 1), (3,)]),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(JOIN))
def test_join_against_torch(torch, name, dtype):
    fe, ft, shapes = JOIN[name]
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    compare_with_torch(torch, fe, ft(torch), arrays)


@pytest.mark.parametrize("name", sorted(JOIN))
def test_join_gradcheck(name):
    fe, _, shapes = JOIN[name]

    def f(*t):
        out = fe(*t)
        return sum((o * (i + 1)).sum() for i, o in enumerate(out)) if isinstance(out, tuple) else out
    gradcheck(f, [rng.standard_normal(s) for s in shapes])


def test_cat_promotes_dtypes_like_torch(torch):
    a, b = np.array([1, 2]), np.array([0.5], dtype=np.float32)
    got = ember.cat([ember.tensor(a), ember.tensor(b)])
    want = torch.cat([torch.tensor(a), torch.tensor(b)])
    assert got.dtype == ember.float32 and str(want.dtype) == "torch.float32"
    assert got.tolist() == want.tolist()


def test_join_errors(torch):
    with pytest.raises(RuntimeError, match="Sizes of tensors must match except in dimension 0"):
        ember.cat([ember.zeros(2, 3), ember.zeros(2, 4)])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        ember.stack([ember.zeros(2), ember.zeros(3)])
    with pytest.raises(RuntimeError, match="Tensors must have same number of dimensions"):
        ember.cat([ember.zeros(2, 3), ember.zeros(3)])
    with pytest.raises(RuntimeError, match="split_with_sizes expects split_sizes to sum exactly"):
        ember.zeros(5).split([2, 2])


def test_split_and_chunk_sizes_match_torch(torch):
    for n in range(1, 8):
        for k in range(1, 5):
            e, t = ember.arange(n), torch.arange(n)
            assert [p.tolist() for p in e.chunk(k)] == [p.tolist() for p in t.chunk(k)], (n, k)
            assert [p.tolist() for p in e.split(k)] == [p.tolist() for p in t.split(k)], (n, k)


def test_size_and_shape_accessors():
    x = ember.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and x.size() == (2, 3, 4) and x.size(-1) == 4
    assert x.reshape(-1).shape == (24,) and x[0].shape == ember.Size([3, 4])
    assert x.flatten(1).shape[1] == 12 and x.T.shape == (4, 3, 2)
    assert ember.zeros(()).flatten().shape == (1,)
    assert ember.zeros(3).t().shape == (3,)
    with pytest.raises(RuntimeError, match="t\\(\\) expects a tensor with <= 2 dimensions"):
        x.t()


def test_large_cat_split_among_threads_gives_the_same_array(monkeypatch):
    """A large cat along a later dim copies the samples' parts in threads
    (ops/shape.Cat): the same bytes, layout and gradient as one copy."""
    from ember import _threads
    rng = np.random.default_rng(2)
    a = ember.tensor(rng.standard_normal((5, 3, 4)).astype(np.float32), requires_grad=True)
    b = ember.tensor(rng.standard_normal((5, 2, 4)).astype(np.float32), requires_grad=True)
    one = ember.cat([a, b], dim=1).detach().numpy()
    monkeypatch.setattr(_threads, "PASS_SPLIT", 1)
    with threads(2):
        split = ember.cat([a, b], dim=1)
    np.testing.assert_array_equal(split.detach().numpy(), one)
    assert split.is_contiguous()
    split.sum().backward()
    assert a.grad.shape == a.shape and b.grad.shape == b.shape
