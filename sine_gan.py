"""
Title: Imparare a generare -- a GAN that draws sinusoids
Based on: "Imparare a generare: introduzione alle GAN", Paolo Caressa, PhD
Description: the slides' GAN, step by step, on Keras 3 and TensorFlow.

A generator learns to turn 64 random numbers into a sinusoid, by trying to
fool a discriminator that learns to tell real sinusoids from fakes.

This file is the deck: one section per slide, in the deck's order, with the
deck's names (`X_TRAIN`, `X_COORDS`, `NOISE`, `ONEZEROS`, ...) and
hyperparameters, closed by `run_slides()`, the deck's six steps. What the
deck does not show (the score, the training monitor, the variants, safe
file writing and the command line) lives beside it, in `beyond_the_slides/`.

Run it with `python sine_gan.py` (under a minute on two CPU cores);
`python sine_gan.py --help` lists the options.
"""

if __name__ == "__main__":
    # `python sine_gan.py` hands over to the command line before this file
    # imports anything, so that Ctrl-C is handled from the first moment. The
    # command line imports this file as the module `sine_gan`: the deck's
    # code then runs once, never a second time as `__main__`. This folder
    # goes on the path first, since `python -I` and `-P` leave it off.
    import os
    import sys

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import beyond_the_slides.__main__  # noqa: F401  (runs the command line)

import math
import os

# Set before TensorFlow is imported: quiet its start-up chatter, and use its
# own kernels rather than oneDNN's, which cost more than they save on these
# tiny layers (measured: about 15% per training step, see docs/speed.md).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
from numpy.random import randint, uniform  # noqa: E402

# Keras, TensorFlow and Matplotlib are imported where the slides first use
# them, inside the functions: `python sine_gan.py --help` then answers at once.

"""
## Passi necessari

The plan of the deck, in six steps. The code marks each step with its
number, and `run_slides()` takes them one after the other.

1. Ottenere un dataset di immagini "genuine" di sinusoidi
2. Impostare generatore e discriminatore
3. Addestrare il discriminatore a fare il suo lavoro
4. Costruire la GAN usando generatore e discriminatore
5. Addestrare la componente generativa della GAN a generare sinusoidi che la
   componente discriminativa giudichi per tali
6. Contemplare il risultato: una sinusoide prodotta dal rumore di fondo...
"""


"""
## Un dataset di sinusoidi

Every training case is the graph of `y = sin(scale * x + phase)`, sampled on
the 64 points of `X_COORDS`. `SAMPLE_LEN` is used by the slides but never
defined there: a curve is a sample, so it has the length of a training case.
"""

TRAIN_LEN = 64  # points sampled on each curve
SAMPLE_LEN = TRAIN_LEN
TRAIN_SIZE = 8192  # curves in the training set
BATCH = 128  # GAN training: half real curves, half generated
X_MIN, X_MAX = -5.0, 5.0
Y_MIN, Y_MAX = -1.0, 1.0
X_COORDS = np.linspace(X_MIN, X_MAX, TRAIN_LEN)


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

DIS_DROPOUT = 0.4


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

BATCH_SIZE = 128  # discriminator pretraining batch
PRETRAIN_EPOCHS = 32  # the slides' first `EPOCHS`
# float32, not the slides' float64: the networks compute in float32, and a
# fixed dtype keeps Keras from retracing its compiled train steps.
ONES = np.ones((BATCH_SIZE // 2), dtype="float32")  # vettore di label 1
ZEROS = np.zeros((BATCH_SIZE // 2), dtype="float32")  # vettore di label 0
ONEZEROS = (ONES, ZEROS)


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

EPOCHS = 64  # the slides' second `EPOCHS`


def train_gan(generator, discriminator, gan, X_TRAIN, NOISE, epochs, monitor):
    """Addestramento della GAN -- the adversarial training loop.

    The slide's loop, line for line. `monitor` (a `TrainingMonitor`, see
    `beyond_the_slides/monitor.py`) adds the score, the timing and the stops
    for a NaN loss or Ctrl-C; it changes nothing that the loop computes.
    """
    print(" epoca | accuratezza discrimin. | accuratezza generatore " + monitor.HEADER)
    for e in range(epochs):
        for k in range(TRAIN_SIZE // BATCH):
            n = randint(0, TRAIN_SIZE, size=BATCH // 2)
            # predict_on_batch: the slides' predict, without a data pipeline and a
            # progress bar per step
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
on: the same noise curves through the generator after 1, 2, 4, ..., 64 epochs.
"""

# Not in the slides' code: how many curves the evolution figure draws, and
# after how many epochs (the slides show a few curves at a few stages).
PROBE_SHOWN = 4
EVOLUTION_EPOCHS = (1, 2, 4, 8, 16, 32, 64)


def evolution_epochs(epochs_done):
    """After how many epochs the evolution figure shows the curves: 1, 2, 4, ..., 64."""
    return sorted({min(e, epochs_done) for e in EVOLUTION_EPOCHS}) if epochs_done else []


def plot_evolution(snapshots, history, real,
                   title="Curve generate al migliorare dell'accuratezza"):
    """Curve generate al migliorare dell'accuratezza -- the curves improving.

    Each panel says after how many epochs it was drawn (after 8 epochs is the
    table's row 007; the history counts epochs trained before, if any) and
    the median R^2 then; the last panel shows real sinusoids to compare with.
    """
    import matplotlib.pyplot as plt

    shown = evolution_epochs(len(snapshots))
    cols = 4
    rows = math.ceil((len(shown) + 1) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(10, 2.7 * rows), sharex=True, sharey=True,
                             squeeze=False)
    done = [history[e - 1]["epoch"] + 1 for e in shown]
    panels = [(f"dopo {d} epoc{'a' if d == 1 else 'he'}, R² {history[e - 1]['median_r2']:.3f}",
               snapshots[e - 1]) for e, d in zip(shown, done)]
    panels.append(("sinusoidi vere", real))
    # Room for every curve, even one that overshoots 1.
    top = max(1.1, 1.05 * max(float(np.max(np.abs(curves))) for _, curves in panels))
    for axis, (label, curves) in zip(axes.flat, panels):
        for curve in curves:
            axis.plot(X_COORDS, curve, linewidth=1)
        axis.set_title(label, fontsize=10)
        axis.set_ylim(-top, top)
        axis.tick_params(labelsize=9)
    for axis in axes[:, 0]:
        axis.set_ylabel("y")
    for axis in list(axes.flat)[len(panels) - cols:len(panels)]:
        axis.set_xlabel("x")
        axis.xaxis.set_tick_params(labelbottom=True)
    for axis in list(axes.flat)[len(panels):]:
        axis.set_visible(False)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


"""
## The six steps, one after the other

The plan of "Passi necessari", as one function: the whole program of the
slides, which `python sine_gan.py` runs.
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


def main(argv=None):
    """`python sine_gan.py`, from Python: `sine_gan.main(["--epochs", "8"])`.

    Hands over to the command line in `beyond_the_slides/` and returns its
    exit code (0 when the run is done).
    """
    from beyond_the_slides.command_line import main as command_line

    return command_line(argv)
