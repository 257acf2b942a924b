"""One module per command; importing them registers each on ``gradwork.cli.app``."""

from gradwork.cli.commands import graph, solve  # noqa: F401
from gradwork.cli.commands import train  # noqa: F401  (train, export)
