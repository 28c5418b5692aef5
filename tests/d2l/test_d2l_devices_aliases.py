import numpy as np

import ember
from ember import d2l


def test_devices_without_a_gpu():
    assert d2l.cpu() == ember.device("cpu")
    assert d2l.gpu(1) == ember.device("cuda:1")
    assert d2l.num_gpus() == 0
    assert d2l.try_gpu() == ember.device("cpu")
    assert d2l.try_gpu(3) == ember.device("cpu")
    assert d2l.try_all_gpus() == [ember.device("cpu")]
    x = ember.ones(2).to(d2l.try_gpu())
    assert x.device == ember.device("cpu")


def test_framework_neutral_aliases():
    x = ember.arange(6.0, requires_grad=True)
    arr = d2l.numpy(x * 2)
    assert isinstance(arr, np.ndarray) and arr.tolist() == [0, 2, 4, 6, 8, 10]
    assert d2l.size(x) == 6
    assert d2l.reshape(x, (2, 3)).shape == (2, 3)
    assert d2l.reduce_sum(x).item() == 15
    assert d2l.reduce_mean(x).item() == 2.5
    assert d2l.argmax(x).item() == 5
    assert d2l.astype(x, d2l.int32).dtype == ember.int32
    assert d2l.transpose(d2l.reshape(x, (2, 3))).shape == (3, 2)
    assert d2l.expand_dims(x, 0).shape == (1, 6)
    assert d2l.zeros((2, 2)).sum().item() == 0
    assert d2l.normal(0, 1, (3, 4)).shape == (3, 4)
    assert d2l.matmul(d2l.ones((2, 3)), d2l.ones((3, 1))).tolist() == [[3.0], [3.0]]
    assert d2l.concat((d2l.ones(2), d2l.zeros(1))).tolist() == [1, 1, 0]
    np.testing.assert_allclose(d2l.numpy(d2l.sin(d2l.tensor([0.0, np.pi / 2]))), [0, 1],
                               atol=1e-7)
    assert d2l.batch_matmul(d2l.ones((2, 1, 3)), d2l.ones((2, 3, 1))).shape == (2, 1, 1)
    assert d2l.float32 is ember.float32 and d2l.int64 is ember.int64


def test_older_edition_name_is_the_same_module():
    from ember import d2lzh_pytorch
    import ember.d2lzh_pytorch as again
    assert d2lzh_pytorch is d2l and again is d2l
    assert d2lzh_pytorch.train_ch7 is d2l.train_ch7


def test_everything_in_all_exists():
    for name in d2l.__all__:
        assert getattr(d2l, name) is not None, name
