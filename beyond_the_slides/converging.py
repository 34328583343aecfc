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
- more updates than the slides' loop makes: 320 an epoch, each against
  fresh generated curves, where the slides make 64 (the curves' amplitude is
  the last thing to settle, see docs/variants.md);
- an output that leaves the generator nothing to draw but a band-limited
  curve: a frozen projection onto the span of the sinusoids sin(b x + phi)
  with b up to 2.1, the 12 leading directions of their covariance on the 64
  points. Every training curve passes through it unchanged; a wobble faster
  than any training curve has nowhere to go.

The networks are the slides' (the critic is `critic_gan.build_critic()`), and
so are the data, the noise, the critic's pretraining against `NOISE`, the
monitor and the figures. Training is the neutral base of `critic_gan.py`:
this module gives its losses, its optimizers and its counts.

Each part can be left out, to measure what it earns (`ABLATIONS`, run by the
benchmarks as `converging-no_r1` and so on).
"""

import numpy as np

import sine_gan
from beyond_the_slides.critic_gan import run_critic_gan
from beyond_the_slides.improved import build_improved_generator, with_frozen_layer

PROJECTION_RANK, PROJECTION_BAND, PROJECTION_GAIN = 12, 2.1, 1.1
R1_GAMMA = 1.0  # weight of the R1 penalty: gamma / 2 * E |grad D(real)|^2
LEARNING_RATE, BETAS, EMA_MOMENTUM = 2e-4, (0.5, 0.99), 0.999
UPDATES_PER_EPOCH, ROUNDS = 320, 4  # generator updates an epoch, and per compiled step
# The recipe less one part: the projection replaced by the wgan variant's low-pass filter,
# no R1, no averaged generator, or half the updates an epoch. (A learning rate decaying over
# the last quarter was tried too: it did what the average does, no more. docs/variants.md)
ABLATIONS = ("lowpass", "no_r1", "no_ema", "half_updates")


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


def build_converging_generator(without=()):
    """The slides' generator, then the frozen band-limited projection (with a gain of 1.1,
    so that a `tanh` output short of 1 still makes a curve of amplitude 1). With "lowpass"
    in `without`, the wgan variant's low-pass filter takes the projection's place."""
    if "lowpass" in without:
        return build_improved_generator(("lowpass",))
    return with_frozen_layer(sine_gan.build_generator(),
                             PROJECTION_GAIN * band_limited_projection(), "projection")


def r1_critic_loss(gamma):
    """The slides' loss, non-saturating, plus gamma / 2 times the R1 penalty on real curves;
    and the critic's margin (real curves' mean score minus fakes'), which the table shows."""
    def critic_loss(gan, real, fake):
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(real)
            real_score = gan.critic(real, training=True)
        gradient = tape.gradient(real_score, real)
        fake_score = gan.critic(fake, training=True)
        r1 = tf.reduce_mean(tf.reduce_sum(tf.square(gradient), axis=1))
        loss = (tf.reduce_mean(tf.nn.softplus(-real_score))
                + tf.reduce_mean(tf.nn.softplus(fake_score)) + gamma / 2 * r1)
        return loss, tf.reduce_mean(real_score) - tf.reduce_mean(fake_score)

    return critic_loss


def generator_loss(fake_score):
    """The slides' loss for the generator, non-saturating: -log D(fake)."""
    import tensorflow as tf

    return tf.reduce_mean(tf.nn.softplus(-fake_score))


def converging_recipe(without=()):
    """The recipe (see `critic_gan.py`), less the parts named in `without`."""
    import keras

    def optimizers():
        ema = {} if "no_ema" in without else {"use_ema": True, "ema_momentum": EMA_MOMENTUM}
        return (keras.optimizers.Adam(LEARNING_RATE, *BETAS),
                keras.optimizers.Adam(LEARNING_RATE, *BETAS, **ema))

    return {
        "critic_steps": 1, "rounds": ROUNDS,
        "updates_per_epoch": UPDATES_PER_EPOCH // (2 if "half_updates" in without else 1),
        "optimizers": optimizers, "generator_loss": generator_loss,
        "critic_loss": r1_critic_loss(0.0 if "no_r1" in without else R1_GAMMA),
        "labels": {"score": "margin", "table": "margine del critico",
                   "pretraining": ("Addestramento del critico", "margine del critico"),
                   "evolution": "Curve generate epoca dopo epoca"},
    }


def run_converging(monitor, epochs, pretrain_epochs, build_critic, build_generator, without=()):
    """The six steps of the critic's variants (`run_critic_gan()`) with this recipe."""
    return run_critic_gan(converging_recipe(without), "converging", monitor, epochs,
                          pretrain_epochs, build_critic, build_generator)
