"""The slides' code exactly as printed, with only the fixes it needs to run.

This is the baseline that `step_time.py` and the README's timings compare
against. Fixes, and nothing else:

- `SAMPLE_LEN` is never defined in the slides: it is `TRAIN_LEN`.
- `np.math.pi` is gone in NumPy 2: `np.pi`.
- `"sigmoid\\n"`, `"relu\\n"`, `"tanh\\n"` (strings broken across lines): the
  plain activation names.
- The epoch print is indented inside the epoch loop, as the table shows.
- `verbose=0` is NOT passed to `predict`, so it prints its progress lines,
  exactly as the slide code does.

Run: python benchmarks/slides_as_printed.py [--epochs N]
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from numpy.random import randint, uniform

from keras.models import Sequential
from keras.layers import Dense, Dropout

parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
parser.add_argument("--epochs", type=int, default=64)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()
np.random.seed(args.seed)
start = time.perf_counter()

TRAIN_LEN = 64
SAMPLE_LEN = TRAIN_LEN
TRAIN_SIZE = 8192
BATCH = 128
X_MIN, X_MAX = -5.0, 5.0
Y_MIN, Y_MAX = -1.0, 1.0

X_COORDS = np.linspace(X_MIN, X_MAX, TRAIN_LEN)
X_TRAIN = np.zeros((TRAIN_SIZE, TRAIN_LEN))

for i in range(0, TRAIN_SIZE):
    scale = uniform(0.5, 2.0)
    phase = uniform(np.pi)
    X_TRAIN[i] = np.array([np.sin(scale * x + phase) for x in X_COORDS])

DIS_DROPOUT = 0.4
discriminator = Sequential()
discriminator.add(Dense(TRAIN_LEN, activation="relu"))
discriminator.add(Dropout(DIS_DROPOUT))
discriminator.add(Dense(SAMPLE_LEN, activation="relu"))
discriminator.add(Dropout(DIS_DROPOUT))
discriminator.add(Dense(1, activation="sigmoid"))
discriminator.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])

BATCH_SIZE = 128
EPOCHS = 32
ONES = np.ones((BATCH_SIZE // 2))
ZEROS = np.zeros((BATCH_SIZE // 2))
ONEZEROS = (ONES, ZEROS)
NOISE = uniform(Y_MIN, Y_MAX, size=(TRAIN_SIZE, TRAIN_LEN))
print(" epoca | accuratezza ")
for i in range(EPOCHS):
    n = randint(0, TRAIN_SIZE, size=BATCH_SIZE // 2)
    x = np.concatenate((X_TRAIN[n], NOISE[n]))
    y = np.concatenate(ONEZEROS)
    dummy, acc = discriminator.train_on_batch(x, y)
    print(f"    {i:3} |    {acc}")

generator = Sequential()
generator.add(Dense(SAMPLE_LEN, activation="relu"))
generator.add(Dense(256, activation="relu"))
generator.add(Dense(SAMPLE_LEN, activation="tanh"))
generator.compile(optimizer="adam", loss="mse", metrics=["accuracy"])

gan = Sequential()
gan.add(generator)
discriminator.trainable = False
gan.add(discriminator)
gan.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])

EPOCHS = args.epochs
print(" epoca | accuratezza discrimin. | accuratezza generatore ")
for e in range(EPOCHS):
    for k in range(TRAIN_SIZE // BATCH):
        n = randint(0, TRAIN_SIZE, size=BATCH // 2)
        x = np.concatenate((X_TRAIN[n], generator.predict(NOISE[n])))
        y = np.concatenate(ONEZEROS)
        discriminator.trainable = True
        d_loss, d_acc = discriminator.train_on_batch(x, y)
        discriminator.trainable = False
        g_loss, g_acc = gan.train_on_batch(NOISE[n], ONES)
    print(f"    {e:03n} |                {d_acc:.5f} |                {g_acc:.5f}")

x = uniform(Y_MIN, Y_MAX, size=(1, SAMPLE_LEN))
y = generator.predict(x)[0]
print(f"slides_as_printed: {args.epochs} epochs in {time.perf_counter() - start:.1f} s")
