"""One module per command; importing them registers each on ``gradwork.cli.app``."""

from gradwork.cli.commands import check, graph, solve  # noqa: F401
