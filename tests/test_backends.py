"""The deck on Keras's backend of the user's choice: what must hold on TensorFlow, JAX and
PyTorch alike. CI runs these, and the other backend-neutral tests (marker `backend_neutral`),
on TensorFlow and, in a venv without TensorFlow, on JAX (see the README)."""

import importlib.util
import json
import os
import signal
import subprocess
import sys

import keras
import numpy as np
import pytest
from helpers import EARLY_SIGNAL, one_line

import sine_gan
from beyond_the_slides import signals

pytestmark = pytest.mark.backend_neutral
BACKEND = keras.backend.backend()
NAMES = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}


def script(*args, **env):
    return subprocess.run([sys.executable, sine_gan.__file__, *map(str, args)],
                          capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, KERAS_BACKEND=BACKEND, **env))


@pytest.mark.slow  # trains an epoch
def test_a_short_run_names_its_backend_and_saves_a_generator_that_generate_uses(tmp_path):
    run = script("--epochs", "1", "--pretrain-epochs", "3", "--out", tmp_path / "run")
    assert run.returncode == 0, run.stderr
    version = importlib.import_module(BACKEND).__version__
    assert f", {BACKEND} {version}, keras " in run.stdout.splitlines()[1]
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["versions"][BACKEND] == version
    # The pretraining table gives each step's accuracy: a multiple of 1/128, as printed.
    rows = [line.split("|")[1].strip() for line in run.stdout.splitlines()
            if line.strip()[:1].isdigit() and line.count("|") == 1]
    assert len(rows) == 3 and all((float(r) * 128).is_integer() for r in rows)
    made = script("--generate", "5", "--model", tmp_path / "run" / "generator.keras")
    assert made.returncode == 0, made.stderr
    assert len((tmp_path / "run" / "generated" / "generated.csv").read_text().splitlines()) == 6


@pytest.mark.skipif(BACKEND == "tensorflow", reason="they run on TensorFlow: test_wgan.py")
@pytest.mark.parametrize("variant", ["wgan", "converging"])
def test_the_variants_with_a_critic_refuse_another_backend_in_one_line(variant, tmp_path):
    run = script("--variant", variant, "--epochs", "1", "--out", tmp_path / "run")
    assert run.returncode == 2, run.stderr
    assert (f"--variant {variant} needs Keras's TensorFlow backend, and Keras is on {BACKEND}"
            in one_line(run.stderr))
    assert not (tmp_path / "run").exists()


def test_a_nan_loss_ends_the_run_as_training_diverged_with_exit_1(tmp_path, monkeypatch,
                                                                  capsys):
    # PyTorch's binary cross-entropy raises on NaN, where the others give a NaN loss.
    train_gan = sine_gan.train_gan
    monkeypatch.setattr(sine_gan, "train_gan", lambda g, d, gan, X, NOISE, *rest: train_gan(
        g, d, gan, X, np.full_like(NOISE, np.nan), *rest))
    code = sine_gan.main(["--epochs", "2", "--pretrain-epochs", "2",
                          "--out", str(tmp_path / "run")])
    assert code == 1
    assert one_line(capsys.readouterr().err).startswith(
        "error: training diverged at epoch 0, step 0: d_loss=nan")
    written = {p.name for p in (tmp_path / "run").iterdir()}
    assert "dataset.png" in written and "generator.keras" not in written


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_the_backend_loads_ends_in_one_line(signum, tmp_path):
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "-c", EARLY_SIGNAL, BACKEND, str(int(signum)),
                           sine_gan.__file__, str(out)], capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL,
                          env=dict(os.environ, KERAS_BACKEND=BACKEND))
    assert done.returncode == 128 + signum, done.stderr
    assert one_line(done.stderr) == f"{signals.STOP_SIGNALS[signum]}: {signals.NOTHING_KEPT}"
    assert not out.exists()


def test_a_backend_that_cannot_load_is_named_in_one_line_with_exit_4(tmp_path, monkeypatch,
                                                                     capsys):
    monkeypatch.setitem(sys.modules, BACKEND, None)  # makes `import BACKEND` fail
    out = tmp_path / "new" / "run"
    assert sine_gan.main(["--epochs", "1", "--pretrain-epochs", "2", "--out", str(out)]) == 4
    assert one_line(capsys.readouterr().err).startswith(
        f"sine_gan.py: error: {NAMES[BACKEND]} could not be loaded")
    assert not (tmp_path / "new").exists()


def test_seeding_is_keras_own_and_op_determinism_only_on_tensorflow():
    code = ("import sys, sine_gan\nfrom beyond_the_slides.monitor import seed_everything\n"
            "seed_everything(3)\nimport numpy\nloaded = 'tensorflow' in sys.modules\n"
            "if loaded:  # TensorFlow's own flag, which it has no public reader for\n"
            "    from tensorflow.python.framework import config\n"
            "print(numpy.random.randint(1000), loaded and config.is_op_determinism_enabled())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=os.path.dirname(sine_gan.__file__),
                          env=dict(os.environ, KERAS_BACKEND=BACKEND))
    assert done.returncode == 0, done.stderr
    drawn, deterministic = done.stdout.split()
    assert drawn == "874"  # numpy.random.seed(3), as keras.utils.set_random_seed does
    assert deterministic == str(BACKEND == "tensorflow")


@pytest.mark.slow
@pytest.mark.parametrize("other", ["jax", "torch"])
def test_the_backend_neutral_tests_pass_on_each_other_backend_installed(other):
    if other == BACKEND or importlib.util.find_spec(other) is None:
        pytest.skip(f"{NAMES[other]} is not installed here, or is this run's backend")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", "backend_neutral",
                           "-p", "no:cacheprovider"], capture_output=True, text=True,
                          timeout=1800, cwd=os.path.dirname(sine_gan.__file__),
                          env=dict(os.environ, KERAS_BACKEND=other))
    assert done.returncode == 0, done.stdout[-3000:]
