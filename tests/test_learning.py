"""The proof: full default runs of the three variants really learn sinusoids.

The 64-epoch runs start at once, in three processes, so together they take
about as long as two.
"""

import json

import numpy as np
import pytest

import sine_gan
from beyond_the_slides import experiment, score


@pytest.fixture(scope="module")
def full_runs(tmp_path_factory, cli_many):
    outs = {v: tmp_path_factory.mktemp(v) for v in ("slides", "improved", "wgan")}
    results = cli_many([["--variant", v, "--out", out] for v, out in outs.items()], timeout=900)
    reports = {}
    for (variant, out), result in zip(outs.items(), results):
        assert result.returncode == 0, result.stderr
        reports[variant] = json.loads((out / "metrics.json").read_text())["report"]
        reports[variant]["out"] = out
    return reports


@pytest.mark.slow
def test_default_run_learns_sinusoids(full_runs):
    report = full_runs["slides"]
    assert report["median_r2"] >= 0.95
    assert report[score.SHARE_KEY] >= 0.85


def test_an_untrained_generator_fails_the_same_bar(seeded):
    g = sine_gan.build_generator()
    np.random.seed(0)
    X_TRAIN = sine_gan.make_dataset()
    fake = sine_gan.generate(g, 1000, rng=np.random.default_rng(0))
    report, _ = score.sine_report(fake, X_TRAIN[:1000])
    assert report["median_r2"] < 0.95
    assert report[score.SHARE_KEY] < 0.85


@pytest.mark.slow
def test_improved_run_fixes_trembling_and_narrow_frequencies(full_runs):
    # The bars sit below the worst of seeds 1-10 (see the README), and far
    # beyond what the slides' GAN reaches, so a broken fix fails.
    improved = full_runs["improved"]
    assert improved["median_r2"] >= 0.99
    assert improved["roughness_ratio"] <= 4.0
    assert improved["diversity_ratio"] >= 0.75
    assert improved["frequency_w1"] <= 0.2
    slides = full_runs["slides"]
    assert improved["roughness_ratio"] < slides["roughness_ratio"] / 5


@pytest.mark.slow
def test_wgan_run_covers_the_whole_family(full_runs):
    # The variant's own targets, on seed 1; the classifier test
    # is benchmarks/classifier.py's, as the seed sweep runs it.
    import keras

    from benchmarks import classifier

    wgan = full_runs["wgan"]
    assert wgan["median_r2"] >= 0.995
    assert wgan["roughness_ratio"] <= 2.0
    assert wgan["diversity_ratio"] >= 0.95
    assert wgan["frequency_w1"] <= 0.05
    generator = keras.models.load_model(wgan["out"] / "generator.keras")
    accuracy = classifier.two_sample_accuracies(classifier.generator_sampler(generator),
                                                experiment.DEFAULT_SEED)
    assert accuracy["c2st_family"] <= 0.55
    assert accuracy["c2st_family"] < classifier.two_sample_accuracies(
        classifier.generator_sampler(keras.models.load_model(
            full_runs["slides"]["out"] / "generator.keras")), 1, repeats=1)["c2st_family"] - 0.15
