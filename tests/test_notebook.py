"""`sine_gan.ipynb`: made from `sine_gan.py`, and run as a learner runs it, in a fresh kernel."""

import importlib.util
import re
import sys
from pathlib import Path

import nbformat
import pytest

import sine_gan

ROOT = Path(sine_gan.__file__).parent
NOTEBOOK = ROOT / "sine_gan.ipynb"


def load_maker():
    path = ROOT / "tools" / "make_notebook.py"
    spec = importlib.util.spec_from_file_location("make_notebook", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_notebook_is_what_the_script_makes_byte_for_byte():
    maker = load_maker()
    made = maker.build((ROOT / "sine_gan.py").read_text(encoding="utf-8"))
    assert NOTEBOOK.read_text(encoding="utf-8") == made, (
        "sine_gan.ipynb is out of date: run python tools/make_notebook.py")
    assert maker.main(["--check"]) == 0


def test_the_notebook_has_no_outputs_and_the_decks_titles_in_the_modules_order():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)
    headings = [line[3:] for cell in notebook.cells if cell.cell_type == "markdown"
                for line in cell.source.splitlines() if line.startswith("## ")]
    source = (ROOT / "sine_gan.py").read_text(encoding="utf-8")
    deck = re.findall(r'^"""\n## (.+)$', source, re.M)
    assert deck[1:] == ["Un dataset di sinusoidi", "Creiamo il discriminatore",
                        "Addestrare il discriminatore", "Creazione del generatore",
                        "Addestrare la GAN", "Facciamole generare qualcosa...",
                        "Curve generate al migliorare dell'accuratezza", "Passi necessari"]
    assert headings[:len(deck)] == deck


def test_a_changed_script_makes_a_changed_notebook():
    maker = load_maker()
    source = (ROOT / "sine_gan.py").read_text(encoding="utf-8")
    changed = source.replace("DIS_DROPOUT = 0.4", "DIS_DROPOUT = 0.3")
    assert changed != source and "DIS_DROPOUT = 0.3" in maker.build(changed)


def slide_columns(text):
    """The pretraining table, and the slides' three columns of the GAN table."""
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) == 2 and cells[0].isdigit():
            rows.append(tuple(cells))
        elif len(cells) >= 3 and cells[0].isdigit():
            rows.append(tuple(cells[:3]))
    return rows


@pytest.mark.slow
def test_the_notebook_runs_in_a_fresh_kernel_with_the_scripts_numbers(tmp_path, capsys):
    from jupyter_client import KernelManager
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    settings = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    settings.source = settings.source.replace("DEFAULT_SEED, EPOCHS, PRETRAIN_EPOCHS", "1, 3, 4")
    # Matplotlib's settings once a learner's own first figure has set up inline plotting.
    check = ("import matplotlib, matplotlib.pyplot as plt\nplt.close(plt.figure())\n"
             "_backend, _rc = matplotlib.get_backend(), dict(matplotlib.rcParams)\n")
    notebook.cells.insert(0, nbformat.v4.new_code_cell(check))
    notebook.cells.append(nbformat.v4.new_code_cell(
        "assert matplotlib.get_backend() == _backend and dict(matplotlib.rcParams) == _rc"))
    repository = sorted(p.name for p in ROOT.iterdir()) + sorted(
        p.name for p in (ROOT / "outputs").iterdir())
    manager = KernelManager(kernel_name="python3", transport="ipc",
                            ip=str(tmp_path / "kernel"))
    NotebookClient(notebook, km=manager, timeout=600,
                   resources={"metadata": {"path": str(ROOT)}}).execute()

    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.text for o in outputs if o.output_type == "stream" and o.name == "stdout")
    assert sine_gan.main(["--epochs", "3", "--pretrain-epochs", "4",
                          "--out", str(tmp_path / "script")]) == 0
    script = capsys.readouterr().out
    assert slide_columns(text) == slide_columns(script) and len(slide_columns(text)) == 7
    assert re.search(r"Final score on 1,000 curves: median R² [\d.]+", text).group(0) in script

    def images(cell_text):
        cell = next(c for c in notebook.cells if c.cell_type == "code" and cell_text in c.source
                    and not c.source.startswith("def "))  # the step, not the definition
        return sum("image/png" in o.get("data", {}) for o in cell.outputs)

    for made_by in ("plot_dataset(X_TRAIN)", "plot_pretraining(accuracies)",
                    "plot_sample(generate(generator)[0])", "plot_evolution(monitor.snapshots",
                    "plot_frequencies(*fits", "plot_coverage(*fits)"):
        assert images(made_by) == 1, made_by  # each figure once, under the code that made it
    assert sorted(p.name for p in ROOT.iterdir()) + sorted(
        p.name for p in (ROOT / "outputs").iterdir()) == repository  # no file written
    assert sys.modules["sine_gan"] is sine_gan
