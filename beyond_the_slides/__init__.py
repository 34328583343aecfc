"""What the deck does not show, beside `sine_gan.py`, one concern a module.

- `score`: how sinusoidal, smooth and varied the generated curves are.
- `monitor`: watching the slides' training loop (the history, the probe, stops).
- `figures`: the figures beyond the slides, and the evolution GIF.
- `improved`: `--variant improved`, the slides' networks with three fixes.
- `critic_gan`, `wgan`, `converging`: the variants with a critic, a neutral base and two
  siblings, each a recipe of losses and optimizers.
- `experiment`: one run of a variant in memory (the notebook and benchmarks use it).
- `signals`: Ctrl-C, SIGTERM and SIGHUP, and what each does to a run.
- `safe_files`: a run's files, all or none, and never a file of the user's.
- `saved_run`: a training run's files.
- `saved_generator`: `--generate N --model PATH`, curves from a saved generator.
- `command_line`: `python sine_gan.py`, its options, messages and exit codes.

Imports run one way: these import the deck (`import sine_gan`, its names looked up when
they run), and `import sine_gan` loads none of them; only `python sine_gan.py` and
`sine_gan.main()`, when they run, hand over to `__main__` and `command_line`. Within,
`experiment` imports the variants, `saved_run` imports `experiment`, and `command_line`
imports `saved_run` and `saved_generator`; nothing here imports the command line.
"""
