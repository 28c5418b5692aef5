"""The worker process: runs programs in ember and torch, where a crash or a hang of the
interpreter cannot take the fuzzer down with it.

Requests and answers are length-prefixed pickles on stdin/stdout (the worker's own prints
go to stderr). ``python -m tests.fuzz.worker`` serves requests; ``--check`` runs the one
program on stdin and exits, ``--torch`` and ``--ember`` run it in one library alone (whose
crash was it? the parent shrinks an ember crash with ``--ember``), ``--generate`` writes a
seed's program.
"""
import os
import pickle
import signal
import struct
import sys

from .gen import generate
from .program import Failure, Namespace, differential
from .shrink import shrink, signature

HANG_S = 10


class Hang(BaseException):
    """Raised by the alarm; a BaseException, so that the program's own error handling and
    the interpreter's ``except Exception`` let it through."""


def _alarm(signum, frame):
    raise Hang


def run(program, ember, torch, hang_s=HANG_S):
    """The program's first Failure (or None); a line that runs for ``hang_s`` is a hang."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, hang_s)
    try:
        return differential(program, ember, torch)
    except Hang:
        return Failure("hang", -1, f"a line ran for over {hang_s} s")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def send(stream, obj):
    data = pickle.dumps(obj)
    stream.write(struct.pack("<Q", len(data)) + data)
    stream.flush()


def receive(stream):
    head = stream.read(8)
    if len(head) < 8:
        return None
    (n,) = struct.unpack("<Q", head)
    return pickle.loads(stream.read(n))


def main():
    proto_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)                               # stray prints must not corrupt the protocol
    proto_in = sys.stdin.buffer
    import torch

    import ember
    torch.set_num_threads(1)
    ember.set_num_threads(1)  # (some of PyTorch's results depend on it: ops/conv.py)
    if "--generate" in sys.argv:
        send(proto_out, generate(receive(proto_in), torch))
        return
    alone = next((lib for flag, lib in (("--torch", torch), ("--ember", ember))
                  if flag in sys.argv), None)
    if alone is not None:
        namespace = Namespace(alone, receive(proto_in))
        for line in namespace.program.lines:
            namespace.run(compile(line, "<fuzz>", "exec"))
        send(proto_out, None)
        return
    if "--check" in sys.argv:
        program = receive(proto_in)
        failure = run(program, ember, torch)
        send(proto_out, failure)
        return
    while True:
        req = receive(proto_in)
        if req is None:
            return
        seed, do_shrink = req
        program = generate(seed, torch)
        failure = run(program, ember, torch)
        send(proto_out, ("ran", seed, program, failure))
        small = small_failure = None
        if failure is not None and do_shrink:
            want = signature(failure)
            small = shrink(program, lambda p: signature(run(p, ember, torch)) == want)
            small_failure = run(small, ember, torch)
        send(proto_out, ("shrunk", seed, small, small_failure))


if __name__ == "__main__":
    main()
