"""``python -m autograd_lite`` is the ``autograd-lite`` command."""

from .cli import main_entry

main_entry()
