"""The differential fuzzer in the suite: a fixed budget of programs on fixed seeds must show
no difference from PyTorch beyond the deliberate ones (tests/fuzz/known.py), and the
fuzzer's own machinery (crash detection, shrinking, reproducers) must work."""
import numpy as np

from tests.fuzz.known import classify
from tests.fuzz.program import Failure, Program, differential
from tests.fuzz.runner import Finding, check_in_process, fuzz
from tests.fuzz.shrink import shrink

PROGRAMS = 2000      # about a minute on two cores (each program is one to twenty lines)


def test_fixed_seeds_agree_with_torch(torch):
    figs = fuzz(range(PROGRAMS))
    assert figs.programs == PROGRAMS
    shown = "\n\n".join(f.reproducer() for f in figs.findings[:10])
    assert not figs.findings, f"{figs.report()}\n\n{shown}"


def test_a_crash_is_caught_and_classified(torch):
    program = Program([("a0", np.ones(2, np.float32), False)],
                      ["v0 = a0 + 1", "v1 = __import__('os').abort()"])
    failure = check_in_process(program)
    assert failure.kind == "crash"


def test_a_mismatch_is_shrunk_to_a_runnable_reproducer(torch):
    import ember
    # A deliberately wrong "ember": T.exp computes expm1, so the exp line must be found.
    program = Program([("a0", np.array([0.5, 1.0], np.float32), True),
                       ("a1", np.array([2, 3]), False)],
                      ["v0 = a0 * 2", "v1 = a1 + 1", "v2 = T.exp(v0)", "v3 = v2.sum()",
                       "v3.backward()"])

    class Wrong:
        def __getattr__(self, name):
            return getattr(ember, name)

        @staticmethod
        def exp(x):
            return ember.expm1(x)

    failure = differential(program, Wrong(), torch)
    assert failure == Failure("value", 2, failure.detail)
    small = shrink(program, lambda p: getattr(differential(p, Wrong(), torch), "kind", None)
                   == "value")
    assert small.lines == ["v2 = T.exp(a0)"] or small.lines == ["v0 = a0 * 2", "v2 = T.exp(v0)"]
    assert [name for name, _, _ in small.inputs] == ["a0"]
    namespace = {}
    exec(small.source("torch"), namespace)      # the reproducer runs as printed
    assert "v2" in namespace


def test_known_entries_need_their_pattern(torch):
    program = Program([("a0", np.zeros(2, np.float32), False)], ["v0 = a0 + 1"])
    assert classify(Finding(0, Failure("value", 0, "v0: ember [1], torch [2]"), program)) is None


def test_an_inplace_op_reading_a_view_of_itself_is_accepted_for_its_values(torch):
    program = Program([("a0", np.ones((3, 3, 2), np.float32), False)],
                      ["v0 = a0 * 1", "v1 = v0[:, -1]", "v0.add_(v1)", "v2 = v0 * 1", "v2 += v0"])
    finding = Finding(0, Failure("value", 2, "v0: ember [2], torch [3]"), program)
    assert classify(finding) == ("deliberate", "an in-place op whose operand is a view of its "
                                               "destination (values)")
    assert classify(Finding(0, Failure("value", 4, "v2: ember [2], torch [3]"), program)) is None


def test_writes_that_read_their_own_memory_or_land_on_shared_elements_are_accepted(torch):
    """Values PyTorch's loop order decides: an index or operand that is the destination (or a
    view of its memory), and a write into an expanded tensor; not a write that merely
    computes its mask from the destination first."""
    def verdict(lines):
        program = Program([("a0", np.ones((3, 3), np.int64), False)], lines)
        return classify(Finding(0, Failure("value", len(lines) - 1, "a0: ember [1], torch [2]"),
                                program))
    own = ("deliberate", "an in-place op whose operand is a view of its destination (values)")
    assert verdict(["a0[a0, 0] = 2"]) == own
    assert verdict(["v0, *v1 = a0.split(1, -1)", "a0.mul_(v0)"]) == own
    assert verdict(["v0 = T.broadcast_to(a0, (2, 3, 3))", "a0[-1, v0] = 0"]) == own
    assert verdict(["v0 = T.broadcast_to(a0, (2, 3, 3))", "v0[v0 > 0] = 5"]) == (
        "deliberate", "a write into an expanded tensor (values)")
    assert verdict(["v0 = a0 * 1", "v0[v0 > 0] = 5"]) is None
    assert verdict(["v0 = a0[0]", "v0.add_(1)"]) is None


def test_lane_and_kernel_dependent_non_finite_results_are_accepted_only_where_they_arise(torch):
    """The nan gradient of hardtanh, relu6 and elu (PyTorch's vector loop and scalar tail
    disagree), and inf or nan meeting a padded convolution (its kernel choice decides)."""
    def verdict(lines, kind, step, detail="a0.grad: ember [nan], torch [0.]"):
        program = Program([("a0", np.ones((1, 1, 3), np.float32), True)], lines)
        return classify(Finding(0, Failure(kind, step, detail), program))
    nan_grad = ["v0 = F.relu6(a0)", "v0.sum().backward()"]
    assert verdict(nan_grad, "grad", 1)[1].startswith("hardtanh's, relu6's and elu's")
    assert verdict(nan_grad, "value", 0, "v0: ember [nan], torch [0.]") is None
    assert verdict(["v0 = F.relu(a0)", "v0.sum().backward()"], "grad", 1) is None
    conv = ["v0 = F.conv1d(a0, a0, None, padding=1)", "v1 = v0 % v0", "v1.sum().backward()"]
    assert verdict(conv, "grad", 2)[1].startswith("inf or nan meeting a convolution's padding")
    assert verdict(conv, "grad", 2, "a0.grad: ember [1.], torch [2.]") is None
    assert verdict(["v0 = F.conv1d(a0, a0, None, padding=0)"] + conv[1:], "grad", 2) is None
    norm = ["v0 = F.layer_norm(a0.exp() * 1e20, (3,))"]
    assert verdict(norm, "value", 0, "v0: ember [0.], torch [nan]")[1].startswith("layer_norm")
    assert verdict(norm, "value", 0, "v0: ember [0.], torch [1.]") is None
    tie = ["v0 = a0.maximum(a0 * 0)", "v1 = 1 / v0"]
    assert verdict(tie, "value", 1, "v1: ember [inf], torch [-inf]")[1].startswith("maximum")
    assert verdict(tie, "value", 1, "v1: ember [1.], torch [2.]") is None


def test_a_zero_gradient_before_batch_norm_is_accepted_only_as_small_noise(torch):
    """A per-channel constant's gradient through a training-mode batch norm is zero in exact
    arithmetic: its rounding noise (below 0.01) is accepted there, nothing larger, and
    nowhere without such a norm."""
    def verdict(lines, detail):
        program = Program([("a0", np.ones((2, 2, 2), np.float32), False),
                           ("a7", np.zeros(2, np.float32), True)], lines)
        return classify(Finding(0, Failure("grad", len(lines) - 1, detail), program))
    norm = ["v4 = a0 + a7[:, None]", "v6 = F.batch_norm(v4, None, None, training=True)",
            "v6.tan().sum().backward()"]
    entry = ("deliberate", "the gradient of a constant per channel before batch norm (values)")
    assert verdict(norm, "a7.grad: ember [-0.00024  0.00049], torch [-0.00049  0.00049]") \
        == entry
    assert verdict(norm, "a7.grad: ember [3.05176e-05 0.], torch [-9.15527e-05 0.]") == entry
    assert verdict(norm, "a7.grad: ember [0.015  0.], torch [0.  0.]") is None
    assert verdict(norm, "a7.grad: ember [0.5  0.00049], torch [-0.00049  0.00049]") is None
    assert verdict(["v4 = a0 + a7[:, None]", "v4.tan().sum().backward()"],
                   "a7.grad: ember [-0.00024  0.00049], torch [-0.00049  0.00049]") is None
