"""`python -m gradwork.cli` runs the command line (as the `gradwork` script does)."""

from gradwork.cli import main

main()
