"""Amplitude, as it is: how near 1 the fitted amplitudes lie and how many curves peak above
1.02, for real curves, for real curves scaled by a random factor in [0.97, 1.03], and for
saved generators; and whether the classifier test sees the scaled curves.

Run: python benchmarks/amplitude.py --model slides=outputs/generator.keras [NAME=PATH ...]
        [--count 1000]
Prints one Markdown table; writes nothing. Seeded: the same table every run, and each
generator draws from the same noise, so that its row does not depend on the others listed.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import sine_gan  # noqa: E402
from benchmarks import classifier  # noqa: E402
from benchmarks.seeds import named, positive  # noqa: E402
from beyond_the_slides import score  # noqa: E402

COUNT = 1000
SCALE = 0.03  # the control's amplitudes: uniform in [1 - SCALE, 1 + SCALE]


def scaled(count, rng):
    """Real curves, each multiplied by its own factor near 1."""
    return classifier.real_curves(count, rng) * rng.uniform(1 - SCALE, 1 + SCALE, (count, 1))


def row(name, curves, real, c2st=None):
    report, _ = score.sine_report(curves, real)
    cells = [f"{report['amplitude_within_5']:.1%}", f"{report['amplitude_within_2']:.1%}",
             f"{report[score.PEAK_KEY]:.1%}", "–" if c2st is None else f"{c2st:.3f}"]
    return f"| {name} | " + " | ".join(cells) + " |"


def main(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--model", type=named, nargs="*", default=[], metavar="NAME=PATH")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=positive, default=COUNT,
                        help=f"curves fitted a row (default {COUNT})")
    args = parser.parse_args(argv)
    rng = np.random.default_rng([args.seed, 5])
    real = classifier.real_curves(args.count, rng)
    control = classifier.two_sample_accuracies(scaled, args.seed)["c2st_curves"]
    lines = ["| curves | amplitude within 5% of 1 | within 2% | peaking above "
             f"{score.PEAK_ABOVE} | classifier, on the curves |", "|---|---|---|---|---|",
             row("real", classifier.real_curves(args.count, rng), real),
             row(f"real, scaled by a factor in [{1 - SCALE:g}, {1 + SCALE:g}]",
                 scaled(args.count, rng), real, control)]
    from beyond_the_slides.safe_files import UsageError
    from beyond_the_slides.saved_generator import load_generator

    for name, path in args.model:
        try:
            generator = load_generator(path)
        except UsageError as err:
            print(f"amplitude.py: error: {err}", file=sys.stderr)
            return 2
        noise = np.random.default_rng([args.seed, 6])
        lines.append(row(name, sine_gan.generate(generator, args.count, rng=noise), real))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
