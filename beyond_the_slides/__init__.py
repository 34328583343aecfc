"""What the deck does not show, beside `sine_gan.py`, one concern a module.

- `score`: how sinusoidal, smooth and varied the generated curves are.
- `monitor`: watching the slides' training loop (the history, the probe, stops).
- `figures`: the figures beyond the slides, and the evolution GIF.
- `improved`: `--variant improved`, the slides' networks with three fixes.
- `critic_gan`: the neutral base of the variants trained with a critic: one
  `keras.Model`, its losses and optimizers given by each variant's recipe.
- `wgan`: `--variant wgan`, the slides' networks as a Wasserstein GAN.
- `converging`: `--variant converging`, the slides' networks and loss, made to converge.
- `experiment`: one run of a variant in memory (the notebook and benchmarks use it).
- `signals`: Ctrl-C, SIGTERM and SIGHUP, and what each does to a run.
- `safe_files`: a run's files, all or none, and never a file of the user's.
- `saved_run`: a training run's files.
- `saved_generator`: `--generate N --model PATH`, curves from a saved generator.
- `command_line`: `python sine_gan.py`, its options, messages and exit codes.

Imports run one way: the deck imports none of these; they import the deck
(`import sine_gan`, its names looked up when they run); `experiment` imports
the variants; `saved_run` imports `experiment`; `command_line` imports
`saved_run` and `saved_generator`. Nothing here imports the command line.
"""
