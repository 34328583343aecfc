"""The command line as a user meets it: a run, its files, its errors."""

import csv
import json
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
from PIL import Image

import sine_gan
from conftest import ROOT, SCRIPT, TRAINING_FILES, assert_png, run_cli, run_cli_many


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    """One short training, shared by the tests that read its outputs."""
    out = tmp_path_factory.mktemp("short")
    code = sine_gan.main(["--epochs", "3", "--pretrain-epochs", "4", "--out", str(out)])
    return out, code


def test_short_run_writes_every_file(short_run):
    out, code = short_run
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(TRAINING_FILES)
    for name in TRAINING_FILES:
        if name.endswith(".png"):
            assert_png(out / name)
    assert (out / "evolution.gif").read_bytes()[:6] == b"GIF89a"
    with Image.open(out / "evolution.gif") as gif:
        assert gif.n_frames == 3  # one frame per epoch
    g = keras.saving.load_model(out / "generator.keras", compile=False)
    d = keras.saving.load_model(out / "discriminator.keras", compile=False)
    assert g.count_params() == 37248 and d.count_params() == 8385
    rows = list(csv.DictReader((out / "history.csv").open()))
    assert [r["epoch"] for r in rows] == ["1", "2", "3"]
    assert list(rows[0]) == ["epoch", "d_loss", "d_acc", "g_loss", "g_acc",
                             "median_r2", "share_r2_ge_0.9", "seconds"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["settings"]["seed"] == sine_gan.DEFAULT_SEED
    assert metrics["settings"]["epochs"] == 3
    assert set(metrics["versions"]) == {"python", "tensorflow", "keras", "numpy"}
    assert 0 <= metrics["report"]["median_r2"] <= 1


def test_generate_draws_curves_from_a_saved_generator(short_run, tmp_path):
    out, _ = short_run
    (tmp_path / "mine.txt").write_text("not the run's")
    result = run_cli("--generate", 5, "--model", out / "generator.keras", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader((tmp_path / "generated.csv").open()))
    assert len(rows) == 6 and all(len(r) == 64 for r in rows)
    np.testing.assert_allclose([float(v) for v in rows[0]], np.linspace(-5, 5, 64), atol=1e-5)
    assert np.abs(np.array(rows[1:], dtype=float)).max() <= 1.0
    assert_png(tmp_path / "generated.png")
    assert "median R²" in result.stdout
    assert result.stdout.startswith(f"sine-gan: seed 1, outputs in {tmp_path}/")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["generated.csv", "generated.png", "mine.txt"]
    assert (tmp_path / "mine.txt").read_text() == "not the run's"


BAD_MODEL_CASES = ["missing", "not keras", "corrupt", "truncated", "a discriminator"]
BAD_NUMBER_CASES = [
    (["--epochs", "-1"], "--epochs"),
    (["--epochs", "2.5"], "whole number"),
    (["--pretrain-epochs", "many"], "whole number"),
    (["--generate", "0", "--model", "x.keras"], "--generate"),
    (["--generate", "3"], "needs --model"),
    (["--seed", "-4"], "--seed"),
    (["--bogus"], "unrecognized"),
]


@pytest.fixture(scope="module")
def bad_runs(short_run, tmp_path_factory):
    """Every bad-input case of this file, run at once in separate processes."""
    out, _ = short_run
    tmp = tmp_path_factory.mktemp("bad")
    text = tmp / "notes.txt"
    text.write_text("hello")
    corrupt = tmp / "corrupt.keras"
    corrupt.write_bytes(b"PK\x03\x04 not really a zip")
    truncated = tmp / "truncated.keras"
    truncated.write_bytes((out / "generator.keras").read_bytes()[:5000])
    models = {
        "missing": (tmp / "nope.keras", "no such file"),
        "not keras": (text, "not a .keras model file"),
        "corrupt": (corrupt, "corrupt"),
        "truncated": (truncated, "corrupt"),
        "a discriminator": (out / "discriminator.keras", "not a generator"),
    }
    cases = {name: ["--generate", 3, "--model", path, "--out", tmp / "o"]
             for name, (path, _) in models.items()}
    cases.update({tuple(args): args for args, _ in BAD_NUMBER_CASES})
    results = dict(zip(cases, run_cli_many(list(cases.values()))))
    return models, results


@pytest.mark.parametrize("case", BAD_MODEL_CASES)
def test_bad_model_gets_one_clear_line(case, bad_runs):
    models, results = bad_runs
    (path, reason), result = models[case], results[case]
    assert result.returncode == 2
    assert str(path) in result.stderr and reason in result.stderr
    assert len(result.stderr.strip().splitlines()[-1]) < 400
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("args, message", BAD_NUMBER_CASES)
def test_bad_numbers_get_a_usage_error(args, message, bad_runs):
    result = bad_runs[1][tuple(args)]
    assert result.returncode == 2
    assert "usage:" in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_bad_out_is_refused_before_training(tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("keep me")
    for out, reason in [(a_file, "is a file"), (a_file / "sub", "lies under a file")]:
        result = run_cli("--out", out)
        assert result.returncode == 2, result.stderr
        assert str(out) in result.stderr and reason in result.stderr
        assert "epoca" not in result.stdout  # refused before any training
        assert "Traceback" not in result.stderr + result.stdout
    assert a_file.read_text() == "keep me"


def test_diverged_loss_exits_1_and_keeps_what_was_learned(tmp_path):
    # Poison the noise bank in epoch 2 by patching the CLI's own module.
    code = (
        "import sys, numpy as np, sine_gan\n"
        "real = sine_gan.fake_curves\n"
        "calls = []\n"
        "def poisoned(g, noise):\n"
        "    calls.append(1)\n"
        "    return real(g, noise) * (np.nan if len(calls) > 70 else 1)\n"
        "sine_gan.fake_curves = poisoned\n"
        f"sys.exit(sine_gan.main(['--epochs', '4', '--pretrain-epochs', '2', '--out', {str(tmp_path)!r}]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=300)
    assert result.returncode == 1, result.stderr
    assert "training diverged at epoch 1, step 5" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for name in ["dataset.png", "pretraining.png", "training_history.png", "evolution.png"]:
        assert_png(tmp_path / name)
    assert len((tmp_path / "history.csv").read_text().splitlines()) == 2  # header + epoch 1


def test_ctrl_c_stops_cleanly_and_keeps_finished_epochs(tmp_path):
    proc = subprocess.Popen([sys.executable, "-u", str(SCRIPT), "--out", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    deadline = time.monotonic() + 240
    for line in proc.stdout:  # wait until two GAN epochs are done
        lines.append(line)
        if line.startswith("    001 |") or time.monotonic() > deadline:
            break
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=120)
    out = "".join(lines) + rest
    assert proc.returncode == 130, err
    assert "Interrupted" in err and "Traceback" not in err + out
    epochs = len((tmp_path / "history.csv").read_text().splitlines()) - 1
    assert 2 <= epochs < 64
    for name in TRAINING_FILES:
        assert (tmp_path / name).stat().st_size > 0, name
    assert str(tmp_path / "generator.keras") in out
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]


def strip_times(stdout):
    """The printed run without the wall-clock columns and lines."""
    keep = []
    for line in stdout.splitlines():
        if line.startswith("Done in"):
            continue
        if line.startswith("    0") and line.count("|") == 5:  # training table row
            line = line.rsplit("|", 2)[0]
        keep.append(line)
    return keep


def test_same_seed_same_run(tmp_path):
    outs = {name: tmp_path / name for name in "abc"}
    seeds = {"a": 11, "b": 11, "c": 12}
    trained = run_cli_many([["--epochs", 2, "--pretrain-epochs", 3, "--seed", seeds[name],
                             "--out", out] for name, out in outs.items()])
    for result in trained:
        assert result.returncode == 0, result.stderr
    generated = run_cli_many([["--generate", 4, "--model", outs[name] / "generator.keras",
                               "--seed", 5, "--out", outs[name] / "gen"] for name in "ab"])
    for result in generated:
        assert result.returncode == 0, result.stderr

    def history(name):  # every column but the wall-clock seconds
        return [row[:-1] for row in csv.reader((outs[name] / "history.csv").open())]

    def printed(name, result):
        return [line.replace(str(outs[name]), "OUT") for line in strip_times(result.stdout)]

    assert printed("a", trained[0]) == printed("b", trained[1])
    assert history("a") == history("b")
    assert ((outs["a"] / "gen" / "generated.csv").read_text()
            == (outs["b"] / "gen" / "generated.csv").read_text())
    assert history("c") != history("a")


def test_run_states_seed_versions_and_files(tmp_path):
    result = run_cli("--epochs", 0, "--pretrain-epochs", 2, "--seed", 3, "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[:2]
    assert first[0] == f"sine-gan: variant slides, seed 3, outputs in {tmp_path}/"
    assert first[1].startswith("versions: python ") and "tensorflow" in first[1]
    assert "Files written:" in result.stdout
    assert (tmp_path / "pretraining.png").exists() and (tmp_path / "generator.keras").exists()
