"""iam-preflight: lint IAM policies and check that pre-signed S3 URLs will work before they are shared."""

__version__ = "0.1.0"
# Which distribution this package is: `launch.shared_import_name` tells ours from another `linter` by it.
__distribution__ = "iam-preflight"
__homepage__ = "https://github.com/iam-preflight/iam-preflight"
