"""Ctrl-C, SIGTERM and a closed terminal: what each does to a run.

During GAN training a first signal is only recorded: the loop stops after its
step and the run writes what it has. At any other moment a signal stops the
run at once, and nothing of it is kept. Either way the run ends in one line,
with exit code 128 + the signal's number.
"""

import contextlib
import os
import signal
import sys
import threading

# The signals that stop a run, each with the word its last line starts with.
STOP_SIGNALS = {getattr(signal, name): word for name, word in (
    ("SIGINT", "Interrupted"), ("SIGTERM", "Terminated"), ("SIGHUP", "Hangup"))
    if hasattr(signal, name)}
NOTHING_KEPT = "stopped before the run could finish; nothing was written."


def exit_code(signum):
    return 128 + signum  # as a shell reports a process that a signal ended


def stop_at_once_while_starting():
    """Until TensorFlow has loaded, a signal ends `python sine_gan.py` at once, in one
    line: nothing is written yet, and no exception unwinds through a half-loaded
    TensorFlow (which can abort the process)."""
    def stop(signum, frame):
        with contextlib.suppress(OSError, ValueError, AttributeError):  # stderr may be gone
            sys.stderr.write(f"{STOP_SIGNALS[signum]}: {NOTHING_KEPT}\n")
            sys.stderr.flush()
        os._exit(exit_code(signum))

    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)


def files_written(signum, frame):
    """A handler for the script once its files are in place: say so, and end."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.write(f"{STOP_SIGNALS[signum]}: stopped after the run; its files are all "
                         "written.\n")
        sys.stderr.flush()
    os._exit(exit_code(signum))


class Interrupted(BaseException):
    """A stop signal: not an `Exception`, so that library code's `except Exception`
    cannot swallow it."""

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def raise_interrupted(signum, frame):
    raise Interrupted(signum)


def signal_behind(err):
    """The stop signal that `err` is or was raised from, or None. Library code may
    wrap ours (Python 3.11 wraps any error raised while a class is created)."""
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        if isinstance(err, Interrupted):
            return err.signum
        if isinstance(err, KeyboardInterrupt):
            return signal.SIGINT
        err = err.__cause__ or err.__context__
    return None


@contextlib.contextmanager
def handled_signals(handler):
    """Within: the stop signals go to `handler`; then the caller's handlers are back.
    Only the main thread can handle signals: from another, the block runs without."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


@contextlib.contextmanager
def deferred_signals(deferring=lambda: True):
    """Within: a first stop signal that comes while `deferring()` is recorded in the
    yielded list. At any other moment, or a second time, it raises `Interrupted`."""
    received = []

    def record(signum, frame):
        if received or not deferring():
            raise Interrupted(signum)
        received.append(signum)

    with handled_signals(record):
        yield received
