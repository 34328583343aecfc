"""
Title: Imparare a generare -- a GAN that draws sinusoids
Based on: "Imparare a generare: introduzione alle GAN", Paolo Caressa, PhD
Description: the slides' GAN, step by step, on Keras 3 and TensorFlow.

A generator learns to turn 64 random numbers into a sinusoid, by trying to
fool a discriminator that learns to tell real sinusoids from fakes. Each
section below is one slide of the deck, in the deck's order, with the deck's
names (`X_TRAIN`, `X_COORDS`, `NOISE`, `ONEZEROS`, ...) and hyperparameters.

Run it with `python sine_gan.py` (under a minute on two CPU cores);
`python sine_gan.py --help` lists the options.
"""

import argparse
import contextlib
import csv
import functools
import io
import json
import math
import os
import platform
import signal
import sys
import time
import zipfile
from pathlib import Path

# Set before TensorFlow is imported: quiet its start-up chatter, and use its
# own kernels rather than oneDNN's, which cost more than they save on these
# tiny layers (measured: about 15% per training step, see the README).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import matplotlib

if "--show" not in sys.argv[1:]:
    # Headless by default: PNGs on disk, no window needed.
    matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from numpy.random import randint, uniform

import keras
import tensorflow as tf
from keras.layers import Dense, Dropout
from keras.models import Sequential

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
DIS_DROPOUT = 0.4

BATCH_SIZE = 128  # discriminator pretraining batch
PRETRAIN_EPOCHS = 32  # the slides' first `EPOCHS`
EPOCHS = 64  # the slides' second `EPOCHS`

# Labels: 1 for a real sinusoid, 0 for a fake. float32 is what the networks
# compute in; fixing it keeps Keras's compiled train steps from retracing.
ONES = np.ones((BATCH_SIZE // 2), dtype="float32")  # vettore di label 1
ZEROS = np.zeros((BATCH_SIZE // 2), dtype="float32")  # vettore di label 0
ONEZEROS = (ONES, ZEROS)

DEFAULT_SEED = 1
DEFAULT_OUT = "outputs"
PROBE_SIZE = 256  # generated curves scored after every epoch
PROBE_SHOWN = 4  # of those, how many the evolution figure draws
EVAL_SIZE = 1000  # generated and real curves in the final report
EVOLUTION_EPOCHS = (1, 2, 4, 8, 16, 32, 64)
FIT_FREQUENCIES = np.linspace(0.05, 4.0, 791)  # grid step 0.005
GOOD_R2 = 0.9  # a curve with R^2 >= 0.9 counts as a sinusoid

# Beyond the slides: the changes each `--variant` makes to the networks.
VARIANTS = {
    "slides": (),
    "improved": ("conv_front", "minibatch_std", "smooth_output"),
}
MBSTD_GROUP = 4  # rows per minibatch-std group; 64 real rows = 16 whole groups
SMOOTH_WIDTH = 5  # points averaged by the generator's smoothing output

# Exit codes of the command line.
EXIT_OK, EXIT_DIVERGED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(Exception):
    """A mistake in what the user asked for: reported in one line, exit 2."""


"""
## Un dataset di sinusoidi

Every training case is the graph of `y = sin(scale * x + phase)`, sampled on
the 64 points of `X_COORDS`.
"""


def make_dataset():
    """Generazione del dataset -- build the training set of sinusoids.

    Returns `(X_COORDS, X_TRAIN)`. The random draws are the slides', in the
    slides' order: for each curve one `scale` then one `phase`.
    `uniform(np.pi)` reads as `uniform(low=np.pi, high=1.0)`, so phases fall
    in (1, pi]; that is what the slides' code does, so we keep it.
    """
    X_COORDS = np.linspace(X_MIN, X_MAX, TRAIN_LEN)
    X_TRAIN = np.zeros((TRAIN_SIZE, TRAIN_LEN), dtype="float32")
    for i in range(0, TRAIN_SIZE):
        scale = uniform(0.5, 2.0)
        phase = uniform(np.pi)
        # The slides build this row point by point; NumPy does it in one go.
        X_TRAIN[i] = np.sin(scale * X_COORDS + phase)
    return X_COORDS, X_TRAIN


def plot_dataset(X_COORDS, X_TRAIN):
    """Visualizziamo il dataset -- draw the first eight curves.

    The figure of the slide "Esempi di sinusoidi".
    """
    fig, axis = plt.subplots(1, 1)
    for i in range(8):
        axis.plot(X_COORDS, X_TRAIN[i])
    axis.set_title("Esempi di sinusoidi")
    axis.set_xlabel("x")
    axis.set_ylabel("y")
    return fig


"""
## Il discriminatore

A small dense network: 64 inputs (one curve), two ReLU layers of 64 units
with dropout, and one sigmoid output, the probability that the curve is real.
"""


def build_discriminator(changes=()):
    """Definizione del discriminatore -- the network that judges curves.

    8,385 parameters. The `Input` layer is not in the slides: with it Keras 3
    builds the model at once, with the same layers and initializers.
    `changes` adds the front of the improved variant (see "Beyond the slides").
    """
    discriminator = Sequential(name="discriminator")
    discriminator.add(keras.Input(shape=(TRAIN_LEN,)))
    for layer in discriminator_front(changes):
        discriminator.add(layer)
    discriminator.add(Dense(TRAIN_LEN, activation="relu"))
    discriminator.add(Dropout(DIS_DROPOUT))
    discriminator.add(Dense(SAMPLE_LEN, activation="relu"))
    discriminator.add(Dropout(DIS_DROPOUT))
    discriminator.add(Dense(1, activation="sigmoid"))
    discriminator.compile(
        optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"]
    )
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
    y = np.concatenate(ONEZEROS)
    accuracies = []
    print(" epoca | accuratezza ")
    for i in range(epochs):
        # Sceglie BATCH_SIZE//2 indici e li torna in n
        n = randint(0, TRAIN_SIZE, size=BATCH_SIZE // 2)
        x = np.concatenate((X_TRAIN[n], NOISE[n]))
        dummy, acc = discriminator.train_on_batch(x, y)
        accuracies.append(acc)
        print(f"    {i:3} |    {acc}")
    return accuracies


def plot_pretraining(accuracies):
    """Output dell'addestramento -- the pretraining table as a curve."""
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
## Il generatore e la GAN

The generator maps a curve of noise to a curve: 64 inputs, 256 hidden units,
64 `tanh` outputs, so every value lands in [-1, 1] like a sinusoid's. The GAN
is the generator followed by the frozen discriminator.
"""


def build_generator(changes=()):
    """Definizione del generatore e della GAN -- the forger, 37,248 parameters.

    Compiled with adam and mse as in the slides, though only the GAN trains it.
    `changes` may add the improved variant's smoothing output.
    """
    smooth = "smooth_output" in changes
    generator = Sequential(name="generator")
    generator.add(keras.Input(shape=(SAMPLE_LEN,)))
    generator.add(Dense(SAMPLE_LEN, activation="relu"))
    generator.add(Dense(256, activation="relu"))
    generator.add(Dense(SAMPLE_LEN + (SMOOTH_WIDTH - 1 if smooth else 0), activation="tanh"))
    if smooth:
        for layer in smoothing_output():
            generator.add(layer)
    generator.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
    return generator


def build_gan(generator, discriminator):
    """Definizione del generatore e della GAN -- generator, then discriminator.

    `discriminator.trainable = False` before compiling: the GAN's train step
    is traced with the discriminator frozen, so it only moves the generator.
    """
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


def discriminator_step(discriminator, x):
    """Addestramento della GAN -- one step of the discriminator.

    `x` holds 64 real curves then 64 generated ones.
    """
    discriminator.trainable = True
    d_loss, d_acc = discriminator.train_on_batch(x, np.concatenate(ONEZEROS))
    discriminator.trainable = False
    return d_loss, d_acc


def generator_step(gan, noise):
    """Addestramento della GAN -- one step of the generator, through the GAN.

    The labels say "real": the generator is rewarded for fooling the judge.
    """
    g_loss, g_acc = gan.train_on_batch(noise, ONES)
    return g_loss, g_acc


def fake_curves(generator, noise):
    """Addestramento della GAN -- the generator's curves for some noise.

    The slides call `generator.predict`, which sets up a data pipeline and a
    progress bar on every call: about 90% of the run's time. `predict_on_batch`
    runs the same compiled forward pass and gives the same values.
    """
    return generator.predict_on_batch(noise)


@contextlib.contextmanager
def stop_on_ctrl_c():
    """Turn Ctrl-C during training into a request to stop after the current step.

    Yields a flag object whose `requested` attribute the training loop checks.
    """
    flag = argparse.Namespace(requested=False)

    def handler(signum, frame):
        flag.requested = True

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread: Ctrl-C keeps its usual meaning
        previous = None
    try:
        yield flag
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def train_gan(
    generator,
    discriminator,
    gan,
    X_COORDS,
    X_TRAIN,
    NOISE,
    epochs=EPOCHS,
    probe=None,
    interrupt=None,
):
    """Addestramento della GAN -- the adversarial training loop.

    `epochs` x `TRAIN_SIZE // BATCH` steps and the slides' table, one line per
    epoch with the last step's accuracies. After the slides' columns come the
    median R^2 of the `probe` curves (how sinusoidal the generator's output
    is), the time so far and an estimate of the time left.

    Returns a dict: `history` (one row per finished epoch), `snapshots`
    (generator output for the first `PROBE_SHOWN` probe rows, per epoch),
    `stopped` (None, "interrupted" or a message about a diverged loss).
    """
    if probe is None:
        probe = np.random.default_rng(0).uniform(Y_MIN, Y_MAX, (PROBE_SIZE, SAMPLE_LEN))
    probe = np.asarray(probe, dtype="float32")
    steps = TRAIN_SIZE // BATCH
    history, snapshots, stopped = [], [], None
    start = time.perf_counter()
    print(
        " epoca | accuratezza discrimin. | accuratezza generatore "
        "| R² mediano | tempo  | residuo"
    )
    for e in range(epochs):
        for k in range(steps):
            n = randint(0, TRAIN_SIZE, size=BATCH // 2)
            x = np.concatenate((X_TRAIN[n], fake_curves(generator, NOISE[n])))
            d_loss, d_acc = discriminator_step(discriminator, x)
            g_loss, g_acc = generator_step(gan, NOISE[n])
            if not (math.isfinite(d_loss) and math.isfinite(g_loss)):
                stopped = (
                    f"training diverged at epoch {e}, step {k}: "
                    f"d_loss={d_loss}, g_loss={g_loss}"
                )
                break
            if interrupt is not None and interrupt.requested:
                stopped = "interrupted"
                break
        if stopped:
            break
        curves = fake_curves(generator, probe)
        r2 = sine_fit(curves, X_COORDS)["r2"]
        elapsed = time.perf_counter() - start
        left = elapsed / (e + 1) * (epochs - e - 1)
        history.append(
            {
                "epoch": e + 1,
                "d_loss": float(d_loss),
                "d_acc": float(d_acc),
                "g_loss": float(g_loss),
                "g_acc": float(g_acc),
                "median_r2": float(np.median(r2)),
                "share_r2_ge_0.9": float(np.mean(r2 >= GOOD_R2)),
                "seconds": round(elapsed, 3),
            }
        )
        snapshots.append(curves[:PROBE_SHOWN])
        print(
            f"    {e:03n} |                {d_acc:.5f} |                {g_acc:.5f}"
            f" | {history[-1]['median_r2']:10.4f} | {elapsed:5.1f}s | {left:5.1f}s",
            flush=True,
        )
    return {"history": history, "snapshots": snapshots, "stopped": stopped}


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
    return fake_curves(generator, x.astype("float32"))


def plot_sample(X_COORDS, y):
    """Sinusoide prodotta dalla GAN -- one generated curve."""
    fig, axis = plt.subplots(1, 1)
    axis.plot(X_COORDS, y)
    axis.set_title("Sinusoide prodotta dalla GAN")
    axis.set_xlabel("x")
    axis.set_ylabel("y")
    return fig


"""
## Beyond the slides: `--variant improved`

The slides' GAN draws sinusoids, but with a trembling hand, and it covers a
narrower band of frequencies than the training set (see the README's numbers).
The improved variant keeps every slide step, the training loop, the noise and
the tables, and changes the networks in three small, well-known ways, each
aimed at one defect.
"""


@keras.saving.register_keras_serializable(package="sine_gan")
class MinibatchStd(keras.layers.Layer):
    """Minibatch standard deviation, for mode collapse (Karras et al., 2018).

    A dense discriminator judges one curve at a time, so it cannot tell that
    the generator makes the same few curves over and over. This layer takes
    each group of `group_size` consecutive rows, measures how much they differ
    (the mean over points of their standard deviation) and appends that number
    to every row of the group as an extra channel. A batch of near-copies then
    looks different from a batch of real curves, and the generator is pushed
    to vary. Groups never mix real and fake rows because each half of a
    discriminator batch is 64 rows, a whole number of groups. The standard
    deviation is `sqrt(var + 1e-8)`: a plain `std` has an infinite gradient
    where all rows agree, which made the loss NaN.

    A Keras layer has to be a class; it is registered so that a saved
    discriminator loads in safe mode.
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


def discriminator_front(changes):
    """Layers placed before the discriminator's Dense layers, by variant.

    `conv_front`, for the trembling hand: a Dense layer sees a curve as 64
    unrelated numbers, and jitter between neighbouring points is hard for it
    to notice. A small `Conv1D` looks at five neighbouring points at a time,
    so local roughness becomes an easy signal to tell fakes by. (The seed
    articles note that a discriminator is typically convolutional.)
    """
    if not {"conv_front", "minibatch_std"} & set(changes):
        return []
    layers = [keras.layers.Reshape((TRAIN_LEN, 1))]
    if "minibatch_std" in changes:
        layers.append(MinibatchStd())
    if "conv_front" in changes:
        layers.append(keras.layers.Conv1D(16, 5, strides=2, padding="same", activation="relu"))
    layers.append(keras.layers.Flatten())
    return layers


def smoothing_output():
    """A fixed moving average on the generator's output, for the trembling hand.

    The last Dense layer makes `SMOOTH_WIDTH - 1` extra points, and a frozen
    `Conv1D` whose weights are all `1 / SMOOTH_WIDTH` averages each run of
    `SMOOTH_WIDTH` of them into one of the 64 output points. High-frequency
    jitter is damped before the discriminator ever sees it, and the values
    stay in [-1, 1] because they are averages of `tanh` outputs.
    """
    return [
        keras.layers.Reshape((SAMPLE_LEN + SMOOTH_WIDTH - 1, 1)),
        keras.layers.Conv1D(1, SMOOTH_WIDTH, padding="valid", use_bias=False,
                            kernel_initializer=keras.initializers.Constant(1 / SMOOTH_WIDTH),
                            trainable=False),
        keras.layers.Reshape((SAMPLE_LEN,)),
    ]


"""
## Is it a sinusoid? A score

The slides judge the result by eye. To put a number on it, fit each curve
with the best `A sin(bx) + B cos(bx) + C` over a grid of frequencies `b`
(for fixed `b` that is linear least squares) and report R^2: 1 for a perfect
sinusoid, near 0 for noise.
"""


@functools.lru_cache(maxsize=4)
def _fit_basis(x):
    """Orthonormal bases of span{sin(bx), cos(bx), 1}, one per grid frequency.

    Cached: the training loop scores curves on the same `x` every epoch.
    Returns `q` reshaped to (points, frequencies * 3) for one matrix product,
    and the triangular factors `r` to recover the coefficients.
    """
    bx = FIT_FREQUENCIES[:, None] * np.array(x, dtype="float64")[None, :]
    design = np.stack([np.sin(bx), np.cos(bx), np.ones_like(bx)], axis=-1)
    q, r = np.linalg.qr(design)  # (frequencies, points, 3), (frequencies, 3, 3)
    return q.transpose(1, 0, 2).reshape(len(x), -1), r


def sine_fit(curves, x):
    """Best sinusoid through each curve: its R^2, frequency and amplitude.

    Vectorised over curves and frequencies: one matrix product projects every
    curve on every basis, so 1,000 curves take a fraction of a second.
    Returns a dict of arrays `r2`, `frequency`, `amplitude`.
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
    }


def _wasserstein1(a, b):
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


def sine_report(fake, real, x=None):
    """How sinusoidal, how smooth and how varied the generated curves are.

    Ratios compare generated curves with real ones: roughness 1 means they
    tremble as little as real sinusoids, diversity 1 means as much variety.
    """
    x = np.linspace(X_MIN, X_MAX, TRAIN_LEN) if x is None else x
    f, r = sine_fit(fake, x), sine_fit(real, x)
    quartiles = [0.25, 0.5, 0.75]
    return {
        "median_r2": float(np.median(f["r2"])),
        "share_r2_ge_0.9": float(np.mean(f["r2"] >= GOOD_R2)),
        "frequency_quartiles_generated": np.quantile(f["frequency"], quartiles).round(4).tolist(),
        "frequency_quartiles_real": np.quantile(r["frequency"], quartiles).round(4).tolist(),
        "frequency_w1": _wasserstein1(f["frequency"], r["frequency"]),
        "roughness_ratio": roughness(fake) / roughness(real),
        "diversity_ratio": diversity(fake) / diversity(real),
    }


"""
## Curve generate al migliorare dell'accuratezza

The last slide shows the generator's curves getting better as training goes
on. We keep the generator's output for a few fixed noise curves after every
epoch and draw it.
"""


def evolution_epochs(epochs_done):
    """The epochs the evolution figure shows: 1, 2, 4, ..., 64, or the nearest."""
    return sorted({min(e, epochs_done) for e in EVOLUTION_EPOCHS}) if epochs_done else []


def plot_evolution(X_COORDS, snapshots, history, real):
    """Curve generate al migliorare dell'accuratezza -- the curves improving.

    The same noise curves through the generator after epochs 1, 2, 4, ..., 64,
    each panel titled with the median R^2 of the epoch; the last panel shows
    real sinusoids to compare with.
    """
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


def plot_history(history):
    """Accuracies and sinusoid score per epoch."""
    epochs = [h["epoch"] for h in history]
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(6.4, 5.6))
    top.plot(epochs, [h["d_acc"] for h in history], label="accuratezza discrimin.")
    top.plot(epochs, [h["g_acc"] for h in history], label="accuratezza generatore")
    top.set_ylim(-0.05, 1.05)
    top.set_ylabel("accuratezza (ultimo passo)")
    top.legend(loc="best", fontsize=8)
    bottom.plot(epochs, [h["median_r2"] for h in history], label="R² mediano")
    bottom.plot(epochs, [h["share_r2_ge_0.9"] for h in history], label="quota con R² ≥ 0.9")
    bottom.set_ylim(-0.05, 1.05)
    bottom.set_xlabel("epoca")
    bottom.set_ylabel("sinusoidalità (256 curve)")
    bottom.legend(loc="lower right", fontsize=8)
    fig.suptitle("Andamento dell'addestramento")
    fig.tight_layout()
    return fig


def save_evolution_gif(path, X_COORDS, snapshots, history):
    """The evolution as an animation, one frame per epoch.

    Only the curves and the title change between frames, so the axes are drawn
    once and each frame redraws just those (blitting). Every frame uses the
    first frame's palette. Matplotlib's own PillowWriter redraws everything and
    picks a palette per frame: 11 s for 64 frames against 1 s this way.
    """
    from PIL import Image

    fig, axis = plt.subplots(1, 1, figsize=(5, 3.4), dpi=80)
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
    plt.close(fig)
    with atomic_path(path) as tmp:
        frames[0].save(tmp, format="GIF", save_all=True, append_images=frames[1:],
                       duration=125, loop=0)
    return Path(path)


"""
## Writing results

Every file is written under a temporary name in the same folder, then renamed:
an interrupted run never leaves half a PNG, CSV or model behind.
"""


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside `path`; rename it to `path` on success."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


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
    """Write a `.keras` model, atomically. Returns the path."""
    with atomic_path(path) as tmp:
        model.save(tmp)
    return Path(path)


def history_csv(history):
    """The training history, one row per epoch, as CSV text."""
    out = io.StringIO()
    fields = ["epoch", "d_loss", "d_acc", "g_loss", "g_acc", "median_r2", "share_r2_ge_0.9", "seconds"]
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in history:
        writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
    return out.getvalue()


def curves_csv(X_COORDS, curves):
    """Curves as CSV text: the x coordinates as the header, one curve per row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f"{x:.6g}" for x in X_COORDS])
    for curve in curves:
        writer.writerow([f"{v:.6g}" for v in curve])
    return out.getvalue()


def versions():
    """The versions that a run reports and records in `metrics.json`."""
    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
    }


"""
## The command line
"""


def _count(minimum, maximum):
    """An argparse type: a whole number from `minimum` to `maximum`."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"must be between {minimum} and {maximum}, got {value}")
        return value

    return parse


def parse_args(argv):
    """The command line; argparse reports mistakes itself, with exit code 2."""
    parser = argparse.ArgumentParser(
        prog="sine_gan.py",
        description="Train the slides' GAN that draws sinusoids, or draw curves "
        "with a generator trained before.",
    )
    parser.add_argument("--epochs", type=_count(0, 100_000), default=EPOCHS,
                        help=f"GAN training epochs; 0 means pretraining only (default {EPOCHS})")
    parser.add_argument("--pretrain-epochs", type=_count(0, 100_000), default=PRETRAIN_EPOCHS,
                        help=f"discriminator pretraining epochs (default {PRETRAIN_EPOCHS})")
    parser.add_argument("--seed", type=_count(0, 2**32 - 1), default=DEFAULT_SEED,
                        help=f"random seed; the same seed gives the same run (default {DEFAULT_SEED})")
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help=f"folder for figures, tables and models (default {DEFAULT_OUT}/)")
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="slides",
                        help="slides: the deck's GAN (default); improved: the same GAN with "
                        "fixes for the trembling hand and the narrow frequency range")
    parser.add_argument("--show", action="store_true",
                        help="also open the figures in a window, as the slides' plt.show()")
    parser.add_argument("--generate", type=_count(1, 1_000_000), metavar="N",
                        help="no training: draw N curves with the generator given by --model")
    parser.add_argument("--model", metavar="PATH",
                        help="a generator saved by an earlier run, e.g. outputs/generator.keras")
    args = parser.parse_args(argv)
    if args.generate is not None and args.model is None:
        parser.error("--generate needs --model PATH")
    if args.model is not None and args.generate is None:
        parser.error("--model is only used with --generate N")
    return args


def check_out_dir(out):
    """Create the output folder, or say in one line why it cannot be used."""
    out = Path(out)
    for parent in [out, *out.parents]:
        if parent.exists() and not parent.is_dir():
            what = "is a file" if parent == out else f"lies under a file ({parent})"
            raise UsageError(f"--out {out}: {what}")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"--out {out}: cannot create it ({err.strerror})")
    if not os.access(out, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: not writable")
    return out


def load_generator(path):
    """Load a saved generator, safely, or say in one line what is wrong."""
    path = Path(path)
    if not path.exists():
        raise UsageError(f"--model {path}: no such file")
    if path.is_dir() or path.suffix != ".keras":
        raise UsageError(f"--model {path}: not a .keras model file")
    if not zipfile.is_zipfile(path):
        raise UsageError(f"--model {path}: corrupt (not a .keras archive)")
    try:
        # safe_mode refuses model files that would run code when loaded.
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as err:  # Keras raises many kinds; all mean "unusable"
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise UsageError(f"--model {path}: cannot be loaded ({reason[:200]})")
    shapes = (tuple(model.input_shape), tuple(model.output_shape)) if hasattr(model, "input_shape") else None
    if shapes != ((None, SAMPLE_LEN), (None, SAMPLE_LEN)):
        raise UsageError(
            f"--model {path}: not a generator with {SAMPLE_LEN} inputs and "
            f"{SAMPLE_LEN} outputs (shapes {shapes})"
        )
    return model


def seed_everything(seed):
    """Same seed, same run: Python, NumPy and TensorFlow, deterministic ops."""
    keras.utils.set_random_seed(seed)  # seeds random, numpy.random and TF
    tf.config.experimental.enable_op_determinism()


def run_generate(args, out):
    """Draw `--generate N` curves with a saved generator; no training."""
    generator = load_generator(args.model)
    rng = np.random.default_rng(args.seed)
    X_COORDS = np.linspace(X_MIN, X_MAX, TRAIN_LEN)
    curves = generate(generator, args.generate, rng=rng)
    written = [save_text(curves_csv(X_COORDS, curves), out / "generated.csv")]
    cols = min(4, len(curves))
    rows = min(4, math.ceil(len(curves) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(2.4 * cols, 1.9 * rows), sharex=True,
                             sharey=True, squeeze=False)
    for i, axis in enumerate(axes.flat):
        if i < len(curves):
            axis.plot(X_COORDS, curves[i])
        axis.set_ylim(-1.1, 1.1)
    fig.suptitle(f"Curve prodotte dal generatore ({min(len(curves), rows * cols)} di {len(curves)})")
    fig.tight_layout()
    written.append(save_figure(fig, out / "generated.png"))
    fit = sine_fit(curves, X_COORDS)["r2"]
    print(f"{len(curves)} curves: median R² {np.median(fit):.4f}, "
          f"{np.mean(fit >= GOOD_R2):.1%} with R² >= {GOOD_R2}")
    return written


def run_training(args, out, changes=None):
    """The slides, step by step. Returns (files written, exit code).

    `changes` defaults to those of `--variant`; `benchmarks/variants.py`
    passes single changes to measure each on its own.
    """
    changes = VARIANTS[args.variant] if changes is None else tuple(changes)
    written = []
    seed_everything(args.seed)
    # Probe and evaluation noise come from their own generator, so that
    # scoring never shifts the slides' random draws.
    rng = np.random.default_rng([args.seed, 1])
    probe = rng.uniform(Y_MIN, Y_MAX, (PROBE_SIZE, SAMPLE_LEN))

    # 1. Ottenere un dataset di sinusoidi
    X_COORDS, X_TRAIN = make_dataset()
    written.append(save_figure(plot_dataset(X_COORDS, X_TRAIN), out / "dataset.png"))

    # 2-3. Il discriminatore, e il suo addestramento
    discriminator = build_discriminator(changes)
    NOISE = make_noise()
    accuracies = pretrain_discriminator(discriminator, X_TRAIN, NOISE, args.pretrain_epochs)
    if accuracies:
        written.append(save_figure(plot_pretraining(accuracies), out / "pretraining.png"))

    # 4. La GAN
    generator = build_generator(changes)
    gan = build_gan(generator, discriminator)

    # 5. Addestrare la GAN
    with stop_on_ctrl_c() as interrupt:
        result = train_gan(generator, discriminator, gan, X_COORDS, X_TRAIN, NOISE,
                           args.epochs, probe=probe, interrupt=interrupt)
    history, stopped = result["history"], result["stopped"]
    code = EXIT_OK
    if stopped == "interrupted":
        print(f"Interrupted: keeping the {len(history)} finished epochs.", file=sys.stderr)
        code = EXIT_INTERRUPTED
    elif stopped:
        print(f"error: {stopped}", file=sys.stderr)
        code = EXIT_DIVERGED

    # 6. Contemplare il risultato
    if code != EXIT_DIVERGED:
        sample = generate(generator, 1)[0]
        written.append(save_figure(plot_sample(X_COORDS, sample), out / "sample.png"))
    if history:
        written.append(save_text(history_csv(history), out / "history.csv"))
        written.append(save_figure(plot_history(history), out / "training_history.png"))
        evolution = plot_evolution(X_COORDS, result["snapshots"], history,
                                   X_TRAIN[:PROBE_SHOWN])
        written.append(save_figure(evolution, out / "evolution.png"))
        written.append(save_evolution_gif(out / "evolution.gif", X_COORDS,
                                          result["snapshots"], history))
    if code != EXIT_DIVERGED:
        fake = generate(generator, EVAL_SIZE, rng=rng)
        real = X_TRAIN[rng.choice(TRAIN_SIZE, EVAL_SIZE, replace=False)]
        report = sine_report(fake, real, X_COORDS)
        metrics = {
            "report": report,
            "settings": {"variant": args.variant, "changes": list(changes),
                         "seed": args.seed, "epochs": args.epochs,
                         "epochs_done": len(history), "pretrain_epochs": args.pretrain_epochs},
            "versions": versions(),
        }
        written.append(save_text(json.dumps(metrics, indent=2) + "\n", out / "metrics.json"))
        print(f"Final score on {EVAL_SIZE} fresh curves: median R² {report['median_r2']:.4f}, "
              f"{report['share_r2_ge_0.9']:.1%} with R² >= {GOOD_R2}, "
              f"roughness {report['roughness_ratio']:.1f}x real, "
              f"diversity {report['diversity_ratio']:.2f}x real, "
              f"frequency W1 {report['frequency_w1']:.3f}")
        written.append(save_model(generator, out / "generator.keras"))
        written.append(save_model(discriminator, out / "discriminator.keras"))
    return written, code


def main(argv=None):
    """Run the slides from start to end. Returns the exit code."""
    args = parse_args(argv)
    start = time.perf_counter()
    try:
        out = check_out_dir(args.out)
        # The variant shapes training only; --generate takes the saved model as it is.
        variant = "" if args.generate is not None else f"variant {args.variant}, "
        print(f"sine-gan: {variant}seed {args.seed}, outputs in {out}/")
        print("versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()), flush=True)
        if args.generate is not None:
            written, code = run_generate(args, out), EXIT_OK
        else:
            written, code = run_training(args, out)
    except UsageError as err:
        print(f"sine_gan.py: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        # Ctrl-C outside the GAN loop. Files are renamed into place only once
        # complete, so there is nothing half-written to clean up.
        print("Interrupted: files written so far are complete; the rest were not written.",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    print(f"Done in {time.perf_counter() - start:.1f} s. Files written:")
    for path in written:
        print(f"  {path}")
    if args.show:
        plt.show()
    plt.close("all")
    return code


if __name__ == "__main__":
    sys.exit(main())
