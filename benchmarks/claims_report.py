"""The claims' report from saved runs: the pre-registered verdicts first, then each deviation
from the protocol (labelled, with its reason), the multiplicity check and the limits.

`benchmarks/claims.py` runs the experiments and calls `report_markdown()`; the
rules are `benchmarks/verdicts.py`, the protocol `benchmarks/deck_claims.py`.
"""

import statistics

from benchmarks.deck_claims import CLAIMS, CPU_BUDGET, TITLES
from benchmarks.verdicts import (
    LEVEL,
    order_statistic,
    paired_differences,
    reading,
    size_reading,
    size_verdict,
    value,
    verdict,
)

FAILED_BELOW = 0.9  # deviation (a): a configuration whose median R² over the seeds is lower
# did not learn, so it cannot test a claim about how well a generator learns
BONFERRONI = 1 - (1 - LEVEL) / 20  # deviation (e): 95% over all 20 effects at once
MISFIT_SDM = 0.005  # deviation (d): as median R²'s
TITLES = {**TITLES, "misfit": ("1 - median R²", "{:.4f}")}


def configs_of(claim):
    """The configurations a claim runs."""
    return list(dict.fromkeys(config for config, _ in CLAIMS[claim]["rows"]))


def measures_of(config, claims):
    """Every measure that the protocol reads from a run of `config` for `claims`."""
    specs = [CLAIMS[claim] for claim in claims]
    keys = {key for spec in specs for c, key in spec["rows"] if c == config}
    for spec in specs:
        for e in spec["effects"]:
            if config in (e["a"], e["b"] if e["against"] == "config" else None):
                keys.add(e["key"])
                if e["against"] == "measure":
                    keys.add(e["b"])
    return keys


def problem_with(saved):
    """Why `saved` is not a results file of this protocol, or None if it is one."""
    if not (isinstance(saved.get("seeds"), list) and saved["seeds"]
            and all(isinstance(s, int) for s in saved["seeds"])):
        return "no list of seeds"
    if not (isinstance(saved.get("claims"), list) and set(saved["claims"]) <= set(CLAIMS)
            and saved["claims"]):
        return "no list of this benchmark's claims"
    if not isinstance(saved.get("machine"), str):
        return "no machine line"
    known = {c for claim in saved["claims"] for c in configs_of(claim)}
    for run in saved["results"]:
        if run["config"] not in known:
            return f"a run of a configuration its claims do not have, {run['config']!r}"
        for key in measures_of(run["config"], saved["claims"]):
            try:
                number = value(run, key)
            except (KeyError, TypeError):
                return f"{run['config']} seed {run['seed']} lacks the measure {key}"
            if not isinstance(number, (int, float)):
                return f"{run['config']} seed {run['seed']}: {key} is not a number"
    return None


def fmt(key, number, signed=False):
    text = TITLES.get(key, ("", "{:.4f}"))[1].format(number)
    return text if signed else text.lstrip("+")


def interval_text(effect, diffs, interval):
    if not diffs:
        return "–"
    median = fmt(effect["key"], statistics.median(diffs))
    if interval is None:
        return median
    return f"{median} [{fmt(effect['key'], interval[0])}, {fmt(effect['key'], interval[1])}]"


def effect_rows(effects, results, seeds_run, read=reading, level=LEVEL):
    """One Markdown row an effect, and the readings."""
    rows, words = [], []
    for e in effects:
        diffs = paired_differences(results, e, seeds_run)
        word, interval = read(e, diffs, level)
        words.append(word)
        mark = " (beyond the slide's words)" if e["beyond"] else ""
        rows.append(f"| {e['effect']}{mark} | {len(diffs)} | {interval_text(e, diffs, interval)} "
                    f"| {fmt(e['key'], e['sdm'])} | {word} |")
    return rows, words


def ordinal(k):
    return f"{k}{'th' if 10 <= k % 100 < 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10, 'th')}"


def effects_header(n, level=LEVEL):
    k, coverage = order_statistic(n, level)
    where = f"{ordinal(k)} and {ordinal(n + 1 - k)} of {n}" if k else "too few seeds"
    shown = f"{coverage:.1%}" if coverage < 0.999 else f"{coverage:.2%}"
    return [f"| effect | n | paired difference a - b: median [{shown} confidence interval "
            f"for the median: the {where}] | smallest that matters | reading |",
            "|---|---|---|---|---|"]


def claim_table(claim, results, seeds_run):
    """A claim's tables and its verdict by the protocol's rule, in Markdown."""
    spec = CLAIMS[claim]
    lines = ["| configuration | measure | min | median | max | seeds |",
             "|---|---|---|---|---|---|"]
    for config, key in spec["rows"]:
        values = [value(results[config, s], key) for s in seeds_run if (config, s) in results]
        if values:
            cells = [fmt(key, v, signed=True)
                     for v in (min(values), statistics.median(values), max(values))]
            lines.append(f"| {config} | {TITLES[key][0]} | " + " | ".join(cells)
                         + f" | {len(values)} |")
    n = max((len(paired_differences(results, e, seeds_run)) for e in spec["effects"]), default=0)
    rows, words = effect_rows(spec["effects"], results, seeds_run)
    word = verdict(spec["effects"], words)
    return "\n".join([*lines, "", *effects_header(n), *rows, "", f"**Verdict: {word}.**"]), word


def verdicts(saved):
    """(name, claim, verdict by the protocol's rule) for each claim of a saved results file."""
    results = {(r["config"], r["seed"]): r for r in saved["results"]}
    return [(name, CLAIMS[name], claim_table(name, results, saved["seeds"])[1])
            for name in saved["claims"]]


def protocol_markdown():
    """Every effect of the protocol, as a Markdown table."""
    lines = ["| claim | effect | a - b on | predicted | smallest difference that matters |",
             "|---|---|---|---|---|"]
    for name, spec in CLAIMS.items():
        for e in spec["effects"]:
            b = e["b"] if isinstance(e["b"], str) else f"{e['b']:g}"
            mark = " (beyond the slide's words)" if e["beyond"] else ""
            predicted = {"higher": "a > b", "lower": "a < b",
                         "equivalent": "no difference that matters"}[e["direction"]]
            compared = (f"{TITLES[e['key']][0]} - {TITLES[b][0]}, one run"
                        if e["against"] == "measure" else f"{e['a']} - {b}, {TITLES[e['key']][0]}")
            lines.append(f"| {name} | {e['effect']}{mark} | {compared} | {predicted} | "
                         f"{e['sdm']:g} |")
    return "\n".join(lines)


# Deviations ----------------------------------------------------------------------------------

def failed_configs(results, seeds_run):
    """Configurations whose median R², the median over the seeds, is below `FAILED_BELOW`."""
    by_config = {}
    for (config, seed), run in results.items():
        if seed in seeds_run and "median_r2" in run:
            by_config.setdefault(config, []).append(run["median_r2"])
    return {c: statistics.median(v) for c, v in by_config.items()
            if statistics.median(v) < FAILED_BELOW}


def uses(effect, configs):
    return effect["a"] in configs or (effect["against"] == "config" and effect["b"] in configs)


def claims_table(claims, results, seeds_run, read=reading, judge=verdict, level=LEVEL,
                 change=lambda claim, effects: effects):
    """Every effect of `claims` under a reading rule, and each claim's verdict under it."""
    header, rule = effects_header(len(seeds_run), level)
    lines = ["| claim " + header, "|---" + rule]
    for claim in claims:
        effects = change(claim, CLAIMS[claim]["effects"])
        rows, words = effect_rows(effects, results, seeds_run, read, level)
        lines += [f"| {claim} " + row for row in rows]
        lines.append(f"| **{claim}** | | | | | **{judge(effects, words)}** |")
    return "\n".join(lines)


def deviation_failed(claims, results, seeds_run):
    failed = failed_configs(results, seeds_run)
    if not failed:
        return "No configuration has a median R² below 0.9: no effect is set aside."
    lines = [", ".join(f"`{c}` (median R² {r:.3f})" for c, r in failed.items())
             + " did not learn. The effects that use them, and each claim's verdict without "
             "them:", "", "| claim | effect set aside | verdict without it |", "|---|---|---|"]
    for claim in claims:
        effects = CLAIMS[claim]["effects"]
        aside = [e for e in effects if uses(e, failed)]
        if not aside:
            continue
        kept = [e for e in effects if not uses(e, failed)]
        words = [reading(e, paired_differences(results, e, seeds_run))[0] for e in kept]
        lines.append(f"| {claim} | " + "; ".join(e["effect"] for e in aside)
                     + f" | {verdict(kept, words)} |")
    return "\n".join(lines)


def deviation_sdm(results, seeds_run, claims):
    lines = ["| claim | effect | sdm x 0.5 | sdm x 1 (the protocol) | sdm x 2 |",
             "|---|---|---|---|---|"]
    for claim in claims:
        effects = CLAIMS[claim]["effects"]
        by_factor = {f: [{**e, "sdm": e["sdm"] * f} for e in effects] for f in (0.5, 1, 2)}
        readings = {f: [reading(e, paired_differences(results, e, seeds_run))[0] for e in es]
                    for f, es in by_factor.items()}
        for i, e in enumerate(effects):
            lines.append(f"| {claim} | {e['effect']} | "
                         + " | ".join(readings[f][i] for f in by_factor) + " |")
        lines.append(f"| **{claim}** | **verdict** | " + " | ".join(
            f"**{verdict(by_factor[f], readings[f])}**" for f in by_factor) + " |")
    return "\n".join(lines)


def misfit_effects(claim, effects):
    """Deviation (d): claim 5's effects on roughness, taken again on 1 - median R²."""
    if claim != "trembling-hand":
        return effects
    return [{**e, "key": "misfit", "sdm": MISFIT_SDM,
             "effect": e["effect"] + ", on 1 - median R²"}
            for e in effects if e["key"] == "roughness_ratio"]


def broad_pretraining(claim, effects):
    """Deviation (f): claim 1 read as covering how well training ends, too."""
    if claim != "pretraining":
        return effects
    return [{**e, "beyond": False} if e["key"] == "median_r2" else e for e in effects]


def cpu_limits(results, seeds_run):
    """The slides' CPU-seconds by processor, and how much slower a machine may be."""
    by_cpu = {}
    for seed in seeds_run:
        run = results.get(("slides", seed))
        if run:
            by_cpu.setdefault(run.get("cpu", "not recorded"), []).append(run["cpu_seconds"])
    lines = ["| processor | runs | CPU-seconds: min | median | max | slower by at most, for "
             f"{CPU_BUDGET} s |", "|---|---|---|---|---|---|"]
    for cpu, values in by_cpu.items():
        lines.append(f"| {cpu} | {len(values)} | {min(values):.1f} | "
                     f"{statistics.median(values):.1f} | {max(values):.1f} | "
                     f"{CPU_BUDGET / max(values):.1f}x |")
    return "\n".join(lines)


def gap_limits(results, seeds_run):
    """The overfitting gap beside its noise floor, per configuration of the dropout claim."""
    lines = ["| configuration | gap: median | sd over seeds | noise floor: median | sd over "
             "seeds |", "|---|---|---|---|---|"]
    for config in configs_of("dropout"):
        runs = [results[config, s] for s in seeds_run if (config, s) in results]
        if len(runs) < 2:
            continue
        gaps = [r["d_overfit_gap"] for r in runs]
        floors = [r["d_noise_floor"] for r in runs]
        lines.append(f"| {config} | {statistics.median(gaps):+.4f} | {statistics.stdev(gaps):.4f} "
                     f"| {statistics.median(floors):+.4f} | {statistics.stdev(floors):.4f} |")
    return "\n".join(lines)


def report_markdown(results, claims, seeds_run, machine):
    """The whole report, in the page's order."""
    parts = [f"Claims measured on seeds {', '.join(map(str, seeds_run))} (n = {len(seeds_run)}); "
             f"{machine}. Each run's processor and commit are in the JSON file, where recorded.",
             "", "# Pre-registered verdicts", "",
             "As the protocol reads them (`benchmarks/deck_claims.py`, fixed before the "
             "confirmatory runs). Nothing below this part changes it.", "",
             "## Every effect, and each claim's verdict", "",
             claims_table(claims, results, seeds_run)]
    for claim in claims:
        spec = CLAIMS[claim]
        table, _ = claim_table(claim, results, seeds_run)
        parts += ["", f"## {claim}", "", f"*{spec['words']}* ({spec['slide']}): {spec['gloss']}.",
                  "", spec["experiment"], "", table]
    parts += ["", "# Deviations from the protocol", "",
              "## (a) Failed configurations", "", deviation_failed(claims, results, seeds_run),
              "", "## (b) Whether the interval excludes zero, apart from whether the effect "
              "matters", "", claims_table(claims, results, seeds_run, size_reading, size_verdict),
              "", "## (c) The smallest differences that matter, halved and doubled", "",
              deviation_sdm(results, seeds_run, [c for c in ("dropout", "hidden-units")
                                                 if c in claims])]
    if "trembling-hand" in claims:
        parts += ["", "## (d) Claim 5 on 1 - median R², which does not reward low frequencies",
                  "", claims_table(["trembling-hand"], results, seeds_run,
                                   change=misfit_effects)]
    if "pretraining" in claims:
        parts += ["", "## (f) Claim 1 read as covering how training ends", "",
                  claims_table(["pretraining"], results, seeds_run, change=broad_pretraining)]
    parts += ["", "# (e) Multiplicity: Bonferroni over the 20 effects", "",
              claims_table(claims, results, seeds_run, level=BONFERRONI), "", "# Limits"]
    if "old-laptop" in claims:
        parts += ["", "## CPU-seconds of the slides' run, by processor", "",
                  cpu_limits(results, seeds_run)]
    if "dropout" in claims:
        parts += ["", "## The overfitting gap beside its noise floor", "",
                  gap_limits(results, seeds_run)]
    return "\n".join(parts) + "\n"
