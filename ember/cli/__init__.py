"""The ``ember`` command: ``train``, ``trace``, ``tour`` and ``info``.

Every subcommand lives in its own module with an ``add_parser(subparsers)`` that registers
it and a ``main(args)`` that runs it. Mistakes a user can make surface as ``CLIError``: one
line on stderr and a non-zero exit code, never a traceback.
"""
import argparse
import re
import sys

from ._util import EXIT_INTERRUPTED, EXIT_USAGE, CLIError, closest

EPILOG = """\
exit codes: 0 success, 1 a problem with files or data (unwritable --out, missing data set,
bad checkpoint), 2 a bad command line (unknown model, optimizer, function or
hyperparameter), 130 interrupted (Ctrl-C).

start with:  ember tour          (runs every experiment of the notes, writes a report)
             ember train lenet   (trains on Fashion-MNIST)
             ember trace himmelblau --optimizer gd momentum adam
"""


class _Parser(argparse.ArgumentParser):
    """argparse's errors as one line (no usage block) through the same path as ours."""

    def error(self, message):
        m = re.match(r"argument COMMAND: invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if m:  # a mistyped subcommand: name the closest one
            choices = re.findall(r"'([^']*)'", m.group(2))
            message = f"unknown command '{m.group(1)}'{closest(m.group(1), choices)}; " \
                      f"commands: {', '.join(choices)}"
        raise CLIError(f"{message} (see '{self.prog} --help')")


def build_parser():
    from . import info, tour, trace, train
    import ember
    parser = _Parser(prog="ember", description="ember: deep learning on NumPy with PyTorch's "
                     "interface, and the experiments of the notes.", epilog=EPILOG,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"ember {ember.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in (train, trace, tour, info):
        module.add_parser(sub)
    return parser


def _negative_values(argv):
    """``--start -5,-2`` → ``--start=-5,-2``: argparse would take ``-5,-2`` for an option."""
    out = []
    it = iter(argv)
    for token in it:
        if token in ("--start",):
            nxt = next(it, None)
            if nxt is not None and re.match(r"^-[\d.]", nxt):
                out.append(f"{token}={nxt}")
                continue
            out.append(token)
            if nxt is not None:
                out.append(nxt)
            continue
        out.append(token)
    return out


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        args = parser.parse_args(_negative_values(argv))
        if args.command is None:
            parser.print_help()
            return EXIT_USAGE
        return args.run(args) or 0
    except CLIError as e:
        prog = f"ember {argv[0]}" if argv and not argv[0].startswith("-") else "ember"
        print(f"{prog}: error: {e}", file=sys.stderr)
        return e.code
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `ember info | head`: the reader left; nothing more to say
        return 0


if __name__ == "__main__":
    sys.exit(main())
