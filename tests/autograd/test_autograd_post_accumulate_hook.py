"""Tensor.register_post_accumulate_grad_hook and engine.queue_callback (what
DistributedDataParallel builds on), against PyTorch where it has the same."""
import numpy as np
import pytest

import ember
from ember.autograd import engine


def test_post_accumulate_hook_sees_the_updated_grad_like_torch(torch):
    def run(lib):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        seen = []
        w.register_hook(lambda g: g * 2)
        h = w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.tolist()))
        (w * 3).sum().backward()
        (w ** 2).sum().backward()
        h.remove()
        (w * 1).sum().backward()
        return seen, w.grad.tolist()
    assert run(ember) == run(torch)


def test_post_accumulate_hook_errors_like_torch(torch):
    for lib in (ember, torch):
        with pytest.raises(RuntimeError, match="doesn't require gradient"):
            lib.ones(2).register_post_accumulate_grad_hook(lambda p: None)
        with pytest.raises(RuntimeError, match="non-leaf tensors"):
            (lib.ones(2, requires_grad=True) * 2).register_post_accumulate_grad_hook(
                lambda p: None)


def test_a_leaf_used_twice_runs_the_hook_per_use_with_the_same_total():
    # ember delivers once per use (PyTorch sums first): the final .grad is the same
    w = ember.tensor([2.0], requires_grad=True)
    calls = []
    w.register_post_accumulate_grad_hook(lambda p: calls.append(p.grad.item()))
    (w * w).sum().backward()
    assert calls == [2.0, 4.0] and w.grad.item() == 4.0


def test_queue_callback_runs_once_after_backward_and_not_after_a_failed_one():
    w = ember.ones(3, requires_grad=True)
    events = []

    def hook(p):
        events.append("hook")
        engine.queue_callback(lambda: events.append(("end", p.grad.tolist())))
    w.register_post_accumulate_grad_hook(hook)
    (w * 2).sum().backward()
    assert events == ["hook", ("end", [2.0, 2.0, 2.0])]
    with pytest.raises(RuntimeError, match="during backward pass"):
        engine.queue_callback(lambda: None)
    events.clear()
    v = ember.ones(3, requires_grad=True)

    def boom(g):
        raise ValueError("boom")
    v.register_hook(boom)
    y = (v * 3).sum() + (w * 2).sum()  # w's gradient arrives first, then v's hook fails
    with pytest.raises(ValueError, match="boom"):
        y.backward()
    assert events == ["hook"] and engine._final_callbacks == []
    np.testing.assert_array_equal(w.grad.numpy(), [4.0, 4.0, 4.0])
