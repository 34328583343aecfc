"""`python sine_gan.py`: its options, messages and exit codes (docs/command-line.md)."""

import argparse
import contextlib
import io
import os
import signal
import sys
import time
from pathlib import Path

from beyond_the_slides import safe_files, signals
from beyond_the_slides.experiment import DEFAULT_SEED, VARIANTS
from beyond_the_slides.saved_generator import GENERATE_FILES, generate_and_write
from beyond_the_slides.saved_run import TRAINING_FILES, BackendError, train, versions
from sine_gan import EPOCHS, PRETRAIN_EPOCHS

DEFAULT_OUT = "outputs"
EXIT_OK, EXIT_DIVERGED, EXIT_USAGE, EXIT_WRITE, EXIT_BACKEND = range(5)
EXIT_BROKEN_PIPE = signals.exit_code(13)  # as a shell reports a process killed by SIGPIPE
EXIT_CODES = {  # every exit code, as --help and docs/command-line.md list them
    EXIT_OK: "done", EXIT_DIVERGED: "training diverged", EXIT_USAGE: "usage or bad input",
    EXIT_WRITE: "an output (a file, or standard output) could not be written",
    EXIT_BACKEND: "Keras's backend (TensorFlow by default) could not be loaded",
    129: "a closed terminal (SIGHUP)", 130: "Ctrl-C",
    EXIT_BROKEN_PIPE: "the reader of the output went away", 143: "SIGTERM"}
ERROR_CODES = {safe_files.UsageError: EXIT_USAGE, safe_files.OutputError: EXIT_WRITE,
               BackendError: EXIT_BACKEND}


def whole_number(minimum, maximum):
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


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="sine_gan.py", description="Train the slides' GAN that draws sinusoids, or draw "
        "curves with a generator trained before.",
        epilog="Exit codes: " + ", ".join(f"{c} {why}" for c, why in EXIT_CODES.items()) + ".")
    add = parser.add_argument
    add("--variant", choices=sorted(VARIANTS), default="slides",
        help="slides: the deck's GAN (default); improved: the same GAN with fixes for the "
        "trembling hand and the narrow frequency range; wgan: the slides' networks trained as "
        "a Wasserstein GAN; converging: the slides' networks and loss, made to converge")
    add("--epochs", type=whole_number(0, 100_000), default=EPOCHS,
        help=f"GAN training epochs; 0 means pretraining only (default {EPOCHS})")
    add("--pretrain-epochs", type=whole_number(0, 100_000), default=PRETRAIN_EPOCHS,
        help=f"discriminator pretraining epochs (default {PRETRAIN_EPOCHS})")
    add("--seed", type=whole_number(0, 2**32 - 1), default=DEFAULT_SEED,
        help=f"random seed; the same seed gives the same run (default {DEFAULT_SEED})")
    add("--out", help=f"folder for figures, tables and models (default "
        f"{DEFAULT_OUT}/); with --generate, for its curves (default: generated/ in the model's "
        "folder, beside the run that saved it, never over it)")
    add("--force", action="store_true", help="overwrite files in --out that sine-gan did not write")
    add("--show", action="store_true",
        help="also open the figures in a window, as the slides' plt.show()")
    add("--generate", type=whole_number(1, 1_000_000), metavar="N",
        help="no training: draw N curves with the generator given by --model")
    add("--model", metavar="PATH",
        help="a generator saved by an earlier run, e.g. outputs/generator.keras")
    args = parser.parse_args(argv)
    if args.out is not None and not args.out.strip():
        parser.error("--out must name a folder, got an empty string")
    if args.generate is not None and args.model is None:
        parser.error("--generate needs --model PATH")
    if args.model is not None and args.generate is None:
        parser.error("--model is only used with --generate N")
    return args


def choose_backend(show, script):
    """Whether the figures go to windows too; a script draws with Agg otherwise."""
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
    """Within: the figures made are the run's, closed on the way out; the caller's stay."""
    def numbers():  # pyplot only if loaded: a usage error loads nothing
        return set(sys.modules["matplotlib.pyplot"].get_fignums()
                   if "matplotlib.pyplot" in sys.modules else [])

    before = numbers()
    try:
        yield
    finally:
        for number in numbers() - before:
            sys.modules["matplotlib.pyplot"].close(number)


class Output(io.TextIOBase):
    """Standard output or error that cannot cost the run its files: a stream that cannot be
    written is given up on (`failed` says why); a reader that closed the pipe stops the run."""

    def __init__(self, stream):
        self.stream, self.failed = stream, None if stream is not None else "it is closed"

    def write(self, text):
        encoding = getattr(self.stream, "encoding", None) or "utf-8"
        self.attempt(lambda: self.stream.write(text.encode(encoding, "replace").decode(encoding)))
        return len(text)

    def flush(self):
        self.attempt(lambda: self.stream.flush())

    def attempt(self, action):
        if self.failed is not None:
            return
        try:
            action()
        except BrokenPipeError:
            raise
        except (OSError, ValueError) as err:
            self.failed = getattr(err, "strerror", None) or str(err)
            if self.stream in (sys.__stdout__, sys.__stderr__):
                # Else Python's own flush at exit fails again, with a traceback.
                with contextlib.suppress(OSError, ValueError):
                    os.dup2(os.open(os.devnull, os.O_WRONLY), self.stream.fileno())


def exit_code_for(err):
    """Say in one line why `err` ended the run, and return its exit code; None for a bug."""
    signum = signals.signal_behind(err)
    if signum is not None:
        what = signals.ALL_WRITTEN if getattr(err, "written", False) else signals.NOTHING_KEPT
        print(f"{signals.STOP_SIGNALS[signum]}: {what}", file=sys.stderr)
        return signals.exit_code(signum)
    if type(err) in ERROR_CODES:
        print(f"sine_gan.py: error: {err}", file=sys.stderr)
    return ERROR_CODES.get(type(err))


def main(argv=None, script=False):
    """Run the slides, or `--generate`; returns the exit code. The caller's figures, backend
    and handlers stay as they were; only a script reads the process's arguments."""
    if argv is None:
        argv = sys.argv[1:] if script else []
    with own_figures(), contextlib.redirect_stdout(Output(sys.stdout)) as stdout, \
            contextlib.redirect_stderr(Output(sys.stderr)):
        if not (isinstance(argv, (list, tuple)) and all(isinstance(a, str) for a in argv)):
            print("sine_gan.py: error: the arguments must be a list of strings, such as "
                  f"[\"--epochs\", \"8\"]; got {argv!r}", file=sys.stderr)
            return EXIT_USAGE
        try:
            args = parse_args(argv)
        except SystemExit as stop:  # argparse has printed the help, or the mistake
            return stop.code
        code = run_main(args, script)
        stdout.flush()
        if stdout.failed and code == EXIT_OK:
            print(f"sine_gan.py: error: standard output could not be written ({stdout.failed}); "
                  "the run's files are all written", file=sys.stderr)
            code = EXIT_WRITE
        return code


def run_main(args, script):
    start = time.perf_counter()
    generating = args.generate is not None
    out = Path(args.out or (Path(args.model).parent / "generated" if generating else DEFAULT_OUT))
    signals.RAISED.clear()
    try:
        with signals.handled_signals(signals.raise_interrupted), safe_files.output_folder(
                out, GENERATE_FILES if generating else TRAINING_FILES, args.force,
                "--out" if args.out else "the output folder") as (_, files):
            show = choose_backend(args.show, script)
            variant = "" if generating else f"variant {args.variant}, "  # --generate has none
            print(f"sine-gan: {variant}seed {args.seed}, outputs in {os.path.abspath(out)}"
                  f"{os.sep}", flush=True)
            print("versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()), flush=True)
            if generating:
                generate_and_write(out, files, args.model, args.generate, args.seed)
                code = EXIT_OK
            else:
                stopped_by, diverged = train(out, files, args.variant, args.seed, args.epochs,
                                             args.pretrain_epochs)
                code = (signals.exit_code(stopped_by) if stopped_by
                        else EXIT_DIVERGED if diverged else EXIT_OK)
    except BaseException as err:
        code = exit_code_for(err)
        if code is None:
            raise
        return code
    if script:  # from here to the end, a signal must not say that nothing was written
        for signum in filter(signals.handling, signals.STOP_SIGNALS):
            signal.signal(signum, signals.files_written)
    print(f"Done in {time.perf_counter() - start:.1f} s. Files written:")
    print("".join(f"  {path}\n" for path in files if path.name != safe_files.MANIFEST),
          end="", flush=True)
    if show:
        import matplotlib.pyplot as plt

        plt.show()
    return code


def run_command_line():
    """`main()` as a script: a reader that closes the pipe early ends it quietly."""
    try:
        code = main(script=True)
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        # Python would complain again while flushing stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_BROKEN_PIPE
    sys.exit(code)
