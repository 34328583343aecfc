"""`--variant converging`: the band-limited projection, the R1 penalty, the averaged generator,
and a short run that repeats itself."""

from pathlib import Path

import numpy as np
import pytest

import sine_gan
from beyond_the_slides import converging, critic_gan


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

    model = critic_gan.build_critic_gan(converging.build_converging_generator(),
                                        critic_gan.build_critic(), converging.converging_recipe(),
                                        "converging")
    critic_loss = converging.converging_recipe()["critic_loss"]
    real = keras.ops.convert_to_tensor(np.sin(np.outer(np.linspace(0.5, 2, 8),
                                                       sine_gan.X_COORDS)), "float32")
    fake = keras.ops.zeros_like(real)
    loss, _ = critic_loss(model, real, fake)
    for w in model.critic.weights:  # a critic that says the same of every curve
        w.assign(np.zeros(w.shape))
    flat, margin = critic_loss(model, real, fake)
    assert float(flat) == pytest.approx(2 * np.log(2.0), abs=1e-6) and float(margin) == 0.0
    assert float(loss) > 0 and float(loss) != pytest.approx(float(flat))
    score = float(model.critic(real)[0, 0])
    assert score == 0.0


def test_each_ablation_leaves_out_its_own_part_and_nothing_else(seeded):
    import keras

    full = converging.converging_recipe()
    real = keras.ops.convert_to_tensor(np.sin(np.outer(np.linspace(0.5, 2, 8),
                                                       sine_gan.X_COORDS)), "float32")
    gan = critic_gan.build_critic_gan(converging.build_converging_generator(),
                                      critic_gan.build_critic(), full, "converging")

    def traits(without):
        recipe = converging.converging_recipe(without)
        c_opt, g_opt = recipe["optimizers"]()
        loss, _ = recipe["critic_loss"](gan, real, keras.ops.zeros_like(real))
        names = [layer.name for layer in converging.build_converging_generator(without).layers]
        return {"updates": recipe["updates_per_epoch"], "ema": g_opt.use_ema,
                "loss": round(float(loss), 5), "last layer": names[-1]}

    base = traits(())
    assert base["updates"] == 320 and base["ema"] and base["last layer"] == "projection"
    changed = {part: {k for k, v in traits((part,)).items() if v != base[k]}
               for part in converging.ABLATIONS}
    assert changed == {"lowpass": {"last layer"}, "no_r1": {"loss"}, "no_ema": {"ema"},
                       "half_updates": {"updates"}}


def test_the_converging_variant_is_the_wgan_variants_sibling_not_its_child():
    text = Path(converging.__file__).read_text()
    assert "beyond_the_slides.wgan" not in text and "Wasserstein" not in text
    assert "beyond_the_slides.critic_gan import" in text


@pytest.mark.slow  # trains: 8 updates, twice, and compiles the step
def test_a_short_run_repeats_itself_and_keeps_the_averaged_weights(monkeypatch, capsys,
                                                                    train_in_memory):
    monkeypatch.setattr(converging, "UPDATES_PER_EPOCH", 8)
    finished = []
    real_build = critic_gan.build_critic_gan

    def build(*args):
        gan = real_build(*args)
        optimizer = gan.generator_optimizer
        real_finalize = optimizer.finalize_variable_values

        def finalize(weights):
            raw = [w.numpy().copy() for w in weights]
            averaged = [v.numpy().copy() for v in optimizer._model_variables_moving_average]
            real_finalize(weights)
            finished.append((raw, averaged))

        optimizer.finalize_variable_values = finalize
        return gan

    monkeypatch.setattr(critic_gan, "build_critic_gan", build)
    run, first = train_in_memory("converging", 4)
    raw, averaged = finished[0]
    saved = [w.numpy() for w in run["generator"].trainable_weights]
    for s, a in zip(saved, averaged):
        np.testing.assert_allclose(s, a)  # what is saved and scored is the average
    assert any(not np.allclose(a, r) for a, r in zip(averaged, raw))
    _, second = train_in_memory("converging", 4)
    assert [row["median_r2"] for row in first.history] == [
        row["median_r2"] for row in second.history]
    assert " epoca | margine del critico" in capsys.readouterr().out
