"""Your files are safe: a run replaces the earlier run whole or not at all, never touches a
file of yours, and every way out is one line and a documented exit code."""

import contextlib
import errno
import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import sine_gan
from beyond_the_slides import command_line, experiment, safe_files, saved_run
from beyond_the_slides.signals import NOTHING_KEPT

QUICK = ["--epochs", "1", "--pretrain-epochs", "2"]
# A run with no GAN epochs: it still scores, draws and saves both models, sooner.
NO_EPOCHS = ["--epochs", "0", "--pretrain-epochs", "1"]
NO_EPOCHS_FILES = set(saved_run.TRAINING_FILES) - {
    "evolution.png", "evolution.gif", "training_history.png", "history.csv"}


def checksums(folder):
    """Every file below `folder`, by relative path, with the SHA-256 of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    """A complete earlier run, to be copied into each test's folder."""
    out = tmp_path_factory.mktemp("good") / "run"
    assert sine_gan.main([*QUICK, "--out", str(out)]) == 0
    return out


@pytest.fixture
def earlier(good_run, tmp_path):
    """A folder holding a complete earlier run and a file of the user's; and its checksums."""
    import shutil

    out = tmp_path / "run"
    shutil.copytree(good_run, out)
    (out / "notes.txt").write_text("mine")
    return out, checksums(out)


def one_line(capsys):
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0], lines
    return lines[0]


# 1. --generate writes beside a training run, never over it ---------------------------------

def test_generate_with_the_default_out_writes_beside_the_run(earlier, capsys):
    out, before = earlier
    code = sine_gan.main(["--generate", "10", "--model", str(out / "generator.keras")])
    assert code == 0, capsys.readouterr().err
    after = checksums(out)
    assert {k: v for k, v in after.items() if not k.startswith("generated/")} == before
    assert {"generated/generated.csv", "generated/generated.png"} <= set(after)


def test_generate_into_the_runs_own_folder_keeps_every_file_of_it(earlier, capsys):
    out, before = earlier
    args = ["--generate", "10", "--model", str(out / "generator.keras"), "--out", str(out)]
    assert sine_gan.main(args) == 0
    after = checksums(out)
    assert {k: after[k] for k in before if k != safe_files.MANIFEST} == {
        k: v for k, v in before.items() if k != safe_files.MANIFEST}
    assert {"generated.csv", "generated.png"} <= set(after)
    # and a later training run into that folder leaves --generate's files alone
    assert sine_gan.main([*NO_EPOCHS, "--out", str(out)]) == 0
    assert {"generated.csv", "generated.png", "generator.keras"} <= set(checksums(out))


# 2. A failed run leaves the earlier run exactly as it was ------------------------------------

@pytest.mark.parametrize("failing", ["dataset.png", "generator.keras", safe_files.MANIFEST])
def test_a_full_disk_in_a_second_run_leaves_the_first_run_whole(failing, earlier, monkeypatch,
                                                                capsys):
    out, before = earlier
    real_staged = safe_files.staged

    @contextlib.contextmanager
    def full_disk(path, files):
        with real_staged(path, files) as tmp:
            if Path(path).name == failing:
                tmp.write_bytes(b"half")
                raise OSError(errno.ENOSPC, "No space left on device")
            yield tmp

    monkeypatch.setattr(safe_files, "staged", full_disk)
    assert sine_gan.main([*NO_EPOCHS, "--seed", "2", "--out", str(out)]) == command_line.EXIT_WRITE
    assert one_line(capsys) == (f"sine_gan.py: error: cannot write {out / failing}: "
                                "No space left on device")
    assert checksums(out) == before  # nothing lost, nothing half-written, nothing mixed in


def test_a_users_own_lock_file_is_never_removed(tmp_path, capsys):
    (tmp_path / ".sine-gan.lock").write_text("mine")
    (tmp_path / "history.csv").write_text("mine too")
    assert sine_gan.main([*NO_EPOCHS, "--out", str(tmp_path)]) == command_line.EXIT_USAGE
    assert sine_gan.main([*NO_EPOCHS, "--out", str(tmp_path), "--force"]) == 0
    assert (tmp_path / ".sine-gan.lock").read_text() == "mine"


# 4. Standard output full, closed or gone -----------------------------------------------------

class Unwritable:
    """A stream that takes `good` writes, then fails as a full disk or a dead terminal does."""

    encoding = "utf-8"

    def __init__(self, err, good):
        self.err, self.good = err, good

    def write(self, text):
        self.good -= 1
        if self.good < 0:
            raise OSError(self.err, os.strerror(self.err))
        return len(text)

    def flush(self):
        self.write("")


@pytest.mark.parametrize("fault", [(errno.ENOSPC, 0), (errno.EIO, 6), None],
                         ids=["full", "terminal gone", "closed"])
def test_stdout_that_cannot_be_written_keeps_every_file(fault, earlier, monkeypatch, capsys):
    out, before = earlier
    monkeypatch.setattr(sys, "stdout", Unwritable(*fault) if fault else None)
    assert sine_gan.main([*QUICK, "--seed", "3", "--out", str(out)]) == command_line.EXIT_WRITE
    line = one_line(capsys)
    assert line.startswith("sine_gan.py: error: standard output could not be written")
    assert "the run's files are all written" in line
    after = checksums(out)
    assert set(after) == set(before) and after["notes.txt"] == before["notes.txt"]
    assert after["history.csv"] != before["history.csv"]  # the new run's, seed 3


@pytest.mark.parametrize("how", ["/dev/full", "closed"])
def test_the_script_with_stdout_full_or_closed_ends_in_one_line(how, tmp_path):
    if how == "/dev/full" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    out = tmp_path / "run"
    command = [sys.executable, sine_gan.__file__, *NO_EPOCHS, "--out", str(out)]
    with open(how if how != "closed" else os.devnull, "w") as stdout:
        result = subprocess.run(command, stdout=stdout, stderr=subprocess.PIPE, text=True,
                                timeout=300, preexec_fn=(lambda: os.close(1)) if how == "closed"
                                else None)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == command_line.EXIT_WRITE, result.stderr
    assert len(lines) == 1 and "standard output could not be written" in lines[0]
    assert {p.name for p in out.iterdir()} == {*NO_EPOCHS_FILES, safe_files.MANIFEST}


# 5. A signal outside GAN training stops the run at once, and keeps the earlier run -----------

@pytest.mark.parametrize("moment", ["pretraining", "scoring", "figures"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_outside_training_stops_at_once(moment, signum, earlier, monkeypatch, capsys):
    out, before = earlier
    calls = []

    at = []

    def signal_on(module, name, nth):
        at.append(nth)
        real = getattr(module, name)

        def wrapper(*args, **kwargs):
            calls.append(name)
            if len(calls) == nth:
                os.kill(os.getpid(), signum)
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    if moment == "pretraining":
        signal_on(sine_gan, "randint", 2)  # the second pretraining batch of 3000
        args = ["--epochs", "1", "--pretrain-epochs", "3000"]
    elif moment == "scoring":
        signal_on(experiment, "final_report", 1)
        args = NO_EPOCHS
    else:
        signal_on(saved_run, "save_figure", 3)
        args = NO_EPOCHS
    code = sine_gan.main([*args, "--seed", "4", "--out", str(out)])
    assert len(calls) == at[0]  # at once: no batch, score or figure after the signal
    assert code == 128 + signum
    word = {signal.SIGINT: "Interrupted", signal.SIGTERM: "Terminated"}[signum]
    assert one_line(capsys) == f"{word}: {NOTHING_KEPT}"
    assert checksums(out) == before


# 7, 8, 9. Isolated mode, main() from Python, --help -------------------------------------------

@pytest.mark.parametrize("flag", ["-I", "-P"])
def test_isolated_mode_runs(flag, tmp_path):
    result = subprocess.run([sys.executable, flag, sine_gan.__file__, "--help"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == ""
    assert "141 the reader of the output went away" in " ".join(result.stdout.split())


@pytest.mark.parametrize("argv", [["--epochs", 5], "--epochs 5", [b"--epochs"]])
def test_main_refuses_arguments_that_are_not_strings(argv, capsys):
    assert sine_gan.main(argv) == command_line.EXIT_USAGE
    assert "the arguments must be a list of strings" in one_line(capsys)


def test_main_from_a_notebook_reads_no_argv_but_its_own(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["ipykernel_launcher.py", "-f", "kernel.json"])
    seen = []
    monkeypatch.setattr(command_line, "run_main", lambda args, script: seen.append(args) or 0)
    assert sine_gan.main() == 0
    assert seen[0].epochs == sine_gan.EPOCHS and seen[0].out is None
    assert sine_gan.main(["--epochs", "3"]) == 0 and seen[1].epochs == 3


def test_help_lists_every_exit_code(capsys):
    assert sine_gan.main(["--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for code in command_line.EXIT_CODES:
        assert f" {code} " in text
