"""Un dataset di sinusoidi: the training set is exactly the slides' one."""

import numpy as np
import pytest
from numpy.random import uniform

import sine_gan
from sine_gan import TRAIN_LEN, TRAIN_SIZE

pytestmark = pytest.mark.backend_neutral  # holds on every Keras backend


def slides_dataset(seed):
    """The slide's code as printed (with np.pi for np.math.pi), point by point."""
    np.random.seed(seed)
    X_COORDS = np.linspace(-5.0, 5.0, 64)
    X_TRAIN = np.zeros((8192, 64))
    for i in range(0, 8192):
        scale = uniform(0.5, 2.0)
        phase = uniform(np.pi)
        X_TRAIN[i] = np.array([np.sin(scale * x + phase) for x in X_COORDS])
    return X_COORDS, X_TRAIN


def test_dataset_matches_the_slides_loop_draw_for_draw():
    X_COORDS_ref, X_TRAIN_ref = slides_dataset(3)
    np.random.seed(3)
    X_TRAIN = sine_gan.make_dataset()
    assert X_TRAIN.shape == (TRAIN_SIZE, TRAIN_LEN) == (8192, 64)
    assert X_TRAIN.dtype == np.float32
    np.testing.assert_array_equal(sine_gan.X_COORDS, X_COORDS_ref)
    # The same draws in the same order give the same curves, to float32 rounding.
    np.testing.assert_array_equal(X_TRAIN, X_TRAIN_ref.astype(np.float32))
    # ... and the next draw after the dataset is the same too.
    after_ours = uniform()
    slides_dataset(3)
    assert uniform() == after_ours


def test_plot_dataset_draws_the_first_eight_curves():
    np.random.seed(0)
    X_TRAIN = sine_gan.make_dataset()
    fig = sine_gan.plot_dataset(X_TRAIN)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 8
    for i, line in enumerate(lines):
        np.testing.assert_array_equal(line.get_ydata(), X_TRAIN[i])
    assert fig.axes[0].get_title() == "Esempi di sinusoidi"
