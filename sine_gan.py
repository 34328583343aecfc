"""
Title: Imparare a generare -- a GAN that draws sinusoids
Based on: "Imparare a generare: introduzione alle GAN", Paolo Caressa, PhD
Description: the slides' GAN, step by step, on Keras 3 and TensorFlow.

A generator learns to turn 64 random numbers into a sinusoid, by trying to
fool a discriminator that learns to tell real sinusoids from fakes.

The first half of this file is the deck: one section per slide, in the deck's
order, with the deck's names (`X_TRAIN`, `X_COORDS`, `NOISE`, `ONEZEROS`, ...)
and hyperparameters, closed by `run_slides()`, the deck's six steps. The second
half, after "Beyond the slides", holds what the deck does not show: the score
that says how sinusoidal the curves are, the training monitor, the improved
variant, the Wasserstein variant, saving the results and the command line.

Run it with `python sine_gan.py` (under a minute on two CPU cores);
`python sine_gan.py --help` lists the options.
"""

import os
import signal
import sys

# The signals that stop a run (Ctrl-C, `kill`, a closed terminal), each with
# the word that the run's last line starts with.
STOP_SIGNALS = {getattr(signal, name): word for name, word in (
    ("SIGINT", "Interrupted"), ("SIGTERM", "Terminated"), ("SIGHUP", "Hangup"))
    if hasattr(signal, name)}

if __name__ == "__main__":
    # Set before anything else loads. Nothing is written yet, so a signal now
    # ends the process at once, in one line; `main()` sets its own handlers.
    def _stop_while_starting(signum, frame):
        try:
            sys.stderr.write(f"{STOP_SIGNALS[signum]}: stopped while starting; "
                             "nothing was written.\n")
            sys.stderr.flush()
        except (OSError, ValueError):  # the terminal may be gone
            pass
        os._exit(128 + signum)

    for _signum in STOP_SIGNALS:
        signal.signal(_signum, _stop_while_starting)

import argparse
import contextlib
import csv
import functools
import io
import json
import math
import platform
import re
import stat
import tempfile
import threading
import time
import zipfile
from pathlib import Path

# Set before TensorFlow is imported: quiet its start-up chatter, and use its
# own kernels rather than oneDNN's, which cost more than they save on these
# tiny layers (measured: about 15% per training step, see the README).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np
from numpy.random import randint, uniform

# Keras, TensorFlow and Matplotlib are imported where the slides first use
# them, inside the functions: `python sine_gan.py --help` then answers at once.

"""
## Constants

The slides' names and values. `SAMPLE_LEN` is used by the slides but never
defined there: a curve is a sample, so it has the length of a training case.
"""

TRAIN_LEN = 64  # points sampled on each curve
SAMPLE_LEN = TRAIN_LEN
TRAIN_SIZE = 8192  # curves in the training set
BATCH = 128  # GAN training: half real curves, half generated
X_MIN, X_MAX = -5.0, 5.0
Y_MIN, Y_MAX = -1.0, 1.0
X_COORDS = np.linspace(X_MIN, X_MAX, TRAIN_LEN)
DIS_DROPOUT = 0.4

BATCH_SIZE = 128  # discriminator pretraining batch
PRETRAIN_EPOCHS = 32  # the slides' first `EPOCHS`
EPOCHS = 64  # the slides' second `EPOCHS`

# float32, not the slides' float64: the networks compute in float32, and a
# fixed dtype keeps Keras from retracing its compiled train steps.
ONES = np.ones((BATCH_SIZE // 2), dtype="float32")  # vettore di label 1
ZEROS = np.zeros((BATCH_SIZE // 2), dtype="float32")  # vettore di label 0
ONEZEROS = (ONES, ZEROS)

# Beyond the slides: scoring, figures, the two other variants, the command line.
DEFAULT_SEED = 1
DEFAULT_OUT = "outputs"
PROBE_SIZE = 256  # generated curves scored after every epoch
PROBE_SHOWN = 4  # of those, how many the evolution figure draws
EVAL_SIZE = 1000  # generated and real curves in the final report
EVOLUTION_EPOCHS = (1, 2, 4, 8, 16, 32, 64)
FIT_FREQUENCIES = np.linspace(0.05, 4.0, 791)  # grid step 0.005
GOOD_R2 = 0.9  # a curve with R^2 >= 0.9 counts as a sinusoid
SHARE_KEY = f"share_r2_ge_{GOOD_R2}"
HISTORY_FIELDS = ("epoch", "d_loss", "d_acc", "g_loss", "g_acc", "median_r2", SHARE_KEY, "seconds")

IMPROVEMENTS = ("conv_front", "minibatch_std", "smooth_output", "lowpass")
IMPROVED = ("conv_front", "minibatch_std", "smooth_output")  # the improved variant's changes
MBSTD_GROUP = 4  # rows per minibatch-std group; 64 real rows = 16 whole groups
SMOOTH_KERNEL = (1, 4, 6, 4, 1)  # binomial weights of the generator's smoothing
LOWPASS_TAPS, LOWPASS_CUTOFF = 15, 3.0  # the low-pass filter: points, and cut-off as a b

# The Wasserstein variant (Gulrajani et al., 2017, as keras-io's wgan_gp.py).
WGAN_CRITIC_STEPS = 5  # critic updates per generator update
WGAN_PENALTY = 10.0  # weight of the gradient penalty
WGAN_LEARNING_RATE, WGAN_BETAS = 1e-4, (0.5, 0.9)  # Adam, for both networks
WGAN_STEPS_PER_EPOCH = 128  # generator updates per epoch

TRAINING_FILES = (
    "dataset.png", "pretraining.png", "sample.png", "evolution.png", "evolution.gif",
    "training_history.png", "frequencies.png", "coverage.png", "history.csv", "metrics.json",
    "generator.keras", "discriminator.keras",
)
GENERATE_FILES = ("generated.csv", "generated.png")
GENERATE_CHUNK = 10_000  # curves generated, checked and written at a time
GENERATE_SCORED = 10_000  # at most this many generated curves are scored
MANIFEST = ".sine-gan-files"  # the files sine-gan wrote in an output folder
LOCK = ".sine-gan.lock"  # held by the run that is using an output folder

# A --model archive is refused from what its zip entries declare, before it is
# read. A generator of this project is about 0.5 MB, stored almost uncompressed.
MODEL_ENTRIES_MAX = 64
MODEL_ENTRY_MAX_BYTES = 32 * 2**20
MODEL_TOTAL_MAX_BYTES = 64 * 2**20
MODEL_RATIO_MAX = 100  # uncompressed over compressed size, for entries over 1 MiB

# Exit codes of the command line (see the README); a signal gives 128 + its number.
EXIT_OK, EXIT_DIVERGED, EXIT_USAGE, EXIT_WRITE, EXIT_BACKEND = 0, 1, 2, 3, 4
EXIT_BROKEN_PIPE = 128 + 13  # as a shell reports a process killed by SIGPIPE


"""
## Un dataset di sinusoidi

Every training case is the graph of `y = sin(scale * x + phase)`, sampled on
the 64 points of `X_COORDS`.
"""


def make_dataset():
    """Generazione del dataset -- build the training set of sinusoids.

    The random draws are the slides', in the slides' order: for each curve
    one `scale` then one `phase`. `uniform(np.pi)` reads as
    `uniform(low=np.pi, high=1.0)`, so phases fall in (1, pi]; that is what
    the slides' code does, so we keep it.
    """
    X_TRAIN = np.zeros((TRAIN_SIZE, TRAIN_LEN), dtype="float32")
    for i in range(0, TRAIN_SIZE):
        scale = uniform(0.5, 2.0)
        phase = uniform(np.pi)
        # The slides build this row point by point; NumPy does it in one go.
        X_TRAIN[i] = np.sin(scale * X_COORDS + phase)
    return X_TRAIN


def plot_dataset(X_TRAIN):
    """Visualizziamo il dataset -- draw the first eight curves.

    The figure of the slide "Esempi di sinusoidi".
    """
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(1, 1)
    for i in range(8):
        axis.plot(X_COORDS, X_TRAIN[i])
    axis.set_title("Esempi di sinusoidi")
    axis.set_xlabel("x")
    axis.set_ylabel("y")
    return fig


"""
## Creiamo il discriminatore

A small dense network: 64 inputs (one curve), two ReLU layers of 64 units
with dropout, and one sigmoid output, the probability that the curve is real.
"""


def build_discriminator():
    """Definizione del discriminatore -- the network that judges curves.

    8,385 parameters. The `Input` layer is not in the slides: with it Keras 3
    builds the model at once, with the same layers and initializers.
    """
    from keras import Input
    from keras.layers import Dense, Dropout
    from keras.models import Sequential

    discriminator = Sequential(name="discriminator")
    discriminator.add(Input(shape=(TRAIN_LEN,)))
    discriminator.add(Dense(TRAIN_LEN, activation="relu"))
    discriminator.add(Dropout(DIS_DROPOUT))
    discriminator.add(Dense(SAMPLE_LEN, activation="relu"))
    discriminator.add(Dropout(DIS_DROPOUT))
    discriminator.add(Dense(1, activation="sigmoid"))
    discriminator.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return discriminator


"""
## Addestrare il discriminatore

Half of each batch are sinusoids (label 1), half are rows of `NOISE`, curves
of uniform random values (label 0). The same `NOISE` bank later feeds the
generator.
"""


def make_noise():
    """Addestramento del discriminatore -- draw the `NOISE` bank.

    `TRAIN_SIZE` random curves, uniform in [Y_MIN, Y_MAX), drawn where the
    slides draw them: after the dataset, before the first batch.
    """
    return uniform(Y_MIN, Y_MAX, size=(TRAIN_SIZE, TRAIN_LEN)).astype("float32")


def pretrain_discriminator(discriminator, X_TRAIN, NOISE, epochs=PRETRAIN_EPOCHS):
    """Addestramento del discriminatore -- teach it sinusoids from noise.

    One `train_on_batch` per epoch, on 64 sinusoids and 64 noise rows, and
    the slides' table. Returns the accuracy of each epoch.
    """
    accuracies = []
    print(" epoca | accuratezza ")
    for i in range(epochs):
        # Sceglie BATCH_SIZE//2 indici e li torna in n
        n = randint(0, TRAIN_SIZE, size=BATCH_SIZE // 2)
        x = np.concatenate((X_TRAIN[n], NOISE[n]))
        y = np.concatenate(ONEZEROS)
        dummy, acc = discriminator.train_on_batch(x, y)
        accuracies.append(acc)
        print(f"    {i:3} |    {acc}")
    return accuracies


def plot_pretraining(accuracies):
    """Output dell'addestramento -- the pretraining table as a curve."""
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(1, 1)
    axis.plot(range(len(accuracies)), accuracies, marker="o")
    axis.axhline(0.5, color="grey", linestyle="--", label="caso (0.5)")
    axis.set_ylim(0.0, 1.05)
    axis.set_title("Addestramento del discriminatore")
    axis.set_xlabel("epoca")
    axis.set_ylabel("accuratezza")
    axis.legend(loc="lower right")
    return fig


"""
## Creazione del generatore

The generator maps a curve of noise to a curve: 64 inputs, 256 hidden units,
64 `tanh` outputs, so every value lands in [-1, 1] like a sinusoid's. The GAN
is the generator followed by the frozen discriminator.
"""


def build_generator():
    """Definizione del generatore e della GAN -- the forger, 37,248 parameters.

    Compiled with adam and mse as in the slides, though only the GAN trains it.
    """
    from keras import Input
    from keras.layers import Dense
    from keras.models import Sequential

    generator = Sequential(name="generator")
    generator.add(Input(shape=(SAMPLE_LEN,)))
    generator.add(Dense(SAMPLE_LEN, activation="relu"))
    generator.add(Dense(256, activation="relu"))
    generator.add(Dense(SAMPLE_LEN, activation="tanh"))
    generator.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
    return generator


def build_gan(generator, discriminator):
    """Definizione del generatore e della GAN -- generator, then discriminator.

    `discriminator.trainable = False` before compiling: the GAN's train step
    is traced with the discriminator frozen, so it only moves the generator.
    """
    from keras.models import Sequential

    gan = Sequential(name="gan")
    gan.add(generator)
    discriminator.trainable = False
    gan.add(discriminator)
    gan.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return gan


"""
## Addestrare la GAN

Each step first trains the discriminator on 64 real and 64 generated curves,
then trains the GAN on the same 64 noise rows with label 1: the error flows
back through the frozen discriminator into the generator, which learns to
make curves the discriminator calls real.
"""


def train_gan(generator, discriminator, gan, X_TRAIN, NOISE, epochs, monitor):
    """Addestramento della GAN -- the adversarial training loop.

    The slide's loop, line for line. `monitor` (a `TrainingMonitor`, see
    "Beyond the slides") adds the score, the timing and the stops for a NaN
    loss or Ctrl-C; it changes nothing that the loop computes.
    """
    print(" epoca | accuratezza discrimin. | accuratezza generatore " + monitor.HEADER)
    for e in range(epochs):
        for k in range(TRAIN_SIZE // BATCH):
            n = randint(0, TRAIN_SIZE, size=BATCH // 2)
            # predict_on_batch: the slides' predict, without a data pipeline and progress bar per step
            x = np.concatenate((X_TRAIN[n], generator.predict_on_batch(NOISE[n])))
            y = np.concatenate(ONEZEROS)
            discriminator.trainable = True
            d_loss, d_acc = discriminator.train_on_batch(x, y)
            discriminator.trainable = False
            g_loss, g_acc = gan.train_on_batch(NOISE[n], ONES)
            if monitor.should_stop(e, k, d_loss, g_loss):
                return
        scores = monitor.end_epoch(generator, e, d_loss=d_loss, d_acc=d_acc, g_loss=g_loss,
                                   g_acc=g_acc)
        print(f"    {e:03n} |                {d_acc:.5f} |                {g_acc:.5f}" + scores,
              flush=True)


"""
## Facciamole generare qualcosa...

Fresh noise in, a sinusoid out, "un po' con mano tremula".
"""


def generate(generator, count=1, rng=None):
    """Facciamole generare qualcosa... -- curves from fresh uniform noise.

    `rng` is a `numpy.random.Generator`; by default the slides' global one.
    """
    shape = (count, SAMPLE_LEN)
    x = uniform(Y_MIN, Y_MAX, size=shape) if rng is None else rng.uniform(Y_MIN, Y_MAX, shape)
    return generator.predict_on_batch(x.astype("float32"))


def plot_sample(y):
    """Sinusoide prodotta dalla GAN -- one generated curve."""
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(1, 1)
    axis.plot(X_COORDS, y)
    axis.set_title("Sinusoide prodotta dalla GAN")
    axis.set_xlabel("x")
    axis.set_ylabel("y")
    return fig


"""
## Curve generate al migliorare dell'accuratezza

The last slide shows the generator's curves getting better as training goes
on: the same noise curves through the generator after epochs 1, 2, 4, ..., 64.
"""


def evolution_epochs(epochs_done):
    """The epochs the evolution figure shows: 1, 2, 4, ..., 64, or the nearest."""
    return sorted({min(e, epochs_done) for e in EVOLUTION_EPOCHS}) if epochs_done else []


def plot_evolution(snapshots, history, real):
    """Curve generate al migliorare dell'accuratezza -- the curves improving.

    Each panel is titled with the median R^2 of its epoch; the last panel
    shows real sinusoids to compare with.
    """
    import matplotlib.pyplot as plt

    shown = evolution_epochs(len(snapshots))
    cols = 4
    rows = math.ceil((len(shown) + 1) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(10, 2.5 * rows), sharex=True, sharey=True,
                             squeeze=False)
    panels = [(f"epoca {e}, R² {history[e - 1]['median_r2']:.3f}", snapshots[e - 1]) for e in shown]
    panels.append(("sinusoidi vere", real))
    for axis, (title, curves) in zip(axes.flat, panels):
        for curve in curves:
            axis.plot(X_COORDS, curve, linewidth=1)
        axis.set_title(title, fontsize=9)
        axis.set_ylim(-1.1, 1.1)
        axis.tick_params(labelsize=7)
    for axis in list(axes.flat)[len(panels):]:
        axis.set_visible(False)
    fig.suptitle("Curve generate al migliorare dell'accuratezza")
    fig.tight_layout()
    return fig


"""
## Passi necessari

The deck's six steps, start to end. This is the whole program of the slides.
"""


def run_slides(monitor, epochs=EPOCHS, pretrain_epochs=PRETRAIN_EPOCHS,
               build_discriminator=build_discriminator, build_generator=build_generator):
    """Passi necessari -- the six steps of the deck, with their figures.

    The builders are the slides' unless the improved variant passes its own.
    Returns the trained networks, the training data and the figures by file name.
    """
    # 1. Ottenere un dataset di sinusoidi
    X_TRAIN = make_dataset()
    figures = {"dataset.png": plot_dataset(X_TRAIN)}
    # 2. Impostare il discriminatore (the slides define the generator in step 4)
    discriminator = build_discriminator()
    # 3. Addestrare il discriminatore
    NOISE = make_noise()
    accuracies = pretrain_discriminator(discriminator, X_TRAIN, NOISE, pretrain_epochs)
    figures["pretraining.png"] = plot_pretraining(accuracies)
    # 4. Costruire la GAN usando generatore e discriminatore
    generator = build_generator()
    gan = build_gan(generator, discriminator)
    # 5. Addestrare la GAN
    train_gan(generator, discriminator, gan, X_TRAIN, NOISE, epochs, monitor)
    # 6. Contemplare il risultato: una sinusoide prodotta dal rumore di fondo
    figures["sample.png"] = plot_sample(generate(generator)[0])
    figures["evolution.png"] = plot_evolution(monitor.snapshots, monitor.history,
                                              X_TRAIN[:PROBE_SHOWN])
    return {"generator": generator, "discriminator": discriminator, "X_TRAIN": X_TRAIN,
            "accuracies": accuracies, "figures": figures}


# ---------------------------------------------------------------------------
"""
# Beyond the slides

Everything below is what the deck does not show. None of it changes a number
that the slides compute.

## Is it a sinusoid? A score

The slides judge the result by eye. To put a number on it, fit each curve
with the best `A sin(bx) + B cos(bx) + C` over a grid of frequencies `b`
(for fixed `b` that is linear least squares) and report R^2: 1 for a perfect
sinusoid, near 0 for noise.
"""


@functools.lru_cache(maxsize=4)
def _fit_basis(x):
    """Orthonormal bases of span{sin(bx), cos(bx), 1}, one per grid frequency.

    Cached: the monitor scores curves on the same `x` every epoch. Returns
    `q` reshaped to (points, frequencies * 3) for one matrix product, and the
    triangular factors `r` to recover the coefficients.
    """
    bx = FIT_FREQUENCIES[:, None] * np.array(x, dtype="float64")[None, :]
    design = np.stack([np.sin(bx), np.cos(bx), np.ones_like(bx)], axis=-1)
    q, r = np.linalg.qr(design)  # (frequencies, points, 3), (frequencies, 3, 3)
    return q.transpose(1, 0, 2).reshape(len(x), -1), r


def sine_fit(curves, x=X_COORDS):
    """Best sinusoid `amplitude * sin(frequency * x + phase) + offset` through each curve.

    Vectorised over curves and frequencies: one matrix product projects every
    curve on every basis, so 1,000 curves take a fraction of a second.
    Returns a dict of arrays `r2`, `frequency`, `amplitude`, `phase` (in
    [0, 2 pi): a real curve's is the `phase` it was drawn with) and `offset`.
    """
    y = np.atleast_2d(np.asarray(curves, dtype="float64"))
    if y.shape[1] != len(x):
        raise ValueError(f"curves have {y.shape[1]} points, x has {len(x)}")
    q, r = _fit_basis(tuple(np.asarray(x, dtype="float64")))
    proj = (y @ q).reshape(len(y), len(FIT_FREQUENCIES), 3)
    explained = np.sum(proj**2, axis=-1)  # ||projection||^2 per curve, frequency
    best = np.argmax(explained, axis=1)
    rows = np.arange(len(y))
    sse = np.maximum(np.sum(y**2, axis=1) - explained[rows, best], 0.0)
    sst = np.sum((y - y.mean(axis=1, keepdims=True)) ** 2, axis=1)
    r2 = 1.0 - sse / np.maximum(sst, 1e-12)
    coef = np.linalg.solve(r[best], proj[rows, best][..., None])[..., 0]
    return {
        "r2": r2,
        "frequency": FIT_FREQUENCIES[best],
        "amplitude": np.hypot(coef[:, 0], coef[:, 1]),
        # A sin(bx) + B cos(bx) = R sin(bx + phase), with tan(phase) = B / A
        "phase": np.mod(np.arctan2(coef[:, 1], coef[:, 0]), 2 * np.pi),
        "offset": coef[:, 2],
    }


def r2_summary(r2):
    """The median R^2 and the share of curves that count as sinusoids."""
    return {"median_r2": float(np.median(r2)), SHARE_KEY: float(np.mean(r2 >= GOOD_R2))}


def wasserstein1(a, b):
    """1-D Wasserstein distance between two samples (area between their CDFs)."""
    a, b = np.sort(a), np.sort(b)
    grid = np.sort(np.concatenate([a, b]))
    cdf_a = np.searchsorted(a, grid[:-1], side="right") / len(a)
    cdf_b = np.searchsorted(b, grid[:-1], side="right") / len(b)
    return float(np.sum(np.abs(cdf_a - cdf_b) * np.diff(grid)))


def roughness(curves):
    """Mean squared second difference: how much a curve trembles."""
    return float(np.mean(np.diff(np.asarray(curves, dtype="float64"), n=2, axis=1) ** 2))


def diversity(curves):
    """Mean over the points of the spread across curves."""
    return float(np.mean(np.std(np.asarray(curves, dtype="float64"), axis=0)))


def sine_report(fake, real):
    """How sinusoidal, how smooth and how varied the generated curves are.

    Ratios compare generated curves with real ones: roughness 1 means they
    tremble as little as real sinusoids, diversity 1 means as much variety.
    Returns the report and the fits (generated, real) of `sine_fit()`.
    """
    f, r = sine_fit(fake), sine_fit(real)
    quartiles = [0.25, 0.5, 0.75]
    report = {
        **r2_summary(f["r2"]),
        "frequency_quartiles_generated": np.quantile(f["frequency"], quartiles).round(4).tolist(),
        "frequency_quartiles_real": np.quantile(r["frequency"], quartiles).round(4).tolist(),
        "frequency_w1": wasserstein1(f["frequency"], r["frequency"]),
        "roughness_ratio": roughness(fake) / roughness(real),
        "diversity_ratio": diversity(fake) / diversity(real),
    }
    return report, (f, r)


def describe_report(report, count):
    """The report in one line, as the run prints it."""
    text = (f"{count:,} curves: median R² {report['median_r2']:.4f}, "
            f"{report[SHARE_KEY]:.1%} with R² >= {GOOD_R2}")
    if "frequency_w1" in report:
        text += (f", roughness {report['roughness_ratio']:.1f}x real, "
                 f"diversity {report['diversity_ratio']:.2f}x real, "
                 f"frequency W1 {report['frequency_w1']:.3f}")
    return text


"""
## Watching the training

The slide's loop stays as printed. Everything it does not do itself, the
monitor does: after each step it checks for a NaN loss and for a stop signal
(Ctrl-C, SIGTERM, SIGHUP); after each epoch it scores a fixed probe of
generated curves, times the epoch and keeps the row of the history and the
curves of the evolution figure.
"""


class TrainingMonitor:
    """Watches `train_gan()`: the history, the snapshots and why it stopped.

    `probe` is fixed noise, scored after every epoch; `signals` is a list that
    a signal handler appends to (see `deferred_signals()`).
    """

    HEADER = "| R² mediano | tempo  | residuo"

    def __init__(self, probe, epochs, signals=()):
        self.probe = np.asarray(probe, dtype="float32")
        self.epochs = epochs
        self.signals = signals
        self.history, self.snapshots = [], []
        self.stopped = None  # why training stopped early, if it did
        self.start = time.perf_counter()

    @property
    def diverged(self):
        """Whether training stopped for a NaN or infinite loss."""
        return self.stopped not in (None, "interrupted")

    def should_stop(self, e, k, d_loss, g_loss):
        """After a step: stop for a NaN or infinite loss, or for a signal."""
        if not (math.isfinite(d_loss) and math.isfinite(g_loss)):
            self.stopped = (f"training diverged at epoch {e}, step {k}: "
                            f"d_loss={d_loss}, g_loss={g_loss}")
        elif self.signals:
            self.stopped = "interrupted"
        return self.stopped is not None

    def end_epoch(self, generator, e, **losses):
        """After an epoch: score the probe, keep the history row; returns the extra columns.

        `losses` are the epoch's last values of the loop's own columns (for
        the slides: `d_loss`, `d_acc`, `g_loss`, `g_acc`), kept in that order.
        """
        curves = generator.predict_on_batch(self.probe)
        elapsed = time.perf_counter() - self.start
        row = {"epoch": e + 1, **{name: float(value) for name, value in losses.items()},
               **r2_summary(sine_fit(curves)["r2"]), "seconds": round(elapsed, 3)}
        self.history.append(row)
        self.snapshots.append(curves[:PROBE_SHOWN])
        left = elapsed / (e + 1) * (self.epochs - e - 1)
        return f" | {row['median_r2']:10.4f} | {elapsed:5.1f}s | {left:5.1f}s"


def plot_history(history):
    """Accuracies (for a critic, its Wasserstein estimate) and sinusoid score per epoch."""
    import matplotlib.pyplot as plt

    epochs = [h["epoch"] for h in history]
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(6.4, 5.6))
    if "distance" in history[0]:
        top.plot(epochs, [h["distance"] for h in history], label="stima di Wasserstein")
        top.set_ylabel("critico (ultimo passo)")
    else:
        top.plot(epochs, [h["d_acc"] for h in history], label="accuratezza discrimin.")
        top.plot(epochs, [h["g_acc"] for h in history], label="accuratezza generatore")
        top.set_ylim(-0.05, 1.05)
        top.set_ylabel("accuratezza (ultimo passo)")
    top.legend(loc="best", fontsize=8)
    bottom.plot(epochs, [h["median_r2"] for h in history], label="R² mediano")
    bottom.plot(epochs, [h[SHARE_KEY] for h in history], label=f"quota con R² ≥ {GOOD_R2}")
    bottom.set_ylim(-0.05, 1.05)
    bottom.set_xlabel("epoca")
    bottom.set_ylabel("sinusoidalità (256 curve)")
    bottom.legend(loc="lower right", fontsize=8)
    fig.suptitle("Andamento dell'addestramento")
    fig.tight_layout()
    return fig


def plot_frequencies(fake_fit, real_fit, w1):
    """Histograms of the fitted frequency b, generated against real curves.

    A generator that covers only part of the training range (mode collapse)
    shows up as a narrower, shifted histogram. The fits are `sine_fit()`'s.
    """
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(1, 1)
    bins = np.linspace(0.0, 2.5, 51)
    axis.hist(real_fit["frequency"], bins=bins, alpha=0.5, label="sinusoidi vere")
    axis.hist(fake_fit["frequency"], bins=bins, alpha=0.5, label="curve generate")
    axis.set_title(f"Frequenze b delle curve (W1 = {w1:.3f})")
    axis.set_xlabel("frequenza b in sin(bx + c)")
    axis.set_ylabel("curve")
    axis.legend(loc="upper right")  # right of b = 2: no training curve is there
    return fig


def plot_coverage(fake_fit, real_fit):
    """Fitted phase against fitted frequency: which sinusoids the generator draws.

    The real curves fill the rectangle of the dataset's law (frequency 0.5 to
    2, phase 1 to pi); a generator that collapses fills only part of it.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    fig, (real_axis, fake_axis) = plt.subplots(1, 2, figsize=(9.6, 4.2), sharex=True,
                                               sharey=True)
    for axis, fit, title, color in ((real_axis, real_fit, "sinusoidi vere", "C0"),
                                    (fake_axis, fake_fit, "curve generate", "C1")):
        axis.add_patch(Rectangle((0.5, 1.0), 1.5, np.pi - 1.0, fill=False, linestyle="--",
                                 edgecolor="grey", label="legge del dataset"))
        axis.scatter(fit["frequency"], fit["phase"], s=4, alpha=0.5, color=color)
        axis.set_title(f"{title} ({len(fit['phase']):,})")
        axis.set_xlabel("frequenza b")
        axis.set_xlim(0.0, 2.5)
        axis.set_ylim(0.0, 2 * np.pi)
    real_axis.set_ylabel("fase c in sin(bx + c)")
    real_axis.legend(loc="upper right", fontsize=8)
    fig.suptitle("Copertura: quali sinusoidi disegna il generatore")
    fig.tight_layout()
    return fig


def plot_generated(curves):
    """Up to 16 curves drawn by `--generate`, one per panel."""
    import matplotlib.pyplot as plt

    cols = min(4, len(curves))
    rows = min(4, math.ceil(len(curves) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(2.4 * cols, 1.9 * rows), sharex=True,
                             sharey=True, squeeze=False)
    for axis, curve in zip(axes.flat, curves):
        axis.plot(X_COORDS, curve)
    for axis in axes.flat:
        axis.set_ylim(-1.1, 1.1)
    fig.suptitle(f"Curve prodotte dal generatore ({min(len(curves), rows * cols)} "
                 f"di {len(curves):,})")
    fig.tight_layout()
    return fig


def save_evolution_gif(path, snapshots, history):
    """The evolution as an animation, one frame per epoch.

    Only the curves and the title change between frames, so the axes are drawn
    once and each frame redraws just those (blitting). Every frame uses the
    first frame's palette. Matplotlib's own PillowWriter redraws everything and
    picks a palette per frame: 11 s for 64 frames against 1 s this way. The
    figure is drawn by Agg whatever the session's backend, and never shown.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    fig = Figure(figsize=(5, 3.4), dpi=80)
    FigureCanvasAgg(fig)
    axis = fig.subplots(1, 1)
    lines = [axis.plot(X_COORDS, c, linewidth=1.2, animated=True)[0] for c in snapshots[0]]
    title = axis.set_title(" ", animated=True)
    axis.set_ylim(-1.1, 1.1)
    axis.set_xlabel("x")
    fig.tight_layout()
    fig.canvas.draw()
    background = fig.canvas.copy_from_bbox(fig.bbox)
    frames, palette = [], None
    for curves, row in zip(snapshots, history):
        fig.canvas.restore_region(background)
        for line, curve in zip(lines, curves):
            line.set_ydata(curve)
            axis.draw_artist(line)
        title.set_text(f"epoca {row['epoch']}   R² mediano {row['median_r2']:.3f}")
        axis.draw_artist(title)
        image = Image.fromarray(np.asarray(fig.canvas.buffer_rgba())[..., :3])
        if palette is None:
            palette = image.quantize(colors=64, method=Image.Quantize.MEDIANCUT)
        frames.append(image.quantize(palette=palette, dither=Image.Dither.NONE))
    with atomic_path(path) as tmp:
        frames[0].save(tmp, format="GIF", save_all=True, append_images=frames[1:],
                       duration=125, loop=0)
    return Path(path)


"""
## The improved variant: `--variant improved`

The slides' GAN draws sinusoids, but with a trembling hand, and it covers a
narrower band of frequencies than the training set (see the README's numbers).
The improved variant keeps every slide step, the training loop, the noise and
the tables. Its builders start from the slides' networks and change them in
three small, well-known ways, each aimed at one defect. `changes` picks a
subset, so that the benchmark can measure each change alone.
"""


@functools.cache
def minibatch_std_layer_class():
    """The `MinibatchStd` layer class, defined and registered on first use.

    A Keras layer has to be a class. It is made here, not at the top of the
    file, so that the command line answers `--help` without importing Keras.
    """
    import keras

    @keras.saving.register_keras_serializable(package="sine_gan")
    class MinibatchStd(keras.layers.Layer):
        """Minibatch standard deviation, for mode collapse (Karras et al., 2018).

        A dense discriminator judges one curve at a time, so it cannot tell
        that the generator makes the same few curves over and over. This layer
        takes each group of `group_size` consecutive rows, measures how much
        they differ (the mean over points of their standard deviation) and
        appends that number to every row of the group as an extra channel.
        Groups never mix real and fake rows, because each half of a
        discriminator batch is 64 rows, a whole number of groups. The standard
        deviation is `sqrt(var + 1e-8)`: a plain `std` has an infinite
        gradient where all rows agree, which made the loss NaN.
        """

        def __init__(self, group_size=MBSTD_GROUP, **kwargs):
            super().__init__(**kwargs)
            self.group_size = group_size

        def call(self, x):  # x: (batch, points, channels)
            points, channels = x.shape[1], x.shape[2]
            groups = keras.ops.reshape(x, (-1, self.group_size, points, channels))
            std = keras.ops.sqrt(keras.ops.var(groups, axis=1) + 1e-8)
            spread = keras.ops.mean(std, axis=(1, 2))  # one number per group
            spread = keras.ops.repeat(spread, self.group_size)  # one per row
            feature = keras.ops.ones_like(x[..., :1]) * spread[:, None, None]
            return keras.ops.concatenate([x, feature], axis=-1)

        def compute_output_shape(self, input_shape):
            return (*input_shape[:-1], input_shape[-1] + 1)

        def get_config(self):
            return {**super().get_config(), "group_size": self.group_size}

    return MinibatchStd


def build_improved_discriminator(changes=IMPROVED):
    """The slides' discriminator with a front that sees shape and variety.

    `minibatch_std`: a `MinibatchStd` channel, so that a generator that
    repeats itself looks fake. `conv_front`: a `Conv1D` over five neighbouring
    points, so that jitter and wrong local shape become easy tells (the seed
    articles note that discriminators are typically convolutional), followed
    by the dropout the slides put after each of their Dense layers. Without
    it the discriminator leans on local shape alone, and the generator keeps
    to the frequencies it draws best. The slides' layers follow, rebuilt for
    the front's output size.
    """
    from keras import Input
    from keras.layers import Conv1D, Dropout, Flatten, Reshape
    from keras.models import Sequential

    slides = build_discriminator()
    front = []
    if "minibatch_std" in changes:
        front.append(minibatch_std_layer_class()())
    if "conv_front" in changes:
        front.append(Conv1D(16, 5, strides=2, padding="same", activation="relu"))
        front.append(Dropout(DIS_DROPOUT))
    if not front:
        return slides
    layers = [type(layer).from_config(layer.get_config()) for layer in slides.layers]
    discriminator = Sequential([Input(shape=(TRAIN_LEN,)), Reshape((TRAIN_LEN, 1)), *front,
                                Flatten(), *layers], name="discriminator")
    discriminator.compile_from_config(slides.get_compile_config())
    return discriminator


def smoothing_matrix(kernel=SMOOTH_KERNEL, full_gain=False):
    """The weights of a smoothing filter, as a (64, 64) matrix: binomial by default.

    Column j averages the points around j with weights 1, 4, 6, 4, 1, cut at
    the ends and rescaled so that each column sums to 1: the output stays in
    [-1, 1]. The filter removes point-to-point jitter completely (its response
    at the highest frequency 64 points can show is 0) and passes the training
    curves' frequencies almost whole (0.95 at b = 2, the highest). After
    `tanh`, that 0.95 is a ceiling: a full sinusoid at b = 2 cannot be drawn.
    With `full_gain` the matrix is scaled so that b = 2 passes whole; its
    columns then sum to more than 1, and the output can leave [-1, 1].
    """
    kernel = np.array(kernel, dtype="float64")
    half = len(kernel) // 2
    matrix = np.zeros((SAMPLE_LEN, SAMPLE_LEN))
    for j in range(SAMPLE_LEN):
        for offset, weight in enumerate(kernel, start=-half):
            if 0 <= j + offset < SAMPLE_LEN:
                matrix[j + offset, j] = weight
    matrix /= matrix.sum(axis=0, keepdims=True)
    if full_gain:  # divide by the response at b = 2 of the symmetric kernel
        step = X_COORDS[1] - X_COORDS[0]
        offsets = np.arange(len(kernel)) - half
        matrix /= np.sum(kernel * np.cos(offsets * 2.0 * step)) / kernel.sum()
    return matrix.astype("float32")


def lowpass_kernel(taps=LOWPASS_TAPS, cutoff=LOWPASS_CUTOFF):
    """A low-pass filter that takes nothing from b <= 2 and stops what is much faster.

    Every training curve has b <= 2, so anything faster in a generated curve
    is trembling. The binomial filter stops only the very fastest wobble and
    takes 5% from b = 2. This one is the ideal low-pass (a sinc) with its
    cut-off at b = `cutoff`, shortened to `taps` points with a Hann window.
    Scaled by `smoothing_matrix(..., full_gain=True)`, it passes b = 2 at 1
    and slower curves a little more (1.23 at b = 0.5), b = 4 at 0.49, b = 6
    at 0.11 and b = 8 at under 0.01. Because of that scaling its weights sum
    to 1.25, so a slow curve that `tanh` squares off can overshoot 1.
    """
    step = X_COORDS[1] - X_COORDS[0]
    k = np.arange(taps) - taps // 2
    window = 0.5 + 0.5 * np.cos(2 * np.pi * k / (taps - 1))
    return tuple(np.sinc(cutoff * step * k / np.pi) * window)


def build_improved_generator(changes=IMPROVED):
    """The slides' generator, followed by a frozen smoothing filter.

    `smooth_output`: a `Dense` layer without bias whose weights are
    `smoothing_matrix()` and which never trains. Jitter is filtered away
    before the discriminator sees it. `lowpass`: the same layer, with the
    low-pass filter of `lowpass_kernel()` in place of the binomial one.
    """
    from keras.layers import Dense

    generator = build_generator()
    if {"smooth_output", "lowpass"} & set(changes):
        smoothing = Dense(SAMPLE_LEN, use_bias=False, trainable=False, name="smoothing")
        generator.add(smoothing)
        matrix = (smoothing_matrix(lowpass_kernel(), full_gain=True) if "lowpass" in changes
                  else smoothing_matrix())
        smoothing.set_weights([matrix])
        generator.compile_from_config(generator.get_compile_config())
    return generator


"""
## The next lecture: `--variant wgan`

The slides' discriminator judges one curve at a time: is it real? A
generator can answer "yes" with the few curves it draws best, and nothing in
that verdict asks for the rest of the family (mode collapse). A Wasserstein
critic instead scores how far the generated distribution is from the real
one: its output has no sigmoid, and the distance it estimates, mean score of
real curves minus mean score of generated ones, only goes to zero when the
generator covers the whole family. The gradient penalty keeps the critic
smooth (its gradient norm near 1), which is what makes that difference a
distance (Gulrajani et al., 2017).

The networks are the slides': the generator through `build_generator()`,
followed by a frozen smoothing layer like the improved variant's (with a
low-pass filter), and the discriminator as a critic, without dropout and with
a linear output. The data, the noise bank, the figures, the monitor and the
outputs are the slides' too. Training is keras-io's `wgan_gp.py`: a
`keras.Model` that holds both networks, with its own `train_step`. The critic is first trained against the `NOISE` rows, as
the slides pretrain the discriminator.
"""


def build_critic():
    """The slides' discriminator as a Wasserstein critic: no dropout, a linear output."""
    from keras import Input
    from keras.layers import Dropout
    from keras.models import Sequential

    kept = [layer for layer in build_discriminator().layers if not isinstance(layer, Dropout)]
    configs = [layer.get_config() for layer in kept]
    configs[-1]["activation"] = "linear"  # a score, not a probability
    layers = [type(layer).from_config(config) for layer, config in zip(kept, configs)]
    return Sequential([Input(shape=(TRAIN_LEN,)), *layers], name="critic")


def build_wgan_generator():
    """The slides' generator with the improved variant's smoothing layer, as a low-pass filter.

    A critic whose gradient is kept near 1 can only punish small wobble a
    little (a wobble of 0.03 moves a curve by little, so its score by little
    too), so the generator is made unable to wobble: the filter of
    `lowpass_kernel()` stops what is much faster than the training curves.
    """
    return build_improved_generator(("lowpass",))


def gradient_penalty(critic, real, fake, alpha):
    """The mean of (|gradient of the critic| - 1)^2 at points between real and fake curves.

    `alpha` (one number in [0, 1] per row) says where on the line from each
    real curve to its fake one the critic is checked.
    """
    import tensorflow as tf

    mixed = real + alpha * (fake - real)
    with tf.GradientTape() as tape:
        tape.watch(mixed)
        score = critic(mixed, training=True)
    gradient = tape.gradient(score, mixed)
    norm = tf.sqrt(tf.reduce_sum(tf.square(gradient), axis=1) + 1e-12)
    return tf.reduce_mean(tf.square(norm - 1.0))


@functools.cache
def wgan_model_class():
    """The `WassersteinGAN` model class, defined on first use (it needs Keras)."""
    import keras
    import tensorflow as tf

    class WassersteinGAN(keras.Model):
        """A generator and a critic, trained with the Wasserstein loss and a gradient penalty.

        `train_on_batch(real)` takes `WGAN_CRITIC_STEPS` slices of real
        curves: one critic update on each, against fresh generated curves,
        then one generator update. `train_on_batch(real, fake)` makes one
        critic update against the given fake curves (the critic's pretraining).
        """

        def __init__(self, generator, critic, **kwargs):
            super().__init__(**kwargs)
            self.generator, self.critic = generator, critic
            self.seeds = keras.random.SeedGenerator()  # seeded by `seed_everything()`

        def compile(self):
            super().compile()
            self.critic_optimizer = keras.optimizers.Adam(WGAN_LEARNING_RATE, *WGAN_BETAS)
            self.generator_optimizer = keras.optimizers.Adam(WGAN_LEARNING_RATE, *WGAN_BETAS)
            # Built here: a compiled train step cannot create their variables.
            self.critic_optimizer.build(self.critic.trainable_variables)
            self.generator_optimizer.build(self.generator.trainable_variables)

        def fresh_noise(self, count):
            return keras.random.uniform((count, SAMPLE_LEN), Y_MIN, Y_MAX, seed=self.seeds)

        def critic_step(self, real, fake):
            alpha = keras.random.uniform((tf.shape(real)[0], 1), seed=self.seeds)
            with tf.GradientTape() as tape:
                distance = (tf.reduce_mean(self.critic(real, training=True))
                            - tf.reduce_mean(self.critic(fake, training=True)))
                penalty = gradient_penalty(self.critic, real, fake, alpha)
                loss = -distance + WGAN_PENALTY * penalty
            weights = self.critic.trainable_variables
            self.critic_optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
            return loss, distance

        def generator_step(self, count):
            with tf.GradientTape() as tape:
                fake = self.generator(self.fresh_noise(count), training=True)
                loss = -tf.reduce_mean(self.critic(fake, training=True))
            weights = self.generator.trainable_variables
            self.generator_optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
            return loss

        def train_step(self, data):
            data, fake, _ = keras.utils.unpack_x_y_sample_weight(data)
            if fake is not None:  # the critic's pretraining
                c_loss, distance = self.critic_step(data, fake)
                return {"c_loss": c_loss, "distance": distance}
            for real in tf.split(data, WGAN_CRITIC_STEPS):
                fake = self.generator(self.fresh_noise(tf.shape(real)[0]), training=True)
                c_loss, distance = self.critic_step(real, fake)
            g_loss = self.generator_step(tf.shape(data)[0] // WGAN_CRITIC_STEPS)
            return {"c_loss": c_loss, "distance": distance, "g_loss": g_loss}

    return WassersteinGAN


def build_wgan(generator, critic):
    """The Wasserstein GAN of `generator` and `critic`, compiled."""
    wgan = wgan_model_class()(generator, critic, name="wgan")
    wgan.compile()
    return wgan


def pretrain_critic(wgan, X_TRAIN, NOISE, epochs=PRETRAIN_EPOCHS):
    """The critic's first lesson, as the slides' pretraining: sinusoids against `NOISE` rows.

    One update per epoch on 64 of each, and a table of the critic's estimate
    of the Wasserstein distance, which grows as it learns to tell them apart.
    """
    distances = []
    print(" epoca | stima di Wasserstein ")
    for i in range(epochs):
        n = randint(0, TRAIN_SIZE, size=BATCH_SIZE // 2)
        losses = wgan.train_on_batch(X_TRAIN[n], NOISE[n], return_dict=True)
        distances.append(losses["distance"])
        print(f"    {i:3} | {losses['distance']:20.5f}")
    return distances


def plot_critic_pretraining(distances):
    """The critic's pretraining table as a curve."""
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(1, 1)
    axis.plot(range(len(distances)), distances, marker="o")
    axis.set_title("Addestramento del critico")
    axis.set_xlabel("epoca")
    axis.set_ylabel("stima della distanza di Wasserstein")
    return fig


def train_wgan(wgan, X_TRAIN, epochs, monitor):
    """The Wasserstein training loop: `WGAN_STEPS_PER_EPOCH` generator updates an epoch.

    Each update takes `WGAN_CRITIC_STEPS` batches of 64 real curves, one per
    critic update. The table shows the critic's estimate of the distance; the
    monitor is the slides' loop's.
    """
    print(" epoca | stima di Wasserstein " + monitor.HEADER)
    for e in range(epochs):
        for k in range(WGAN_STEPS_PER_EPOCH):
            n = randint(0, TRAIN_SIZE, size=WGAN_CRITIC_STEPS * BATCH // 2)
            losses = wgan.train_on_batch(X_TRAIN[n], return_dict=True)
            if monitor.should_stop(e, k, losses["c_loss"], losses["g_loss"]):
                return
        scores = monitor.end_epoch(wgan.generator, e, **losses)
        print(f"    {e:03n} | {losses['distance']:20.5f}" + scores, flush=True)


def run_wgan(monitor, epochs=EPOCHS, pretrain_epochs=PRETRAIN_EPOCHS,
             build_critic=build_critic, build_generator=build_wgan_generator):
    """The deck's six steps with a critic in place of the discriminator.

    Returns what `run_slides()` returns; the critic stands in the discriminator's place.
    """
    X_TRAIN = make_dataset()
    figures = {"dataset.png": plot_dataset(X_TRAIN)}
    critic = build_critic()
    NOISE = make_noise()
    generator = build_generator()
    wgan = build_wgan(generator, critic)
    distances = pretrain_critic(wgan, X_TRAIN, NOISE, pretrain_epochs)
    figures["pretraining.png"] = plot_critic_pretraining(distances)
    train_wgan(wgan, X_TRAIN, epochs, monitor)
    figures["sample.png"] = plot_sample(generate(generator)[0])
    figures["evolution.png"] = plot_evolution(monitor.snapshots, monitor.history,
                                              X_TRAIN[:PROBE_SHOWN])
    return {"generator": generator, "discriminator": critic, "X_TRAIN": X_TRAIN,
            "accuracies": distances, "figures": figures}


VARIANTS = {
    "slides": (build_discriminator, build_generator),
    "improved": (build_improved_discriminator, build_improved_generator),
    "wgan": (build_critic, build_wgan_generator),
}


def builders_for(config):
    """The two builders of a variant, or of changes joined by '+' (for benchmarks)."""
    if config in VARIANTS:
        return VARIANTS[config]
    changes = tuple(config.split("+"))
    unknown = set(changes) - set(IMPROVEMENTS)
    if unknown:
        raise ValueError(f"unknown change {sorted(unknown)}; known: {', '.join(IMPROVEMENTS)}")
    return (functools.partial(build_improved_discriminator, changes),
            functools.partial(build_improved_generator, changes))


"""
## Writing results, safely

Every file is written under a temporary name in the same folder, then
renamed: an interrupted run never leaves half a PNG, CSV or model behind. A
run only writes into a folder that is new, empty or holds an earlier run of
sine-gan, and never overwrites a file that sine-gan did not write.
"""


class UsageError(Exception):
    """A mistake in what the user asked for: one line, exit 2."""


class OutputError(Exception):
    """An output file could not be written (disk full, permissions): one line, exit 3."""


class BackendError(Exception):
    """TensorFlow or Keras could not be loaded: one line, exit 4."""


class Interrupted(BaseException):
    """A stop signal outside the part of the run that finishes its work first.

    A `BaseException`, like `KeyboardInterrupt`, so that library code's
    `except Exception` cannot swallow it.
    """

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def signal_behind(err):
    """The stop signal that `err` is, or was raised from; None if there is none.

    Library code may turn ours into another exception (Python 3.11 wraps any
    exception raised while a class is created in a `RuntimeError`), so the
    whole chain of causes is searched.
    """
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        if isinstance(err, Interrupted):
            return err.signum
        if isinstance(err, KeyboardInterrupt):
            return signal.SIGINT
        err = err.__cause__ or err.__context__
    return None


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside `path`; rename it to `path` on success.

    The temporary file is removed on every way out; a failed write becomes an
    `OutputError` that names the file.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as err:
        raise OutputError(f"cannot write {path}: {err.strerror or err}") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def save_figure(fig, path):
    """Write a figure as PNG, atomically. Returns the path."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=Path(path).suffix[1:], dpi=100)
    return Path(path)


def save_text(text, path):
    """Write a CSV or JSON text, atomically. Returns the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def save_model(model, path):
    """Write a `.keras` model, atomically. Returns the path.

    Keras stages parts of the file in a folder of the system's temp folder
    and leaves it there when a write fails; here that folder lives beside the
    output and is always removed.
    """
    path = Path(path)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and not optimizer.built:
        # A compiled model that never trained itself (the generator: only the
        # GAN trains it) has no optimizer state, and Keras warns on loading.
        optimizer.build(model.trainable_variables)
    with atomic_path(path) as tmp, tempfile.TemporaryDirectory(dir=path.parent,
                                                                prefix=".keras-") as scratch:
        previous, tempfile.tempdir = tempfile.tempdir, scratch
        try:
            model.save(tmp)
        finally:
            tempfile.tempdir = previous
    return Path(path)


def history_csv(history):
    """The training history, one row per epoch, as CSV text."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(history[0]) if history else HISTORY_FIELDS,
                            lineterminator="\n")
    writer.writeheader()
    for row in history:
        writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
    return out.getvalue()


def versions():
    """The versions that a run reports and records in `metrics.json`.

    The first import of TensorFlow and Keras in a run: if they cannot load (a
    broken install, no usable temporary folder), a `BackendError` says why.
    """
    try:
        import keras
        import tensorflow as tf
    except Exception as err:
        if signal_behind(err) is not None:
            raise  # a signal, turned into another exception by the import
        reason = first_sentences(str(err)) or type(err).__name__
        raise BackendError(f"TensorFlow could not be loaded ({reason})") from None
    return {"python": platform.python_version(), "tensorflow": tf.__version__,
            "keras": keras.__version__, "numpy": np.__version__}


@contextlib.contextmanager
def _locked(out):
    """Hold the folder's lock file for this run; a second run is refused at once.

    The operating system releases the lock when the process ends, however it
    ends, so a crashed run never leaves a stale lock.
    """
    path = out / LOCK
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as err:
        raise UsageError(f"--out {out}: cannot create a file there ({err.strerror})") from None
    try:
        try:
            if sys.platform == "win32":
                import msvcrt
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise UsageError(f"--out {out}: another sine-gan run is writing there; "
                             "wait for it or choose another folder") from None
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                path.unlink()  # before closing, while the lock is still held
    finally:
        os.close(fd)


def read_manifest(path):
    """The file names in a folder's manifest; none if it is missing or unreadable.

    An unreadable manifest vouches for nothing, so every existing output
    file then counts as not sine-gan's.
    """
    try:
        names = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()


def _forget_earlier_run(out, ours, written):
    """Remove the files an earlier run wrote in `out` and this one did not rewrite.

    Only names in the manifest are touched: those files are sine-gan's.
    """
    for name in sorted(ours - {p.name for p in written}):
        stale = out / name
        if (name == Path(name).name and name not in (MANIFEST, LOCK)
                and (stale.is_file() or stale.is_symlink())):
            with contextlib.suppress(OSError):
                stale.unlink()


@contextlib.contextmanager
def output_folder(path, names, force=False):
    """Check, create and lock the output folder; yield it and a list of files written.

    A file in `names` that exists but is not in the folder's manifest (the
    files sine-gan wrote there) is not sine-gan's: refuse, unless `force`.
    On the way out, if this run wrote anything, the folder is made to hold
    this run alone: what an earlier run wrote and this one did not rewrite is
    removed, and the manifest lists this run's files. Every folder this run
    created and left empty is removed.
    """
    out = Path(path)
    for parent in [out, *out.parents]:
        if parent.is_symlink() and not parent.exists():
            raise UsageError(f"--out {out}: {parent} is a broken symbolic link")
        if parent.exists() and not parent.is_dir():
            what = "is a file" if parent == out else f"lies under a file ({parent})"
            raise UsageError(f"--out {out}: {what}")
    created = [p for p in [out, *out.parents] if not p.exists()]  # deepest first
    try:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise UsageError(f"--out {out}: cannot create it ({err.strerror})") from None
        written = []
        with _locked(out):
            manifest = out / MANIFEST
            ours = read_manifest(manifest)
            theirs = [name for name in names if name not in ours
                      and ((out / name).exists() or (out / name).is_symlink())]
            if theirs and not force:
                raise UsageError(f"--out {out}: {', '.join(theirs)} already there and not "
                                 "written by sine-gan; choose another folder, or add --force "
                                 "to overwrite")
            try:
                yield out, written
            finally:
                if written:
                    _forget_earlier_run(out, ours, written)
                    names_written = sorted({p.name for p in written})
                    save_text(json.dumps(names_written, indent=0) + "\n", manifest)
    finally:
        for folder in created:
            try:
                folder.rmdir()  # only succeeds if nothing is in it
            except OSError:
                break


"""
## Training and writing a run
"""


def seed_everything(seed):
    """Same seed, same run: Python, NumPy and TensorFlow, deterministic ops."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)  # seeds random, numpy.random and TF
    tf.config.experimental.enable_op_determinism()


@contextlib.contextmanager
def deferred_signals():
    """Within: stop signals are recorded in the yielded list, not raised.

    Training stops after its current step and the run writes what it has.
    A second signal does not wait: it raises `Interrupted` at once.
    """
    received = []

    def record(signum, frame):
        _leave_closed_terminal(signum)
        if received:
            raise Interrupted(signum)
        received.append(signum)

    with handled_signals(record):
        yield received


@contextlib.contextmanager
def handled_signals(handler):
    """Handle the stop signals with `handler` inside the block, then restore the caller's.

    Only the main thread can handle signals: called from another thread (a
    notebook's worker, say), the block runs without them.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def _leave_closed_terminal(signum, fds=(1, 2)):
    """After SIGHUP, write to /dev/null instead of a terminal that has gone.

    Writing to a closed terminal fails, and would stop the run before it has
    written its files. Output to a file or a pipe still goes there.
    """
    if signum != getattr(signal, "SIGHUP", None):
        return
    for fd in fds:
        with contextlib.suppress(OSError):
            if stat.S_ISCHR(os.fstat(fd).st_mode):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, fd)
                os.close(devnull)


def _raise_interrupted(signum, frame):
    _leave_closed_terminal(signum)
    raise Interrupted(signum)


def start_run(seed, epochs, signals=()):
    """Seed everything and make the run's monitor. Returns it and the scoring generator.

    Probe and evaluation noise come from their own generator, so that
    scoring never shifts the slides' random draws.
    """
    seed_everything(seed)
    rng = np.random.default_rng([seed, 1])
    probe = rng.uniform(Y_MIN, Y_MAX, (PROBE_SIZE, SAMPLE_LEN))
    return TrainingMonitor(probe, epochs, signals), rng


def final_report(generator, X_TRAIN, rng):
    """Score `EVAL_SIZE` fresh curves against as many real ones; see `sine_report()`."""
    fake = generate(generator, EVAL_SIZE, rng=rng)
    real = X_TRAIN[rng.choice(TRAIN_SIZE, EVAL_SIZE, replace=False)]
    return sine_report(fake, real)


def train(out, written, config="slides", seed=DEFAULT_SEED, epochs=EPOCHS,
          pretrain_epochs=PRETRAIN_EPOCHS):
    """Train a variant (or a benchmark's `config`), write its files. Returns the exit code."""
    build_d, build_g = builders_for(config)
    with deferred_signals() as signals:
        monitor, rng = start_run(seed, epochs, signals)
        steps = run_wgan if config == "wgan" else run_slides
        run = steps(monitor, epochs, pretrain_epochs, build_d, build_g)
        if signals:
            print(f"{STOP_SIGNALS[signals[0]]}: keeping the {len(monitor.history)} "
                  "finished epochs.", file=sys.stderr)
        elif monitor.diverged:
            print(f"error: {monitor.stopped}", file=sys.stderr)
        settings = {"variant": config, "seed": seed, "epochs": epochs,
                    "epochs_done": len(monitor.history), "pretrain_epochs": pretrain_epochs}
        write_run(out, written, run, monitor, rng, settings)
    if signals:
        return 128 + signals[0]
    return EXIT_DIVERGED if monitor.diverged else EXIT_OK


def write_run(out, written, run, monitor, rng, settings):
    """Write a run's figures, history, scores and models into `out`.

    Only what exists is written: no history before the first epoch, and no
    sample, scores or models after a NaN loss.
    """
    figures, history = run["figures"], monitor.history
    if not run["accuracies"]:
        del figures["pretraining.png"]
    if not history:
        del figures["evolution.png"]
    if monitor.diverged:
        del figures["sample.png"]
    else:
        report, fits = final_report(run["generator"], run["X_TRAIN"], rng)
        figures["frequencies.png"] = plot_frequencies(*fits, report["frequency_w1"])
        figures["coverage.png"] = plot_coverage(*fits)
    if history:
        figures["training_history.png"] = plot_history(history)
    for name, fig in figures.items():
        written.append(save_figure(fig, out / name))
    if history:
        written.append(save_evolution_gif(out / "evolution.gif", monitor.snapshots, history))
        written.append(save_text(history_csv(history), out / "history.csv"))
    if monitor.diverged:
        return
    metrics = {"report": report, "settings": settings, "versions": versions()}
    written.append(save_text(json.dumps(metrics, indent=2) + "\n", out / "metrics.json"))
    print("Final score on " + describe_report(report, EVAL_SIZE))
    written.append(save_model(run["generator"], out / "generator.keras"))
    # Saved trainable, as it was compiled: the last step left it frozen.
    run["discriminator"].trainable = True
    written.append(save_model(run["discriminator"], out / "discriminator.keras"))


"""
## Drawing curves with a saved generator: `--generate N --model PATH`
"""


def first_sentences(text, limit=300):
    """The first whole sentences of `text` that fit in `limit` characters (at least one)."""
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    kept = sentences[0]
    for sentence in sentences[1:]:
        if len(kept) + 1 + len(sentence) > limit:
            break
        kept += " " + sentence
    return kept


def load_generator(path):
    """Load a saved generator, safely, or say in one line what is wrong.

    The file must be a regular `.keras` archive (a FIFO or a device would
    hang the reader), and the model must map a batch of 64 numbers to one
    float array of 64 numbers per row.
    """
    path = Path(path)
    if path.is_symlink() and not path.exists():
        raise UsageError(f"--model {path}: a broken symbolic link")
    if not path.exists():
        raise UsageError(f"--model {path}: no such file")
    if not stat.S_ISREG(path.stat().st_mode) or path.suffix != ".keras":
        raise UsageError(f"--model {path}: not a .keras model file")
    if not zipfile.is_zipfile(path):
        raise UsageError(f"--model {path}: corrupt (not a .keras archive)")
    check_archive_sizes(path)
    import keras

    try:
        # safe_mode refuses model files that would run code when loaded.
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
        output = model.predict_on_batch(np.zeros((2, SAMPLE_LEN), dtype="float32"))
    except Exception as err:  # Keras raises many kinds; all mean "unusable"
        reason = first_sentences(str(err)) or type(err).__name__
        raise UsageError(f"--model {path}: cannot be used ({reason})") from None
    if not (isinstance(output, np.ndarray) and output.shape == (2, SAMPLE_LEN)
            and np.issubdtype(output.dtype, np.floating)):
        got = output.shape if isinstance(output, np.ndarray) else type(output).__name__
        raise UsageError(f"--model {path}: not a generator with {SAMPLE_LEN} inputs and "
                         f"{SAMPLE_LEN} float outputs (it gives {got})")
    return model


def check_archive_sizes(path):
    """Refuse a `.keras` archive whose entries declare implausible sizes.

    Python's zip reader never returns more bytes than an entry declares, so
    checking the declared sizes before Keras reads anything bounds the memory
    that loading can take, whatever the file holds.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise UsageError(f"--model {path}: corrupt ({err})") from None
    if len(entries) > MODEL_ENTRIES_MAX:
        raise UsageError(f"--model {path}: {len(entries):,} entries, more than a model of "
                         f"this project ({MODEL_ENTRIES_MAX} at most)")
    total = 0
    for entry in entries:
        total += entry.file_size
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > MODEL_ENTRY_MAX_BYTES or total > MODEL_TOTAL_MAX_BYTES:
            raise UsageError(f"--model {path}: entry {entry.filename} declares "
                             f"{entry.file_size:,} bytes, far more than a model of this project")
        if entry.file_size > 2**20 and ratio > MODEL_RATIO_MAX:
            raise UsageError(f"--model {path}: entry {entry.filename} expands {ratio:,.0f} "
                             "times, which no model of this project does")


def generate_to_csv(generator, count, seed, csv_path, model_path):
    """Draw `count` curves in chunks and write them as CSV, atomically.

    Memory stays bounded at any `count`. Returns the first 16 curves (for the
    figure) and at most `GENERATE_SCORED` curves picked at random (for the
    score). Non-finite output is a `UsageError`, with nothing written.
    """
    rng = np.random.default_rng(seed)
    scored_rows = np.sort(np.random.default_rng([seed, 2]).choice(
        count, min(count, GENERATE_SCORED), replace=False))
    first, scored = [], []
    with atomic_path(csv_path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerow([f"{x:.6g}" for x in X_COORDS])
        for start in range(0, count, GENERATE_CHUNK):
            size = min(GENERATE_CHUNK, count - start)
            curves = generate(generator, size, rng=rng)
            if not np.all(np.isfinite(curves)):
                raise UsageError(f"--model {model_path}: the generator gave NaN or infinite values "
                                 f"(in curves {start + 1:,} to {start + size:,}); nothing written")
            np.savetxt(f, curves, fmt="%.6g", delimiter=",")
            first.extend(curves[:16 - len(first)])
            picked = scored_rows[(scored_rows >= start) & (scored_rows < start + size)]
            scored.append(curves[picked - start])
            if count > 10 * GENERATE_CHUNK and (start + size) % (10 * GENERATE_CHUNK) == 0:
                print(f"  {start + size:,} of {count:,} curves written", flush=True)
    return np.array(first), np.concatenate(scored)


def generate_and_write(out, written, model, count, seed):
    """`--generate N`: curves from a saved generator, as CSV and PNG, and their score."""
    generator = load_generator(model)
    first, scored = generate_to_csv(generator, count, seed, out / "generated.csv", model)
    written.append(out / "generated.csv")
    written.append(save_figure(plot_generated(first), out / "generated.png"))
    subset = "" if len(scored) == count else f"a random {len(scored):,} of the "
    print(f"Score of {subset}" + describe_report(r2_summary(sine_fit(scored)["r2"]), count))
    return EXIT_OK


"""
## The command line
"""


def whole_number(minimum, maximum):
    """An argparse type: a whole number from `minimum` to `maximum`."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"must be between {minimum} and {maximum}, got {value}")
        return value

    return parse


def folder_name(text):
    """An argparse type: a folder path, not empty."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must name a folder, got an empty string")
    return text


def parse_args(argv):
    """The command line; argparse reports mistakes itself, with exit code 2."""
    parser = argparse.ArgumentParser(
        prog="sine_gan.py",
        description="Train the slides' GAN that draws sinusoids, or draw curves "
        "with a generator trained before.",
        epilog="Exit codes: 0 done, 1 training diverged, 2 usage or bad input, "
        "3 an output could not be written, 4 TensorFlow could not be loaded, "
        "129 a closed terminal (SIGHUP), 130 Ctrl-C, 143 SIGTERM.",
    )
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="slides",
                        help="slides: the deck's GAN (default); improved: the same GAN with "
                        "fixes for the trembling hand and the narrow frequency range; wgan: the "
                        "slides' networks trained as a Wasserstein GAN")
    parser.add_argument("--epochs", type=whole_number(0, 100_000), default=EPOCHS,
                        help=f"GAN training epochs; 0 means pretraining only (default {EPOCHS})")
    parser.add_argument("--pretrain-epochs", type=whole_number(0, 100_000),
                        default=PRETRAIN_EPOCHS,
                        help=f"discriminator pretraining epochs (default {PRETRAIN_EPOCHS})")
    parser.add_argument("--seed", type=whole_number(0, 2**32 - 1), default=DEFAULT_SEED,
                        help=f"random seed; the same seed gives the same run (default {DEFAULT_SEED})")
    parser.add_argument("--out", type=folder_name, default=DEFAULT_OUT,
                        help=f"folder for figures, tables and models (default {DEFAULT_OUT}/)")
    parser.add_argument("--force", action="store_true",
                        help="overwrite files in --out that sine-gan did not write")
    parser.add_argument("--show", action="store_true",
                        help="also open the figures in a window, as the slides' plt.show()")
    parser.add_argument("--generate", type=whole_number(1, 1_000_000), metavar="N",
                        help="no training: draw N curves with the generator given by --model")
    parser.add_argument("--model", metavar="PATH",
                        help="a generator saved by an earlier run, e.g. outputs/generator.keras")
    args = parser.parse_args(argv)
    if args.generate is not None and args.model is None:
        parser.error("--generate needs --model PATH")
    if args.model is not None and args.generate is None:
        parser.error("--model is only used with --generate N")
    return args


def choose_backend(show):
    """Decide whether the figures go to windows too, and pick Matplotlib's backend.

    Windows only for `--show` with a display. Run as a script, Matplotlib
    draws with Agg unless windows are wanted; called from Python (a notebook,
    say), the caller's backend is left as it is.
    """
    import matplotlib

    no_display = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if show and no_display:
        print("warning: --show needs a display and none was found; the figures are "
              "saved as PNG files only", file=sys.stderr)
    if __name__ == "__main__" and (not show or no_display):
        matplotlib.use("Agg")
    return show and not no_display


@contextlib.contextmanager
def own_figures():
    """Within: the figures made are this run's. On the way out those are
    closed, and the caller's figures are left open."""
    def open_figures():
        pyplot = sys.modules.get("matplotlib.pyplot")
        return set(pyplot.get_fignums()) if pyplot else set()

    before = open_figures()
    try:
        yield
    finally:
        for number in open_figures() - before:
            sys.modules["matplotlib.pyplot"].close(number)


@contextlib.contextmanager
def tolerant_output():
    """Within: stdout and stderr replace what their encoding cannot show (R², say).

    An ASCII console then prints "R?" instead of stopping the run.
    """
    changed = []
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
            changed.append(stream)
    try:
        yield
    finally:
        for stream in changed:
            with contextlib.suppress(OSError, ValueError):
                stream.reconfigure(errors="strict")


def exit_code_for(err):
    """The exit code for an exception that ended a run, after saying why in one line.

    None if it is not one that a run expects: a bug, to be reported in full.
    """
    signum = signal_behind(err)
    if signum is not None:
        print(f"{STOP_SIGNALS.get(signum, 'Interrupted')}: stopped before the run could "
              "finish; every file written is complete.", file=sys.stderr)
        return 128 + signum
    codes = {UsageError: EXIT_USAGE, OutputError: EXIT_WRITE, BackendError: EXIT_BACKEND}
    if type(err) not in codes:
        return None
    print(f"sine_gan.py: error: {err}", file=sys.stderr)
    return codes[type(err)]


def main(argv=None):
    """Run the slides from start to end, or `--generate`. Returns the exit code.

    Safe to call from a notebook or a script, more than once: usage errors
    are returned, not raised, and the caller's figures, Matplotlib backend
    and signal handlers are as they were afterwards.
    """
    with tolerant_output(), own_figures():
        try:
            args = parse_args(argv)
        except SystemExit as stop:  # argparse has printed the help, or the mistake
            return stop.code
        return run_main(args)


def run_main(args):
    """`main()` once the arguments are good: the run, its outputs and its last lines."""
    start = time.perf_counter()
    names = GENERATE_FILES if args.generate is not None else TRAINING_FILES
    try:
        with handled_signals(_raise_interrupted):
            show = choose_backend(args.show)
            with output_folder(args.out, names, args.force) as (out, written):
                # The variant shapes training only; --generate takes the model as it is.
                variant = "" if args.generate is not None else f"variant {args.variant}, "
                print(f"sine-gan: {variant}seed {args.seed}, outputs in "
                      f"{os.path.abspath(out)}{os.sep}")
                print("versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()),
                      flush=True)
                if args.generate is not None:
                    code = generate_and_write(out, written, args.model, args.generate, args.seed)
                else:
                    code = train(out, written, args.variant, args.seed, args.epochs,
                                 args.pretrain_epochs)
    except BaseException as err:
        code = exit_code_for(err)
        if code is None:
            raise
        return code
    print(f"Done in {time.perf_counter() - start:.1f} s. Files written:")
    for path in written:
        print(f"  {path}")
    if show:
        import matplotlib.pyplot as plt

        plt.show()
    return code


def run_command_line():
    """`main()` as a script: a reader that closes the pipe early ends it quietly."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would complain again while flushing stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_BROKEN_PIPE
    sys.exit(code)


if __name__ == "__main__":
    run_command_line()
