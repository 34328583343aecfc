"""One training run of a variant, and the files it writes.

`train()` seeds everything, runs the deck's six steps (`run_slides()`, or
`run_wgan()` for the Wasserstein variant) under the monitor, and writes the
figures, the history, the scores and the models into an output folder.
"""

import contextlib
import csv
import functools
import io
import json
import platform
import re
import sys

import numpy as np

from beyond_the_slides.figures import (
    plot_coverage,
    plot_frequencies,
    plot_history,
    save_evolution_gif,
)
from beyond_the_slides.improved import (
    IMPROVEMENTS,
    build_improved_discriminator,
    build_improved_generator,
)
from beyond_the_slides.monitor import HISTORY_FIELDS, start_run
from beyond_the_slides.safe_files import save_figure, save_model, save_text
from beyond_the_slides.score import EVAL_SIZE, describe_report, final_report
from beyond_the_slides.signals import STOP_SIGNALS, deferred_signals, signal_behind
from beyond_the_slides.wgan import build_critic, build_wgan_generator, run_wgan
from sine_gan import EPOCHS, PRETRAIN_EPOCHS, build_discriminator, build_generator, run_slides

DEFAULT_SEED = 1
EXIT_OK, EXIT_DIVERGED = 0, 1
TRAINING_FILES = (
    "dataset.png", "pretraining.png", "sample.png", "evolution.png", "evolution.gif",
    "training_history.png", "frequencies.png", "coverage.png", "history.csv", "metrics.json",
    "generator.keras", "discriminator.keras",
)


class BackendError(Exception):
    """TensorFlow or Keras could not be loaded: one line, exit 4."""


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


def first_sentences(text, limit=300):
    """The first whole sentences of `text` that fit in `limit` characters (at least one)."""
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    kept = sentences[0]
    for sentence in sentences[1:]:
        if len(kept) + 1 + len(sentence) > limit:
            break
        kept += " " + sentence
    return kept


def run_variant(config, seed, epochs=EPOCHS, pretrain_epochs=PRETRAIN_EPOCHS, signals=()):
    """Seed everything and run the deck's six steps for a variant (or a benchmark's `config`).

    Returns the run (see `run_slides()`), its monitor and the scoring's own
    random generator.
    """
    build_d, build_g = builders_for(config)
    monitor, rng = start_run(seed, epochs, signals)
    steps = run_wgan if config == "wgan" else run_slides
    return steps(monitor, epochs, pretrain_epochs, build_d, build_g), monitor, rng


def all_figures(run, monitor, rng):
    """A run's figures by file name, the slides' and the others, and its final report.

    Only what exists is drawn: no history before the first epoch, and no
    sample or scores after a NaN loss (the report is then None).
    """
    figures, history, report = run["figures"], monitor.history, None
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
    return figures, report


def try_variant(config, seed=DEFAULT_SEED, epochs=EPOCHS):
    """Train a variant in memory, its tables unprinted; returns its figures by file name.

    For a notebook: nothing is written, and the numbers are those of
    `python sine_gan.py --variant CONFIG --seed SEED --epochs EPOCHS`. The
    dataset's figure, the same for every variant, is left out.
    """
    import matplotlib.pyplot as plt

    with contextlib.redirect_stdout(io.StringIO()):
        run, monitor, rng = run_variant(config, seed, epochs)
        figures, report = all_figures(run, monitor, rng)
    plt.close(figures.pop("dataset.png"))
    print(f"--variant {config}, seed {seed}, {epochs} epochs. Final score on "
          + describe_report(report, EVAL_SIZE))
    return figures


def train(out, written, config="slides", seed=DEFAULT_SEED, epochs=EPOCHS,
          pretrain_epochs=PRETRAIN_EPOCHS):
    """Train a variant (or a benchmark's `config`), write its files. Returns the exit code."""
    with deferred_signals() as signals:
        run, monitor, rng = run_variant(config, seed, epochs, pretrain_epochs, signals)
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
    figures, report = all_figures(run, monitor, rng)
    history = monitor.history
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
