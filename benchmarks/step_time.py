"""Time one GAN training step: the slides' code against this project's.

Both versions build their own models with `sine_gan`'s functions and run the
same step, side by side in one process: blocks of steps alternate between the
two, so a machine that slows down or speeds up affects both alike.

- slides: `generator.predict(NOISE[n])` on float64 arrays, as printed
  (predict's progress bar is silenced with verbose=0, which only makes the
  slides' version faster);
- project: `sine_gan.fake_curves` (`predict_on_batch`) and float32 arrays,
  through the same `discriminator_step` and `generator_step` the script runs.

It also times the sinusoid score that the training loop computes once per
epoch, against the epoch's steps.

Run: python benchmarks/step_time.py [--steps 300] [--rounds 5]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

import sine_gan  # noqa: E402
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


def project_step(g, d, gan, X_TRAIN, NOISE):
    """The step inside `sine_gan.train_gan`."""
    n = np.random.randint(0, TRAIN_SIZE, size=BATCH // 2)
    x = np.concatenate((X_TRAIN[n], sine_gan.fake_curves(g, NOISE[n])))
    sine_gan.discriminator_step(d, x)
    sine_gan.generator_step(gan, NOISE[n])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="steps per version per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sine_gan.seed_everything(0)
    _, X_TRAIN = sine_gan.make_dataset()
    NOISE = sine_gan.make_noise()
    versions = {
        "slides": (slides_step, build(X_TRAIN, NOISE), X_TRAIN.astype("float64"),
                   NOISE.astype("float64")),
        "project": (project_step, build(X_TRAIN, NOISE), X_TRAIN, NOISE),
    }
    timings = {name: [] for name in versions}
    for name, (step, models, x, noise) in versions.items():
        for _ in range(20):  # trace and warm up
            step(*models, x, noise)
    block = 50
    for _ in range(args.rounds):
        for name, (step, models, x, noise) in versions.items():
            for _ in range(args.steps // block):
                start = time.perf_counter()
                for _ in range(block):
                    step(*models, x, noise)
                timings[name].append((time.perf_counter() - start) / block * 1000)
    print(f"machine: {os.cpu_count()} CPUs, {sys.platform}, Python {sys.version.split()[0]}")
    print(f"{args.rounds} rounds x {args.steps} steps per version, blocks of {block}, interleaved")
    median = {name: statistics.median(t) for name, t in timings.items()}
    for name, t in timings.items():
        print(f"{name:>8}: median {median[name]:7.2f} ms/step "
              f"(min {min(t):.2f}, max {max(t):.2f}); 4,096 steps = {median[name] * 4.096:.1f} s")
    print(f"   ratio: the project's step is {median['slides'] / median['project']:.1f}x faster")

    # The sinusoid score that train_gan adds after every epoch.
    g = versions["project"][1][0]
    probe = np.random.default_rng(0).uniform(-1, 1, (sine_gan.PROBE_SIZE, 64)).astype("float32")
    x = np.linspace(sine_gan.X_MIN, sine_gan.X_MAX, sine_gan.TRAIN_LEN)
    scoring = []
    for _ in range(20):
        start = time.perf_counter()
        sine_gan.sine_fit(sine_gan.fake_curves(g, probe), x)
        scoring.append((time.perf_counter() - start) * 1000)
    per_epoch = statistics.median(scoring)
    epoch = median["project"] * (TRAIN_SIZE // BATCH)
    print(f"scoring: {per_epoch:.1f} ms per epoch ({sine_gan.PROBE_SIZE} curves), "
          f"{per_epoch / epoch:.1%} of an epoch's {epoch / 1000:.2f} s of steps")


if __name__ == "__main__":
    main()
