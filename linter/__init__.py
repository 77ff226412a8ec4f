"""iam-preflight: lint IAM policies and check that pre-signed S3 URLs will work before they are shared."""

__version__ = "0.1.0"
__homepage__ = "https://pypi.org/project/iam-preflight/"
