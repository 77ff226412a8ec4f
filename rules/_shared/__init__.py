"""Helpers rules of several families share: statement grants, principals, action lookups, ARNs."""
