"""micrograd's moons demo on ``Tensor``: the same network, the same numbers, much faster.

    python examples/moons_tensor.py            # the Tensor run
    python examples/moons_tensor.py --compare  # and the Value run, step by step beside it
    python examples/moons_tensor.py --out viz  # write the picture into viz/

The data, the 2-16-16-1 network, its weights (the same seed draws the same numbers on
both engines), the hinge loss with L2 and micrograd's SGD schedule are those of
examples/moons_value.py. Here every layer is one fused ``linear`` node on the whole batch
instead of 16 x 16 scalar multiplies per example, so a step costs well under a
millisecond instead of about 0.17 s of CPU time; the losses agree with the Value run's
to rounding (1e-9 is checked by the tests).

Writes moons_tensor.png into the current folder, or into ``--out DIR`` (``--out viz``
redraws the repository's gallery picture). About 2 s, most of it starting Python and
NumPy; ``--compare`` adds the Value run's 17 s of CPU time.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from moons_value import micrograd_demo, output_folder, report


def main(argv: list[str]) -> int:
    out = output_folder(argv)
    model, history, (X, y) = micrograd_demo("tensor")
    report("moons_tensor", model, history, X, y, out)
    if "--compare" in argv:
        _, value_history, _ = micrograd_demo("value")
        gap = max(abs(a - b) for a, b in zip(history.step_losses, value_history.step_losses))
        speedup = value_history.seconds / history.seconds
        print(
            f"Value run: {value_history.seconds:.1f} s ({speedup:.0f} times slower); "
            f"largest difference between the two runs' losses: {gap:.1e}"
        )
    return 0 if history.train_accuracy == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
