"""The command line: `python sine_gan.py`, its options, messages and exit codes.

The arguments are checked before TensorFlow, Keras or Matplotlib is
imported, so that `--help` and a mistake answer at once. Whatever happens
after that, a run ends in one line and a documented exit code, never in a
traceback: see docs/command-line.md.
"""

import argparse
import contextlib
import os
import sys
import time

from beyond_the_slides.runs import (
    DEFAULT_SEED,
    TRAINING_FILES,
    VARIANTS,
    BackendError,
    train,
    versions,
)
from beyond_the_slides.safe_files import OutputError, UsageError, output_folder
from beyond_the_slides.saved_generator import GENERATE_FILES, generate_and_write
from beyond_the_slides.signals import (
    STOP_SIGNALS,
    handled_signals,
    raise_interrupted,
    signal_behind,
)
from sine_gan import EPOCHS, PRETRAIN_EPOCHS

DEFAULT_OUT = "outputs"
# Exit codes (docs/command-line.md); a signal gives 128 + its number.
EXIT_USAGE, EXIT_WRITE, EXIT_BACKEND = 2, 3, 4
EXIT_BROKEN_PIPE = 128 + 13  # as a shell reports a process killed by SIGPIPE


def whole_number(minimum, maximum):
    """An argparse type: a whole number from `minimum` to `maximum`."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(
                f"must be between {minimum} and {maximum}, got {value}")
        return value

    return parse


def folder_name(text):
    """An argparse type: a folder path, not empty."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must name a folder, got an empty string")
    return text


def parse_args(argv):
    """The command line; argparse reports mistakes itself, with exit code 2."""
    parser = argparse.ArgumentParser(
        prog="sine_gan.py",
        description="Train the slides' GAN that draws sinusoids, or draw curves "
        "with a generator trained before.",
        epilog="Exit codes: 0 done, 1 training diverged, 2 usage or bad input, "
        "3 an output could not be written, 4 TensorFlow could not be loaded, "
        "129 a closed terminal (SIGHUP), 130 Ctrl-C, 143 SIGTERM.",
    )
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="slides",
                        help="slides: the deck's GAN (default); improved: the same GAN with "
                        "fixes for the trembling hand and the narrow frequency range; wgan: the "
                        "slides' networks trained as a Wasserstein GAN")
    parser.add_argument("--epochs", type=whole_number(0, 100_000), default=EPOCHS,
                        help=f"GAN training epochs; 0 means pretraining only (default {EPOCHS})")
    parser.add_argument("--pretrain-epochs", type=whole_number(0, 100_000),
                        default=PRETRAIN_EPOCHS,
                        help=f"discriminator pretraining epochs (default {PRETRAIN_EPOCHS})")
    parser.add_argument("--seed", type=whole_number(0, 2**32 - 1), default=DEFAULT_SEED,
                        help="random seed; the same seed gives the same run "
                        f"(default {DEFAULT_SEED})")
    parser.add_argument("--out", type=folder_name, default=DEFAULT_OUT,
                        help=f"folder for figures, tables and models (default {DEFAULT_OUT}/)")
    parser.add_argument("--force", action="store_true",
                        help="overwrite files in --out that sine-gan did not write")
    parser.add_argument("--show", action="store_true",
                        help="also open the figures in a window, as the slides' plt.show()")
    parser.add_argument("--generate", type=whole_number(1, 1_000_000), metavar="N",
                        help="no training: draw N curves with the generator given by --model")
    parser.add_argument("--model", metavar="PATH",
                        help="a generator saved by an earlier run, e.g. outputs/generator.keras")
    args = parser.parse_args(argv)
    if args.generate is not None and args.model is None:
        parser.error("--generate needs --model PATH")
    if args.model is not None and args.generate is None:
        parser.error("--model is only used with --generate N")
    return args


def choose_backend(show, script):
    """Decide whether the figures go to windows too, and pick Matplotlib's backend.

    Windows only for `--show` with a display. Run as a script (`script`),
    Matplotlib draws with Agg unless windows are wanted; called from Python
    (a notebook, say), the caller's backend is left as it is.
    """
    import matplotlib

    no_display = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if show and no_display:
        print("warning: --show needs a display and none was found; the figures are "
              "saved as PNG files only", file=sys.stderr)
    if script and (not show or no_display):
        matplotlib.use("Agg")
    return show and not no_display


@contextlib.contextmanager
def own_figures():
    """Within: the figures made are this run's. On the way out those are
    closed, and the caller's figures are left open."""
    def open_figures():
        pyplot = sys.modules.get("matplotlib.pyplot")
        return set(pyplot.get_fignums()) if pyplot else set()

    before = open_figures()
    try:
        yield
    finally:
        for number in open_figures() - before:
            sys.modules["matplotlib.pyplot"].close(number)


@contextlib.contextmanager
def tolerant_output():
    """Within: stdout and stderr replace what their encoding cannot show (R², say).

    An ASCII console then prints "R?" instead of stopping the run.
    """
    changed = []
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
            changed.append(stream)
    try:
        yield
    finally:
        for stream in changed:
            with contextlib.suppress(OSError, ValueError):
                stream.reconfigure(errors="strict")


def exit_code_for(err):
    """The exit code for an exception that ended a run, after saying why in one line.

    None if it is not one that a run expects: a bug, to be reported in full.
    """
    signum = signal_behind(err)
    if signum is not None:
        print(f"{STOP_SIGNALS.get(signum, 'Interrupted')}: stopped before the run could "
              "finish; every file written is complete.", file=sys.stderr)
        return 128 + signum
    codes = {UsageError: EXIT_USAGE, OutputError: EXIT_WRITE, BackendError: EXIT_BACKEND}
    if type(err) not in codes:
        return None
    print(f"sine_gan.py: error: {err}", file=sys.stderr)
    return codes[type(err)]


def main(argv=None, script=False):
    """Run the slides from start to end, or `--generate`. Returns the exit code.

    Safe to call from a notebook or a script, more than once: usage errors
    are returned, not raised, and the caller's figures, Matplotlib backend
    and signal handlers are as they were afterwards.
    """
    with tolerant_output(), own_figures():
        try:
            args = parse_args(argv)
        except SystemExit as stop:  # argparse has printed the help, or the mistake
            return stop.code
        return run_main(args, script)


def run_main(args, script):
    """`main()` once the arguments are good: the run, its outputs and its last lines."""
    start = time.perf_counter()
    names = GENERATE_FILES if args.generate is not None else TRAINING_FILES
    try:
        with handled_signals(raise_interrupted):
            show = choose_backend(args.show, script)
            with output_folder(args.out, names, args.force) as (out, written):
                # The variant shapes training only; --generate takes the model as it is.
                variant = "" if args.generate is not None else f"variant {args.variant}, "
                print(f"sine-gan: {variant}seed {args.seed}, outputs in "
                      f"{os.path.abspath(out)}{os.sep}")
                print("versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()),
                      flush=True)
                if args.generate is not None:
                    code = generate_and_write(out, written, args.model, args.generate, args.seed)
                else:
                    code = train(out, written, args.variant, args.seed, args.epochs,
                                 args.pretrain_epochs)
    except BaseException as err:
        code = exit_code_for(err)
        if code is None:
            raise
        return code
    print(f"Done in {time.perf_counter() - start:.1f} s. Files written:")
    for path in written:
        print(f"  {path}")
    if show:
        import matplotlib.pyplot as plt

        plt.show()
    return code


def run_command_line():
    """`main()` as a script: a reader that closes the pipe early ends it quietly."""
    try:
        code = main(script=True)
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would complain again while flushing stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_BROKEN_PIPE
    sys.exit(code)
