"""`linter.digest.sha256`: CPython's own SHA-256, the digest hashlib's (OpenSSL's) gives."""

from __future__ import annotations

import hashlib

from linter.digest import sha256


def test_it_is_the_digest_hashlib_gives() -> None:
    for data in (b"", b"abc", bytes(range(256)) * 1000):
        ours = sha256(data[:7])
        ours.update(data[7:])
        assert ours.hexdigest() == hashlib.sha256(data).hexdigest()
