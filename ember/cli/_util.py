"""What every subcommand shares: user errors, name lookup with suggestions, ``key=value``
hyperparameters and output directories."""
import ast
import difflib
import inspect
import os
import tempfile

# Exit codes (also listed in ``ember --help``): a command line that cannot work is 2 (as
# argparse uses), a problem with the machine or the files it names is 1, Ctrl-C is 130.
EXIT_USAGE = 2
EXIT_ENV = 1
EXIT_INTERRUPTED = 130


class CLIError(Exception):
    """A mistake the user can fix: shown as one line on stderr, never as a traceback."""

    def __init__(self, message, code=EXIT_USAGE):
        super().__init__(message)
        self.code = code


def closest(name, known):
    """``" (did you mean 'x'?)"`` for the closest of ``known`` to ``name``, or ``""``."""
    lowered = {k.lower(): k for k in known}
    match = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.5)
    return f" (did you mean '{lowered[match[0]]}'?)" if match else ""


def unknown(kind, name, known):
    """The error for a name that is not one of ``known``: the list and the closest match."""
    return CLIError(f"unknown {kind} '{name}'{closest(name, known)}; known {kind}s: "
                    f"{', '.join(sorted(known, key=str.lower))}")


def lookup(kind, name, table):
    """``table[name]`` matched case-insensitively, or a CLIError naming the known keys."""
    by_lower = {k.lower(): v for k, v in table.items()}
    try:
        return by_lower[name.lower()]
    except KeyError:
        raise unknown(kind, name, list(table)) from None


def parse_value(text):
    """A hyperparameter's value from the command line: a Python literal where it is one
    (``0.9``, ``1e-3``, ``(0.9, 0.999)``, ``True``, ``None``), ``0.9,0.999`` as a tuple,
    anything else as the string itself (``anneal_strategy=linear``). Parsed with
    ``ast.literal_eval``, which evaluates literals only, never code."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        pass  # not a literal: a comma-separated tuple, or the text itself
    if "," in text:
        return tuple(parse_value(part) for part in text.split(","))
    return text


def parse_assignments(items, what):
    """``["lr=0.1", "betas=0.9,0.99"]`` → ``{"lr": 0.1, "betas": (0.9, 0.99)}``."""
    out = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key.isidentifier():
            raise CLIError(f"bad {what} '{item}': expected KEY=VALUE, e.g. momentum=0.9")
        out[key] = parse_value(value.strip())
    return out


def accepted_keywords(cls):
    """The keyword arguments ``cls(...)`` takes besides its first (params or optimizer)."""
    params = list(inspect.signature(cls).parameters.values())[1:]
    return [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def required_keywords(cls):
    params = list(inspect.signature(cls).parameters.values())[1:]
    return [p.name for p in params
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.default is p.empty]


def check_keywords(cls, kwargs, what):
    """Reject keywords ``cls`` does not take, naming the ones it does."""
    known = accepted_keywords(cls)
    for key in kwargs:
        if key not in known:
            raise CLIError(f"{cls.__name__} has no {what} '{key}'{closest(key, known)}; "
                           f"it takes: {', '.join(known)}")


def construct(cls, first, kwargs, what="hyperparameter"):
    """``cls(first, **kwargs)``, turning the constructor's complaint about a value (``Invalid
    learning rate: -1.0``) into a user error."""
    check_keywords(cls, kwargs, what)
    try:
        return cls(first, **kwargs)
    except (ValueError, TypeError) as e:
        shown = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        raise CLIError(f"bad {what} for {cls.__name__}({shown}): {e}") from None


def writable_dir(path, what="--out"):
    """Create ``path`` if needed and prove a file can be written in it."""
    path = os.path.abspath(os.path.expanduser(path))
    try:
        os.makedirs(path, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".ember-write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise CLIError(f"cannot write to {what} directory {path}: {e.strerror or e}",
                       EXIT_ENV) from None
    return path


def use_agg():
    """Select matplotlib's file-only backend before pyplot is imported: the CLI never opens
    windows, and works on machines without a display."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def fmt_duration(seconds):
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, s = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m{s:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"

