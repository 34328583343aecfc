"""The improved variant, `--variant improved`: the slides' GAN with three fixes.

The slides' GAN draws sinusoids, but with a trembling hand, and it covers a
narrower band of frequencies than the training set (see docs/variants.md).
The improved variant keeps every slide step, the training loop, the noise and
the tables. Its builders start from the slides' networks and change them in
three small, well-known ways, each aimed at one defect. `changes` picks a
subset, so that the benchmarks can measure each change alone.
"""

import functools

import numpy as np

import sine_gan

IMPROVEMENTS = ("conv_front", "minibatch_std", "smooth_output", "lowpass")
IMPROVED = ("conv_front", "minibatch_std", "smooth_output")  # the improved variant's changes
MBSTD_GROUP = 4  # rows per minibatch-std group; 64 real rows = 16 whole groups
SMOOTH_KERNEL = (1, 4, 6, 4, 1)  # binomial weights of the generator's smoothing
LOWPASS_TAPS, LOWPASS_CUTOFF = 15, 3.0  # the low-pass filter: points, and cut-off as a b


@functools.cache
def minibatch_std_layer_class():
    """The `MinibatchStd` layer class, defined and registered on first use.

    A Keras layer has to be a class. It is made here, not at the top of the
    file, so that the command line answers `--help` without importing Keras.
    """
    import keras

    @keras.saving.register_keras_serializable(package="sine_gan")
    class MinibatchStd(keras.layers.Layer):
        """Minibatch standard deviation, for mode collapse (Karras et al., 2018).

        A dense discriminator judges one curve at a time, so it cannot tell
        that the generator makes the same few curves over and over. This layer
        takes each group of `group_size` consecutive rows, measures how much
        they differ (the mean over points of their standard deviation) and
        appends that number to every row of the group as an extra channel.
        Groups never mix real and fake rows, because each half of a
        discriminator batch is 64 rows, a whole number of groups. The standard
        deviation is `sqrt(var + 1e-8)`: a plain `std` has an infinite
        gradient where all rows agree, which made the loss NaN.
        """

        def __init__(self, group_size=MBSTD_GROUP, **kwargs):
            super().__init__(**kwargs)
            self.group_size = group_size

        def call(self, x):  # x: (batch, points, channels)
            points, channels = x.shape[1], x.shape[2]
            groups = keras.ops.reshape(x, (-1, self.group_size, points, channels))
            std = keras.ops.sqrt(keras.ops.var(groups, axis=1) + 1e-8)
            spread = keras.ops.mean(std, axis=(1, 2))  # one number per group
            spread = keras.ops.repeat(spread, self.group_size)  # one per row
            feature = keras.ops.ones_like(x[..., :1]) * spread[:, None, None]
            return keras.ops.concatenate([x, feature], axis=-1)

        def compute_output_shape(self, input_shape):
            return (*input_shape[:-1], input_shape[-1] + 1)

        def get_config(self):
            return {**super().get_config(), "group_size": self.group_size}

    return MinibatchStd


def build_improved_discriminator(changes=IMPROVED):
    """The slides' discriminator with a front that sees shape and variety.

    `minibatch_std`: a `MinibatchStd` channel, so that a generator that
    repeats itself looks fake. `conv_front`: a `Conv1D` over five neighbouring
    points, so that jitter and wrong local shape become easy tells (the seed
    articles note that discriminators are typically convolutional), followed
    by the dropout the slides put after each of their Dense layers. Without
    it the discriminator leans on local shape alone, and the generator keeps
    to the frequencies it draws best. The slides' layers follow, rebuilt for
    the front's output size.
    """
    from keras import Input
    from keras.layers import Conv1D, Dropout, Flatten, Reshape
    from keras.models import Sequential

    slides = sine_gan.build_discriminator()
    front = []
    if "minibatch_std" in changes:
        front.append(minibatch_std_layer_class()())
    if "conv_front" in changes:
        front.append(Conv1D(16, 5, strides=2, padding="same", activation="relu"))
        front.append(Dropout(sine_gan.DIS_DROPOUT))
    if not front:
        return slides
    layers = [type(layer).from_config(layer.get_config()) for layer in slides.layers]
    discriminator = Sequential([Input(shape=(sine_gan.TRAIN_LEN,)),
                                Reshape((sine_gan.TRAIN_LEN, 1)), *front, Flatten(), *layers],
                               name="discriminator")
    discriminator.compile_from_config(slides.get_compile_config())
    return discriminator


def smoothing_matrix(kernel=SMOOTH_KERNEL, full_gain=False):
    """The weights of a smoothing filter, as a (64, 64) matrix: binomial by default.

    Column j averages the points around j with weights 1, 4, 6, 4, 1, cut at
    the ends and rescaled so that each column sums to 1: the output stays in
    [-1, 1]. The filter removes point-to-point jitter completely (its response
    at the highest frequency 64 points can show is 0) and passes the training
    curves' frequencies almost whole (0.95 at b = 2, the highest). After
    `tanh`, that 0.95 is a ceiling: a full sinusoid at b = 2 cannot be drawn.
    With `full_gain` the matrix is scaled so that b = 2 passes whole; its
    columns then sum to more than 1, and the output can leave [-1, 1].
    """
    kernel = np.array(kernel, dtype="float64")
    half = len(kernel) // 2
    matrix = np.zeros((sine_gan.SAMPLE_LEN, sine_gan.SAMPLE_LEN))
    for j in range(sine_gan.SAMPLE_LEN):
        for offset, weight in enumerate(kernel, start=-half):
            if 0 <= j + offset < sine_gan.SAMPLE_LEN:
                matrix[j + offset, j] = weight
    matrix /= matrix.sum(axis=0, keepdims=True)
    if full_gain:  # divide by the response at b = 2 of the symmetric kernel
        step = sine_gan.X_COORDS[1] - sine_gan.X_COORDS[0]
        offsets = np.arange(len(kernel)) - half
        matrix /= np.sum(kernel * np.cos(offsets * 2.0 * step)) / kernel.sum()
    return matrix.astype("float32")


def lowpass_kernel(taps=LOWPASS_TAPS, cutoff=LOWPASS_CUTOFF):
    """A low-pass filter that takes nothing from b <= 2 and stops what is much faster.

    Every training curve has b <= 2, so anything faster in a generated curve
    is trembling. The binomial filter stops only the very fastest wobble and
    takes 5% from b = 2. This one is the ideal low-pass (a sinc) with its
    cut-off at b = `cutoff`, shortened to `taps` points with a Hann window.
    Scaled by `smoothing_matrix(..., full_gain=True)`, it passes b = 2 at 1
    and slower curves a little more (1.23 at b = 0.5), b = 4 at 0.49, b = 6
    at 0.11 and b = 8 at under 0.01. Because of that scaling its weights sum
    to 1.25, so a slow curve that `tanh` squares off can overshoot 1.
    """
    step = sine_gan.X_COORDS[1] - sine_gan.X_COORDS[0]
    k = np.arange(taps) - taps // 2
    window = 0.5 + 0.5 * np.cos(2 * np.pi * k / (taps - 1))
    return tuple(np.sinc(cutoff * step * k / np.pi) * window)


def build_improved_generator(changes=IMPROVED):
    """The slides' generator, followed by a frozen smoothing filter.

    `smooth_output`: a `Dense` layer without bias whose weights are
    `smoothing_matrix()` and which never trains. Jitter is filtered away
    before the discriminator sees it. `lowpass`: the same layer, with the
    low-pass filter of `lowpass_kernel()` in place of the binomial one.
    """
    generator = sine_gan.build_generator()
    if {"smooth_output", "lowpass"} & set(changes):
        matrix = (smoothing_matrix(lowpass_kernel(), full_gain=True) if "lowpass" in changes
                  else smoothing_matrix())
        with_frozen_layer(generator, matrix, "smoothing")
    return generator


def with_frozen_layer(generator, matrix, name):
    """`generator` followed by a `Dense` layer without bias, whose weights are `matrix` and
    which never trains: each output curve becomes `curve @ matrix`."""
    from keras.layers import Dense

    layer = Dense(sine_gan.SAMPLE_LEN, use_bias=False, trainable=False, name=name)
    generator.add(layer)
    layer.set_weights([matrix])
    generator.compile_from_config(generator.get_compile_config())
    return generator

