"""Definizione del discriminatore, del generatore e della GAN."""

import keras
import numpy as np
import pytest

import sine_gan
from beyond_the_slides import experiment, improved

pytestmark = pytest.mark.backend_neutral  # holds on every Keras backend


def describe(model):
    """Every layer, in order: its type, units, activation and dropout rate."""
    out = []
    for layer in model.layers:
        cfg = layer.get_config()
        out.append((type(layer).__name__, cfg.get("units"), cfg.get("activation"), cfg.get("rate")))
    return out


SLIDES_DISCRIMINATOR = [
    ("Dense", 64, "relu", None),
    ("Dropout", None, None, 0.4),
    ("Dense", 64, "relu", None),
    ("Dropout", None, None, 0.4),
    ("Dense", 1, "sigmoid", None),
]
SLIDES_GENERATOR = [
    ("Dense", 64, "relu", None),
    ("Dense", 256, "relu", None),
    ("Dense", 64, "tanh", None),
]


def test_discriminator_is_the_slides_network(seeded):
    d = sine_gan.build_discriminator()
    assert describe(d) == SLIDES_DISCRIMINATOR
    assert d.count_params() == 8385
    assert d.input_shape == (None, 64)
    assert d.loss == "binary_crossentropy"
    assert type(d.optimizer).__name__ == "Adam"


def test_generator_is_the_slides_network(seeded):
    g = sine_gan.build_generator()
    assert describe(g) == SLIDES_GENERATOR
    assert g.count_params() == 37248
    assert g.loss == "mse"
    out = g.predict_on_batch(np.ones((3, 64), "float32"))
    assert out.shape == (3, 64) and np.abs(out).max() <= 1.0


def test_gan_chains_generator_and_frozen_discriminator(seeded):
    g, d = sine_gan.build_generator(), sine_gan.build_discriminator()
    gan = sine_gan.build_gan(g, d)
    assert gan.layers == [g, d]
    assert d.trainable is False
    assert gan.count_params() == 37248 + 8385
    # Only the generator's weights are trained through the GAN.
    assert {id(v) for v in gan.trainable_weights} == {id(v) for v in g.trainable_weights}
    assert gan.output_shape == (None, 1)


def test_improved_networks_end_with_the_slides_layers(seeded):
    d = improved.build_improved_discriminator()
    assert describe(d)[-5:] == SLIDES_DISCRIMINATOR
    front = [type(layer).__name__ for layer in d.layers[:-5]]
    assert front == ["Reshape", "MinibatchStd", "Conv1D", "Dropout", "Flatten"]
    assert describe(d)[3][3] == sine_gan.DIS_DROPOUT  # the slides' dropout on the convolution
    assert d.loss == "binary_crossentropy" and d.output_shape == (None, 1)
    g = improved.build_improved_generator()
    assert describe(g)[:3] == SLIDES_GENERATOR
    assert g.get_layer("smoothing").trainable is False
    assert g.output_shape == (None, 64)


def test_each_variant_has_its_two_builders():
    assert experiment.builders_for("slides") == (sine_gan.build_discriminator,
                                               sine_gan.build_generator)
    assert experiment.builders_for("improved") == (improved.build_improved_discriminator,
                                                 improved.build_improved_generator)


def test_a_saved_improved_discriminator_loads_in_safe_mode(seeded, tmp_path, write_model):
    d = improved.build_improved_discriminator()
    write_model(d, tmp_path / "d.keras")
    loaded = keras.saving.load_model(tmp_path / "d.keras", safe_mode=True)
    x = np.random.default_rng(0).uniform(-1, 1, (8, 64)).astype("float32")
    np.testing.assert_allclose(loaded.predict_on_batch(x), d.predict_on_batch(x), atol=1e-6)
