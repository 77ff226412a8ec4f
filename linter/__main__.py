"""`python -m linter` runs the CLI, as the console script does."""

from linter.launch import run

run()
