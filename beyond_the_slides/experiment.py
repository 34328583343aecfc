"""A variant's run in memory: `run_variant()` takes its steps, `all_figures()` draws them."""

import sine_gan
from beyond_the_slides.converging import build_converging_generator, run_converging
from beyond_the_slides.critic_gan import build_critic
from beyond_the_slides.figures import plot_coverage, plot_frequencies, plot_history
from beyond_the_slides.improved import build_improved_discriminator, build_improved_generator
from beyond_the_slides.score import final_report
from beyond_the_slides.wgan import build_wgan_generator, run_wgan

DEFAULT_SEED = 1
VARIANTS = ("slides", "improved", "wgan", "converging")


def builders_for(variant):
    """A variant's two builders, the deck's looked up now (in the notebook: its own cells')."""
    return {"slides": (sine_gan.build_discriminator, sine_gan.build_generator),
            "improved": (build_improved_discriminator, build_improved_generator),
            "wgan": (build_critic, build_wgan_generator),
            "converging": (build_critic, build_converging_generator)}[variant]


def run_variant(variant, monitor, pretrain_epochs=None):
    """The six steps of a variant under a monitor that `start_run()` made; the run."""
    build_d, build_g = builders_for(variant)
    steps = {"wgan": run_wgan, "converging": run_converging}.get(variant, sine_gan.run_slides)
    pretrain_epochs = sine_gan.PRETRAIN_EPOCHS if pretrain_epochs is None else pretrain_epochs
    return steps(monitor, monitor.epochs, pretrain_epochs, build_d, build_g)


def all_figures(run, monitor, rng):
    """A run's figures by file name, and its final report: no history before the first
    epoch, no sample or scores after a NaN loss (the report is then None)."""
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
