"""Data-parallel training: the notes' LeNet on Fashion-MNIST as 2 MPI processes, each with
its share of every batch, gradients averaged by DistributedDataParallel.

The notes' "多GPU训练" (and its concise version) split each minibatch across devices, run
forward and backward on every part, add the gradients up with an allreduce and take the
same step everywhere. Here the devices are processes: ``mpirun -n 2`` starts two copies of
this script, ``ember.distributed`` connects them (the notes' ``allreduce`` is
``dist.all_reduce``), ``DistributedSampler`` gives each its half of every epoch and
``DistributedDataParallel`` averages the gradients while backward runs. Run as ``python
data_parallel.py``, the script starts the 2-process job itself (``--nproc N`` for another
count); without mpi4py or mpirun it trains in one process and says what to install.
"""
import os
import sys
import time

from _common import report, save, setup


def add_arguments(parser):
    parser.add_argument("--nproc", type=int, default=2,
                        help="number of MPI processes to start (default: 2)")


def lenet():
    """The notes' network of "多GPU训练" (ReLU, average pooling)."""
    from ember import nn
    return nn.Sequential(
        nn.Conv2d(1, 20, kernel_size=3), nn.ReLU(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(20, 50, kernel_size=5), nn.ReLU(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(50 * 4 * 4, 128), nn.ReLU(), nn.Linear(128, 10))


def launch_job(args):
    """Start this script as an MPI job; its exit code, or None when MPI is not there."""
    from ember import distributed as dist
    from ember.distributed import launch
    try:
        launch.find_mpirun()
    except RuntimeError as e:
        return None, str(e)
    if not dist.is_mpi_available():
        return None, "mpi4py is not installed: pip install 'ember[distributed]'"
    argv = [sys.executable, os.path.abspath(__file__)] + sys.argv[1:]
    return launch.run(args.nproc, argv).returncode, None


def main():
    args = setup(__doc__, add_arguments)
    from ember.distributed.launch import job_size
    why_alone = None
    if job_size() is None and args.nproc > 1:
        code, why_alone = launch_job(args)
        if code is not None:
            sys.exit(code)
    train(args, why_alone)


def train(args, why_alone):
    import numpy as np
    import ember
    from ember import d2l, distributed as dist, nn
    from ember.distributed.launch import job_size
    from ember.nn.parallel import DistributedDataParallel
    from ember.utils import data

    distributed = job_size() is not None
    if distributed:
        dist.init_process_group("mpi")
    rank = dist.get_rank() if distributed else 0
    world = dist.get_world_size() if distributed else 1
    lead = rank == 0
    if lead and why_alone:
        print(f"training in one process: {why_alone}")

    if distributed:  # the notes' allreduce: every rank ends with the sum of all
        t = ember.ones(1, 2) * (rank + 1)
        before = t.tolist()
        dist.all_reduce(t)
        if lead:
            print(f"before allreduce (rank 0): {before}, after: {t.tolist()}")

    # the notes' global batch, split among the processes; the book's plain SGD at lr 0.2
    # for 10 epochs; --quick: one epoch on half the images, with momentum to learn in it
    batch_size = 256
    lr, momentum, num_epochs = (0.05, 0.9, 1) if args.quick else (0.2, 0.0, 10)
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)
    train_set, test_set = train_iter.dataset, test_iter.dataset
    if args.quick:
        train_set = data.Subset(train_set, range(30000))
        test_set = data.Subset(test_set, range(2000))
    sampler = data.DistributedSampler(train_set, world, rank, seed=args.seed)
    train_iter = data.DataLoader(train_set, batch_size // world, sampler=sampler)
    # each rank scores every world-th test image; the counts are added up
    test_iter = data.DataLoader(data.Subset(test_set, range(rank, len(test_set), world)),
                                batch_size)

    model = lenet()
    net = DistributedDataParallel(model) if distributed else model
    trainer = ember.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    loss = nn.CrossEntropyLoss()

    def total(*values):
        t = ember.tensor([float(v) for v in values], dtype=ember.float64)
        if distributed:
            dist.all_reduce(t)
        return t.tolist()

    accs, seconds = [], 0.0
    for epoch in range(num_epochs):
        sampler.set_epoch(epoch)
        net.train()
        start = time.perf_counter()
        for X, y in train_iter:
            trainer.zero_grad()
            loss(net(X), y).backward()
            trainer.step()
        seconds += time.perf_counter() - start
        net.eval()
        with ember.no_grad():
            right, seen = 0, 0
            for X, y in test_iter:
                right += int((net(X).argmax(dim=1) == y).sum())
                seen += int(y.shape[0])
        right, seen = total(right, seen)
        accs.append(right / seen)
        if lead:
            print(f"epoch {epoch + 1}, test acc {accs[-1]:.3f}", flush=True)

    # the replicas took the same steps from the same start: equal weights, bit for bit
    flat = np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])
    replicas = [None] * world
    if distributed:
        dist.all_gather_object(replicas, flat)
    else:
        replicas = [flat]
    if lead:
        report("processes", world)
        report("test acc", round(accs[-1], 3))
        report(f"training samples/s ({world} process{'es' if world > 1 else ''})",
               round(num_epochs * len(train_set) / seconds))
        report("replicas equal after training", all(np.array_equal(flat, r) for r in replicas))
        d2l.plot(list(range(1, num_epochs + 1)), [accs], "epoch", "test acc",
                 xlim=[1, num_epochs], legend=[f"{world} process(es)"])
        save("data_parallel")
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
