"""Sequence to sequence learning: a GRU encoder-decoder trained by teacher forcing with the
masked cross-entropy loss, then greedy translation of English sentences into French with
their BLEU scores.

The book's sections "编码器-解码器架构", "机器翻译与数据集" and "序列到序列学习（seq2seq）"
(d2l.Seq2SeqEncoder, d2l.sequence_mask, d2l.MaskedSoftmaxCELoss, d2l.train_seq2seq,
d2l.predict_seq2seq, d2l.bleu), with the book's model (embedding 32, 32 hidden units, two
GRU layers, dropout 0.1, batches of 64, 10 steps, Adam lr 0.005). Data: without --quick
the book's 600 English-French pairs when a verified fra-eng.zip is found (../data,
$EMBER_DATA, the cache), 300 epochs; with --quick, or without the file, pairs generated
from a small grammar (see _nmt.py), 80 epochs at lr 0.01 for --quick.
"""
from _common import report, save, setup
from _nmt import load_pairs, translate_all


def main():
    args = setup(__doc__)
    import ember as torch
    from ember import nn
    from ember import d2l

    class Seq2SeqDecoder(d2l.Decoder):
        """The book's GRU decoder: the encoder's last-layer final state is the context,
        concatenated to the embedded input at every step."""

        def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0,
                     **kwargs):
            super().__init__(**kwargs)
            self.embedding = nn.Embedding(vocab_size, embed_size)
            self.rnn = nn.GRU(embed_size + num_hiddens, num_hiddens, num_layers,
                              dropout=dropout)
            self.dense = nn.Linear(num_hiddens, vocab_size)

        def init_state(self, enc_outputs, *args):
            return enc_outputs[1]

        def forward(self, X, state):
            X = self.embedding(X).permute(1, 0, 2)
            context = state[-1].repeat(X.shape[0], 1, 1)
            X_and_context = torch.cat((X, context), 2)
            output, state = self.rnn(X_and_context, state)
            output = self.dense(output).permute(1, 0, 2)
            return output, state

    encoder = d2l.Seq2SeqEncoder(vocab_size=10, embed_size=8, num_hiddens=16, num_layers=2)
    encoder.eval()
    X = torch.zeros((4, 7), dtype=torch.long)
    output, state = encoder(X)
    report("encoder output shape", tuple(output.shape), notes=(7, 4, 16))
    report("encoder state shape", tuple(state.shape), notes=(2, 4, 16))
    decoder = Seq2SeqDecoder(vocab_size=10, embed_size=8, num_hiddens=16, num_layers=2)
    decoder.eval()
    output, state = decoder(X, decoder.init_state(encoder(X)))
    report("decoder output shape", tuple(output.shape), notes=(4, 7, 10))
    report("sequence_mask", d2l.sequence_mask(torch.tensor([[1, 2, 3], [4, 5, 6]]),
                                              torch.tensor([1, 2])).tolist())
    loss = d2l.MaskedSoftmaxCELoss()
    report("masked loss of uniform predictions",
           [round(v, 4) for v in loss(torch.ones(3, 4, 10), torch.ones((3, 4), dtype=torch.long),
                                      torch.tensor([4, 2, 0])).tolist()],
           notes=[2.3026, 1.1513, 0.0])

    embed_size, num_hiddens, num_layers, dropout = 32, 32, 2, 0.1
    batch_size, num_steps = 64, 10
    lr, num_epochs = (0.01, 80) if args.quick else (0.005, 300)
    train_iter, src_vocab, tgt_vocab, source, english, french = load_pairs(
        batch_size, num_steps, args.quick)
    report("data", source)
    report("vocabulary sizes (source, target)", (len(src_vocab), len(tgt_vocab)))
    encoder = d2l.Seq2SeqEncoder(len(src_vocab), embed_size, num_hiddens, num_layers, dropout)
    decoder = Seq2SeqDecoder(len(tgt_vocab), embed_size, num_hiddens, num_layers, dropout)
    net = d2l.EncoderDecoder(encoder, decoder)
    final_loss, _ = d2l.train_seq2seq(net, train_iter, lr, num_epochs, tgt_vocab,
                                      d2l.try_gpu())
    save("loss")
    report("loss per token", final_loss)
    translate_all(net, src_vocab, tgt_vocab, num_steps, english, french, report)


if __name__ == "__main__":
    main()
