"""Can a classifier tell? The classifier two-sample test, on the curves and on the family.

A fresh classifier learns to tell real curves from generated ones, and its
accuracy on curves it has not seen is the result (Lopez-Paz and Oquab, 2017;
TimeGAN's "discriminative score" is |accuracy - 0.5|). 0.5: the two cannot be
told apart; 1.0: they always can.

- on the curves: the curves as drawn. Real curves are exact unit sinusoids,
  so this measures exactness as well as coverage.
- on the family: every curve, real or generated, is first replaced by its
  best-fitting sinusoid of amplitude 1 and offset 0 (`score.sine_fit()`).
  What still tells them apart is the mix of frequencies and phases: coverage.

The classifier sees local shape and the whole curve: two 1-D convolutions
over 5 points (stride 2, 16 and 32 channels), then a Dense layer of 32 over
the whole curve, and a sigmoid (19,137 parameters). It is trained with Adam
for 20 epochs on 70% of 5,000 real and 5,000 generated curves (7,000 curves,
batch 128), and scored on the other 3,000. The accuracy grows with the data
a classifier sees, so these sizes are part of the result. Each accuracy is
the mean of 3 repeats, each with fresh curves and a fresh classifier, from
fixed seeds.

Run: python benchmarks/classifier.py --model outputs/generator.keras [--seed 1]
"""

import argparse
import contextlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import sine_gan  # noqa: E402
from beyond_the_slides import score  # noqa: E402

CURVES = 5000  # real and as many generated curves per repeat
HELD_OUT = 0.3
EPOCHS = 20
BATCH = 128
REPEATS = 3
MODES = ("curves", "family")


def real_curves(count, rng):
    """Curves drawn by the dataset's own law: `sin(scale * x + phase)`, as `make_dataset()`."""
    scale = rng.uniform(0.5, 2.0, count)
    phase = np.pi - rng.uniform(0.0, np.pi - 1.0, count)  # the slides' `uniform(np.pi)`: (1, pi]
    return np.sin(scale[:, None] * sine_gan.X_COORDS + phase[:, None]).astype("float32")


def on_family(curves):
    """Each curve replaced by its best-fitting sinusoid of amplitude 1 and offset 0."""
    fit = score.sine_fit(curves)
    return np.sin(fit["frequency"][:, None] * sine_gan.X_COORDS
                  + fit["phase"][:, None]).astype("float32")


def build_classifier():
    """Two convolutions for local shape, a Dense layer for the whole curve, a sigmoid."""
    import keras
    from keras import layers

    model = keras.Sequential([
        keras.Input((sine_gan.TRAIN_LEN,)),
        layers.Reshape((sine_gan.TRAIN_LEN, 1)),
        layers.Conv1D(16, 5, strides=2, padding="same", activation="relu"),
        layers.Conv1D(32, 5, strides=2, padding="same", activation="relu"),
        layers.Flatten(),
        layers.Dense(32, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ], name="two_sample_classifier")
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def held_out_accuracy(real, fake, seed):
    """Train a fresh classifier on 70% of the curves; its accuracy on the other 30%."""
    import keras

    keras.utils.set_random_seed(seed)
    x = np.concatenate([real, fake]).astype("float32")
    y = np.concatenate([np.ones(len(real)), np.zeros(len(fake))]).astype("float32")
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    split = int(len(x) * (1 - HELD_OUT))
    model = build_classifier()
    model.fit(x[:split], y[:split], epochs=EPOCHS, batch_size=BATCH, verbose=0)
    _, accuracy = model.evaluate(x[split:], y[split:], batch_size=1024, verbose=0)
    return float(accuracy)


def two_sample_accuracies(draw_fake, seed, repeats=REPEATS, count=CURVES):
    """Mean held-out accuracy in both modes; `draw_fake(count, rng)` gives the other sample.

    Repeat r uses seeds derived from (seed, r): fresh curves and a fresh classifier.
    """
    results = {mode: [] for mode in MODES}
    for repeat in range(repeats):
        rng = np.random.default_rng([seed, 3, repeat])
        real, fake = real_curves(count, rng), np.asarray(draw_fake(count, rng), "float32")
        classifier_seed = (1000 * seed + repeat) % 2**32  # what NumPy's seeding takes
        results["curves"].append(held_out_accuracy(real, fake, classifier_seed))
        results["family"].append(held_out_accuracy(on_family(real), on_family(fake),
                                                   classifier_seed))
    return {f"c2st_{mode}": float(np.mean(values)) for mode, values in results.items()}


def generator_sampler(generator):
    """`draw_fake` for a trained generator: its curves from fresh uniform noise."""
    return lambda count, rng: sine_gan.generate(generator, count, rng=rng)


def control(seed, repeats=REPEATS):
    """Real against real: a classifier that can tell nothing scores about 0.5."""
    return two_sample_accuracies(real_curves, seed, repeats)


def main(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--model", help="a generator saved by a run; without it, the control")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if args.model:
        import keras

        generator = keras.models.load_model(args.model)
        with contextlib.redirect_stdout(sys.stderr):
            result = two_sample_accuracies(generator_sampler(generator), args.seed)
        what = args.model
    else:
        result = control(args.seed)
        what = "real against real (control)"
    print(f"{what}: accuracy on the curves {result['c2st_curves']:.3f}, "
          f"on the family {result['c2st_family']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
