"""Side-by-side timings of ember against PyTorch, printed as ratios."""
import os

# The harness alternates ember and torch in short stretches of steps in one process. By default torch's
# OpenMP workers spin for a few milliseconds after each parallel region, which takes the
# second core from whatever runs next (ember's step) and never from torch itself; measured,
# it put up to 0.6 on ember's ratio for a 10 ms convolution. Passive waiting removes that
# cross-talk and did not measurably slow torch. It must be set before torch is imported,
# and a value the user set is kept.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
