"""A run's files: all of them or none, and never a file of the user's.

A run writes each file under a temporary name in its output folder. Only when
it has written them all does it rename them into place, one rename each, and
then remove the files of the earlier run of the same kind that it did not
replace. A run that fails before that removes its temporary files and leaves
the folder exactly as it was. `.sine-gan-files` lists what sine-gan wrote in
a folder; a file that is not listed there is the user's and is never touched.
"""

import contextlib
import json
import os
import re
import tempfile
from pathlib import Path

from beyond_the_slides.signals import handled_signals

MANIFEST = ".sine-gan-files"


class UsageError(Exception):
    """A mistake in what the user asked for: one line, exit 2."""


class OutputError(Exception):
    """An output file could not be written (disk full, permissions): one line, exit 3."""


def first_sentences(text, limit=300):
    """The first whole sentences of an error's `text` that fit in `limit` characters."""
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    kept = sentences[0]
    for sentence in sentences[1:]:
        if len(kept) + 1 + len(sentence) > limit:
            break
        kept += " " + sentence
    return kept


@contextlib.contextmanager
def staged(path, files):
    """Yield the temporary path under which `path` is written, noted in `files`. A failed
    write leaves no temporary file, and is an `OutputError` naming the file."""
    path = Path(path)
    tmp = files[path] = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        yield tmp
    except BaseException as err:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise OutputError(f"cannot write {path}: {err.strerror or err}") from None
        raise


def save_figure(fig, path, files):
    with staged(path, files) as tmp:
        fig.savefig(tmp, format=Path(path).suffix[1:], dpi=100)


def save_text(text, path, files):
    with staged(path, files) as tmp:
        tmp.write_text(text, encoding="utf-8")


def save_model(model, path, files=None):
    """Stage a `.keras` model in `files`, or without `files` write it at `path` now.
    Keras's scratch folder goes beside it: in the system's, a failed write leaves it."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and not optimizer.built:
        # A compiled model that never trained itself (the generator: only the
        # GAN trains it) has no optimizer state, and Keras warns on loading.
        optimizer.build(model.trainable_variables)
    with staged(path, {} if files is None else files) as tmp, tempfile.TemporaryDirectory(
            dir=Path(path).parent, prefix=".keras-") as scratch:
        previous, tempfile.tempdir = tempfile.tempdir, scratch
        try:
            model.save(tmp)
        finally:
            tempfile.tempdir = previous
    if files is None:
        os.replace(tmp, path)
    return Path(path)


def read_manifest(out):
    """The names the folder's manifest lists; none if it is missing or unreadable,
    so that every file then counts as the user's."""
    try:
        names = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()


def check_out(out):
    """Refuse an `--out` that cannot be a folder, before anything is loaded or made."""
    for parent in [out, *out.parents]:
        if parent.is_symlink() and not parent.exists():
            raise UsageError(f"--out {out}: {parent} is a broken symbolic link")
        if parent.exists() and not parent.is_dir():
            what = "is a file" if parent == out else f"lies under a file ({parent})"
            raise UsageError(f"--out {out}: {what}")


@contextlib.contextmanager
def locked(out):
    """Refuse a second run into a folder that a first one is using: the system's lock on
    the folder itself, with no file to make or remove, and gone with the process however
    it ends. Windows cannot lock a folder; there, the later run replaces the earlier."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    fd = os.open(out, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise UsageError(f"--out {out}: another sine-gan run is writing there; "
                             "wait for it or choose another folder") from None
        yield
    finally:
        os.close(fd)


def commit(out, names, files):
    """Rename the staged `files` into place, then remove the earlier run's of this kind
    (`names`) that they did not replace; `--generate`'s files and a training run's live
    side by side. Stop signals wait: a folder is never half-replaced."""
    ours = read_manifest(out)
    mine = {path.name for path in files}
    stale = {n for n in ours & (set(names) - mine) if n == Path(n).name}
    listed = sorted(mine | {n for n in ours - stale if (out / n).exists()})
    with handled_signals(lambda signum, frame: None):
        save_text(json.dumps(listed, indent=0) + "\n", out / MANIFEST, files)
        for path, tmp in files.items():
            os.replace(tmp, path)
        for name in stale:
            with contextlib.suppress(OSError):
                (out / name).unlink()


@contextlib.contextmanager
def output_folder(path, names, force=False):
    """Check, create and lock the output folder; yield it and a dict for staged files.

    A file of `names` there that the manifest does not list is the user's:
    refuse, unless `force`. If the block ends normally, its files replace the
    earlier run's. However it ends, no temporary file stays, and every folder
    it created and left empty is removed.
    """
    out = Path(path)
    check_out(out)
    created = [p for p in [out, *out.parents] if not p.exists()]  # deepest first
    files = {}  # final path -> temporary path
    try:
        try:
            out.mkdir(parents=True, exist_ok=True)
            tempfile.TemporaryFile(dir=out).close()  # can we write here?
        except OSError as err:
            raise UsageError(f"--out {out}: cannot create a file there ({err.strerror})") from None
        with locked(out):
            ours = read_manifest(out)
            theirs = [n for n in names if n not in ours and os.path.lexists(out / n)]
            if theirs and not force:
                raise UsageError(f"--out {out}: {', '.join(theirs)} already there and not "
                                 "written by sine-gan; choose another folder, or add --force "
                                 "to overwrite")
            yield out, files
            if files:
                commit(out, names, files)
    finally:
        for tmp in files.values():
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        for folder in created:
            try:
                folder.rmdir()  # only succeeds if nothing is in it
            except OSError:
                break
