"""One module per command; importing them registers each on ``gradwork.cli.app``."""

from gradwork.cli.commands import solve  # noqa: F401  (first: the order of `gradwork --help`)
from gradwork.cli.commands import check, graph, mark  # noqa: F401
from gradwork.cli.commands import train  # noqa: F401  (train, export)
from gradwork.cli.commands import generate  # noqa: F401  (generate, test)
