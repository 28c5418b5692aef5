"""A character-level recurrent neural network from scratch on The Time Machine: the text
pipeline's numbers, one-hot inputs, the RNN written with matrix products, gradient
clipping, and text generated after "time traveller", trained with sequential and with
random sampling (perplexity curves).

The book's sections "文本预处理", "语言模型和数据集" and "循环神经网络的从零开始实现"
(d2l.read_time_machine, d2l.Vocab, d2l.load_data_time_machine, d2l.RNNModelScratch,
d2l.train_ch8). The unigram model's perplexity (each character by its frequency alone) is
printed beside the RNN's: a model that learned something is well below it. --quick: 96
hidden units, 40 epochs of each sampling; the book's 512 units and 500 epochs without it.
"""
from _common import report, save, setup


def unigram_perplexity(corpus):
    """exp of the entropy of the characters' frequencies: the perplexity of a model that
    ignores the context."""
    import math
    from collections import Counter
    counts = Counter(corpus).values()
    n = sum(counts)
    return math.exp(-sum(c / n * math.log(c / n) for c in counts))


def main():
    args = setup(__doc__)
    import ember as torch
    from ember.nn import functional as F
    from ember import d2l

    lines = d2l.read_time_machine()
    report("text lines", len(lines), notes=3221)
    vocab = d2l.Vocab(d2l.tokenize(lines))
    report("word vocabulary: first tokens", list(vocab.token_to_idx)[:6])
    report("word counts: the, i, and", [f for _, f in vocab.token_freqs[:3]],
           notes=[2261, 1267, 1245])
    corpus, vocab = d2l.load_corpus_time_machine()
    report("character corpus length", len(corpus), notes=170580)
    report("character vocabulary size", len(vocab), notes=28)

    batch_size, num_steps = 32, 35
    train_iter, vocab = d2l.load_data_time_machine(batch_size, num_steps)
    report("unigram perplexity", unigram_perplexity(train_iter.corpus))
    report("one-hot of [0, 2] shape", tuple(F.one_hot(torch.tensor([0, 2]), len(vocab)).shape))

    def get_params(vocab_size, num_hiddens, device):
        num_inputs = num_outputs = vocab_size

        def normal(shape):
            return torch.randn(size=shape, device=device) * 0.01

        W_xh = normal((num_inputs, num_hiddens))
        W_hh = normal((num_hiddens, num_hiddens))
        b_h = torch.zeros(num_hiddens, device=device)
        W_hq = normal((num_hiddens, num_outputs))
        b_q = torch.zeros(num_outputs, device=device)
        params = [W_xh, W_hh, b_h, W_hq, b_q]
        for param in params:
            param.requires_grad_(True)
        return params

    def init_rnn_state(batch_size, num_hiddens, device):
        return (torch.zeros((batch_size, num_hiddens), device=device),)

    def rnn(inputs, state, params):
        W_xh, W_hh, b_h, W_hq, b_q = params
        H, = state
        outputs = []
        for X in inputs:  # inputs: (num_steps, batch_size, vocab_size)
            H = torch.tanh(torch.mm(X, W_xh) + torch.mm(H, W_hh) + b_h)
            outputs.append(torch.mm(H, W_hq) + b_q)
        return torch.cat(outputs, dim=0), (H,)

    num_hiddens, num_epochs, lr = (96, 40, 1) if args.quick else (512, 500, 1)
    device = d2l.try_gpu()
    net = d2l.RNNModelScratch(len(vocab), num_hiddens, device, get_params, init_rnn_state,
                              rnn)
    X = torch.arange(10).reshape((2, 5))
    Y, new_state = net(X, net.begin_state(X.shape[0], device))
    report("output shape, state shape", (tuple(Y.shape), tuple(new_state[0].shape)))
    report("untrained prediction", d2l.predict_ch8("time traveller ", 10, net, vocab, device))

    for name, random_iter in (("sequential", False), ("random", True)):
        net = d2l.RNNModelScratch(len(vocab), num_hiddens, device, get_params,
                                  init_rnn_state, rnn)
        ppl, _ = d2l.train_ch8(net, train_iter, vocab, lr, num_epochs, device,
                               use_random_iter=random_iter)
        save(f"perplexity_{name}")
        report(f"perplexity, {name} sampling", ppl)
        report(f"generated, {name} sampling",
               d2l.predict_ch8("time traveller", 50, net, vocab, device))


if __name__ == "__main__":
    main()
