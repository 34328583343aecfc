"""Shared fixtures: the module under test, a seeded start, and the CLI as a user runs it."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sine_gan  # noqa: E402
from beyond_the_slides import monitor  # noqa: E402

SCRIPT = ROOT / "sine_gan.py"

# The tests play a user at a terminal, where Ctrl-C, SIGTERM and a hang-up are live. A test
# run started in the background (`cmd &` ignores SIGINT) or under nohup (SIGHUP) inherits
# them ignored, and a run keeps an ignored signal ignored (test_files_are_safe tests that):
# give them back their defaults, here and so in every subprocess.
for _signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    if signal.getsignal(_signum) is signal.SIG_IGN:
        signal.signal(_signum, signal.default_int_handler if _signum == signal.SIGINT
                      else signal.SIG_DFL)


@pytest.fixture
def seeded():
    """Seed Python, NumPy and the backend, as a run of the script does."""
    monitor.seed_everything(7)


def _command(args):
    """The command line a user types, and an environment that does not buffer output."""
    return ([sys.executable, str(SCRIPT), *map(str, args)],
            dict(os.environ, PYTHONUNBUFFERED="1"))


@pytest.fixture
def cli():
    """Run `python sine_gan.py ARGS` in a subprocess, as a user would."""
    def run(*args, timeout=300, **kwargs):
        command, env = _command(args)
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              env=env, **kwargs)

    return run


@pytest.fixture(scope="module")
def cli_many():
    """Run several command lines at once (each waits mostly on TensorFlow's import)."""
    def run(arg_lists, timeout=300):
        procs = []
        for args in arg_lists:
            command, env = _command(args)
            procs.append(subprocess.Popen(command, env=env, text=True,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE))
        results = []
        for args, proc in zip(arg_lists, procs):
            out, err = proc.communicate(timeout=timeout)
            results.append(subprocess.CompletedProcess(args, proc.returncode, out, err))
        return results

    return run


@pytest.fixture
def start_cli():
    """Start `python -u sine_gan.py ARGS` and hand back the process, to signal it."""
    procs = []

    def start(*args):
        command, env = _command(args)
        proc = subprocess.Popen(command, env=env, text=True, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@pytest.fixture
def is_png():
    """A check that a file is a real PNG, not an empty or truncated one."""
    def check(path):
        data = Path(path).read_bytes()
        return data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000 and data.endswith(
            b"IEND\xaeB`\x82")

    return check


@pytest.fixture(scope="session")
def short_run(tmp_path_factory):
    """The files of one short run of `python sine_gan.py`, shared by the tests that read them;
    and its exit code. For a run in memory, `train_in_memory`."""
    out = tmp_path_factory.mktemp("short")
    code = sine_gan.main(["--epochs", "3", "--pretrain-epochs", "4", "--out", str(out)])
    return out, code


@pytest.fixture
def train_in_memory():
    """Train a variant in this process, seeded as a run is, for `epochs` epochs after
    `pretrain_epochs`: the run (see `run_slides()`) and its monitor."""
    from beyond_the_slides import experiment

    def train(variant, seed, epochs=1, pretrain_epochs=2):
        watching, _ = monitor.start_run(seed, epochs)
        return experiment.run_variant(variant, watching, pretrain_epochs), watching

    return train


@pytest.fixture
def write_model():
    """Write a model at a path now, as a run stages it and then commits it."""
    from beyond_the_slides import safe_files

    def write(model, path):
        files = {}
        safe_files.save_model(model, path, files)
        os.replace(files[Path(path)], path)
        return Path(path)

    return write


@pytest.fixture
def small_generator(seeded):
    """An untrained generator: fast to build, and its curves are finite."""
    return sine_gan.build_generator()
