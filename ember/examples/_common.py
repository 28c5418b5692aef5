"""What every example shares: its command line (``--out``, ``--quick``, ``--seed``), where
its figures go, and how it reports its key numbers.

An example starts with ``args = setup(__doc__)`` and saves each figure with
``save("name")``; ``report("final loss", 0.123)`` prints one ``name: value`` line (the
lines the README's table quotes) and records it in ``<out>/results.json`` (what ``ember
tour`` reads).
"""
import argparse
import os
import sys

_state = {}


def setup(doc, add_arguments=None, argv=None):
    """Parse the example's command line, seed the generators, and make the output folder
    (also where ``d2l.Animator`` keeps its live figures). Returns the parsed arguments."""
    name = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    parser = argparse.ArgumentParser(prog=f"{name}.py", description=doc.strip().splitlines()[0],
                                     epilog="\n".join(doc.strip().splitlines()[1:]),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join("out", name),
                        help="folder for the figures (default: ./out/%(prog)s without .py)")
    parser.add_argument("--quick", action="store_true",
                        help="a smaller run (less data, fewer epochs) that finishes in under "
                             "a minute on 2 CPU cores")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    if add_arguments is not None:
        add_arguments(parser)
    args = parser.parse_args(argv)

    # Figures are written to files: never open a window, wherever the example runs.
    import matplotlib
    matplotlib.use("Agg")
    import numpy as np
    import random
    import ember
    from ember import d2l

    ember.manual_seed(args.seed)
    np.random.seed(args.seed)
    random.seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    d2l.set_figure_dir(args.out)
    _state["out"] = args.out
    return args


def save(name, fig=None):
    """Save ``fig`` (default: the current figure) as ``<out>/<name>.png`` and close it."""
    from ember import d2l
    plt = d2l.plt
    fig = fig if fig is not None else plt.gcf()
    path = d2l.savefig(os.path.join(_state["out"], name + ".png"), fig, bbox_inches="tight")
    plt.close(fig)
    print(f"figure: {path}")
    return path


def report(name, value, fmt=None, notes=None):
    """Print one of the example's key numbers as ``name: value``, and record it (with the
    value the notes print for it, when given) in ``<out>/results.json`` for ``ember tour``."""
    shown = format(value, fmt) if fmt is not None else (
        f"{value:.6g}" if isinstance(value, float) else value)
    print(f"{name}: {shown}")
    _state.setdefault("results", {})[name] = (
        {"value": _jsonable(value), "notes": _jsonable(notes)} if notes is not None
        else _jsonable(value))
    _write_results()


def _jsonable(value):
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


def _write_results():
    """Rewrite ``results.json`` whole after every report (temporary file, then rename), so
    it is complete and valid even if the example fails later."""
    import json
    import tempfile
    folder = _state["out"]
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".results-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(_state["results"], f, ensure_ascii=False, indent=1)
    os.replace(tmp, os.path.join(folder, "results.json"))


def fashion_mnist(batch_size, quick, n_train, n_test, resize=None):
    """``d2l.load_data_fashion_mnist``; with ``quick``, the first ``n_train`` training and
    ``n_test`` test images only (the training subset still shuffled every epoch)."""
    from ember import d2l
    from ember.utils import data
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size, resize=resize)
    if not quick:
        return train_iter, test_iter
    train = data.Subset(train_iter.dataset, range(n_train))
    test = data.Subset(test_iter.dataset, range(n_test))
    return (data.DataLoader(train, batch_size, shuffle=True),
            data.DataLoader(test, batch_size, shuffle=False))
