"""The Wasserstein variant: its critic, its gradient penalty, its training step, its run."""

import json
import warnings

import keras
import numpy as np
import pytest

import sine_gan
from beyond_the_slides import critic_gan, improved, safe_files, saved_run, score, wgan

tf = pytest.importorskip("tensorflow", reason="the wgan variant runs on TensorFlow alone")


def linear_critic(norm):
    """A critic whose gradient is the same vector, of length `norm`, everywhere."""
    critic = keras.Sequential([keras.Input((64,)), keras.layers.Dense(1, use_bias=False)])
    weights = np.random.default_rng(0).normal(size=(64, 1))
    critic.set_weights([weights / np.linalg.norm(weights) * norm])
    return critic


@pytest.mark.parametrize("norm, penalty", [(1.0, 0.0), (3.0, 4.0), (0.5, 0.25)])
def test_the_gradient_penalty_is_the_squared_distance_of_the_gradient_norm_from_1(norm, penalty):
    rng = np.random.default_rng(1)
    real, fake = (tf.constant(rng.uniform(-1, 1, (16, 64)), "float32") for _ in range(2))
    alpha = tf.constant(rng.uniform(0, 1, (16, 1)), "float32")
    value = wgan.gradient_penalty(linear_critic(norm), real, fake, alpha)
    assert float(value) == pytest.approx(penalty, abs=1e-4)


def test_the_critic_is_the_slides_discriminator_without_dropout_and_sigmoid(seeded):
    critic = critic_gan.build_critic()
    layers = [(type(layer).__name__, layer.get_config()["units"],
               layer.get_config()["activation"]) for layer in critic.layers]
    assert layers == [("Dense", 64, "relu"), ("Dense", 64, "relu"), ("Dense", 1, "linear")]
    assert critic.count_params() == sine_gan.build_discriminator().count_params()


def test_the_low_pass_filter_passes_the_training_range_whole_and_stops_trembling():
    m = improved.smoothing_matrix(improved.lowpass_kernel(), full_gain=True)
    x = sine_gan.X_COORDS
    inner = slice(8, -8)  # away from the ends, where the filter is cut

    def gain(b):
        curve = np.sin(b * x + 0.3)
        return np.abs((curve @ m)[inner]).max() / np.abs(curve[inner]).max()

    # Nothing is taken from the training curves, so tanh's range reaches all of them.
    assert all(0.999 < gain(b) < 1.25 for b in (0.5, 1.0, 1.5, 2.0))
    assert gain(4.0) < 0.5 and gain(6.0) < 0.15 and gain(8.0) < 0.01  # wobble only
    assert np.abs(((-1.0) ** np.arange(64)) @ m)[inner].max() < 0.01
    jittery = np.sin(1.3 * x) + np.random.default_rng(2).normal(0, 0.05, 64)
    assert score.roughness((jittery @ m)[None]) < score.roughness(jittery[None]) / 10


def weights_of(model):
    return [w.copy() for w in model.get_weights()]


def moved(before, model):
    return [not np.array_equal(a, b) for a, b in zip(before, model.get_weights())]


def test_pretraining_moves_the_critic_only_and_a_step_moves_both(seeded):
    generator, critic = wgan.build_wgan_generator(), critic_gan.build_critic()
    model = critic_gan.build_critic_gan(generator, critic, wgan.WGAN, "wgan")
    rng = np.random.default_rng(3)
    real = rng.uniform(-1, 1, (5 * 64, 64)).astype("float32")
    g0, c0 = weights_of(generator), weights_of(critic)
    losses = model.train_on_batch(real[:64], real[64:128], return_dict=True)
    assert set(losses) == {"c_loss", "distance"}
    # The critic's output bias never moves: the loss is a difference of two means.
    assert moved(c0, critic) == [True] * 5 + [False] and not any(moved(g0, generator))
    g1, c1 = weights_of(generator), weights_of(critic)
    losses = model.train_on_batch(real, return_dict=True)
    assert set(losses) == {"c_loss", "distance", "g_loss"}
    assert moved(c1, critic) == [True] * 5 + [False]
    # Every generator weight moves but the frozen filter, the last one.
    assert moved(g1, generator) == [True] * (len(g1) - 1) + [False]
    np.testing.assert_array_equal(generator.get_layer("smoothing").get_weights()[0],
                                  improved.smoothing_matrix(improved.lowpass_kernel(), True))


@pytest.mark.slow
def test_a_short_wgan_run_writes_every_file_and_its_models_load_plainly(tmp_path, capsys):
    code = sine_gan.main(["--variant", "wgan", "--epochs", "2", "--pretrain-epochs", "3",
                          "--out", str(tmp_path)])
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [*saved_run.TRAINING_FILES, safe_files.MANIFEST])
    out = capsys.readouterr().out
    assert " epoca | stima di Wasserstein | R² mediano" in out
    history = (tmp_path / "history.csv").read_text().splitlines()
    assert history[0] == f"epoch,c_loss,distance,g_loss,median_r2,{score.SHARE_KEY},seconds"
    assert len(history) == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        generator = keras.models.load_model(tmp_path / "generator.keras")
        critic = keras.models.load_model(tmp_path / "discriminator.keras")
    assert generator.output_shape == (None, 64) and critic.output_shape == (None, 1)
    settings = json.loads((tmp_path / "metrics.json").read_text())["settings"]
    assert settings["variant"] == "wgan"
