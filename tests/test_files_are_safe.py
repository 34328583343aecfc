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
from helpers import checksums, one_line

import sine_gan
from beyond_the_slides import command_line, experiment, safe_files, saved_run
from beyond_the_slides.signals import NOTHING_KEPT, STOP_SIGNALS

QUICK = ["--epochs", "1", "--pretrain-epochs", "2"]
# A run with no GAN epochs: it still scores, draws and saves both models, sooner.
NO_EPOCHS = ["--epochs", "0", "--pretrain-epochs", "1"]
NO_EPOCHS_FILES = set(saved_run.TRAINING_FILES) - {
    "evolution.png", "evolution.gif", "training_history.png", "history.csv"}


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
    assert one_line(capsys.readouterr().err) == (
        f"sine_gan.py: error: cannot write {out / failing}: No space left on device")
    assert checksums(out) == before  # nothing lost, nothing half-written, nothing mixed in


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
    line = one_line(capsys.readouterr().err)
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
    assert result.returncode == command_line.EXIT_WRITE, result.stderr
    assert "standard output could not be written" in one_line(result.stderr)
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
        signal_on(safe_files, "save_figure", 3)
        args = NO_EPOCHS
    code = sine_gan.main([*args, "--seed", "4", "--out", str(out)])
    assert len(calls) == at[0]  # at once: no batch, score or figure after the signal
    assert code == 128 + signum
    assert one_line(capsys.readouterr().err) == f"{STOP_SIGNALS[signum]}: {NOTHING_KEPT}"
    assert checksums(out) == before


# 7, 8, 9. Isolated mode, main() from Python, --help -------------------------------------------

@pytest.mark.parametrize("flag", ["-I", "-P"])
def test_isolated_mode_runs(flag, tmp_path):
    result = subprocess.run([sys.executable, flag, sine_gan.__file__, "--help"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == ""
    assert "141 the reader of the output went away" in " ".join(result.stdout.split())


@pytest.mark.parametrize("argv", [["--epochs", 5], "--epochs 5", [b"--epochs"], 5, "", 0])
def test_main_refuses_arguments_that_are_not_strings(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert sine_gan.main(argv) == command_line.EXIT_USAGE
    assert "the arguments must be a list of strings" in one_line(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []  # no default run into ./outputs


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


# 10. Promises an adversarial user tried -------------------------------------------------------

def test_a_file_of_the_users_named_like_the_manifest_is_theirs(tmp_path, capsys):
    out = tmp_path / "fresh"
    out.mkdir()
    (out / safe_files.MANIFEST).write_text("my shopping list")
    assert sine_gan.main([*NO_EPOCHS, "--out", str(out)]) == command_line.EXIT_USAGE
    line = one_line(capsys.readouterr().err)
    assert f"{safe_files.MANIFEST} already there and not written by sine-gan" in line
    assert checksums(out) == {safe_files.MANIFEST: hashlib.sha256(b"my shopping list")
                              .hexdigest()}


def test_a_signal_ignored_when_the_run_starts_stays_ignored(monkeypatch):
    from beyond_the_slides import signals

    before = {s: signal.getsignal(s) for s in signals.STOP_SIGNALS}
    try:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as nohup leaves it
        signals.stop_at_once_while_starting()
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) is not before[signal.SIGTERM]
        with signals.handled_signals(signals.raise_interrupted):
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            os.kill(os.getpid(), signal.SIGHUP)  # a logout: nothing happens
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


@pytest.mark.parametrize("how", ["swallowed", "converted"])
def test_a_signal_that_library_code_eats_still_stops_the_run(how, earlier, monkeypatch, capsys):
    out, before = earlier
    real = experiment.final_report

    def library(*args, **kwargs):  # code that catches everything, as some libraries do
        caught = False
        try:
            os.kill(os.getpid(), signal.SIGTERM)
        except BaseException:
            caught = True
        assert caught
        if how == "converted":
            raise RuntimeError("something else went wrong")  # no chain back to the signal
        return real(*args, **kwargs)

    monkeypatch.setattr(experiment, "final_report", library)
    code = sine_gan.main([*NO_EPOCHS, "--out", str(out)])
    assert code == 128 + signal.SIGTERM
    assert one_line(capsys.readouterr().err) == f"Terminated: {NOTHING_KEPT}"
    assert checksums(out) == before


def test_a_signal_during_the_commit_finishes_it_then_stops(earlier, monkeypatch, capsys):
    out, _ = earlier
    real_replace, renames = os.replace, []

    def replace(src, dst):
        renames.append(dst)
        if len(renames) == 2:  # the manifest is in; the first file of the run is next
            os.kill(os.getpid(), signal.SIGINT)
        return real_replace(src, dst)

    monkeypatch.setattr(safe_files.os, "replace", replace)
    code = sine_gan.main([*NO_EPOCHS, "--seed", "9", "--out", str(out)])
    assert code == 130
    line = one_line(capsys.readouterr().err)
    assert line == "Interrupted: stopped after the run; its files are all written."
    names = {p.name for p in out.iterdir()}
    assert names == {*saved_run.TRAINING_FILES, safe_files.MANIFEST, "notes.txt"} - {
        "evolution.png", "evolution.gif", "training_history.png", "history.csv"}
    assert len(renames) == len(NO_EPOCHS_FILES) + 1  # every file, and the manifest
    assert not [n for n in names if safe_files.TEMPORARY.fullmatch(n)]


def dead_pid():
    return int(Path("/proc/sys/kernel/pid_max").read_text()) + 1  # no process can have it


def test_what_a_killed_run_left_is_cleared_and_nothing_of_the_users(earlier, capsys):
    out, before = earlier
    pid = dead_pid()
    ours = [out / f".history.{pid}.tmp.csv", out / f".sine-gan-keras-{pid}-x1y2"]
    ours[0].write_text("half")
    (ours[1] / "assets").mkdir(parents=True)
    (ours[1] / "assets" / "w.h5").write_bytes(b"half")
    theirs = [out / f".history.{os.getpid()}.tmp.csv", out / ".keras-mine", out / ".tmp",
              out / f".notes.{pid}.tmp.txt", out / f".generator.{10**30}.tmp.keras"]
    theirs[0].write_text("a run of ours that is alive: this test's own process")
    theirs[1].mkdir()
    theirs[2].write_text("mine")
    theirs[3].write_text("named like a temporary file, but no file of a run is notes.txt")
    theirs[4].write_text("named like one, but no process can have that number")
    assert sine_gan.main([*NO_EPOCHS, "--out", str(out)]) == 0, capsys.readouterr().err
    assert not any(p.exists() for p in ours) and all(p.exists() for p in theirs)
    assert (out / "notes.txt").read_text() == "mine" and "notes.txt" in before


def test_generate_without_out_names_the_folder_it_would_write(earlier, capsys):
    out, _ = earlier
    (out / "generated").write_text("a file where the folder would go")
    code = sine_gan.main(["--generate", "3", "--model", str(out / "generator.keras")])
    assert code == command_line.EXIT_USAGE
    line = one_line(capsys.readouterr().err)
    assert line.endswith(f"the output folder {out / 'generated'}: is a file")
    assert "--out" not in line


def test_a_signal_after_the_files_are_in_place_says_they_are_written(earlier, monkeypatch):
    from beyond_the_slides import signals

    out, _ = earlier
    monkeypatch.setattr(sys, "argv", ["sine_gan.py", *NO_EPOCHS, "--out", str(out)])
    before = {s: signal.getsignal(s) for s in signals.STOP_SIGNALS}
    try:
        assert command_line.main(script=True) == 0
        # From the file list to the process's end, a signal says the files are written.
        assert {signal.getsignal(s) for s in signals.STOP_SIGNALS} == {signals.files_written}
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)
