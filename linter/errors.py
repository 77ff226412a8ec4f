"""Errors the CLI reports as one line with exit 2, kept apart from the modules that raise them.

The CLI names them in its `except` clauses before dispatching a command, so this module must stay free of heavy
imports: `check` starts parsing .tf files in helper processes only once its command runs, and anything imported
before that (pydantic and the model, for `linter.config`) would delay those helpers.
"""


class ConfigError(ValueError):
    """A configuration problem: reported as `file: message`, exit 2."""
