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
a linear output. The data, the noise bank, the figures, the monitor and the
outputs are the slides' too. Training is keras-io's `wgan_gp.py`: a
`keras.Model` that holds both networks, with its own `train_step`. The
critic is first trained against the `NOISE` rows, as the slides pretrain
the discriminator.
"""

import functools

from numpy.random import randint

import sine_gan
from beyond_the_slides.improved import build_improved_generator

# As keras-io's wgan_gp.py (Gulrajani et al., 2017).
WGAN_CRITIC_STEPS = 5  # critic updates per generator update
WGAN_PENALTY = 10.0  # weight of the gradient penalty
WGAN_LEARNING_RATE, WGAN_BETAS = 1e-4, (0.5, 0.9)  # Adam, for both networks
WGAN_STEPS_PER_EPOCH = 128  # generator updates per epoch


def build_critic():
    """The slides' discriminator as a Wasserstein critic: no dropout, a linear output."""
    from keras import Input
    from keras.layers import Dropout
    from keras.models import Sequential

    kept = [layer for layer in sine_gan.build_discriminator().layers
            if not isinstance(layer, Dropout)]
    configs = [layer.get_config() for layer in kept]
    configs[-1]["activation"] = "linear"  # a score, not a probability
    layers = [type(layer).from_config(config) for layer, config in zip(kept, configs)]
    return Sequential([Input(shape=(sine_gan.TRAIN_LEN,)), *layers], name="critic")


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


@functools.cache
def wgan_model_class():
    """The `WassersteinGAN` model class, defined on first use (it needs Keras)."""
    import keras
    import tensorflow as tf

    class WassersteinGAN(keras.Model):
        """A generator and a critic, trained with the Wasserstein loss and a gradient penalty.

        `train_on_batch(real)` takes `ROUNDS` times `CRITIC_STEPS` slices of
        real curves: in each round, one critic update on each slice, against
        fresh generated curves, then one generator update. `train_on_batch(
        real, fake)` makes one critic update against the given fake curves
        (the critic's pretraining). A variant of it overrides its losses, its
        optimizers and these numbers (see `converging.py`).
        """

        CRITIC_STEPS, ROUNDS, UPDATES_PER_EPOCH = WGAN_CRITIC_STEPS, 1, WGAN_STEPS_PER_EPOCH
        SCORE, TABLE = "distance", "stima di Wasserstein"  # the critic's figure, its column
        PRETRAINING = ("Addestramento del critico", "stima della distanza di Wasserstein")
        EVOLUTION = "Curve generate al diminuire della distanza di Wasserstein"

        def __init__(self, generator, critic, **kwargs):
            super().__init__(**kwargs)
            self.generator, self.critic = generator, critic
            self.seeds = keras.random.SeedGenerator()  # seeded by `seed_everything()`

        def compile(self):
            super().compile()
            self.critic_optimizer, self.generator_optimizer = self.optimizers()
            # Built here: a compiled train step cannot create their variables.
            self.critic_optimizer.build(self.critic.trainable_variables)
            self.generator_optimizer.build(self.generator.trainable_variables)

        def optimizers(self):
            return (keras.optimizers.Adam(WGAN_LEARNING_RATE, *WGAN_BETAS),
                    keras.optimizers.Adam(WGAN_LEARNING_RATE, *WGAN_BETAS))

        def fresh_noise(self, count):
            return keras.random.uniform((count, sine_gan.SAMPLE_LEN), sine_gan.Y_MIN,
                                        sine_gan.Y_MAX, seed=self.seeds)

        def critic_loss(self, real, fake):
            """The loss and the table's `distance`: minus the estimated distance, plus the
            gradient penalty."""
            alpha = keras.random.uniform((tf.shape(real)[0], 1), seed=self.seeds)
            distance = (tf.reduce_mean(self.critic(real, training=True))
                        - tf.reduce_mean(self.critic(fake, training=True)))
            penalty = gradient_penalty(self.critic, real, fake, alpha)
            return -distance + WGAN_PENALTY * penalty, distance

        def generator_loss(self, fake_score):
            return -tf.reduce_mean(fake_score)

        def critic_step(self, real, fake):
            with tf.GradientTape() as tape:
                loss, distance = self.critic_loss(real, fake)
            weights = self.critic.trainable_variables
            self.critic_optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
            return loss, distance

        def generator_step(self, count):
            with tf.GradientTape() as tape:
                fake = self.generator(self.fresh_noise(count), training=True)
                loss = self.generator_loss(self.critic(fake, training=True))
            weights = self.generator.trainable_variables
            self.generator_optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
            return loss

        def train_step(self, data):
            data, fake, _ = keras.utils.unpack_x_y_sample_weight(data)
            if fake is not None:  # the critic's pretraining
                c_loss, distance = self.critic_step(data, fake)
                return {"c_loss": c_loss, self.SCORE: distance}
            for chunk in tf.split(data, self.ROUNDS):
                for real in tf.split(chunk, self.CRITIC_STEPS):
                    fake = self.generator(self.fresh_noise(tf.shape(real)[0]), training=True)
                    c_loss, distance = self.critic_step(real, fake)
                g_loss = self.generator_step(tf.shape(real)[0])
            return {"c_loss": c_loss, self.SCORE: distance, "g_loss": g_loss}

        def finish(self):
            """After training: nothing to do here (a variant copies averaged weights)."""

    return WassersteinGAN


def build_wgan(generator, critic, epochs=None):
    """The Wasserstein GAN of `generator` and `critic`, compiled (`epochs`: for a variant
    whose learning rate follows the run's length)."""
    wgan = wgan_model_class()(generator, critic, name="wgan")
    wgan.compile()
    return wgan


def pretrain_critic(wgan, X_TRAIN, NOISE, epochs):
    """The critic's first lesson, as the slides' pretraining: sinusoids against `NOISE` rows.

    One update per epoch on 64 of each, and a table of the critic's estimate
    of the Wasserstein distance, which grows as it learns to tell them apart.
    """
    distances = []
    print(f" epoca | {wgan.TABLE} ")
    for i in range(epochs):
        n = randint(0, sine_gan.TRAIN_SIZE, size=sine_gan.BATCH_SIZE // 2)
        losses = wgan.train_on_batch(X_TRAIN[n], NOISE[n], return_dict=True)
        distances.append(losses[wgan.SCORE])
        print(f"    {i:3} | {losses[wgan.SCORE]:20.5f}")
    return distances


def plot_critic_pretraining(distances, labels):
    """The critic's pretraining table as a curve; `labels`: its title and its y axis."""
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(1, 1)
    axis.plot(range(len(distances)), distances, marker="o")
    axis.set_title(labels[0])
    axis.set_xlabel("epoca")
    axis.set_ylabel(labels[1])
    return fig


def train_wgan(wgan, X_TRAIN, epochs, monitor):
    """The Wasserstein training loop: `UPDATES_PER_EPOCH` generator updates an epoch.

    Each call takes `ROUNDS` times `CRITIC_STEPS` batches of 64 real curves,
    one per critic update. The table shows the critic's estimate of the
    distance; the monitor is the slides' loop's.
    """
    print(f" epoca | {wgan.TABLE} " + monitor.HEADER)
    real_per_call = wgan.ROUNDS * wgan.CRITIC_STEPS * sine_gan.BATCH // 2
    for e in range(epochs):
        for k in range(wgan.UPDATES_PER_EPOCH // wgan.ROUNDS):
            n = randint(0, sine_gan.TRAIN_SIZE, size=real_per_call)
            losses = wgan.train_on_batch(X_TRAIN[n], return_dict=True)
            if monitor.should_stop(e, k, losses["c_loss"], losses["g_loss"]):
                return
        scores = monitor.end_epoch(wgan.generator, e, **losses)
        print(f"    {e:03n} | {losses[wgan.SCORE]:20.5f}" + scores, flush=True)


def run_wgan(monitor, epochs, pretrain_epochs, build_critic=build_critic,
             build_generator=build_wgan_generator, build_model=build_wgan):
    """The deck's six steps (`run_slides()`), with a critic in place of the discriminator.

    Steps 1 and 6 are the slides' own functions. What differs: the critic
    learns inside the Wasserstein model, so the generator and that model
    (step 4) are built before the critic's pretraining (step 3), and step 5
    is `train_wgan()`. Returns what `run_slides()` returns, the critic in
    the discriminator's place. `build_model`: the model of a variant of this one.
    """
    X_TRAIN = sine_gan.make_dataset()
    figures = {"dataset.png": sine_gan.plot_dataset(X_TRAIN)}
    critic = build_critic()
    NOISE = sine_gan.make_noise()
    generator = build_generator()
    wgan = build_model(generator, critic, epochs)
    distances = pretrain_critic(wgan, X_TRAIN, NOISE, pretrain_epochs)
    figures["pretraining.png"] = plot_critic_pretraining(distances, wgan.PRETRAINING)
    train_wgan(wgan, X_TRAIN, epochs, monitor)
    wgan.finish()
    figures["sample.png"] = sine_gan.plot_sample(sine_gan.generate(generator)[0])
    figures["evolution.png"] = sine_gan.plot_evolution(
        monitor.snapshots, monitor.history, X_TRAIN[:sine_gan.PROBE_SHOWN], title=wgan.EVOLUTION)
    return {"generator": generator, "discriminator": critic, "X_TRAIN": X_TRAIN,
            "accuracies": distances, "figures": figures}
