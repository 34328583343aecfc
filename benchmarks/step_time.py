"""Time one GAN training step: the slides' code against this project's.

Both versions build their own models with `sine_gan`'s functions, side by
side in one process: blocks of one epoch (64 steps) alternate between the
two, so a machine that slows down or speeds up affects both alike.

- slides: the slide's step with `generator.predict(NOISE[n])` on float64
  arrays, as printed (predict's progress bar is silenced with verbose=0,
  which only makes the slides' version faster);
- project: `sine_gan.train_gan` itself, one epoch per block, with its
  monitor: `predict_on_batch`, float32 arrays and the score after the epoch.

It also times the sinusoid score that the monitor computes once per epoch,
against the epoch's steps.

Run: python benchmarks/step_time.py [--epochs 5] [--rounds 5]
"""

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

import sine_gan  # noqa: E402
from beyond_the_slides.monitor import PROBE_SIZE, TrainingMonitor, seed_everything  # noqa: E402
from beyond_the_slides.score import sine_fit  # noqa: E402
from sine_gan import BATCH, ONES, ONEZEROS, TRAIN_SIZE  # noqa: E402


def build(X_TRAIN, NOISE):
    d = sine_gan.build_discriminator()
    sine_gan.pretrain_discriminator(d, X_TRAIN, NOISE, 2)
    g = sine_gan.build_generator()
    return g, d, sine_gan.build_gan(g, d)


def slides_step(g, d, gan, X_TRAIN, NOISE):
    """The slide "Addestramento della GAN", line for line."""
    n = np.random.randint(0, TRAIN_SIZE, size=BATCH // 2)
    x = np.concatenate((X_TRAIN[n], g.predict(NOISE[n], verbose=0)))
    y = np.concatenate(ONEZEROS).astype("float64")
    d.trainable = True
    d.train_on_batch(x, y)
    d.trainable = False
    gan.train_on_batch(NOISE[n], ONES.astype("float64"))


def slides_epoch(g, d, gan, X_TRAIN, NOISE):
    for _ in range(TRAIN_SIZE // BATCH):
        slides_step(g, d, gan, X_TRAIN, NOISE)


def project_epoch(g, d, gan, X_TRAIN, NOISE):
    """One epoch of `sine_gan.train_gan`, monitor included, its table line silenced."""
    monitor = TrainingMonitor(PROBE, 1)
    with contextlib.redirect_stdout(open(os.devnull, "w")):
        sine_gan.train_gan(g, d, gan, X_TRAIN, NOISE, 1, monitor)


PROBE = np.random.default_rng(0).uniform(-1, 1, (PROBE_SIZE, 64)).astype("float32")


def main():
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--epochs", type=int, default=5, help="epochs per version per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    seed_everything(0)
    X_TRAIN = sine_gan.make_dataset()
    NOISE = sine_gan.make_noise()
    with contextlib.redirect_stdout(open(os.devnull, "w")):  # the pretraining tables
        versions = {
            "slides": (slides_epoch, build(X_TRAIN, NOISE), X_TRAIN.astype("float64"),
                       NOISE.astype("float64")),
            "project": (project_epoch, build(X_TRAIN, NOISE), X_TRAIN, NOISE),
        }
    timings = {name: [] for name in versions}
    for epoch, models, x, noise in versions.values():
        epoch(*models, x, noise)  # trace and warm up
    block = TRAIN_SIZE // BATCH
    for _ in range(args.rounds):
        for name, (epoch, models, x, noise) in versions.items():
            for _ in range(args.epochs):
                start = time.perf_counter()
                epoch(*models, x, noise)
                timings[name].append((time.perf_counter() - start) / block * 1000)
    print(f"machine: {os.cpu_count()} CPUs, {sys.platform}, Python {sys.version.split()[0]}")
    print(f"{args.rounds} rounds x {args.epochs} epochs of {block} steps per version, interleaved")
    median = {name: statistics.median(t) for name, t in timings.items()}
    for name, t in timings.items():
        print(f"{name:>8}: median {median[name]:7.2f} ms/step "
              f"(min {min(t):.2f}, max {max(t):.2f}); 4,096 steps = {median[name] * 4.096:.1f} s")
    print(f"   ratio: the project's step is {median['slides'] / median['project']:.1f}x faster")

    # The sinusoid score that the monitor adds after every epoch.
    g = versions["project"][1][0]
    scoring = []
    for _ in range(20):
        start = time.perf_counter()
        sine_fit(g.predict_on_batch(PROBE))
        scoring.append((time.perf_counter() - start) * 1000)
    per_epoch = statistics.median(scoring)
    epoch = median["project"] * (TRAIN_SIZE // BATCH)
    print(f"scoring: {per_epoch:.1f} ms per epoch ({PROBE_SIZE} curves), "
          f"{per_epoch / epoch:.1%} of an epoch's {epoch / 1000:.2f} s of steps")


if __name__ == "__main__":
    main()
