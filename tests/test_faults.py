"""The second round of ways a run can end: a closed terminal, a crafted model file, an ASCII
console, a notebook that calls `main()`, a reused folder, a signal at any moment."""

import contextlib
import io
import json
import os
import signal
import struct
import subprocess
import sys
import threading
import time
import zipfile

import matplotlib
import matplotlib.pyplot as plt
import pytest
from helpers import EARLY_SIGNAL, one_line

import sine_gan
from beyond_the_slides import command_line, safe_files, saved_generator, signals

QUICK = ["--epochs", "0", "--pretrain-epochs", "1"]


# A closed terminal: SIGHUP -------------------------------------------------------------------

def test_after_a_hangup_output_to_the_gone_terminal_is_dropped_and_the_run_goes_on():
    primary, terminal = os.openpty()
    stream = os.fdopen(terminal, "w", buffering=1)
    output = command_line.Output(stream)
    output.write("a row of the table\n")
    os.close(primary)  # the terminal goes away: writing to it now fails with EIO
    output.write("the next row\n")
    output.write("and the next\n")  # not tried again, and no exception
    assert output.failed == "Input/output error"
    with contextlib.suppress(OSError):  # what the terminal never took
        stream.close()
    pipe_read, pipe_write = os.pipe()
    with os.fdopen(pipe_write, "w") as stream:  # a pipe is not given up on
        piped = command_line.Output(stream)
        piped.write("still here")
        piped.flush()
        assert piped.failed is None
    assert os.read(pipe_read, 10) == b"still here"
    os.close(pipe_read)


# A signal at any moment of start-up ----------------------------------------------------------

def test_the_signal_exception_escapes_except_exception_and_is_found_when_wrapped():
    assert not issubclass(signals.Interrupted, Exception)
    with signals.handled_signals(signals.raise_interrupted):
        with pytest.raises(signals.Interrupted):
            try:  # library code that catches everything it knows of
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(1)
            except Exception:
                pass
    try:  # Python 3.11 turns an exception in __set_name__ into a RuntimeError
        try:
            raise signals.Interrupted(signal.SIGTERM)
        except BaseException as err:
            raise RuntimeError("Error calling __set_name__") from err
    except RuntimeError as wrapped:
        assert signals.signal_behind(wrapped) == signal.SIGTERM
    signals.RAISED.clear()  # as a run starts
    assert signals.signal_behind(ValueError("no signal here")) is None
    try:  # library code that eats the signal, then fails in a way of its own
        raise signals.Interrupted(signal.SIGHUP)
    except BaseException:
        pass
    assert signals.signal_behind(ValueError("the chain is lost")) == signal.SIGHUP
    signals.RAISED.clear()


# One case in the smoke test; the whole matrix, a start of Python each, with the slow tests.
@pytest.mark.parametrize("module, signum", [
    pytest.param(module, signum, marks=() if (module, signum) == ("tensorflow", signal.SIGINT)
                 else pytest.mark.slow, id=f"{module}-{signal.Signals(signum).name}")
    for module in ("argparse", "zipfile", "numpy", "tensorflow")
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)])
def test_a_signal_while_any_module_loads_ends_in_one_line(module, signum, tmp_path):
    out = tmp_path / "run"
    result = subprocess.run(
        [sys.executable, "-c", EARLY_SIGNAL, module, str(int(signum)), str(sine_gan.__file__),
         str(out)], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 128 + signum, result.stderr
    assert one_line(result.stderr).startswith(signals.STOP_SIGNALS[signum] + ": stopped")
    assert not out.exists()


def test_tensorflow_that_cannot_load_is_one_line_and_exit_4(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # makes `import tensorflow` fail
    out = tmp_path / "new" / "run"
    assert sine_gan.main([*QUICK, "--out", str(out)]) == command_line.EXIT_BACKEND
    assert one_line(capsys.readouterr().err).startswith(
        "sine_gan.py: error: TensorFlow could not be loaded")
    assert not (tmp_path / "new").exists()


# A crafted model file ------------------------------------------------------------------------

def declare_size(path, name, size):
    """Rewrite the sizes that `path`'s zip headers declare for entry `name`."""
    data = bytearray(path.read_bytes())
    encoded = name.encode()
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = data.find(signature)
        while start != -1:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at:name_at + len(encoded)] == encoded:
                struct.pack_into("<I", data, start + size_at, size)
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("entry", ["model.weights.h5", "config.json"])
def test_a_model_declaring_gigabytes_is_refused_at_once(entry, tmp_path, capsys, monkeypatch):
    bomb = tmp_path / "bomb.keras"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("metadata.json", "config.json", "model.weights.h5"):
            archive.writestr(name, b"\0" * 1000)
    declare_size(bomb, entry, 2**31 - 1)
    with zipfile.ZipFile(bomb) as archive:
        assert archive.getinfo(entry).file_size == 2**31 - 1
    read = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: read.append(a) or real_open(
        *a, **k))
    code = sine_gan.main(["--generate", "3", "--model", str(bomb), "--out", str(tmp_path / "o")])
    assert read == []  # refused from the declared sizes, before any entry is read
    assert code == 2
    assert f"entry {entry} declares 2,147,483,647 bytes" in one_line(capsys.readouterr().err)
    assert not (tmp_path / "o").exists()


def test_a_model_that_expands_a_thousand_times_is_refused(tmp_path):
    bomb = tmp_path / "zeros.keras"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("model.weights.h5", b"\0" * (16 * 2**20))
    with pytest.raises(safe_files.UsageError, match="entry model.weights.h5 expands 1,0"):
        saved_generator.check_archive_sizes(bomb)


def test_a_model_of_many_entries_is_refused_and_a_real_one_passes(small_generator, tmp_path,
                                                                 write_model):
    many = tmp_path / "many.keras"
    with zipfile.ZipFile(many, "w") as archive:
        for i in range(saved_generator.MODEL_ENTRIES_MAX + 1):
            archive.writestr(f"part{i}", b"x")
    with pytest.raises(safe_files.UsageError, match="65 entries"):
        saved_generator.check_archive_sizes(many)
    real = write_model(small_generator, tmp_path / "generator.keras")
    saved_generator.check_archive_sizes(real)  # a generator of this project passes


# An ASCII console ----------------------------------------------------------------------------

def test_a_console_that_cannot_print_r2_still_gets_the_whole_run(tmp_path, monkeypatch):
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    stderr = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "stderr", stderr)
    out = tmp_path / "uscità"
    assert sine_gan.main([*QUICK, "--out", str(out)]) == 0
    stdout.flush()
    printed = stdout.buffer.getvalue().decode("ascii")
    assert "median R? " in printed and "outputs in " + str(tmp_path) + os.sep + "uscit?" in printed
    assert stdout.errors == "strict" and stderr.errors == "strict"  # as they were
    assert (out / "metrics.json").exists()


# main() from a notebook or a script ----------------------------------------------------------

def test_main_twice_leaves_the_callers_figures_backend_and_handlers(tmp_path, capsys):
    backend = matplotlib.get_backend()
    mine = plt.figure()
    figures = plt.get_fignums()  # the caller's, with any that earlier tests left open
    handler = signal.getsignal(signal.SIGTERM)
    try:
        histories = []
        for run in ("a", "b"):
            args = ["--epochs", "1", "--pretrain-epochs", "2", "--out", str(tmp_path / run)]
            assert sine_gan.main(args) == 0
            histories.append((tmp_path / run / "history.csv").read_text().splitlines())
        assert plt.get_fignums() == figures and plt.fignum_exists(mine.number)
        assert matplotlib.get_backend() == backend
        assert signal.getsignal(signal.SIGTERM) is handler
        assert sine_gan.main(["--epochs", "x"]) == 2  # returned, not raised
        # Same seed, same numbers, on the second call too (the time column aside).
        assert [r.rsplit(",", 1)[0] for r in histories[0]] == [
            r.rsplit(",", 1)[0] for r in histories[1]]
    finally:
        plt.close(mine)


def test_main_runs_from_a_thread_without_signal_handling(tmp_path):
    results = []
    thread = threading.Thread(target=lambda: results.append(
        sine_gan.main([*QUICK, "--out", str(tmp_path / "t")])))
    thread.start()
    thread.join(timeout=300)
    assert results == [0]


def test_the_first_line_says_where_the_files_really_are(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert sine_gan.main([*QUICK, "--out", "rel"]) == 0
    assert f"outputs in {tmp_path / 'rel'}{os.sep}\n" in capsys.readouterr().out


# One folder, one run -------------------------------------------------------------------------

def test_a_reused_folder_holds_one_run_and_the_users_files(tmp_path, capsys):
    out = tmp_path / "run"
    assert sine_gan.main(["--epochs", "1", "--pretrain-epochs", "1", "--out", str(out)]) == 0
    assert (out / "history.csv").exists() and (out / "evolution.gif").exists()
    (out / "notes.txt").write_text("mine")
    assert sine_gan.main([*QUICK, "--out", str(out)]) == 0
    left = {p.name for p in out.iterdir()}
    for earlier in ("history.csv", "evolution.png", "evolution.gif", "training_history.png"):
        assert earlier not in left  # the earlier run's, not rewritten by this one
    assert (out / "notes.txt").read_text() == "mine"
    assert set(json.loads((out / safe_files.MANIFEST).read_text())) == left - {
        safe_files.MANIFEST, "notes.txt"}


def test_a_failed_run_removes_every_folder_it_created_and_nothing_else(tmp_path, capsys):
    (tmp_path / "kept").mkdir()
    out = tmp_path / "kept" / "new1" / "new2"
    code = sine_gan.main(["--generate", "3", "--model", str(tmp_path / "missing.keras"),
                          "--out", str(out)])
    assert code == 2
    assert list(tmp_path.iterdir()) == [tmp_path / "kept"]
    assert list((tmp_path / "kept").iterdir()) == []


def test_an_out_without_permission_is_a_usage_error(tmp_path, monkeypatch, capsys):
    import errno

    def no_permission(*args, **kwargs):  # the first file the run makes in the folder
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(safe_files.tempfile, "TemporaryFile", no_permission)
    assert sine_gan.main([*QUICK, "--out", str(tmp_path)]) == command_line.EXIT_USAGE
    assert "cannot create a file there (Permission denied)" in capsys.readouterr().err
