"""Make `sine_gan.ipynb` from `tools/notebook.py` and the deck, so that they never drift apart.

    python tools/make_notebook.py           # write sine_gan.ipynb
    python tools/make_notebook.py --check   # exit 1 if sine_gan.ipynb is not up to date

The rule: the notebook is `tools/notebook.py`, cell by cell. `# %%` opens a
code cell (`tag=NAME` tags it, `hidden` folds it), `# %% [markdown]` a Markdown
cell, written as comments. `# %% deck: TITLE` is the deck's next code slide,
which must be TITLE: the code of the functions of `sine_gan.py` whose
docstrings open with that slide title, with the constants above them, under
the slide's title, and under the section's text if the slide opens a section.
The deck's slides all appear, in the deck's order (`main()` aside: the
script's). Two placeholders are filled: `SOURCES = {}` with the modules the
notebook carries (each headed by its docstring's first line alone), and
`CLAIMS` with the verdicts of the deck's claims, from the claims benchmark's
report. The notebook is written without outputs and with fixed cell ids: the
same sources always give the same bytes.
"""

import argparse
import ast
import re
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "sine_gan.ipynb"
SOURCE = ROOT / "tools" / "notebook.py"
DECK = ROOT / "sine_gan.py"
# The modules the notebook uses, each after the ones it imports.
CARRIED = [f"beyond_the_slides/{name}.py" for name in (
    "__init__", "score", "monitor", "figures", "improved", "critic_gan", "wgan", "converging",
    "experiment")]
# The verdicts shown: the second round's, as pre-registered (seeds 11 to 30).
CLAIMS_REPORT = ROOT / "benchmarks" / "results" / "claims.md"
LEFT_OUT = {"main"}  # the script's entry point; the notebook is its own


def deck_slides(deck):
    """The deck's slides in order: (title, section text or None, code).

    A section's text opens its first slide; a section of text alone is a
    slide of its own. A function whose docstring opens with "Title -- gloss"
    starts a slide of that title unless the slide before has it; code above a
    function (constants, a helper without a title) goes with it.
    """
    tree, lines = ast.parse(deck), deck.splitlines()
    texts = [node for node in tree.body[1:] if isinstance(node, ast.Expr)
             and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)]
    slides = []
    for text, following in zip(texts, [*texts[1:], None]):
        end = following.lineno if following else len(lines) + 1
        section, start = text.value.value.strip(), text.end_lineno + 1
        title = section.splitlines()[0].lstrip("# ")
        functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)
                     and text.lineno < node.lineno < end and node.name not in LEFT_OUT]
        if not functions:
            slides.append([title, section, ""])
        pending = []
        for node in functions:
            pending.append("\n".join(lines[start - 1:node.end_lineno]).strip())
            start = node.end_lineno + 1
            doc = (ast.get_docstring(node) or "").split("\n")[0]
            name = doc.split(" -- ")[0] if " -- " in doc else None
            if not name and node is not functions[-1]:
                continue  # goes with the next function's slide
            code, pending = "\n\n\n".join(pending), []
            if name and (section or slides[-1][0] != name):
                slides.append([name, section, code])
                section = None
            else:
                slides[-1][2] += "\n\n\n" + code
    return slides


def source_cells(text):
    """The cells of `tools/notebook.py`: (header after `# %%`, body)."""
    cells = []
    for line in text.splitlines():
        if line.startswith("# %%"):
            cells.append([line[4:].strip(), []])
        else:
            cells[-1][1].append(line)
    return [(header, "\n".join(body).strip()) for header, body in cells]


def claims_table(report=CLAIMS_REPORT):
    """The deck's claims, their pre-registered verdicts and the effects in the slides' words
    with their intervals, as a Markdown table, from the claims report's table of every effect."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.deck_claims import CLAIMS

    text = report.read_text(encoding="utf-8")
    table = text.split("## Every effect", 1)[1].split("\n## ", 1)[0]
    effects, verdicts = {}, {}
    for row in table.splitlines():
        cells = [c.strip() for c in row.strip("|").split("|")]
        if len(cells) != 6 or cells[0] in ("claim", "---"):
            continue
        if cells[0].startswith("**"):
            verdicts[cells[0].strip("*")] = cells[5].strip("*")
        elif "(beyond the slide's words)" not in cells[1]:
            effects.setdefault(cells[0], []).append(f"{cells[1]}: {cells[3]}, {cells[5]}")
    rows = ["| the slides say | in short | verdict | the effects in the slides' words: median "
            "difference [95.9% confidence interval], n = 20 |", "|---|---|---|---|"]
    for name, verdict in verdicts.items():
        spec = CLAIMS[name]
        rows.append(f"| *{spec['words']}* ({spec['slide']}) | {spec['gloss']} | {verdict} | "
                    + "; ".join(effects[name]) + " |")
    return "\n".join(rows)


def without_docstring(text):
    """A module's text with its docstrings cut to their first sentence: the module's as a
    comment, each function's and class's as a one-line docstring (the repository has them
    whole; the notebook, room)."""
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    docstrings = [node.body[0] for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)
                  and isinstance(node.body[0].value.value, str)]
    for doc in sorted(docstrings, key=lambda d: -d.lineno):  # from the end: lines keep places
        first = re.split(r"(?<=[.:])\s", " ".join(doc.value.value.split()), maxsplit=1)[0]
        if doc.lineno == 1:
            short = f"# {first}\n"
        else:
            short = " " * doc.col_offset + repr(first) + "\n"
        lines[doc.lineno - 1:doc.end_lineno] = [short]
    return "".join(lines)


def carried(sources):
    """`SOURCES = {...}`: each carried file's text, by its path in the repository."""
    entries = []
    for path, text in sources.items():
        text = without_docstring(text)
        if "'''" in text or text.endswith("\\"):
            raise SystemExit(f"{path} cannot be carried as a raw string")
        entries.append(f"    {path!r}: r'''{text}''',\n")
    return "SOURCES = {\n" + "".join(entries) + "}"


def build(source, deck, sources, claims):
    """The notebook, as text."""
    slides = deck_slides(deck)
    cells = []
    for header, body in source_cells(source):
        if header.startswith("deck:"):
            title, section, code = slides.pop(0) if slides else (None, None, None)
            if title != header[5:].strip():
                raise SystemExit(f"tools/notebook.py: '{header}' where the deck's next slide "
                                 f"is {title!r}")
            if section:
                cells.append(("markdown", section, ""))
            if code and not (section or "").startswith(f"## {title}\n"):
                cells.append(("markdown", f"### {title}", ""))
            if code:
                cells.append(("code", code, ""))
        elif header == "[markdown]":
            text = "\n".join(line[2:] for line in body.splitlines())
            cells.append(("markdown", text.replace("\nCLAIMS\n", f"\n{claims}\n"), ""))
        else:
            cells.append(("code", body.replace("SOURCES = {}", carried(sources)), header))
    if slides:
        raise SystemExit(f"tools/notebook.py leaves out the deck's slides {slides[0][0]!r}...")
    notebook = new_notebook(metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}, "colab": {"provenance": []}})
    for i, (kind, text, header) in enumerate(cells):
        cell = (new_code_cell if kind == "code" else new_markdown_cell)(text)
        cell.id = f"cell-{i:02d}"
        words = header.split()
        if tags := [w.removeprefix("tag=") for w in words if w.startswith("tag=")]:
            cell.metadata["tags"] = tags
        if "hidden" in words:  # folded away in Jupyter and Colab
            cell.metadata["jupyter"] = {"source_hidden": True}
            cell.metadata["cellView"] = "form"
        notebook.cells.append(cell)
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def read_sources(root=ROOT):
    """The text of each carried file, by its path in the repository."""
    return {path: (root / path).read_text(encoding="utf-8") for path in CARRIED}


def made():
    return build(SOURCE.read_text(encoding="utf-8"), DECK.read_text(encoding="utf-8"),
                 read_sources(), claims_table())


def main(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if sine_gan.ipynb differs from a fresh one")
    args = parser.parse_args(argv)
    text = made()
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
