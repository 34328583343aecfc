"""Make `sine_gan.ipynb` from `sine_gan.py`, so that the two never drift apart.

    python tools/make_notebook.py           # write sine_gan.ipynb
    python tools/make_notebook.py --check   # exit 1 if sine_gan.ipynb is not up to date

The notebook walks `sine_gan.py`, the deck, one section per slide and in the
same order. The plan ("Passi necessari") comes first, as in the deck. Each
section holds its text (Markdown); each code slide of it, under its own
title (the first words of its functions' docstrings), holds the code of its
functions and constants, then the statements of `run_slides()` that call
them, so that every table and figure appears under the code that made it.
`run_slides()` itself and `main()` are left out: the cells are the steps.

The notebook needs nothing beside it: a set-up cell carries the text of
`sine_gan.py` and of the modules of `beyond_the_slides/`, and loads them as
modules, from which the cells import what the deck does not show. It is
written without outputs and with fixed cell ids, so that the same sources
always give the same bytes.
"""

import argparse
import ast
import builtins
import re
import sys
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "sine_gan.py"
NOTEBOOK = ROOT / "sine_gan.ipynb"
PACKAGE = ROOT / "beyond_the_slides"
# The modules the notebook carries, in an order in which each one's imports come first.
CARRIED = ["sine_gan.py", *(f"beyond_the_slides/{name}.py" for name in (
    "__init__", "signals", "safe_files", "score", "monitor", "figures", "improved", "wgan",
    "experiment", "saved_run", "saved_generator", "command_line"))]
LEFT_OUT = {"run_slides", "main"}  # the steps' cells do their work; main() is the script's
PLAN = "Passi necessari"
GIST = "https://gist.github.com/pcaressa/be67ff30dfd9ca4959de9458944c1f29"

INTRO = f"""\
# Imparare a generare: a GAN that draws sinusoids

From the slides **"Imparare a generare: introduzione alle GAN"** by Paolo
Caressa, PhD; the slides' own code is [this gist]({GIST}).

A generator learns to turn 64 random numbers into a sinusoid by trying to fool
a discriminator, which learns to tell real sinusoids from its fakes. This
notebook runs the slides' code slide by slide, each section under the slide's
title, with the table or figure that the slide shows.

**How to run it:** *Run all* (or Shift+Enter, cell after cell), from the top:
about a minute on two CPU cores. It needs no other file, and writes none.

*Language:* the slides' titles, their names in the code, and what the
program prints and draws are in Italian, as in the slides; the explanations
are in English."""

SETUP = """\
## Setting up

The first cell checks that Keras is recent enough: older versions print other
numbers in the tables (running means instead of each step's value). On Colab
it installs the right one. The second cell carries the rest of the project
(the score, the training monitor, the two variants) and loads it: you need
not read it. The third picks the seed: the same seed as
`python sine_gan.py --seed N` gives the same tables."""

KERAS_CHECK = """\
import importlib.metadata
import re
import subprocess
import sys

# The Keras of the project's requirements.txt (3.12 is the last line for Python 3.10).
NEEDED, SPEC = ((3, 13, 2), "keras>=3.13.2,<4") if sys.version_info >= (3, 11) else (
    (3, 12, 4), "keras>=3.12.4,<3.13")


class SetupError(Exception):
    def _render_traceback_(self):  # Jupyter shows this one line instead of a traceback
        return [f"Set-up stopped: {self}"]


def keras_version():
    try:
        return tuple(int(n) for n in re.findall(r"\\d+", importlib.metadata.version("keras"))[:3])
    except importlib.metadata.PackageNotFoundError:
        return None


if (keras_version() or (0,)) < NEEDED and "google.colab" in sys.modules:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", SPEC])
version = keras_version()
if (version or (0,)) < NEEDED:
    found = ".".join(map(str, version)) if version else "no Keras"
    raise SetupError(f"this notebook needs {SPEC} (found {found}): "
                     f'run  pip install "{SPEC}"  and restart the kernel.')
if "keras" in sys.modules and sys.modules["keras"].__version__ != importlib.metadata.version(
        "keras"):
    raise SetupError("Keras was updated after it was imported: restart the kernel "
                     "(Runtime > Restart session on Colab) and run the notebook again.")
print(f"Keras {importlib.metadata.version('keras')}: fine.")"""

CARRY = '''\
#@title The project's other code (run it; no need to read it)
# tools/make_notebook.py copies these files of the repository here, so that
# the notebook needs nothing beside it: sine_gan.py (the deck, as a module)
# and beyond_the_slides/ (the score, the monitor, the variants, ...). This
# cell loads them as modules, as `import` would load the files.
import linecache
import types

SOURCES = {
SOURCES}


def carry(sources):
    for path, source in sources.items():
        name = path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        module = types.ModuleType(name)
        module.__file__ = path
        if path.endswith("__init__.py"):
            module.__path__ = []
        linecache.cache[path] = (len(source), None, source.splitlines(True), path)
        sys.modules[name] = module
        exec(compile(source, path, "exec"), module.__dict__)
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, module)


carry(SOURCES)
print("Loaded: " + ", ".join(path for path in SOURCES))'''

SETTINGS = """\
SEED = 1  # python sine_gan.py's default: the same tables, number for number
rng = scoring_rng(SEED)  # seeds everything; the scoring's own random draws come from rng
monitor, trained = None, 0  # no training yet"""

COLUMNS = """\
### Reading the table

The slides' three columns come first: the epoch (from `000`, as in the slides),
then the accuracies of the last step of the epoch. *accuratezza discrimin.*
is the share of its 128 curves (64 real, 64 generated) that the
discriminator labels right. *accuratezza generatore* is the share of the 64
generated curves that the discriminator takes for real: it moves in steps of
1/64 and stays near 0 (below about 0.2) for the whole run. That is normal
here: the discriminator wins almost every step, and the generator learns from
how much it loses, not from how often it wins. So neither column says whether
the GAN works.

The next three are the monitor's, not the slides'. *R² mediano* says it: each
of 256 fixed noise curves goes through the generator, the best sinusoid
through each result is fitted, and R² measures the fit (1: a perfect
sinusoid; about 0.1: noise). The column is the median over the 256. *tempo*
is the time since the first step (on which Keras compiles the step), and
*residuo* the time the remaining steps will take at the pace so far.

To save space the table shows epochs 000 to 004, then every eighth, then the
last, as the slides print "..."; `history.csv` of `python sine_gan.py` has
them all. Running the cell again trains the same networks further and says
so; to start afresh, run again from the seed cell."""

TRAIN_PRELUDE = """\
if monitor is None:
    monitor = new_monitor(rng, EPOCHS)
else:  # this cell ran before: the networks go on from where they are, watched afresh
    trained += len(monitor.history)
    print(f"These networks have trained {trained} epochs already and go on from there; "
          "the table counts from 000 again.")
    monitor = TrainingMonitor(monitor.probe, EPOCHS)"""

AFTER = """\
## Beyond the slides: how good are the curves?

The slides judge the result by eye. Here is the same run in numbers. First,
the history of the table's columns, epoch by epoch: the accuracies say
little, while R² climbs from below 0.5 to above 0.9 and stays there."""

HISTORY_CODE = """\
figures["training_history.png"] = plot_history(monitor.history)"""

SCORE = """\
Then 1,000 fresh curves are scored against 1,000 real ones. The histogram
shows which frequencies `b` the generator draws: the slides' GAN covers only
part of the training set's range, 0.5 to 2."""

SCORE_CODE = """\
report, fits = final_report(generator, X_TRAIN, rng)
print(explain_report(report, EVAL_SIZE))
figures["frequencies.png"] = plot_frequencies(*fits, report["frequency_w1"])"""

COVERAGE = """\
Each curve is also a point: the frequency and the phase of its best-fitting
sinusoid. Real curves fill the rectangle of the dataset's law; a generator
that collapses fills only part of it."""

COVERAGE_CODE = """\
figures["coverage.png"] = plot_coverage(*fits)"""

VARIANTS = """\
## Beyond the slides: the two variants

The improved variant fixes the trembling hand and most of the narrow range of
frequencies; the Wasserstein variant, the next lecture, trains the slides'
networks with a critic that scores the whole distribution. The cell below
trains one in memory (about 30 seconds for 64 epochs; fewer epochs are
quicker), prints its score and shows its figures. It writes no file."""

VARIANTS_CODE = """\
VARIANT = "wgan"  # or "improved", or "slides"
variant_figures = try_variant(VARIANT, seed=SEED, epochs=EPOCHS)"""

CLOSING = """\
## Further

- Which of the deck's claims hold, measured over ten seeds:
  [docs/claims.md](docs/claims.md), in the project's repository.
- The numbers over seeds, the classifier test and the variants in depth:
  [docs/results.md](docs/results.md) and [docs/variants.md](docs/variants.md).
- `python sine_gan.py --help`: the same run from the command line, with its
  files written to `outputs/`.

*For maintainers: this notebook is made from `sine_gan.py` and
`beyond_the_slides/` by `tools/make_notebook.py`; change those files, then run
`python tools/make_notebook.py`, rather than editing the notebook.*"""


def docstring_title(node):
    """The slide title that opens a function's docstring ("Generazione del dataset -- ...")."""
    doc = ast.get_docstring(node) or ""
    return doc.split(" -- ")[0].strip() if " -- " in doc.splitlines()[0] else None


def sections(source):
    """The deck's sections: (Markdown text, [(code slide title, code, names defined)]).

    A section runs from its docstring to the next one, or to the end of the
    file. Its code is split at each function whose docstring opens with a new
    slide title; code before a function (constants) goes with it. The
    functions of `LEFT_OUT` are left out.
    """
    tree = ast.parse(source)
    lines = source.splitlines()
    docstrings = [node for node in tree.body[1:] if isinstance(node, ast.Expr)
                  and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)]
    found = []
    for doc, following in zip(docstrings, [*docstrings[1:], None]):
        end = following.lineno - 1 if following else len(lines)
        slides, start, pending = [], doc.end_lineno + 1, ([], set())
        functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)
                     and doc.end_lineno < node.lineno <= end and node.name not in LEFT_OUT]
        for node in functions:
            # A function without a slide title of its own goes with the next one's.
            pending[0].append("\n".join(lines[start - 1:node.end_lineno]))
            pending[1].add(node.name)
            start = node.end_lineno + 1
            title = docstring_title(node)
            if title and (not slides or slides[-1][0] != title):
                slides.append([title, [], set()])
            if title or node is functions[-1]:
                slides[-1][1].extend(pending[0])
                slides[-1][2].update(pending[1])
                pending = ([], set())
        found.append((doc.value.value.strip(),
                      [(title, "\n".join(code).strip(), names) for title, code, names in slides]))
    return found


def run_slides_steps(source):
    """The statements of `run_slides()`, with the comments above them, and the names they call.

    The notebook's cells use the constants themselves: `epochs` and
    `pretrain_epochs` become `EPOCHS` and `PRETRAIN_EPOCHS`.
    """
    tree = ast.parse(source)
    lines = source.splitlines()
    function = next(node for node in tree.body
                    if isinstance(node, ast.FunctionDef) and node.name == "run_slides")
    body = function.body[1:]  # after the docstring
    steps = []
    for previous, node in zip([function.body[0], *body], body):
        if isinstance(node, ast.Return):
            break
        text = textwrap.dedent("\n".join(lines[previous.end_lineno:node.end_lineno]))
        text = re.sub(r"\bpretrain_epochs\b", "PRETRAIN_EPOCHS", text)
        text = re.sub(r"\bepochs\b", "EPOCHS", text)
        calls = [call.func.id for call in ast.walk(node)
                 if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)]
        steps.append((text.strip(), calls))
    return steps


def package_names():
    """Each top-level name of the modules of `beyond_the_slides/`, with its module."""
    names = {}
    for path in sorted(PACKAGE.glob("[!_]*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names[node.name] = path.stem
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            names.setdefault(name.id, path.stem)
    return names


def needed_imports(source, cells):
    """The deck's own import lines that the cells use, and the names they take from the modules."""
    tree = ast.parse(source)
    nodes = list(ast.walk(ast.parse("\n".join(cells))))
    used = {node.id for node in nodes if isinstance(node, ast.Name)}
    bound = {node.id for node in nodes
             if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    bound |= {node.name for node in nodes if isinstance(node, ast.FunctionDef)}
    bound |= {node.arg for node in nodes if isinstance(node, ast.arg)}
    bound |= {(alias.asname or alias.name).split(".")[0] for node in nodes
              if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
    imports, imported = [], set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = {(alias.asname or alias.name).split(".")[0] for alias in node.names}
            if names & used:
                imports.append(ast.get_source_segment(source, node))
                imported |= names
    beside = package_names()
    free = sorted(used - bound - imported - set(dir(builtins)))
    missing = [name for name in free if name not in beside]
    if missing:
        raise SystemExit(f"the notebook uses names that nothing defines: {missing}")
    modules = {}
    for name in free:
        modules.setdefault(beside[name], []).append(name)
    return imports, modules


def carried_sources(sources):
    """The set-up cell that carries `sources` ({path: text}) and loads them as modules."""
    entries = []
    for path, text in sources.items():
        if "'''" in text or text.endswith("\\"):
            raise SystemExit(f"{path} cannot be carried as a raw string")
        entries.append(f"    {path!r}: r'''{text}''',\n")
    return CARRY.replace("SOURCES}", "".join(entries) + "}", 1)


def deck_cells(source, found):
    """The cells of the deck's sections `found`, after the plan: (kind, text, tag)."""
    steps = run_slides_steps(source)
    cells = []
    for text, slides in found:
        if text.startswith(f"## {PLAN}") or not slides:
            continue
        cells.append(("markdown", text, None))
        for title, code, names in slides:
            if not text.startswith(f"## {title}\n"):  # a code slide of its own title
                cells.append(("markdown", f"### {title}", None))
            cells.append(("code", re.sub(r"\n{4,}", "\n\n\n", code), None))
            own = [step for step, calls in steps if calls and calls[0] in names]
            if "train_gan" in names:
                cells.append(("markdown", COLUMNS, None))
                own = [short_table_cell("\n".join(own), TRAIN_PRELUDE)]
            elif "pretrain_discriminator" in names:
                own = [short_table_cell("\n".join(own))]
            if own:
                cells.append(("code", "\n".join(own), None))
    return cells


def short_table_cell(step, prelude=None):
    """A step of `run_slides()` that prints a table, as a cell that prints it short.

    Its comment comes first, then `prelude` (the training cell's, which lets
    it run again), then the step's code within `short_tables()`.
    """
    lines = step.splitlines()
    comments = [line for line in lines if line.startswith("#")]
    code = "\n".join(line for line in lines if not line.startswith("#"))
    return "\n".join([*comments, *([prelude] if prelude else []), "with short_tables():",
                      textwrap.indent(code, "    ")])


def build(source, sources):
    """The notebook, as text, for the deck's source and the sources it carries."""
    found = sections(source)
    plan = next(text for text, _ in found if text.startswith(f"## {PLAN}"))
    cells = [("markdown", INTRO, None), ("markdown", plan, None),
             ("markdown", SETUP, None), ("code", KERAS_CHECK, "setup"),
             ("code", carried_sources(sources), "carried")]
    body = deck_cells(source, found) + [
        ("markdown", AFTER, None), ("code", HISTORY_CODE, None),
        ("markdown", SCORE, None), ("code", SCORE_CODE, None),
        ("markdown", COVERAGE, None), ("code", COVERAGE_CODE, None),
        ("markdown", VARIANTS, None), ("code", VARIANTS_CODE, None),
        ("markdown", CLOSING, None)]
    imports, modules = needed_imports(
        source, [SETTINGS] + [text for kind, text, _ in body if kind == "code"])
    imports.append("")
    for module, names in sorted(modules.items()):
        line = f"from beyond_the_slides.{module} import {', '.join(names)}"
        if len(line) > 88:
            line = (f"from beyond_the_slides.{module} import (\n"
                    + textwrap.fill(", ".join(names), 84, initial_indent="    ",
                                    subsequent_indent="    ") + ",\n)")
        imports.append(line)
    cells += [("code", "\n".join(imports) + "\n\n" + SETTINGS, "parameters"), *body]
    notebook = new_notebook(metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "colab": {"provenance": []},
    })
    for i, (kind, text, tag) in enumerate(cells):
        cell = (new_code_cell if kind == "code" else new_markdown_cell)(text)
        cell.id = f"cell-{i:02d}"
        if tag:
            cell.metadata["tags"] = [tag]
        if tag == "carried":  # folded away in Jupyter and Colab
            cell.metadata["jupyter"] = {"source_hidden": True}
            cell.metadata["cellView"] = "form"
        notebook.cells.append(cell)
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def read_sources(root=ROOT):
    """The text of each carried file, by its path in the repository."""
    return {path: (root / path).read_text(encoding="utf-8") for path in CARRIED}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if sine_gan.ipynb differs from a fresh one")
    args = parser.parse_args(argv)
    text = build(SCRIPT.read_text(encoding="utf-8"), read_sources())
    current = NOTEBOOK.read_text(encoding="utf-8") if NOTEBOOK.exists() else None
    if args.check:
        if text != current:
            print(f"{NOTEBOOK.name} is not up to date: run python tools/make_notebook.py",
                  file=sys.stderr)
            return 1
        return 0
    if text != current:
        tmp = NOTEBOOK.with_name(f".{NOTEBOOK.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(NOTEBOOK)
    print(f"{NOTEBOOK.name}: {'written' if text != current else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
