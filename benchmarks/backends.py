"""Whole runs of the slides' GAN on each Keras backend, side by side: CPU-seconds and wall time.

Each backend runs `python sine_gan.py` (seed 1, into a temporary folder) with the Python
of its own virtual environment, `KERAS_BACKEND` set; rounds alternate between the backends
so that a machine that slows down affects them alike. Writes nothing of the project's.

Run: python benchmarks/backends.py tensorflow=.venv/bin/python jax=.venv-jax/bin/python
     [--rounds 3] [--epochs 64]
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "sine_gan.py"
sys.path.insert(0, str(ROOT))

from benchmarks.seeds import named  # noqa: E402


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_run(backend, python, epochs):
    """(CPU-seconds, wall seconds) of one whole run, start-up included."""
    with tempfile.TemporaryDirectory(prefix="sine-gan-backends-") as out:
        cpu, start = children_cpu(), time.perf_counter()
        done = subprocess.run([python, str(SCRIPT), "--epochs", str(epochs), "--out", out],
                              capture_output=True, text=True,
                              env=dict(os.environ, KERAS_BACKEND=backend))
        if done.returncode != 0:
            raise SystemExit(f"backends.py: error: {backend}: exit {done.returncode}: "
                             + (done.stderr.strip().splitlines() or ["no message"])[-1])
        return children_cpu() - cpu, time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("backends", type=named, nargs="+", metavar="BACKEND=PYTHON")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=64)
    args = parser.parse_args(argv)
    times = {backend: [] for backend, _ in args.backends}
    for _ in range(args.rounds):
        for backend, python in args.backends:
            times[backend].append(one_run(backend, python, args.epochs))
    print(f"{os.cpu_count()} CPUs; {args.rounds} rounds of a whole run ({args.epochs} epochs, "
          "seed 1) per backend, alternating")
    for backend, runs in times.items():
        cpu, wall = zip(*runs)
        print(f"{backend:>10}: median {statistics.median(cpu):5.1f} CPU-s (min {min(cpu):.1f}, "
              f"max {max(cpu):.1f}); wall {statistics.median(wall):5.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
