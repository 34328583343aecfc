"""`--generate N --model PATH`: any model file a user may pass, and any N."""

import csv
import os
import signal

import keras
import numpy as np
import pytest
from helpers import one_line

import sine_gan
from beyond_the_slides import saved_generator as drawing

pytestmark = pytest.mark.backend_neutral  # holds on every Keras backend


def run_generate(args, capsys):
    code = sine_gan.main(["--generate", *map(str, args)])
    return code, capsys.readouterr()


@pytest.fixture
def model_file(small_generator, tmp_path, write_model):
    return write_model(small_generator, tmp_path / "generator.keras")


def bad_models(tmp_path, small_generator, write_model):
    """Model files a user might pass by mistake, with the reason each should get."""
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    corrupt = tmp_path / "corrupt.keras"
    corrupt.write_bytes(b"PK\x03\x04 not really a zip")
    fifo = tmp_path / "pipe.keras"
    os.mkfifo(fifo)
    dangling = tmp_path / "dangling.keras"
    dangling.symlink_to(tmp_path / "moved-away.keras")
    inputs = keras.Input((64,))
    as_dict = keras.Model(inputs, {"curve": keras.layers.Dense(64)(inputs)})
    lambda_model = keras.Sequential([keras.Input((64,)), keras.layers.Lambda(lambda x: x * 2)])
    small_generator.set_weights([np.full_like(w, np.nan) for w in small_generator.get_weights()])
    saved = {"dict.keras": as_dict, "lambda.keras": lambda_model, "nan.keras": small_generator,
             "discriminator.keras": sine_gan.build_discriminator()}
    for name, model in saved.items():
        write_model(model, tmp_path / name)
    return {
        "missing": (tmp_path / "nope.keras", "no such file"),
        "not keras": (text, "not a .keras model file"),
        "corrupt": (corrupt, "corrupt"),
        "a FIFO": (fifo, "not a .keras model file"),
        "a dangling link": (dangling, "a broken symbolic link"),
        "a dict output": (tmp_path / "dict.keras", "not a generator with 64 inputs and 64 float"),
        "a discriminator": (tmp_path / "discriminator.keras", "not a generator"),
        "a Lambda layer": (tmp_path / "lambda.keras", "cannot be used (Requested the "
                           "deserialization of a `Lambda` layer"),
        "NaN output": (tmp_path / "nan.keras", "NaN or infinite values"),
    }


def test_every_bad_model_gets_one_clear_line_and_leaves_nothing(small_generator, tmp_path,
                                                                capsys, write_model):
    for case, (path, reason) in bad_models(tmp_path, small_generator, write_model).items():
        out = tmp_path / "out" / case.replace(" ", "-")
        code, captured = run_generate([3, "--model", path, "--out", out], capsys)
        assert code == 2, case
        line = one_line(captured.err)
        assert str(path) in line and reason in line, line
        assert not out.exists(), f"{case}: the failed run left its folder behind"


def test_a_refused_lambda_model_is_explained_in_whole_sentences(small_generator, tmp_path,
                                                                capsys, write_model):
    path, _ = bad_models(tmp_path, small_generator, write_model)["a Lambda layer"]
    code, captured = run_generate([3, "--model", path, "--out", tmp_path / "o"], capsys)
    reason = captured.err.strip().split("cannot be used (", 1)[1]
    assert code == 2 and reason.endswith("disallowed by default.)")


def test_curves_are_generated_in_chunks_exactly_as_in_one_go(model_file, tmp_path,
                                                             monkeypatch, capsys):
    monkeypatch.setattr(drawing, "GENERATE_CHUNK", 4)
    monkeypatch.setattr(drawing, "GENERATE_SCORED", 7)
    code, captured = run_generate([50, "--model", model_file, "--seed", 3,
                                   "--out", tmp_path / "o"], capsys)
    assert code == 0, captured.err
    rows = list(csv.reader((tmp_path / "o" / "generated.csv").open()))
    generator = keras.models.load_model(model_file)
    expected = sine_gan.generate(generator, 50, rng=np.random.default_rng(3))
    np.testing.assert_allclose(np.array(rows[1:], dtype=float), expected, rtol=1e-5, atol=1e-6)
    assert "40 of 50 curves written" in captured.out  # progress every 10 chunks
    assert "Score of a random 7 of the 50 curves" in captured.out


@pytest.mark.parametrize("signum, word", [(signal.SIGTERM, "Terminated"),
                                          (signal.SIGHUP, "Hangup")])
def test_an_interrupted_generate_writes_nothing(signum, word, model_file, tmp_path,
                                                monkeypatch, capsys):
    real_generate = sine_gan.generate
    calls = []

    def interrupted_on_the_second_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            os.kill(os.getpid(), signum)  # as `kill` or a closed terminal would
        return real_generate(*args, **kwargs)

    monkeypatch.setattr(drawing, "GENERATE_CHUNK", 4)
    monkeypatch.setattr(drawing, "generate", interrupted_on_the_second_chunk)
    code, captured = run_generate([10, "--model", model_file, "--out", tmp_path / "o"],
                                  capsys)
    assert code == 128 + signum and one_line(captured.err).startswith(f"{word}: stopped")
    assert not (tmp_path / "o").exists()  # no hidden temporary CSV, no lock
