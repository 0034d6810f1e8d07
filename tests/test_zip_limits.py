"""A CCLF zip is checked from its directory before anything is extracted (issue 16, defect 4): a member
that declares too much, expands too far for its compressed size (a zip bomb), or a zip that would not
fit the disk is refused with an ingest error naming the file, its declared size and the limit, and
nothing is written. A real package, generated, passes with room to spare.

Limits (``apps.claims.packages.ZipLimits``): 16 GB a member, 32 GB in all (and what the temporary
folder's disk has free, less 1 GB), 100 to 1 for a member over 1 MB, 1,000 members.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from apps.claims import packages
from apps.claims.models import IngestError, IngestRun
from apps.claims.packages import ArchiveRefused, ZipLimits, check_archive
from tests.claims.cclf_builders import file_name, ingest

MB = 1024 * 1024
CCLF5 = file_name("CCLF5")


def bomb(path: Path, size: int = 64 * MB) -> Path:
    """A zip whose one CCLF5 member is ``size`` bytes of blanks: about 64 KB compressed."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open(CCLF5, "w", force_zip64=True) as member:
            block = b" " * MB
            for _ in range(size // MB):
                member.write(block)
    return path


@pytest.mark.django_db
def test_a_zip_bomb_is_refused_from_its_directory_before_anything_is_extracted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = bomb(tmp_path / "package.zip")
    compressed = zipfile.ZipFile(archive).getinfo(CCLF5).compress_size
    assert os.path.getsize(archive) < 1 * MB

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("a member was opened for extraction")

    monkeypatch.setattr(zipfile.ZipFile, "open", never)
    run = ingest(archive)
    assert run.status == IngestRun.Status.FAILED
    assert run.message.startswith("Rejected: 1 problem found; nothing was loaded.")
    [error] = IngestError.objects.filter(run=run)
    assert (error.file_name, error.line, error.field, error.value) == (CCLF5, None, "size", "67,108,864")
    ratio = 64 * MB // compressed
    assert error.reason.startswith(
        f"declares 67,108,864 bytes (64.0 MB) uncompressed from {compressed:,} bytes ({compressed / MB:.1f} MB) "
        f"compressed, a ratio of {64 * MB / compressed:,.0f} to 1, over the limit of 100 to 1"
    )
    assert ratio > 100
    assert error.reason.endswith("nothing was extracted")


def test_a_member_over_the_size_limit_is_refused_with_its_size_and_the_limit(tmp_path: Path) -> None:
    archive = tmp_path / "package.zip"
    text = os.urandom(3 * MB // 2).hex().encode()  # 3 MB that hardly compresses
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(CCLF5, text)
    with zipfile.ZipFile(archive) as z, pytest.raises(ArchiveRefused) as refused:
        check_archive(z, free_bytes=100 * 1024 * MB, limits=ZipLimits(member_bytes=2 * MB))
    assert (refused.value.file_name, refused.value.value) == (CCLF5, "3,145,728")
    assert refused.value.reason == (
        "declares 3,145,728 bytes (3.0 MB) uncompressed, over the limit of 2,097,152 bytes (2.0 MB) for one "
        "file; nothing was extracted"
    )


def test_a_zip_that_would_not_fit_the_disk_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(CCLF5, os.urandom(MB).hex())
    with zipfile.ZipFile(archive) as z, pytest.raises(ArchiveRefused) as refused:
        check_archive(z, free_bytes=3 * MB, limits=ZipLimits(spare_bytes=2 * MB))
    assert refused.value.file_name == "package.zip"
    assert "more than the 3,145,728 bytes (3.0 MB) free for extracting it" in refused.value.reason


def test_a_zip_of_too_many_files_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for i in range(4):
            z.writestr(f"f{i}.txt", "x")
    with zipfile.ZipFile(buffer) as z, pytest.raises(ArchiveRefused, match="holds more than 3 files"):
        check_archive(z, free_bytes=100 * MB, limits=ZipLimits(members=3))


def test_a_generated_package_passes_with_room_to_spare(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    call_command("generate_cclf", out=str(out), beneficiaries=300, acos=1, seed=7, performance_year=2027, workers=1)
    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(out.iterdir()):
            if path.name.startswith("P."):
                z.write(path, path.name)
    with zipfile.ZipFile(archive) as z:
        check_archive(z, free_bytes=100 * 1024 * MB)  # the real limits
        big = [m for m in z.infolist() if m.file_size > packages.ZIP_LIMITS.ratio_from]
        ratios = [m.file_size / m.compress_size for m in big]
    assert big, "the package has members large enough for the ratio to be asked"
    assert max(ratios) < 20  # CCLF text: about 10 to 15 to 1, far from 100
