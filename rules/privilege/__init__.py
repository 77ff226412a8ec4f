"""Least privilege: grants broader than the task needs (admin, wildcards, unscoped resources, escalation paths)."""
