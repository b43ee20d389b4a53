"""G-code: dialect writers (GRBL laser, Marlin ink-writing), a parser, estimates and previews."""
