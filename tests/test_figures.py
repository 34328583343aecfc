"""Every figure reads at the size it is shown: labelled axes, legends clear of the data,
limits that fit the data, one way of counting epochs, titles true for the variant."""

import types

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import sine_gan  # noqa: E402
from beyond_the_slides import figures, score  # noqa: E402
from beyond_the_slides import monitor as monitor_module  # noqa: E402
from beyond_the_slides.monitor import ShortTable, TrainingMonitor  # noqa: E402


@pytest.fixture(autouse=True)
def closed():
    yield
    plt.close("all")


def fits(seed=0, count=300, low=0.5, high=2.0):
    rng = np.random.default_rng(seed)
    b = rng.uniform(low, high, (count, 1))
    c = rng.uniform(1.0, np.pi, (count, 1))
    return score.sine_fit(np.sin(b * sine_gan.X_COORDS + c))


def legend_box(fig, axis):
    fig.canvas.draw()
    return axis.get_legend().get_window_extent()


def test_the_frequency_legend_stands_clear_of_every_bar_and_the_bins_cover_the_data():
    fast = fits(1, 200, 2.6, 3.0)  # a generator whose curves are faster than any real one
    fig = figures.plot_frequencies(fast, fits(2), 1.0)
    axis = fig.axes[0]
    box = legend_box(fig, axis)
    bars = [patch.get_window_extent() for patch in axis.patches if patch.get_height() > 0]
    assert bars and not any(box.overlaps(bar) for bar in bars)
    assert axis.get_xlim()[1] >= 3.0 and sum(p.get_height() for p in axis.patches) == 500
    assert axis.get_xlabel() and axis.get_ylabel()


def test_the_coverage_limits_fit_the_data_and_its_legend_covers_no_point():
    fig = figures.plot_coverage(fits(3), fits(4))
    for axis in fig.axes:
        low, high = axis.get_ylim()
        assert 0.5 < low < 1.0 and np.pi < high < np.pi + 0.6  # the data lie in [1, pi]
        assert axis.get_xlabel()
    real_axis = fig.axes[0]
    box = legend_box(fig, real_axis)
    points = real_axis.transData.transform(real_axis.collections[0].get_offsets())
    assert not any(box.contains(x, y) for x, y in points)
    assert real_axis.get_ylabel()


def test_the_evolution_counts_epochs_done_labels_its_axes_and_shows_an_overshoot():
    snapshots = [np.full((4, 64), 0.1 * e) for e in range(1, 65)]
    snapshots[-1][0, 10] = 1.3  # a curve that leaves [-1, 1], as a low-pass filter lets it
    history = [{"epoch": e, "median_r2": e / 64} for e in range(64)]
    fig = sine_gan.plot_evolution(snapshots, history, np.zeros((4, 64)), title="Prova")
    titles = [axis.get_title() for axis in fig.axes if axis.get_visible()]
    assert titles[0] == "dopo 1 epoca, R² 0.000" and titles[3] == "dopo 8 epoche, R² 0.109"
    assert titles[6] == "dopo 64 epoche, R² 0.984"  # history[63]: the table's row 063
    assert fig._suptitle.get_text() == "Prova"
    visible = [axis for axis in fig.axes if axis.get_visible()]
    assert all(axis.get_ylim()[1] > 1.3 for axis in visible)
    assert [axis.get_ylabel() for axis in visible] == ["y", "", "", "", "y", "", "", ""]
    assert all(axis.get_xlabel() == "x" for axis in visible[4:])


def test_the_history_figure_counts_epochs_as_the_table_does():
    history = [{"epoch": e, "d_acc": 0.9, "g_acc": 0.05, "median_r2": 0.5,
                score.SHARE_KEY: 0.2} for e in range(3)]
    fig = figures.plot_history(history)
    top, bottom = fig.axes
    assert list(bottom.lines[0].get_xdata()) == [0, 1, 2]
    assert "come nella tabella" in bottom.get_xlabel() and top.get_ylabel()


def test_the_time_left_is_the_pace_of_the_steps_after_the_first(monkeypatch):
    clock = iter([100.0, 116.0])  # the first step's end, and the epoch's
    monkeypatch.setattr(monitor_module, "time", types.SimpleNamespace(
        perf_counter=lambda: next(clock)))
    monitor = TrainingMonitor(np.zeros((4, 64)), epochs=64)

    class Flat:
        def predict_on_batch(self, x):
            return np.sin(sine_gan.X_COORDS)[None, :].repeat(len(x), 0)

    for k in range(64):  # however long the first step took (Keras compiles it then)
        monitor.should_stop(0, k, 0.5, 0.5)
    columns = monitor.end_epoch(Flat(), 0, d_loss=0.5)
    elapsed, left = [float(c.strip(" s")) for c in columns.split("|")[2:]]
    assert elapsed == 16.0  # since the first step ended
    # 63 steps in 16 s, and 63 epochs of 64 steps to go.
    assert abs(left - 16.0 / 63 * 64 * 63) < 0.1
    assert monitor.history[0]["epoch"] == 0


def test_a_short_table_shows_its_head_every_eighth_row_and_its_last():
    import io

    out = io.StringIO()
    table = ShortTable(out)
    table.write(" epoca | accuratezza \n")
    for i in range(20):
        table.write(f"    {i:3} |    0.5\n")
    table.close_table()
    shown = [line.split("|")[0].strip() for line in out.getvalue().splitlines()]
    assert shown == ["epoca", "0", "1", "2", "3", "4", "...", "7", "...", "15", "...", "19"]


def test_the_report_in_plain_words_names_each_measure_with_its_value():
    report = {"median_r2": 0.98, score.SHARE_KEY: 0.97, "roughness_ratio": 26.7,
              "diversity_ratio": 0.62, "frequency_w1": 0.37, "amplitude_within_5": 0.81,
              "amplitude_within_2": 0.44}
    text = score.explain_report(report, 1000)
    assert len(text.splitlines()) == 5
    for part in ("R² 0.980", "97%", "26.7 times", "0.62 times", "0.370 away", "81% of them",
                 "44% within 2%"):
        assert part in text
