"""The next lecture, `--variant wgan`: the slides' networks as a Wasserstein GAN.

The slides' discriminator judges one curve at a time: is it real? A
generator can answer "yes" with the few curves it draws best, and nothing in
that verdict asks for the rest of the family (mode collapse). A Wasserstein
critic instead scores how far the generated distribution is from the real
one: its output has no sigmoid, and the distance it estimates, mean score of
real curves minus mean score of generated ones, only goes to zero when the
generator covers the whole family. The gradient penalty keeps the critic
smooth (its gradient norm near 1), which is what makes that difference a
distance (Gulrajani et al., 2017).

The networks are the slides': the generator through `build_generator()`,
followed by a frozen smoothing layer like the improved variant's (with a
low-pass filter), and the discriminator as a critic, without dropout and with
a linear output (`critic_gan.build_critic()`). Training is keras-io's
`wgan_gp.py`, on the neutral base of `critic_gan.py`: this module gives its
losses, its optimizers and its counts.
"""

import functools

from beyond_the_slides.critic_gan import run_critic_gan
from beyond_the_slides.improved import build_improved_generator

# As keras-io's wgan_gp.py (Gulrajani et al., 2017).
WGAN_CRITIC_STEPS = 5  # critic updates per generator update
WGAN_PENALTY = 10.0  # weight of the gradient penalty
WGAN_LEARNING_RATE, WGAN_BETAS = 1e-4, (0.5, 0.9)  # Adam, for both networks
WGAN_STEPS_PER_EPOCH = 128  # generator updates per epoch


def build_wgan_generator():
    """The slides' generator with the improved variant's smoothing layer, as a low-pass filter.

    A critic whose gradient is kept near 1 can only punish small wobble a
    little (a wobble of 0.03 moves a curve by little, so its score by little
    too), so the generator is made unable to wobble: the filter of
    `lowpass_kernel()` stops what is much faster than the training curves.
    """
    return build_improved_generator(("lowpass",))


def gradient_penalty(critic, real, fake, alpha):
    """The mean of (|gradient of the critic| - 1)^2 at points between real and fake curves.

    `alpha` (one number in [0, 1] per row) says where on the line from each
    real curve to its fake one the critic is checked.
    """
    import tensorflow as tf

    mixed = real + alpha * (fake - real)
    with tf.GradientTape() as tape:
        tape.watch(mixed)
        score = critic(mixed, training=True)
    gradient = tape.gradient(score, mixed)
    norm = tf.sqrt(tf.reduce_sum(tf.square(gradient), axis=1) + 1e-12)
    return tf.reduce_mean(tf.square(norm - 1.0))


def critic_loss(gan, real, fake):
    """Minus the estimated distance (mean score of real curves minus fakes'), plus the
    gradient penalty; and the distance, which the table shows."""
    import keras
    import tensorflow as tf

    alpha = keras.random.uniform((tf.shape(real)[0], 1), seed=gan.seeds)
    distance = (tf.reduce_mean(gan.critic(real, training=True))
                - tf.reduce_mean(gan.critic(fake, training=True)))
    penalty = gradient_penalty(gan.critic, real, fake, alpha)
    return -distance + WGAN_PENALTY * penalty, distance


def generator_loss(fake_score):
    import tensorflow as tf

    return -tf.reduce_mean(fake_score)


def optimizers():
    """Adam for both networks, at one rate throughout."""
    import keras

    return (keras.optimizers.Adam(WGAN_LEARNING_RATE, *WGAN_BETAS),
            keras.optimizers.Adam(WGAN_LEARNING_RATE, *WGAN_BETAS))


WGAN = {
    "critic_steps": WGAN_CRITIC_STEPS, "rounds": 1, "updates_per_epoch": WGAN_STEPS_PER_EPOCH,
    "optimizers": optimizers, "critic_loss": critic_loss, "generator_loss": generator_loss,
    "labels": {"score": "distance", "table": "stima di Wasserstein",
               "pretraining": ("Addestramento del critico",
                               "stima della distanza di Wasserstein"),
               "evolution": "Curve generate al diminuire della distanza di Wasserstein"},
}

run_wgan = functools.partial(run_critic_gan, WGAN, "wgan")
