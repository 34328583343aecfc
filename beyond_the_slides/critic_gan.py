"""Two networks in one `keras.Model`: a critic and a generator, trained by its own `train_step`.

The neutral base of the variants whose critic scores curves instead of saying
"real" with a probability: `wgan` and `converging`. As in keras-io's
`wgan_gp.py`, the losses and the optimizers are given at `compile()`; a
variant is a recipe, a dict that names them and its counts:

- `critic_steps`: critic updates per generator update; `rounds`: generator
  updates per compiled step; `updates_per_epoch`: generator updates an epoch;
- `optimizers()`: the critic's and the generator's;
- `critic_loss(gan, real, fake)`: the critic's loss and the score the table
  shows; `generator_loss(fake_score)`;
- `labels`: the table's column, its key in the history, and the figures' titles.

The rest is the slides': the data, the noise bank, the critic's pretraining
against `NOISE` (as the discriminator's), the monitor and the figures.
"""

from numpy.random import randint

import sine_gan


def build_critic():
    """The slides' discriminator as a critic: no dropout, a linear output (a score)."""
    from keras import Input
    from keras.layers import Dropout
    from keras.models import Sequential

    kept = [layer for layer in sine_gan.build_discriminator().layers
            if not isinstance(layer, Dropout)]
    configs = [layer.get_config() for layer in kept]
    configs[-1]["activation"] = "linear"  # a score, not a probability
    layers = [type(layer).from_config(config) for layer, config in zip(kept, configs)]
    return Sequential([Input(shape=(sine_gan.TRAIN_LEN,)), *layers], name="critic")


def build_critic_gan(generator, critic, recipe, name):
    """The model of `generator` and `critic`, compiled with the recipe's losses and
    optimizers."""
    import keras
    import tensorflow as tf

    class CriticGAN(keras.Model):
        """`train_on_batch(real)` takes `rounds` times `critic_steps` slices of real curves:
        in each round, one critic update on each slice, against fresh generated curves,
        then one generator update. `train_on_batch(real, fake)` makes one critic update
        against the given fake curves (the critic's pretraining)."""

        def __init__(self):
            super().__init__(name=name)
            self.generator, self.critic, self.recipe = generator, critic, recipe
            self.seeds = keras.random.SeedGenerator()  # seeded by `seed_everything()`

        def fresh_noise(self, count):
            return keras.random.uniform((count, sine_gan.SAMPLE_LEN), sine_gan.Y_MIN,
                                        sine_gan.Y_MAX, seed=self.seeds)

        def critic_step(self, real, fake):
            with tf.GradientTape() as tape:
                loss, score = recipe["critic_loss"](self, real, fake)
            weights = self.critic.trainable_variables
            self.critic_optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
            return loss, score

        def generator_step(self, count):
            with tf.GradientTape() as tape:
                fake = self.generator(self.fresh_noise(count), training=True)
                loss = recipe["generator_loss"](self.critic(fake, training=True))
            weights = self.generator.trainable_variables
            self.generator_optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
            return loss

        def train_step(self, data):
            data, fake, _ = keras.utils.unpack_x_y_sample_weight(data)
            key = recipe["labels"]["score"]
            if fake is not None:  # the critic's pretraining
                c_loss, score = self.critic_step(data, fake)
                return {"c_loss": c_loss, key: score}
            for chunk in tf.split(data, recipe["rounds"]):
                for real in tf.split(chunk, recipe["critic_steps"]):
                    fake = self.generator(self.fresh_noise(tf.shape(real)[0]), training=True)
                    c_loss, score = self.critic_step(real, fake)
                g_loss = self.generator_step(tf.shape(real)[0])
            return {"c_loss": c_loss, key: score, "g_loss": g_loss}

    gan = CriticGAN()
    gan.compile()
    gan.critic_optimizer, gan.generator_optimizer = recipe["optimizers"]()
    # Built here: a compiled train step cannot create their variables.
    gan.critic_optimizer.build(critic.trainable_variables)
    gan.generator_optimizer.build(generator.trainable_variables)
    return gan


def pretrain_critic(gan, X_TRAIN, NOISE, epochs):
    """The critic's first lesson, as the slides' pretraining: sinusoids against `NOISE` rows.

    One update per epoch on 64 of each, and a table of the critic's score,
    which grows as it learns to tell them apart.
    """
    labels = gan.recipe["labels"]
    scores = []
    print(f" epoca | {labels['table']} ")
    for i in range(epochs):
        n = randint(0, sine_gan.TRAIN_SIZE, size=sine_gan.BATCH_SIZE // 2)
        losses = gan.train_on_batch(X_TRAIN[n], NOISE[n], return_dict=True)
        scores.append(losses[labels["score"]])
        print(f"    {i:3} | {losses[labels['score']]:20.5f}")
    return scores


def plot_critic_pretraining(scores, labels):
    """The critic's pretraining table as a curve; `labels`: its title and its y axis."""
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(1, 1)
    axis.plot(range(len(scores)), scores, marker="o")
    axis.set_title(labels[0])
    axis.set_xlabel("epoca")
    axis.set_ylabel(labels[1])
    return fig


def train_critic_gan(gan, X_TRAIN, epochs, monitor):
    """The training loop: `updates_per_epoch` generator updates an epoch, `rounds` per call,
    each round taking `critic_steps` batches of 64 real curves. The table shows the critic's
    score; the monitor is the slides' loop's."""
    recipe = gan.recipe
    key = recipe["labels"]["score"]
    print(f" epoca | {recipe['labels']['table']} " + monitor.HEADER)
    real_per_call = recipe["rounds"] * recipe["critic_steps"] * sine_gan.BATCH // 2
    for e in range(epochs):
        for k in range(recipe["updates_per_epoch"] // recipe["rounds"]):
            n = randint(0, sine_gan.TRAIN_SIZE, size=real_per_call)
            losses = gan.train_on_batch(X_TRAIN[n], return_dict=True)
            if monitor.should_stop(e, k, losses["c_loss"], losses["g_loss"]):
                return
        scores = monitor.end_epoch(gan.generator, e, **losses)
        print(f"    {e:03n} | {losses[key]:20.5f}" + scores, flush=True)


def run_critic_gan(recipe, name, monitor, epochs, pretrain_epochs, build_critic,
                   build_generator):
    """The deck's six steps (`run_slides()`), with a critic in place of the discriminator.

    Steps 1 and 6 are the slides' own functions. What differs: the critic
    learns inside the model, so the generator and the model (step 4) are built
    before the critic's pretraining (step 3), and step 5 is `train_critic_gan()`.
    Then the generator keeps its optimizer's moving average of its weights, if
    the recipe's optimizer keeps one. Returns what `run_slides()` returns, the
    critic in the discriminator's place.
    """
    import keras

    if keras.backend.backend() != "tensorflow":  # their penalties need TensorFlow's gradients
        from beyond_the_slides.safe_files import UsageError  # (the notebook carries no files)

        raise UsageError(f"--variant {name} needs Keras's TensorFlow backend, and Keras is on "
                         f"{keras.backend.backend()}: run it with KERAS_BACKEND=tensorflow")
    labels = recipe["labels"]
    X_TRAIN = sine_gan.make_dataset()
    figures = {"dataset.png": sine_gan.plot_dataset(X_TRAIN)}
    critic = build_critic()
    NOISE = sine_gan.make_noise()
    generator = build_generator()
    gan = build_critic_gan(generator, critic, recipe, name)
    scores = pretrain_critic(gan, X_TRAIN, NOISE, pretrain_epochs)
    figures["pretraining.png"] = plot_critic_pretraining(scores, labels["pretraining"])
    train_critic_gan(gan, X_TRAIN, epochs, monitor)
    gan.generator_optimizer.finalize_variable_values(generator.trainable_variables)
    figures["sample.png"] = sine_gan.plot_sample(sine_gan.generate(generator)[0])
    figures["evolution.png"] = sine_gan.plot_evolution(
        monitor.snapshots, monitor.history, X_TRAIN[:sine_gan.PROBE_SHOWN],
        title=labels["evolution"])
    return {"generator": generator, "discriminator": critic, "X_TRAIN": X_TRAIN,
            "accuracies": scores, "figures": figures}
