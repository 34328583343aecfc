"""Is it a sinusoid? A score for the generated curves.

The slides judge the result by eye. To put a number on it, fit each curve
with the best `A sin(bx) + B cos(bx) + C` over a grid of frequencies `b`
(for fixed `b` that is linear least squares) and report R^2: 1 for a perfect
sinusoid, near 0 for noise. Beside it: how much the curves tremble, how
varied they are, and how far their frequencies are from the training set's.
"""

import functools

import numpy as np

import sine_gan

FIT_FREQUENCIES = np.linspace(0.05, 4.0, 791)  # grid step 0.005
GOOD_R2 = 0.9  # a curve with R^2 >= 0.9 counts as a sinusoid
SHARE_KEY = f"share_r2_ge_{GOOD_R2}"
PEAK_ABOVE = 1.02  # a curve peaking above this is no sinusoid of amplitude 1
PEAK_KEY = f"share_peaking_above_{PEAK_ABOVE}"
EVAL_SIZE = 1000  # generated and real curves in the final report


@functools.lru_cache(maxsize=4)
def _fit_basis(x):
    """Orthonormal bases of span{sin(bx), cos(bx), 1}, one per grid frequency.

    Cached: the monitor scores curves on the same `x` every epoch. Returns
    `q` reshaped to (points, frequencies * 3) for one matrix product, and the
    triangular factors `r` to recover the coefficients.
    """
    bx = FIT_FREQUENCIES[:, None] * np.array(x, dtype="float64")[None, :]
    design = np.stack([np.sin(bx), np.cos(bx), np.ones_like(bx)], axis=-1)
    q, r = np.linalg.qr(design)  # (frequencies, points, 3), (frequencies, 3, 3)
    return q.transpose(1, 0, 2).reshape(len(x), -1), r


def sine_fit(curves, x=None):
    """Best sinusoid `amplitude * sin(frequency * x + phase) + offset` through each curve.

    Vectorised over curves and frequencies: one matrix product projects every
    curve on every basis, so 1,000 curves take a fraction of a second.
    Returns a dict of arrays `r2`, `frequency`, `amplitude`, `phase` (in
    [0, 2 pi): a real curve's is the `phase` it was drawn with) and `offset`.
    """
    x = sine_gan.X_COORDS if x is None else x
    y = np.atleast_2d(np.asarray(curves, dtype="float64"))
    if y.shape[1] != len(x):
        raise ValueError(f"curves have {y.shape[1]} points, x has {len(x)}")
    q, r = _fit_basis(tuple(np.asarray(x, dtype="float64")))
    proj = (y @ q).reshape(len(y), len(FIT_FREQUENCIES), 3)
    explained = np.sum(proj**2, axis=-1)  # ||projection||^2 per curve, frequency
    best = np.argmax(explained, axis=1)
    rows = np.arange(len(y))
    sse = np.maximum(np.sum(y**2, axis=1) - explained[rows, best], 0.0)
    sst = np.sum((y - y.mean(axis=1, keepdims=True)) ** 2, axis=1)
    r2 = 1.0 - sse / np.maximum(sst, 1e-12)
    coef = np.linalg.solve(r[best], proj[rows, best][..., None])[..., 0]
    return {
        "r2": r2,
        "frequency": FIT_FREQUENCIES[best],
        "amplitude": np.hypot(coef[:, 0], coef[:, 1]),
        # A sin(bx) + B cos(bx) = R sin(bx + phase), with tan(phase) = B / A
        "phase": np.mod(np.arctan2(coef[:, 1], coef[:, 0]), 2 * np.pi),
        "offset": coef[:, 2],
    }


def r2_summary(r2):
    """The median R^2 and the share of curves that count as sinusoids."""
    return {"median_r2": float(np.median(r2)), SHARE_KEY: float(np.mean(r2 >= GOOD_R2))}


def wasserstein1(a, b):
    """1-D Wasserstein distance between two samples (area between their CDFs)."""
    a, b = np.sort(a), np.sort(b)
    grid = np.sort(np.concatenate([a, b]))
    cdf_a = np.searchsorted(a, grid[:-1], side="right") / len(a)
    cdf_b = np.searchsorted(b, grid[:-1], side="right") / len(b)
    return float(np.sum(np.abs(cdf_a - cdf_b) * np.diff(grid)))


def roughness(curves):
    """Mean squared second difference: how much a curve trembles."""
    return float(np.mean(np.diff(np.asarray(curves, dtype="float64"), n=2, axis=1) ** 2))


def diversity(curves):
    """Mean over the points of the spread across curves."""
    return float(np.mean(np.std(np.asarray(curves, dtype="float64"), axis=0)))


def sine_report(fake, real):
    """How sinusoidal, how smooth and how varied the generated curves are.

    Ratios compare generated curves with real ones: roughness 1 means they
    tremble as little as real sinusoids, diversity 1 means as much variety.
    Returns the report and the fits (generated, real) of `sine_fit()`.
    """
    f, r = sine_fit(fake), sine_fit(real)
    quartiles = [0.25, 0.5, 0.75]
    report = {
        **r2_summary(f["r2"]),
        "frequency_quartiles_generated": np.quantile(f["frequency"], quartiles).round(4).tolist(),
        "frequency_quartiles_real": np.quantile(r["frequency"], quartiles).round(4).tolist(),
        "frequency_w1": wasserstein1(f["frequency"], r["frequency"]),
        "roughness_ratio": roughness(fake) / roughness(real),
        "diversity_ratio": diversity(fake) / diversity(real),
        # Real curves all have amplitude 1: a share of generated ones near it.
        "amplitude_within_5": float(np.mean(np.abs(f["amplitude"] - 1.0) <= 0.05)),
        "amplitude_within_2": float(np.mean(np.abs(f["amplitude"] - 1.0) <= 0.02)),
        # and none ever goes beyond 1: the simplest judge there is, a curve's peak.
        PEAK_KEY: float(np.mean(np.max(np.abs(fake), axis=1) > PEAK_ABOVE)),
    }
    return report, (f, r)


def describe_report(report, count):
    """The report in one line, as the run prints it."""
    text = (f"{count:,} curves: median R² {report['median_r2']:.4f}, "
            f"{report[SHARE_KEY]:.1%} with R² >= {GOOD_R2}")
    if "frequency_w1" in report:
        text += (f", roughness {report['roughness_ratio']:.1f}x real, "
                 f"diversity {report['diversity_ratio']:.2f}x real, "
                 f"frequency W1 {report['frequency_w1']:.3f}, "
                 f"{report['amplitude_within_5']:.1%} with amplitude within 5% of 1")
    return text


def final_report(generator, X_TRAIN, rng):
    """Score `EVAL_SIZE` fresh curves against as many real ones; see `sine_report()`."""
    fake = sine_gan.generate(generator, EVAL_SIZE, rng=rng)
    real = X_TRAIN[rng.choice(sine_gan.TRAIN_SIZE, EVAL_SIZE, replace=False)]
    return sine_report(fake, real)



def explain_report(report, count):
    """The report in plain words, a sentence a measure, for a learner."""
    return "\n".join([
        f"Of {count:,} fresh curves, the median one fits a sinusoid with R² "
        f"{report['median_r2']:.3f} (1 is a perfect sinusoid, noise scores near 0), and "
        f"{report[SHARE_KEY]:.0%} reach R² {GOOD_R2}.",
        f"They tremble {report['roughness_ratio']:.1f} times as much as real sinusoids "
        "(roughness: the mean squared change of slope from point to point).",
        f"They vary {report['diversity_ratio']:.2f} times as much as real ones from curve to "
        "curve (diversity: 1 is the training set's variety).",
        f"Their frequencies are {report['frequency_w1']:.3f} away from the training set's "
        "(W1: how far the histogram below must move to match; 0 is the same mix).",
        f"{report['amplitude_within_5']:.0%} of them have an amplitude within 5% of 1, and "
        f"{report['amplitude_within_2']:.0%} within 2% (every real sinusoid has amplitude 1).",
    ])
