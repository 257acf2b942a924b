"""One module per command; importing them registers each on ``gradwork.cli.app``."""
