"""From paired differences to verdicts: the sign test's interval, each effect's reading,
each claim's verdict. Numbers in, words out; `benchmarks/claims.py` feeds it the saved runs.

An effect (see `benchmarks/deck_claims.py`) compares configuration `a` seed by
seed with what `against` names: another configuration on the same measure
("config"), another measure of a's own run ("measure"), or a fixed number
("threshold").
"""

import math

LEVEL = 0.95  # the protocol's: for 20 seeds, the 6th and 15th differences (95.9%)


def paired_differences(results, effect, seeds_run):
    """a - b, seed by seed, over the seeds where every run the effect needs was made.

    A run that failed is not in `results`: its seed is left out, and the table
    shows the smaller n. A run that is there but lacks the measure is an error,
    never a silent "not measured".
    """
    a, b, key = effect["a"], effect["b"], effect["key"]
    against = effect["against"]
    diffs = []
    for seed in seeds_run:
        if (a, seed) not in results or (against == "config" and (b, seed) not in results):
            continue
        if against == "config":
            right = value(results[b, seed], key)
        elif against == "measure":
            right = value(results[a, seed], b)
        else:
            right = b
        diffs.append(value(results[a, seed], key) - right)
    return diffs


def value(report, key):
    """A measure of one run's report; `held_out_accuracy.N` reaches into its dict, and
    `misfit` is 1 - median R²."""
    if key == "misfit":
        return 1.0 - report["median_r2"]
    if key.startswith("held_out_accuracy."):
        return report["held_out_accuracy"][key.split(".", 1)[1]]
    return report[key]


def order_statistic(n, level=LEVEL):
    """k for the sign test's interval [d(k), d(n+1-k)] over n differences, and the
    interval's exact coverage: the largest k with P(Binomial(n, 1/2) < k) <= (1 - level)/2.
    k is 0 when n is too small for the level."""
    k, tail = 0, 0.0
    while k < n:
        next_tail = tail + math.comb(n, k) / 2**n
        if next_tail > (1 - level) / 2:
            break
        tail, k = next_tail, k + 1
    return k, 1 - 2 * tail


def sign_interval(diffs, level=LEVEL):
    """A distribution-free confidence interval for the median of `diffs`.

    The sign test's exact interval (see `order_statistic`). For 20 seeds at
    95%, the 6th and 15th smallest differences (95.9%); at 1 - 0.05/20
    (Bonferroni over 20 effects), the 3rd and 18th. None when n is too small.
    """
    d = sorted(diffs)
    k, _ = order_statistic(len(d), level)
    return None if k == 0 else (d[k - 1], d[len(d) - k])


def reading(effect, diffs, level=LEVEL):
    """The protocol's reading of one effect, as fixed before the confirmatory runs: shown,
    reversed, no effect that matters, or not determined (for an equivalence: no effect
    that matters, differs, or not determined). Returns it and the interval."""
    interval = sign_interval(diffs, level)
    if interval is None:
        return "not measured", None
    lo, hi = interval
    sdm = effect["sdm"]
    if -sdm < lo and hi < sdm:
        return "no effect that matters", interval
    if effect["direction"] == "equivalent":
        return ("differs" if lo > 0 or hi < 0 else "not determined"), interval
    sign = 1 if effect["direction"] == "higher" else -1
    if sign * lo > 0 and sign * hi > 0:
        return "shown", interval
    if sign * lo < 0 and sign * hi < 0:
        return "reversed", interval
    return "not determined", interval


def verdict(effects, readings):
    """A claim's verdict from the readings of the effects in the slide's words.

    An effect claim holds when all of them are shown, holds only in part when
    some are, does not hold when none is and some are reversed or show no
    effect that matters, and is not determined otherwise. An equivalence holds
    when every width shows no effect that matters, does not hold when any
    differs, and is not determined otherwise.
    """
    own = [r for e, r in zip(effects, readings) if not e["beyond"]]
    if not own or "not measured" in own:
        return "not measured"
    if all(e["direction"] == "equivalent" for e in effects):
        good, bad = own.count("no effect that matters"), own.count("differs")
        return ("holds" if good == len(own) else "does not hold" if bad
                else "holds only in part" if good else "not determined")
    shown = own.count("shown")
    against = own.count("reversed") + own.count("no effect that matters")
    return ("holds" if shown == len(own) else "holds only in part" if shown
            else "does not hold" if against else "not determined")


# Deviation (b): whether the interval excludes zero, apart from whether the effect matters.

def size_reading(effect, diffs, level=LEVEL):
    """A reading that keeps two questions apart: is the interval on one side of zero, and
    is the effect at least the smallest difference that matters (sdm)?

    - shown / reversed, and it matters: the interval lies beyond +sdm (or -sdm);
    - shown / reversed, less than what matters: on one side of zero, inside the sdm;
    - shown / reversed, size not determined: on one side of zero, across the sdm;
    - no effect that matters: across zero, inside the sdm; not determined otherwise.

    Against a fixed threshold the threshold is the line that matters, so the
    reading is shown, reversed or not determined, with no sdm. An equivalence
    differs only when the interval lies beyond the sdm.
    """
    interval = sign_interval(diffs, level)
    if interval is None:
        return "not measured", None
    lo, hi = interval
    sdm = effect["sdm"]
    if effect["direction"] == "equivalent":
        return ("no effect that matters" if -sdm < lo and hi < sdm
                else "differs" if lo >= sdm or hi <= -sdm else "not determined"), interval
    sign = 1 if effect["direction"] == "higher" else -1
    near, far = sorted((sign * lo, sign * hi))
    side = "shown" if near > 0 else "reversed" if far < 0 else None
    if effect["against"] == "threshold":
        return side or "not determined", interval
    if side is None:
        return ("no effect that matters" if -sdm < lo and hi < sdm else "not determined"), interval
    size = min(abs(lo), abs(hi)), max(abs(lo), abs(hi))
    return side + (", and it matters" if size[0] >= sdm else ", less than what matters"
                   if size[1] < sdm else ", size not determined"), interval


def size_verdict(effects, readings):
    """A claim's verdict under `size_reading`: an effect counts for the claim when it is
    shown and matters (or, against a threshold, is shown), and against it when it is
    reversed, shown but less than what matters, or no effect that matters."""
    def plain(effect, word):
        if word == "shown, and it matters" or (word == "shown"
                                               and effect["against"] == "threshold"):
            return "shown"
        if word.startswith("reversed"):
            return "reversed"
        if word in ("shown, less than what matters", "no effect that matters"):
            return "no effect that matters"
        return word if word in ("differs", "not measured") else "not determined"

    return verdict(effects, [plain(e, w) for e, w in zip(effects, readings)])
