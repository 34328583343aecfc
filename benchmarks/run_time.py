"""Time whole runs of the variants, as a user runs them, side by side.

Each round runs `python sine_gan.py --variant V` once per variant, one after
the other and in a new order each round, into a temporary folder: start-up,
training, figures and models included. A machine that slows down or speeds
up affects every variant alike. It prints each variant's median time and its
ratio to the slides' run of the same round.

Run: python benchmarks/run_time.py [--variants slides improved wgan] [--rounds 3]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_once(variant, seed):
    """Seconds for one whole run of `variant`, from the command to its exit."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "sine_gan.py"), "--variant", variant,
                        "--seed", str(seed), "--out", out], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--variants", nargs="+", default=["slides", "improved", "wgan"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if "slides" not in args.variants:
        args.variants.insert(0, "slides")
    print(f"machine: {os.cpu_count()} CPUs, {sys.platform}; {args.rounds} rounds of "
          f"{', '.join(args.variants)}, seed {args.seed}, one run at a time", flush=True)
    times = {v: [] for v in args.variants}
    for r in range(args.rounds):
        order = args.variants[r % len(args.variants):] + args.variants[:r % len(args.variants)]
        for variant in order:
            times[variant].append(run_once(variant, args.seed))
        print(f"round {r + 1}: " + ", ".join(f"{v} {times[v][-1]:.1f} s" for v in args.variants),
              flush=True)
    for variant in args.variants:
        ratios = [t / s for t, s in zip(times[variant], times["slides"])]
        print(f"{variant:>9}: median {statistics.median(times[variant]):5.1f} s "
              f"(min {min(times[variant]):.1f}, max {max(times[variant]):.1f}); "
              f"over the slides' run: median {statistics.median(ratios):.2f} "
              f"(min {min(ratios):.2f}, max {max(ratios):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
