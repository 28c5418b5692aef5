"""Multi-head attention, positional encoding and the Transformer encoder: the shapes the
book prints for each building block, the sinusoidal encoding's columns and its heat map,
and the time of a forward and backward pass of the encoder at the book's sizes.

The book's sections "多头注意力", "自注意力和位置编码" and "Transformer"
(d2l.MultiHeadAttention, d2l.PositionalEncoding, d2l.PositionWiseFFN, d2l.AddNorm,
d2l.EncoderBlock, d2l.TransformerEncoder, d2l.Benchmark). --quick times one pass instead
of five.
"""
from _common import report, save, setup


def main():
    args = setup(__doc__)
    import ember as torch
    from ember import d2l

    num_hiddens, num_heads = 100, 5
    attention = d2l.MultiHeadAttention(num_hiddens, num_hiddens, num_hiddens, num_hiddens,
                                       num_heads, 0.5)
    attention.eval()
    batch_size, num_queries = 2, 4
    num_kvpairs, valid_lens = 6, torch.tensor([3, 2])
    X = torch.ones((batch_size, num_queries, num_hiddens))
    Y = torch.ones((batch_size, num_kvpairs, num_hiddens))
    report("multi-head attention output shape",
           tuple(attention(X, Y, Y, valid_lens).shape), notes=(2, 4, 100))

    encoding_dim, num_steps = 32, 60
    pos_encoding = d2l.PositionalEncoding(encoding_dim, 0)
    pos_encoding.eval()
    X = pos_encoding(torch.zeros((1, num_steps, encoding_dim)))
    P = pos_encoding.P[:, :X.shape[1], :]
    d2l.plot(torch.arange(num_steps), P[0, :, 6:10].T, xlabel="Row (position)",
             figsize=(6, 2.5), legend=["Col %d" % d for d in torch.arange(6, 10)])
    save("positional_encoding_columns")
    d2l.show_heatmaps(P[0, :, :].unsqueeze(0).unsqueeze(0), xlabel="Column (encoding dimension)",
                      ylabel="Row (position)", figsize=(3.5, 4), cmap="Blues")
    save("positional_encoding_heatmap")
    # Row 1: sin(1), cos(1), sin(1 / 10000^(2/32)), cos(1 / 10000^(2/32)).
    report("P[0, 1, :4]", [round(float(v), 4) for v in P[0, 1, :4]])

    ffn = d2l.PositionWiseFFN(4, 4, 8)
    ffn.eval()
    report("PositionWiseFFN output[0] shape", tuple(ffn(torch.ones((2, 3, 4)))[0].shape),
           notes=(3, 8))
    add_norm = d2l.AddNorm([3, 4], 0.5)
    add_norm.eval()
    report("AddNorm output shape",
           tuple(add_norm(torch.ones((2, 3, 4)), torch.ones((2, 3, 4))).shape), notes=(2, 3, 4))
    X = torch.ones((2, 100, 24))
    valid_lens = torch.tensor([3, 2])
    encoder_blk = d2l.EncoderBlock(24, 24, 24, 24, [100, 24], 24, 48, 8, 0.5)
    encoder_blk.eval()
    report("EncoderBlock output shape", tuple(encoder_blk(X, valid_lens).shape),
           notes=(2, 100, 24))
    encoder = d2l.TransformerEncoder(200, 24, 24, 24, 24, [100, 24], 24, 48, 8, 2, 0.5)
    encoder.eval()
    out = encoder(torch.ones((2, 100), dtype=torch.long), valid_lens)
    report("TransformerEncoder output shape", tuple(out.shape), notes=(2, 100, 24))
    report("attention weights per block", tuple(encoder.attention_weights[0].shape))
    d2l.show_heatmaps(encoder.attention_weights[0].reshape((2, 8, 100, 100))[:1, :4, :8, :8],
                      xlabel="Key positions", ylabel="Query positions",
                      titles=["Head %d" % i for i in range(1, 5)], figsize=(7, 3.5))
    save("encoder_attention_heads")

    # The translation chapter's encoder sizes: 32 hidden units, 2 blocks, 4 heads,
    # batches of 64 sequences of 10 tokens.
    encoder = d2l.TransformerEncoder(200, 32, 32, 32, 32, [32], 32, 64, 4, 2, 0.1)
    tokens = torch.randint(0, 200, (64, 10))
    lens = torch.randint(1, 11, (64,))
    passes = 1 if args.quick else 5
    with d2l.Benchmark(f"{passes} forward+backward passes") as bench:
        for _ in range(passes):
            encoder(tokens, lens).sum().backward()
    report("seconds per forward+backward pass (batch 64, 10 steps)",
           bench.timer.times[-1] / passes)


if __name__ == "__main__":
    main()
