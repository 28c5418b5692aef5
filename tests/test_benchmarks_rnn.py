"""The train_ch8 benchmark rows still run (ember alone, two batches of each model) on the
book's character corpus, and so does the Transformer encoder row."""
import os
import sys

import pytest

import ember

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from benchmarks import bench_training  # noqa: E402


@pytest.mark.parametrize("model", ["scratch", "RNN", "GRU", "LSTM"])
def test_train_ch8_rows_run(model):
    spec = bench_training.train_ch8(ember, True, model)
    assert spec["steps"] == 8
    steps = 0
    for _ in spec["run"]():
        steps += 1
        if steps == 2:
            break
    assert steps == 2


def test_time_machine_corpus_has_the_books_vocabulary():
    corpus, vocab = bench_training._time_machine_corpus()
    assert vocab == 28 and corpus.min() >= 1 and corpus.max() < 28
    assert len(corpus) > 100000


def test_transformer_encoder_row_runs():
    spec = bench_training.transformer_encoder(ember, True)
    assert spec["steps"] == 4
    assert sum(1 for _ in spec["run"]()) == 4
