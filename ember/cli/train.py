"""``ember train MODEL``: train a model of ``ember.models`` on (Fashion-)MNIST.

After every epoch the run writes ``OUT/checkpoint.ember`` (model, optimizer and scheduler
state, every RNG state, the epoch, the run's arguments and its metrics so far) with
``ember.save``, which writes a temporary file and renames it: a crash or a kill at any
moment leaves the previous complete checkpoint in place. Ctrl-C is held back while the
checkpoint is written, so it cannot land halfway either.

``--resume OUT`` rebuilds the run from the checkpoint alone. The random state saved at the
end of an epoch is what the next epoch's shuffling (and dropout) draws from, so a resumed
run repeats the uninterrupted run's arithmetic exactly and ends with the same weights, bit
for bit.

``--nproc N`` trains data-parallel on N processes: the command checks its arguments, then
starts ``mpirun -n N python -m ember train ...`` (``ember.distributed.launch``); so does
``mpirun -n N ember train ...`` typed by hand. Each rank runs the model wrapped in
``DistributedDataParallel`` on its share of every batch (``--batch-size`` is the global
batch, split evenly, so N does not change the hyperparameters), shuffled by a
``DistributedSampler`` seeded with the run's seed and the epoch. Rank 0 alone prints, draws
the progress bar and writes the checkpoint (the model's own state_dict, without DDP's
``module.`` prefix, so it loads into a one-process run too), which also holds every rank's
random state: a resume with the same N repeats the run exactly.
"""
import contextlib
import inspect
import json
import math
import os
import random
import shlex
import signal
import sys
import time

import numpy as np

import ember

from ember.utils._progress import progress_bar

from ._util import (EXIT_ENV, EXIT_INTERRUPTED, CLIError, check_keywords, construct,
                    lookup, parse_assignments, required_keywords, unknown, use_agg,
                    writable_dir)

CHECKPOINT = "checkpoint.ember"
METRICS = "metrics.jsonl"
CURVES = "curves.png"
FORMAT = "ember-train-1"

# The settings of a run: saved in the checkpoint, restored by --resume. `None` on the
# command line means "not given", so a resumed run can tell which flags were typed.
DEFAULTS = {"model": None, "dataset": "fashion-mnist", "optimizer": "sgd", "lr": 0.1,
            "opt": {}, "epochs": 10, "batch_size": 256, "resize": None, "scheduler": None,
            "sched": {}, "seed": 0, "limit": None, "data_root": None, "workers": 0,
            "nproc": 1}
# What may change when resuming: how long to go on, and how to load the data.
RESUMABLE = ("epochs", "data_root", "workers")

DATASETS = {"fashion-mnist": "FashionMNIST", "mnist": "MNIST"}

# Schedulers that step once per batch (they are defined over the total number of steps).
PER_BATCH = ("OneCycleLR", "CyclicLR")
# Schedulers the command line cannot build: they take Python callables or other schedulers.
NOT_FROM_CLI = ("LambdaLR", "MultiplicativeLR", "SequentialLR", "ChainedScheduler",
                "LRScheduler", "_LRScheduler")


# --- lookups: each fails with the list of known names and the closest one -------------

def model_registry():
    """Name → factory, from ``ember.models``. A factory takes ``num_classes``,
    ``in_channels`` and ``input_size`` (the side of the square images it expects)."""
    from ember import models
    for attr in ("MODELS", "REGISTRY", "registry"):
        table = getattr(models, attr, None)
        if isinstance(table, dict) and table:
            return dict(table)
    names = getattr(models, "__all__", None) or [n for n in dir(models) if not n.startswith("_")]
    return {n: getattr(models, n) for n in names
            if inspect.isfunction(getattr(models, n, None))
            and "num_classes" in inspect.signature(getattr(models, n)).parameters}


def optimizer_registry():
    from ember import optim
    return {name: cls for name, cls in vars(optim).items()
            if isinstance(cls, type) and issubclass(cls, optim.Optimizer)
            and cls is not optim.Optimizer}


def scheduler_registry():
    from ember.optim import lr_scheduler
    base = getattr(lr_scheduler, "LRScheduler", object)
    table = {name: cls for name, cls in vars(lr_scheduler).items()
             if isinstance(cls, type) and name not in NOT_FROM_CLI and not name.startswith("_")
             and (issubclass(cls, base) or name == "ReduceLROnPlateau")}
    return table


def _default_input_size(factory):
    try:
        p = inspect.signature(factory).parameters.get("input_size")
    except (TypeError, ValueError):
        return None
    return p.default if p is not None and isinstance(p.default, int) else None


# --- settings --------------------------------------------------------------------------

def settings_from_args(args):
    """The run's settings: the flags given, the defaults for the rest."""
    s = {}
    for key, default in DEFAULTS.items():
        value = getattr(args, key, None)
        s[key] = default if value is None else value
    s["opt"] = parse_assignments(args.opt, "--opt hyperparameter")
    for flag in ("momentum", "weight_decay"):
        if getattr(args, flag) is not None:
            s["opt"][flag] = getattr(args, flag)
    s["sched"] = parse_assignments(args.sched, "--sched argument")
    return s


def validate(s):
    """Every name and number checked before any data is read: a typo fails in a second."""
    factory = lookup("model", s["model"], model_registry())
    if s["dataset"] not in DATASETS:
        raise unknown("dataset", s["dataset"], list(DATASETS))
    opt_cls = lookup("optimizer", s["optimizer"], optimizer_registry())
    check_keywords(opt_cls, dict(s["opt"], lr=s["lr"]), "hyperparameter")
    sched_cls = None
    if s["scheduler"]:
        sched_cls = lookup("scheduler", s["scheduler"], scheduler_registry())
        check_keywords(sched_cls, s["sched"], "scheduler argument")
    for key, low in (("epochs", 1), ("batch_size", 1), ("limit", 1), ("resize", 1),
                     ("workers", 0), ("nproc", 1)):
        v = s[key]
        if v is not None and v < low:
            raise CLIError(f"bad --{key.replace('_', '-')} {v}: must be at least {low}")
    if s["nproc"] > 1:
        if s["batch_size"] % s["nproc"]:
            raise CLIError(f"--batch-size {s['batch_size']} is the global batch and must divide "
                           f"evenly among --nproc {s['nproc']} processes")
        if s["workers"]:
            raise CLIError("--workers cannot be combined with --nproc: the MPI processes load "
                           "their own data (and should not fork)")
    if not (isinstance(s["lr"], (int, float)) and math.isfinite(s["lr"])):
        raise CLIError(f"bad --lr {s['lr']}: must be a finite number")
    probe(opt_cls, sched_cls, s)
    return factory, opt_cls, sched_cls


# --- data ------------------------------------------------------------------------------

def load_data(s, input_size, rank=0, world=1):
    """The training and test loaders; in a job of ``world`` processes, rank ``rank``'s
    share: its part of every global batch, and every ``world``-th test image."""
    from ember import vision
    from ember.utils.data import DataLoader, DistributedSampler, Subset
    cls = getattr(vision.datasets, DATASETS[s["dataset"]])
    steps = [vision.transforms.ToTensor()]
    if input_size != 28:
        steps.insert(0, vision.transforms.Resize(input_size))
    transform = vision.transforms.Compose(steps)
    try:
        train = cls(root=s["data_root"], train=True, transform=transform)
        test = cls(root=s["data_root"], train=False, transform=transform)
    except RuntimeError:
        from .info import dataset_locations
        _, rows, _ = dataset_locations(cls.__name__, s["data_root"])
        how = (f"install it with `apt-get install {cls.debian_package}`"
               if getattr(cls, "debian_package", None) else
               f"put its IDX files in DIR/{cls.__name__}/raw and pass --data-root DIR "
               "(or set EMBER_DATA)")
        raise CLIError(f"data set {s['dataset']} not found (looked in "
                       f"{', '.join(d for d, _ in rows)}); {how}", EXIT_ENV) from None
    except (OSError, ValueError) as e:
        raise CLIError(f"cannot read the {s['dataset']} files: {e}", EXIT_ENV) from None
    if s["limit"]:
        train = Subset(train, range(min(s["limit"], len(train))))
        test = Subset(test, range(min(s["limit"], len(test))))
    if world > 1:
        sampler = DistributedSampler(train, world, rank, shuffle=True, seed=s["seed"])
        train_iter = DataLoader(train, s["batch_size"] // world, sampler=sampler)
        test_iter = DataLoader(Subset(test, range(rank, len(test), world)),
                               s["batch_size"] // world, shuffle=False)
        return train_iter, test_iter
    train_iter = DataLoader(train, s["batch_size"], shuffle=True, num_workers=s["workers"])
    test_iter = DataLoader(test, s["batch_size"], shuffle=False, num_workers=s["workers"])
    return train_iter, test_iter


# --- checkpoints -----------------------------------------------------------------------

def rng_states():
    return {"ember": ember.random.get_rng_state(), "numpy": np.random.get_state(),
            "python": random.getstate()}


def set_rng_states(states):
    ember.random.set_rng_state(states["ember"])
    np.random.set_state(states["numpy"])
    python = states["python"]
    random.setstate((python[0], tuple(python[1]), python[2]))


def read_checkpoint(out):
    path = os.path.join(out, CHECKPOINT)
    if not os.path.isdir(out):
        raise CLIError(f"cannot resume: {out} is not a directory", EXIT_ENV)
    if not os.path.isfile(path):
        raise CLIError(f"cannot resume: no checkpoint in {out} (expected {CHECKPOINT}, written "
                       "after each completed epoch)", EXIT_ENV)
    try:
        ckpt = ember.load(path)
    except Exception as e:  # a damaged file fails in zipfile, json or numpy: all say "corrupt"
        raise CLIError(f"cannot resume: {path} is corrupt or not an ember checkpoint "
                       f"({type(e).__name__}: {e})", EXIT_ENV) from None
    needed = ("format", "epoch", "settings", "model", "optimizer", "rng", "history")
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT or \
            any(k not in ckpt for k in needed):
        raise CLIError(f"cannot resume: {path} is not a checkpoint of `ember train`", EXIT_ENV)
    return ckpt


class _Interrupts:
    """Turns SIGINT into KeyboardInterrupt, except inside ``critical()``, where it is held
    until the block is done (so a checkpoint is written whole or not at all)."""

    def __init__(self):
        self.holding = False
        self.pending = False

    def _handler(self, signum, frame):
        if self.holding:
            self.pending = True
            return
        raise KeyboardInterrupt

    def install(self):
        # SIGINT ignored (a background job of a script, nohup) stays ignored
        if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
            return
        with contextlib.suppress(ValueError):  # not in the main thread: keep the default
            signal.signal(signal.SIGINT, self._handler)

    @contextlib.contextmanager
    def critical(self):
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
        if self.pending:
            self.pending = False
            raise KeyboardInterrupt


def write_metrics(out, history):
    tmp = os.path.join(out, f".{METRICS}.part")
    with open(tmp, "w", encoding="utf-8") as f:
        for row in history:
            f.write(json.dumps(row) + "\n")
    os.replace(tmp, os.path.join(out, METRICS))


def plot_curves(out, history, title):
    plt = use_agg()
    epochs = [r["epoch"] for r in history]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8.0, 3.2))
    ax1.plot(epochs, [r["train_loss"] for r in history], "o-", label="train loss")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("loss")
    ax1.legend()
    ax2.plot(epochs, [r["train_acc"] for r in history], "o-", label="train acc")
    ax2.plot(epochs, [r["test_acc"] for r in history], "s--", label="test acc")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("accuracy")
    ax2.legend()
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
        if len(epochs) <= 20:
            ax.set_xticks(epochs)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    tmp = os.path.join(out, f".{CURVES}.part.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, os.path.join(out, CURVES))


# --- the run ---------------------------------------------------------------------------

def make_scheduler(sched_cls, optimizer, s, steps_per_epoch):
    sk = dict(s["sched"])
    name = sched_cls.__name__
    # defaults a user would otherwise have to compute: the run's length and lr
    if name == "CosineAnnealingLR":
        sk.setdefault("T_max", s["epochs"])
    if name == "OneCycleLR":
        sk.setdefault("max_lr", s["lr"])
        if "epochs" not in sk and "steps_per_epoch" not in sk:
            sk.setdefault("total_steps", s["epochs"] * steps_per_epoch)
    if name in ("PolynomialLR", "LinearLR", "ConstantLR"):
        sk.setdefault("total_iters", s["epochs"])
    missing = [k for k in required_keywords(sched_cls) if k not in sk]
    if missing:
        raise CLIError(f"{name} needs {', '.join(missing)}: pass --sched "
                       + " ".join(f"{k}=VALUE" for k in missing))
    return construct(sched_cls, optimizer, sk, "scheduler argument")


def probe(opt_cls, sched_cls, s):
    """Build the optimizer and scheduler on a stand-in parameter and take a few steps: a
    value the constructors accept but the arithmetic cannot use (``step_size=0``) must fail
    now, not after the first epoch."""
    param = ember.zeros(1, requires_grad=True)
    optimizer = construct(opt_cls, [param], dict(s["opt"], lr=s["lr"]))
    if sched_cls is None:
        return
    scheduler = make_scheduler(sched_cls, optimizer, s, steps_per_epoch=1)
    try:
        for _ in range(min(3, s["epochs"])):
            param.grad = ember.zeros(1)
            optimizer.step()
            if sched_cls.__name__ == "ReduceLROnPlateau":
                scheduler.step(1.0)
            else:
                scheduler.step()
    except (ArithmeticError, ValueError, TypeError) as e:
        shown = ", ".join(f"{k}={v!r}" for k, v in s["sched"].items())
        raise CLIError(f"bad scheduler argument for {sched_cls.__name__}({shown}): "
                       f"{type(e).__name__}: {e}") from None


def build(s, factory, opt_cls, sched_cls, steps_per_epoch):
    """Model, optimizer, scheduler and loss, in that order (the order of RNG draws)."""
    from ember import nn
    input_size = s["resize"] or 28
    kwargs = {"num_classes": 10}
    params = inspect.signature(factory).parameters
    if "in_channels" in params:
        kwargs["in_channels"] = 1
    if "input_size" in params:
        kwargs["input_size"] = input_size
    try:
        model = factory(**kwargs)
    except ValueError as e:  # e.g. LeNet on images too small for its convolutions
        raise CLIError(f"cannot build {s['model']} for {input_size}x{input_size} images: {e}") \
            from None
    optimizer = construct(opt_cls, model.parameters(), dict(s["opt"], lr=s["lr"]))
    scheduler = None
    if sched_cls is not None:
        scheduler = make_scheduler(sched_cls, optimizer, s, steps_per_epoch)
    return model, optimizer, scheduler, nn.CrossEntropyLoss()


def evaluate(model, data_iter, job=None):
    model.eval()
    correct = total = 0
    with ember.no_grad():
        for X, y in data_iter:
            correct += int((model(X).argmax(dim=1) == y).sum())
            total += int(y.shape[0])
    if job is not None:  # every rank saw its own share of the test set
        correct, total = job.sum(correct, total)
    return correct / max(total, 1)


def resume_command(out):
    return f"ember train --resume {shlex.quote(out)}"


class _Job:
    """This process's place in a data-parallel run: its rank, the job's size, and the
    sums and gathers across ranks that the metrics and checkpoints need."""

    def __init__(self):
        import ember.distributed as dist
        try:
            dist.init_process_group("mpi")
        except RuntimeError as e:
            raise CLIError(str(e), EXIT_ENV) from None
        self.dist = dist
        self.rank, self.world = dist.get_rank(), dist.get_world_size()

    def sum(self, *values):
        t = ember.tensor([float(v) for v in values], dtype=ember.float64)
        self.dist.all_reduce(t)
        return t.tolist()

    def gather(self, obj):
        out = [None] * self.world
        self.dist.all_gather_object(out, obj)
        return out

    def close(self):
        self.dist.destroy_process_group()


def _launch(s, out, resume, progress):
    """Start the run as an MPI job of ``s["nproc"]`` processes; their exit code."""
    from ember import distributed
    from ember.distributed import _mpi, launch
    if not distributed.is_mpi_available():
        raise CLIError(f"--nproc needs mpi4py: {_mpi.INSTALL_HINT}", EXIT_ENV)
    argv = [sys.executable, "-m", "ember", "train"]
    if resume:
        argv += ["--resume", out, "--epochs", s["epochs"]]
    else:
        argv += [s["model"], "--dataset", s["dataset"], "--optimizer", s["optimizer"],
                 "--lr", repr(s["lr"]), "--epochs", s["epochs"], "--batch-size",
                 s["batch_size"], "--seed", s["seed"], "--out", out, "--nproc", s["nproc"]]
        for key in ("resize", "limit", "scheduler"):
            if s[key] is not None:
                argv += ["--" + key, s[key]]
        for flag, table in (("--opt", s["opt"]), ("--sched", s["sched"])):
            if table:
                argv += [flag] + [f"{k}={v!r}" for k, v in table.items()]
    if s["data_root"] is not None:
        argv += ["--data-root", s["data_root"]]
    shown = sys.stderr.isatty() if progress is None else progress
    argv += ["--progress", "always" if shown else "never"]
    try:
        return launch.run(s["nproc"], argv).returncode
    except RuntimeError as e:
        raise CLIError(str(e), EXIT_ENV) from None


def run(s, out, factory, opt_cls, sched_cls, ckpt, progress, job=None):
    input_size = s["resize"] or 28
    rank, world = (job.rank, job.world) if job is not None else (0, 1)
    train_iter, test_iter = load_data(s, input_size, rank, world)
    # Seeding first makes initialization, shuffling and dropout one reproducible sequence.
    ember.manual_seed(s["seed"])
    np.random.seed(s["seed"] % 2**32)
    random.seed(s["seed"])
    model, optimizer, scheduler, loss_fn = build(s, factory, opt_cls, sched_cls,
                                                 len(train_iter))
    if rank:  # the same initial weights everywhere, then each rank its own dropout
        ember.manual_seed(s["seed"] + rank)
    history, start_epoch = [], 0
    if ckpt is not None:
        try:
            model.load_state_dict(ckpt["model"])
            optimizer.load_state_dict(ckpt["optimizer"])
            if scheduler is not None and ckpt.get("scheduler") is not None:
                scheduler.load_state_dict(ckpt["scheduler"])
            set_rng_states(ckpt["rng"] if job is None else ckpt["rng"][rank])
        except (KeyError, RuntimeError, ValueError, TypeError, IndexError) as e:
            raise CLIError(f"cannot resume: the checkpoint does not fit the model "
                           f"{s['model']}: {str(e).splitlines()[0]}", EXIT_ENV) from None
        history = list(ckpt["history"])
        start_epoch = int(ckpt["epoch"])
    net = model
    if job is not None:
        from ember.nn.parallel import DistributedDataParallel
        net = DistributedDataParallel(model)
    n_params = sum(p.numel() for p in model.parameters())
    n_test = len(test_iter.dataset)
    if job is not None:  # each rank holds its share of the test set
        n_test = int(job.sum(n_test)[0])
    print(f"{s['model']} ({n_params:,} parameters) on {s['dataset']} "
          f"({len(train_iter.dataset)} train / {n_test} test images, "
          f"{input_size}x{input_size}), {type(optimizer).__name__}(lr={s['lr']}"
          + "".join(f", {k}={v}" for k, v in s["opt"].items()) + ")"
          + (f", {type(scheduler).__name__}" if scheduler is not None else "")
          + f", batch {s['batch_size']}, seed {s['seed']}"
          + (f", {world} processes" if world > 1 else ""), flush=True)
    if start_epoch:
        print(f"resuming after epoch {start_epoch} from {os.path.join(out, CHECKPOINT)}",
              flush=True)
    if start_epoch >= s["epochs"]:
        print(f"nothing to do: the run already has {start_epoch} of {s['epochs']} epochs "
              "(pass --epochs N to train longer)")
        return 0

    interrupts = _Interrupts()
    interrupts.install()
    writer = rank == 0
    per_batch = scheduler is not None and type(scheduler).__name__ in PER_BATCH
    try:
        for epoch in range(start_epoch, s["epochs"]):
            model.train()
            if job is not None:
                train_iter.sampler.set_epoch(epoch)
            bar = progress_bar(len(train_iter.dataset), f"epoch {epoch + 1}/{s['epochs']}",
                               unit=" samples", enabled=progress if writer else False)
            t0 = time.perf_counter()
            loss_sum, correct, seen = 0.0, 0, 0
            for X, y in train_iter:
                y_hat = net(X)
                loss = loss_fn(y_hat, y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                if per_batch:
                    scheduler.step()
                n = int(y.shape[0])
                loss_sum += float(loss) * n
                correct += int((y_hat.argmax(dim=1) == y).sum())
                seen += n
                bar.set_postfix_str(f"loss {loss_sum / seen:.4f}", refresh=False)
                bar.update(n * world)
            bar.close()
            if job is not None:
                loss_sum, correct, seen = job.sum(loss_sum, correct, seen)
            train_seconds = time.perf_counter() - t0
            test_acc = evaluate(net, test_iter, job)
            lr = optimizer.param_groups[0]["lr"]
            if scheduler is not None and not per_batch:
                if type(scheduler).__name__ == "ReduceLROnPlateau":
                    scheduler.step(loss_sum / max(seen, 1))
                else:
                    scheduler.step()
            row = {"epoch": epoch + 1, "train_loss": loss_sum / max(seen, 1),
                   "train_acc": correct / max(seen, 1), "test_acc": test_acc, "lr": lr,
                   "seconds": time.perf_counter() - t0,
                   "samples_per_s": seen / train_seconds if train_seconds > 0 else None}
            history.append(row)
            ckpt = {"format": FORMAT, "epoch": epoch + 1, "settings": s,
                    "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict() if scheduler is not None else None,
                    "rng": rng_states() if job is None else job.gather(rng_states()),
                    "history": history, "ember_version": ember.__version__}
            if writer:
                with interrupts.critical():
                    ember.save(ckpt, os.path.join(out, CHECKPOINT))
                    write_metrics(out, history)
            print(f"epoch {epoch + 1}/{s['epochs']}  train loss {row['train_loss']:.4f}  "
                  f"train acc {row['train_acc']:.3f}  test acc {test_acc:.3f}  "
                  f"{row['seconds']:.1f}s  ({row['samples_per_s'] or 0:,.0f} samples/s)",
                  flush=True)
            if writer:
                plot_curves(out, history, f"{s['model']} on {s['dataset']}")
            if not math.isfinite(row["train_loss"]):
                if writer:
                    print(f"stopping: the training loss is {row['train_loss']} (diverged); "
                          f"try a smaller --lr than {s['lr']}", file=sys.stderr)
                return EXIT_ENV
    except KeyboardInterrupt:
        if not writer:
            return EXIT_INTERRUPTED
        sys.stderr.write("\n")
        done = len(history)
        if done:
            print(f"interrupted during epoch {done + 1}; the checkpoint of epoch {done} in "
                  f"{out} is intact. Resume with:\n  {resume_command(out)}", file=sys.stderr)
        else:
            print("interrupted before the first epoch finished: nothing was saved",
                  file=sys.stderr)
        return EXIT_INTERRUPTED
    last = history[-1]
    epochs = f"{last['epoch']} epoch" + ("s" if last["epoch"] != 1 else "")
    print(f"done: test acc {last['test_acc']:.3f} after {epochs}; checkpoint, "
          f"{METRICS} and {CURVES} in {out}")
    return 0


def main(args):
    if args.resume:
        out = os.path.abspath(args.resume)
        ckpt = read_checkpoint(out)
        s = dict(DEFAULTS, **ckpt["settings"])
        given = settings_from_args(args)
        for key in DEFAULTS:
            typed = getattr(args, key, None) if key not in ("opt", "sched") else given[key]
            if key in RESUMABLE and typed is not None:
                s[key] = typed
            elif typed not in (None, {}) and typed != s[key]:
                raise CLIError(f"--resume continues the saved run ({key} = {s[key]!r}); only "
                               f"{', '.join('--' + k.replace('_', '-') for k in RESUMABLE)} "
                               "can be changed")
        if args.out is not None and os.path.abspath(args.out) != out:
            raise CLIError("--resume writes to the directory it resumes from: leave out --out")
        writable_dir(out, "--resume")
    else:
        if args.model is None:
            raise CLIError("MODEL is required (or --resume DIR); known models: "
                           + ", ".join(sorted(model_registry())))
        s = settings_from_args(args)
        ckpt = None
    from ember.distributed.launch import job_size
    inside = job_size()  # started by an MPI launcher: one rank of a data-parallel run
    if inside is not None and inside > 1 and s["nproc"] == 1 and not args.resume:
        s["nproc"] = inside  # `mpirun -n N ember train ...` typed by hand
    factory, opt_cls, sched_cls = validate(s)
    if s["resize"] is None and not args.resume:
        default = _default_input_size(factory)
        s["resize"] = default if default not in (None, 28) else None
    if not args.resume:
        out = writable_dir(args.out or os.path.join("out", "train", s["model"]))
        if os.path.exists(os.path.join(out, CHECKPOINT)):
            raise CLIError(f"{out} already holds a run: continue it with --resume {out}, or "
                           "choose another --out", EXIT_ENV)
    progress = {"auto": None, "always": True, "never": False}[args.progress]
    if s["nproc"] == 1:
        return run(s, out, factory, opt_cls, sched_cls, ckpt, progress)
    if inside is None:
        return _launch(s, out, bool(args.resume), progress)
    if inside != s["nproc"]:
        raise CLIError(f"the run has {s['nproc']} processes but this MPI job {inside}: a run "
                       "resumes exactly only with the number of processes it started with",
                       EXIT_ENV)
    job = _Job()
    with open(os.devnull, "w") as devnull, contextlib.ExitStack() as stack:
        if job.rank:  # one voice: rank 0 prints; the others' errors still reach stderr
            stack.enter_context(contextlib.redirect_stdout(devnull))
        try:
            return run(s, out, factory, opt_cls, sched_cls, ckpt, progress, job)
        finally:
            job.close()


def add_parser(sub):
    p = sub.add_parser(
        "train", help="train a model on Fashion-MNIST (or MNIST)",
        description="Train a model of ember.models, with a checkpoint after every epoch "
                    "(resumable with --resume), metrics.jsonl and loss/accuracy curves.")
    p.add_argument("model", nargs="?", help="a model of ember.models (e.g. lenet, mlp, "
                                            "resnet18); optional with --resume")
    p.add_argument("--dataset", choices=None, default=None,
                   help="fashion-mnist (default) or mnist")
    p.add_argument("--optimizer", default=None,
                   help="any ember.optim class, any case (default: sgd)")
    p.add_argument("--lr", type=float, default=None, help="learning rate (default: 0.1)")
    p.add_argument("--momentum", type=float, default=None)
    p.add_argument("--weight-decay", type=float, default=None)
    p.add_argument("--opt", nargs="+", action="extend", metavar="KEY=VALUE",
                   help="other hyperparameters of the optimizer, e.g. betas=0.9,0.99 "
                        "nesterov=True")
    p.add_argument("--scheduler", default=None,
                   help="a class of ember.optim.lr_scheduler (StepLR, CosineAnnealingLR, "
                        "OneCycleLR, ...), stepped every epoch (OneCycleLR: every batch)")
    p.add_argument("--sched", nargs="+", action="extend", metavar="KEY=VALUE",
                   help="the scheduler's arguments, e.g. step_size=5 gamma=0.5")
    p.add_argument("--epochs", type=int, default=None, help="default: 10")
    p.add_argument("--batch-size", type=int, default=None, help="default: 256")
    p.add_argument("--resize", type=int, default=None,
                   help="image side to resize to (default: what the model expects)")
    p.add_argument("--seed", type=int, default=None, help="default: 0")
    p.add_argument("--limit", type=int, default=None,
                   help="use only the first N training and N test images (quick checks)")
    p.add_argument("--data-root", default=None,
                   help="directory holding <Dataset>/raw/*.gz (default: $EMBER_DATA, then the "
                        "system copy)")
    p.add_argument("--workers", type=int, default=None,
                   help="data-loading processes (default: 0, load in this process)")
    p.add_argument("--nproc", type=int, default=None,
                   help="train data-parallel on N MPI processes (default: 1; needs mpi4py "
                        "and mpirun: pip install 'ember[distributed]')")
    p.add_argument("--out", default=None,
                   help="output directory (default: out/train/MODEL)")
    p.add_argument("--resume", default=None, metavar="DIR",
                   help="continue the run saved in DIR from its last checkpoint")
    p.add_argument("--progress", choices=("auto", "always", "never"), default="auto",
                   help="progress bar: auto draws it when stderr is a terminal")
    p.set_defaults(run=main)
    return p
