"""benchmarks/claims.py: intervals and verdicts from made-up results, measures that can fail
(shown on made-up curves and discriminators), configurations that change only what their
claim is about, and a benchmark that leaves results alone (no training)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import checksums, one_line

import sine_gan
from benchmarks import claims, seeds
from benchmarks.claims_report import claim_table, configs_of, verdicts
from benchmarks.classifier import real_curves
from benchmarks.deck_claims import CLAIMS, CONFIRMATORY_SEEDS, NOT_COPIES, SDM, TITLES

SCRIPT = [sys.executable, str(claims.ROOT / "benchmarks" / "claims.py")]


# The report from saved runs (the rules themselves: tests/test_verdicts.py) -------------------

def made_up_results(config, seeds_run, **values):
    return {(config, seed): {k: (v[i] if isinstance(v, list) else v) for k, v in values.items()}
            for i, seed in enumerate(seeds_run)}


def test_a_claims_table_gives_paired_differences_with_their_interval():
    seeds_run = list(CONFIRMATORY_SEEDS)
    base = [0.98 + 0.0001 * i for i in range(20)]
    results = {**made_up_results("dropout=0", seeds_run, median_r2=[b - 0.01 for b in base],
                                 d_overfit_gap=[0.03 + 0.001 * i for i in range(20)],
                                 d_noise_floor=0.001),
               **made_up_results("slides", seeds_run, median_r2=base, d_overfit_gap=0.001,
                                 d_noise_floor=0.001)}
    table, word = claim_table("dropout", results, seeds_run)
    # slides - dropout=0, seed by seed: -0.029 to -0.048; the 6th and 15th of them, sorted
    assert ("| dropout 0.4 leaves a smaller overfitting gap than none | 20 | -0.0385 "
            "[-0.0430, -0.0340] |") in table
    assert "95.9% confidence interval for the median: the 6th and 15th of 20" in table
    assert "| 0.0100 | shown |" in table  # the smallest difference that matters, then
    assert "(beyond the slide's words)" in table and word == "holds"
    saved = {"seeds": seeds_run, "claims": ["dropout"],
             "results": [{"config": c, "seed": s, **r} for (c, s), r in results.items()]}
    assert verdicts(saved) == [("dropout", CLAIMS["dropout"], "holds")]


def test_every_effect_is_fixed_with_a_measure_a_direction_and_a_smallest_difference():
    effects = [e for spec in CLAIMS.values() for e in spec["effects"]]
    assert len(effects) == 20
    for name, spec in CLAIMS.items():
        for config, key in spec["rows"]:
            assert config in claims.CONFIGS or config == claims.PRETRAINING_ONLY, name
            assert key in TITLES, (name, key)
        for e in spec["effects"]:
            assert e["a"] in configs_of(name), (name, e)
            assert e["direction"] in ("higher", "lower", "equivalent") and e["sdm"] > 0
            assert e["key"] in TITLES
            assert {"config": e["b"] in configs_of(name), "measure": e["b"] in TITLES,
                    "threshold": isinstance(e["b"], (int, float))}[e["against"]], (name, e)
    assert set(SDM) >= {e["key"].split(".")[0] for e in effects}


# Measures that can fail ----------------------------------------------------------------------

def jittered(curves, rng, sigma=0.075):
    return curves + rng.normal(0.0, sigma, curves.shape)  # the slides' GAN's tremble


def test_the_memorisation_ratio_flags_copies_and_passes_new_curves_with_the_same_jitter():
    rng = np.random.default_rng(5)
    X_TRAIN = real_curves(8192, rng)
    fresh = real_curves(1000, rng)
    copies = jittered(X_TRAIN[rng.choice(8192, 1000)], rng)
    sixteen = jittered(X_TRAIN[rng.choice(8192, 16)][rng.integers(0, 16, 1000)], rng)
    new = jittered(real_curves(1000, rng), rng)
    assert claims.memorisation_ratio(copies, X_TRAIN, fresh) < NOT_COPIES - 0.05
    assert claims.memorisation_ratio(sixteen, X_TRAIN, fresh) < NOT_COPIES - 0.05
    assert claims.memorisation_ratio(new, X_TRAIN, fresh) > NOT_COPIES + 0.05


def test_the_overfitting_gap_flags_a_memorising_discriminator_and_not_a_fair_one():
    rng = np.random.default_rng(6)
    X_TRAIN = real_curves(8192, rng)
    seen = {curve.tobytes() for curve in X_TRAIN}

    def memorising(curves):  # surer of the curves it trained on than of new ones
        return np.array([0.9 if c.tobytes() in seen else 0.8 for c in curves])

    def fair(curves):  # judges a curve by its shape alone
        return 1.0 / (1.0 + np.exp(-5.0 * np.mean(np.abs(np.diff(curves, axis=1)), axis=1)))

    gap, floor = claims.overfit_gap(memorising, X_TRAIN, rng)
    assert gap == pytest.approx(0.1) and floor == 0
    gap, floor = claims.overfit_gap(fair, X_TRAIN, rng)
    assert abs(gap) < SDM["d_overfit_gap"] / 5 and abs(floor) < SDM["d_overfit_gap"] / 5


def test_cpu_seconds_count_work_and_not_waiting():
    # Against the kernel's own clock of this process's CPU time, so that the amount of
    # work, and with it the machine's speed, does not enter the test.
    before = claims.cpu_seconds()
    time.sleep(0.5)
    waited = claims.cpu_seconds() - before
    start, clock = claims.cpu_seconds(), time.process_time()
    while time.process_time() - clock < 0.3:  # busy until the kernel counts 0.3 s of CPU
        pass
    worked = claims.cpu_seconds() - start
    assert waited < 0.05 and worked == pytest.approx(time.process_time() - clock, abs=0.05)


# Configurations ------------------------------------------------------------------------------

def unnamed(config):
    """A config without the names Keras numbers (adam, adam_2, ...)."""
    if isinstance(config, dict):
        return {k: unnamed(v) for k, v in config.items() if k != "name"}
    return config


def layer_configs(model):
    return [(type(layer).__name__, {k: v for k, v in layer.get_config().items()
                                    if k not in ("name", "rate", "units")})
            for layer in model.layers]


def test_each_configuration_changes_only_what_its_claim_is_about(seeded):
    slides_d, slides_g = sine_gan.build_discriminator(), sine_gan.build_generator()
    build_d, build_g, epochs = claims.CONFIGS["dropout=0"]
    no_dropout = build_d()
    assert layer_configs(no_dropout) == layer_configs(slides_d)
    assert [layer.rate for layer in no_dropout.layers if hasattr(layer, "rate")] == [0.0, 0.0]
    assert build_g is sine_gan.build_generator and epochs == sine_gan.PRETRAIN_EPOCHS
    assert unnamed(no_dropout.get_compile_config()) == unnamed(slides_d.get_compile_config())
    for name, units in (("hidden=64", [64]), ("hidden=128", [128]), ("hidden=512", [512]),
                        ("hidden=1024", [1024]), ("hidden=256+256", [256, 256])):
        build_d, build_g, epochs = claims.CONFIGS[name]
        generator = build_g()
        assert build_d is sine_gan.build_discriminator and epochs == sine_gan.PRETRAIN_EPOCHS
        assert [layer.units for layer in generator.layers] == [64, *units, 64]
        kept = layer_configs(generator)
        assert kept[0] == layer_configs(slides_g)[0] and kept[-1] == layer_configs(slides_g)[-1]
        assert all(k == layer_configs(slides_g)[1] for k in kept[1:-1])
    assert [claims.CONFIGS[c][2] for c in ("pretrain=0", "slides", "pretrain=128")] == [0, 32, 128]
    assert claims.CONFIGS["pretrain=0"][:2] == claims.CONFIGS["slides"][:2]
    smoothing = claims.CONFIGS["smoothing"][1]()
    assert layer_configs(smoothing)[:-1] == layer_configs(slides_g)
    assert smoothing.layers[-1].name == "smoothing" and not smoothing.layers[-1].trainable
    build_d, build_g, _ = claims.CONFIGS["conv_front"]
    assert build_g is sine_gan.build_generator
    conv = build_d()
    assert type(conv.layers[1]).__name__ == "Conv1D"  # after the reshape to (64, 1)
    assert layer_configs(conv)[-5:] == layer_configs(slides_d)[-5:]  # then the slides' layers


# A benchmark that leaves results alone -------------------------------------------------------

def test_the_command_line_lists_the_seven_claims_even_without_docstrings_and_refuses_mistakes(
        tmp_path):
    listed = subprocess.run([sys.executable, "-OO", *SCRIPT[1:], "--list"], capture_output=True,
                            text=True, timeout=60)
    assert listed.returncode == 0 and listed.stdout.split() == list(CLAIMS)
    for args, message in ((["--claim", "nope"], "invalid choice: 'nope'"),
                          (["--seeds", "-1"], "must be between 0")):
        wrong = subprocess.run([*SCRIPT, *args], capture_output=True, text=True, timeout=60)
        assert wrong.returncode == 2 and message in wrong.stderr
    good = {"seeds": [11], "claims": ["dropout"], "machine": "m", "results": []}
    for name, text in (("missing.json", None), ("empty.json", ""),
                       ("truncated.json", json.dumps(good)[:-9]), ("list.json", "[1, 2]"),
                       ("no-seeds.json", '{"results": []}'), ("fifo", "FIFO"),
                       ("bogus.json", json.dumps({**good, "results": [
                           {"config": "slides", "seed": 11}]}))):
        path = tmp_path / name
        if text == "FIFO":  # with no writer: reading it would wait for ever
            os.mkfifo(path)
        elif text is not None:
            path.write_text(text)
        bad = subprocess.run([*SCRIPT, "--results", str(path)], capture_output=True, text=True,
                             timeout=60)
        assert bad.returncode == 2 and str(path) in one_line(bad.stderr)


def test_the_benchmarks_refuse_an_unwritable_save_and_bad_epochs_before_any_run(tmp_path):
    seeds_script = str(claims.ROOT / "benchmarks" / "seeds.py")
    for command, message in (
            ([seeds_script, "--save", "/proc/nope/x"], "seeds.py: error: --save /proc/nope/x"),
            ([*SCRIPT[1:], "--save", "/proc/nope/x"], "claims.py: error: --save /proc/nope/x"),
            ([seeds_script, "--epochs", "-1"], "must be at least 1")):
        done = subprocess.run([sys.executable, *command], capture_output=True, text=True,
                              timeout=60, cwd=tmp_path)
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 2 and message in lines[-1], done.stderr
        assert "Traceback" not in done.stderr and "runs of" not in done.stdout
    protocol = subprocess.run([*SCRIPT, "--protocol"], capture_output=True, text=True,
                              timeout=60)
    assert protocol.returncode == 0 and protocol.stdout.startswith("| claim | effect |")


def test_a_hangup_stops_a_benchmark_with_129_and_a_ctrl_c_with_130():
    for signum, code in ((signal.SIGHUP, 129), (signal.SIGINT, 130)):
        done = subprocess.run([sys.executable, "-c", (
            "import os, signal, sys, time\n"
            f"sys.path.insert(0, {str(claims.ROOT)!r})\n"
            "from benchmarks import seeds\n"
            "def main():\n"
            f"    os.kill(os.getpid(), {int(signum)})\n"
            "    time.sleep(60)\n"
            "sys.exit(seeds.run_main(main))\n")], capture_output=True, text=True, timeout=60)
        assert done.returncode == code and done.stderr.strip() == "Interrupted."


def test_tables_from_saved_results_change_no_file(tmp_path):
    saved = tmp_path / "claims.json"
    saved.write_text(json.dumps({"seeds": [11], "claims": ["dropout"], "machine": "m",
                                 "results": [{"config": "slides", "seed": 11, "median_r2": 0.98,
                                              "d_overfit_gap": 0.0, "d_noise_floor": 0.0}]}))
    before = checksums(claims.ROOT)
    done = subprocess.run([*SCRIPT, "--results", str(saved)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 0 and "## dropout" in done.stdout
    assert checksums(claims.ROOT) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.json"]


FAKE_WORKER = """
import json, sys, time
config, seed, epochs, out = sys.argv[2:6]
time.sleep(float(config))  # "3600": a worker that would never end by itself
print(json.dumps({"median_r2": 0.5 + int(seed) / 100}))
"""


def test_a_long_benchmark_keeps_each_run_as_it_ends_and_goes_on_from_there(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(FAKE_WORKER)
    save = tmp_path / "results" / "sweep"
    runs = [("0", 1), ("0", 2)]
    results, failed = seeds.run_saved(runs, 1, 2, save, {"seeds": [1, 2]}, script=script,
                                      describe=lambda r: "ok")
    assert failed == 0 and results[("0", 2)]["median_r2"] == 0.52
    kept = json.loads(save.with_suffix(".json").read_text())
    assert [(r["config"], r["seed"]) for r in kept["results"]] == runs
    # Each run says where it comes from: the commit, the processor, when it finished.
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=claims.ROOT, capture_output=True,
                          text=True).stdout.strip()
    for run in kept["results"]:
        assert run["commit"].startswith(head) and run["cpu"] == seeds.cpu_model()
        assert time.strptime(run["finished"], "%Y-%m-%dT%H:%M:%SZ")
    # Run again with one more seed: only the new run is made.
    script.write_text(FAKE_WORKER.replace("0.5 +", "0.7 +"))
    results, _ = seeds.run_saved([*runs, ("0", 3)], 1, 2, save, {"seeds": [1, 2, 3]},
                                 script=script, describe=lambda r: "ok")
    assert results[("0", 1)]["median_r2"] == 0.51 and results[("0", 3)]["median_r2"] == 0.73


INTERRUPTED = """
import os, signal, sys, threading
sys.path.insert(0, {root!r})
from benchmarks import seeds
threading.Timer(2.0, lambda: os.kill(os.getpid(), signal.SIGTERM)).start()


def main():
    runs = [("3600", 1), ("3600", 2), ("0", 3), ("3600", 4)]
    results, _ = seeds.run_saved(runs, 1, 2, {save!r}, {{}}, script={script!r},
                                 describe=lambda r: "ok")
    return 130 if results is None else 0


sys.exit(seeds.run_main(main))
"""


def test_sigterm_stops_every_worker_at_once_and_leaves_no_temporary_folder(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(FAKE_WORKER)
    save = tmp_path / "sweep"
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    # The workers would sleep an hour: the parent ends within the timeout only if it stops them.
    done = subprocess.run([sys.executable, "-c", INTERRUPTED.format(
        root=str(claims.ROOT), save=str(save), script=str(script))], capture_output=True,
        text=True, timeout=120, env=dict(os.environ, TMPDIR=str(tmp)))
    assert done.returncode == 143, done.stderr  # 128 + SIGTERM, as the project's runs end
    assert "Interrupted: 2 runs stopped, 2 not started; 0 runs kept" in done.stderr
    assert list(tmp.iterdir()) == []
    running = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            running.append(cmdline.read_bytes())
        except OSError:  # a process that ended meanwhile
            continue
    assert not [c for c in running if str(script).encode() in c]  # no worker left behind


@pytest.mark.slow  # the classifier's control: a few seconds of training
def test_a_seeds_sweep_without_save_changes_no_file_of_the_checkout(tmp_path):
    before = checksums(claims.ROOT)
    done = subprocess.run([sys.executable, str(claims.ROOT / "benchmarks" / "seeds.py"),
                           "--configs", "real", "--seeds", "1", "--jobs", "1"],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert checksums(claims.ROOT) == before and list(tmp_path.iterdir()) == []
