"""Score configurations of the GAN over many seeds: min, median and max.

Each (configuration, seed) is a full training run in a fresh Python process,
scored on 1,000 fresh curves against 1,000 real ones, as `metrics.json` is,
and by the classifier two-sample test of `benchmarks/classifier.py`, on the
curves and on the family. The configuration `real` trains nothing: it is the
test's control, real curves against real curves, which should score 0.5.
Runs go `--jobs` at a time, seed by seed, so that the configurations of one
seed run side by side; TensorFlow's threads are split between the jobs. A line
is printed as each run ends. At the end, one table per measure: min, median
and max over the seeds, how many seeds meet the improved variant's target,
and the value of every seed. The tables are written as Markdown and the raw
results as JSON.

Run: python benchmarks/seeds.py [--configs real slides improved] [--seeds 1 2 ... 10]
A configuration is `real`, a variant (`slides`, `improved`, `wgan`,
`converging`), changes of the improved variant joined by '+', for example
`conv_front+minibatch_std` (the changes are `improved.IMPROVEMENTS`), or the
converging variant less one part, for example `converging-no_r1` (the parts
are `converging.ABLATIONS`), or with one of the learned changes tried against
its spread of amplitudes, for example `converging~critic_rate_x2` (`TRIES`).
"""

import argparse
import contextlib
import functools
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import benchmarks.classifier as classifier  # noqa: E402
import sine_gan  # noqa: E402
from beyond_the_slides import score  # noqa: E402
from beyond_the_slides.converging import (  # noqa: E402
    ABLATIONS,
    BETAS,
    EMA_MOMENTUM,
    LEARNING_RATE,
    build_converging_generator,
    converging_recipe,
    run_converging,
)
from beyond_the_slides.critic_gan import build_critic, run_critic_gan  # noqa: E402
from beyond_the_slides.experiment import VARIANTS, run_variant  # noqa: E402
from beyond_the_slides.improved import (  # noqa: E402
    IMPROVEMENTS,
    build_improved_discriminator,
    build_improved_generator,
)
from beyond_the_slides.safe_files import output_folder  # noqa: E402
from beyond_the_slides.saved_run import TRAINING_FILES, train  # noqa: E402
from beyond_the_slides.signals import STOP_SIGNALS, handling  # noqa: E402

CONTROL = "real"  # the classifier test's control: no training, real against real

# (key in the report, title, format, targets: {variant: (comparison, bound)}); the improved
# variant's and the converging variant's targets
MEASURES = [
    ("median_r2", "median R²", "{:.4f}", {"improved": (">=", 0.995),
                                           "converging": (">=", 0.999)}),
    (score.SHARE_KEY, "share of curves with R² >= 0.9", "{:.3f}", {}),
    ("roughness_ratio", "roughness, generated / real", "{:.2f}",
     {"improved": ("<=", 2.0), "converging": ("<=", 1.5)}),
    ("diversity_ratio", "diversity, generated / real", "{:.2f}",
     {"improved": (">=", 0.9), "converging": (">=", 0.95)}),
    ("frequency_w1", "frequency W1", "{:.3f}", {"improved": ("<=", 0.10),
                                                "converging": ("<=", 0.05)}),
    ("amplitude_within_5", "share of curves with amplitude within 5% of 1 (real: 1)", "{:.3f}",
     {"converging": (">=", 0.95)}),
    ("amplitude_within_2", "share of curves with amplitude within 2% of 1 (real: 1)", "{:.3f}",
     {}),
    (score.PEAK_KEY, f"share of curves peaking above {score.PEAK_ABOVE} (real: 0)", "{:.3f}", {}),
    ("c2st_curves", "classifier accuracy, on the curves", "{:.3f}",
     {"improved": ("<=", 0.95), "converging": ("<=", 0.60)}),
    ("c2st_family", "classifier accuracy, on the family", "{:.3f}",
     {"improved": ("<=", 0.60), "converging": ("<=", 0.55)}),
    ("seconds", "seconds (training, scoring and writing; no start-up)", "{:.0f}", {}),
    ("time_ratio", "time, over the slides' run of the same seed", "{:.2f}",
     {"improved": ("<=", 1.5)}),
    ("cpu_seconds", "CPU-seconds of the whole run, start-up included (no classifier)",
     "{:.0f}", {}),
    ("cpu_ratio", "CPU-seconds, over the slides' run of the same seed", "{:.2f}",
     {"converging": ("<=", 1.5)}),
]


def tried_optimizers(critic=1, generator=1, momentum=EMA_MOMENTUM):
    """The recipe's optimizers with its learning rates scaled, or another averaging momentum."""
    def optimizers():
        import keras

        return (keras.optimizers.Adam(LEARNING_RATE * critic, *BETAS),
                keras.optimizers.Adam(LEARNING_RATE * generator, *BETAS, use_ema=True,
                                      ema_momentum=momentum))

    return optimizers


# Learned changes tried against the spread of the converging variant's amplitudes, each
# overriding one entry of its recipe (docs/variants.md, "Amplitude, as it is"): a longer
# average of the generator's weights, other learning rates, or more updates an epoch.
TRIES = {"average_0.9995": {"optimizers": tried_optimizers(momentum=0.9995)},
         "average_0.9998": {"optimizers": tried_optimizers(momentum=0.9998)},
         "generator_rate_x2": {"optimizers": tried_optimizers(generator=2)},
         "generator_rate_x0.5": {"optimizers": tried_optimizers(generator=0.5)},
         "both_rates_x0.5": {"optimizers": tried_optimizers(critic=0.5, generator=0.5)},
         "critic_rate_x2": {"optimizers": tried_optimizers(critic=2)},
         "updates_384": {"updates_per_epoch": 384}}


def meets(value, target):
    comparison, bound = target
    return value >= bound if comparison == ">=" else value <= bound


def steps_of(config):
    """The steps and the two builders of a configuration that is not a variant (ValueError
    if it is none)."""
    if config.startswith("converging~"):
        name = config.split("~", 1)[1]
        if name not in TRIES:
            raise ValueError(f"unknown try {name!r}; known: {', '.join(TRIES)}")
        recipe = {**converging_recipe(), **TRIES[name]}
        return (functools.partial(run_critic_gan, recipe, "converging"), build_critic,
                build_converging_generator)
    if config.startswith("converging-"):
        part = config.split("-", 1)[1]
        if part not in ABLATIONS:
            raise ValueError(f"unknown part {part!r}; known: {', '.join(ABLATIONS)}")
        return (functools.partial(run_converging, without=(part,)), build_critic,
                functools.partial(build_converging_generator, (part,)))
    changes = tuple(config.split("+"))
    unknown = set(changes) - set(IMPROVEMENTS)
    if unknown:
        raise ValueError(f"unknown change {sorted(unknown)}; known: {', '.join(IMPROVEMENTS)}")
    return (sine_gan.run_slides, functools.partial(build_improved_discriminator, changes),
            functools.partial(build_improved_generator, changes))


def run_config(config, monitor, pretrain_epochs):
    """The six steps of a configuration under the monitor; the run."""
    if config in VARIANTS:
        return run_variant(config, monitor, pretrain_epochs)
    steps, build_d, build_g = steps_of(config)
    return steps(monitor, monitor.epochs, pretrain_epochs, build_d, build_g)


def worker(config, seed, epochs, out):
    """In this process: train one configuration, print its report as JSON.

    The report has the run's scores, its time, and the classifier test on
    the generator it saved; for the control, the classifier test alone.
    """
    import contextlib

    if config == CONTROL:
        print(json.dumps(classifier.control(seed)))
        return 0
    start = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):  # the run's tables are not the result
        with output_folder(out, TRAINING_FILES) as (folder, files):
            stopped_by, diverged = train(folder, files, config, seed, epochs,
                                         run_config=run_config)
    report = json.loads((Path(out) / "metrics.json").read_text())["report"]
    report["seconds"] = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)  # before the classifier's training
    report["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    import keras

    generator = keras.models.load_model(Path(out) / "generator.keras")
    report.update(classifier.two_sample_accuracies(classifier.generator_sampler(generator), seed))
    print(json.dumps(report))
    return 1 if stopped_by or diverged else 0


def seed(text):
    """An argparse type: a seed, a whole number from 0 to 2**32 - 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be between 0 and 4294967295, got {value}")
    return value


def write_atomically(path, text):
    """Write `text` at `path` whole or not at all: a temporary file beside it, then a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_results(path, prog):
    """A saved results file's content; None, after one line on stderr, if it is not one."""
    try:
        if not Path(path).is_file():  # a FIFO or a device would hang the read
            raise ValueError("not a regular file" if Path(path).exists() else
                             "No such file or directory")
        saved = json.loads(Path(path).read_text(encoding="utf-8"))
        if not (isinstance(saved, dict) and isinstance(saved.get("results"), list)
                and all(isinstance(r, dict) and "config" in r and "seed" in r
                        for r in saved["results"])):
            raise ValueError("not a results file of this benchmark")
    except (OSError, ValueError) as err:
        reason = getattr(err, "strerror", None) or str(err).split(":")[0]
        print(f"{prog}: error: --results {path}: {reason}", file=sys.stderr)
        return None
    return saved


def cpu_model():
    """The processor's model name, as the kernel gives it."""
    import platform

    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "cpu"


def provenance():
    """Where a run comes from: the commit of the code (with '+changes' if the tracked files,
    saved results aside, differ from it) and the processor."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        changed = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", ".",
                                  ":!benchmarks/results"], cwd=ROOT).returncode != 0
    except (OSError, subprocess.CalledProcessError):
        head, changed = "unknown", False
    return {"commit": head + ("+changes" if changed else ""), "cpu": cpu_model()}


def run_saved(runs, epochs, jobs, save, about, script=__file__, describe=None):
    """Each (configuration, seed) of `runs` in a fresh process of `script`, `jobs` at a time.

    With `save`, the runs that SAVE.json already holds are not run again, and
    every run that ends is added to it at once (whole or not at all), so that
    a long benchmark can stop and go on later. TensorFlow's threads are split
    between the jobs; a line is printed as each run ends. Returns the reports
    by (configuration, seed) and how many runs failed; each new report carries the commit
    and processor it ran on and the time it finished (UTC). On Ctrl-C or SIGTERM,
    every worker is stopped, their temporary folders removed, and it returns
    (None, None) after saying what was kept.
    """
    describe = describe or globals()["describe"]
    results, path = {}, Path(save).with_suffix(".json") if save else None
    if path and path.exists():
        saved = load_results(path, Path(script).name)
        if saved is None:
            return None, 2
        results = {(r["config"], r["seed"]): {k: v for k, v in r.items()
                                              if k not in ("config", "seed")}
                   for r in saved["results"]}
    todo = [run for run in runs if run not in results]
    origin = provenance()
    cores = os.cpu_count() or 1
    threads = max(1, cores // jobs)
    print(f"{len(todo)} runs of {epochs} epochs ({len(runs) - len(todo)} already in {path}), "
          f"{jobs} at a time, {threads} TensorFlow thread(s) each, on {cores} cores"
          if path else f"{len(todo)} runs of {epochs} epochs, {jobs} at a time, {threads} "
          f"TensorFlow thread(s) each, on {cores} cores", flush=True)
    env = dict(os.environ, TF_NUM_INTRAOP_THREADS=str(threads),
               TF_NUM_INTEROP_THREADS=str(threads))
    running, failed, done = {}, 0, 0
    try:
        while todo or running:
            while todo and len(running) < jobs:
                config, seed = todo.pop(0)
                folder = tempfile.TemporaryDirectory(prefix="sine-gan-run-")
                out = open(Path(folder.name) / "stdout", "w+")
                err = open(Path(folder.name) / "stderr", "w+")
                proc = subprocess.Popen(
                    [sys.executable, str(script), "--worker", config, str(seed), str(epochs),
                     str(Path(folder.name) / "run")], stdout=out, stderr=err, env=env,
                    start_new_session=True)  # a Ctrl-C reaches them through us alone
                running[proc] = (config, seed, folder, out, err)
            time.sleep(0.2)
            for proc in [p for p in running if p.poll() is not None]:
                config, seed, folder, out, err = running.pop(proc)
                out.seek(0)
                err.seek(0)
                text, errors = out.read(), err.read()
                out.close()
                err.close()
                folder.cleanup()
                done += 1
                try:
                    if proc.returncode != 0:
                        raise ValueError(errors[-2000:])
                    report = results[config, seed] = json.loads(text.strip().splitlines()[-1])
                    report.update(origin, finished=time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                 time.gmtime()))
                except (ValueError, IndexError) as problem:
                    failed += 1
                    print(f"[{done}] {config} seed {seed} failed:\n{problem}", file=sys.stderr,
                          flush=True)
                    continue
                print(f"[{done}] {config} seed {seed}: " + describe(report), flush=True)
                if path:
                    save_json(path, results, **about)
    except KeyboardInterrupt:
        for proc, (_, _, folder, out, err) in running.items():
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            out.close()
            err.close()
            folder.cleanup()
        kept = f"{len(results)} runs kept in {path}" if path else "nothing saved (no --save)"
        print(f"Interrupted: {len(running)} runs stopped, {len(todo)} not started; {kept}.",
              file=sys.stderr)
        return None, None
    return results, failed


def save_json(path, results, **about):
    """`about` and every run's report, as JSON, whole or not at all."""
    write_atomically(path, json.dumps(
        {**about,
         "results": [{"config": c, "seed": s, **r} for (c, s), r in sorted(results.items())]},
        indent=1) + "\n")


def writable(save, prog):
    """Whether SAVE.json can be written (its folder made, a file created there); if not,
    says so in one line on stderr, before any run is made."""
    folder = Path(save).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as err:
        print(f"{prog}: error: --save {save}: cannot write there ({err.strerror or err})",
              file=sys.stderr)
        return False
    return True


def run_main(main):
    """Run a benchmark's `main()`: SIGTERM and SIGHUP stop it as Ctrl-C does (its workers
    too); returns the exit code, 128 + the signal's number when one stopped it."""
    stopped = []

    def stop(signum, frame):
        stopped.append(signum)
        raise KeyboardInterrupt

    for signum in filter(handling, STOP_SIGNALS):
        signal.signal(signum, stop)
    try:
        code = main()
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        code = 130
    return 128 + stopped[0] if stopped else code


def describe(report):
    """One run's result in a line."""
    text = (f"classifier {report['c2st_curves']:.3f} on the curves, "
            f"{report['c2st_family']:.3f} on the family")
    if "median_r2" not in report:
        return text
    return (f"R² {report['median_r2']:.4f}, roughness {report['roughness_ratio']:.2f}x, "
            f"diversity {report['diversity_ratio']:.2f}, W1 {report['frequency_w1']:.3f}, "
            f"{text}, {report['seconds']:.0f} s")


def add_time_ratios(results):
    """Each run's seconds, and CPU-seconds, over those of the slides' run of the same seed."""
    for (_, seed), report in results.items():
        slides = results.get(("slides", seed), {})
        for key, ratio in (("seconds", "time_ratio"), ("cpu_seconds", "cpu_ratio")):
            if key in slides and key in report:
                report[ratio] = report[key] / slides[key]


def markdown(results, configs, seeds, targets="improved"):
    """The tables: a summary per measure (how many seeds meet the `targets` variant's target),
    then every seed's values."""
    lines = []
    for key, title, fmt, goals in MEASURES:
        target = goals.get(targets)
        rows = [(c, [results[c, s][key] for s in seeds if key in results.get((c, s), {})])
                for c in configs]
        rows = [(c, values) for c, values in rows if values]
        if not rows:
            continue
        goal = f" (target {target[0]} {target[1]:g})" if target else ""
        lines += ["", f"**{title}**{goal}", "",
                  "| configuration | min | median | max |" + (" seeds meeting the target |"
                                                            if target else ""),
                  "|---|---|---|---|" + ("---|" if target else "")]
        for config, values in rows:
            cells = [fmt.format(v) for v in (min(values), statistics.median(values), max(values))]
            if target:
                cells.append(f"{sum(meets(v, target) for v in values)} of {len(values)}")
            lines.append(f"| {config} | " + " | ".join(cells) + " |")
    lines += ["", "<details><summary>Every seed</summary>", ""]
    for key, title, fmt, _ in MEASURES:
        if not any(key in results.get((c, s), {}) for c in configs for s in seeds):
            continue
        lines += ["", f"**{title}**", "",
                  "| configuration | " + " | ".join(f"seed {s}" for s in seeds) + " |",
                  "|---|" + "---|" * len(seeds)]
        for config in configs:
            cells = [fmt.format(results[config, s][key]) if key in results.get((config, s), {})
                     else "–" for s in seeds]
            lines.append(f"| {config} | " + " | ".join(cells) + " |")
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def named(text):
    """An argparse type: NAME=VALUE, as a pair."""
    name, _, value = text.partition("=")
    if not (name and value):
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--configs", nargs="+", default=[CONTROL, "slides", "improved"])
    parser.add_argument("--seeds", type=seed, nargs="+", default=list(range(1, 11)))
    parser.add_argument("--epochs", type=positive, default=64)
    parser.add_argument("--targets", choices=["improved", "converging"], default="improved",
                        help="whose targets the tables count seeds against (default improved)")
    parser.add_argument("--jobs", type=positive, default=os.cpu_count() or 1,
                        help="runs at a time (default: the number of cores)")
    parser.add_argument("--save", default=None,
                        help="keep every run in SAVE.json as it ends (and go on from what it "
                        "holds), and write the tables as SAVE.md; without it, nothing is written")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        config, seed, epochs, out = args.worker
        return worker(config, int(seed), int(epochs), out)
    for config in args.configs:
        if config in (CONTROL, *VARIANTS):
            continue
        try:
            steps_of(config)  # an unknown configuration fails here, not in a worker
        except ValueError as err:
            print(f"seeds.py: error: --configs {config}: {err}", file=sys.stderr)
            return 2
    if args.save and not writable(args.save, "seeds.py"):
        return 2
    runs = [(config, seed) for seed in args.seeds for config in args.configs]
    about = {"epochs": args.epochs, "seeds": args.seeds, "configs": args.configs,
             "jobs": args.jobs}
    results, failed = run_saved(runs, args.epochs, args.jobs, args.save, about)
    if results is None:
        return 130 if failed is None else failed
    add_time_ratios(results)
    table = markdown(results, args.configs, args.seeds, args.targets)
    print(table)
    if args.save:
        write_atomically(Path(args.save).with_suffix(".md"), table)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(run_main(main))
