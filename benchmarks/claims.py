"""The deck's claims, put to the test: each one measured over seeds, with a verdict.

Each claim is an experiment that changes only what the claim is about and
keeps everything else the slides': the data, the noise, the loop, 64 epochs.
Every (configuration, seed) is a run in a fresh process, as in
`benchmarks/seeds.py`, whose machinery runs them. A run of the configuration
`slides` is the default run of `python sine_gan.py --seed N`, number for
number. The protocol (what each claim compares, on which measure, in which
direction, and the smallest difference that matters) is fixed in
`benchmarks/deck_claims.py`; the verdicts, from the paired differences over
the seeds, in `benchmarks/verdicts.py`; the report, pre-registered verdicts
first and then the deviations, in `benchmarks/claims_report.py`.

Run: python benchmarks/claims.py --seeds 11 12 ... 30 --save benchmarks/results/claims
     python benchmarks/claims.py --claim dropout --seeds 11 12   # a look, nothing written
     python benchmarks/claims.py --results benchmarks/results/claims.json   # the tables again
     python benchmarks/claims.py --list                          # the claims' names
With --save, every finished run is kept in SAVE.json as it ends, and a run of
the same command later goes on from there. Nothing is written without --save
(and --figures for the figures).
"""

import argparse
import contextlib
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import benchmarks.seeds as seeds  # noqa: E402
import sine_gan  # noqa: E402
from benchmarks.claims_report import (  # noqa: E402
    configs_of,
    problem_with,
    protocol_markdown,
    report_markdown,
)
from benchmarks.classifier import real_curves  # noqa: E402
from benchmarks.deck_claims import (  # noqa: E402
    CLAIMS,
    CONFIRMATORY_SEEDS,
    EARLY_EPOCHS,
    NEVER,
    PRETRAIN_CHECKS,
    PRETRAINING_ONLY,
)
from beyond_the_slides.improved import (  # noqa: E402
    build_improved_discriminator,
    build_improved_generator,
)
from beyond_the_slides.score import final_report, r2_summary, sine_fit  # noqa: E402

HELD_OUT = 1000  # fresh real and fresh noise curves for held-out accuracy and distances
DESCRIPTION = "The deck's claims, put to the test: each one measured over seeds, with a verdict."


# Configurations ------------------------------------------------------------------------------
# Each builder starts from the slides' and changes one thing, as the improved variant does.

def rebuilt(model, change, name):
    """The model's layers rebuilt from their configs, `change(config)` applied to each."""
    from keras import Input
    from keras.models import Sequential

    configs = [layer.get_config() for layer in model.layers]
    layers = [type(layer).from_config(change(dict(config)))
              for layer, config in zip(model.layers, configs)]
    copy = Sequential([Input(shape=(sine_gan.TRAIN_LEN,)), *layers], name=name)
    copy.compile_from_config(model.get_compile_config())
    return copy


def discriminator_with_dropout(rate):
    """The slides' discriminator with `rate` in place of `DIS_DROPOUT`."""
    def build():
        def change(config):
            if "rate" in config:
                config["rate"] = rate
            return config
        return rebuilt(sine_gan.build_discriminator(), change, "discriminator")
    return build


def generator_with_hidden(*units):
    """The slides' generator with hidden layers of `units` in place of its one of 256."""
    def build():
        from keras import Input
        from keras.layers import Dense
        from keras.models import Sequential

        slides = sine_gan.build_generator()
        first, hidden, last = (layer.get_config() for layer in slides.layers)
        hidden = [{**hidden, "units": n, "name": f"{hidden['name']}_{i}"}
                  for i, n in enumerate(units)]
        layers = [Dense.from_config(config) for config in (first, *hidden, last)]
        generator = Sequential([Input(shape=(sine_gan.SAMPLE_LEN,)), *layers], name="generator")
        generator.compile_from_config(slides.get_compile_config())
        return generator
    return build


# name: (discriminator builder, generator builder, pretraining epochs)
CONFIGS = {
    "slides": (sine_gan.build_discriminator, sine_gan.build_generator, sine_gan.PRETRAIN_EPOCHS),
    "pretrain=0": (sine_gan.build_discriminator, sine_gan.build_generator, 0),
    "pretrain=128": (sine_gan.build_discriminator, sine_gan.build_generator, 128),
    "dropout=0": (discriminator_with_dropout(0.0), sine_gan.build_generator,
                  sine_gan.PRETRAIN_EPOCHS),
    **{f"hidden={n}": (sine_gan.build_discriminator, generator_with_hidden(n),
                       sine_gan.PRETRAIN_EPOCHS) for n in (64, 128, 512, 1024)},
    "hidden=256+256": (sine_gan.build_discriminator, generator_with_hidden(256, 256),
                       sine_gan.PRETRAIN_EPOCHS),
    "conv_front": (lambda: build_improved_discriminator(("conv_front",)),
                   sine_gan.build_generator, sine_gan.PRETRAIN_EPOCHS),
    "smoothing": (sine_gan.build_discriminator,
                  lambda: build_improved_generator(("smooth_output",)), sine_gan.PRETRAIN_EPOCHS),
}


# Measures ------------------------------------------------------------------------------------

def nearest_distances(curves, X_TRAIN):
    """For each curve, the root-mean-square distance to its nearest training curve, and which."""
    curves = np.asarray(curves, dtype="float64")
    train = np.asarray(X_TRAIN, dtype="float64")
    squared = ((curves**2).sum(1)[:, None] + (train**2).sum(1)[None, :]
               - 2.0 * curves @ train.T)
    nearest = np.argmin(squared, axis=1)
    rms = np.sqrt(np.maximum(squared[np.arange(len(curves)), nearest], 0.0) / curves.shape[1])
    return rms, nearest


def fitted(curves):
    """Each curve's fitted (frequency, phase), scaled by the dataset's ranges, and its jitter:
    what is left once its best sinusoid is taken away."""
    fit = sine_fit(curves)
    best = (fit["amplitude"][:, None] * np.sin(fit["frequency"][:, None] * sine_gan.X_COORDS
                                               + fit["phase"][:, None]) + fit["offset"][:, None])
    points = np.stack([fit["frequency"] / 1.5, fit["phase"] / (np.pi - 1.0)], axis=1)
    return points, np.asarray(curves, dtype="float64") - best


def memorisation_ratio(generated, X_TRAIN, fresh_real):
    """How much nearer the training set the generated curves are than new curves are.

    Every curve becomes a point, its fitted frequency and phase; the measure is
    the median distance from a generated curve's point to the nearest training
    curve's, over the same for new real curves given the generated curves' own
    jitter (so that the jitter, which blurs the fit, is the same on both sides).
    New curves score about 1; copies of training curves, whatever their jitter,
    score lower, since their points sit on training points.
    """
    train, _ = fitted(X_TRAIN)
    points, jitter = fitted(generated)
    fresh, _ = fitted(np.asarray(fresh_real[:len(points)], dtype="float64") + jitter)

    def nearest(p):
        return np.sqrt(((p[:, None, :] - train[None, :, :]) ** 2).sum(-1).min(1))

    return float(np.median(nearest(points)) / np.median(nearest(fresh)))


def overfit_gap(predict, X_TRAIN, rng):
    """How much more real a discriminator finds its training curves than new ones, and the
    noise floor of that gap: (mean on the training set - mean on as many fresh real curves,
    the same between two fresh sets)."""
    fresh, other = real_curves(len(X_TRAIN), rng), real_curves(len(X_TRAIN), rng)
    on_fresh = float(np.mean(predict(fresh)))
    return (float(np.mean(predict(X_TRAIN))) - on_fresh,
            on_fresh - float(np.mean(predict(other))))


def cpu_seconds():
    """User and system CPU-seconds of this process so far."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def first_epoch_reaching(r2_by_epoch, level=0.9):
    """How many epochs of training until the median R² reaches `level`; `NEVER` if it never does."""
    return next((e for e, r2 in enumerate(r2_by_epoch, start=1) if r2 >= level), NEVER)


# Workers: one run, in its own process ---------------------------------------------------------

def gan_run(config, seed, epochs):
    """Train one configuration as `python sine_gan.py --seed SEED` does; its measures."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from beyond_the_slides.monitor import start_run

    build_d, build_g, pretrain_epochs = CONFIGS[config]
    start = time.perf_counter()
    monitor, rng = start_run(seed, epochs)
    run = sine_gan.run_slides(monitor, epochs, pretrain_epochs, build_d, build_g)
    plt.close("all")
    report, _ = final_report(run["generator"], run["X_TRAIN"], rng)
    report["seconds"] = time.perf_counter() - start
    report["cpu_seconds"] = cpu_seconds()  # the whole process: TensorFlow's import included
    # Measured after the run's own scoring, from a generator of their own.
    measure = np.random.default_rng([seed, 7])
    generator, X_TRAIN = run["generator"], run["X_TRAIN"]
    fresh = sine_gan.generate(generator, HELD_OUT, rng=measure)
    discriminator = run["discriminator"]
    gap, floor = overfit_gap(lambda c: discriminator.predict_on_batch(c)[:, 0], X_TRAIN,
                             measure)
    distances, nearest = nearest_distances(fresh[:4], X_TRAIN)
    r2_by_epoch = [row["median_r2"] for row in monitor.history]
    report.update({
        "r2_by_epoch": r2_by_epoch,
        "r2_early": float(np.mean(r2_by_epoch[:EARLY_EPOCHS])),
        "first_epoch_r2_0.9": first_epoch_reaching(r2_by_epoch),
        "pretrain_accuracy": [float(a) for a in run["accuracies"]],
        "memorisation_ratio": memorisation_ratio(fresh, X_TRAIN, real_curves(HELD_OUT, measure)),
        "median_r2_fresh": r2_summary(sine_fit(fresh)["r2"])["median_r2"],
        "d_overfit_gap": gap, "d_noise_floor": floor,
        "examples": {"generated": fresh[:4].tolist(), "nearest": X_TRAIN[nearest].tolist(),
                     "distance": distances.tolist()},
    })
    return report


def pretraining_run(seed):
    """The slides' pretraining for 256 epochs; held-out accuracy after each of `PRETRAIN_CHECKS`."""
    from beyond_the_slides.monitor import seed_everything

    start = time.perf_counter()
    seed_everything(seed)
    X_TRAIN = sine_gan.make_dataset()
    discriminator = sine_gan.build_discriminator()
    NOISE = sine_gan.make_noise()
    measure = np.random.default_rng([seed, 7])
    held_out = np.concatenate([real_curves(HELD_OUT, measure),
                               measure.uniform(-1, 1, (HELD_OUT, 64)).astype("float32")])
    labels = np.concatenate([np.ones(HELD_OUT), np.zeros(HELD_OUT)])
    batch, held, done = [], {}, 0
    for epochs in PRETRAIN_CHECKS:  # the worker sends the table to stderr
        batch += sine_gan.pretrain_discriminator(discriminator, X_TRAIN, NOISE, epochs - done)
        done = epochs
        guess = discriminator.predict_on_batch(held_out)[:, 0] >= 0.5
        held[str(epochs)] = float(np.mean(guess == labels))
    return {"pretrain_accuracy": [float(a) for a in batch], "held_out_accuracy": held,
            "seconds": time.perf_counter() - start, "cpu_seconds": cpu_seconds()}


def worker(config, seed, epochs):
    """In this process: one run, its measures printed as JSON (the contract of seeds.py)."""
    with contextlib.redirect_stdout(sys.stderr):  # the run's tables are not the result
        report = pretraining_run(seed) if config == PRETRAINING_ONLY else gan_run(
            config, seed, epochs)
    print(json.dumps(report))
    return 0


def describe(report):
    """One run's result in a line."""
    if "held_out_accuracy" in report:
        return "held-out accuracy " + ", ".join(
            f"{e}: {a:.3f}" for e, a in report["held_out_accuracy"].items())
    return (f"R² {report['median_r2']:.4f}, early {report['r2_early']:.3f}, roughness "
            f"{report['roughness_ratio']:.1f}x, W1 {report['frequency_w1']:.3f}, memorisation "
            f"{report['memorisation_ratio']:.2f}, gap {report['d_overfit_gap']:+.4f}, "
            f"{report['cpu_seconds']:.0f} CPU-s")


# Figures -------------------------------------------------------------------------------------

def plot_pretraining_effect(results, seeds_run, path):
    """Median R² per epoch over the seeds, with its range as a band, per pretraining length."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(figsize=(7.2, 4.2))
    for config, label in (("pretrain=0", "senza pre-addestramento"),
                          ("slides", "32 epoche (le slide)"), ("pretrain=128", "128 epoche")):
        curves = np.array([results[config, s]["r2_by_epoch"] for s in seeds_run
                           if (config, s) in results])
        if not len(curves):
            continue
        epochs = np.arange(1, curves.shape[1] + 1)
        line, = axis.plot(epochs, np.median(curves, axis=0), label=label)
        axis.fill_between(epochs, curves.min(axis=0), curves.max(axis=0), alpha=0.2,
                          color=line.get_color())
    axis.axhline(0.9, color="grey", linestyle="--", linewidth=1)
    axis.set_xlabel("epoche di addestramento della GAN")
    axis.set_ylabel("R² mediano (256 curve)")
    axis.set_ylim(0.0, 1.02)
    axis.set_title(f"Pre-addestramento del discriminatore ({len(seeds_run)} semi: "
                   "mediana e intervallo)", fontsize=10)
    axis.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_nearest(report, path, seed):
    """Four generated curves, each beside its nearest training curve."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    examples = report["examples"]
    fig, axes = plt.subplots(1, 4, figsize=(10, 2.8), sharey=True)
    for i, axis in enumerate(axes):
        axis.plot(sine_gan.X_COORDS, examples["generated"][i], label="generata")
        axis.plot(sine_gan.X_COORDS, examples["nearest"][i], linestyle="--",
                  label="la più vicina del training set")
        axis.set_title(f"distanza {examples['distance'][i]:.3f}", fontsize=9)
        axis.set_xlabel("x")
    axes[0].set_ylabel("y")
    axes[0].legend(loc="lower left", fontsize=7)
    fig.suptitle(f"Curve da rumore nuovo e la curva di training più vicina (seme {seed})",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# Command line --------------------------------------------------------------------------------

def machine_line(jobs):
    """The machine the runs were made on, in one line."""
    import platform

    return (f"{os.cpu_count()} CPUs ({seeds.cpu_model()}), {platform.system()}, Python "
            f"{platform.python_version()}, {jobs} run(s) at a time, one TensorFlow thread each")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--list", action="store_true", help="print the claims' names and stop")
    parser.add_argument("--protocol", action="store_true",
                        help="print every effect of the protocol and stop")
    parser.add_argument("--claim", nargs="+", choices=list(CLAIMS), metavar="NAME",
                        help="run these claims only (default: all seven)")
    parser.add_argument("--seeds", type=seeds.seed, nargs="+", default=list(CONFIRMATORY_SEEDS),
                        help="default: the confirmatory seeds, 11 to 30")
    parser.add_argument("--epochs", type=seeds.positive, default=sine_gan.EPOCHS,
                        help="GAN epochs per run (default the slides' 64; fewer for a quick look)")
    parser.add_argument("--jobs", type=seeds.positive, default=os.cpu_count() or 1)
    parser.add_argument("--save", default=None,
                        help="keep every run in SAVE.json as it ends (and go on from what it "
                        "holds), and write the tables as SAVE.md; without it, nothing is written")
    parser.add_argument("--figures", default=None, help="also draw the figures into this folder")
    parser.add_argument("--results", default=None,
                        help="no runs: the tables from a saved SAVE.json")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        config, seed, epochs, _ = args.worker  # seeds.py's contract: a folder, unused here
        return worker(config, int(seed), int(epochs))
    if args.list:
        print("\n".join(CLAIMS))
        return 0
    if args.protocol:
        print(protocol_markdown())
        return 0
    claims = args.claim or list(CLAIMS)
    if args.results:
        saved = seeds.load_results(args.results, "claims.py")
        if saved is None:
            return 2
        problem = problem_with(saved)
        if problem:
            print(f"claims.py: error: --results {args.results}: not a results file of this "
                  f"protocol ({problem})", file=sys.stderr)
            return 2
        results = {(r["config"], r["seed"]): r for r in saved["results"]}
        args.seeds, machine, failed = saved["seeds"], saved["machine"], 0
        claims = [c for c in claims if c in saved["claims"]]
    else:
        if args.save and not seeds.writable(args.save, "claims.py"):
            return 2
        machine = machine_line(args.jobs)
        configs = list(dict.fromkeys(c for claim in claims for c in configs_of(claim)))
        runs = [(config, seed) for seed in args.seeds for config in configs]
        about = {"seeds": args.seeds, "claims": claims, "machine": machine,
                 "epochs": args.epochs}
        results, failed = seeds.run_saved(runs, args.epochs, args.jobs, args.save, about,
                                          script=__file__, describe=describe)
        if results is None:
            return 130 if failed is None else failed
    text = report_markdown(results, claims, args.seeds, machine)
    print(text)
    if args.save:
        seeds.write_atomically(Path(args.save).with_suffix(".md"), text)
    if args.figures:
        figures = Path(args.figures)
        figures.mkdir(parents=True, exist_ok=True)
        plot_pretraining_effect(results, args.seeds, figures / "claims_pretraining.png")
        first = min(args.seeds)
        if ("slides", first) in results:
            plot_nearest(results["slides", first], figures / "claims_nearest.png", first)
        print(f"Figures: {figures}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(seeds.run_main(main))
