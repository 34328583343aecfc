"""The slides' GAN on each Keras backend, side by side: whole runs (CPU-seconds and wall time)
and the slides' step alone (milliseconds).

Each backend runs `python sine_gan.py` (seed 1, into a temporary folder) with the Python
of its own virtual environment, `KERAS_BACKEND` set; rounds alternate between the backends
so that a machine that slows down affects them alike. The step is the slide's loop body
(`predict_on_batch`, then both `train_on_batch`), timed in blocks of 64 steps after one
block that compiles it. Writes nothing of the project's.

Run: python benchmarks/backends.py tensorflow=.venv/bin/python jax=.venv-jax/bin/python
     [--rounds 3] [--epochs 64]
"""

import argparse
import os
import resource
import shutil
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


def succeeded(done, backend):
    """Stop the benchmark, in one line, if a backend's process failed."""
    if done.returncode != 0:
        raise SystemExit(f"backends.py: error: {backend}: exit {done.returncode}: "
                         + (done.stderr.strip().splitlines() or ["no message"])[-1])


def one_run(backend, python, epochs):
    """(CPU-seconds, wall seconds) of one whole run, start-up included."""
    with tempfile.TemporaryDirectory(prefix="sine-gan-backends-") as out:
        cpu, start = children_cpu(), time.perf_counter()
        done = subprocess.run([python, str(SCRIPT), "--epochs", str(epochs), "--out", out],
                              capture_output=True, text=True,
                              env=dict(os.environ, KERAS_BACKEND=backend))
        succeeded(done, backend)
        return children_cpu() - cpu, time.perf_counter() - start


STEP = """
import statistics, sys, time
import numpy as np
import sine_gan
from beyond_the_slides.monitor import seed_everything

seed_everything(1)
X_TRAIN, NOISE = sine_gan.make_dataset(), sine_gan.make_noise()
d = sine_gan.build_discriminator()
g = sine_gan.build_generator()
gan = sine_gan.build_gan(g, d)
y = np.concatenate(sine_gan.ONEZEROS)

def block():
    start = time.perf_counter()
    for _ in range(64):
        n = np.random.randint(0, sine_gan.TRAIN_SIZE, size=sine_gan.BATCH // 2)
        x = np.concatenate((X_TRAIN[n], g.predict_on_batch(NOISE[n])))
        d.trainable = True
        d.train_on_batch(x, y)
        d.trainable = False
        gan.train_on_batch(NOISE[n], sine_gan.ONES)
    return (time.perf_counter() - start) / 64 * 1000

block()  # compiles the steps
print(statistics.median(block() for _ in range(int(sys.argv[1]))))
"""


def step_ms(backend, python, blocks):
    """The median milliseconds of one slides' step, over `blocks` blocks of 64."""
    done = subprocess.run([python, "-c", STEP, str(blocks)], capture_output=True, text=True,
                          cwd=ROOT, env=dict(os.environ, KERAS_BACKEND=backend))
    succeeded(done, backend)
    return float(done.stdout.split()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("backends", type=named, nargs="+", metavar="BACKEND=PYTHON")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=64)
    args = parser.parse_args(argv)
    for backend, python in args.backends:
        if shutil.which(python) is None:
            parser.error(f"{backend}={python}: no such Python")
    times = {backend: [] for backend, _ in args.backends}
    steps = {backend: [] for backend, _ in args.backends}
    for _ in range(args.rounds):
        for backend, python in args.backends:
            times[backend].append(one_run(backend, python, args.epochs))
            steps[backend].append(step_ms(backend, python, blocks=5))
    print(f"{os.cpu_count()} CPUs; {args.rounds} rounds of a whole run ({args.epochs} epochs, "
          "seed 1) and of the step (5 blocks of 64) per backend, alternating")
    for backend, runs in times.items():
        cpu, wall = zip(*runs)
        step = steps[backend]
        print(f"{backend:>10}: median {statistics.median(cpu):5.1f} CPU-s (min {min(cpu):.1f}, "
              f"max {max(cpu):.1f}); wall {statistics.median(wall):5.1f} s; a step "
              f"{statistics.median(step):.2f} ms (min {min(step):.2f}, max {max(step):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
