"""The command line as a user meets it: a run, its files, its errors."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from helpers import one_line
from PIL import Image

import sine_gan
from beyond_the_slides import command_line, monitor, safe_files, saved_generator, saved_run
from beyond_the_slides.experiment import DEFAULT_SEED


@pytest.mark.slow
def test_short_run_writes_every_file(short_run, is_png):
    out, code = short_run
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [*saved_run.TRAINING_FILES, safe_files.MANIFEST])
    assert all(is_png(out / name) for name in saved_run.TRAINING_FILES if name.endswith(".png"))
    with Image.open(out / "evolution.gif") as gif:
        assert gif.format == "GIF" and gif.n_frames == 3  # one frame per epoch
    rows = list(csv.DictReader((out / "history.csv").open()))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"]  # as the table counts
    assert list(rows[0]) == list(monitor.HISTORY_FIELDS)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["settings"] == {"variant": "slides", "seed": DEFAULT_SEED,
                                   "epochs": 3, "epochs_done": 3, "pretrain_epochs": 4}
    assert set(metrics["versions"]) == {"python", "tensorflow", "keras", "numpy"}
    assert set(json.loads((out / safe_files.MANIFEST).read_text())) == set(
        saved_run.TRAINING_FILES)


@pytest.mark.slow
def test_saved_models_load_plainly_without_warnings(short_run):
    out, _ = short_run
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = keras.models.load_model(out / "generator.keras")
        d = keras.models.load_model(out / "discriminator.keras")
    assert g.count_params() == 37248 and d.count_params() == 8385
    assert d.trainable and len(d.trainable_weights) == 6  # ready to train again
    curves = g.predict(np.random.uniform(-1, 1, (3, 64)), verbose=0)
    assert curves.shape == (3, 64)


@pytest.mark.slow
def test_generate_draws_curves_from_a_saved_generator(short_run, tmp_path, cli, is_png):
    out, _ = short_run
    (tmp_path / "mine.txt").write_text("not the run's")
    result = cli("--generate", 5, "--model", out / "generator.keras", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader((tmp_path / "generated.csv").open()))
    assert len(rows) == 6 and all(len(r) == 64 for r in rows)
    np.testing.assert_allclose([float(v) for v in rows[0]], np.linspace(-5, 5, 64), atol=1e-5)
    assert is_png(tmp_path / "generated.png")
    assert result.stdout.startswith(f"sine-gan: seed 1, outputs in {tmp_path}/")
    assert "Score of 5 curves: median R²" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        safe_files.MANIFEST, "generated.csv", "generated.png", "mine.txt"]
    assert (tmp_path / "mine.txt").read_text() == "not the run's"


BAD_NUMBER_CASES = [
    (["--epochs", "-1"], "--epochs"),
    (["--epochs", "2.5"], "whole number"),
    (["--pretrain-epochs", "many"], "whole number"),
    (["--generate", "0", "--model", "x.keras"], "--generate"),
    (["--generate", "3"], "needs --model"),
    (["--seed", "-4"], "--seed"),
    (["--out", ""], "must name a folder"),
    (["--variant", "fancy"], "invalid choice: 'fancy'"),
    (["--bogus"], "unrecognized"),
]


@pytest.mark.parametrize("args, message", BAD_NUMBER_CASES)
def test_bad_arguments_get_a_usage_error(args, message, capsys):
    assert sine_gan.main(args) == 2  # returned, not raised: main() is safe in a notebook
    err = capsys.readouterr().err
    assert "usage:" in err and message in err


def test_help_is_returned_as_exit_code_0(capsys):
    assert sine_gan.main(["--help"]) == 0
    assert "Exit codes:" in capsys.readouterr().out


def test_usage_errors_answer_without_loading_tensorflow(cli):
    code = ("import sys, sine_gan\n"
            "assert sine_gan.main(['--epochs', 'x']) == 2\n"
            "print(sorted(m for m in ('tensorflow', 'keras', 'matplotlib') if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=Path(sine_gan.__file__).parent, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"  # none of the slow imports happened
    help_text = cli("--help")
    assert help_text.returncode == 0 and "143 SIGTERM" in help_text.stdout
    assert help_text.stderr == ""


def test_bad_out_is_refused_before_training(tmp_path, capsys):
    a_file = tmp_path / "a_file"
    a_file.write_text("keep me")
    broken = tmp_path / "gone"
    broken.symlink_to(tmp_path / "nowhere")
    for out, reason in [(a_file, "is a file"), (a_file / "sub", "lies under a file"),
                        (broken, "broken symbolic link")]:
        assert sine_gan.main(["--out", str(out)]) == 2
        captured = capsys.readouterr()
        assert str(out) in captured.err and reason in captured.err
        assert "epoca" not in captured.out  # refused before any training
    assert a_file.read_text() == "keep me"


def test_files_sine_gan_did_not_write_are_never_overwritten(tmp_path, capsys):
    (tmp_path / "history.csv").write_text("my own numbers")
    (tmp_path / "metrics.json").write_text("{}")
    assert sine_gan.main(["--epochs", "0", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "history.csv, metrics.json already there and not written by sine-gan" in err
    assert "--force" in err
    assert (tmp_path / "history.csv").read_text() == "my own numbers"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.csv", "metrics.json"]


def test_a_damaged_manifest_vouches_for_nothing(tmp_path, capsys):
    (tmp_path / "history.csv").write_text("my own numbers")
    for damaged in ["{not json", '{"history.csv": 1}', "[3, null]"]:
        (tmp_path / safe_files.MANIFEST).write_text(damaged)
        assert sine_gan.main(["--epochs", "0", "--out", str(tmp_path)]) == 2
        # and the damaged manifest itself may be the user's: it is not overwritten either
        assert (f"history.csv, {safe_files.MANIFEST} already there and not written by sine-gan"
                in capsys.readouterr().err)
        assert (tmp_path / safe_files.MANIFEST).read_text() == damaged
    assert (tmp_path / "history.csv").read_text() == "my own numbers"


def test_force_overwrites_and_a_later_run_needs_no_force(tmp_path, capsys):
    (tmp_path / "metrics.json").write_text("{}")
    args = ["--epochs", "0", "--pretrain-epochs", "1", "--out", str(tmp_path)]
    assert sine_gan.main([*args, "--force"]) == 0
    assert json.loads((tmp_path / "metrics.json").read_text())["settings"]["epochs"] == 0
    assert sine_gan.main(args) == 0  # the folder now holds a sine-gan run
    assert "not written by sine-gan" not in capsys.readouterr().err


def test_a_folder_in_use_by_another_run_is_refused_at_once(tmp_path, capsys):
    with safe_files.output_folder(tmp_path, saved_run.TRAINING_FILES):
        assert sine_gan.main(["--out", str(tmp_path)]) == 2
    assert "another sine-gan run is writing there" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # the lock went with the run that held it


def test_a_new_folder_is_removed_when_nothing_was_written(tmp_path):
    out = tmp_path / "new" / "run"
    with pytest.raises(safe_files.UsageError):
        with safe_files.output_folder(out, saved_generator.GENERATE_FILES):
            raise safe_files.UsageError("the model was bad")
    assert not out.exists()


def test_a_full_disk_exits_3_naming_the_file_and_leaves_no_temporary_file(tmp_path, capsys,
                                                                         monkeypatch):
    import errno

    from matplotlib.figure import Figure

    def savefig_on_a_full_disk(self, path, **kwargs):
        Path(path).write_bytes(b"\x89PNG half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", savefig_on_a_full_disk)
    code = sine_gan.main(["--epochs", "0", "--pretrain-epochs", "1", "--out", str(tmp_path)])
    assert code == 3
    assert one_line(capsys.readouterr().err) == (
        f"sine_gan.py: error: cannot write {tmp_path / 'dataset.png'}: No space left on device")
    assert list(tmp_path.iterdir()) == []  # no half PNG, no lock, no temporary file


def test_a_failed_model_save_leaves_nothing_in_the_system_temp_folder(tmp_path, monkeypatch):
    import errno
    import tempfile

    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    out = tmp_path / "out"
    out.mkdir()

    class FailingModel:
        def save(self, path):
            tempfile.mkdtemp()  # what Keras does to stage a model's assets
            raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(safe_files.OutputError, match="generator.keras: No space left"):
        safe_files.save_model(FailingModel(), out / "generator.keras", {})
    assert list(system_tmp.iterdir()) == [] and list(out.iterdir()) == []
    assert tempfile.tempdir == str(system_tmp)


def test_show_without_a_display_warns_once_and_still_saves(monkeypatch, capsys):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert command_line.choose_backend(show=True, script=True) is False
    assert capsys.readouterr().err.count("--show needs a display") == 1
    import matplotlib

    assert matplotlib.get_backend().lower() == "agg"


def test_a_closed_pipe_ends_the_run_quietly(tmp_path):
    proc = subprocess.Popen([sys.executable, str(Path(sine_gan.__file__)),
                             "--epochs", "0", "--out", str(tmp_path / "run")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # like `| head` that has read enough
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == command_line.EXIT_BROKEN_PIPE
    assert err == ""
    assert not (tmp_path / "run").exists()
