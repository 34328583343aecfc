"""`--variant converging`: the slides' own loss, made to converge.

The slides train with binary cross-entropy, and their GAN never settles: the
discriminator wins almost every step and the generator's curves keep their
tremble. This variant keeps that loss, in its non-saturating form, and adds
what the field found makes it converge:

- an R1 gradient penalty on real curves (Mescheder, Geiger and Nowozin,
  "Which training methods for GANs do actually converge?", ICML 2018): the
  critic is pushed to be flat around the real curves, so that once the
  generator draws them, nothing pushes it away again;
- a moving average of the generator's weights (Yazıcı et al., ICLR 2019),
  which is what is saved and scored: it averages away the last steps' jitter;
- a learning rate that decays to zero over the last quarter of the updates;
- an output that leaves the generator nothing to draw but a band-limited
  curve: a frozen projection onto the span of the sinusoids sin(b x + phi)
  with b up to 2.1, the 12 leading directions of their covariance on the 64
  points. Every training curve passes through it unchanged; a wobble faster
  than any training curve has nowhere to go.

The networks are the slides' (the critic is `wgan.build_critic()`), and so are
the data, the noise, the critic's pretraining against `NOISE`, the monitor and
the figures. Training is `wgan.py`'s model, loop and table: this module
overrides only the losses, the optimizers and the number of updates.
"""

import functools

import numpy as np

import sine_gan
from beyond_the_slides.improved import with_frozen_layer
from beyond_the_slides.wgan import run_wgan, wgan_model_class

PROJECTION_RANK, PROJECTION_BAND, PROJECTION_GAIN = 12, 2.1, 1.1
R1_GAMMA = 1.0  # weight of the R1 penalty: gamma / 2 * E |grad D(real)|^2
LEARNING_RATE, BETAS, EMA_MOMENTUM = 2e-4, (0.5, 0.99), 0.999
UPDATES_PER_EPOCH, ROUNDS = 256, 4  # generator updates an epoch, and per compiled step
DECAY_FROM = 0.75  # the learning rate decays to 0 after this share of the updates


def band_limited_projection(rank=PROJECTION_RANK, band=PROJECTION_BAND):
    """The projection onto the `rank` leading eigenvectors of the covariance of
    sin(b x + phi) on `X_COORDS`, b uniform in [0, band], phi uniform in [0, 2 pi).

    That covariance is known exactly: E[sin(b x + phi) sin(b y + phi)] is
    E[cos(b (x - y))] / 2, which is sinc(band (x - y)) / 2.
    """
    x = sine_gan.X_COORDS
    covariance = 0.5 * np.sinc(band * (x[:, None] - x[None, :]) / np.pi)
    _, vectors = np.linalg.eigh(covariance)  # eigenvalues in ascending order
    leading = vectors[:, -rank:]
    return leading @ leading.T


def build_converging_generator():
    """The slides' generator, then the frozen band-limited projection (with a gain of 1.1,
    so that a `tanh` output short of 1 still makes a curve of amplitude 1)."""
    return with_frozen_layer(sine_gan.build_generator(),
                             PROJECTION_GAIN * band_limited_projection(), "projection")


@functools.cache
def converging_model_class():
    """The `ConvergingGAN` model class, defined on first use (it needs Keras)."""
    import keras
    import tensorflow as tf

    class LastQuarterDecay(keras.optimizers.schedules.LearningRateSchedule):
        """`rate` until `DECAY_FROM` of `updates`, then linearly down to 0."""

        def __init__(self, rate, updates):
            self.rate, self.updates = rate, float(updates)

        def __call__(self, step):
            start = DECAY_FROM * self.updates
            done = tf.clip_by_value((tf.cast(step, "float32") - start)
                                    / (self.updates - start), 0.0, 1.0)
            return self.rate * (1.0 - done)

        def get_config(self):
            return {"rate": self.rate, "updates": self.updates}

    class ConvergingGAN(wgan_model_class()):
        """The Wasserstein model's shape, with the slides' loss, R1, the averaged
        generator and the decaying learning rate: one critic update, then one
        generator update, `ROUNDS` times per compiled step."""

        CRITIC_STEPS, ROUNDS, UPDATES_PER_EPOCH = 1, ROUNDS, UPDATES_PER_EPOCH
        SCORE, TABLE = "margin", "margine del critico"  # real curves' mean score minus fakes'
        PRETRAINING = ("Addestramento del critico", "margine del critico")
        EVOLUTION = "Curve generate epoca dopo epoca"

        def __init__(self, generator, critic, updates, **kwargs):
            self.updates = updates
            super().__init__(generator, critic, **kwargs)

        def optimizers(self):
            def adam(**ema):
                return keras.optimizers.Adam(LastQuarterDecay(LEARNING_RATE, self.updates),
                                             *BETAS, **ema)

            return adam(), adam(use_ema=True, ema_momentum=EMA_MOMENTUM)

        def critic_loss(self, real, fake):
            with tf.GradientTape() as tape:
                tape.watch(real)
                real_score = self.critic(real, training=True)
            gradient = tape.gradient(real_score, real)
            fake_score = self.critic(fake, training=True)
            r1 = tf.reduce_mean(tf.reduce_sum(tf.square(gradient), axis=1))
            loss = (tf.reduce_mean(tf.nn.softplus(-real_score))
                    + tf.reduce_mean(tf.nn.softplus(fake_score)) + R1_GAMMA / 2 * r1)
            return loss, tf.reduce_mean(real_score) - tf.reduce_mean(fake_score)

        def generator_loss(self, fake_score):
            return tf.reduce_mean(tf.nn.softplus(-fake_score))

        def finish(self):
            """The averaged weights become the generator's: what is saved and scored."""
            self.generator_optimizer.finalize_variable_values(
                self.generator.trainable_variables)

    return ConvergingGAN


def build_converging(generator, critic, epochs):
    """The model of `generator` and `critic`, compiled for a run of `epochs` epochs."""
    model = converging_model_class()(generator, critic, epochs * UPDATES_PER_EPOCH,
                                     name="converging")
    model.compile()
    return model


run_converging = functools.partial(run_wgan, build_model=build_converging)
