"""The sinusoid score: it must tell sinusoids from noise, and smooth from trembling."""

import numpy as np
import pytest

import sine_gan
from beyond_the_slides import figures, score

pytestmark = pytest.mark.backend_neutral  # holds on every Keras backend

X = sine_gan.X_COORDS


def sinusoids(count, seed):
    rng = np.random.default_rng(seed)
    scale = rng.uniform(0.5, 2.0, count)
    phase = rng.uniform(1.0, np.pi, count)
    return np.sin(scale[:, None] * X + phase[:, None]), scale


def sinusoids_and_phases(count, seed):
    rng = np.random.default_rng(seed)
    scale = rng.uniform(0.5, 2.0, count)
    phase = rng.uniform(1.0, np.pi, count)
    return np.sin(scale[:, None] * X + phase[:, None]), scale, phase


def test_exact_sinusoids_score_one_with_the_right_frequency_and_phase():
    curves, scale, phase = sinusoids_and_phases(500, 1)
    fit = score.sine_fit(curves)
    assert fit["r2"].min() > 0.999
    assert np.abs(fit["frequency"] - scale).max() < 0.02
    np.testing.assert_allclose(fit["amplitude"], 1.0, atol=0.02)
    # A frequency off by up to half a grid step shifts the phase by at most 0.0025 * 5.
    np.testing.assert_allclose(fit["phase"], phase, atol=0.02)
    np.testing.assert_allclose(fit["offset"], 0.0, atol=0.02)


def test_amplitude_phase_and_offset_are_recovered():
    fit = score.sine_fit(0.5 * np.sin(1.3 * X + 2.0) + 0.2)
    assert fit["r2"][0] > 0.999
    assert abs(fit["frequency"][0] - 1.3) < 0.01
    assert abs(fit["amplitude"][0] - 0.5) < 0.01
    assert abs(fit["phase"][0] - 2.0) < 0.01 and abs(fit["offset"][0] - 0.2) < 0.01
    flipped = score.sine_fit(-np.sin(1.3 * X + 2.0))  # = sin(1.3x + 2 + pi)
    assert abs(flipped["phase"][0] - (2.0 + np.pi)) < 0.01


def test_uniform_noise_scores_low():
    noise = np.random.default_rng(2).uniform(-1, 1, (1000, 64))
    summary = score.r2_summary(score.sine_fit(noise)["r2"])
    assert summary["median_r2"] < 0.3
    assert summary[score.SHARE_KEY] == 0.0


def test_report_sees_collapse_and_trembling():
    real, _ = sinusoids(1000, 3)
    same = np.repeat(real[:1], 1000, axis=0)
    collapsed, _ = score.sine_report(same, real)
    assert collapsed["diversity_ratio"] < 1e-6
    assert collapsed["frequency_w1"] > 0.2
    other, _ = sinusoids(1000, 4)
    fresh, _ = score.sine_report(other, real)
    assert fresh["frequency_w1"] < 0.05 and 0.9 < fresh["diversity_ratio"] < 1.1
    assert 0.8 < fresh["roughness_ratio"] < 1.25
    jitter = other + np.random.default_rng(4).normal(0, 0.05, other.shape)
    trembling, _ = score.sine_report(jitter, real)
    assert trembling["roughness_ratio"] > 5
    assert trembling["median_r2"] < fresh["median_r2"]


def test_report_returns_the_fitted_frequencies_it_compared():
    real, scale = sinusoids(300, 5)
    slow = np.sin(0.6 * X[None, :] + np.linspace(1, 3, 300)[:, None])
    report, (fake_fit, real_fit) = score.sine_report(slow, real)
    fake_b, real_b = fake_fit["frequency"], real_fit["frequency"]
    np.testing.assert_allclose(fake_b, 0.6, atol=0.01)
    np.testing.assert_allclose(real_b, scale, atol=0.02)
    assert abs(report["frequency_w1"] - score.wasserstein1(fake_b, real_b)) < 1e-12


def test_wasserstein_matches_a_known_value():
    # Shifting a sample by 0.3 moves it by exactly 0.3.
    a = np.random.default_rng(5).uniform(0, 1, 400)
    assert abs(score.wasserstein1(a, a + 0.3) - 0.3) < 1e-9
    assert abs(score.wasserstein1(np.array([0.0]), np.array([1.0, 3.0])) - 2.0) < 1e-9


def test_the_coverage_figure_shows_where_each_fitted_sinusoid_lies():
    real, _, _ = sinusoids_and_phases(300, 6)
    half = np.sin(1.2 * X[None, :] + np.linspace(1.0, 2.0, 200)[:, None])  # one b, half the phases
    _, (fake_fit, real_fit) = score.sine_report(half, real)
    fig = figures.plot_coverage(fake_fit, real_fit)
    real_axis, fake_axis = fig.axes
    points = {axis: axis.collections[0].get_offsets() for axis in fig.axes}
    assert len(points[real_axis]) == 300 and len(points[fake_axis]) == 200
    np.testing.assert_allclose(points[fake_axis][:, 0], 1.2, atol=0.01)  # x: the frequency
    assert 0.99 < points[fake_axis][:, 1].min() and points[fake_axis][:, 1].max() < 2.01
    # Both panels outline the rectangle of the dataset's law: b in [0.5, 2], phase in [1, pi].
    for axis in fig.axes:
        box = axis.patches[0]
        assert (box.get_x(), box.get_width(), box.get_y()) == (0.5, 1.5, 1.0)
        assert abs(box.get_y() + box.get_height() - np.pi) < 1e-12
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_the_amplitude_share_counts_curves_whose_fitted_amplitude_is_near_one():
    rng = np.random.default_rng(4)
    X = sine_gan.X_COORDS
    real = np.sin(rng.uniform(0.5, 2.0, (400, 1)) * X + rng.uniform(1.0, np.pi, (400, 1)))
    amplitudes = np.repeat([1.0, 1.03, 0.9, 1.2], 100)[:, None]
    report, _ = score.sine_report(amplitudes * real, real)
    assert report["amplitude_within_5"] == pytest.approx(0.5)  # 1 and 1.03
    assert report["amplitude_within_2"] == pytest.approx(0.25)  # 1 alone
    assert score.sine_report(real, real)[0]["amplitude_within_2"] == 1.0
    assert report[score.PEAK_KEY] == pytest.approx(0.5)  # 1.03 and 1.2 peak above 1.02
    assert score.sine_report(real, real)[0][score.PEAK_KEY] == 0.0
