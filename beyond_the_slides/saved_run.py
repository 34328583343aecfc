"""A training run, saved: its figures, history, scores and models in its folder."""

import csv
import importlib
import io
import json
import os
import platform
import sys

import numpy as np

from beyond_the_slides import safe_files
from beyond_the_slides.experiment import DEFAULT_SEED, all_figures, run_variant
from beyond_the_slides.figures import save_evolution_gif
from beyond_the_slides.monitor import start_run
from beyond_the_slides.score import EVAL_SIZE, describe_report
from beyond_the_slides.signals import STOP_SIGNALS, deferred_signals
from sine_gan import EPOCHS, PRETRAIN_EPOCHS

TRAINING_FILES = (
    "dataset.png", "pretraining.png", "sample.png", "evolution.png", "evolution.gif",
    "training_history.png", "frequencies.png", "coverage.png", "history.csv", "metrics.json",
    "generator.keras", "discriminator.keras")


class BackendError(Exception):
    """Keras or its backend could not be loaded: one line, exit 4."""


def versions():
    """The versions a run reports; its first import of Keras and of the backend Keras reads
    (TensorFlow by default), which says why in a `BackendError` if they cannot load."""
    wanted = os.environ.get("KERAS_BACKEND") or "Keras's backend"
    try:
        import keras

        wanted = keras.backend.backend()
        backend = importlib.import_module(wanted)
    except Exception as err:  # a signal that the import wrapped is found by signal_behind()
        reason = safe_files.first_sentences(str(err)) or type(err).__name__
        name = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}.get(wanted, wanted)
        raise BackendError(f"{name} could not be loaded ({reason})") from None
    return {"python": platform.python_version(), wanted: backend.__version__,
            "keras": keras.__version__, "numpy": np.__version__}


def history_csv(history):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(history[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()}
                     for row in history)
    return out.getvalue()


def train(out, files, config="slides", seed=DEFAULT_SEED, epochs=EPOCHS,
          pretrain_epochs=PRETRAIN_EPOCHS, run_config=run_variant):
    """Train a variant (or a benchmark's `config`, which `run_config` runs) and stage its
    files; returns the stop signal that ended training (or None), and whether it diverged."""
    monitor, rng = start_run(seed, epochs)
    with deferred_signals(lambda: monitor.training) as monitor.signals:
        run = run_config(config, monitor, pretrain_epochs)
        if monitor.signals:
            print(f"{STOP_SIGNALS[monitor.signals[0]]}: keeping the {len(monitor.history)} "
                  "finished epochs.", file=sys.stderr)
        elif monitor.diverged:
            print(f"error: {monitor.stopped}", file=sys.stderr)
        settings = {"variant": config, "seed": seed, "epochs": epochs,
                    "epochs_done": len(monitor.history), "pretrain_epochs": pretrain_epochs}
        write_run(out, files, run, monitor, rng, settings)
    return (monitor.signals[0] if monitor.signals else None), monitor.diverged


def write_run(out, files, run, monitor, rng, settings):
    """Stage what a run has: no history before the first epoch, and no sample, scores
    or models after a NaN loss."""
    figures, report = all_figures(run, monitor, rng)
    history = monitor.history
    for name, fig in figures.items():
        safe_files.save_figure(fig, out / name, files)
    if history:
        with safe_files.staged(out / "evolution.gif", files) as tmp:
            save_evolution_gif(tmp, monitor.snapshots, history)
        safe_files.save_text(history_csv(history), out / "history.csv", files)
    if monitor.diverged:
        return
    metrics = {"report": report, "settings": settings, "versions": versions()}
    safe_files.save_text(json.dumps(metrics, indent=2) + "\n", out / "metrics.json", files)
    print("Final score on " + describe_report(report, EVAL_SIZE))
    safe_files.save_model(run["generator"], out / "generator.keras", files)
    # Saved trainable, as it was compiled: the last step left it frozen.
    run["discriminator"].trainable = True
    safe_files.save_model(run["discriminator"], out / "discriminator.keras", files)
