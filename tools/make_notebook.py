"""Make `sine_gan.ipynb` from `sine_gan.py`, so that the two never drift apart.

    python tools/make_notebook.py           # write sine_gan.ipynb
    python tools/make_notebook.py --check   # exit 1 if sine_gan.ipynb is not up to date

The notebook walks `sine_gan.py`, the deck, one section per slide and in the
same order. Each section holds the section's text (Markdown), the code of its
functions, and the statements of `run_slides()` that call them, so that
every table and figure appears under the code that made it. Only `main()`,
which hands over to the command line, is left out. Everything else the cells
need is imported from the modules of `beyond_the_slides/`. The notebook is
written without outputs and with fixed cell ids, so that the same source
always gives the same bytes.
"""

import argparse
import ast
import builtins
import sys
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "sine_gan.py"
NOTEBOOK = ROOT / "sine_gan.ipynb"
PACKAGE = ROOT / "beyond_the_slides"
LEFT_OUT = {"main"}  # the hand-off to the command line: no slide shows it

INTRO = """\
*This notebook is made from `sine_gan.py` by `tools/make_notebook.py`: change
the script, then run `python tools/make_notebook.py`, rather than editing the
notebook.* Run it from the repository's folder: it imports what the deck does
not show (the training monitor and the score) from `beyond_the_slides/`, and
writes no file."""

SETTINGS = """\
# The same seed as `python sine_gan.py` (default 1) gives the same tables.
SEED, epochs, pretrain_epochs = DEFAULT_SEED, EPOCHS, PRETRAIN_EPOCHS
monitor, rng = start_run(SEED, epochs)"""

ALL_STEPS = """\
The cells above ran these six steps one at a time. `run_slides()` is the same
steps in one function: it is what `python sine_gan.py` runs."""

BEYOND = """\
## Beyond the slides: how good are the curves?

The slides judge the result by eye. `sine_gan.py` also scores 1,000 fresh
curves: how sinusoidal they are (median R²), how much they tremble and how
varied they are (against real curves), and how far their frequencies are from
the training set's (W1). The histogram shows which frequencies the generator
draws: the slides' GAN covers only part of the range."""

BEYOND_CODE = """\
report, fits = final_report(generator, X_TRAIN, rng)
print("Final score on " + describe_report(report, EVAL_SIZE))
figures["frequencies.png"] = plot_frequencies(*fits, report["frequency_w1"])"""

COVERAGE = """\
Each curve is also a point: the frequency and the phase of its best-fitting
sinusoid. Real curves fill the rectangle of the dataset's law; a generator
that collapses fills only part of it."""

COVERAGE_CODE = """\
figures["coverage.png"] = plot_coverage(*fits)"""

IMPROVED = """\
The improved variant fixes the trembling hand and most of the narrow range of
frequencies; the Wasserstein variant, the next lecture, trains the slides'
networks with a critic that scores the whole distribution. To train one and
write its figures to a folder (under a minute), run this in a cell:

```python
import sine_gan
sine_gan.main(["--variant", "improved", "--out", "outputs/improved"])  # or "wgan"
```"""


def sections(source):
    """The deck's sections of `source`: (Markdown text, code text, the names it defines).

    A section runs from its docstring to the next one, or to the end of the
    file; the functions of `LEFT_OUT` are not part of it.
    """
    tree = ast.parse(source)
    lines = source.splitlines()
    docstrings = [node for node in tree.body[1:] if isinstance(node, ast.Expr)
                  and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)]
    left_out = [node for node in tree.body
                if isinstance(node, ast.FunctionDef) and node.name in LEFT_OUT]
    found = []
    for doc, following in zip(docstrings, [*docstrings[1:], None]):
        end = following.lineno - 1 if following else len(lines)
        code = lines[doc.end_lineno:end]
        for node in left_out:
            if doc.end_lineno < node.lineno <= end:
                first = node.lineno - doc.end_lineno - 1
                code[first:node.end_lineno - doc.end_lineno] = []
        defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)
                   and doc.end_lineno < node.lineno <= end and node.name not in LEFT_OUT}
        found.append((doc.value.value.strip(), "\n".join(code).strip(), defined))
    return found


def run_slides_steps(source):
    """The statements of `run_slides()`, each with the comments above it, return left out."""
    tree = ast.parse(source)
    lines = source.splitlines()
    function = next(node for node in tree.body
                    if isinstance(node, ast.FunctionDef) and node.name == "run_slides")
    body = function.body[1:]  # after the docstring
    steps, start = [], body[0].lineno
    for previous, node in zip([function.body[0], *body], body):
        if isinstance(node, ast.Return):
            break
        start = previous.end_lineno + 1
        text = textwrap.dedent("\n".join(lines[start - 1:node.end_lineno]))
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
    """The deck's own import lines that the cells use, and the names they take from the modules.

    Returns the import lines and, for each module of `beyond_the_slides/`,
    the names the cells take from it.
    """
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


def build(source):
    """The notebook, as text, for the source of `sine_gan.py`."""
    title, *credits = ast.get_docstring(ast.parse(source)).split("\n\n")[0].splitlines()
    about = ast.get_docstring(ast.parse(source)).split("\n\n")[1:]
    header = "\n\n".join([*credits, about[0]])  # the rest speaks of the script
    title = title.removeprefix("Title: ")
    steps = run_slides_steps(source)
    cells = []  # (kind, text)
    for text, code, defined in sections(source):
        cells.append(("markdown", f"{text}\n\n{ALL_STEPS}" if "run_slides" in defined else text))
        if code:
            cells.append(("code", code))
        if text.startswith("## Constants"):
            cells.append(("code", SETTINGS))
        own = [step for step, calls in steps if calls and calls[0] in defined - {"run_slides"}]
        if own:
            cells.append(("code", "\n".join(own)))
    cells += [("markdown", BEYOND), ("code", BEYOND_CODE), ("markdown", COVERAGE),
              ("code", COVERAGE_CODE), ("markdown", IMPROVED)]
    imports, modules = needed_imports(
        source, [text for kind, text in cells if kind == "code"])
    imports.append("")
    for module, names in sorted(modules.items()):
        imports.append(textwrap.fill(f"from beyond_the_slides.{module} import {', '.join(names)}",
                                     88, subsequent_indent="    ", break_on_hyphens=False))
    cells = [("markdown", f"# {title}\n\n{header}\n\n{INTRO}"),
             ("code", "\n".join(imports)), *cells]
    notebook = new_notebook(metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    })
    for i, (kind, text) in enumerate(cells):
        cell = (new_code_cell if kind == "code" else new_markdown_cell)(text)
        cell.id = f"cell-{i:02d}"
        if text == SETTINGS:
            cell.metadata["tags"] = ["parameters"]
        notebook.cells.append(cell)
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if sine_gan.ipynb differs from a fresh one")
    args = parser.parse_args(argv)
    text = build(SCRIPT.read_text(encoding="utf-8"))
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
