"""benchmarks/claims.py: verdicts from results, the copy measure, and configurations that
change only what their claim is about (made-up runs, no training)."""

import subprocess
import sys

import numpy as np
import pytest

import sine_gan
from benchmarks import claims
from benchmarks.deck_claims import CLAIMS, COPY_RATIO


def made_up(seeds, **values):
    """Results of one configuration on `seeds`: {measure: per-seed list, or one value}."""
    return {seed: {k: (v[i] if isinstance(v, list) else v) for k, v in values.items()}
            for i, seed in enumerate(seeds)}


def results_of(**configs):
    return {(config, seed): report for config, runs in configs.items()
            for seed, report in runs.items()}


SEEDS = list(range(1, 11))


def test_the_verdict_follows_the_seeds_that_show_each_effect():
    assert claims.verdict([(9, 10), (8, 10)]) == ("holds", ["shown", "shown"])
    assert claims.verdict([(9, 10), (5, 10)])[0] == "holds only in part"
    assert claims.verdict([(5, 10), (1, 10)]) == (
        "does not hold", ["within the seed-to-seed spread", "reversed"])
    assert claims.verdict([(5, 10), (7, 10)])[0] == "within the seed-to-seed spread"
    # "A number like any other" holds when no effect, either way, stands out of the spread.
    assert claims.verdict([(5, 10), (3, 10)], "no effect")[0] == "holds"
    assert claims.verdict([(10, 10), (5, 10)], "no effect")[0] == "holds only in part"
    assert claims.verdict([(5, 10), (2, 10)], "no effect")[0] == "holds only in part"
    assert claims.verdict([(10, 10), (0, 10)], "no effect")[0] == "does not hold"
    assert claims.verdict([(0, 0)])[0] == "not measured"


def test_a_claims_table_and_verdict_come_from_its_results():
    r2, early = [0.98] * 10, [0.1 * e for e in range(64)]
    results = results_of(
        slides=made_up(SEEDS, median_r2=r2, frequency_w1=0.3, r2_by_epoch=[early] * 10,
                       **{"first_epoch_r2_0.9": [18] * 9 + [40]}),
        **{"pretrain=0": made_up(SEEDS, median_r2=[0.97] * 10, frequency_w1=0.3,
                                 r2_by_epoch=[[0.5] * 64] * 10,
                                 **{"first_epoch_r2_0.9": [25] * 10}),
           "pretrain=128": made_up(SEEDS, median_r2=r2, frequency_w1=0.3,
                                   r2_by_epoch=[early] * 10,
                                   **{"first_epoch_r2_0.9": [18] * 10})})
    table, word = claims.claim_table("pretraining", results, SEEDS)
    # After 8 epochs (the row 007) the slides' 0.7 is ahead of 0.5 on every seed.
    assert "| after 8 epochs, 32 epochs of pretraining are ahead of none | 10 of 10 |" in table
    assert "| 32 epochs reach median R² 0.9 sooner than none | 9 of 10 | shown |" in table
    assert "| 32 epochs end with a higher median R² than none | 10 of 10 | shown |" in table
    # Equal values are no effect: 128 epochs are never sooner than 32 here, but on seed 10.
    assert "| 128 epochs reach median R² 0.9 sooner than 32 | 1 of 10 | reversed |" in table
    assert "| pretrain=0 | median R² (1,000 curves) | 0.9700 | 0.9700 | 0.9700 | 10 |" in table
    assert word == "holds only in part" and table.endswith("**Verdict: holds only in part.**")


def test_an_effect_within_one_run_compares_two_of_its_measures():
    accuracy = {"1": 0.6, "8": 0.8, "32": 0.97, "256": 0.97}
    results = results_of(pretraining=made_up([1, 2], held_out_accuracy=accuracy))
    effects = CLAIMS["pretraining-epochs"]["effects"]
    assert [claims.effect_counts(results, e, [1, 2]) for e in effects] == [(2, 2), (2, 2), (0, 2)]


def test_the_copy_measure_flags_a_generator_that_copies_and_passes_new_curves():
    rng = np.random.default_rng(0)
    X_TRAIN = claims.real_curves(2000, rng)
    fresh = claims.real_curves(500, rng)
    copies = X_TRAIN[rng.choice(2000, 500)] + rng.normal(0, 1e-3, (500, 64))
    assert claims.copy_ratio(copies, X_TRAIN, fresh) < COPY_RATIO / 5
    assert 0.8 < claims.copy_ratio(claims.real_curves(500, rng), X_TRAIN, fresh) < 1.25
    distances, nearest = claims.nearest_distances(X_TRAIN[[5, 7]], X_TRAIN)
    assert list(nearest) == [5, 7] and np.allclose(distances, 0, atol=1e-3)


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
    for name, units in (("hidden=64", [64]), ("hidden=1024", [1024]),
                        ("hidden=512+512", [512, 512])):
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


def test_every_row_and_effect_names_a_configuration_and_a_measure_it_has():
    for name, spec in CLAIMS.items():
        for config, key in spec["rows"]:
            assert config in claims.CONFIGS or config == claims.PRETRAINING_ONLY, name
            assert key in claims.TITLES, (name, key)
        for _, a, b, key, direction in spec["effects"]:
            assert a in claims.configs_of(name) and direction in ("higher", "lower")
            assert key in claims.TITLES
            assert not isinstance(b, str) or b in claims.configs_of(name) or b in claims.TITLES


def test_the_command_line_lists_the_seven_claims_and_refuses_an_unknown_one():
    script = [sys.executable, str(claims.ROOT / "benchmarks" / "claims.py")]
    listed = subprocess.run([*script, "--list"], capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0 and listed.stdout.split() == list(CLAIMS)
    assert len(CLAIMS) == 7
    wrong = subprocess.run([*script, "--claim", "nope"], capture_output=True, text=True,
                           timeout=60)
    assert wrong.returncode == 2 and "invalid choice: 'nope'" in wrong.stderr


@pytest.fixture
def seeded():
    from beyond_the_slides.monitor import seed_everything

    seed_everything(3)
