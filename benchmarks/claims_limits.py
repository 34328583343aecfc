"""What two of the claims' measures can and cannot catch, on made-up data: the memorisation
ratio against sets that copy a share of the training curves, and the overfitting gap's
comparison against simulated seeds with a known effect.

Run: python benchmarks/claims_limits.py [--results benchmarks/results/claims.json]
Prints two Markdown tables; writes nothing. Seeded: the same tables every run.
"""

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks.claims import memorisation_ratio  # noqa: E402
from benchmarks.classifier import real_curves  # noqa: E402
from benchmarks.deck_claims import NOT_COPIES, SDM  # noqa: E402
from benchmarks.verdicts import sign_interval  # noqa: E402

SHARES = (0.0, 0.25, 0.5, 0.75, 1.0)  # share of the 1,000 curves that copy a training curve
JITTERS = (0.02, 0.075)  # the jitter added to every curve; 0.075 is about the slides' GAN's
DRAWS = 3  # made-up sets per cell
EFFECTS = (0.0025, 0.005, 0.01, 0.02)  # true differences of the overfitting gap
EXPERIMENTS = 2000  # simulated 20-seed experiments per effect


def memorisation_table(seed=5):
    """The ratio's min and max over `DRAWS` made-up sets per share copied and jitter."""
    rng = np.random.default_rng(seed)
    lines = ["| share of curves copied | " + " | ".join(f"jitter σ {s}" for s in JITTERS) + " |",
             "|---|" + "---|" * len(JITTERS)]
    for share in SHARES:
        cells = []
        for sigma in JITTERS:
            ratios = []
            for _ in range(DRAWS):
                X_TRAIN = real_curves(8192, rng)
                copied = int(share * 1000)
                curves = np.concatenate([X_TRAIN[rng.choice(8192, copied)],
                                         real_curves(1000 - copied, rng)])
                curves = curves + rng.normal(0.0, sigma, curves.shape)
                ratios.append(memorisation_ratio(curves, X_TRAIN, real_curves(1000, rng)))
            flagged = sum(r < NOT_COPIES for r in ratios)
            cells.append(f"{min(ratios):.2f}–{max(ratios):.2f} ({flagged} of {DRAWS} below "
                         f"{NOT_COPIES})")
        lines.append(f"| {share:.0%} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def gap_noise(results_path):
    """The spread over seeds of the paired difference of the gap, slides - dropout=0."""
    saved = json.loads(Path(results_path).read_text(encoding="utf-8"))
    runs = {(r["config"], r["seed"]): r for r in saved["results"]}
    diffs = [runs["slides", s]["d_overfit_gap"] - runs["dropout=0", s]["d_overfit_gap"]
             for s in saved["seeds"] if ("slides", s) in runs and ("dropout=0", s) in runs]
    return statistics.stdev(diffs), len(diffs)


def gap_power_table(noise, n, seed=6):
    """How often the protocol's 95% interval over `n` seeds lies wholly on the side of an
    effect, and wholly beyond the smallest difference that matters, for known effects with
    normal noise of sd `noise` per seed."""
    rng = np.random.default_rng(seed)
    sdm = SDM["d_overfit_gap"]
    lines = ["| true effect on the gap | interval wholly above 0 | interval wholly above "
             f"{sdm:g} (the sdm) |", "|---|---|---|"]
    for effect in EFFECTS:
        intervals = [sign_interval(list(effect + rng.normal(0.0, noise, n)))
                     for _ in range(EXPERIMENTS)]
        above = np.mean([lo > 0 for lo, _ in intervals])
        beyond = np.mean([lo >= sdm for lo, _ in intervals])
        lines.append(f"| {effect:g} | {above:.0%} | {beyond:.0%} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--results", default=str(ROOT / "benchmarks/results/claims.json"),
                        help="the saved claims runs, for the gap's noise over seeds")
    args = parser.parse_args(argv)
    try:
        noise, n = gap_noise(args.results)
    except (OSError, ValueError, KeyError, statistics.StatisticsError) as err:
        print(f"claims_limits.py: error: --results {args.results}: cannot be read ({err})",
              file=sys.stderr)
        return 2
    print("**The memorisation ratio on made-up sets** (1,000 curves against 8,192 training "
          f"curves; {DRAWS} sets a cell: min–max)\n")
    print(memorisation_table())
    print(f"\n**The overfitting gap's comparison on simulated seeds** (n = {n}; per-seed noise "
          f"sd {noise:.4f}, the spread of slides - dropout=0 over the confirmatory seeds; "
          f"{EXPERIMENTS} experiments an effect)\n")
    print(gap_power_table(noise, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
