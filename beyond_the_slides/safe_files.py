"""Writing a run's files safely: nothing of the user's lost, nothing half-written.

Every file is written under a temporary name in the same folder, then
renamed: an interrupted run never leaves half a PNG, CSV or model behind. A
run only writes into a folder that is new, empty or holds an earlier run of
sine-gan, and never overwrites a file that sine-gan did not write.
"""

import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path

MANIFEST = ".sine-gan-files"  # the files sine-gan wrote in an output folder
LOCK = ".sine-gan.lock"  # held by the run that is using an output folder


class UsageError(Exception):
    """A mistake in what the user asked for: one line, exit 2."""


class OutputError(Exception):
    """An output file could not be written (disk full, permissions): one line, exit 3."""


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside `path`; rename it to `path` on success.

    The temporary file is removed on every way out; a failed write becomes an
    `OutputError` that names the file.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as err:
        raise OutputError(f"cannot write {path}: {err.strerror or err}") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def save_figure(fig, path):
    """Write a figure as PNG, atomically. Returns the path."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=Path(path).suffix[1:], dpi=100)
    return Path(path)


def save_text(text, path):
    """Write a CSV or JSON text, atomically. Returns the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def save_model(model, path):
    """Write a `.keras` model, atomically. Returns the path.

    Keras stages parts of the file in a folder of the system's temp folder
    and leaves it there when a write fails; here that folder lives beside the
    output and is always removed.
    """
    path = Path(path)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and not optimizer.built:
        # A compiled model that never trained itself (the generator: only the
        # GAN trains it) has no optimizer state, and Keras warns on loading.
        optimizer.build(model.trainable_variables)
    with atomic_path(path) as tmp, tempfile.TemporaryDirectory(dir=path.parent,
                                                                prefix=".keras-") as scratch:
        previous, tempfile.tempdir = tempfile.tempdir, scratch
        try:
            model.save(tmp)
        finally:
            tempfile.tempdir = previous
    return Path(path)


@contextlib.contextmanager
def locked(out):
    """Hold the folder's lock file for this run; a second run is refused at once.

    The operating system releases the lock when the process ends, however it
    ends, so a crashed run never leaves a stale lock.
    """
    path = out / LOCK
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as err:
        raise UsageError(f"--out {out}: cannot create a file there ({err.strerror})") from None
    try:
        try:
            if sys.platform == "win32":
                import msvcrt
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise UsageError(f"--out {out}: another sine-gan run is writing there; "
                             "wait for it or choose another folder") from None
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                path.unlink()  # before closing, while the lock is still held
    finally:
        os.close(fd)


def read_manifest(path):
    """The file names in a folder's manifest; none if it is missing or unreadable.

    An unreadable manifest vouches for nothing, so every existing output
    file then counts as not sine-gan's.
    """
    try:
        names = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()


def forget_earlier_run(out, ours, written):
    """Remove the files an earlier run wrote in `out` and this one did not rewrite.

    Only names in the manifest are touched: those files are sine-gan's.
    """
    for name in sorted(ours - {p.name for p in written}):
        stale = out / name
        if (name == Path(name).name and name not in (MANIFEST, LOCK)
                and (stale.is_file() or stale.is_symlink())):
            with contextlib.suppress(OSError):
                stale.unlink()


@contextlib.contextmanager
def output_folder(path, names, force=False):
    """Check, create and lock the output folder; yield it and a list of files written.

    A file in `names` that exists but is not in the folder's manifest (the
    files sine-gan wrote there) is not sine-gan's: refuse, unless `force`.
    On the way out, if this run wrote anything, the folder is made to hold
    this run alone: what an earlier run wrote and this one did not rewrite is
    removed, and the manifest lists this run's files. Every folder this run
    created and left empty is removed.
    """
    out = Path(path)
    for parent in [out, *out.parents]:
        if parent.is_symlink() and not parent.exists():
            raise UsageError(f"--out {out}: {parent} is a broken symbolic link")
        if parent.exists() and not parent.is_dir():
            what = "is a file" if parent == out else f"lies under a file ({parent})"
            raise UsageError(f"--out {out}: {what}")
    created = [p for p in [out, *out.parents] if not p.exists()]  # deepest first
    try:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise UsageError(f"--out {out}: cannot create it ({err.strerror})") from None
        written = []
        with locked(out):
            manifest = out / MANIFEST
            ours = read_manifest(manifest)
            theirs = [name for name in names if name not in ours
                      and ((out / name).exists() or (out / name).is_symlink())]
            if theirs and not force:
                raise UsageError(f"--out {out}: {', '.join(theirs)} already there and not "
                                 "written by sine-gan; choose another folder, or add --force "
                                 "to overwrite")
            try:
                yield out, written
            finally:
                if written:
                    forget_earlier_run(out, ours, written)
                    names_written = sorted({p.name for p in written})
                    save_text(json.dumps(names_written, indent=0) + "\n", manifest)
    finally:
        for folder in created:
            try:
                folder.rmdir()  # only succeeds if nothing is in it
            except OSError:
                break

