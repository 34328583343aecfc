"""The deck in one file, what lies beyond the slides beside it, imports one way."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "beyond_the_slides"


def test_importing_the_deck_loads_no_other_module_of_the_project():
    code = ("import sys, sine_gan; print(sorted(m for m in sys.modules "
            "if m.split('.')[0] == 'beyond_the_slides'))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_deck_holds_no_class_and_no_function_beyond_the_decks_and_main():
    source = (ROOT / "sine_gan.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    assert len(source.splitlines()) <= 500
    assert not [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    functions = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
    assert functions == [
        "make_dataset", "plot_dataset", "build_discriminator", "make_noise",
        "pretrain_discriminator", "plot_pretraining", "build_generator", "build_gan",
        "train_gan", "generate", "plot_sample", "evolution_epochs", "plot_evolution",
        "run_slides", "main"]


def imports_of(path):
    """The project's modules that a file imports, by their short names."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            if name == "sine_gan":
                found.add("sine_gan")
            elif name.startswith("beyond_the_slides."):
                found.add(name.split(".")[1])
    return found


def test_imports_run_one_way_and_nothing_imports_the_command_line():
    modules = {p.stem: imports_of(p) for p in PACKAGE.glob("*.py")}
    modules.pop("__main__")
    # The hand-off of `python sine_gan.py`, and main(), on call only.
    assert imports_of(ROOT / "sine_gan.py") == {"__main__", "command_line"}
    # Every module but the command line is imported by nothing above it in this order.
    order = ["__init__", "signals", "safe_files", "score", "monitor", "figures", "improved",
             "critic_gan", "wgan", "converging", "experiment", "saved_run", "saved_generator",
             "command_line"]
    assert sorted(order) == sorted(modules)
    for name, imported in modules.items():
        below = set(order[:order.index(name)]) | {"sine_gan"}
        assert imported <= below, (name, imported - below)


def test_no_python_file_of_the_project_outside_the_tests_is_over_600_lines():
    files = [p for p in ROOT.rglob("*.py")  # the project's, not a virtual environment's
             if not any(part in ("tests", "venv") or part.startswith(".venv")
                        for part in p.relative_to(ROOT).parts)]
    assert len(files) >= 15
    for path in files:
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 600, path
