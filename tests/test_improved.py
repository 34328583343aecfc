"""Beyond the slides: the improved variant's pieces."""

import keras
import numpy as np

import sine_gan
from beyond_the_slides import improved


def test_minibatch_std_never_mixes_real_and_fake_rows():
    real = np.tile(np.sin(np.linspace(-5, 5, 64)), (64, 1))  # 64 identical real rows
    fake = np.random.default_rng(0).uniform(-1, 1, (64, 64))  # 64 varied fake rows
    batch = np.concatenate([real, fake]).astype("float32")[..., None]
    layer = improved.minibatch_std_layer_class()()
    out = keras.ops.convert_to_numpy(layer(batch))
    assert out.shape == (128, 64, 2)
    np.testing.assert_array_equal(out[..., 0], batch[..., 0])  # the curves pass through
    feature = out[:, :, 1]
    assert np.all(feature == feature[:, :1])  # one number per row, on every point
    # Identical real rows: spread sqrt(1e-8) only, untouched by the fake half.
    np.testing.assert_allclose(feature[:64], 1e-4, rtol=1e-3)
    # Each fake group's number is its own four rows' spread, nothing else.
    for start in range(64, 128, improved.MBSTD_GROUP):
        group = batch[start:start + improved.MBSTD_GROUP, :, 0]
        expected = np.mean(np.sqrt(group.var(axis=0) + 1e-8))
        np.testing.assert_allclose(feature[start:start + improved.MBSTD_GROUP], expected,
                                   rtol=1e-5)


def test_the_smoothing_matrix_is_a_binomial_filter_that_keeps_values_in_range():
    m = improved.smoothing_matrix()
    np.testing.assert_allclose(m.sum(axis=0), 1.0, rtol=1e-6)
    assert m.min() >= 0  # a weighted mean of values in [-1, 1] stays in [-1, 1]
    np.testing.assert_allclose(m[30:35, 32], np.array([1, 4, 6, 4, 1]) / 16)
    x = sine_gan.X_COORDS
    jitter = (-1.0) ** np.arange(64)  # the fastest wobble 64 points can show
    assert np.abs((jitter @ m)[2:-2]).max() < 1e-6
    fastest_real = np.sin(2.0 * x)  # b = 2, the top of the training range
    gain = np.abs((fastest_real @ m)[2:-2]).max() / np.abs(fastest_real[2:-2]).max()
    assert 0.94 < gain < 0.96


def test_the_smoothing_layer_is_frozen_and_never_trained_by_the_gan(seeded):
    g = improved.build_improved_generator()
    smoothing = g.get_layer("smoothing")
    np.testing.assert_array_equal(smoothing.get_weights()[0], improved.smoothing_matrix())
    before = [w.copy() for w in g.get_weights()]
    d = improved.build_improved_discriminator()
    gan = sine_gan.build_gan(g, d)
    noise = np.random.default_rng(1).uniform(-1, 1, (64, 64)).astype("float32")
    gan.train_on_batch(noise, sine_gan.ONES)
    np.testing.assert_array_equal(smoothing.get_weights()[0], improved.smoothing_matrix())
    assert any(not np.array_equal(a, b) for a, b in zip(before, g.get_weights()))
