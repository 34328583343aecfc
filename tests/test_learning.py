"""The proof: the default run's generator really draws sinusoids."""

import json

import numpy as np

import sine_gan


def test_default_run_learns_sinusoids(tmp_path):
    assert sine_gan.main(["--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "metrics.json").read_text())["report"]
    assert report["median_r2"] >= 0.95
    assert report["share_r2_ge_0.9"] >= 0.85


def test_an_untrained_generator_fails_the_same_bar(seeded):
    g = sine_gan.build_generator()
    np.random.seed(0)
    _, X_TRAIN = sine_gan.make_dataset()
    fake = sine_gan.generate(g, 1000, rng=np.random.default_rng(0))
    report = sine_gan.sine_report(fake, X_TRAIN[:1000])
    assert report["median_r2"] < 0.95
    assert report["share_r2_ge_0.9"] < 0.85
