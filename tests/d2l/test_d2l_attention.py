"""Attention helpers of chapter 10: the book's printed numbers, and twins in PyTorch with
copied weights (scaled dot-product attention, ``nn.MultiheadAttention``) for forward and
gradients."""
import math

import numpy as np
import pytest

import ember
from ember import d2l

from d2l_test_helpers import assert_png


def _reference_masked_softmax(X, valid_lens):
    X = np.array(X, dtype=np.float64)
    lens = np.broadcast_to(np.asarray(valid_lens).reshape(X.shape[0], -1), X.shape[:2])
    keep = np.arange(X.shape[-1])[None, None, :] < lens[..., None]
    X = np.where(keep, X, -1e6)
    e = np.exp(X - X.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


@pytest.mark.parametrize("valid_lens", [[2, 3], [[1, 3], [2, 4]], [0, 4]])
def test_masked_softmax(valid_lens):
    X = np.random.default_rng(0).random((2, 2, 4)).astype(np.float32)
    out = d2l.masked_softmax(ember.tensor(X), ember.tensor(valid_lens))
    np.testing.assert_allclose(out.numpy(), _reference_masked_softmax(X, valid_lens),
                               rtol=1e-6, atol=1e-7)
    plain = d2l.masked_softmax(ember.tensor(X), None)
    np.testing.assert_allclose(plain.numpy(), _reference_masked_softmax(X, [4, 4]),
                               rtol=1e-6)


def test_additive_attention_matches_the_book():
    # The book's example: every key equal, so the weights are uniform over the valid pairs.
    queries, keys = ember.normal(0, 1, (2, 1, 20)), ember.ones((2, 10, 2))
    values = ember.arange(40, dtype=ember.float32).reshape(1, 10, 4).repeat(2, 1, 1)
    attention = d2l.AdditiveAttention(key_size=2, query_size=20, num_hiddens=8, dropout=0.1)
    attention.eval()
    out = attention(queries, keys, values, ember.tensor([2, 6]))
    np.testing.assert_allclose(out.detach().numpy(), [[[2, 3, 4, 5]], [[10, 11, 12, 13]]],
                               rtol=1e-5)
    np.testing.assert_allclose(attention.attention_weights[1, 0, :6].detach().numpy(),
                               np.full(6, 1 / 6), rtol=1e-5)
    assert [n for n, _ in attention.named_parameters()] == ["W_k.weight", "W_q.weight",
                                                           "w_v.weight"]


def test_additive_attention_against_torch(torch):
    rng = np.random.default_rng(1)
    q = rng.standard_normal((2, 3, 5)).astype(np.float32)
    k = rng.standard_normal((2, 4, 6)).astype(np.float32)
    v = rng.standard_normal((2, 4, 7)).astype(np.float32)
    att = d2l.AdditiveAttention(6, 5, 8, dropout=0)
    eq, ek, ev = (ember.tensor(a, requires_grad=True) for a in (q, k, v))
    out = att(eq, ek, ev, ember.tensor([2, 4]))
    out.sum().backward()
    Wq, Wk, wv = (torch.tensor(m.weight.detach().numpy(), requires_grad=True)
                  for m in (att.W_q, att.W_k, att.w_v))
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    scores = (torch.tanh((tq @ Wq.T).unsqueeze(2) + (tk @ Wk.T).unsqueeze(1)) @ wv.T)
    scores = scores.squeeze(-1)
    mask = torch.arange(4)[None, None, :] < torch.tensor([2, 4])[:, None, None]
    expected = torch.softmax(scores.masked_fill(~mask, -1e6), -1) @ tv
    expected.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    for e, t in ((eq, tq), (ek, tk), (ev, tv), (att.W_q.weight, Wq), (att.w_v.weight, wv)):
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_dot_product_attention_against_torch(torch):
    rng = np.random.default_rng(2)
    q = rng.standard_normal((2, 3, 8)).astype(np.float32)
    k = rng.standard_normal((2, 5, 8)).astype(np.float32)
    v = rng.standard_normal((2, 5, 4)).astype(np.float32)
    att = d2l.DotProductAttention(dropout=0.5)
    att.eval()
    eq, ek, ev = (ember.tensor(a, requires_grad=True) for a in (q, k, v))
    out = att(eq, ek, ev, ember.tensor([[1, 5, 3], [2, 2, 4]]))
    (out * out).sum().backward()
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    mask = torch.arange(5)[None, None, :] < torch.tensor([[1, 5, 3], [2, 2, 4]])[..., None]
    expected = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=mask)
    (expected * expected).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    for e, t in ((eq, tq), (ek, tk), (ev, tv)):
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_transpose_qkv_round_trip():
    X = ember.arange(2 * 3 * 8, dtype=ember.float32).reshape(2, 3, 8)
    heads = d2l.transpose_qkv(X, 4)
    assert heads.shape == (8, 3, 2)
    assert heads[1].tolist() == X[0, :, 2:4].tolist()  # head 1 of batch row 0
    assert d2l.transpose_output(heads, 4).tolist() == X.tolist()


def test_multi_head_attention_against_torch(torch):
    num_hiddens, num_heads = 12, 3
    rng = np.random.default_rng(3)
    q = rng.standard_normal((2, 4, num_hiddens)).astype(np.float32)
    kv = rng.standard_normal((2, 6, num_hiddens)).astype(np.float32)
    att = d2l.MultiHeadAttention(num_hiddens, num_hiddens, num_hiddens, num_hiddens,
                                 num_heads, 0.5)
    att.eval()
    assert att(ember.ones(2, 4, num_hiddens), ember.ones(2, 6, num_hiddens),
               ember.ones(2, 6, num_hiddens), ember.tensor([3, 2])).shape == (2, 4, 12)
    eq, ekv = ember.tensor(q, requires_grad=True), ember.tensor(kv, requires_grad=True)
    out = att(eq, ekv, ekv, ember.tensor([3, 6]))
    (out * out).sum().backward()
    ref = torch.nn.MultiheadAttention(num_hiddens, num_heads, bias=False, batch_first=True)
    with torch.no_grad():
        ref.in_proj_weight.copy_(torch.tensor(np.concatenate(
            [att.W_q.weight.detach().numpy(), att.W_k.weight.detach().numpy(),
             att.W_v.weight.detach().numpy()])))
        ref.out_proj.weight.copy_(torch.tensor(att.W_o.weight.detach().numpy()))
    tq, tkv = torch.tensor(q, requires_grad=True), torch.tensor(kv, requires_grad=True)
    padding = torch.arange(6)[None, :] >= torch.tensor([3, 6])[:, None]
    expected, _ = ref(tq, tkv, tkv, key_padding_mask=padding, need_weights=False)
    (expected * expected).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-4,
                               atol=1e-5)
    np.testing.assert_allclose(eq.grad.numpy(), tq.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ekv.grad.numpy(), tkv.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(att.W_o.weight.grad.numpy(), ref.out_proj.weight.grad.numpy(),
                               rtol=1e-4, atol=1e-5)


def test_positional_encoding_values():
    pe = d2l.PositionalEncoding(32, 0)
    pe.eval()
    X = pe(ember.zeros((1, 60, 32)))
    assert X.shape == (1, 60, 32)
    i, j = 7, 3  # P[i, 2j] = sin(i / 10000^(2j/d)), P[i, 2j+1] = cos(...)
    angle = i / 10000 ** (2 * j / 32)
    assert float(X[0, i, 2 * j]) == pytest.approx(math.sin(angle), abs=1e-6)
    assert float(X[0, i, 2 * j + 1]) == pytest.approx(math.cos(angle), abs=1e-6)
    assert list(pe.state_dict()) == []  # P is a plain attribute, as in the book


def test_position_wise_ffn_and_add_norm():
    ffn = d2l.PositionWiseFFN(4, 4, 8)
    ffn.eval()
    out = ffn(ember.ones((2, 3, 4)))
    assert out.shape == (2, 3, 8)
    assert (out[0] == out[1]).all()  # the same MLP at every position
    add_norm = d2l.AddNorm([3, 4], 0.5)
    add_norm.eval()
    assert add_norm(ember.ones((2, 3, 4)), ember.ones((2, 3, 4))).shape == (2, 3, 4)


def _need_layers():
    if not hasattr(ember.nn, "Embedding"):
        pytest.skip("nn.Embedding is not in this build of ember yet")


def test_encoder_block_and_transformer_encoder_shapes():
    X = ember.ones((2, 100, 24))
    valid_lens = ember.tensor([3, 2])
    blk = d2l.EncoderBlock(24, 24, 24, 24, [100, 24], 24, 48, 8, 0.5)
    blk.eval()
    assert blk(X, valid_lens).shape == (2, 100, 24)
    _need_layers()
    encoder = d2l.TransformerEncoder(200, 24, 24, 24, 24, [100, 24], 24, 48, 8, 2, 0.5)
    encoder.eval()
    out = encoder(ember.ones((2, 100), dtype=ember.long), valid_lens)
    assert out.shape == (2, 100, 24)
    assert len(encoder.attention_weights) == 2
    assert encoder.attention_weights[0].shape == (2 * 8, 100, 100)


def test_show_heatmaps(figure_dir):
    attention_weights = ember.eye(10).reshape((1, 1, 10, 10))
    assert d2l.show_heatmaps(attention_weights, xlabel="Keys", ylabel="Queries",
                             titles=["head"]) is None
    fig = d2l.plt.gcf()
    path = d2l.savefig(figure_dir / "heat.png", fig)
    assert_png(path, min_bytes=1000)
    assert fig.axes[0].get_xlabel() == "Keys" and fig.axes[0].get_ylabel() == "Queries"


def test_attention_decoder_interface():
    with pytest.raises(NotImplementedError):
        d2l.AttentionDecoder().attention_weights
    assert isinstance(d2l.AttentionDecoder(), d2l.Decoder)


@pytest.mark.parametrize("valid_lens", [[3, 0, 10, 7], [[1, 3, 10, 2, 5, 6, 7, 8, 9, 0]] * 4])
def test_masked_softmax_as_the_books_sequence_mask(valid_lens):
    # masked_softmax selects with where; the book writes -1e6 into X through sequence_mask
    # in place: the same weights and gradients, bit for bit; X itself is left alone.
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 10, 10)).astype(np.float32)
    up = rng.standard_normal((4, 10, 10)).astype(np.float32)
    lens = ember.tensor(valid_lens)

    def book(X, valid_lens):
        shape = X.shape
        valid_lens = ember.repeat_interleave(valid_lens, shape[1]) if valid_lens.dim() == 1 \
            else valid_lens.reshape(-1)
        X = d2l.sequence_mask(X.reshape(-1, shape[-1]), valid_lens, value=-1e6)
        return ember.nn.functional.softmax(X.reshape(shape), dim=-1)

    results = []
    for fn in (d2l.masked_softmax, book):
        leaf = ember.tensor(x, requires_grad=True)
        scores = leaf * 1
        out = fn(scores, lens)
        (out * ember.tensor(up)).sum().backward()
        results.append((out.detach().numpy(), leaf.grad.numpy(), scores.detach().numpy()))
    (ours, our_grad, our_scores), (theirs, their_grad, _) = results
    assert np.array_equal(ours, theirs) and np.array_equal(our_grad, their_grad)
    assert np.array_equal(our_scores, x)


def test_transformer_encoder_twin_of_the_books_code(torch):
    # The benchmark's PyTorch twin (the book's classes on torch) with ember's weights:
    # forward and every parameter's gradient agree (dropout off).
    import os
    import sys
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
    from benchmarks import _twins
    ours, theirs = (_twins.build(lib, "transformer_encoder") for lib in (ember, torch))
    ours.eval()
    theirs.eval()
    rng = np.random.default_rng(4)
    X, lens = rng.integers(0, 184, (8, 10)), rng.integers(1, 11, 8)
    up = rng.standard_normal((8, 10, 32)).astype(np.float32)
    y = ours(ember.tensor(X), ember.tensor(lens))
    yt = theirs(torch.tensor(X), torch.tensor(lens))
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    (y * ember.tensor(up)).sum().backward()
    (yt * torch.tensor(up)).sum().backward()
    for (name, p), (name_t, pt) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == name_t
        scale = float(pt.grad.abs().max())  # float32 rounding of sums this large
        np.testing.assert_allclose(p.grad.numpy(), pt.grad.numpy(), rtol=1e-4,
                                   atol=1e-5 * scale, err_msg=name)
