"""What the deck does not show, beside `sine_gan.py`, one concern a module.

The lesson's: `score` (how sinusoidal, smooth and varied the curves are), `monitor` (watching
the slides' loop), `figures`, and the variants: `improved`, and `critic_gan`, the neutral base
of its two siblings `wgan` and `converging`. Then what runs them: `experiment` (a variant's
run in memory), `signals` (Ctrl-C, SIGTERM, SIGHUP), `safe_files` (a run's files, all or
none, never the user's), `saved_run`, `saved_generator` (`--generate`) and `command_line`.

Imports run one way: these import the deck (`import sine_gan`, its names looked up when they
run), and `import sine_gan` loads none of them; only `python sine_gan.py` and
`sine_gan.main()`, when they run, hand over to `__main__` and `command_line`. Within, each
imports only those named before it.
"""
