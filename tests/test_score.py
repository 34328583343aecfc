"""The sinusoid score: it must tell sinusoids from noise, and smooth from trembling."""

import numpy as np

import sine_gan

X = np.linspace(-5.0, 5.0, 64)


def sinusoids(count, seed):
    rng = np.random.default_rng(seed)
    scale = rng.uniform(0.5, 2.0, count)
    phase = rng.uniform(1.0, np.pi, count)
    return np.sin(scale[:, None] * X + phase[:, None]), scale


def test_exact_sinusoids_score_one_with_the_right_frequency():
    np.random.seed(0)
    _, X_TRAIN = sine_gan.make_dataset()
    curves, scale = sinusoids(500, 1)
    fit = sine_gan.sine_fit(curves, X)
    assert fit["r2"].min() > 0.999
    assert np.abs(fit["frequency"] - scale).max() < 0.02
    np.testing.assert_allclose(fit["amplitude"], 1.0, atol=0.02)
    assert sine_gan.sine_fit(X_TRAIN[:1000], X)["r2"].min() > 0.999


def test_amplitude_and_offset_are_recovered():
    fit = sine_gan.sine_fit(0.5 * np.sin(1.3 * X + 2.0) + 0.2, X)
    assert fit["r2"][0] > 0.999
    assert abs(fit["frequency"][0] - 1.3) < 0.01
    assert abs(fit["amplitude"][0] - 0.5) < 0.01


def test_uniform_noise_scores_low():
    noise = np.random.default_rng(2).uniform(-1, 1, (1000, 64))
    r2 = sine_gan.sine_fit(noise, X)["r2"]
    assert np.median(r2) < 0.3
    assert np.mean(r2 >= sine_gan.GOOD_R2) == 0.0


def test_report_sees_collapse_and_trembling():
    real, _ = sinusoids(1000, 3)
    same = np.repeat(real[:1], 1000, axis=0)
    collapsed = sine_gan.sine_report(same, real, X)
    assert collapsed["diversity_ratio"] < 1e-6
    assert collapsed["frequency_w1"] > 0.2
    itself = sine_gan.sine_report(real, real, X)
    assert itself["frequency_w1"] == 0.0
    assert itself["roughness_ratio"] == 1.0 and itself["diversity_ratio"] == 1.0
    assert itself["median_r2"] > 0.999 and itself["share_r2_ge_0.9"] == 1.0
    jitter = real + np.random.default_rng(4).normal(0, 0.05, real.shape)
    trembling = sine_gan.sine_report(jitter, real, X)
    assert trembling["roughness_ratio"] > 5
    assert trembling["median_r2"] < itself["median_r2"]


def test_wasserstein_matches_a_known_value():
    # Shifting a sample by 0.3 moves it by exactly 0.3.
    a = np.random.default_rng(5).uniform(0, 1, 400)
    assert abs(sine_gan._wasserstein1(a, a + 0.3) - 0.3) < 1e-9
    assert abs(sine_gan._wasserstein1(np.array([0.0]), np.array([1.0, 3.0])) - 2.0) < 1e-9
