"""The deck's claims, put to the test: each one measured over seeds, with a verdict.

Each claim is an experiment that changes only what the claim is about and
keeps everything else the slides': the data, the noise, the loop, 64 epochs.
Every (configuration, seed) is a run in a fresh process, as in
`benchmarks/seeds.py`, whose machinery runs them. A run of the configuration
`slides` is the default run of `python sine_gan.py --seed N`, number for
number. A claim's table gives min / median / max over the seeds and how many
seeds show the effect the claim predicts; its verdict follows from those
counts by one rule (see `verdict()`).

Run: python benchmarks/claims.py                       # all seven claims, seeds 1-10
     python benchmarks/claims.py --claim dropout --seeds 11 12
     python benchmarks/claims.py --list                # the claims' names
"""

import time

PROCESS_START = time.perf_counter()  # a run's time includes importing TensorFlow

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import benchmarks.seeds as seeds  # noqa: E402
import sine_gan  # noqa: E402
from benchmarks.deck_claims import (  # noqa: E402
    CLAIMS,
    NEVER,
    PRETRAIN_CHECKS,
    PRETRAINING_ONLY,
    TITLES,
)
from beyond_the_slides.improved import build_improved_generator  # noqa: E402
from beyond_the_slides.score import final_report, r2_summary, sine_fit  # noqa: E402

HELD_OUT = 1000  # fresh real and fresh noise curves for held-out accuracy and distances


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
    "hidden=64": (sine_gan.build_discriminator, generator_with_hidden(64),
                  sine_gan.PRETRAIN_EPOCHS),
    "hidden=1024": (sine_gan.build_discriminator, generator_with_hidden(1024),
                    sine_gan.PRETRAIN_EPOCHS),
    "hidden=512+512": (sine_gan.build_discriminator, generator_with_hidden(512, 512),
                       sine_gan.PRETRAIN_EPOCHS),
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


def copy_ratio(generated, X_TRAIN, fresh_real):
    """Median distance of generated curves to the training set, over that of fresh real curves.

    Fresh real curves, drawn by the dataset's law, are new curves: a
    generator that draws new curves scores 1 or more (more if its curves are
    off the family, trembling ones say); one that copies training curves
    scores near 0. Below `COPY_RATIO` it counts as copying.
    """
    return float(np.median(nearest_distances(generated, X_TRAIN)[0])
                 / np.median(nearest_distances(fresh_real, X_TRAIN)[0]))


def real_curves(count, rng):
    """Fresh curves drawn by the dataset's law, from `rng` (not the slides' generator)."""
    scale = rng.uniform(0.5, 2.0, (count, 1))
    phase = rng.uniform(1.0, np.pi, (count, 1))
    return np.sin(scale * sine_gan.X_COORDS + phase).astype("float32")


def first_epoch_reaching(r2_by_epoch, level=0.9):
    """How many epochs of training until the median R² reaches `level`; `NEVER` if it never does.

    (The table's epoch 017 is 18 epochs of training.)
    """
    return next((e for e, r2 in enumerate(r2_by_epoch, start=1) if r2 >= level), NEVER)


# Workers: one run, in its own process ---------------------------------------------------------

def gan_run(config, seed, epochs):
    """Train one configuration as `python sine_gan.py --seed SEED` does; its measures."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from beyond_the_slides.monitor import start_run

    build_d, build_g, pretrain_epochs = CONFIGS[config]
    banks = []
    make_noise = sine_gan.make_noise

    def kept_noise():  # the run's NOISE bank, kept to measure the generator on its rows
        banks.append(make_noise())
        return banks[-1]

    start = time.perf_counter()
    monitor, rng = start_run(seed, epochs)
    sine_gan.make_noise = kept_noise
    try:
        run = sine_gan.run_slides(monitor, epochs, pretrain_epochs, build_d, build_g)
    finally:
        sine_gan.make_noise = make_noise
    plt.close("all")
    report, _ = final_report(run["generator"], run["X_TRAIN"], rng)
    report["seconds"] = time.perf_counter() - start
    report["seconds_with_start_up"] = time.perf_counter() - PROCESS_START
    # Measured after the run's own scoring, from a generator of their own.
    measure = np.random.default_rng([seed, 7])
    generator, X_TRAIN, NOISE = run["generator"], run["X_TRAIN"], banks[0]
    fresh = sine_gan.generate(generator, HELD_OUT, rng=measure)
    rows = generator.predict_on_batch(NOISE[measure.choice(len(NOISE), HELD_OUT, replace=False)])
    real = real_curves(HELD_OUT, measure)
    discriminator = run["discriminator"]
    on_training = discriminator.predict_on_batch(X_TRAIN[measure.choice(len(X_TRAIN), HELD_OUT,
                                                                        replace=False)])
    on_fresh_real = discriminator.predict_on_batch(real)
    distances, nearest = nearest_distances(fresh[:4], X_TRAIN)
    r2_by_epoch = [row["median_r2"] for row in monitor.history]
    report.update({
        "r2_by_epoch": r2_by_epoch,
        "first_epoch_r2_0.9": first_epoch_reaching(r2_by_epoch),
        "pretrain_accuracy": [float(a) for a in run["accuracies"]],
        "copy_ratio_fresh": copy_ratio(fresh, X_TRAIN, real),
        "copy_ratio_noise_rows": copy_ratio(rows, X_TRAIN, real),
        "median_r2_noise_rows": r2_summary(sine_fit(rows)["r2"])["median_r2"],
        "median_r2_fresh": r2_summary(sine_fit(fresh)["r2"])["median_r2"],
        # How much more real the discriminator finds the curves it trained on than new
        # real ones: what overfitting would show.
        "d_overfit_gap": float(np.mean(on_training) - np.mean(on_fresh_real)),
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
            "seconds": time.perf_counter() - start}


def worker(config, seed, epochs, out):
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
    return (f"R² {report['median_r2']:.4f}, first >= 0.9 at epoch "
            f"{report['first_epoch_r2_0.9']}, roughness {report['roughness_ratio']:.1f}x, "
            f"W1 {report['frequency_w1']:.3f}, copy ratio {report['copy_ratio_fresh']:.2f}, "
            f"{report['seconds']:.0f} s")


def value(report, key):
    """A measure of one run's report; `held_out_accuracy.N` reaches into its dict."""
    if key.startswith("held_out_accuracy."):
        return report["held_out_accuracy"][key.split(".", 1)[1]]
    if key == "r2_after_8":  # where the table's row 007 stands
        return report["r2_by_epoch"][7]
    return report[key]


def configs_of(claim):
    """The configurations a claim runs."""
    rows = CLAIMS[claim]["rows"]
    return list(dict.fromkeys(config for config, _ in rows))


def effect_counts(results, effect, seeds_run):
    """How many seeds show an effect, out of the seeds with both runs."""
    _, a, b, key, direction = effect
    shown = total = 0
    for seed in seeds_run:
        if (a, seed) not in results:
            continue
        if isinstance(b, str) and b.startswith("held_out_accuracy."):
            # Within one pretraining run: the later check against the earlier one.
            left, right = value(results[a, seed], key), value(results[a, seed], b)
        elif isinstance(b, str):
            if (b, seed) not in results:
                continue
            left, right = value(results[a, seed], key), value(results[b, seed], key)
        else:
            left, right = value(results[a, seed], key), b
        total += 1
        shown += left > right if direction == "higher" else left < right
    return shown, total


def verdict(counts, holds_when="effect"):
    """The verdict of a claim from how many seeds show each of its effects.

    An effect is *shown* when at least 80% of the seeds show it, *reversed*
    when at most 20% do (the opposite is shown), and *within the seed-to-seed
    spread* otherwise. A claim that predicts its effects holds when all are
    shown, holds only in part when some are, does not hold when none is and
    some are reversed, and is within the seed-to-seed spread when all are. A
    claim that predicts no effect ("a number like any other") holds when
    every effect is within the spread, holds only in part when some are, and
    does not hold when none is.
    """
    states = []
    for shown, total in counts:
        if total == 0:
            states.append("not measured")
        elif shown >= 0.8 * total:
            states.append("shown")
        elif shown <= 0.2 * total:
            states.append("reversed")
        else:
            states.append("within the seed-to-seed spread")
    spread = "within the seed-to-seed spread"
    if "not measured" in states:
        return "not measured", states
    if holds_when == "no effect":
        present = sum(state == spread for state in states)
    else:
        present = sum(state == "shown" for state in states)
        if present == 0 and all(state == spread for state in states):
            return spread, states
    word = ("holds" if present == len(states) else "does not hold" if present == 0
            else "holds only in part")
    return word, states


def claim_table(claim, results, seeds_run):
    """A claim's table and verdict, in Markdown, from the results."""
    spec = CLAIMS[claim]
    lines = ["| configuration | measure | min | median | max | seeds |",
             "|---|---|---|---|---|---|"]
    for config, key in spec["rows"]:
        values = [value(results[config, s], key) for s in seeds_run if (config, s) in results]
        if not values:
            continue
        title, fmt = TITLES[key]
        cells = [fmt.format(v) for v in (min(values), statistics.median(values), max(values))]
        lines.append(f"| {config} | {title} | " + " | ".join(cells) + f" | {len(values)} |")
    counts = [effect_counts(results, effect, seeds_run) for effect in spec["effects"]]
    word, states = verdict(counts, spec.get("holds_when", "effect"))
    lines += ["", "| effect the claim predicts | seeds that show it | reading |", "|---|---|---|"]
    for effect, (shown, total), state in zip(spec["effects"], counts, states):
        lines.append(f"| {effect[0]} | {shown} of {total} | {state} |")
    lines += ["", f"**Verdict: {word}.**"]
    return "\n".join(lines), word


def verdicts(saved):
    """(name, claim, verdict) for each claim of a saved results file's content."""
    results = {(r["config"], r["seed"]): r for r in saved["results"]}
    return [(name, CLAIMS[name], claim_table(name, results, saved["seeds"])[1])
            for name in saved["claims"]]


def report_markdown(results, claims, seeds_run, machine):
    parts = [f"Claims measured on seeds {', '.join(map(str, seeds_run))}; {machine}."]
    for claim in claims:
        spec = CLAIMS[claim]
        table, _ = claim_table(claim, results, seeds_run)
        parts += ["", f"## {claim}", "", f"*{spec['words']}* ({spec['slide']}): {spec['gloss']}.",
                  "", spec["experiment"], "", table]
    return "\n".join(parts) + "\n"


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


def plot_nearest(report, path):
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
    fig.suptitle("Curve da rumore nuovo e la curva di training più vicina (seme 1)",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# Command line --------------------------------------------------------------------------------

def machine_line(jobs):
    """The machine the runs were made on, in one line."""
    import platform

    model = platform.processor() or "cpu"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (f"{os.cpu_count()} CPUs ({model}), {platform.system()}, Python "
            f"{platform.python_version()}, {jobs} run(s) at a time, one TensorFlow thread each")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print the claims' names and stop")
    parser.add_argument("--claim", nargs="+", choices=list(CLAIMS), metavar="NAME",
                        help="run these claims only (default: all seven)")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 11)))
    parser.add_argument("--epochs", type=seeds.positive, default=sine_gan.EPOCHS,
                        help="GAN epochs per run (default the slides' 64; fewer for a quick look)")
    parser.add_argument("--jobs", type=seeds.positive, default=os.cpu_count() or 1)
    parser.add_argument("--save", default=None,
                        help="write SAVE.json and SAVE.md (default, for all claims on seeds "
                        "1-10: benchmarks/results/claims, with the figures in docs/figures)")
    parser.add_argument("--results", metavar="JSON",
                        help="run nothing: make the tables (and figures) from a saved JSON")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        config, seed, epochs, out = args.worker
        return worker(config, int(seed), int(epochs), out)
    if args.list:
        print("\n".join(CLAIMS))
        return 0
    claims = args.claim or list(CLAIMS)
    if args.results:
        saved = json.loads(Path(args.results).read_text(encoding="utf-8"))
        results = {(r["config"], r["seed"]): r for r in saved["results"]}
        args.seeds, machine, failed = saved["seeds"], saved["machine"], 0
    else:
        configs = list(dict.fromkeys(c for claim in claims for c in configs_of(claim)))
        runs = [(config, seed) for seed in args.seeds for config in configs]
        results, failed = seeds.run_many(runs, args.epochs, args.jobs, script=__file__,
                                         describe=describe)
        machine = machine_line(args.jobs)
    text = report_markdown(results, claims, args.seeds, machine)
    print(text)
    everything = (claims == list(CLAIMS) and args.seeds == list(range(1, 11))
                  and args.epochs == sine_gan.EPOCHS)
    save = Path(args.save) if args.save else (
        ROOT / "benchmarks" / "results" / "claims" if everything else None)
    if save:
        seeds.save_results(save, text, results, seeds=args.seeds, claims=claims, machine=machine)
    if everything:
        figures = ROOT / "docs" / "figures"
        figures.mkdir(parents=True, exist_ok=True)
        plot_pretraining_effect(results, args.seeds, figures / "claims_pretraining.png")
        if ("slides", 1) in results:
            plot_nearest(results["slides", 1], figures / "claims_nearest.png")
        print(f"Figures: {figures}")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the runs under way get the same Ctrl-C and stop too
        print("Interrupted: no table written.", file=sys.stderr)
        sys.exit(130)
