"""Watching the training: the monitor of the slides' loop.

The slide's loop stays as printed. Everything it does not do itself, the
monitor does: after each step it checks for a NaN loss and for a stop signal
(Ctrl-C, SIGTERM, SIGHUP); after each epoch it scores a fixed probe of
generated curves, times the epoch and keeps the row of the history and the
curves of the evolution figure. It changes nothing that the loop computes.
"""

import math
import time

import numpy as np

from beyond_the_slides.score import SHARE_KEY, r2_summary, sine_fit
from sine_gan import PROBE_SHOWN, SAMPLE_LEN, Y_MAX, Y_MIN

PROBE_SIZE = 256  # generated curves scored after every epoch
HISTORY_FIELDS = ("epoch", "d_loss", "d_acc", "g_loss", "g_acc", "median_r2", SHARE_KEY, "seconds")


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

def seed_everything(seed):
    """Same seed, same run: Python, NumPy and TensorFlow, deterministic ops."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)  # seeds random, numpy.random and TF
    tf.config.experimental.enable_op_determinism()

def start_run(seed, epochs, signals=()):
    """Seed everything and make the run's monitor. Returns it and the scoring generator.

    Probe and evaluation noise come from their own generator, so that
    scoring never shifts the slides' random draws.
    """
    seed_everything(seed)
    rng = np.random.default_rng([seed, 1])
    probe = rng.uniform(Y_MIN, Y_MAX, (PROBE_SIZE, SAMPLE_LEN))
    return TrainingMonitor(probe, epochs, signals), rng

