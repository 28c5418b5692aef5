"""nn.DataParallel and ember.jit on a CPU-only machine, as PyTorch's behave there."""
import numpy as np
import pytest

import ember
from ember import nn


def test_data_parallel_runs_the_module(torch):
    for lib in (ember, torch):
        inner = lib.nn.Linear(2, 3)
        d = lib.nn.DataParallel(inner, device_ids=[0])
        assert d.module is inner and d.device_ids == []
        assert list(d.state_dict()) == ["module.weight", "module.bias"]
        np.testing.assert_array_equal(d(lib.ones(4, 2)).detach().numpy(),
                                      inner(lib.ones(4, 2)).detach().numpy())
    assert repr(nn.DataParallel(nn.Linear(2, 3))) == repr(torch.nn.DataParallel(
        torch.nn.Linear(2, 3)))


class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(3, 4, bidirectional=True)
        self.norm = nn.LayerNorm(8)
        self.out = nn.Sequential(nn.Linear(8, 2), nn.ReLU())
        self.shape = (2, 3)

    def forward(self, x):
        return self.out(self.norm(self.rnn(x)[0][-1]))


def test_script_and_trace_return_runnable_modules_that_save(tmp_path):
    net = _Net()
    x = ember.randn(5, 2, 3)
    for scripted in (ember.jit.script(net), ember.jit.trace(net, x)):
        assert isinstance(scripted, _Net) and repr(scripted) == repr(net)
        assert scripted.rnn.weight_hh_l0 is net.rnn.weight_hh_l0  # shared parameters
        np.testing.assert_array_equal(scripted(x).detach().numpy(), net(x).detach().numpy())
        path = tmp_path / "my_mlp"
        scripted.save(str(path))
        loaded = ember.jit.load(str(path))
        assert type(loaded).__name__ == "_Net" and loaded.shape == (2, 3)
        assert list(loaded.state_dict()) == list(net.state_dict())
        np.testing.assert_array_equal(loaded(x).detach().numpy(), net(x).detach().numpy())
    f = ember.jit.script(lambda a: a * 2)
    assert f(3) == 6
    with pytest.raises(RuntimeError, match="example"):
        ember.jit.trace(net)


def test_save_refuses_what_it_cannot_store(tmp_path):
    net = nn.Sequential(nn.Linear(2, 2))
    net.fn = print
    with pytest.raises(TypeError, match="cannot store attribute 'fn'"):
        ember.jit.script(net).save(str(tmp_path / "m"))
    ember.save({"a": 1}, str(tmp_path / "other"))
    with pytest.raises(RuntimeError, match="not a module saved by ember.jit.save"):
        ember.jit.load(str(tmp_path / "other"))
