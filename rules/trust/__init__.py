"""Trust policies: who may assume a role (OIDC federation, cross-account trust)."""
