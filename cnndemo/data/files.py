"""Checked reading of bundled data files: each one against its folder's ``SHA256SUMS``.

A missing, damaged or swapped file fails with a :class:`DataError` naming it
(``data.file_missing``, ``data.file_corrupt``, ...) instead of a shape error later.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from cnndemo.messages import CnnDemoError


class DataError(CnnDemoError, RuntimeError):
    """A bundled data file is missing, corrupt or not what its name says."""


def expected_checksums(directory: Path) -> dict[str, str]:
    """``{file name: sha256}`` from ``directory/SHA256SUMS`` (``sha256sum`` format).

    Raises:
        DataError: ``data.checksums_missing`` when the list is absent.
    """
    sums = directory / "SHA256SUMS"
    if not sums.is_file():
        raise DataError("data.checksums_missing", path=str(sums))
    expected = {}
    for line in sums.read_text().splitlines():
        if line.strip():
            digest, name = line.split()
            expected[name.lstrip("*")] = digest
    return expected


def read_checked(path: Path, expected: dict[str, str]) -> tuple[bytes, str]:
    """The bytes of ``path`` and their SHA-256, after checking them against ``expected``.

    Raises:
        DataError: ``data.checksum_unlisted``, ``data.file_missing`` or ``data.file_corrupt``.
    """
    if path.name not in expected:
        raise DataError("data.checksum_unlisted", path=str(path.parent / "SHA256SUMS"), name=path.name)
    if not path.is_file():
        raise DataError("data.file_missing", path=str(path))
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != expected[path.name]:
        raise DataError("data.file_corrupt", path=str(path), actual=digest, expected=expected[path.name])
    return raw, digest
