"""The figures beyond the slides, and the evolution as a GIF.

The slides draw the dataset, the pretraining, one sample and the evolution
(those live in `sine_gan.py`). A run also draws the history of its scores,
which frequencies and phases the generator covers, and an animation of
every epoch; `--generate` draws the curves it made.
"""

import math

import numpy as np

import sine_gan
from beyond_the_slides.score import GOOD_R2, SHARE_KEY


def plot_history(history):
    """Accuracies (for a critic, its estimate or margin) and sinusoid score per epoch."""
    import matplotlib.pyplot as plt

    epochs = [h["epoch"] for h in history]
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(6.4, 5.6))
    critic = {"distance": "stima di Wasserstein", "margin": "margine del critico"}
    key = next((k for k in critic if k in history[0]), None)
    if key:
        top.plot(epochs, [h[key] for h in history], label=critic[key])
        top.set_ylabel("critico (ultimo passo)")
    else:
        top.plot(epochs, [h["d_acc"] for h in history], label="accuratezza discrimin.")
        top.plot(epochs, [h["g_acc"] for h in history], label="accuratezza generatore")
        top.set_ylim(-0.05, 1.05)
        top.set_ylabel("accuratezza (ultimo passo)")
    top.legend(loc="best", fontsize=9)
    bottom.plot(epochs, [h["median_r2"] for h in history], label="R² mediano")
    bottom.plot(epochs, [h[SHARE_KEY] for h in history], label=f"quota con R² ≥ {GOOD_R2}")
    bottom.set_ylim(-0.05, 1.05)
    bottom.set_xlabel("epoca (come nella tabella: 0 è la prima)")
    bottom.set_ylabel("sinusoidalità (256 curve)")
    bottom.legend(loc="lower right", fontsize=9)
    fig.suptitle("Andamento dell'addestramento")
    fig.tight_layout()
    return fig


def plot_frequencies(fake_fit, real_fit, w1):
    """Histograms of the fitted frequency b, generated against real curves.

    A generator that covers only part of the training range (mode collapse)
    shows up as a narrower, shifted histogram. The fits are `sine_fit()`'s.
    """
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(1, 1)
    both = np.concatenate([real_fit["frequency"], fake_fit["frequency"]])
    # Bins 0.05 wide over the data, and over at least 0.4 to 2.2 (the training range 0.5 to 2).
    bins = np.arange(min(0.4, both.min()) - 0.05, max(2.2, both.max()) + 0.1, 0.05)
    axis.hist(real_fit["frequency"], bins=bins, alpha=0.5, label="sinusoidi vere")
    axis.hist(fake_fit["frequency"], bins=bins, alpha=0.5, label="curve generate")
    axis.set_xlabel("frequenza b in sin(bx + c)")
    axis.set_ylabel("curve")
    # Above the bars, not over them: a collapsed generator's bars can stand anywhere.
    axis.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    fig.suptitle(f"Frequenze b delle curve (W1 = {w1:.3f})")
    fig.tight_layout()
    return fig


def plot_coverage(fake_fit, real_fit):
    """Fitted phase against fitted frequency: which sinusoids the generator draws.

    The real curves fill the rectangle of the dataset's law (frequency 0.5 to
    2, phase 1 to pi); a generator that collapses fills only part of it.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    fig, (real_axis, fake_axis) = plt.subplots(1, 2, figsize=(9.6, 4.2), sharex=True,
                                               sharey=True)
    # The limits fit the data and the dataset's rectangle, with a margin.
    phases = np.concatenate([real_fit["phase"], fake_fit["phase"], [1.0, np.pi]])
    frequencies = np.concatenate([real_fit["frequency"], fake_fit["frequency"], [0.5, 2.0]])
    for axis, fit, title, color in ((real_axis, real_fit, "sinusoidi vere", "C0"),
                                    (fake_axis, fake_fit, "curve generate", "C1")):
        axis.add_patch(Rectangle((0.5, 1.0), 1.5, np.pi - 1.0, fill=False, linestyle="--",
                                 edgecolor="grey", label="legge del dataset"))
        axis.scatter(fit["frequency"], fit["phase"], s=4, alpha=0.5, color=color)
        axis.set_title(f"{title} ({len(fit['phase']):,})")
        axis.set_xlabel("frequenza b")
        axis.set_xlim(max(0.0, frequencies.min() - 0.15), frequencies.max() + 0.15)
        axis.set_ylim(max(0.0, phases.min() - 0.2), phases.max() + 0.45)
    real_axis.set_ylabel("fase c in sin(bx + c)")
    real_axis.legend(loc="upper right", fontsize=9)
    fig.suptitle("Copertura: quali sinusoidi disegna il generatore")
    fig.tight_layout()
    return fig


def plot_generated(curves):
    """Up to 16 curves drawn by `--generate`, one per panel."""
    import matplotlib.pyplot as plt

    cols = min(4, len(curves))
    rows = min(4, math.ceil(len(curves) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(2.4 * cols, 1.9 * rows), sharex=True,
                             sharey=True, squeeze=False)
    for axis, curve in zip(axes.flat, curves):
        axis.plot(sine_gan.X_COORDS, curve)
    for axis in axes.flat:
        axis.set_ylim(-1.1, 1.1)
    fig.suptitle(f"Curve prodotte dal generatore ({min(len(curves), rows * cols)} "
                 f"di {len(curves):,})")
    fig.tight_layout()
    return fig


def save_evolution_gif(path, snapshots, history):
    """The evolution as an animation, one frame per epoch.

    Only the curves and the title change between frames, so the axes are drawn
    once and each frame redraws just those (blitting). Every frame uses the
    first frame's palette. Matplotlib's own PillowWriter redraws everything and
    picks a palette per frame: 11 s for 64 frames against 1 s this way. The
    figure is drawn by Agg whatever the session's backend, and never shown.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    fig = Figure(figsize=(5, 3.4), dpi=80)
    FigureCanvasAgg(fig)
    axis = fig.subplots(1, 1)
    lines = [axis.plot(sine_gan.X_COORDS, c, linewidth=1.2, animated=True)[0] for c in snapshots[0]]
    title = axis.set_title(" ", animated=True)
    top = max(1.1, 1.05 * max(float(np.max(np.abs(curves))) for curves in snapshots))
    axis.set_ylim(-top, top)
    axis.set_xlabel("x")
    fig.tight_layout()
    fig.canvas.draw()
    background = fig.canvas.copy_from_bbox(fig.bbox)
    frames, palette = [], None
    for curves, row in zip(snapshots, history):
        fig.canvas.restore_region(background)
        for line, curve in zip(lines, curves):
            line.set_ydata(curve)
            axis.draw_artist(line)
        done = row["epoch"] + 1
        title.set_text(f"epoca {row['epoch']:03d} (dopo {done} epoc{'a' if done == 1 else 'he'})"
                       f"   R² mediano {row['median_r2']:.3f}")
        axis.draw_artist(title)
        image = Image.fromarray(np.asarray(fig.canvas.buffer_rgba())[..., :3])
        if palette is None:
            palette = image.quantize(colors=64, method=Image.Quantize.MEDIANCUT)
        frames.append(image.quantize(palette=palette, dither=Image.Dither.NONE))
    frames[0].save(path, format="GIF", save_all=True, append_images=frames[1:], duration=125,
                   loop=0)

