"""DistributedDataParallel in a real MPI job, each claim against one process doing the same
arithmetic by itself (rank 0 recomputes it after the distributed run):

* LeNet-BN, 20 SGD steps, global batch 2 x 8: equal, bit for bit, to one process that
  computes each step's gradient as DDP does — each half-batch's gradient on its own (so
  batch norm normalizes with half-batch statistics, as on each rank), their sum, divided
  by 2 — and keeps the running statistics of the first half (rank 0's, which DDP broadcasts).
* LeNet without batch norm: equal, up to float rounding, to one process training on the
  whole global batch of 16 (the mean of the two halves' mean losses is the mean loss).
* the first bucket's all-reduce starts during backward; no_sync, a parameter used twice,
  find_unused_parameters, the state_dict's keys, the buffers after an evaluation, and
  DistributedSampler's coverage of a data set.
"""
import copy

import numpy as np

import ember
import ember.distributed as dist
from ember import models, nn
from ember.nn.parallel import DistributedDataParallel as DDP
from ember.utils.data import DataLoader, DistributedSampler, TensorDataset

STEPS, B = 20, 8


def batches(n):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((STEPS, n * B, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, (STEPS, n * B))
    return X, y


def arrays(module):
    return {k: v.numpy().copy() for k, v in module.state_dict().items()}


def train_ddp(factory, r, n, X, y, **ddp_kwargs):
    ember.manual_seed(1 if r == 0 else 100 + r)  # DDP must start every rank from rank 0's
    model = factory()
    net = DDP(model, **ddp_kwargs)
    opt = ember.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    for s in range(STEPS):
        part = slice(r * B, (r + 1) * B)
        loss = loss_fn(net(ember.tensor(X[s, part])), ember.tensor(y[s, part]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return net, model


def train_halves(factory, n, X, y):
    """One process, DDP's arithmetic: per-half gradients, summed in rank order, halved."""
    ember.manual_seed(1)
    model = factory()
    opt = ember.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    params = list(model.parameters())
    for s in range(STEPS):
        total, rank0_buffers = None, None
        for h in range(n):
            opt.zero_grad()
            part = slice(h * B, (h + 1) * B)
            loss_fn(model(ember.tensor(X[s, part])), ember.tensor(y[s, part])).backward()
            grads = [p.grad.numpy().copy() for p in params]
            total = grads if total is None else [t + g for t, g in zip(total, grads)]
            if h == 0:
                rank0_buffers = [b.numpy().copy() for b in model.buffers()]
        for p, t in zip(params, total):
            p.grad = ember.tensor(t / np.float32(n))
        for b, saved in zip(model.buffers(), rank0_buffers):
            b.data.copy_(ember.tensor(saved))
        opt.step()
    return model


def train_whole(factory, X, y):
    ember.manual_seed(1)
    model = factory()
    opt = ember.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    for s in range(STEPS):
        loss = loss_fn(model(ember.tensor(X[s])), ember.tensor(y[s]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model


def check_training(r, n):
    X, y = batches(n)
    # several buckets (2 kB each): their order and overlap are exercised
    net, model = train_ddp(models.lenet_batchnorm, r, n, X, y, bucket_cap_mb=0.002)
    assert len(net._reducer.buckets) == 5
    assert list(net.state_dict()) == ["module." + k for k in model.state_dict()]
    everyone = [None] * n
    dist.all_gather_object(everyone, {k: v for k, v in arrays(model).items()
                                      if "running" not in k and "batches" not in k})
    for k, v in everyone[0].items():  # the replicas stay equal, bit for bit
        assert all(np.array_equal(v, other[k]) for other in everyone), k
    net.eval()
    with ember.no_grad():
        net(ember.tensor(X[0, :B]))  # follows a synchronizing forward: buffers from rank 0
    buffers = [None] * n
    dist.all_gather_object(buffers, [b.numpy() for b in model.buffers()])
    assert all(np.array_equal(a, b) for other in buffers for a, b in zip(buffers[0], other))

    _, plain = train_ddp(models.lenet, r, n, X, y)

    # overlap: the first bucket's all-reduce starts while backward still has gradients to go
    net = DDP(models.lenet_batchnorm(), bucket_cap_mb=0.002)
    reducer, started_at = net._reducer, []
    launch = reducer._launch
    reducer._launch = lambda b: (started_at.append(int(reducer.arrived.sum())), launch(b))
    nn.CrossEntropyLoss()(net(ember.tensor(X[0, :B])), ember.tensor(y[0, :B])).backward()
    assert len(started_at) == 5 and started_at[0] < started_at[-1] == reducer.expected.sum()
    if r == 0:
        ref = train_halves(models.lenet_batchnorm, n, X, y)
        mine, theirs = arrays(model), arrays(ref)
        for k in mine:
            assert np.array_equal(mine[k], theirs[k]), (k, np.abs(mine[k] - theirs[k]).max())
        whole = arrays(train_whole(models.lenet, X, y))
        worst = max(float(np.abs(v - whole[k]).max()) for k, v in arrays(plain).items())
        for k, v in arrays(plain).items():
            np.testing.assert_allclose(v, whole[k], rtol=1e-4, atol=2e-5, err_msg=k)
        print(f"LeNet-BN DDP == one process with DDP's arithmetic: bit for bit; LeNet DDP vs "
              f"one process on the global batch: max |difference| {worst:.2e}", flush=True)


def averaged_reference(model, r, n, run):
    """Each rank's gradients from a copy of ``model``, averaged (what DDP must give)."""
    total = None
    for k in range(n):
        twin = copy.deepcopy(model)
        run(twin, k)
        g = [np.zeros(p.shape, np.float32) if p.grad is None else p.grad.numpy()
             for p in twin.parameters()]
        total = g if total is None else [a + b for a, b in zip(total, g)]
    return [t / n for t in total]


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def check_hooks_and_options(r, n):
    xs = [np.random.default_rng(50 + k).standard_normal((4, 3)).astype(np.float32)
          for k in range(n)]

    # a parameter used twice: ember delivers its gradient twice, DDP waits for both
    ember.manual_seed(3)
    lin = nn.Linear(3, 3)
    want = averaged_reference(lin, r, n, lambda m, k: m(m(ember.tensor(xs[k]))).sum().backward())
    net = DDP(lin)
    net(lin(ember.tensor(xs[r]))).sum().backward()  # DDP's forward then lin again: 2 uses
    for p, w in zip(lin.parameters(), want):
        close(p.grad.numpy(), w)

    # no_sync: local accumulation, then one averaged backward
    ember.manual_seed(4)
    lin = nn.Linear(3, 2)
    def twice(m, k):
        m(ember.tensor(xs[k])).sum().backward()
        (m(ember.tensor(xs[k])) ** 2).sum().backward()
    want = averaged_reference(lin, r, n, twice)
    net = DDP(lin)
    with net.no_sync():
        net(ember.tensor(xs[r])).sum().backward()
    local = [p.grad.numpy().copy() for p in lin.parameters()]
    close(local[0], np.tile(xs[r].sum(0), (2, 1)))  # unaveraged: this rank's own gradient
    (net(ember.tensor(xs[r])) ** 2).sum().backward()
    for p, w in zip(lin.parameters(), want):
        close(p.grad.numpy(), w)

    # find_unused_parameters: a branch used on rank 0 only, one used nowhere
    class Branches(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.c = nn.Linear(3, 2), nn.Linear(3, 2), nn.Linear(3, 2)

        def forward(self, x, use_b):
            return self.a(x) + self.b(x) if use_b else self.a(x)

    ember.manual_seed(5)
    m = Branches()
    want = averaged_reference(m, r, n, lambda t, k: t(ember.tensor(xs[k]), k == 0).sum()
                              .backward())
    net = DDP(m, find_unused_parameters=True)
    net(ember.tensor(xs[r]), r == 0).sum().backward()
    for (name, p), w in zip(m.named_parameters(), want):
        if name.startswith("c."):
            assert p.grad is None  # used by no rank: left alone, as PyTorch does
        else:
            close(p.grad.numpy(), w)
    # ... and without it, the parameters nobody used are an error in PyTorch's words
    net = DDP(Branches())
    try:
        net(ember.tensor(xs[r]), True).sum().backward()
    except RuntimeError as e:
        assert "find_unused_parameters=True" in str(e) and "c.weight" in str(e), e
    else:
        raise AssertionError("an unused parameter went unnoticed")


def check_sampler(r, n):
    for size in (12, 13, 7):
        data = TensorDataset(ember.arange(size))
        sampler = DistributedSampler(data, shuffle=True, seed=7)
        loader = DataLoader(data, batch_size=2, sampler=sampler)
        orders = []
        for epoch in range(3):
            sampler.set_epoch(epoch)
            mine = [int(i) for (batch,) in loader for i in batch]
            everyone = [None] * n
            dist.all_gather_object(everyone, mine)
            assert len({len(e) for e in everyone}) == 1  # the same count on every rank
            seen = sorted(i for e in everyone for i in e)
            padding = n * -(-size // n) - size
            # every sample once, plus the padding repeats of the epoch's first samples
            assert sorted(set(seen)) == list(range(size)) and len(seen) == size + padding
            orders.append([i for rank_order in zip(*everyone) for i in rank_order])
        assert orders[0] != orders[1]  # set_epoch reshuffles


def main():
    dist.init_process_group("mpi")
    r, n = dist.get_rank(), dist.get_world_size()
    check_training(r, n)
    check_hooks_and_options(r, n)
    check_sampler(r, n)
    dist.barrier()
    print(f"rank {r} passed", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
