"""Attention: heat maps of attention weights, the masked softmax, additive and scaled
dot-product attention (the book's outputs), and Bahdanau attention in a GRU
encoder-decoder trained for English-French translation, with BLEU and the heat map of
where each output token looked.

The book's sections "注意力提示", "注意力评分函数" and "Bahdanau 注意力" (d2l.show_heatmaps,
d2l.masked_softmax, d2l.AdditiveAttention, d2l.DotProductAttention, d2l.AttentionDecoder),
with the book's model (embedding 32, 32 hidden units, two GRU layers, dropout 0.1, batches
of 64, 10 steps, Adam lr 0.005, 250 epochs). Data as in seq2seq.py: the real pairs
without --quick when found, else generated ones; --quick trains 60 epochs at lr 0.01.
"""
from _common import report, save, setup
from _nmt import load_pairs, translate_all


def rounded(t, digits=4):
    import numpy as np
    return np.round(t.detach().numpy().astype(np.float64), digits).tolist()


def main():
    args = setup(__doc__)
    import ember as torch
    from ember import nn
    from ember import d2l

    attention_weights = torch.eye(10).reshape((1, 1, 10, 10))
    d2l.show_heatmaps(attention_weights, xlabel="Keys", ylabel="Queries")
    save("heatmap_eye")

    report("masked_softmax row sums, valid lens [2, 3]", d2l.masked_softmax(
        torch.rand(2, 2, 4), torch.tensor([2, 3])).sum(-1).tolist())
    masked = d2l.masked_softmax(torch.rand(2, 2, 4), torch.tensor([[1, 3], [2, 4]]))
    report("masked_softmax zeros per row, valid lens [[1, 3], [2, 4]]",
           (masked == 0).sum(-1).tolist())

    queries, keys = torch.normal(0, 1, (2, 1, 20)), torch.ones((2, 10, 2))
    values = torch.arange(40, dtype=torch.float32).reshape(1, 10, 4).repeat(2, 1, 1)
    valid_lens = torch.tensor([2, 6])
    attention = d2l.AdditiveAttention(key_size=2, query_size=20, num_hiddens=8, dropout=0.1)
    attention.eval()
    report("additive attention", rounded(attention(queries, keys, values, valid_lens)),
           notes=[[[2.0, 3.0, 4.0, 5.0]], [[10.0, 11.0, 12.0, 13.0]]])
    d2l.show_heatmaps(attention.attention_weights.reshape((1, 1, 2, 10)),
                      xlabel="Keys", ylabel="Queries")
    save("heatmap_additive")
    queries = torch.normal(0, 1, (2, 1, 2))
    attention = d2l.DotProductAttention(dropout=0.5)
    attention.eval()
    report("dot-product attention", rounded(attention(queries, keys, values, valid_lens)),
           notes=[[[2.0, 3.0, 4.0, 5.0]], [[10.0, 11.0, 12.0, 13.0]]])

    class Seq2SeqAttentionDecoder(d2l.AttentionDecoder):
        """The book's Bahdanau decoder: at every step the last layer's hidden state
        queries the encoder's outputs, and the context is fed with the input."""

        def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0,
                     **kwargs):
            super().__init__(**kwargs)
            self.attention = d2l.AdditiveAttention(num_hiddens, num_hiddens, num_hiddens,
                                                   dropout)
            self.embedding = nn.Embedding(vocab_size, embed_size)
            self.rnn = nn.GRU(embed_size + num_hiddens, num_hiddens, num_layers,
                              dropout=dropout)
            self.dense = nn.Linear(num_hiddens, vocab_size)

        def init_state(self, enc_outputs, enc_valid_lens, *args):
            outputs, hidden_state = enc_outputs
            return (outputs.permute(1, 0, 2), hidden_state, enc_valid_lens)

        def forward(self, X, state):
            enc_outputs, hidden_state, enc_valid_lens = state
            X = self.embedding(X).permute(1, 0, 2)
            outputs, self._attention_weights = [], []
            for x in X:
                query = torch.unsqueeze(hidden_state[-1], dim=1)
                context = self.attention(query, enc_outputs, enc_outputs, enc_valid_lens)
                x = torch.cat((context, torch.unsqueeze(x, dim=1)), dim=-1)
                out, hidden_state = self.rnn(x.permute(1, 0, 2), hidden_state)
                outputs.append(out)
                self._attention_weights.append(self.attention.attention_weights)
            outputs = self.dense(torch.cat(outputs, dim=0))
            return outputs.permute(1, 0, 2), [enc_outputs, hidden_state, enc_valid_lens]

        @property
        def attention_weights(self):
            return self._attention_weights

    encoder = d2l.Seq2SeqEncoder(vocab_size=10, embed_size=8, num_hiddens=16, num_layers=2)
    encoder.eval()
    decoder = Seq2SeqAttentionDecoder(vocab_size=10, embed_size=8, num_hiddens=16,
                                      num_layers=2)
    decoder.eval()
    X = torch.zeros((4, 7), dtype=torch.long)
    output, state = decoder(X, decoder.init_state(encoder(X), None))
    report("Bahdanau decoder output shape, state[0] shape",
           (tuple(output.shape), tuple(state[0].shape)), notes=((4, 7, 10), (4, 7, 16)))

    embed_size, num_hiddens, num_layers, dropout = 32, 32, 2, 0.1
    batch_size, num_steps = 64, 10
    lr, num_epochs = (0.01, 60) if args.quick else (0.005, 250)
    train_iter, src_vocab, tgt_vocab, source, english, french = load_pairs(
        batch_size, num_steps, args.quick)
    report("data", source)
    encoder = d2l.Seq2SeqEncoder(len(src_vocab), embed_size, num_hiddens, num_layers, dropout)
    decoder = Seq2SeqAttentionDecoder(len(tgt_vocab), embed_size, num_hiddens, num_layers,
                                      dropout)
    net = d2l.EncoderDecoder(encoder, decoder)
    final_loss, _ = d2l.train_seq2seq(net, train_iter, lr, num_epochs, tgt_vocab,
                                      d2l.try_gpu())
    save("loss")
    report("loss per token", final_loss)
    dec_attention_weight_seq = translate_all(net, src_vocab, tgt_vocab, num_steps, english,
                                             french, report, save_attention_weights=True)
    # Each step's weights: one (batch, 1, num_steps) entry per decoder step of that call.
    weights = torch.cat([step[0][0][0] for step in dec_attention_weight_seq], 0).reshape(
        (1, 1, -1, num_steps))
    d2l.show_heatmaps(weights[:, :, :, :len(english[-1].split()) + 1],
                      xlabel="Key positions", ylabel="Query positions")
    save("heatmap_bahdanau")


if __name__ == "__main__":
    main()
