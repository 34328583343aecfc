"""Ctrl-C, SIGTERM and SIGHUP at any moment: one line, the documented code, nothing half-written."""

import os
import signal

import pytest
from helpers import one_line

from beyond_the_slides import safe_files, saved_run, signals


@pytest.mark.parametrize("first, second", [(signal.SIGTERM, signal.SIGINT),
                                           (signal.SIGHUP, signal.SIGHUP)])
def test_a_first_signal_is_recorded_and_a_second_one_raises(first, second, monkeypatch):

    def callers(signum, frame):
        pass

    previous = signal.signal(first, callers)
    try:
        with signals.handled_signals(signals.raise_interrupted):
            with signals.deferred_signals() as received:
                os.kill(os.getpid(), first)
                assert received == [first]
                with pytest.raises(signals.Interrupted) as raised:
                    os.kill(os.getpid(), second)
                assert raised.value.signum == second
            with pytest.raises(signals.Interrupted):  # outside: raised at once
                os.kill(os.getpid(), first)
        assert signal.getsignal(first) is callers  # the caller's handler is back
    finally:
        signal.signal(first, previous)


def read_until(proc, prefix):
    """Lines of stdout up to the first that starts with `prefix`."""
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith(prefix):
            break
    return lines


@pytest.mark.slow
@pytest.mark.parametrize("signum, code, word", [(signal.SIGINT, 130, "Interrupted"),
                                                (signal.SIGTERM, 143, "Terminated"),
                                                (signal.SIGHUP, 129, "Hangup")])
def test_a_signal_in_training_keeps_the_finished_epochs(signum, code, word, tmp_path, start_cli):
    proc = start_cli("--out", tmp_path)
    lines = read_until(proc, "    001 |")  # two GAN epochs are done
    proc.send_signal(signum)
    rest, err = proc.communicate(timeout=120)
    out = "".join(lines) + rest
    assert proc.returncode == code, err
    assert err.startswith(f"{word}: keeping the ") and "Traceback" not in err + out
    epochs = len((tmp_path / "history.csv").read_text().splitlines()) - 1
    assert 2 <= epochs < 64
    for name in saved_run.TRAINING_FILES:
        assert (tmp_path / name).stat().st_size > 0, name
    assert str(tmp_path / "generator.keras") in out
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [*saved_run.TRAINING_FILES, safe_files.MANIFEST])


@pytest.mark.slow
@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143),
                                          (signal.SIGHUP, 129)])
def test_a_signal_while_tensorflow_loads_exits_in_one_line(signum, code, tmp_path, start_cli):
    proc = start_cli("--out", tmp_path / "run")
    read_until(proc, "sine-gan:")  # printed just before TensorFlow is imported
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == code
    assert "stopped before the run could finish" in one_line(err)
    assert not (tmp_path / "run").exists()


def test_a_signal_once_the_files_are_in_place_says_so():
    """As a script, after the run (the list of files, the --show windows): one line, the
    signal's code, and no claim that nothing was written."""
    import subprocess
    import sys

    code = ("import os, signal, time\nfrom beyond_the_slides import signals\n"
            "with signals.handled_signals(signals.files_written):\n"
            "    os.kill(os.getpid(), signal.SIGTERM)\n    time.sleep(5)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=str(signals.__file__).rsplit("/", 2)[0])
    assert done.returncode == 143
    assert done.stderr == "Terminated: stopped after the run; its files are all written.\n"
