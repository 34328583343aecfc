"""`python sine_gan.py` (or `python -m beyond_the_slides`): signal handlers before any import."""

from beyond_the_slides.signals import stop_at_once_while_starting

stop_at_once_while_starting()

from beyond_the_slides.command_line import run_command_line  # noqa: E402

run_command_line()
