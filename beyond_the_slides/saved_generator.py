"""`--generate N --model PATH`: curves from a saved generator, checked before Keras reads it."""

import csv
import stat
import zipfile
from pathlib import Path

import numpy as np

from beyond_the_slides.figures import plot_generated
from beyond_the_slides.safe_files import UsageError, first_sentences, save_figure, staged
from beyond_the_slides.score import describe_report, r2_summary, sine_fit
from sine_gan import SAMPLE_LEN, X_COORDS, generate

GENERATE_FILES = ("generated.csv", "generated.png")
GENERATE_CHUNK = 10_000  # curves generated, checked and written at a time
GENERATE_SCORED = 10_000  # at most this many generated curves are scored

# A --model archive is refused from what its zip entries declare, before it is
# read. A generator of this project is about 0.5 MB, stored almost uncompressed.
MODEL_ENTRIES_MAX = 64
MODEL_ENTRY_MAX_BYTES = 32 * 2**20
MODEL_TOTAL_MAX_BYTES = 64 * 2**20
MODEL_RATIO_MAX = 100  # uncompressed over compressed size, for entries over 1 MiB


def load_generator(path):
    """Load a saved generator in safe mode, or say in one line what is wrong."""
    path = Path(path)
    if not path.exists():
        what = "a broken symbolic link" if path.is_symlink() else "no such file"
        raise UsageError(f"--model {path}: {what}")
    if not stat.S_ISREG(path.stat().st_mode) or path.suffix != ".keras":
        raise UsageError(f"--model {path}: not a .keras model file")
    check_archive_sizes(path)
    import keras

    try:
        # safe_mode refuses model files that would run code when loaded.
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
        output = model.predict_on_batch(np.zeros((2, SAMPLE_LEN), dtype="float32"))
    except Exception as err:  # Keras raises many kinds; all mean "unusable"
        reason = first_sentences(str(err)) or type(err).__name__
        raise UsageError(f"--model {path}: cannot be used ({reason})") from None
    if not (isinstance(output, np.ndarray) and output.shape == (2, SAMPLE_LEN)
            and np.issubdtype(output.dtype, np.floating)):
        got = output.shape if isinstance(output, np.ndarray) else type(output).__name__
        raise UsageError(f"--model {path}: not a generator with {SAMPLE_LEN} inputs and "
                         f"{SAMPLE_LEN} float outputs (it gives {got})")
    return model


def check_archive_sizes(path):
    """Refuse implausible declared sizes: Python's zip reader never returns more than an
    entry declares, so this bounds what loading can take."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise UsageError(f"--model {path}: corrupt ({err})") from None
    if len(entries) > MODEL_ENTRIES_MAX:
        raise UsageError(f"--model {path}: {len(entries):,} entries, more than a model of "
                         f"this project ({MODEL_ENTRIES_MAX} at most)")
    total = 0
    for entry in entries:
        total += entry.file_size
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > MODEL_ENTRY_MAX_BYTES or total > MODEL_TOTAL_MAX_BYTES:
            raise UsageError(f"--model {path}: entry {entry.filename} declares "
                             f"{entry.file_size:,} bytes, far more than a model of this project")
        if entry.file_size > 2**20 and ratio > MODEL_RATIO_MAX:
            raise UsageError(f"--model {path}: entry {entry.filename} expands {ratio:,.0f} "
                             "times, which no model of this project does")


def generate_to_csv(generator, count, seed, csv_path, files, model_path):
    """Stage `count` curves as CSV, a chunk at a time; returns the first 16 (the figure) and
    at most `GENERATE_SCORED` picked at random (the score)."""
    rng = np.random.default_rng(seed)
    scored_rows = np.sort(np.random.default_rng([seed, 2]).choice(
        count, min(count, GENERATE_SCORED), replace=False))
    first, scored = [], []
    with staged(csv_path, files) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerow([f"{x:.6g}" for x in X_COORDS])
        for start in range(0, count, GENERATE_CHUNK):
            size = min(GENERATE_CHUNK, count - start)
            curves = generate(generator, size, rng=rng)
            if not np.all(np.isfinite(curves)):
                raise UsageError(f"--model {model_path}: the generator gave NaN or infinite values "
                                 f"(in curves {start + 1:,} to {start + size:,}); nothing written")
            np.savetxt(f, curves, fmt="%.6g", delimiter=",")
            first.extend(curves[:16 - len(first)])
            picked = scored_rows[(scored_rows >= start) & (scored_rows < start + size)]
            scored.append(curves[picked - start])
            if count > 10 * GENERATE_CHUNK and (start + size) % (10 * GENERATE_CHUNK) == 0:
                print(f"  {start + size:,} of {count:,} curves written", flush=True)
    return np.array(first), np.concatenate(scored)


def generate_and_write(out, files, model, count, seed):
    """`--generate N`: curves from a saved generator, as CSV and PNG, and their score."""
    generator = load_generator(model)
    first, scored = generate_to_csv(generator, count, seed, out / "generated.csv", files, model)
    save_figure(plot_generated(first), out / "generated.png", files)
    subset = "" if len(scored) == count else f"a random {len(scored):,} of the "
    print(f"Score of {subset}" + describe_report(r2_summary(sine_fit(scored)["r2"]), count))

