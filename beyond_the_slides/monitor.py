"""Watching the training: the monitor of the slides' loop.

The slide's loop stays as printed. Everything it does not do itself, the
monitor does: after each step it checks for a NaN loss and for a stop signal
(Ctrl-C, SIGTERM, SIGHUP); after each epoch it scores a fixed probe of
generated curves, times the epoch and keeps the row of the history and the
curves of the evolution figure. It changes nothing that the loop computes.
"""

import contextlib
import io
import math
import sys
import time

import numpy as np

import sine_gan
from beyond_the_slides.score import SHARE_KEY, r2_summary, sine_fit

PROBE_SIZE = 256  # generated curves scored after every epoch
# Probe curves kept each epoch for the evolution figure and the GIF: the deck's
# PROBE_SHOWN, which a notebook defines only after the training cell.
SNAPSHOT_SIZE = 4
HISTORY_FIELDS = ("epoch", "d_loss", "d_acc", "g_loss", "g_acc", "median_r2", SHARE_KEY, "seconds")


class TrainingMonitor:
    """Watches `train_gan()`: the history, the snapshots and why it stopped.

    `probe` is fixed noise, scored after every epoch; `signals` is a list that
    a signal handler appends to (see `deferred_signals()`). The history's
    `epoch` is the table's, 0 for the first epoch, plus `first_epoch`: the
    epochs the networks had trained before (in a notebook, a training cell
    run again).

    The clock starts when the first step has ended: Keras compiles the train
    steps during that one, which takes longer than a whole epoch of steps.
    `tempo` is the time since then, and `residuo` the steps still to do at the
    pace of the steps done since then, so that it is honest from the first
    epoch on.
    """

    HEADER = "| R² mediano | tempo  | residuo"

    def __init__(self, probe, epochs, signals=()):
        self.probe = np.asarray(probe, dtype="float32")
        self.epochs = epochs
        self.signals = signals
        self.history, self.snapshots = [], []
        self.first_epoch = 0
        self.stopped = None  # why training stopped early, if it did
        self.start = None  # when the first step ended
        self.steps = 0  # steps done since then

    @property
    def training(self):
        """Whether the loop is between its first step and its last: signals then wait."""
        return self.start is not None and self.stopped is None and len(self.history) < self.epochs

    @property
    def diverged(self):
        """Whether training stopped for a NaN or infinite loss."""
        return self.stopped not in (None, "interrupted")

    def should_stop(self, e, k, d_loss, g_loss):
        """After a step: stop for a NaN or infinite loss, or for a signal."""
        if self.start is None:
            self.start = time.perf_counter()
        else:
            self.steps += 1
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
        row = {"epoch": self.first_epoch + e,
               **{name: float(value) for name, value in losses.items()},
               **r2_summary(sine_fit(curves)["r2"]), "seconds": round(elapsed, 3)}
        self.history.append(row)
        self.snapshots.append(curves[:SNAPSHOT_SIZE])
        steps_per_epoch = (self.steps + 1) / (e + 1)
        steps_left = steps_per_epoch * (self.epochs - e - 1)
        left = elapsed / self.steps * steps_left if self.steps else 0.0
        return f" | {row['median_r2']:10.4f} | {elapsed:5.1f}s | {left:5.1f}s"


def seed_everything(seed):
    """Same seed, same run: Python, NumPy and Keras's backend; on TensorFlow, deterministic
    ops too; on PyTorch, a NaN loss that the monitor can see (`nan_in_nan_out()`)."""
    import keras

    keras.utils.set_random_seed(seed)  # seeds random, numpy.random and the backend
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    if keras.backend.backend() == "torch":
        nan_in_nan_out()


def nan_in_nan_out():
    """PyTorch's binary cross-entropy raises on a NaN input, where TensorFlow and JAX give a
    NaN loss, which the monitor reads as "training diverged": make it give one too. Any
    other input goes to PyTorch's own, so a run's numbers do not move."""
    import torch
    import torch.nn.functional as F

    native = F.binary_cross_entropy
    if getattr(native, "nan_in_nan_out", False):
        return

    def binary_cross_entropy(input, target, *args, reduction="mean", **kwargs):
        if not torch.isnan(input).any():
            return native(input, target, *args, reduction=reduction, **kwargs)
        loss = -(target * torch.log(input) + (1 - target) * torch.log1p(-input))
        return {"none": loss, "sum": loss.sum()}.get(reduction, loss.mean())

    binary_cross_entropy.nan_in_nan_out = True
    F.binary_cross_entropy = binary_cross_entropy


def scoring_rng(seed):
    """Seed everything for `seed`; the generator of the scoring's own draws.

    Probe and evaluation noise come from it, so that scoring never shifts
    the slides' random draws.
    """
    seed_everything(seed)
    return np.random.default_rng([seed, 1])


def new_monitor(rng, epochs):
    """A monitor for `epochs` epochs, whose probe is the next draw of `rng`."""
    probe = rng.uniform(sine_gan.Y_MIN, sine_gan.Y_MAX, (PROBE_SIZE, sine_gan.SAMPLE_LEN))
    return TrainingMonitor(probe, epochs)


def start_run(seed, epochs):
    """Seed everything and make the run's monitor (a run that handles stop signals gives it
    their list as `monitor.signals`). Returns it and the scoring generator."""
    rng = scoring_rng(seed)
    return new_monitor(rng, epochs), rng


class ShortTable(io.TextIOBase):
    """Stands in for stdout: a table printed row by row comes out with rows left out.

    The header and other lines pass; of the rows (lines that start with a
    number), the first `head`, every `every`-th after them and the last one
    are shown, and "..." stands where rows were left out, as the slides print
    their tables. A class, because `contextlib.redirect_stdout` needs a stream.
    """

    def __init__(self, out, head=5, every=8):
        self.out, self.head, self.every = out, head, every
        self.held = None  # the last row left out, shown if it is the table's last
        self.partial = ""

    def write(self, text):
        self.partial += text
        *lines, self.partial = self.partial.split("\n")
        for line in lines:
            self.line(line)
        return len(text)

    def line(self, line):
        first = line.split("|")[0].strip()
        if not first.isdigit():
            self.show_held()
            self.out.write(line + "\n")
            return
        row = int(first)
        if row < self.head or (row + 1) % self.every == 0:
            if self.held is not None:
                self.out.write("    ...\n")
                self.held = None
            self.out.write(line + "\n")
            self.out.flush()
        else:
            self.held = line

    def show_held(self):
        if self.held is not None:
            self.out.write("    ...\n" + self.held + "\n")
            self.held = None

    def close_table(self):
        if self.partial:
            self.line(self.partial)
            self.partial = ""
        self.show_held()
        self.out.flush()


@contextlib.contextmanager
def short_tables(head=5, every=8):
    """Within: the tables printed come out short (see `ShortTable`)."""
    table = ShortTable(sys.stdout, head, every)
    with contextlib.redirect_stdout(table):
        try:
            yield
        finally:
            table.close_table()
