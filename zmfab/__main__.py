"""``python -m zmfab`` runs the CLI."""

from .cli import main

main()
