"""What the deck does not show, beside `sine_gan.py`, one concern a module.

- `score`: how sinusoidal, smooth and varied the generated curves are.
- `monitor`: watching the slides' training loop (the history, the probe, stops).
- `figures`: the figures beyond the slides, and the evolution GIF.
- `improved`: `--variant improved`, the slides' networks with three fixes.
- `wgan`: `--variant wgan`, the slides' networks as a Wasserstein GAN.
- `signals`: Ctrl-C, SIGTERM and SIGHUP, and what each does to a run.
- `safe_files`: writing a run's files without losing or half-writing any.
- `runs`: one training run of a variant, and the files it writes.
- `saved_generator`: `--generate N --model PATH`, curves from a saved generator.
- `command_line`: `python sine_gan.py`, its options, messages and exit codes.

Imports run one way: the deck imports none of these; `score`, `improved` and
the rest import the deck; `runs` imports them; `command_line` imports `runs`
and `saved_generator`. Nothing here imports the command line.
"""
