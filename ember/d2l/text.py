"""The text pipeline of the recurrent-network chapters: The Time Machine read and cleaned,
split into tokens, a vocabulary of them, and minibatches of subsequences for language
models (random or sequential partitioning), as the book defines them."""
import collections
import random
import re

import ember
from .data import download

_NON_LETTERS = re.compile("[^A-Za-z]+")


def read_time_machine():
    """The Time Machine as a list of lines: every run of characters other than letters
    becomes one space, then each line is stripped and lower-cased (3221 lines)."""
    with open(download("time_machine"), "r") as f:
        lines = f.readlines()
    return [_NON_LETTERS.sub(" ", line).strip().lower() for line in lines]


def tokenize(lines, token="word"):
    """Split each line into word tokens (``token='word'``, on whitespace) or into its
    characters (``token='char'``): a list of token lists, one per line."""
    if token == "word":
        return [line.split() for line in lines]
    if token == "char":
        return [list(line) for line in lines]
    raise ValueError(f"unknown token type: {token!r} (expected 'word' or 'char')")


def count_corpus(tokens):
    """A ``collections.Counter`` of the tokens: ``tokens`` is a flat list of tokens or a
    list of token lists (lines)."""
    if len(tokens) == 0 or isinstance(tokens[0], list):
        tokens = [tok for line in tokens for tok in line]
    return collections.Counter(tokens)


class Vocab:
    """A vocabulary: tokens to indices and back.

    Index 0 is the unknown token ``'<unk>'`` (``unk``), the ``reserved_tokens`` follow in
    the order given, then every token seen at least ``min_freq`` times, most frequent first
    (ties in order of first appearance). Indexing with a token gives its index (``unk`` for
    a token never seen); with a list or tuple of tokens, a list of indices.
    """

    def __init__(self, tokens=None, min_freq=0, reserved_tokens=None):
        counter = count_corpus(tokens if tokens is not None else [])
        # sorted() is stable, so equal counts keep the order in which they first appeared.
        self._token_freqs = sorted(counter.items(), key=lambda kv: kv[1], reverse=True)
        self.idx_to_token = ["<unk>"] + list(reserved_tokens or [])
        self.token_to_idx = {tok: idx for idx, tok in enumerate(self.idx_to_token)}
        for tok, freq in self._token_freqs:
            if freq < min_freq:
                break  # the rest are rarer still
            if tok not in self.token_to_idx:
                self.token_to_idx[tok] = len(self.idx_to_token)
                self.idx_to_token.append(tok)

    def __len__(self):
        return len(self.idx_to_token)

    def __getitem__(self, tokens):
        if isinstance(tokens, (list, tuple)):
            return [self[tok] for tok in tokens]
        return self.token_to_idx.get(tokens, self.unk)

    def to_tokens(self, indices):
        """The token of an index, or the list of tokens of a list or tuple of indices."""
        if isinstance(indices, (list, tuple)):
            return [self.idx_to_token[i] for i in indices]
        return self.idx_to_token[indices]

    @property
    def unk(self):
        """The index of the unknown token: 0."""
        return 0

    @property
    def token_freqs(self):
        """``(token, count)`` pairs, most frequent first."""
        return self._token_freqs


def load_corpus_time_machine(max_tokens=-1):
    """The Time Machine as character indices: ``(corpus, vocab)``, the corpus one flat list
    over all lines (170580 characters, 28 tokens in the vocabulary), cut to its first
    ``max_tokens`` when that is positive."""
    tokens = tokenize(read_time_machine(), "char")
    vocab = Vocab(tokens)
    # Lines of the book are not sentences or paragraphs: one stream of characters.
    corpus = [vocab[tok] for line in tokens for tok in line]
    if max_tokens > 0:
        corpus = corpus[:max_tokens]
    return corpus, vocab


def seq_data_iter_random(corpus, batch_size, num_steps):
    """Minibatches ``(X, Y)`` of ``batch_size`` subsequences of ``num_steps`` tokens, ``Y``
    being ``X`` shifted by one token, by random sampling: the corpus is cut into
    subsequences from a random offset in ``[0, num_steps - 1]``, and these are dealt out in
    random order, so neighbouring minibatches are not neighbours in the text. Uses Python's
    ``random`` module, as the book does."""
    corpus = corpus[random.randint(0, num_steps - 1):]
    num_subseqs = (len(corpus) - 1) // num_steps  # -1: every X needs its label after it
    starts = list(range(0, num_subseqs * num_steps, num_steps))
    random.shuffle(starts)
    num_batches = num_subseqs // batch_size
    for i in range(0, batch_size * num_batches, batch_size):
        batch = starts[i:i + batch_size]
        X = [corpus[j:j + num_steps] for j in batch]
        Y = [corpus[j + 1:j + 1 + num_steps] for j in batch]
        yield ember.tensor(X), ember.tensor(Y)


def seq_data_iter_sequential(corpus, batch_size, num_steps):
    """Minibatches ``(X, Y)`` by sequential partitioning: from a random offset in
    ``[0, num_steps]`` the corpus is laid out as ``batch_size`` rows, and consecutive
    minibatches take consecutive windows of ``num_steps`` columns, so each row of one
    minibatch continues the same row of the one before (the hidden state can be carried
    over)."""
    offset = random.randint(0, num_steps)
    num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size
    Xs = ember.tensor(corpus[offset:offset + num_tokens]).reshape(batch_size, -1)
    Ys = ember.tensor(corpus[offset + 1:offset + 1 + num_tokens]).reshape(batch_size, -1)
    num_batches = Xs.shape[1] // num_steps
    for i in range(0, num_steps * num_batches, num_steps):
        yield Xs[:, i:i + num_steps], Ys[:, i:i + num_steps]


class SeqDataLoader:
    """An iterable over minibatches of The Time Machine's character indices (random or
    sequential partitioning); every ``iter()`` starts a new pass with a new random offset.
    ``corpus`` and ``vocab`` are kept as attributes."""

    def __init__(self, batch_size, num_steps, use_random_iter, max_tokens):
        self.data_iter_fn = seq_data_iter_random if use_random_iter else seq_data_iter_sequential
        self.corpus, self.vocab = load_corpus_time_machine(max_tokens)
        self.batch_size, self.num_steps = batch_size, num_steps

    def __iter__(self):
        return self.data_iter_fn(self.corpus, self.batch_size, self.num_steps)


def load_data_time_machine(batch_size, num_steps, use_random_iter=False, max_tokens=10000):
    """``(data_iter, vocab)``: a ``SeqDataLoader`` over the first ``max_tokens`` characters
    of The Time Machine, and its character vocabulary."""
    data_iter = SeqDataLoader(batch_size, num_steps, use_random_iter, max_tokens)
    return data_iter, data_iter.vocab
