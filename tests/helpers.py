"""What the tests check the same way: a folder's files, and an error told in one line."""

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


def one_line(stderr):
    """The one line on `stderr` that tells an error or a stop: no traceback, nothing more."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]
