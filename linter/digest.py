"""SHA-256 as CPython computes it itself: hashlib's `sha256` is OpenSSL's, and importing hashlib loads libcrypto.

Loading libcrypto costs ~11M instructions (2% of checking a small Terraform module cold), for digests of a few
kilobytes: the parse cache's content keys, the grammar cache's check, the findings' fingerprints. CPython's own
implementation gives the same digest. The parse cache's HMAC still goes through `hmac` (OpenSSL), but only where
an entry is read or written, which a cold check leaves to its parse-ahead helpers.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hashlib import sha256
else:
    try:
        if sys.version_info >= (3, 12):
            from _sha2 import sha256
        else:
            from _sha256 import sha256
    except ImportError:  # a Python built without its own hashes: OpenSSL's
        from hashlib import sha256

__all__ = ["sha256"]
