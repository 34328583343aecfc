"""The classifier two-sample test (benchmarks/classifier.py), on made-up curves."""

import numpy as np
import pytest

import sine_gan
from benchmarks import classifier
from beyond_the_slides import score

X = sine_gan.X_COORDS
SMALL = {"repeats": 1, "count": 2000}  # 2,800 curves to learn from, 1,200 held out


def half_the_phases(count, rng):
    """The dataset's frequencies, but only the lower half of its phases: a partial collapse."""
    scale = rng.uniform(0.5, 2.0, count)
    phase = rng.uniform(1.0, (1.0 + np.pi) / 2, count)
    return np.sin(scale[:, None] * X + phase[:, None])


def test_real_curves_follow_the_datasets_law():
    curves = classifier.real_curves(4000, np.random.default_rng(0))
    fit = score.sine_fit(curves)
    assert fit["r2"].min() > 0.999
    assert 0.49 < fit["frequency"].min() and fit["frequency"].max() < 2.01
    assert 0.99 < fit["phase"].min() and fit["phase"].max() < np.pi + 0.02
    # Both halves of each range are drawn as often: uniform, as in make_dataset().
    assert abs(np.mean(fit["phase"] < (1 + np.pi) / 2) - 0.5) < 0.03


def test_the_family_keeps_frequency_and_phase_and_drops_amplitude_and_offset():
    curves = 0.8 * np.sin(1.2 * X + 2.0)[None, :] + 0.1
    family = classifier.on_family(curves)
    np.testing.assert_allclose(family[0], np.sin(1.2 * X + 2.0), atol=0.02)


@pytest.mark.slow  # trains the classifier: seconds each
def test_real_against_real_is_a_coin_toss():
    result = classifier.two_sample_accuracies(classifier.real_curves, 1, **SMALL)
    assert abs(result["c2st_curves"] - 0.5) < 0.06
    assert abs(result["c2st_family"] - 0.5) < 0.06


@pytest.mark.slow  # trains the classifier: seconds each
def test_real_against_noise_is_told_apart_always():
    def noise(count, rng):
        return rng.uniform(-1, 1, (count, sine_gan.TRAIN_LEN))

    result = classifier.two_sample_accuracies(noise, 2, **SMALL)
    assert result["c2st_curves"] > 0.98


@pytest.mark.slow  # trains the classifier: seconds each
def test_half_the_phase_range_is_seen_on_the_family():
    # The best possible accuracy is 0.75: real curves in the missing half are
    # always told, the rest are a 2-to-1 bet.
    result = classifier.two_sample_accuracies(half_the_phases, 3, **SMALL)
    assert result["c2st_family"] > 0.65


@pytest.mark.slow  # trains the classifier: seconds each
def test_the_same_seed_gives_the_same_accuracies():
    first = classifier.two_sample_accuracies(half_the_phases, 4, repeats=1, count=300)
    again = classifier.two_sample_accuracies(half_the_phases, 4, repeats=1, count=300)
    assert first == again and set(first) == {"c2st_curves", "c2st_family"}


@pytest.mark.slow  # trains the classifier: seconds each
def test_any_seed_of_the_command_line_works():
    result = classifier.two_sample_accuracies(classifier.real_curves, 2**32 - 1, repeats=1,
                                              count=200)
    assert set(result) == {"c2st_curves", "c2st_family"}
