"""How large the explorer's pages are and how fast a step redraws, in headless Chromium.

    .venv/bin/python benchmarks/bench_explorer.py            # builds the pages (minutes)
    .venv/bin/python benchmarks/bench_explorer.py --full-page explore_full.html

Two figures (the README's targets in brackets):

- the size of the page ``autograd-lite explore --layers 2,16,16,1`` writes (under 3 MB): the
  graph has 985 values, more than the default ``--max-nodes``, so it opens on the layer
  summary; the size of the same page drawn node by node is printed too;
- the time one step takes to redraw in headless Chromium on the graph drawn node by node
  (985 values, 1,629 SVG nodes with the operations; under 50 ms): the script's own work
  (``goTo``) and the time until the next frame has been drawn, for ``--steps`` backward
  steps spread over the pass (chunks of 50), forward and back. Laying that graph out
  takes Graphviz a few minutes on a small machine, so ``--full-page`` can reuse a page
  written earlier with ``--max-nodes 5000``.

The browser is the tests' one (tests/browser.py: Debian's chromium, network cut off).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import Browser  # noqa: E402

from autograd_lite import cli  # noqa: E402

# One step forward (or back) per call; the frame is drawn before the timer stops.
_MEASURE = """
const done = arguments[arguments.length - 1];
const direction = arguments[0], count = arguments[1];
const script = [], frame = [];
function one() {
  const start = performance.now();
  window.explorer.goTo(window.explorer.position + direction);
  const scripted = performance.now();
  requestAnimationFrame(() => setTimeout(() => {
    script.push(scripted - start);
    frame.push(performance.now() - start);
    if (script.length < count) one(); else done([script, frame]);
  }, 0));
}
one();
"""


def cpu_seconds(profile: str) -> float:
    """CPU time used so far by the browser's processes (those started with ``profile``):
    unlike wall time, it does not grow when other programs take the machine's cores."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if profile not in (entry / "cmdline").read_bytes().decode(errors="replace"):
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return total


def write(path: Path, *options: str) -> float:
    start = time.perf_counter()
    status = cli.main(["explore", "--layers", "2,16,16,1", *options, "-o", str(path)])
    if status != 0:
        raise SystemExit(f"autograd-lite explore failed with status {status}")
    return time.perf_counter() - start


def summary(label: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return (
        f"{label}: median {statistics.median(values):.1f} ms, 95th percentile {p95:.1f} ms, "
        f"max {ordered[-1]:.1f} ms over {len(values)} steps"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full-page", type=Path, help="a page written with --max-nodes 5000")
    parser.add_argument(
        "--steps", type=int, default=300, help="backward steps to time each way (300)"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-explorer-"))
    default = folder / "summary.html"
    seconds = write(default)
    print(
        f"2-16-16-1, default (layer summary): {default.stat().st_size / 1e6:.2f} MB "
        f"(written in {seconds:.1f} s)"
    )
    full = args.full_page
    if full is None:
        full = folder / "full.html"
        seconds = write(full, "--max-nodes", "5000")
        print(f"2-16-16-1 drawn node by node: written in {seconds:.1f} s")
    print(f"2-16-16-1 drawn node by node: {full.stat().st_size / 1e6:.2f} MB")

    browser = Browser()
    try:
        browser.driver.set_script_timeout(600)
        for label, page in (("drawn node by node", full), ("default, layer summary", default)):
            print(f"\n{label}:")
            measure(browser, page, args.steps)
        errors = browser.errors()
    finally:
        browser.close()
    if errors:
        print(f"console errors: {errors}")


def measure(browser: Browser, page: Path, count: int) -> None:
    browser.open(page)
    nodes = browser.run("return document.querySelectorAll('#graph g.node').length")
    steps = browser.run("return window.explorer.backwardSteps")
    forward = browser.run("return window.explorer.forwardSteps")
    print(f"  {nodes} SVG nodes (values, operations or boxes), {steps} backward steps")
    # An empty frame, for scale: what the machine takes when the page does nothing.
    empty = browser.driver.execute_async_script(_MEASURE, 0, 30)[1]
    # Chunks of 50 steps spread over the pass (one call of 1,253 steps would outlast the
    # driver's two-minute timeout on a busy machine).
    ahead: list[list[float]] = [[], []]
    back: list[list[float]] = [[], []]
    chunks = max(1, min(count, steps) // 50)
    cpu = cpu_seconds(browser.profile)
    for k in range(chunks):
        start = forward + (steps - 50) * k // max(1, chunks - 1)
        browser.run("window.explorer.goTo(arguments[0])", start)
        for total, direction in ((ahead, 1), (back, -1)):
            script, frame = browser.driver.execute_async_script(_MEASURE, direction, 50)
            total[0] += script
            total[1] += frame
    cpu = (cpu_seconds(browser.profile) - cpu) / (len(ahead[0]) + len(back[0])) * 1000
    started = time.perf_counter()
    browser.run("window.explorer.goTo(0); window.explorer.goTo(arguments[0])", forward + steps)
    jump = (time.perf_counter() - started) * 1000
    print("  " + summary("an empty frame", empty))
    print("  " + summary("Next, script", ahead[0]))
    print("  " + summary("Next, until the frame is drawn", ahead[1]))
    print("  " + summary("Back, script", back[0]))
    print("  " + summary("Back, until the frame is drawn", back[1]))
    print(f"  CPU time of the browser's processes per step (all of them): {cpu:.1f} ms")
    print(f"  Reset then Run to end (two jumps, one round trip): {jump:.0f} ms")


if __name__ == "__main__":
    main()
