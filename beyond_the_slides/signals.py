"""Ctrl-C, SIGTERM and SIGHUP, and what each does to a run (docs/command-line.md)."""

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
ALL_WRITTEN = "stopped after the run; its files are all written."
RAISED = []  # every stop signal raised as `Interrupted` in this run, even if library code ate it


def exit_code(signum):
    return 128 + signum  # as a shell reports a process that a signal ended


def handling(signum):  # not a signal ignored when the run started (nohup)
    return signal.getsignal(signum) is not signal.SIG_IGN


def say_and_exit(signum, what):
    with contextlib.suppress(OSError, ValueError, AttributeError):  # stderr may be gone
        sys.stderr.write(f"{STOP_SIGNALS[signum]}: {what}\n")
        sys.stderr.flush()
    os._exit(exit_code(signum))


def stop_at_once_while_starting():
    """Until Keras has loaded, a signal ends the script at once: nothing is written yet, and
    an exception unwinding through a half-loaded backend can abort the process."""
    for signum in filter(handling, STOP_SIGNALS):
        signal.signal(signum, lambda signum, frame: say_and_exit(signum, NOTHING_KEPT))


def files_written(signum, frame):  # the script's handler once its files are in place
    say_and_exit(signum, ALL_WRITTEN)


class Interrupted(BaseException):
    """A stop signal, not an `Exception` library code could swallow; `written`: files in place."""

    def __init__(self, signum, written=False):
        super().__init__(signal.Signals(signum).name)
        self.signum, self.written = signum, written
        RAISED.append(signum)


def raise_interrupted(signum, frame):
    raise Interrupted(signum)


def signal_behind(err):
    """The stop signal behind `err`, or None. Library code may wrap ours (as Python 3.11 does
    while a class is created), or lose it: then the last one raised in this run."""
    while err is not None:
        if isinstance(err, Interrupted):
            return err.signum
        if isinstance(err, KeyboardInterrupt):
            return signal.SIGINT
        err = err.__cause__ or err.__context__
    return RAISED[-1] if RAISED else None


@contextlib.contextmanager
def handled_signals(handler):
    """Within: the stop signals not ignored go to `handler` (only the main thread can handle
    them); then the caller's handlers are back."""
    main = threading.current_thread() is threading.main_thread()
    previous = {s: signal.signal(s, handler) for s in STOP_SIGNALS if main and handling(s)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


@contextlib.contextmanager
def deferred_signals(deferring=lambda: True):
    """Within: a first stop signal while `deferring()` is recorded in the yielded list; any
    other raises `Interrupted`."""
    received = []

    def record(signum, frame):
        if received or not deferring():
            raise Interrupted(signum)
        received.append(signum)

    with handled_signals(record):
        yield received
