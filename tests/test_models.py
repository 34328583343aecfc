"""Definizione del discriminatore, del generatore e della GAN."""

import numpy as np

import sine_gan


def describe(model):
    out = []
    for layer in model.layers:
        cfg = layer.get_config()
        out.append((type(layer).__name__, cfg.get("units"), cfg.get("activation"), cfg.get("rate")))
    return out


def test_discriminator_is_the_slides_network(seeded):
    d = sine_gan.build_discriminator()
    assert describe(d) == [
        ("Dense", 64, "relu", None),
        ("Dropout", None, None, 0.4),
        ("Dense", 64, "relu", None),
        ("Dropout", None, None, 0.4),
        ("Dense", 1, "sigmoid", None),
    ]
    assert d.count_params() == 8385
    assert d.input_shape == (None, 64)
    assert d.loss == "binary_crossentropy"
    assert type(d.optimizer).__name__ == "Adam"


def test_generator_is_the_slides_network(seeded):
    g = sine_gan.build_generator()
    assert describe(g) == [
        ("Dense", 64, "relu", None),
        ("Dense", 256, "relu", None),
        ("Dense", 64, "tanh", None),
    ]
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
