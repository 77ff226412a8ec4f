"""`python -m linter` runs the CLI, as the console script does."""

from linter.cli import run

run()
