"""Ctrl-C, SIGTERM and a closed terminal: what each does to a run.

During GAN training a first signal is only recorded: the loop stops after
its step and the run writes what it has. At any other moment a signal stops
the run at once, as `Interrupted`, and nothing of the run is kept. Either
way the run ends in one line, with exit code 128 + the signal's number.
"""

import contextlib
import os
import signal
import stat
import sys
import threading

# The signals that stop a run (Ctrl-C, `kill`, a closed terminal), each with
# the word that the run's last line starts with.
STOP_SIGNALS = {getattr(signal, name): word for name, word in (
    ("SIGINT", "Interrupted"), ("SIGTERM", "Terminated"), ("SIGHUP", "Hangup"))
    if hasattr(signal, name)}


# What a run that a signal stopped before it could finish says, after the signal's word.
NOTHING_KEPT = "stopped before the run could finish; nothing was written."


def exit_code(signum):
    """The exit code of a run that a signal stopped, as a shell reports it."""
    return 128 + signum


def stop_at_once_while_starting():
    """Until TensorFlow has loaded, a signal ends the process at once.

    For `python sine_gan.py`, set before anything else loads: nothing is
    written yet, so one line and the exit code are all there is to do, and
    no exception unwinds through a half-loaded TensorFlow.
    """
    def stop(signum, frame):
        with contextlib.suppress(OSError, ValueError, AttributeError):  # stderr may be gone
            sys.stderr.write(f"{STOP_SIGNALS[signum]}: {NOTHING_KEPT}\n")
            sys.stderr.flush()
        os._exit(exit_code(signum))

    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)


class Interrupted(BaseException):
    """A stop signal outside the part of the run that finishes its work first.

    A `BaseException`, like `KeyboardInterrupt`, so that library code's
    `except Exception` cannot swallow it.
    """

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def signal_behind(err):
    """The stop signal that `err` is, or was raised from; None if there is none.

    Library code may turn ours into another exception (Python 3.11 wraps any
    exception raised while a class is created in a `RuntimeError`), so the
    whole chain of causes is searched.
    """
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
def deferred_signals(deferring=lambda: True):
    """Within: a stop signal that comes while `deferring()` is recorded in the yielded list.

    Training stops after its current step and the run writes what it has.
    A signal at any other moment, or a second one, raises `Interrupted` at once.
    """
    received = []

    def record(signum, frame):
        leave_closed_terminal(signum)
        if received or not deferring():
            raise Interrupted(signum)
        received.append(signum)

    with handled_signals(record):
        yield received


@contextlib.contextmanager
def handled_signals(handler):
    """Handle the stop signals with `handler` inside the block, then restore the caller's.

    Only the main thread can handle signals: called from another thread (a
    notebook's worker, say), the block runs without them.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def leave_closed_terminal(signum, fds=(1, 2)):
    """After SIGHUP, write to /dev/null instead of a terminal that has gone.

    Writing to a closed terminal fails, and would stop the run before it has
    written its files. Output to a file or a pipe still goes there.
    """
    if signum != getattr(signal, "SIGHUP", None):
        return
    for fd in fds:
        with contextlib.suppress(OSError):
            if stat.S_ISCHR(os.fstat(fd).st_mode):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, fd)
                os.close(devnull)


def raise_interrupted(signum, frame):
    """A handler for outside training: stop now, as `Interrupted`."""
    leave_closed_terminal(signum)
    raise Interrupted(signum)

