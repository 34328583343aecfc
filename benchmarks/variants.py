"""Measure the slides' GAN against the improved variant and each of its changes.

Every configuration is trained in full (64 epochs by default) once per seed,
each run in a fresh Python process, and scored on 1,000 fresh curves against
1,000 real ones, as `metrics.json` does. Prints one Markdown table per measure,
with a row per configuration and a column per seed.

Run: python benchmarks/variants.py [--seeds 1 2 3] [--configs slides improved ...]
A configuration is `slides`, `improved`, or changes joined by '+', for example
`conv_front+minibatch_std`. The changes are listed in sine_gan.VARIANTS.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEASURES = [
    ("median_r2", "median R²", "{:.4f}"),
    ("share_r2_ge_0.9", "share of curves with R² >= 0.9", "{:.3f}"),
    ("roughness_ratio", "roughness, generated / real", "{:.2f}"),
    ("diversity_ratio", "diversity, generated / real", "{:.2f}"),
    ("frequency_w1", "frequency W1", "{:.3f}"),
    ("seconds", "seconds (training and scoring, no start-up)", "{:.0f}"),
]


def run_one(config, seed, epochs, out):
    """In this process: train one configuration and write its metrics.json."""
    sys.path.insert(0, str(ROOT))
    import sine_gan

    variant = config if config in sine_gan.VARIANTS else "slides"
    changes = sine_gan.VARIANTS[config] if config in sine_gan.VARIANTS else config.split("+")
    args = argparse.Namespace(seed=seed, epochs=epochs, pretrain_epochs=sine_gan.PRETRAIN_EPOCHS,
                              variant=variant, out=out)
    start = time.perf_counter()
    written, code = sine_gan.run_training(args, Path(out), changes)
    seconds = time.perf_counter() - start
    metrics = json.loads((Path(out) / "metrics.json").read_text())
    metrics["report"]["seconds"] = seconds
    (Path(out) / "metrics.json").write_text(json.dumps(metrics))
    return code


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--configs", nargs="+", default=["slides", "improved"])
    parser.add_argument("--epochs", type=int, default=64)
    parser.add_argument("--single", nargs=3, metavar=("CONFIG", "SEED", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.single:
        config, seed, out = args.single
        sys.exit(run_one(config, int(seed), args.epochs, out))

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for config in args.configs:
            for seed in args.seeds:
                out = Path(tmp) / f"{config}-{seed}"
                out.mkdir()
                done = subprocess.run(
                    [sys.executable, __file__, "--epochs", str(args.epochs),
                     "--single", config, str(seed), str(out)],
                    capture_output=True, text=True)
                if done.returncode != 0:
                    print(f"{config} seed {seed}: failed\n{done.stderr[-2000:]}", file=sys.stderr)
                    continue
                report = json.loads((out / "metrics.json").read_text())["report"]
                results[config, seed] = report
                print(f"{config} seed {seed}: " + ", ".join(
                    f"{key} {fmt.format(report[key])}" for key, _, fmt in MEASURES), flush=True)

    for key, title, fmt in MEASURES:
        print(f"\n{title}\n")
        print("| configuration | " + " | ".join(f"seed {s}" for s in args.seeds) + " |")
        print("|---|" + "---|" * len(args.seeds))
        for config in args.configs:
            cells = [fmt.format(results[config, s][key]) if (config, s) in results else "failed"
                     for s in args.seeds]
            print(f"| {config} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
