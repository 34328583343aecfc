"""The README's slide map points at the lines where each slide's code really is."""

import ast
import re

import sine_gan

ROOT = sine_gan.Path(sine_gan.__file__).parent


def function_lines():
    tree = ast.parse((ROOT / "sine_gan.py").read_text(encoding="utf-8"))
    return {node.name: (node.lineno, node.end_lineno) for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def slide_map_rows():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Slide by slide", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"\d+-\d+", cells[2]):
            yield cells[1], tuple(map(int, cells[2].split("-")))


def test_every_function_of_the_slide_map_is_at_the_lines_it_names():
    lines = function_lines()
    rows = list(slide_map_rows())
    assert len(rows) >= 12
    checked = 0
    for code, (start, end) in rows:
        named = re.findall(r"`(\w+)\(\)`", code)  # the functions the row points to
        if not named:
            continue
        assert lines[named[0]][0] == start, (code, lines[named[0]], start)
        assert lines[named[-1]][1] == end, (code, lines[named[-1]], end)
        checked += 1
    assert checked >= 11


def test_the_slide_map_is_in_the_order_of_the_file():
    starts = [start for _, (start, _) in slide_map_rows()]
    assert starts == sorted(starts)
