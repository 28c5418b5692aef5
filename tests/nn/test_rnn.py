"""nn.RNN / nn.GRU / nn.LSTM and the cells against their PyTorch twins (names, shapes,
state_dict keys, repr, forward and every gradient with copied weights, float64 and float32),
initialisation statistics, finite differences, and PyTorch's errors."""
import warnings

import numpy as np
import pytest

import ember
from ember import nn
from coreutil import assert_close, gradcheck

KINDS = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("GRU", {}), ("LSTM", {})]
CONFIGS = [
    dict(),
    dict(num_layers=2),
    dict(num_layers=3, bidirectional=True),
    dict(bidirectional=True, batch_first=True),
    dict(num_layers=2, bias=False, batch_first=True),
    dict(num_layers=2, dropout=0.5),          # compared in eval mode: dropout is off
]


def _pair(torch, kind, kw, dtype, input_size=5, hidden=7):
    torch.manual_seed(0)
    tm = getattr(torch.nn, kind)(input_size, hidden, **kw).to(getattr(torch, dtype))
    em = getattr(nn, kind)(input_size, hidden, **kw).to(getattr(ember, dtype))
    em.load_state_dict({k: ember.tensor(v.detach().numpy().copy())
                        for k, v in tm.state_dict().items()})
    tm.eval()
    em.eval()
    return em, tm


def _run_both(torch, em, tm, arrays, lstm):
    """Forward both on the same inputs (x, and h0 / c0 when given), backward a fixed
    random weighting of every output, return (ember results, torch results): outputs,
    then the gradients of the inputs and of every parameter."""
    res = []
    for lib, m in ((ember, em), (torch, tm)):
        leaves = [None if a is None else lib.tensor(a, requires_grad=True) for a in arrays]
        x, h0, c0 = leaves
        if lstm:
            out, (hn, cn) = m(x, None if h0 is None else (h0, c0))
            outs = [out, hn, cn]
        else:
            out, hn = m(x, h0)
            outs = [out, hn]
        rng = np.random.default_rng(1)
        loss = sum((o * lib.tensor(rng.standard_normal(tuple(o.shape)).astype(arrays[0].dtype))
                    ).sum() for o in outs)
        loss.backward()
        res.append(outs + [t.grad for t in leaves if t is not None]
                   + [p.grad for p in m.parameters()])
    return res


@pytest.mark.parametrize("kind,kkw", KINDS)
@pytest.mark.parametrize("kw", CONFIGS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_layer_twin(torch, kind, kkw, kw, dtype):
    kw = dict(kw, **kkw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        em, tm = _pair(torch, kind, kw, dtype)
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    for (ne, pe), (nt, pt) in zip(em.named_parameters(), tm.named_parameters()):
        assert ne == nt and tuple(pe.shape) == tuple(pt.shape)
    rng = np.random.default_rng(0)
    T, B = 6, 3
    D = 2 if kw.get("bidirectional") else 1
    L = kw.get("num_layers", 1)
    x = rng.standard_normal((B, T, 5) if kw.get("batch_first") else (T, B, 5)).astype(dtype)
    lstm = kind == "LSTM"
    for given in (True, False):
        h0 = rng.standard_normal((L * D, B, 7)).astype(dtype) if given else None
        c0 = rng.standard_normal((L * D, B, 7)).astype(dtype) if given and lstm else None
        got, want = _run_both(torch, em, tm, [x, h0, c0], lstm)
        for g, w in zip(got, want):
            assert_close(g, w)
        assert str(got[0].dtype).endswith(dtype)


@pytest.mark.parametrize("kind,kkw", KINDS)
@pytest.mark.parametrize("batch_first", [False, True])
def test_unbatched_input(torch, kind, kkw, batch_first):
    em, tm = _pair(torch, kind, dict(kkw, num_layers=2, bidirectional=True,
                                     batch_first=batch_first), "float64")
    rng = np.random.default_rng(2)
    lstm = kind == "LSTM"
    x = rng.standard_normal((4, 5))
    h0 = rng.standard_normal((4, 7))
    got, want = _run_both(torch, em, tm, [x, h0, h0 + 1 if lstm else None], lstm)
    for g, w in zip(got, want):
        assert_close(g, w)
    got, want = _run_both(torch, em, tm, [x, None, None], lstm)
    assert tuple(got[0].shape) == (4, 14) and tuple(got[1].shape) == (4, 7)
    for g, w in zip(got, want):
        assert_close(g, w)


@pytest.mark.parametrize("kind,kkw", KINDS)
def test_layer_finite_differences(kind, kkw):
    """The fused backward (BPTT in NumPy) against finite differences, no torch needed."""
    layer = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=True, **kkw).double()
    names = [n for n, _ in layer.named_parameters()]
    rng = np.random.default_rng(3)
    x, h0, c0 = rng.standard_normal((4, 2, 3)), rng.standard_normal((4, 2, 4)), \
        rng.standard_normal((4, 2, 4))

    def run(x, h0, c0, *params):
        for n, p in zip(names, params):
            layer._parameters[n] = p
        if kind == "LSTM":
            out, (hn, cn) = layer(x, (h0, c0))
            return out.sum() + (hn * hn).sum() + (cn * cn * cn).sum()
        out, hn = layer(x, h0)
        return out.sum() + (hn * hn).sum() + 0 * c0.sum()

    gradcheck(run, [x, h0, c0] + [p.detach().numpy().copy() for p in layer.parameters()])


@pytest.mark.parametrize("cell,kw", [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}),
                                     ("GRUCell", {}), ("LSTMCell", {}),
                                     ("GRUCell", {"bias": False})])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_cell_twin(torch, cell, kw, dtype):
    torch.manual_seed(0)
    tm = getattr(torch.nn, cell)(5, 6, **kw).to(getattr(torch, dtype))
    em = getattr(nn, cell)(5, 6, **kw).to(getattr(ember, dtype))
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    em.load_state_dict({k: ember.tensor(v.detach().numpy().copy())
                        for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(4)
    lstm = cell == "LSTMCell"
    for shape, hshape in (((3, 5), (3, 6)), ((5,), (6,))):
        x = rng.standard_normal(shape).astype(dtype)
        h = rng.standard_normal(hshape).astype(dtype)
        res = []
        for lib, m in ((ember, em), (torch, tm)):
            m.zero_grad()
            xt, ht = lib.tensor(x, requires_grad=True), lib.tensor(h, requires_grad=True)
            if lstm:
                ct = lib.tensor(h * 0.5, requires_grad=True)
                hn, cn = m(xt, (ht, ct))
                outs, leaves = [hn, cn], [xt, ht, ct]
            else:
                outs, leaves = [m(xt, ht)], [xt, ht]
            sum((o * o).sum() + o.sum() for o in outs).backward()
            default = m(xt)
            res.append(outs + [default[0] if lstm else default]
                       + [t.grad for t in leaves] + [p.grad for p in m.parameters()])
        for g, w in zip(*res):
            assert_close(g, w)


@pytest.mark.parametrize("cell", ["RNNCell", "GRUCell", "LSTMCell"])
def test_cell_finite_differences_and_double_backward(cell):
    m = getattr(nn, cell)(3, 2).double()
    names = [n for n, _ in m.named_parameters()]
    rng = np.random.default_rng(5)

    def run(x, h, *params):
        for n, p in zip(names, params):
            m._parameters[n] = p
        out = m(x, (h, h * 0.5)) if cell == "LSTMCell" else m(x, h)
        return out[0].sum() + out[1].sum() if cell == "LSTMCell" else (out * out).sum()

    arrays = [rng.standard_normal((2, 3)), rng.standard_normal((2, 2))]
    gradcheck(run, arrays + [p.detach().numpy().copy() for p in m.parameters()])
    # cells are plain ops: a second derivative exists
    x = ember.tensor(arrays[0], requires_grad=True)
    out = m(x)
    (g,) = ember.autograd.grad((out[0] if cell == "LSTMCell" else out).sum(), [x],
                               create_graph=True)
    (g * g).sum().backward()
    assert x.grad is not None


@pytest.mark.parametrize("kind,kkw", KINDS)
def test_layer_equals_its_cells_unrolled(kind, kkw):
    """One layer is its cell applied step by step with the same weights (no torch)."""
    layer = getattr(nn, kind)(3, 4, **kkw).double()
    cell_name = {"RNN": "RNNCell", "GRU": "GRUCell", "LSTM": "LSTMCell"}[kind]
    cell = getattr(nn, cell_name)(3, 4, **kkw).double()
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    x = ember.randn(5, 2, 3, dtype=ember.float64)
    out, state = layer(x)
    s = None
    for t in range(5):
        s = cell(x[t], s)
        h = s[0] if kind == "LSTM" else s
        assert_close(out[t], h.detach().numpy())
    assert_close(state[0][0] if kind == "LSTM" else state[0], h.detach().numpy())


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_initialisation_statistics(kind):
    """U(-1/sqrt(H), 1/sqrt(H)) for every parameter, as PyTorch's reset_parameters."""
    H = 64
    m = getattr(nn, kind)(32, H, num_layers=2, bidirectional=True)
    bound = 1 / np.sqrt(H)
    values = np.concatenate([p.detach().numpy().ravel() for p in m.parameters()])
    assert np.abs(values).max() <= bound
    assert abs(values.mean()) < 0.02 * bound
    assert abs(values.var() / (bound ** 2 / 3) - 1) < 0.02
    for p in m.parameters():
        assert p.dtype == ember.float32 and p.requires_grad


def test_parameter_layout_and_flatten_parameters():
    m = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    assert [n for n, _ in m.named_parameters()][:5] == [
        "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l0_reverse"]
    assert tuple(m.weight_ih_l1.shape) == (16, 8) and tuple(m.weight_hh_l1_reverse.shape) == (16, 4)
    assert len(m.all_weights) == 4 and m.all_weights[3][1] is m.weight_hh_l1_reverse
    assert m.flatten_parameters() is None
    assert [n for n, _ in nn.GRU(3, 4, bias=False).named_parameters()] == [
        "weight_ih_l0", "weight_hh_l0"]


def test_dropout_between_layers_in_training(torch):
    m = nn.GRU(3, 4, num_layers=3, dropout=0.5)
    x = ember.randn(6, 2, 3)
    m.train()
    a, _ = m(x)
    m.eval()
    b, _ = m(x)
    assert tuple(a.shape) == tuple(b.shape) == (6, 2, 4)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    with pytest.warns(UserWarning, match="dropout option adds dropout after all but last"):
        nn.RNN(3, 4, dropout=0.2)


def test_state_can_be_fed_back_and_detached():
    """train_ch8's use: the state of one batch starts the next, detached in place."""
    m = nn.LSTM(3, 4)
    state = None
    for _ in range(2):
        out, state = m(ember.randn(5, 2, 3), state)
        out.sum().backward()
        for s in state:
            s.detach_()
    assert not state[0].requires_grad


def test_double_backward_through_layer_raises():
    m = nn.RNN(3, 4).double()
    x = ember.randn(5, 2, 3, dtype=ember.float64, requires_grad=True)
    out, _ = m(x)
    (g,) = ember.autograd.grad((out * out).sum(), [x], create_graph=True)
    (plain,) = ember.autograd.grad((out * out).sum(), [x])
    np.testing.assert_array_equal(g.detach().numpy(), plain.numpy())  # first order is fine
    with pytest.raises(RuntimeError, match="double backward through nn.RNN"):
        g.sum().backward()


def test_retain_graph_and_inplace_change_of_output():
    m = nn.GRU(3, 4)
    out, _ = m(ember.randn(5, 2, 3))
    out.sum().backward(retain_graph=True)
    first = m.weight_hh_l0.grad.numpy().copy()
    out.sum().backward()
    np.testing.assert_allclose(m.weight_hh_l0.grad.numpy(), 2 * first, rtol=1e-6)
    out2, _ = nn.RNN(3, 4)(ember.randn(5, 2, 3))
    out2.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out2.sum().backward()


def test_errors_as_torch(torch):
    cases = [
        (lambda lib: lib.nn.RNN(3, 4)(lib.zeros(5)), ValueError),
        (lambda lib: lib.nn.GRU(3, 4)(lib.zeros(1, 5, 2, 3)), ValueError),
        (lambda lib: lib.nn.LSTM(3, 4)(lib.zeros(1, 5, 2, 3)), ValueError),
        (lambda lib: lib.nn.RNN(3, 4)(lib.zeros(5, 2, 3), lib.zeros(1, 4)), RuntimeError),
        (lambda lib: lib.nn.RNN(3, 4)(lib.zeros(5, 3), lib.zeros(1, 1, 4)), RuntimeError),
        (lambda lib: lib.nn.RNN(3, 4)(lib.zeros(5, 2, 3), lib.zeros(1, 3, 4)), RuntimeError),
        (lambda lib: lib.nn.LSTM(3, 4)(lib.zeros(5, 2, 3), (lib.zeros(1, 2, 4),
                                                            lib.zeros(2, 2, 4))), RuntimeError),
        (lambda lib: lib.nn.LSTM(3, 4)(lib.zeros(5, 2, 3), (lib.zeros(2, 4),
                                                            lib.zeros(1, 2, 4))), RuntimeError),
        (lambda lib: lib.nn.GRU(3, 4)(lib.zeros(5, 2, 2)), RuntimeError),
        (lambda lib: lib.nn.GRU(3, 4)(lib.zeros(5, 2, 3, dtype=lib.float64)), ValueError),
        (lambda lib: lib.nn.RNN(3, 4, nonlinearity="sigmoid"), ValueError),
        (lambda lib: lib.nn.RNN(3, 4, dropout=1.5), ValueError),
        (lambda lib: lib.nn.GRU(3, 4, proj_size=2), ValueError),
        (lambda lib: lib.nn.LSTM(3, 4, proj_size=4), ValueError),
        (lambda lib: lib.nn.LSTM(3, 0), ValueError),
        (lambda lib: lib.nn.LSTM(3.0, 4), TypeError),
        (lambda lib: lib.nn.LSTM(3, 4, bias=1), TypeError),
        (lambda lib: lib.nn.GRUCell(3, 4)(lib.zeros(2, 5)), RuntimeError),
        (lambda lib: lib.nn.GRUCell(3, 4)(lib.zeros(2, 3), lib.zeros(3, 4)), RuntimeError),
        (lambda lib: lib.nn.RNNCell(3, 4)(lib.zeros(2, 2, 3)), ValueError),
        (lambda lib: lib.nn.LSTM(3, 4)(lib.zeros(0, 2, 3)), RuntimeError),
    ]
    for make, exc in cases:
        messages = []
        for lib in (torch, ember):
            with pytest.raises(exc) as info:
                make(lib)
            messages.append(str(info.value).replace("torch.", "").replace("ember.", ""))
        assert messages[0] == messages[1]
    with pytest.raises(NotImplementedError, match="proj_size"):
        nn.LSTM(3, 4, proj_size=2)


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_empty_batch(torch, kind):
    em, tm = _pair(torch, kind, dict(bidirectional=True), "float32")
    out_e, out_t = em(ember.zeros(4, 0, 5))[0], tm(torch.zeros(4, 0, 5))[0]
    assert tuple(out_e.shape) == tuple(out_t.shape) == (4, 0, 14)


def test_layer_norm_as_the_transformer_uses_it(torch):
    """d2l's AddNorm: LayerNorm(list) over the last dim of (batch, steps, hidden)."""
    rng = np.random.default_rng(6)
    for kw in ({}, {"elementwise_affine": False}):
        tm, em = torch.nn.LayerNorm([8], **kw), nn.LayerNorm([8], **kw)
        assert repr(tm) == repr(em) and list(tm.state_dict()) == list(em.state_dict())
        if kw == {}:
            with torch.no_grad():
                tm.weight.normal_()
                tm.bias.normal_()
            em.load_state_dict({k: ember.tensor(v.numpy().copy())
                                for k, v in tm.state_dict().items()})
        x = rng.standard_normal((2, 5, 8)).astype(np.float32)
        xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ye, yt = em(xe + 0.5), tm(xt + 0.5)
        assert_close(ye, yt)
        (ye * ye * xe).sum().backward()
        (yt * yt * xt).sum().backward()
        assert_close(xe.grad, xt.grad)
        for pe, pt in zip(em.parameters(), tm.parameters()):
            assert_close(pe.grad, pt.grad)


@pytest.mark.parametrize("kw", CONFIGS[:5])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_lstm_compiled_steps_equal_numpy_path(kw, dtype):
    # ops/rnn's LSTM runs each step's elementwise work as one numba kernel where numba is
    # on; the NumPy path is the reference: outputs and every gradient the same, bit for
    # bit. Two backward
    # passes through one graph (the kept scratch arrays must not leak between them), and
    # an output gradient that is not contiguous.
    from ember import _numba
    if _numba.kernels("rnn") is None:
        pytest.skip("numba kernels are off")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 4, 5)).astype(dtype)
    h0, c0 = (rng.standard_normal((kw.get("num_layers", 1) * (2 if kw.get("bidirectional")
                                                                else 1), 4, 7)).astype(dtype)
              for _ in range(2))
    weights = rng.standard_normal((6, 4, 14 if kw.get("bidirectional") else 7)).astype(dtype)

    def grads():
        ember.manual_seed(0)
        m = nn.LSTM(5, 7, **kw).to(getattr(ember, dtype))
        leaves = [ember.tensor(a, requires_grad=True) for a in (x, h0, c0)]
        xin = leaves[0].transpose(0, 1) if kw.get("batch_first") else leaves[0]
        out, (hn, cn) = m(xin, (leaves[1], leaves[2]))
        w = ember.tensor(weights.transpose(1, 0, 2).copy()).transpose(0, 1)  # strided
        w = w.transpose(0, 1) if kw.get("batch_first") else w
        loss = (out * w).sum() + (hn * hn).sum() + cn.sum()
        loss.backward(retain_graph=True)
        loss.backward()
        return [t.detach().numpy() for t in (out, hn, cn)] + \
            [t.grad.numpy() for t in leaves] + [p.grad.numpy() for p in m.parameters()]

    compiled = grads()
    with _numba.disabled():
        plain = grads()
    for a, b in zip(compiled, plain):
        assert a.dtype == b.dtype and np.array_equal(a, b)
