import io
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


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_draws_in_a_terminal():
    stream = _Tty()
    with d2l.ProgressBar(total=4, desc="epoch 1/1", width=8, stream=stream,
                         min_interval=0) as bar:
        for _ in range(4):
            bar.update(postfix="loss 0.5")
    out = stream.getvalue()
    assert "\r" in out
    assert "epoch 1/1 [########] 4/4" in out
    assert "loss 0.5" in out
    assert "[####....] 2/4" in out  # redrawn at every step with min_interval=0
    assert out.endswith("\r\033[K")  # the line is cleared at the end


def test_progress_bar_is_silent_in_logs_and_when_disabled(monkeypatch):
    stream = io.StringIO()  # not a terminal
    with d2l.ProgressBar(total=3, stream=stream) as bar:
        bar.update(3)
    assert stream.getvalue() == ""
    monkeypatch.setenv("EMBER_PROGRESS", "0")
    stream = _Tty()
    with d2l.ProgressBar(total=3, stream=stream) as bar:
        bar.update(3)
    assert stream.getvalue() == ""


def test_progress_wraps_an_iterable():
    stream = _Tty()
    items = list(d2l.progress(range(5), desc="x", stream=stream, min_interval=0))
    assert items == [0, 1, 2, 3, 4]
    assert "5/5" in stream.getvalue()
