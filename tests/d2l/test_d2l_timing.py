import time

import numpy as np
import pytest

import ember
from ember import d2l


def test_timer_records_and_summarizes():
    timer = d2l.Timer()
    time.sleep(0.01)
    first = timer.stop()
    timer.start()
    time.sleep(0.02)
    second = timer.stop()
    assert first >= 0.01 and second >= 0.02
    assert timer.times == [first, second]
    assert timer.sum() == pytest.approx(first + second)
    assert timer.avg() == pytest.approx((first + second) / 2)
    assert timer.cumsum() == pytest.approx([first, first + second])


def test_accumulator_sums_numbers_and_tensors():
    metric = d2l.Accumulator(3)
    metric.add(1, 2.5, ember.tensor(3.0))
    metric.add(ember.tensor(1.5, requires_grad=True) * 2, 0, np.float32(1))
    assert metric[0] == pytest.approx(4.0)
    assert metric[1] == pytest.approx(2.5)
    assert metric[2] == pytest.approx(4.0)
    assert all(type(v) is float for v in metric.data)  # no tensors (or graphs) kept
    assert metric[0:2] == pytest.approx([4.0, 2.5])
    metric.reset()
    assert metric.data == [0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="3 variables got 2"):
        metric.add(1, 2)


def _one_epoch():
    """One epoch of the book's chapter-3 loop on 8 batches of a tiny problem."""
    ember.manual_seed(0)
    X, y = ember.randn(64, 4), ember.randint(0, 3, (64,))
    net = ember.nn.Sequential(ember.nn.Linear(4, 3))
    loss = ember.nn.CrossEntropyLoss(reduction="none")
    data_iter = d2l.load_array((X, y), 8)
    return d2l.train_epoch_ch3(net, data_iter, loss, ember.optim.SGD(net.parameters(), 0.1),
                               desc="epoch 1/1")


def test_training_loops_draw_a_tqdm_bar_only_when_asked(capsys, monkeypatch):
    monkeypatch.delenv("EMBER_PROGRESS", raising=False)
    _one_epoch()
    assert capsys.readouterr().err == ""  # the book's loops print no bar by default
    d2l.show_progress()
    try:
        _one_epoch()
    finally:
        d2l.show_progress(False)
    err = capsys.readouterr().err
    assert "epoch 1/1" in err and "/8 [" in err and "batch/s" in err  # tqdm redraws it
