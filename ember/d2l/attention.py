"""Attention of the book (chapter 10): heat maps, the masked softmax, additive and scaled
dot-product attention, multi-head attention, positional encoding and the Transformer
encoder."""
import math

import ember
from ember import nn

from .plotting import _pyplot, use_svg_display
from .seq2seq import Decoder, Encoder


def show_heatmaps(matrices, xlabel, ylabel, titles=None, figsize=(2.5, 2.5), cmap="Reds"):
    """Draw a grid of heat maps: ``matrices`` has shape ``(rows, columns, queries,
    keys)``; the x label goes under the last row, the y label left of the first column,
    ``titles`` over the columns; one shared colour bar. Returns nothing, as in the book
    (a notebook would show a returned figure twice): the figure is pyplot's current one."""
    use_svg_display()
    num_rows, num_cols = matrices.shape[0], matrices.shape[1]
    fig, axes = _pyplot().subplots(num_rows, num_cols, figsize=figsize, sharex=True,
                                   sharey=True, squeeze=False)
    for i, (row_axes, row_matrices) in enumerate(zip(axes, matrices)):
        for j, (ax, matrix) in enumerate(zip(row_axes, row_matrices)):
            pcm = ax.imshow(matrix.detach().numpy(), cmap=cmap)
            if i == num_rows - 1:
                ax.set_xlabel(xlabel)
            if j == 0:
                ax.set_ylabel(ylabel)
            if titles:
                ax.set_title(titles[j])
    fig.colorbar(pcm, ax=axes, shrink=0.6)


def masked_softmax(X, valid_lens):
    """Softmax over the last dimension of the 3-D ``X`` in which only the first
    ``valid_lens`` entries count: ``valid_lens`` of shape ``(batch,)`` (one length per
    batch row) or ``(batch, queries)`` (one per query); ``None`` for a plain softmax.
    Masked entries get weight 0 (their scores are replaced by -1e6). The book masks with
    ``sequence_mask``, which also writes the -1e6 into ``X`` itself; this one selects
    with ``where`` and leaves ``X`` as it was: the same weights and gradients, without
    an in-place write into a view of ``X`` (whose graph rewiring took ~75% of a call,
    0.9 ms of the Transformer encoder's ~7 ms training step at the book's sizes)."""
    if valid_lens is None:
        return nn.functional.softmax(X, dim=-1)
    shape = X.shape
    if valid_lens.dim() == 1:
        valid_lens = ember.repeat_interleave(valid_lens, shape[1])
    else:
        valid_lens = valid_lens.reshape(-1)
    # sequence_mask's test: position < valid length, positions counted in float32
    keep = ember.arange(shape[-1], dtype=ember.float32, device=X.device)[None, :] \
        < valid_lens[:, None]
    X = ember.where(keep, X.reshape(-1, shape[-1]), -1e6)
    return nn.functional.softmax(X.reshape(shape), dim=-1)


class AdditiveAttention(nn.Module):
    """Additive attention: score ``w_v . tanh(W_q q + W_k k)``, for queries and keys of
    different sizes. The weights of the last call are kept in ``attention_weights``."""

    def __init__(self, key_size, query_size, num_hiddens, dropout, **kwargs):
        super().__init__(**kwargs)
        self.W_k = nn.Linear(key_size, num_hiddens, bias=False)
        self.W_q = nn.Linear(query_size, num_hiddens, bias=False)
        self.w_v = nn.Linear(num_hiddens, 1, bias=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, keys, values, valid_lens):
        queries, keys = self.W_q(queries), self.W_k(keys)
        # (batch, queries, 1, h) + (batch, 1, pairs, h): every query with every key.
        features = ember.tanh(queries.unsqueeze(2) + keys.unsqueeze(1))
        scores = self.w_v(features).squeeze(-1)  # (batch, queries, pairs)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return ember.bmm(self.dropout(self.attention_weights), values)


class DotProductAttention(nn.Module):
    """Scaled dot-product attention: score ``q . k / sqrt(d)``. Queries ``(batch, queries,
    d)``, keys ``(batch, pairs, d)``, values ``(batch, pairs, v)``; ``valid_lens`` as for
    ``masked_softmax``. The weights of the last call are kept in ``attention_weights``."""

    def __init__(self, dropout, **kwargs):
        super().__init__(**kwargs)
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, keys, values, valid_lens=None):
        d = queries.shape[-1]
        scores = ember.bmm(queries, keys.transpose(1, 2)) / math.sqrt(d)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return ember.bmm(self.dropout(self.attention_weights), values)


class AttentionDecoder(Decoder):
    """The interface of a decoder with attention: it also exposes ``attention_weights``."""

    @property
    def attention_weights(self):
        raise NotImplementedError


def transpose_qkv(X, num_heads):
    """``(batch, n, num_hiddens)`` to ``(batch * num_heads, n, num_hiddens / num_heads)``:
    each head becomes a batch entry of its own, so all heads attend in one ``bmm``."""
    X = X.reshape(X.shape[0], X.shape[1], num_heads, -1)
    X = X.permute(0, 2, 1, 3)
    return X.reshape(-1, X.shape[2], X.shape[3])


def transpose_output(X, num_heads):
    """The inverse of ``transpose_qkv``: the heads' outputs side by side again."""
    X = X.reshape(-1, num_heads, X.shape[1], X.shape[2])
    X = X.permute(0, 2, 1, 3)
    return X.reshape(X.shape[0], X.shape[1], -1)


class MultiHeadAttention(nn.Module):
    """Multi-head attention: ``num_heads`` scaled dot-product attentions over learned
    projections of ``num_hiddens / num_heads`` dimensions each, concatenated and projected
    by ``W_o``."""

    def __init__(self, key_size, query_size, value_size, num_hiddens, num_heads, dropout,
                 bias=False, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = num_heads
        self.attention = DotProductAttention(dropout)
        self.W_q = nn.Linear(query_size, num_hiddens, bias=bias)
        self.W_k = nn.Linear(key_size, num_hiddens, bias=bias)
        self.W_v = nn.Linear(value_size, num_hiddens, bias=bias)
        self.W_o = nn.Linear(num_hiddens, num_hiddens, bias=bias)

    def forward(self, queries, keys, values, valid_lens):
        queries = transpose_qkv(self.W_q(queries), self.num_heads)
        keys = transpose_qkv(self.W_k(keys), self.num_heads)
        values = transpose_qkv(self.W_v(values), self.num_heads)
        if valid_lens is not None:
            # Every head of batch row i sees row i's valid lengths.
            valid_lens = ember.repeat_interleave(valid_lens, repeats=self.num_heads, dim=0)
        output = self.attention(queries, keys, values, valid_lens)
        return self.W_o(transpose_output(output, self.num_heads))


class PositionalEncoding(nn.Module):
    """Sinusoidal positional encoding: adds ``P[i, 2j] = sin(i / 10000^(2j/d))`` and
    ``P[i, 2j+1] = cos(i / 10000^(2j/d))`` to the input ``(batch, steps, d)``, then
    dropout. ``P`` (``(1, max_len, d)``) is a plain attribute, as in the book."""

    def __init__(self, num_hiddens, dropout, max_len=1000):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.P = ember.zeros((1, max_len, num_hiddens))
        X = ember.arange(max_len, dtype=ember.float32).reshape(-1, 1) / ember.pow(
            10000, ember.arange(0, num_hiddens, 2, dtype=ember.float32) / num_hiddens)
        self.P[:, :, 0::2] = ember.sin(X)
        self.P[:, :, 1::2] = ember.cos(X)

    def forward(self, X):
        X = X + self.P[:, :X.shape[1], :].to(X.device)
        return self.dropout(X)


class PositionWiseFFN(nn.Module):
    """The Transformer's position-wise feed-forward network: the same two-layer MLP
    (ReLU between) applied at every position."""

    def __init__(self, ffn_num_input, ffn_num_hiddens, ffn_num_outputs, **kwargs):
        super().__init__(**kwargs)
        self.dense1 = nn.Linear(ffn_num_input, ffn_num_hiddens)
        self.relu = nn.ReLU()
        self.dense2 = nn.Linear(ffn_num_hiddens, ffn_num_outputs)

    def forward(self, X):
        return self.dense2(self.relu(self.dense1(X)))


class AddNorm(nn.Module):
    """Residual connection then layer normalization: ``LayerNorm(dropout(Y) + X)``."""

    def __init__(self, normalized_shape, dropout, **kwargs):
        super().__init__(**kwargs)
        self.dropout = nn.Dropout(dropout)
        self.ln = nn.LayerNorm(normalized_shape)

    def forward(self, X, Y):
        return self.ln(self.dropout(Y) + X)


class EncoderBlock(nn.Module):
    """One Transformer encoder block: multi-head self-attention and the position-wise
    FFN, each followed by ``AddNorm``. Keeps the input's shape."""

    def __init__(self, key_size, query_size, value_size, num_hiddens, norm_shape,
                 ffn_num_input, ffn_num_hiddens, num_heads, dropout, use_bias=False,
                 **kwargs):
        super().__init__(**kwargs)
        self.attention = MultiHeadAttention(key_size, query_size, value_size, num_hiddens,
                                            num_heads, dropout, use_bias)
        self.addnorm1 = AddNorm(norm_shape, dropout)
        self.ffn = PositionWiseFFN(ffn_num_input, ffn_num_hiddens, num_hiddens)
        self.addnorm2 = AddNorm(norm_shape, dropout)

    def forward(self, X, valid_lens):
        Y = self.addnorm1(X, self.attention(X, X, X, valid_lens))
        return self.addnorm2(Y, self.ffn(Y))


class TransformerEncoder(Encoder):
    """The Transformer encoder: embedding scaled by ``sqrt(num_hiddens)``, positional
    encoding, then ``num_layers`` ``EncoderBlock`` s. Each block's attention weights of
    the last call are kept in ``attention_weights``."""

    def __init__(self, vocab_size, key_size, query_size, value_size, num_hiddens,
                 norm_shape, ffn_num_input, ffn_num_hiddens, num_heads, num_layers, dropout,
                 use_bias=False, **kwargs):
        super().__init__(**kwargs)
        self.num_hiddens = num_hiddens
        self.embedding = nn.Embedding(vocab_size, num_hiddens)
        self.pos_encoding = PositionalEncoding(num_hiddens, dropout)
        self.blks = nn.Sequential()
        for i in range(num_layers):
            self.blks.add_module(
                "block" + str(i),
                EncoderBlock(key_size, query_size, value_size, num_hiddens, norm_shape,
                             ffn_num_input, ffn_num_hiddens, num_heads, dropout, use_bias))

    def forward(self, X, valid_lens, *args):
        # The positional encoding lies in [-1, 1]: scale the embedding up to its size.
        X = self.pos_encoding(self.embedding(X) * math.sqrt(self.num_hiddens))
        self.attention_weights = [None] * len(self.blks)
        for i, blk in enumerate(self.blks):
            X = blk(X, valid_lens)
            self.attention_weights[i] = blk.attention.attention.attention_weights
        return X
