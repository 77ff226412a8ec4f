"""The rules, one module each, grouped by family. `linter.registry` discovers them."""
