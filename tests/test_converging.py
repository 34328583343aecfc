"""`--variant converging`: the band-limited projection, the R1 penalty, the averaged generator,
and a short run that repeats itself."""

import numpy as np
import pytest

import sine_gan
from beyond_the_slides import converging, experiment, monitor, wgan


def test_the_projection_passes_every_training_sinusoid_and_stops_white_noise():
    P = converging.band_limited_projection()
    x = sine_gan.X_COORDS
    b, phase = np.meshgrid(np.linspace(0.5, 2.0, 61), np.linspace(0.0, 2 * np.pi, 60))
    curves = np.sin(b.reshape(-1, 1) * x + phase.reshape(-1, 1))
    rms = np.sqrt(np.mean((curves @ P - curves) ** 2, axis=1))
    assert rms.max() < 0.001  # 0.1% of a unit sinusoid, the edges included
    noise = np.random.default_rng(0).normal(size=(4000, 64))
    kept = np.sum((noise @ P) ** 2) / np.sum(noise**2)
    assert kept <= 12 / 64 + 0.01 and np.allclose(P, P.T) and np.allclose(P @ P, P)


def test_the_generator_ends_with_the_frozen_projection(seeded):
    generator = converging.build_converging_generator()
    layer = generator.layers[-1]
    assert layer.name == "projection" and not layer.trainable and not layer.use_bias
    np.testing.assert_allclose(layer.get_weights()[0],
                               converging.PROJECTION_GAIN * converging.band_limited_projection(),
                               atol=1e-6)
    assert [w.shape for w in generator.trainable_weights] == [
        w.shape for w in sine_gan.build_generator().trainable_weights]


def test_the_r1_penalty_is_zero_for_a_constant_critic_and_positive_otherwise(seeded):
    import keras

    model = converging.build_converging(converging.build_converging_generator(),
                                       wgan.build_critic(), 1)
    real = keras.ops.convert_to_tensor(np.sin(np.outer(np.linspace(0.5, 2, 8),
                                                       sine_gan.X_COORDS)), "float32")
    fake = keras.ops.zeros_like(real)
    loss, _ = model.critic_loss(real, fake)
    for w in model.critic.weights:  # a critic that says the same of every curve
        w.assign(np.zeros(w.shape))
    flat, margin = model.critic_loss(real, fake)
    assert float(flat) == pytest.approx(2 * np.log(2.0), abs=1e-6) and float(margin) == 0.0
    assert float(loss) > 0 and float(loss) != pytest.approx(float(flat))
    score = float(model.critic(real)[0, 0])
    assert score == 0.0


def short_run(seed):
    monitor_, rng = monitor.start_run(seed, 1)
    run = experiment.run_variant("converging", monitor_, pretrain_epochs=2)
    return run, monitor_


@pytest.mark.slow  # trains: 8 updates, twice, and compiles the step
def test_a_short_run_repeats_itself_and_keeps_the_averaged_weights(seeded, monkeypatch,
                                                                  capsys):
    monkeypatch.setattr(converging.converging_model_class(), "UPDATES_PER_EPOCH", 8)
    finished = []
    real_finish = converging.converging_model_class().finish

    def finish(self):
        raw = [w.numpy().copy() for w in self.generator.trainable_weights]
        moving = self.generator_optimizer._model_variables_moving_average
        averaged = [v.numpy().copy() for v in moving]
        real_finish(self)
        finished.append((raw, averaged))

    monkeypatch.setattr(converging.converging_model_class(), "finish", finish)
    run, first = short_run(4)
    raw, averaged = finished[0]
    saved = [w.numpy() for w in run["generator"].trainable_weights]
    for s, a in zip(saved, averaged):
        np.testing.assert_allclose(s, a)  # what is saved and scored is the average
    assert any(not np.allclose(a, r) for a, r in zip(averaged, raw))
    _, second = short_run(4)
    assert [row["median_r2"] for row in first.history] == [
        row["median_r2"] for row in second.history]
    assert " epoca | margine del critico" in capsys.readouterr().out


@pytest.fixture
def seeded():
    monitor.seed_everything(2)
