"""What the tests check the same way: a folder's files, an error told in one line, and a signal
at start-up."""

import hashlib
from pathlib import Path

NOT_THE_PROJECTS = {".git", "__pycache__", ".pytest_cache", ".ruff_cache"}


def checksums(folder):
    """Every file below `folder`, by relative path, with the SHA-256 of its bytes (virtual
    environments, git's files and caches left out)."""
    folder = Path(folder)
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not any(
                part in NOT_THE_PROJECTS or part.startswith(".venv")
                for part in p.relative_to(folder).parts)}


# Runs sine_gan.py as a script, and sends it a signal as it starts to import `module`.
EARLY_SIGNAL = """
import os, runpy, signal, sys
module, signum, script, out = sys.argv[1:]
class SignalOnImport:
    def find_spec(self, name, path=None, target=None):
        if name == module:
            os.kill(os.getpid(), int(signum))
        return None
sys.modules.pop(module, None)
sys.meta_path.insert(0, SignalOnImport())
sys.argv = [script, "--epochs", "0", "--pretrain-epochs", "0", "--out", out]
runpy.run_path(script, run_name="__main__")
"""


def one_line(stderr):
    """The one line on `stderr` that tells an error or a stop: no traceback, nothing more."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]
