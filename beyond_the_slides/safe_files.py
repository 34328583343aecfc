"""A run's files: all of them or none, and never a file of the user's (docs/command-line.md)."""

import contextlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from beyond_the_slides.signals import RAISED, Interrupted, handled_signals

MANIFEST = ".sine-gan-files"
# Our temporary files: `.NAME.PID.tmp.SUFFIX`, and Keras's scratch folders while saving.
TEMPORARY = re.compile(r"\.(.+)\.(\d+)\.tmp(\.\w+)?|\.sine-gan-keras-(\d+)-\w+")


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
    """Yield the temporary path, noted in `files`, under which `path` is written; a failed
    write leaves none, and is an `OutputError`."""
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


def save_model(model, path, files):
    """Stage a `.keras` model, with Keras's scratch folder beside it: in the system's, a
    failed write would leave it."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and not optimizer.built:
        # The generator never trains itself (the GAN does): no state, and Keras would warn.
        optimizer.build(model.trainable_variables)
    with staged(path, files) as tmp, tempfile.TemporaryDirectory(
            dir=Path(path).parent, prefix=f".sine-gan-keras-{os.getpid()}-") as scratch:
        previous, tempfile.tempdir = tempfile.tempdir, scratch
        try:
            model.save(tmp)
        finally:
            tempfile.tempdir = previous


def read_manifest(out):
    """The names the manifest lists; none if it is missing or damaged."""
    try:
        names = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()


def check_out(out, name="--out"):
    """Refuse an output folder that cannot be one, before anything is loaded or made."""
    for parent in [out, *out.parents]:
        if parent.is_symlink() and not parent.exists():
            raise UsageError(f"{name} {out}: {parent} is a broken symbolic link")
        if parent.exists() and not parent.is_dir():
            what = "is a file" if parent == out else f"lies under a file ({parent})"
            raise UsageError(f"{name} {out}: {what}")


def clear_leftovers(out, names):
    """Remove our temporary files of `names`, and scratch folders, whose process is gone."""
    for path in out.iterdir():
        match = TEMPORARY.fullmatch(path.name)
        if not match or match.group(1) and match.group(1) + (match.group(3) or "") not in names:
            continue
        try:
            os.kill(int(match.group(2) or match.group(4)), 0)  # signal 0: is it alive?
        except ProcessLookupError:  # gone, killed (SIGKILL) before it could clear these
            with contextlib.suppress(OSError):
                (shutil.rmtree if path.is_dir() and not path.is_symlink() else os.unlink)(path)
        except (OSError, OverflowError):  # alive, and someone else's; or no process id at all
            pass


@contextlib.contextmanager
def locked(out):
    """Refuse a second run into a folder in use, by the system's lock on the folder itself
    (none on Windows: there, the later run wins)."""
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
            raise UsageError(f"{out}: another sine-gan run is writing there; "
                             "wait for it or choose another folder") from None
        yield
    finally:
        os.close(fd)


def commit(out, names, files):
    """Rename the staged `files` into place, then remove the earlier run's of `names` that
    they did not replace. A stop signal waits until the folder is whole."""
    ours = read_manifest(out)
    mine = {path.name for path in files}
    stale = {n for n in ours & (set(names) - mine) if n == Path(n).name}
    listed = sorted(mine | {n for n in ours - stale if (out / n).exists()})
    received = []
    with handled_signals(lambda signum, frame: received.append(signum)):
        save_text(json.dumps(listed, indent=0) + "\n", out / MANIFEST, files)
        for path, tmp in files.items():
            os.replace(tmp, path)
        for name in stale:
            with contextlib.suppress(OSError):
                (out / name).unlink()
    if received:
        raise Interrupted(received[0], written=True)


@contextlib.contextmanager
def output_folder(path, names, force=False, name="--out"):
    """Check, create and lock the output folder; yield it and a dict for staged files, which
    replace the earlier run's if the block ends normally. A file of `names` that the manifest
    does not list is the user's: refused unless `force`."""
    out = Path(path)
    check_out(out, name)
    created = [p for p in [out, *out.parents] if not p.exists()]  # deepest first
    files = {}  # final path -> temporary path
    try:
        try:
            out.mkdir(parents=True, exist_ok=True)
            tempfile.TemporaryFile(dir=out).close()  # can we write here?
        except OSError as err:
            raise UsageError(f"{name} {out}: cannot create a file there ({err.strerror})") from None
        with locked(out):
            clear_leftovers(out, {*names, MANIFEST})
            ours = read_manifest(out)
            # A manifest that is not one (the user's own file of that name) is theirs too.
            theirs = [n for n in (*names, MANIFEST) if n not in ours and os.path.lexists(out / n)
                      and not (n == MANIFEST and ours)]
            if theirs and not force:
                raise UsageError(f"{name} {out}: {', '.join(theirs)} already there and not "
                                 "written by sine-gan; choose another folder, or add --force "
                                 "to overwrite")
            yield out, files
            if RAISED:  # a signal that library code swallowed: the run did not finish
                raise Interrupted(RAISED[-1])
            if files:
                commit(out, names, files)
    finally:
        for tmp in files.values():
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # rmdir() fails at the first folder with files
            for folder in created:
                folder.rmdir()
