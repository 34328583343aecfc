"""Beyond the slides: the improved variant's pieces, and its command line."""

import json

import keras
import numpy as np

import sine_gan
from conftest import TRAINING_FILES, run_cli


def test_minibatch_std_never_mixes_real_and_fake_rows():
    real = np.tile(np.sin(np.linspace(-5, 5, 64)), (64, 1))  # 64 identical real rows
    fake = np.random.default_rng(0).uniform(-1, 1, (64, 64))  # 64 varied fake rows
    batch = np.concatenate([real, fake]).astype("float32")[..., None]
    out = keras.ops.convert_to_numpy(sine_gan.MinibatchStd()(batch))
    assert out.shape == (128, 64, 2)
    np.testing.assert_array_equal(out[..., 0], batch[..., 0])  # the curves pass through
    feature = out[:, :, 1]
    assert np.all(feature == feature[:, :1])  # one number per row, on every point
    # Identical real rows: spread sqrt(1e-8) only, untouched by the fake half.
    np.testing.assert_allclose(feature[:64], 1e-4, rtol=1e-3)
    # Each fake group's number is its own four rows' spread, nothing else.
    for start in range(64, 128, sine_gan.MBSTD_GROUP):
        group = batch[start:start + sine_gan.MBSTD_GROUP, :, 0]
        expected = np.mean(np.sqrt(group.var(axis=0) + 1e-8))
        np.testing.assert_allclose(feature[start:start + sine_gan.MBSTD_GROUP], expected,
                                   rtol=1e-5)
    assert feature[64:].min() > 0.3


def test_smoothing_output_is_a_frozen_moving_average(seeded):
    g = sine_gan.build_generator(("smooth_output",))
    smoothing = g.layers[-2]
    assert isinstance(smoothing, keras.layers.Conv1D) and not smoothing.trainable
    hidden = keras.Sequential(g.layers[:3])
    z = np.random.default_rng(1).uniform(-1, 1, (5, 64)).astype("float32")
    raw = keras.ops.convert_to_numpy(hidden(z))
    assert raw.shape == (5, 64 + sine_gan.SMOOTH_WIDTH - 1)
    width = sine_gan.SMOOTH_WIDTH
    expected = np.stack([np.convolve(r, np.ones(width) / width, mode="valid") for r in raw])
    np.testing.assert_allclose(g.predict_on_batch(z), expected, atol=1e-6)
    gan = sine_gan.build_gan(g, sine_gan.build_discriminator(sine_gan.VARIANTS["improved"]))
    assert smoothing.kernel.path not in {v.path for v in gan.trainable_weights}


def test_improved_runs_end_to_end_and_its_models_load_safely(tmp_path):
    result = run_cli("--variant", "improved", "--epochs", 2, "--pretrain-epochs", 2,
                     "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "variant improved" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(TRAINING_FILES)
    settings = json.loads((tmp_path / "metrics.json").read_text())["settings"]
    assert settings["variant"] == "improved"
    d = keras.saving.load_model(tmp_path / "discriminator.keras", safe_mode=True)
    assert any(isinstance(layer, sine_gan.MinibatchStd) for layer in d.layers)
    gen = run_cli("--generate", 3, "--model", tmp_path / "generator.keras",
                  "--out", tmp_path / "gen")
    assert gen.returncode == 0, gen.stderr


def test_an_unknown_variant_is_a_usage_error():
    result = run_cli("--variant", "fancy")
    assert result.returncode == 2
    assert "invalid choice: 'fancy'" in result.stderr
    assert "Traceback" not in result.stderr
