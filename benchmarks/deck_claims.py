"""What the deck claims, in its words, and what each claim predicts that seeds can show.

Each claim: the slide, the deck's words and an English gloss, the experiment,
the rows of its table, (configuration, measure), and the effects it predicts.
An effect is (title, configuration a, configuration b or a number, measure,
"higher" or "lower"): a seed shows it when a's value is higher (lower) than
b's, or than the number. `benchmarks/claims.py` runs the experiments.
"""

import sine_gan

PRETRAIN_CHECKS = (1, 2, 4, 8, 16, 32, 64, 128, 256)  # pretraining epochs measured (claim 2)
PRETRAINING_ONLY = "pretraining"  # claim 2's configuration: the discriminator alone
COPY_RATIO = 0.5  # generated curves this much nearer the training set than fresh real
# curves are: copies, not new curves
ACCEPTABLE_SECONDS = 120  # our reading of "tempi accettabili": a whole run within 2 minutes
NEVER = sine_gan.EPOCHS + 1  # epochs to median R² >= 0.9 of a run that never got there


# The claims ----------------------------------------------------------------------------------
# Each measure row: (configuration, key, title, format). Each effect: (title, configuration a,
# configuration b or a number, key, "higher" or "lower"): a seed shows the effect when a's
# value is higher (lower) than b's, or than the number.

def held(epochs):
    return f"held_out_accuracy.{epochs}"


CLAIMS = {
    "pretraining": {
        "slide": "Definizione del generatore e della GAN",
        "words": "il discriminatore \"parte avvantaggiato\" ed è questo uno dei motivi che "
                 "fanno funzionare l'addestramento",
        "gloss": "the discriminator starts ahead (it is pretrained), and this is one of the "
                 "reasons training works",
        "experiment": "No pretraining, the slides' 32 epochs, and 128 epochs; all else the "
                      "slides'.",
        "rows": [(c, k) for k in ("r2_after_8", "first_epoch_r2_0.9", "median_r2",
                                  "frequency_w1")
                 for c in ("pretrain=0", "slides", "pretrain=128")],
        "effects": [
            ("after 8 epochs, 32 epochs of pretraining are ahead of none", "slides",
             "pretrain=0", "r2_after_8", "higher"),
            ("32 epochs reach median R² 0.9 sooner than none", "slides", "pretrain=0",
             "first_epoch_r2_0.9", "lower"),
            ("32 epochs end with a higher median R² than none", "slides", "pretrain=0",
             "median_r2", "higher"),
            ("128 epochs reach median R² 0.9 sooner than 32", "pretrain=128", "slides",
             "first_epoch_r2_0.9", "lower"),
        ],
    },
    "pretraining-epochs": {
        "slide": "Addestramento del discriminatore",
        "words": "per un certo numero di epoche (aumentando le quali ovviamente aumenta "
                 "l'accuratezza)",
        "gloss": "for a number of epochs (and the more epochs, the higher the accuracy, "
                 "of course)",
        "experiment": "The slides' pretraining, run on for 256 epochs; after 1, 2, 4, ..., "
                      "256 epochs, the discriminator's accuracy on 1,000 fresh sinusoids and "
                      "1,000 fresh noise curves it never saw.",
        "rows": [(PRETRAINING_ONLY, held(e)) for e in PRETRAIN_CHECKS],
        "effects": [
            ("accuracy after 8 epochs above that after 1", PRETRAINING_ONLY, held(1), held(8),
             "higher"),
            ("accuracy after 32 epochs above that after 8", PRETRAINING_ONLY, held(8),
             held(32), "higher"),
            ("accuracy after 256 epochs above that after 32", PRETRAINING_ONLY, held(32),
             held(256), "higher"),
        ],
    },
    "dropout": {
        "slide": "Creiamo il discriminatore",
        "words": "uno strato di regolarizzazione con la dropout ... Si tratta di una tecnica "
                 "standard per evitare l'overfitting",
        "gloss": "a dropout layer, a standard technique against overfitting",
        "experiment": "The discriminator with dropout 0 against the slides' 0.4; all else "
                      "the slides'. Overfitting shows as a discriminator that finds the "
                      "training curves more real than fresh curves of the same law: the gap "
                      "between its mean output on 1,000 of each.",
        "rows": [(c, k) for k in ("d_overfit_gap", "median_r2", "roughness_ratio",
                                  "frequency_w1") for c in ("dropout=0", "slides")],
        "effects": [
            ("dropout 0.4 leaves a smaller overfitting gap than none", "slides", "dropout=0",
             "d_overfit_gap", "lower"),
            ("dropout 0.4 ends with a higher median R² than none", "slides", "dropout=0",
             "median_r2", "higher"),
        ],
    },
    "hidden-units": {
        "slide": "Creazione del generatore",
        "words": "uno strato interno di 256 neuroni (un numero come un altro determinato "
                 "empiricamente)",
        "gloss": "a hidden layer of 256 neurons (a number like any other, found by trial)",
        "experiment": "The generator's hidden layer with 64, 256 (the slides') and 1,024 "
                      "units; all else the slides'. The claim holds if the result does not "
                      "depend on the number: no effect beyond the seed-to-seed spread.",
        "rows": [(c, k) for k in ("median_r2", "first_epoch_r2_0.9", "roughness_ratio",
                                  "frequency_w1", "seconds")
                 for c in ("hidden=64", "slides", "hidden=1024")],
        "effects": [
            ("256 units end with a higher median R² than 64", "slides", "hidden=64",
             "median_r2", "higher"),
            ("1,024 units end with a higher median R² than 256", "hidden=1024", "slides",
             "median_r2", "higher"),
            ("1,024 units reach median R² 0.9 sooner than 256", "hidden=1024", "slides",
             "first_epoch_r2_0.9", "lower"),
        ],
        "holds_when": "no effect",
    },
    "trembling-hand": {
        "slide": "Facciamole generare qualcosa...",
        "words": "vista la semplicità delle reti che abbiamo usato, disegnerà questa senoide "
                 "un po' con mano tremula",
        "gloss": "the networks being so simple, it draws the sinusoid with a trembling hand",
        "experiment": "Bigger generators against the slides' one: a hidden layer of 1,024 "
                      "units (4 times the slides' weights), and two hidden layers of 512 (9 "
                      "times). If simple networks make the hand tremble, they tremble less. "
                      "And, as the causal test, the slides' networks with one change only: "
                      "the improved variant's frozen smoothing filter after the generator.",
        "rows": [(c, k) for k in ("roughness_ratio", "median_r2")
                 for c in ("slides", "hidden=1024", "hidden=512+512", "smoothing")],
        "effects": [
            ("a hidden layer of 1,024 units trembles less than the slides' 256",
             "hidden=1024", "slides", "roughness_ratio", "lower"),
            ("two hidden layers of 512 tremble less than the slides' one", "hidden=512+512",
             "slides", "roughness_ratio", "lower"),
        ],
    },
    "order-from-chaos": {
        "slide": "Facciamole generare qualcosa...",
        "words": "dandogli in input numeri a caso offrirà in output una senoide",
        "gloss": "give it random numbers as input and it answers with a sinusoid",
        "experiment": "The slides' run. Are its curves new, or copies of training curves? "
                      "Each curve's distance to its nearest training curve, over that of "
                      "fresh real curves (1 or more: new curves; near 0: copies). And do "
                      "fresh noise rows give sinusoids as well as the `NOISE` rows it "
                      "trained on?",
        "rows": [("slides", k) for k in ("copy_ratio_fresh", "copy_ratio_noise_rows",
                                         "median_r2_fresh", "median_r2_noise_rows")],
        "effects": [
            ("curves from fresh noise are not copies", "slides", COPY_RATIO,
             "copy_ratio_fresh", "higher"),
            ("curves from fresh noise are sinusoids (median R² >= 0.9)", "slides", 0.9,
             "median_r2_fresh", "higher"),
        ],
    },
    "old-laptop": {
        "slide": "Facciamolo anche noi!",
        "words": "il che può farsi senza usare reti profonde (quindi tempi accettabili anche "
                 "su un vecchio laptop)",
        "gloss": "it can be done without deep networks, so in acceptable time even on an "
                 "old laptop",
        "experiment": "The whole slides' run (TensorFlow's import, data, pretraining, 64 "
                      "epochs, scoring; no figures written), with one TensorFlow thread per "
                      "run, and the bigger generator of the trembling-hand claim for "
                      "comparison.",
        "rows": [(c, k) for k in ("seconds_with_start_up", "median_r2")
                 for c in ("slides", "hidden=512+512")],
        "effects": [
            (f"a whole run within {ACCEPTABLE_SECONDS} s on one thread", "slides",
             ACCEPTABLE_SECONDS, "seconds_with_start_up", "lower"),
            ("and it learns: median R² >= 0.9", "slides", 0.9, "median_r2", "higher"),
        ],
    },
}

TITLES = {
    "median_r2": ("median R² (1,000 curves)", "{:.4f}"),
    "r2_after_8": ("median R² after 8 epochs (256 curves)", "{:.4f}"),
    "first_epoch_r2_0.9": (f"epochs until median R² >= 0.9 ({NEVER}: never)", "{:.0f}"),
    "frequency_w1": ("frequency W1", "{:.3f}"),
    "roughness_ratio": ("roughness, generated / real", "{:.2f}"),
    "d_overfit_gap": ("overfitting gap: D(training) - D(fresh real)", "{:+.4f}"),
    "seconds": ("seconds from seeding to the final score", "{:.1f}"),
    "seconds_with_start_up": ("seconds for the whole run, TensorFlow's import included",
                              "{:.1f}"),
    "copy_ratio_fresh": ("copy ratio, curves from fresh noise", "{:.2f}"),
    "copy_ratio_noise_rows": ("copy ratio, curves from NOISE rows", "{:.2f}"),
    "median_r2_fresh": ("median R², curves from fresh noise", "{:.4f}"),
    "median_r2_noise_rows": ("median R², curves from NOISE rows", "{:.4f}"),
    **{held(e): (f"held-out accuracy after {e} epochs", "{:.3f}") for e in PRETRAIN_CHECKS},
}


