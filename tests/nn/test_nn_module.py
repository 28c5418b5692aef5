"""Module's contract (registration, traversal, modes, conversion, state dicts, hooks,
printing), Parameter and the containers; compared with PyTorch where it has a twin."""
from collections import OrderedDict

import numpy as np
import pytest

import ember
from ember import nn


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin1 = nn.Linear(4, 3)
        self.act = nn.ReLU()
        self.lin2 = nn.Linear(3, 2)
        self.register_buffer("steps", ember.zeros(1))
        self.register_buffer("scratch", ember.ones(2), persistent=False)

    def forward(self, x):
        return self.lin2(self.act(self.lin1(x)))


def test_registration_by_assignment():
    m = MLP()
    assert [n for n, _ in m.named_parameters()] == ["lin1.weight", "lin1.bias", "lin2.weight",
                                                     "lin2.bias"]
    assert [n for n, _ in m.named_buffers()] == ["steps", "scratch"]
    assert [n for n, _ in m.named_children()] == ["lin1", "act", "lin2"]
    assert [n for n, _ in m.named_modules()] == ["", "lin1", "act", "lin2"]
    assert len(list(m.modules())) == 4 and len(list(m.children())) == 3
    # Own entries first, then the children's (PyTorch's order); no non-persistent buffer.
    assert list(m.state_dict().keys()) == ["steps", "lin1.weight", "lin1.bias", "lin2.weight",
                                           "lin2.bias"]
    # Re-assigning a module attribute to a tensor is refused, None unregisters.
    with pytest.raises(TypeError, match="cannot assign 'torch.FloatTensor' as child module"):
        m.lin1 = ember.ones(2)
    with pytest.raises(TypeError, match="cannot assign 'torch.FloatTensor' as parameter"):
        m.lin1.weight = ember.ones(3, 4)
    m.lin2.bias = None
    assert "lin2.bias" not in dict(m.named_parameters())
    del m.act
    assert "act" not in dict(m.named_children())
    with pytest.raises(AttributeError, match="'MLP' object has no attribute 'act'"):
        m.act


def test_plain_list_of_modules_warns():
    class Bad(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(2, 2), nn.Linear(2, 2)]

    with pytest.warns(UserWarning, match="ModuleList"):
        bad = Bad()
    assert list(bad.parameters()) == []


def test_registration_errors():
    m = nn.Module()
    with pytest.raises(KeyError, match="can.+t contain"):
        m.register_buffer("a.b", ember.ones(1))
    with pytest.raises(KeyError, match="attribute 'training' already exists"):
        m.register_buffer("training", ember.ones(1))
    with pytest.raises(TypeError, match="cannot assign 'list' object to parameter 'p'"):
        m.register_parameter("p", [1.0])
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        m.add_module("x", 3)

    class NoInit(nn.Module):
        def __init__(self):
            self.lin = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="cannot assign module before Module.__init__"):
        NoInit()
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        nn.Module()(1)


def test_shared_parameters_listed_once():
    lin = nn.Linear(2, 2)
    net = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(net.parameters())) == 2
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias"]


def test_apply_train_eval_and_training_flag():
    net = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5), nn.Sequential(nn.BatchNorm1d(2)))
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "Dropout", "BatchNorm1d", "Sequential", "Sequential"]
    assert net.eval() is net and not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net[1].training = False  # a plain writable attribute
    assert not net[1].training and net.training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train("yes")


def test_zero_grad_and_requires_grad():
    net = nn.Linear(3, 2)
    net(ember.ones(1, 3)).sum().backward()
    assert net.weight.grad is not None
    net.zero_grad(set_to_none=False)
    assert not net.weight.grad.numpy().any()
    net.zero_grad()
    assert net.weight.grad is None and net.bias.grad is None
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_to_double_float_keep_parameter_identity():
    net = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    params = list(net.parameters())
    net.double()
    assert all(p.dtype == ember.float64 for p in net.parameters())
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert net[1].running_mean.dtype == ember.float64
    assert net[1].num_batches_tracked.dtype == ember.int64  # integers stay integers
    y = net(ember.ones(4, 3, dtype=ember.float64))
    assert y.dtype == ember.float64
    net.to(ember.float32)
    assert net[0].weight.dtype == ember.float32
    net.float().to("cpu")
    with pytest.raises(TypeError, match="only accepts floating point"):
        net.to(ember.int64)


def test_state_dict_round_trip_and_sharing():
    a, b = MLP(), MLP()
    sd = a.state_dict()
    assert isinstance(sd, OrderedDict)
    assert not sd["lin1.weight"].requires_grad
    result = b.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    for (n, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    # The state dict shares storage with the parameters (as torch's does).
    with ember.no_grad():
        a.lin1.weight.fill_(7.0)
    assert float(sd["lin1.weight"][0, 0]) == 7.0


def _snapshot(m):
    return {k: v.numpy().copy() for k, v in m.state_dict().items()}


def _unchanged(m, snap):
    now = _snapshot(m)
    return now.keys() == snap.keys() and all(np.array_equal(now[k], snap[k]) for k in snap)


def test_load_state_dict_errors_leave_module_unchanged():
    m = MLP()
    snap = _snapshot(m)
    good = {k: v.clone() + 1 for k, v in m.state_dict().items()}

    missing = dict(good)
    del missing["lin2.bias"]
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "lin2.bias"'):
        m.load_state_dict(missing)
    assert _unchanged(m, snap)

    extra = dict(good, **{"lin3.weight": ember.ones(1)})
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "lin3.weight"'):
        m.load_state_dict(extra)
    assert _unchanged(m, snap)

    wrong = dict(good, **{"lin1.weight": ember.ones(5, 4)})
    with pytest.raises(RuntimeError, match=r"size mismatch for lin1.weight: copying a param with "
                       r"shape torch.Size\(\[5, 4\]\) from checkpoint, the shape in current model "
                       r"is torch.Size\(\[3, 4\]\)"):
        m.load_state_dict(wrong, strict=False)  # a shape mismatch raises even when not strict
    assert _unchanged(m, snap)

    res = m.load_state_dict(dict(missing, **{"zzz": ember.ones(1)}), strict=False)
    assert res.missing_keys == ["lin2.bias"] and res.unexpected_keys == ["zzz"]
    np.testing.assert_array_equal(m.lin1.weight.detach().numpy(), snap["lin1.weight"] + 1)


def test_state_dict_keys_match_torch(torch):
    e = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 3),
                      nn.BatchNorm1d(3, affine=False), nn.LayerNorm(3), nn.PReLU())
    t = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.Flatten(),
                            torch.nn.Linear(8, 3), torch.nn.BatchNorm1d(3, affine=False),
                            torch.nn.LayerNorm(3), torch.nn.PReLU())
    se, st = e.state_dict(), t.state_dict()
    assert list(se) == list(st)
    assert [tuple(v.shape) for v in se.values()] == [tuple(v.shape) for v in st.values()]
    assert [str(v.dtype).split(".")[-1] for v in se.values()] == \
        [str(v.dtype).split(".")[-1] for v in st.values()]
    # and a torch checkpoint loads into ember
    e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in st.items()})


def test_batchnorm_plain_dict_without_num_batches_tracked_loads():
    bn = nn.BatchNorm2d(3)
    sd = {k: v for k, v in bn.state_dict().items() if k != "num_batches_tracked"}
    assert bn.load_state_dict(sd).missing_keys == []  # plain dict: no version metadata
    versioned = bn.state_dict()
    del versioned["num_batches_tracked"]
    with pytest.raises(RuntimeError, match="num_batches_tracked"):
        bn.load_state_dict(versioned)


def test_forward_hooks():
    lin = nn.Linear(2, 2)
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    h2 = lin.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out + 1)
    y = lin(ember.ones(1, 2))
    np.testing.assert_allclose(y.detach().numpy(), lin.bias.detach().numpy()[None] + 1)
    assert calls == [(1, 2)]
    h1.remove()
    h2.remove()
    np.testing.assert_allclose(lin(ember.zeros(1, 2)).detach().numpy(),
                               lin.bias.detach().numpy()[None])


def test_parameter_repr_and_identity(torch):
    p = nn.Parameter(ember.tensor([[1.0, 2.0]]))
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([[1.0, 2.0]])))
    assert p.requires_grad and p.is_leaf and isinstance(p, ember.Tensor)
    assert type(p * 2) is ember.Tensor
    q = nn.Parameter(ember.ones(2), requires_grad=False)
    assert not q.requires_grad


def test_sequential_container():
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(net) == 3 and isinstance(net[-1], nn.Linear)
    head = net[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is net[0]
    assert [type(m).__name__ for m in net] == ["Linear", "ReLU", "Linear"]
    net.append(nn.Sigmoid())
    assert list(dict(net.named_children())) == ["0", "1", "2", "3"]
    del net[1]
    assert list(dict(net.named_children())) == ["0", "1", "2"]
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    named.add_module("out", nn.Linear(2, 1))
    assert [n for n, _ in named.named_parameters()] == ["fc.weight", "fc.bias", "out.weight",
                                                         "out.bias"]
    assert named(ember.ones(5, 2)).shape == (5, 1)
    with pytest.raises(IndexError, match="index 5 is out of range"):
        named[5]


def test_module_list_and_dict(torch):
    ml = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU()])
    ml.append(nn.Linear(2, 2))
    ml.extend([nn.Tanh()])
    assert len(ml) == 5 and isinstance(ml[-1], nn.Tanh)
    assert len(list(ml.parameters())) == 6
    tl = torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.Linear(2, 2), torch.nn.ReLU(),
                              torch.nn.Linear(2, 2), torch.nn.Tanh()])
    assert repr(ml) == repr(tl)
    md = nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.ReLU()})
    md["c"] = nn.Tanh()
    assert list(md.keys()) == ["a", "b", "c"] and "b" in md and len(md) == 3
    assert [n for n, _ in md.named_parameters()] == ["a.weight", "a.bias"]
    td = torch.nn.ModuleDict({"a": torch.nn.Linear(1, 1), "b": torch.nn.ReLU(),
                              "c": torch.nn.Tanh()})
    assert repr(md) == repr(td)
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList())
    assert repr(nn.Sequential()) == repr(torch.nn.Sequential())


def test_deepcopy_module():
    import copy
    net = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    twin = copy.deepcopy(net)
    assert isinstance(twin[0].weight, nn.Parameter)
    with ember.no_grad():
        twin[0].weight.fill_(0.0)
    assert net[0].weight.detach().numpy().any()
