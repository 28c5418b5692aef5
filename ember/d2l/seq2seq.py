"""Machine translation of the book (chapter 9): the English-French pairs and their
preprocessing, the encoder-decoder interfaces, the GRU encoder, the masked loss, training
with teacher forcing, greedy prediction and BLEU."""
import collections
import math
import os

import ember
from ember import nn, optim

from .data import download_extract, load_array
from .plotting import Animator, set_figsize, _pyplot
from .rnn import grad_clipping
from .text import Vocab
from .timing import Accumulator, Timer, epoch_bar


def read_data_nmt():
    """The text of ``fra.txt`` from the data hub's ``fra-eng.zip``: one pair per line,
    English and French separated by a tab."""
    data_dir = download_extract("fra-eng")
    with open(os.path.join(data_dir, "fra.txt"), "r", encoding="utf-8") as f:
        return f.read()


def preprocess_nmt(text):
    """Lower-case the text, turn non-breaking spaces into spaces, and put a space before
    every ``, . ! ?`` that follows a non-space, so punctuation becomes its own token."""
    text = text.replace("\u202f", " ").replace("\xa0", " ").lower()
    out = [" " + ch if i > 0 and ch in ",.!?" and text[i - 1] != " " else ch
           for i, ch in enumerate(text)]
    return "".join(out)


def tokenize_nmt(text, num_examples=None):
    """``(source, target)``: the word lists (split on single spaces) of each line's two
    tab-separated halves; lines without exactly one tab are skipped. With
    ``num_examples``, reading stops after line number ``num_examples`` (counted from 0, so
    at most ``num_examples + 1`` lines are read, as in the book)."""
    source, target = [], []
    for i, line in enumerate(text.split("\n")):
        if num_examples and i > num_examples:
            break
        parts = line.split("\t")
        if len(parts) == 2:
            source.append(parts[0].split(" "))
            target.append(parts[1].split(" "))
    return source, target


def show_list_len_pair_hist(legend, xlabel, ylabel, xlist, ylist):
    """Histogram of the lengths of the lists in ``xlist`` and ``ylist`` side by side (the
    second hatched)."""
    set_figsize()
    plt = _pyplot()
    _, _, patches = plt.hist([[len(seq) for seq in xlist], [len(seq) for seq in ylist]])
    plt.xlabel(xlabel)
    plt.ylabel(ylabel)
    for patch in patches[1].patches:
        patch.set_hatch("/")
    plt.legend(legend)


def truncate_pad(line, num_steps, padding_token):
    """``line`` cut to ``num_steps`` tokens, or padded to that length with
    ``padding_token``."""
    if len(line) > num_steps:
        return line[:num_steps]
    return line + [padding_token] * (num_steps - len(line))


def build_array_nmt(lines, vocab, num_steps):
    """Token lists to ``(array, valid_len)``: each line's indices followed by ``<eos>``,
    truncated or padded with ``<pad>`` to ``num_steps`` (int64 ``(n, num_steps)``), and the
    number of non-padding tokens of each row (int64 ``(n,)``)."""
    eos, pad = vocab["<eos>"], vocab["<pad>"]
    rows = [truncate_pad(vocab[line] + [eos], num_steps, pad) for line in lines]
    array = ember.tensor(rows, dtype=ember.int64).reshape(len(rows), num_steps)
    valid_len = (array != pad).type(ember.int32).sum(1)
    return array, valid_len


def load_data_nmt(batch_size, num_steps, num_examples=600):
    """``(data_iter, src_vocab, tgt_vocab)`` for the first English-French pairs: the
    vocabularies keep tokens seen at least twice, plus ``<pad>``, ``<bos>``, ``<eos>``; the
    shuffled minibatches are ``(X, X_valid_len, Y, Y_valid_len)``."""
    source, target = tokenize_nmt(preprocess_nmt(read_data_nmt()), num_examples)
    reserved = ["<pad>", "<bos>", "<eos>"]
    src_vocab = Vocab(source, min_freq=2, reserved_tokens=reserved)
    tgt_vocab = Vocab(target, min_freq=2, reserved_tokens=reserved)
    src_array, src_valid_len = build_array_nmt(source, src_vocab, num_steps)
    tgt_array, tgt_valid_len = build_array_nmt(target, tgt_vocab, num_steps)
    data_iter = load_array((src_array, src_valid_len, tgt_array, tgt_valid_len), batch_size)
    return data_iter, src_vocab, tgt_vocab


class Encoder(nn.Module):
    """The encoder interface of the encoder-decoder architecture: ``forward(X, *args)``."""

    def forward(self, X, *args):
        raise NotImplementedError


class Decoder(nn.Module):
    """The decoder interface: ``init_state(enc_outputs, *args)`` turns the encoder's
    outputs into the decoder's state; ``forward(X, state)`` returns ``(output, state)``."""

    def init_state(self, enc_outputs, *args):
        raise NotImplementedError

    def forward(self, X, state):
        raise NotImplementedError


class EncoderDecoder(nn.Module):
    """An encoder and a decoder: the encoder's outputs (and ``*args``, e.g. valid lengths)
    initialize the decoder's state, then the decoder runs on ``dec_X``."""

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, enc_X, dec_X, *args):
        enc_outputs = self.encoder(enc_X, *args)
        dec_state = self.decoder.init_state(enc_outputs, *args)
        return self.decoder(dec_X, dec_state)


class Seq2SeqEncoder(Encoder):
    """The GRU encoder of sequence to sequence learning: an embedding, then a (multi-layer)
    GRU over the time steps. Returns ``(output, state)``: ``(num_steps, batch,
    num_hiddens)`` and ``(num_layers, batch, num_hiddens)``."""

    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0, **kwargs):
        super().__init__(**kwargs)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size, num_hiddens, num_layers, dropout=dropout)

    def forward(self, X, *args):
        X = self.embedding(X).permute(1, 0, 2)  # the GRU wants time steps first
        return self.rnn(X)  # no state given: it starts from zeros


def sequence_mask(X, valid_len, value=0):
    """Set, in each row ``i`` of ``X``, the entries at positions ``valid_len[i]`` and
    beyond along dimension 1 to ``value`` (in place); returns ``X``."""
    maxlen = X.size(1)
    mask = ember.arange(maxlen, dtype=ember.float32, device=X.device)[None, :] \
        < valid_len[:, None]
    X[~mask] = value
    return X


class MaskedSoftmaxCELoss(nn.CrossEntropyLoss):
    """Cross-entropy over ``pred`` ``(batch, steps, vocab)`` and ``label`` ``(batch,
    steps)`` that ignores the padding after each sequence's ``valid_len``: one loss per
    sequence, the mean over all its ``steps`` positions with the padded ones counted as
    0."""

    def forward(self, pred, label, valid_len):
        weights = sequence_mask(ember.ones_like(label), valid_len)
        self.reduction = "none"
        unweighted = super().forward(pred.permute(0, 2, 1), label)
        return (unweighted * weights).mean(dim=1)


def _xavier_init_seq2seq(m):
    # Xavier-uniform for linear layers and for the GRU's weight matrices (not biases).
    if type(m) is nn.Linear:
        nn.init.xavier_uniform_(m.weight)
    if type(m) is nn.GRU:
        for name, param in m.named_parameters(recurse=False):
            if "weight" in name:
                nn.init.xavier_uniform_(param)


def train_seq2seq(net, data_iter, lr, num_epochs, tgt_vocab, device):
    """Train a sequence-to-sequence model with Adam and the masked loss, by teacher
    forcing (the decoder's input is ``<bos>`` then the target shifted by one); gradients
    clipped to norm 1. Draws the loss per token every 10 epochs and returns the last
    epoch's ``(loss per token, tokens per second)``."""
    net.apply(_xavier_init_seq2seq)
    net.to(device)
    optimizer = optim.Adam(net.parameters(), lr=lr)
    loss = MaskedSoftmaxCELoss()
    net.train()
    animator = Animator(xlabel="epoch", ylabel="loss", xlim=[10, num_epochs])
    bos_index = tgt_vocab["<bos>"]
    for epoch in range(num_epochs):
        timer = Timer()
        metric = Accumulator(2)  # sum of losses, tokens
        with epoch_bar(data_iter, f"epoch {epoch + 1}/{num_epochs}") as bar:
            for batch in data_iter:
                optimizer.zero_grad()
                X, X_valid_len, Y, Y_valid_len = [x.to(device) for x in batch]
                bos = ember.tensor([bos_index] * Y.shape[0], device=device).reshape(-1, 1)
                dec_input = ember.cat([bos, Y[:, :-1]], 1)  # teacher forcing
                Y_hat, _ = net(X, dec_input, X_valid_len)
                l = loss(Y_hat, Y, Y_valid_len)
                l.sum().backward()
                grad_clipping(net, 1)
                optimizer.step()
                with ember.no_grad():
                    metric.add(l.sum(), Y_valid_len.sum())
                bar.set_postfix_str(f"loss {metric[0] / metric[1]:.3f}", refresh=False)
                bar.update()
        if (epoch + 1) % 10 == 0:
            animator.add(epoch + 1, (metric[0] / metric[1],))
    speed = metric[1] / timer.stop()
    print(f"loss {metric[0] / metric[1]:.3f}, {speed:.1f} tokens/sec on {device}")
    return metric[0] / metric[1], speed


def predict_seq2seq(net, src_sentence, src_vocab, tgt_vocab, num_steps, device,
                    save_attention_weights=False):
    """Translate ``src_sentence`` greedily: at each step the most likely token is fed back,
    until ``<eos>`` or ``num_steps`` tokens. Returns ``(translation,
    attention_weight_seq)``, the latter the decoder's ``attention_weights`` of each step
    when ``save_attention_weights``, else empty. Puts ``net`` in eval mode."""
    net.eval()
    src_tokens = src_vocab[src_sentence.lower().split(" ")] + [src_vocab["<eos>"]]
    enc_valid_len = ember.tensor([len(src_tokens)], device=device)
    src_tokens = truncate_pad(src_tokens, num_steps, src_vocab["<pad>"])
    enc_X = ember.unsqueeze(ember.tensor(src_tokens, dtype=ember.long, device=device), dim=0)
    output_seq, attention_weight_seq = [], []
    with ember.no_grad():
        enc_outputs = net.encoder(enc_X, enc_valid_len)
        dec_state = net.decoder.init_state(enc_outputs, enc_valid_len)
        dec_X = ember.unsqueeze(
            ember.tensor([tgt_vocab["<bos>"]], dtype=ember.long, device=device), dim=0)
        for _ in range(num_steps):
            Y, dec_state = net.decoder(dec_X, dec_state)
            dec_X = Y.argmax(dim=2)  # the most likely token is the next input
            pred = int(dec_X.squeeze(dim=0).item())
            if save_attention_weights:
                attention_weight_seq.append(net.decoder.attention_weights)
            if pred == tgt_vocab["<eos>"]:
                break
            output_seq.append(pred)
    return " ".join(tgt_vocab.to_tokens(output_seq)), attention_weight_seq


def bleu(pred_seq, label_seq, k):
    """BLEU of ``pred_seq`` against ``label_seq`` (space-separated tokens) with n-grams up
    to ``k``: ``exp(min(0, 1 - len_label / len_pred)) * prod_n p_n ** (1 / 2**n)``, where
    ``p_n`` is the clipped n-gram precision."""
    pred_tokens, label_tokens = pred_seq.split(" "), label_seq.split(" ")
    len_pred, len_label = len(pred_tokens), len(label_tokens)
    score = math.exp(min(0, 1 - len_label / len_pred))
    for n in range(1, k + 1):
        label_ngrams = collections.Counter(
            " ".join(label_tokens[i:i + n]) for i in range(len_label - n + 1))
        num_matches = 0
        for i in range(len_pred - n + 1):
            ngram = " ".join(pred_tokens[i:i + n])
            if label_ngrams[ngram] > 0:  # each label n-gram matches at most once
                num_matches += 1
                label_ngrams[ngram] -= 1
        score *= math.pow(num_matches / (len_pred - n + 1), math.pow(0.5, n))
    return score
