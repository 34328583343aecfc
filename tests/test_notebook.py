"""`sine_gan.ipynb`: made from the sources, and run as a learner runs it, from the file alone."""

import importlib.util
import json
import re
import shutil
from pathlib import Path

import pytest

import sine_gan

nbformat = pytest.importorskip("nbformat", reason="the notebook's tools: requirements.txt")

ROOT = Path(sine_gan.__file__).parent
NOTEBOOK = ROOT / "sine_gan.ipynb"
CODE_SLIDES = ["Generazione del dataset", "Visualizziamo il dataset",
               "Definizione del discriminatore", "Addestramento del discriminatore",
               "Output dell'addestramento", "Definizione del generatore e della GAN",
               "Addestramento della GAN", "Facciamole generare qualcosa...",
               "Sinusoide prodotta dalla GAN", "Curve generate al migliorare dell'accuratezza"]


def load_maker():
    path = ROOT / "tools" / "make_notebook.py"
    spec = importlib.util.spec_from_file_location("make_notebook", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_notebook_is_what_the_sources_make_byte_for_byte():
    maker = load_maker()
    assert NOTEBOOK.read_text(encoding="utf-8") == maker.made(), (
        "sine_gan.ipynb is out of date: run python tools/make_notebook.py")
    assert maker.main(["--check"]) == 0


def test_the_carried_modules_import_at_the_top_only_what_the_notebook_carries():
    import ast

    carried = {path.removesuffix(".py").replace("/", ".") for path in load_maker().CARRIED}
    for path in load_maker().CARRIED:
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        top = {node.module for node in tree.body if isinstance(node, ast.ImportFrom)
               and (node.module or "").startswith("beyond_the_slides.")}
        assert top <= carried, (path, top - carried)


def test_the_notebook_is_small_and_links_nowhere_it_cannot_reach_alone():
    assert NOTEBOOK.stat().st_size <= 100_000
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    targets = re.findall(r"\]\(([^)]+)\)", markdown) + re.findall(r'src="([^"]+)"', markdown)
    assert targets and all(t.startswith("https://") for t in targets), targets
    carried = next(c.source for c in notebook.cells if "carried" in c.metadata.get("tags", []))
    for unused in ("command_line", "safe_files", "signals", "saved_run", "saved_generator"):
        assert f"beyond_the_slides/{unused}.py" not in carried
    # the deck's claims, with their verdicts, inline
    assert markdown.count("| *") >= 7 and "holds" in markdown


def test_the_maker_follows_the_deck_and_refuses_a_slide_out_of_order():
    maker = load_maker()
    deck = (ROOT / "sine_gan.py").read_text(encoding="utf-8")
    titles = [title for title, _, _ in maker.deck_slides(deck)]
    assert [t for t in titles if t in CODE_SLIDES] == CODE_SLIDES
    assert titles[0] == titles[-1] == "Passi necessari"  # the plan, and run_slides()
    source = (ROOT / "tools" / "notebook.py").read_text(encoding="utf-8")
    swapped = source.replace("# %% deck: Generazione del dataset", "# %% deck: X").replace(
        "# %% deck: Visualizziamo il dataset", "# %% deck: Generazione del dataset").replace(
        "# %% deck: X", "# %% deck: Visualizziamo il dataset")
    with pytest.raises(SystemExit, match="where the deck's next slide is 'Generazione"):
        maker.build(swapped, deck, maker.read_sources(), "")


def test_the_first_screen_speaks_to_the_learner_and_the_slides_titles_follow_in_order():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)
    first, plan = notebook.cells[0].source, notebook.cells[1].source
    assert first.startswith("# Imparare a generare") and "Paolo" in first
    assert "https://gist.github.com/pcaressa/be67ff30dfd9ca4959de9458944c1f29" in first
    assert "Run all" in first and "make_notebook" not in first
    assert plan.startswith("## Passi necessari")
    assert [int(n) for n in re.findall(r"^(\d)\. ", plan, re.M)] == [1, 2, 3, 4, 5, 6]
    headings = [line.lstrip("#").strip() for cell in notebook.cells
                if cell.cell_type == "markdown" for line in cell.source.splitlines()
                if line.startswith("#")]
    slides = [h for h in headings if h in CODE_SLIDES]
    assert slides == CODE_SLIDES  # every code slide's title, in the deck's order
    # The steps are cells of their own; run_slides(), which the variants build on, comes after.
    where = [i for i, cell in enumerate(code) if "def run_slides" in cell.source]
    steps = [i for i, cell in enumerate(code) if re.match(r"# [1-6]\. ", cell.source)]
    assert len(where) == 1 and len(steps) == 6 and where[0] > max(steps)


def test_a_changed_deck_or_module_makes_a_changed_notebook():
    maker = load_maker()
    cells = (ROOT / "tools" / "notebook.py").read_text(encoding="utf-8")
    source, sources = (ROOT / "sine_gan.py").read_text(encoding="utf-8"), maker.read_sources()
    changed = source.replace("DIS_DROPOUT = 0.4", "DIS_DROPOUT = 0.3")
    assert changed != source and "DIS_DROPOUT = 0.3" in maker.build(cells, changed, sources, "")
    sources["beyond_the_slides/score.py"] += "\n# changed\n"
    assert "# changed" in maker.build(cells, source, sources, "")


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


def kernel(tmp_path):
    from jupyter_client import KernelManager

    return KernelManager(kernel_name="python3", transport="ipc", ip=str(tmp_path / "kernel"))


def alone(tmp_path):
    """A folder that holds the notebook and nothing else."""
    folder = tmp_path / "learner"
    folder.mkdir()
    shutil.copy(NOTEBOOK, folder)
    return folder


def stdout_of(cell):
    return "".join(o.text for o in cell.outputs if o.output_type == "stream"
                   and o.name == "stdout")


def test_an_old_keras_stops_the_notebook_in_its_first_cell_with_one_line(tmp_path):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    old = ("import importlib.metadata as m\n_version = m.version\n"
           "m.version = lambda name: '3.10.0' if name == 'keras' else _version(name)")
    notebook.cells = [nbformat.v4.new_code_cell(old), *notebook.cells]
    folder = alone(tmp_path)
    client = NotebookClient(notebook, km=kernel(tmp_path), timeout=120,
                            resources={"metadata": {"path": str(folder)}})
    with pytest.raises(CellExecutionError):
        client.execute()
    ran = [cell for cell in notebook.cells if cell.cell_type == "code" and cell.outputs]
    errors = [o for o in ran[-1].outputs if o.output_type == "error"]
    assert len(errors) == 1 and len(errors[0].traceback) == 1
    assert errors[0].traceback[0] == (
        'Set-up stopped: this notebook needs keras>=3.13.2,<4 (found 3.10.0): run  pip install '
        '"keras>=3.13.2,<4"  and restart the kernel.')
    assert "carried" not in ran[-1].metadata.get("tags", [])  # stopped before the rest
    assert sorted(p.name for p in folder.iterdir()) == ["sine_gan.ipynb"]


@pytest.mark.slow
def test_the_notebook_runs_alone_in_a_fresh_kernel_with_the_scripts_numbers(tmp_path, capsys):
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # A learner's short run: the constants changed in their own cells.
    for cell in notebook.cells:
        if "carried" in cell.metadata.get("tags", []):
            continue
        cell.source = cell.source.replace("PRETRAIN_EPOCHS = 32 ", "PRETRAIN_EPOCHS = 4 ")
        cell.source = cell.source.replace("EPOCHS = 64 ", "EPOCHS = 3 ")
    assert sum("EPOCHS = 3 " in c.source or "EPOCHS = 4 " in c.source
               for c in notebook.cells) == 2
    # Matplotlib's settings once a learner's own first figure has set up inline plotting.
    check = ("import matplotlib, matplotlib.pyplot as plt\nplt.close(plt.figure())\n"
             "_backend, _rc = matplotlib.get_backend(), dict(matplotlib.rcParams)\n")
    notebook.cells.insert(0, nbformat.v4.new_code_cell(check))
    notebook.cells.append(nbformat.v4.new_code_cell(
        "assert matplotlib.get_backend() == _backend and dict(matplotlib.rcParams) == _rc"))
    folder = alone(tmp_path)
    client = NotebookClient(notebook, km=kernel(tmp_path), timeout=600,
                            resources={"metadata": {"path": str(folder)}})
    training = next(i for i, c in enumerate(notebook.cells)
                    if c.source.startswith("# 5. Addestrare la GAN"))
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
        first = stdout_of(notebook.cells[training])
        # Run the training cell again: it says so, and the history counts on from 3.
        client.execute_cell(notebook.cells[training], training)
        again = stdout_of(notebook.cells[training])
        probe = nbformat.v4.new_code_cell(
            "print([row['epoch'] for row in monitor.history], generator.epochs_trained, "
            "report['median_r2'])")
        notebook.cells.append(probe)
        client.execute_cell(probe, len(notebook.cells) - 1)

    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(stdout_of(cell) for cell in notebook.cells if cell.cell_type == "code")
    assert sine_gan.main(["--epochs", "3", "--pretrain-epochs", "4",
                          "--out", str(tmp_path / "script")]) == 0
    script = capsys.readouterr().out
    assert slide_columns(text.replace(again, first)) == slide_columns(script)
    assert len(slide_columns(script)) == 7
    assert first.startswith("New networks: the generator has never trained.")
    assert again.startswith("This generator has trained 3 epochs already")
    assert slide_columns(again)[0][0] == "000"
    metrics = json.loads((tmp_path / "script" / "metrics.json").read_text())
    assert stdout_of(probe).split() == ["[3,", "4,", "5]", "6",  # the score of the first run
                                        repr(metrics["report"]["median_r2"])]
    assert "The wgan variant, seed 1, 3 epochs. Final score on 1,000 curves" in text

    def images(cell_text):
        cell = next(c for c in notebook.cells if c.cell_type == "code" and cell_text in c.source
                    and not re.search(r"^def ", c.source, re.M))  # the step, not the definition
        return sum("image/png" in o.get("data", {}) for o in cell.outputs)

    for made_by in ("plot_dataset(X_TRAIN)", "plot_pretraining(accuracies)",
                    "plot_sample(generate(generator)[0])", "plot_evolution(monitor.snapshots",
                    "plot_history(generator.trained_history)", "plot_frequencies(*fits",
                    "plot_coverage(*fits)"):
        assert images(made_by) == 1, made_by  # each figure once, under the code that made it
    assert images("run_variant(") == 6  # all but the dataset, the same for every variant
    assert sorted(p.name for p in folder.iterdir()) == ["sine_gan.ipynb"]  # no file written


@pytest.mark.slow
def test_an_edited_deck_cell_is_the_deck_that_everything_uses(tmp_path):
    """One deck in the kernel: the learner's cells. The generator's cell edited to 32 hidden
    units, a run from top to bottom trains it, and the variants build on it too."""
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if "carried" in cell.metadata.get("tags", []):
            continue
        cell.source = (cell.source.replace("PRETRAIN_EPOCHS = 32 ", "PRETRAIN_EPOCHS = 2 ")
                       .replace("EPOCHS = 64 ", "EPOCHS = 1 ")
                       .replace('Dense(256, activation="relu")', 'Dense(32, activation="relu")')
                       .replace('VARIANT = "wgan" if', 'VARIANT = "improved" if'))
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import sys\nfrom beyond_the_slides.experiment import builders_for\n"
        "print(sys.modules['sine_gan'].build_generator().count_params(), "
        "generator.count_params(), builders_for('improved')[1]().count_params())"))
    folder = alone(tmp_path)
    NotebookClient(notebook, km=kernel(tmp_path), timeout=600,
                   resources={"metadata": {"path": str(folder)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    # 64*32+32 + 32*64+64 hidden and output weights, and the first layer's 64*64+64; the
    # improved generator adds its frozen 64x64 filter.
    assert stdout_of(notebook.cells[-1]).split() == ["8352", "8352", str(8352 + 64 * 64)]
    assert "The improved variant, seed 1, 1 epochs" in "".join(
        stdout_of(c) for c in notebook.cells if c.cell_type == "code")


STOP_IN_THE_SECOND_EPOCH = """
_train_gan = train_gan


def train_gan(*args):  # as if the learner pressed Stop once the second epoch was done
    monitor = args[-1]
    end_epoch = monitor.end_epoch

    def end_and_stop(*a, **k):
        row = end_epoch(*a, **k)
        if len(monitor.history) == 2:
            raise KeyboardInterrupt
        return row

    monitor.end_epoch = end_and_stop
    _train_gan(*args)
"""


@pytest.mark.slow
def test_a_stop_in_training_is_one_line_and_the_next_run_counts_on(tmp_path):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if "carried" not in cell.metadata.get("tags", []):
            cell.source = (cell.source.replace("PRETRAIN_EPOCHS = 32 ", "PRETRAIN_EPOCHS = 2 ")
                           .replace("EPOCHS = 64 ", "EPOCHS = 3 "))
    training = next(i for i, c in enumerate(notebook.cells)
                    if c.source.startswith("# 5. Addestrare la GAN"))
    cells = notebook.cells[:training + 1]
    extra = [nbformat.v4.new_code_cell(text) for text in (
        STOP_IN_THE_SECOND_EPOCH, "train_gan = _train_gan",
        "print([row['epoch'] for row in generator.trained_history], generator.epochs_trained)")]
    notebook.cells = [*cells, *extra]
    client = NotebookClient(notebook, km=kernel(tmp_path), timeout=600,
                            resources={"metadata": {"path": str(alone(tmp_path))}})
    with client.setup_kernel():
        for index, cell in enumerate(cells[:-1]):
            client.execute_cell(cell, index)
        client.execute_cell(extra[0], training + 1)
        with pytest.raises(CellExecutionError):
            client.execute_cell(cells[-1], training)
        errors = [o for o in cells[-1].outputs if o.output_type == "error"]
        assert len(errors) == 1 and errors[0].traceback == [
            "Stopped after 2 epochs of 3; run the cell again to train on from there."]
        client.execute_cell(extra[1], training + 2)
        client.execute_cell(cells[-1], training)
        assert stdout_of(cells[-1]).startswith("This generator has trained 2 epochs already")
        client.execute_cell(extra[2], training + 3)
    assert stdout_of(extra[2]).split() == ["[0,", "1,", "2,", "3,", "4]", "5"]


@pytest.mark.slow
@pytest.mark.parametrize("where", ["alone", "in the repository"])
def test_after_a_restart_each_set_up_cell_works_or_names_the_cell_to_run(where, tmp_path):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    carried = next(c for c in notebook.cells if "carried" in c.metadata.get("tags", []))
    parameters = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    folder = alone(tmp_path) if where == "alone" else NOTEBOOK.parent
    client = NotebookClient(notebook, km=kernel(tmp_path), timeout=300,
                            resources={"metadata": {"path": str(folder)}})
    with client.setup_kernel():
        with pytest.raises(CellExecutionError):  # in the repository, too: not from disk
            client.execute_cell(parameters, notebook.cells.index(parameters))
        errors = [o for o in parameters.outputs if o.output_type == "error"]
        assert len(errors) == 1 and len(errors[0].traceback) == 1
        assert errors[0].traceback[0].startswith("Run the two set-up cells above first")
        client.execute_cell(carried, notebook.cells.index(carried))  # first, after a restart
        client.execute_cell(parameters, notebook.cells.index(parameters))
    for cell in (carried, parameters):
        assert not [o for o in cell.outputs if o.output_type == "error"]
