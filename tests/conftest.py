"""Shared helpers: the module under test, a seeded start, and the CLI as a user runs it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sine_gan  # noqa: E402

SCRIPT = ROOT / "sine_gan.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TRAINING_FILES = [
    "dataset.png",
    "pretraining.png",
    "sample.png",
    "training_history.png",
    "evolution.png",
    "evolution.gif",
    "history.csv",
    "metrics.json",
    "generator.keras",
    "discriminator.keras",
]


@pytest.fixture
def seeded():
    """Seed Python, NumPy and the backend, as a run of the script does."""
    sine_gan.seed_everything(7)


def _cli(args):
    """The command line a user types, and an environment that does not buffer output."""
    return ([sys.executable, str(SCRIPT), *map(str, args)],
            dict(os.environ, PYTHONUNBUFFERED="1"))


def run_cli(*args, timeout=300, **kwargs):
    """Run `python sine_gan.py ARGS` in a subprocess, as a user would."""
    command, env = _cli(args)
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env,
                          **kwargs)


def run_cli_many(arg_lists, timeout=300):
    """Run several CLIs at once (each waits mostly on TensorFlow's import)."""
    procs = []
    for args in arg_lists:
        command, env = _cli(args)
        procs.append(subprocess.Popen(command, env=env, text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    results = []
    for args, proc in zip(arg_lists, procs):
        out, err = proc.communicate(timeout=timeout)
        results.append(subprocess.CompletedProcess(args, proc.returncode, out, err))
    return results


def assert_png(path):
    data = Path(path).read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert len(data) > 1000, f"{path} is suspiciously small"
