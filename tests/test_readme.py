"""The README's slide map points at the lines where each slide's code really is."""

import ast
import re
from pathlib import Path

import sine_gan

ROOT = Path(sine_gan.__file__).parent


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


# Links and images: [text](target) and <img src="target">, outside code blocks.
LINK = re.compile(r"\]\(([^)\s]+)\)|<img [^>]*src=\"([^\"]+)\"")


def heading_anchors(text):
    """GitHub's anchors for the headings of a Markdown text."""
    anchors = set()
    for line in text.splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return anchors


def pages():
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_every_relative_link_and_image_of_the_readme_and_docs_resolves():
    checked = 0
    for page in pages():
        text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
        for match in LINK.finditer(text):
            target = match.group(1) or match.group(2)
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            path, _, anchor = target.partition("#")
            resolved = (page.parent / path).resolve() if path else page
            assert resolved.exists(), f"{page.name}: {target}"
            if anchor:
                assert anchor in heading_anchors(resolved.read_text(encoding="utf-8")), (
                    f"{page.name}: {target}")
            checked += 1
    assert checked >= 20


def test_the_readme_is_the_learners_page_and_every_doc_links_back():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 300
    for page in pages()[1:]:
        assert "](../README.md)" in page.read_text(encoding="utf-8"), page.name
