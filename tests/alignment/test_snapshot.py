"""The alignment run's kept inputs (apps/alignment/snapshot.py): text narrowed to ASCII bytes exactly, and a
part whose text is not ASCII not kept (the preview then reads the database)."""

from __future__ import annotations

import numpy as np

from apps.alignment import snapshot


def test_text_is_kept_as_the_same_ascii_bytes() -> None:
    column = np.array(["1AA0AA0AA01", "99213", "", "G2211"], dtype="U11")
    kept = snapshot._ascii_bytes(column)
    assert kept is not None and kept.dtype == np.dtype("S11")
    assert kept.tolist() == [b"1AA0AA0AA01", b"99213", b"", b"G2211"]
    assert (kept.astype("U11") == column).all()


def test_text_that_is_not_ascii_is_not_kept() -> None:
    assert snapshot._ascii_bytes(np.array(["Muñoz", "Smith"])) is None
    assert snapshot._ascii_bytes(np.array([], dtype="U3")).size == 0
