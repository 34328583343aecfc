"""Addestrare il discriminatore e la GAN: who learns what, and when, and the monitor."""

import math
import signal

import numpy as np
import pytest

import sine_gan
from beyond_the_slides.monitor import HISTORY_FIELDS, PROBE_SIZE, TrainingMonitor, seed_everything

pytestmark = pytest.mark.backend_neutral  # holds on every Keras backend


@pytest.fixture
def pretrained(seeded):
    """The slides' steps 1 to 4 with 2 pretraining epochs: data, noise and three networks."""
    X_TRAIN = sine_gan.make_dataset()
    d = sine_gan.build_discriminator()
    NOISE = sine_gan.make_noise()
    sine_gan.pretrain_discriminator(d, X_TRAIN, NOISE, 2)
    g = sine_gan.build_generator()
    return X_TRAIN, NOISE, g, d, sine_gan.build_gan(g, d)


def monitor_for(epochs, signals=()):
    probe = np.random.default_rng(0).uniform(-1, 1, (PROBE_SIZE, 64))
    return TrainingMonitor(probe, epochs, list(signals))


def test_pretraining_beats_chance_and_prints_the_slides_table(seeded, capsys):
    X_TRAIN = sine_gan.make_dataset()
    d = sine_gan.build_discriminator()
    acc = sine_gan.pretrain_discriminator(d, X_TRAIN, sine_gan.make_noise(), 32)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == " epoca | accuratezza "
    assert len(out) == 33 and out[1].startswith("      0 |    ")
    assert len(acc) == 32
    # The slides reach 0.83-0.89 in the last epochs; chance is 0.5.
    assert np.mean(acc[-8:]) > 0.7
    assert np.mean(acc[-8:]) > np.mean(acc[:4]) + 0.15


def weights(model):
    return [w.copy() for w in model.get_weights()]


def changed(before, after):
    return any(not np.array_equal(a, b) for a, b in zip(before, after))


def test_each_half_of_the_loop_trains_only_its_own_network(pretrained):
    """The `trainable` switches in `train_gan()` work in mid-training, after tracing."""
    X_TRAIN, NOISE, g, d, gan = pretrained
    effects = []

    def watch(model, name):
        train_on_batch = model.train_on_batch

        def watched(*args):
            g0, d0 = weights(g), weights(d)
            logs = train_on_batch(*args)
            effects.append((name, changed(g0, weights(g)), changed(d0, weights(d))))
            return logs

        model.train_on_batch = watched

    watch(d, "discriminator")
    watch(gan, "gan")
    sine_gan.train_gan(g, d, gan, X_TRAIN, NOISE, 2, monitor_for(2))
    assert len(effects) == 2 * 2 * (sine_gan.TRAIN_SIZE // sine_gan.BATCH)
    middle = effects[60:70]  # well after both train steps were traced
    assert ("discriminator", False, True) in middle and ("gan", True, False) in middle
    assert all(e in {("discriminator", False, True), ("gan", True, False)} for e in effects)


def test_predict_on_batch_gives_what_the_slides_predict_gives(seeded):
    """Deviation 5 in the README: the same forward pass, without a progress bar."""
    g = sine_gan.build_generator()
    noise = sine_gan.make_noise()[:64]
    np.testing.assert_allclose(g.predict_on_batch(noise), g.predict(noise, verbose=0),
                               rtol=0, atol=1e-6)


def test_training_table_keeps_the_slides_columns(pretrained, capsys):
    X_TRAIN, NOISE, g, d, gan = pretrained
    capsys.readouterr()
    monitor = monitor_for(2)
    sine_gan.train_gan(g, d, gan, X_TRAIN, NOISE, 2, monitor)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (" epoca | accuratezza discrimin. | accuratezza generatore "
                      "| R² mediano | tempo  | residuo")
    assert len(out) == 3
    h = monitor.history
    assert [row["epoch"] for row in h] == [0, 1]  # as the table counts
    assert out[2].startswith(f"    001 |                {h[1]['d_acc']:.5f} |"
                             f"                {h[1]['g_acc']:.5f} |")
    assert list(h[0]) == list(HISTORY_FIELDS)
    assert len(monitor.snapshots) == 2 and monitor.snapshots[0].shape == (4, 64)
    assert monitor.stopped is None


def test_the_monitor_stops_on_a_nan_or_infinite_loss_and_names_the_step():
    for bad in (math.nan, math.inf):
        monitor = monitor_for(5)
        assert not monitor.should_stop(0, 3, 0.5, 0.7)
        assert monitor.should_stop(2, 17, 0.5, bad)
        assert monitor.diverged
        assert monitor.stopped.startswith("training diverged at epoch 2, step 17")


def test_the_monitor_stops_on_a_signal_without_calling_it_divergence():
    monitor = monitor_for(5, signals=[signal.SIGTERM])
    assert monitor.should_stop(0, 0, 0.5, 0.7)
    assert monitor.stopped == "interrupted" and not monitor.diverged


def test_training_stops_after_the_step_where_the_loss_turns_nan(pretrained):
    X_TRAIN, NOISE, g, d, gan = pretrained
    NOISE = np.full_like(NOISE, np.nan)
    monitor = monitor_for(3)
    sine_gan.train_gan(g, d, gan, X_TRAIN, NOISE, 3, monitor)
    assert monitor.stopped.startswith("training diverged at epoch 0, step 0")
    assert monitor.history == []


def test_a_signal_before_training_stops_it_after_one_step(pretrained):
    X_TRAIN, NOISE, g, d, gan = pretrained
    steps = []
    train = gan.train_on_batch
    gan.train_on_batch = lambda *args: steps.append(1) or train(*args)
    monitor = monitor_for(3, signals=[signal.SIGINT])
    sine_gan.train_gan(g, d, gan, X_TRAIN, NOISE, 3, monitor)
    assert len(steps) == 1 and monitor.history == []


def test_float32_inputs_train_exactly_like_the_slides_float64():
    """Deviation 6 in the README: float32 arrays change no number."""
    np.random.seed(0)
    X_TRAIN = sine_gan.make_dataset()
    noise = np.random.uniform(-1, 1, (64, 64))
    x64 = np.concatenate((X_TRAIN[:64].astype("float64"), noise))
    y64 = np.concatenate((np.ones(64), np.zeros(64)))
    results = []
    for x, y in [(x64, y64), (x64.astype("float32"), y64.astype("float32"))]:
        seed_everything(3)
        d = sine_gan.build_discriminator()
        logs = [d.train_on_batch(x, y) for _ in range(3)]
        results.append((logs, d.get_weights()))
    (logs64, w64), (logs32, w32) = results
    assert logs64 == logs32
    for a, b in zip(w64, w32):
        np.testing.assert_array_equal(a, b)


def test_the_tables_show_each_steps_value_not_a_running_mean(seeded, capsys):
    """The slides' tables print what one batch scored: an accuracy on 128 curves is a
    multiple of 1/128, on 64 a multiple of 1/64. Keras 3.12 (the last for Python 3.10)
    prints running means instead, which are not."""
    X_TRAIN = sine_gan.make_dataset()
    d = sine_gan.build_discriminator()
    NOISE = sine_gan.make_noise()
    accuracies = [float(a) for a in sine_gan.pretrain_discriminator(d, X_TRAIN, NOISE, 12)]
    assert len({round(a, 6) for a in accuracies}) > 1
    for acc in accuracies:
        assert abs(acc * 128 - round(acc * 128)) < 1e-4, accuracies
    g = sine_gan.build_generator()
    gan = sine_gan.build_gan(g, d)
    monitor = monitor_for(2)
    sine_gan.train_gan(g, d, gan, X_TRAIN, NOISE, 2, monitor)
    for row in monitor.history:
        assert abs(row["d_acc"] * 128 - round(row["d_acc"] * 128)) < 1e-4
        assert abs(row["g_acc"] * 64 - round(row["g_acc"] * 64)) < 1e-4


def test_the_monitor_keeps_as_many_curves_as_the_evolution_figure_shows():
    from beyond_the_slides.monitor import SNAPSHOT_SIZE

    assert SNAPSHOT_SIZE == sine_gan.PROBE_SHOWN
