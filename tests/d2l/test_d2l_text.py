"""The text pipeline of chapter 8 on the bundled Time Machine: the book's printed numbers
(lines, tokens, vocabulary, counts) and its minibatch samplers' contracts."""
import collections
import random
import re

import pytest

import ember
from ember import d2l


def _reference_lines():
    # The book's cleaning, written out independently of ember: letters only, lower case.
    with open(d2l.download("time_machine")) as f:
        return [" ".join(re.findall("[A-Za-z]+", line)).lower() for line in f]


def test_read_time_machine_matches_the_book():
    lines = d2l.read_time_machine()
    assert len(lines) == 3221  # "文本总行数: 3221"
    assert lines[0] == "the time machine by h g wells"
    assert lines[10] == "twinkled and his usually pale face was flushed and animated the"
    assert lines == _reference_lines()


def test_tokenize_words_and_characters():
    lines = d2l.read_time_machine()
    tokens = d2l.tokenize(lines)
    assert tokens[0] == ["the", "time", "machine", "by", "h", "g", "wells"]
    assert tokens[1] == [] and tokens[10][:3] == ["twinkled", "and", "his"]
    assert d2l.tokenize(["ab c"], "char") == [["a", "b", " ", "c"]]
    with pytest.raises(ValueError, match="unknown token type"):
        d2l.tokenize(lines, "byte")


def test_word_vocabulary_matches_the_book():
    tokens = d2l.tokenize(d2l.read_time_machine())
    vocab = d2l.Vocab(tokens)
    # The book prints list(vocab.token_to_idx.items())[:10]:
    assert list(vocab.token_to_idx.items())[:10] == [
        ("<unk>", 0), ("the", 1), ("i", 2), ("and", 3), ("of", 4), ("a", 5), ("to", 6),
        ("was", 7), ("in", 8), ("that", 9)]
    # ... and vocab.token_freqs[:10] in the language-model section:
    assert vocab.token_freqs[:10] == [
        ("the", 2261), ("i", 1267), ("and", 1245), ("of", 1155), ("a", 816), ("to", 695),
        ("was", 552), ("in", 541), ("that", 443), ("my", 440)]
    assert len(vocab) == 4580
    assert vocab[tokens[0]] == [1, 19, 50, 40, 2183, 2184, 400]  # "索引: [1, 19, 50, ...]"
    assert vocab.to_tokens([1, 19, 50]) == ["the", "time", "machine"]
    assert vocab.to_tokens(2) == "i"
    assert vocab["no-such-word"] == vocab.unk == 0
    assert vocab[("the", "no-such-word")] == [1, 0]


def test_vocab_reserved_tokens_min_freq_and_ties():
    vocab = d2l.Vocab([["b", "a", "b", "c", "a", "d"]], min_freq=2,
                      reserved_tokens=["<pad>", "<bos>"])
    assert vocab.idx_to_token == ["<unk>", "<pad>", "<bos>", "b", "a"]  # ties: first seen
    assert vocab["<pad>"] == 1 and vocab["c"] == 0
    assert vocab.token_freqs == [("b", 2), ("a", 2), ("c", 1), ("d", 1)]
    assert len(d2l.Vocab()) == 1
    # A reserved token that also occurs in the text keeps its reserved index.
    assert d2l.Vocab([["<pad>", "<pad>", "x"]], reserved_tokens=["<pad>"]).idx_to_token \
        == ["<unk>", "<pad>", "x"]


def test_count_corpus_flat_and_nested():
    assert d2l.count_corpus(["a", "b", "a"]) == collections.Counter({"a": 2, "b": 1})
    assert d2l.count_corpus([["a"], ["b", "a"]]) == collections.Counter({"a": 2, "b": 1})
    assert d2l.count_corpus([]) == collections.Counter()


def test_character_corpus_matches_the_book():
    corpus, vocab = d2l.load_corpus_time_machine()
    assert (len(corpus), len(vocab)) == (170580, 28)
    assert vocab.idx_to_token[:5] == ["<unk>", " ", "e", "t", "a"]
    assert vocab.token_freqs[:3] == [(" ", 29927), ("e", 17838), ("t", 13515)]
    text = "".join(_reference_lines())  # the corpus is the lines joined, spaces kept
    assert "".join(vocab.idx_to_token[i] for i in corpus) == text
    short, _ = d2l.load_corpus_time_machine(max_tokens=10000)
    assert short == corpus[:10000]


def test_word_bigrams_and_trigrams_of_the_book():
    tokens = d2l.tokenize(d2l.read_time_machine())
    corpus = [token for line in tokens for token in line]
    bigram = d2l.Vocab([pair for pair in zip(corpus[:-1], corpus[1:])])
    assert bigram.token_freqs[:3] == [(("of", "the"), 309), (("in", "the"), 169),
                                      (("i", "had"), 130)]
    trigram = d2l.Vocab([t for t in zip(corpus[:-2], corpus[1:-1], corpus[2:])])
    assert trigram.token_freqs[0] == (("the", "time", "traveller"), 59)


def _check_batches(batches, corpus, batch_size, num_steps):
    # ``corpus`` is range(n) here, so a row's first token is where it starts.
    for X, Y in batches:
        assert X.shape == Y.shape == (batch_size, num_steps)
        assert X.dtype == ember.int64
        assert (X[:, 1:] == Y[:, :-1]).all()  # Y is X one token on
        for row in X.tolist():
            assert row == corpus[row[0]:row[0] + num_steps]


def test_seq_data_iter_random_partitions_the_corpus():
    random.seed(1)
    corpus = list(range(35))
    batches = list(d2l.seq_data_iter_random(corpus, batch_size=2, num_steps=5))
    # From an offset in [0, 4]: at least 29 tokens left, so 5 or 6 subsequences
    # ((len - 1) // 5, each with its label after it): 2 or 3 minibatches of 2.
    assert len(batches) in (2, 3)
    _check_batches(batches, corpus, 2, 5)
    starts = [row[0] for X, _ in batches for row in X.tolist()]
    assert len(set(starts)) == len(starts) and len({s % 5 for s in starts}) == 1


def test_seq_data_iter_sequential_continues_each_row():
    random.seed(2)
    corpus = list(range(35))
    batches = list(d2l.seq_data_iter_sequential(corpus, batch_size=2, num_steps=5))
    assert len(batches) == 3 or len(batches) == 2
    _check_batches(batches, corpus, 2, 5)
    for (X0, _), (X1, _) in zip(batches, batches[1:]):
        assert (X1[:, 0] == X0[:, -1] + 1).all()  # row i of the next batch goes on


def test_load_data_time_machine():
    random.seed(0)
    train_iter, vocab = d2l.load_data_time_machine(32, 35)
    assert len(vocab) == 28 and len(train_iter.corpus) == 10000
    batches = list(train_iter)
    assert len(batches) == 8  # (10000 - offset - 1) // 32 columns, / 35 steps
    text = "".join(vocab.to_tokens(train_iter.corpus))
    row0 = "".join(vocab.to_tokens([i for X, _ in batches for i in X[0].tolist()]))
    assert text.startswith(row0, text.index(row0[:35]))  # row 0 runs on through the text
    for X, Y in batches:
        assert X.shape == Y.shape == (32, 35) and (X[:, 1:] == Y[:, :-1]).all()
    rand_iter, _ = d2l.load_data_time_machine(32, 35, use_random_iter=True, max_tokens=3000)
    assert isinstance(rand_iter, d2l.SeqDataLoader)
    assert all(X.shape == (32, 35) for X, _ in rand_iter)
