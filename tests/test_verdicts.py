"""benchmarks/verdicts.py and the report's deviations, on made-up differences and runs: each
reading and verdict comes out where the interval lies, and a misspelled measure is an error."""

import math
import random

import numpy as np
import pytest

from benchmarks import verdicts
from benchmarks.claims_report import (
    BONFERRONI,
    deviation_failed,
    failed_configs,
    problem_with,
    report_markdown,
)
from benchmarks.deck_claims import CLAIMS, CONFIRMATORY_SEEDS


def test_the_sign_interval_is_the_6th_and_15th_of_20_and_covers_the_median_95_percent():
    diffs = list(range(20))
    random.Random(0).shuffle(diffs)
    assert verdicts.sign_interval(diffs) == (5, 14)
    assert verdicts.sign_interval([1, 2, 3, 4, 5]) is None  # too few for 95%
    k = 6  # P(Binomial(20, 1/2) < 6) = 0.0207: the interval covers 1 - 2 * 0.0207
    assert sum(math.comb(20, i) for i in range(k)) / 2**20 == pytest.approx(0.0207, abs=1e-4)
    assert verdicts.order_statistic(20) == (6, pytest.approx(1 - 2 * 0.0207, abs=1e-4))
    rng = np.random.default_rng(0)  # and it does, on differences centred on 0
    covered = [lo <= 0 <= hi for lo, hi in (verdicts.sign_interval(list(rng.standard_cauchy(20)))
                                            for _ in range(4000))]
    assert 0.945 < np.mean(covered) < 0.972


def test_bonferroni_over_20_effects_takes_the_3rd_and_18th_and_covers_more():
    assert verdicts.sign_interval(list(range(20)), BONFERRONI) == (2, 17)
    rng = np.random.default_rng(1)
    covered = [lo <= 0 <= hi for lo, hi in (
        verdicts.sign_interval(list(rng.standard_normal(20)), BONFERRONI) for _ in range(4000))]
    assert np.mean(covered) > 0.995


def effect(direction="higher", sdm=0.01, beyond=False, against="config", b="y"):
    return {"effect": "e", "a": "x", "b": b, "key": "median_r2", "direction": direction,
            "sdm": sdm, "beyond": beyond, "against": against}


def ramp(start, step):
    return [start + step * i for i in range(20)]


@pytest.mark.parametrize("diffs, direction, expected", [
    (ramp(0.02, 0.001), "higher", "shown"),
    (ramp(0.02, 0.001), "lower", "reversed"),
    (ramp(-0.004, 0.0004), "higher", "no effect that matters"),
    (ramp(-0.05, 0.005), "higher", "not determined"),
    (ramp(-0.004, 0.0004), "equivalent", "no effect that matters"),
    (ramp(0.02, 0.001), "equivalent", "differs"),
    (ramp(-0.05, 0.005), "equivalent", "not determined"),
    ([0.1, 0.2], "higher", "not measured"),
])
def test_each_reading_comes_from_where_the_interval_lies(diffs, direction, expected):
    assert verdicts.reading(effect(direction), diffs)[0] == expected


@pytest.mark.parametrize("diffs, against, expected", [
    (ramp(0.02, 0.001), "config", "shown, and it matters"),  # interval [0.025, 0.034]
    (ramp(0.001, 0.0002), "config", "shown, less than what matters"),  # [0.002, 0.0038]
    (ramp(0.001, 0.001), "config", "shown, size not determined"),  # [0.006, 0.015]
    (ramp(-0.02, -0.001), "config", "reversed, and it matters"),
    (ramp(-0.004, 0.0004), "config", "no effect that matters"),
    (ramp(-0.05, 0.005), "config", "not determined"),
    (ramp(0.001, 0.0002), "threshold", "shown"),  # above the line: no sdm against a threshold
    (ramp(-0.004, 0.0004), "threshold", "not determined"),
])
def test_the_size_reading_keeps_excluding_zero_apart_from_mattering(diffs, against, expected):
    b = 0.9 if against == "threshold" else "y"
    assert verdicts.size_reading(effect(against=against, b=b), diffs)[0] == expected


def test_the_protocol_calls_an_interval_across_the_sdm_shown_and_the_size_reading_does_not():
    across = ramp(0.001, 0.001)  # [0.006, 0.015]: above zero, across the sdm of 0.01
    assert verdicts.reading(effect(), across)[0] == "shown"
    assert verdicts.verdict([effect()], ["shown"]) == "holds"
    word = verdicts.size_reading(effect(), across)[0]
    assert verdicts.size_verdict([effect()], [word]) == "not determined"
    small = ramp(0.001, 0.0002)  # [0.002, 0.0038]: above zero, inside the sdm
    assert verdicts.reading(effect(), small)[0] == "no effect that matters"
    assert verdicts.size_reading(effect(), small)[0] == "shown, less than what matters"
    threshold = effect(against="threshold", b=0.9)
    assert verdicts.reading(threshold, small)[0] == "no effect that matters"
    assert verdicts.size_verdict([threshold], [verdicts.size_reading(threshold, small)[0]]) == (
        "holds")


def test_a_claims_verdict_comes_from_the_effects_in_its_words_alone():
    words, beyond = effect(), effect(beyond=True)
    assert verdicts.verdict([words, beyond], ["shown", "reversed"]) == "holds"
    assert verdicts.verdict([words, words], ["shown", "not determined"]) == "holds only in part"
    assert verdicts.verdict([words, words], ["reversed", "not determined"]) == "does not hold"
    assert verdicts.verdict([words], ["no effect that matters"]) == "does not hold"
    assert verdicts.verdict([words], ["not determined"]) == "not determined"
    same = effect("equivalent")
    assert verdicts.verdict([same, same], ["no effect that matters"] * 2) == "holds"
    assert verdicts.verdict([same, same], ["no effect that matters", "differs"]) == "does not hold"
    assert verdicts.verdict([same, same], ["no effect that matters",
                                           "not determined"]) == "holds only in part"


def test_paired_differences_leave_out_a_failed_run_and_refuse_a_missing_measure():
    results = {("x", 1): {"median_r2": 0.9}, ("y", 1): {"median_r2": 0.8},
               ("x", 2): {"median_r2": 0.7},  # y failed on seed 2: no pair
               ("y", 3): {"median_r2": 0.5}}  # x failed on seed 3
    assert verdicts.paired_differences(results, effect(), [1, 2, 3]) == [pytest.approx(0.1)]
    assert verdicts.paired_differences(results, effect(against="threshold", b=0.5),
                                       [1, 2, 3]) == [pytest.approx(0.4), pytest.approx(0.2)]
    misspelled = {**effect(), "key": "median_r3"}
    with pytest.raises(KeyError):
        verdicts.paired_differences(results, misspelled, [1])
    within = {**effect(against="measure", b="other"), "key": "one"}
    assert verdicts.paired_differences({("x", 1): {"one": 3.0, "other": 1.0}}, within,
                                       [1]) == [2.0]


def made_up_run(config, seed, r2):
    return {"config": config, "seed": seed, "median_r2": r2, "roughness_ratio": 20.0,
            "cpu_seconds": 30.0, "memorisation_ratio": 1.0, "r2_early": 0.4,
            "frequency_w1": 0.3, "d_overfit_gap": 0.0, "d_noise_floor": 0.0}


def test_a_configuration_that_does_not_learn_is_set_aside_as_a_failed_manipulation():
    seeds = list(CONFIRMATORY_SEEDS)
    results = {}
    for i, seed in enumerate(seeds):
        for config, r2 in (("slides", 0.98), ("conv_front", 0.999), ("hidden=1024", 0.98),
                           ("hidden=256+256", 0.3 + 0.01 * i), ("smoothing", 0.99)):
            run = made_up_run(config, seed, r2)
            run["roughness_ratio"] = {"conv_front": 1.0, "hidden=256+256": 900.0}.get(config, 20)
            results[config, seed] = run
    assert set(failed_configs(results, seeds)) == {"hidden=256+256"}
    text = deviation_failed(["trembling-hand"], results, seeds)
    assert "`hidden=256+256` (median R² 0.395)" in text
    # Without the failed generator: the front is shown, 1,024 units not determined (no change).
    assert "| trembling-hand | two hidden layers of 256 tremble less" in text
    assert text.endswith("| holds only in part |")


def test_a_results_file_that_is_not_this_protocols_is_named_as_such():
    run = made_up_run("slides", 11, 0.98)
    good = {"seeds": [11], "claims": ["order-from-chaos"], "machine": "m", "results": [run]}
    assert problem_with(good) is None
    assert "no list of seeds" in problem_with({**good, "seeds": []})
    assert "claims" in problem_with({**good, "claims": ["nope"]})
    lacking = {k: v for k, v in run.items() if k != "memorisation_ratio"}
    assert "lacks the measure memorisation_ratio" in problem_with({**good, "results": [lacking]})
    assert "configuration its claims do not have" in problem_with(
        {**good, "results": [{**run, "config": "bogus"}]})
    assert "not a number" in problem_with({**good, "results": [{**run, "median_r2": "high"}]})


def test_the_report_puts_the_protocols_verdicts_first_then_deviations_multiplicity_limits():
    seeds = list(CONFIRMATORY_SEEDS)
    results = {("slides", s): {**made_up_run("slides", s, 0.98), "cpu": "made-up CPU"}
               for s in seeds}
    text = report_markdown(results, ["order-from-chaos", "old-laptop"], seeds, "a machine")
    order = [text.index(h) for h in ("# Pre-registered verdicts", "# Deviations",
                                     "# (e) Multiplicity", "# Limits")]
    assert order == sorted(order)
    assert text.count("**Verdict: holds.**") == 2  # the deeper generator, beyond, not run
    assert "| made-up CPU | 20 | 30.0 | 30.0 | 30.0 | 4.0x |" in text  # 120 / 30
    assert CLAIMS["order-from-chaos"]["words"] in text
