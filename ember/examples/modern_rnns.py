"""Modern recurrent networks on The Time Machine with nn.GRU and nn.LSTM: a GRU, an LSTM,
a two-layer (deep) LSTM, and a bidirectional LSTM — the perplexity curve of each, and the
text each generates after "time traveller" (the bidirectional one's perplexity is low but
its text is nonsense: it was trained seeing the future it cannot see when generating).

The book's sections "门控循环单元（GRU）", "长短期记忆网络（LSTM）", "深度循环神经网络" and
"双向循环神经网络" (concise versions, d2l.RNNModel and d2l.train_ch8). --quick: 64 hidden
units and 40 epochs each (20 for the bidirectional one), larger learning rates; without it
the book's 256 units and 500 epochs (lr 1, the deep LSTM lr 2).
"""
from _common import report, save, setup
from rnn_scratch import unigram_perplexity


def main():
    args = setup(__doc__)
    from ember import nn
    from ember import d2l

    batch_size, num_steps = 32, 35
    train_iter, vocab = d2l.load_data_time_machine(batch_size, num_steps)
    report("unigram perplexity", unigram_perplexity(train_iter.corpus))
    vocab_size, device = len(vocab), d2l.try_gpu()
    if args.quick:
        num_hiddens, epochs, bi_epochs = 64, 40, 20
        lrs = {"gru": 4, "lstm": 8, "deep lstm": 8, "bidirectional lstm": 4}
    else:
        num_hiddens, epochs, bi_epochs = 256, 500, 500
        lrs = {"gru": 1, "lstm": 1, "deep lstm": 2, "bidirectional lstm": 1}

    models = {
        "gru": nn.GRU(vocab_size, num_hiddens),
        "lstm": nn.LSTM(vocab_size, num_hiddens),
        "deep lstm": nn.LSTM(vocab_size, num_hiddens, 2),
    }
    for name, layer in models.items():
        model = d2l.RNNModel(layer, vocab_size).to(device)
        ppl, _ = d2l.train_ch8(model, train_iter, vocab, lrs[name], epochs, device)
        save("perplexity_" + name.replace(" ", "_"))
        report(f"{name} perplexity", ppl)
        report(f"{name} generated", d2l.predict_ch8("time traveller", 50, model, vocab, device))

    # The book's warning example: a bidirectional LSTM as a language model.
    lstm_layer = nn.LSTM(vocab_size, num_hiddens, 2, bidirectional=True)
    model = d2l.RNNModel(lstm_layer, vocab_size).to(device)
    ppl, _ = d2l.train_ch8(model, train_iter, vocab, lrs["bidirectional lstm"], bi_epochs,
                           device)
    save("perplexity_bidirectional_lstm")
    report("bidirectional lstm perplexity", ppl)
    report("bidirectional lstm generated",
           d2l.predict_ch8("time traveller", 50, model, vocab, device))


if __name__ == "__main__":
    main()
