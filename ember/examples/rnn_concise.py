"""A character-level RNN with nn.RNN on The Time Machine: the layer's output and state
shapes, the d2l.RNNModel around it, its perplexity curve, and text generated after
"time traveller".

The book's section "循环神经网络的简洁实现" (nn.RNN, d2l.RNNModel, d2l.train_ch8); the
unigram model's perplexity is printed beside it. --quick: 128 hidden units, 60 epochs; the
book's 256 units and 500 epochs (lr 1) without it.
"""
from _common import report, save, setup
from rnn_scratch import unigram_perplexity


def main():
    args = setup(__doc__)
    import ember as torch
    from ember import nn
    from ember import d2l

    batch_size, num_steps = 32, 35
    train_iter, vocab = d2l.load_data_time_machine(batch_size, num_steps)
    report("unigram perplexity", unigram_perplexity(train_iter.corpus))

    num_hiddens, num_epochs, lr = (128, 60, 1) if args.quick else (256, 500, 1)
    rnn_layer = nn.RNN(len(vocab), num_hiddens)
    state = torch.zeros((1, batch_size, num_hiddens))
    report("state shape", tuple(state.shape))
    X = torch.rand(size=(num_steps, batch_size, len(vocab)))
    Y, state_new = rnn_layer(X, state)
    report("Y shape, new state shape", (tuple(Y.shape), tuple(state_new.shape)))

    device = d2l.try_gpu()
    net = d2l.RNNModel(rnn_layer, vocab_size=len(vocab))
    net = net.to(device)
    report("untrained prediction", d2l.predict_ch8("time traveller", 10, net, vocab, device))
    ppl, _ = d2l.train_ch8(net, train_iter, vocab, lr, num_epochs, device)
    save("perplexity")
    report("perplexity", ppl)
    report("generated", d2l.predict_ch8("time traveller", 50, net, vocab, device))


if __name__ == "__main__":
    main()
