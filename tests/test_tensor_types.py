"""The typed constructors (FloatTensor, LongTensor ...) and axis= as the alias of dim."""
import numpy as np
import pytest

import ember

NAMES = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor",
         "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"]


@pytest.mark.parametrize("name", NAMES)
def test_typed_constructors(torch, name):
    E, T = getattr(ember, name), getattr(torch, name)
    for args in [([1, 0, 2],), ([[1.7, 2.0]],), ((2, 3),)]:
        e, t = E(*args), T(*args)
        assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_array_equal(e.numpy(), t.numpy())
    for args in [(2, 3), (ember.Size([4]),), ()]:
        targs = (torch.Size(args[0]),) if args and isinstance(args[0], ember.Size) else args
        assert tuple(E(*args).shape) == tuple(T(*targs).shape)
    assert isinstance(E([1]), ember.Tensor) and type(E([1])) is ember.Tensor
    assert not issubclass(E, ember.Tensor)
    assert E.dtype == getattr(ember, str(T.dtype).split(".")[-1])


def test_isinstance_checks_the_dtype():
    assert isinstance(ember.zeros(2), ember.FloatTensor)
    assert not isinstance(ember.zeros(2), ember.LongTensor)
    assert isinstance(ember.tensor([1, 2]), ember.LongTensor)
    assert not isinstance([1.0], ember.FloatTensor)


def test_typed_constructor_of_tensor():
    t = ember.tensor([1.0, 2.0])
    assert ember.FloatTensor(t).tolist() == [1.0, 2.0]
    with pytest.raises(TypeError):
        ember.FloatTensor(ember.tensor([1, 2]))


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.stack([x, x], axis=1),
    lambda lib, x: lib.cat([x, x], axis=1),
    lambda lib, x: lib.softmax(x, axis=0),
    lambda lib, x: lib.log_softmax(x, axis=1),
    lambda lib, x: x.softmax(axis=0),
    lambda lib, x: lib.sum(x, axis=1),
    lambda lib, x: x.mean(axis=0),
    lambda lib, x: lib.prod(x, axis=1),
    lambda lib, x: lib.cumsum(x, axis=1),
    lambda lib, x: lib.logsumexp(x, axis=0),
    lambda lib, x: lib.amax(x, axis=1),
    lambda lib, x: x.unsqueeze(axis=0),
    lambda lib, x: lib.squeeze(x[:1], axis=0),
    lambda lib, x: lib.argmax(x, axis=1),
    lambda lib, x: lib.max(x, axis=1)[0],
    lambda lib, x: lib.sort(x, axis=0)[0],
    lambda lib, x: lib.gather(x, axis=1, index=lib.tensor([[0], [1]])),
    lambda lib, x: lib.index_select(x, axis=0, index=lib.tensor([1])),
    lambda lib, x: lib.all(x > 0, axis=0),
])
def test_axis_alias(torch, call):
    x = np.arange(6.0).reshape(2, 3).astype(np.float32)
    np.testing.assert_allclose(call(ember, ember.tensor(x)).numpy(),
                               call(torch, torch.tensor(x)).numpy(), rtol=1e-6)


def test_axis_and_dim_together_is_an_error():
    with pytest.raises(TypeError):
        ember.softmax(ember.ones(2), dim=0, axis=0)
