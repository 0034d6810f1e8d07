"""Finding CCLF packages in a folder or a zip.

A package is the set of files CMS delivers together, with one CCLF0 summary: the files that share
environment, ACO, kind (``Y`` monthly, ``R`` run-out), performance year and production date in their
names. Several packages (for example a year's monthly packages and its run-out packages) load in
file-date order. Every file that is not part of a package is listed with the reason.
"""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory

from .filenames import RUNOUT, CCLFName, parse_name

# The crosswalk first (later files map their MBIs through it), then demographics, then each claim
# file before the files that follow it (CCLF2/3/4/A follow CCLF1; CCLFB follows CCLF5/CCLF6).
FILE_ORDER = [
    "CCLF9",
    "CCLF8",
    "CCLF1",
    "CCLF2",
    "CCLF3",
    "CCLF4",
    "CCLFA",
    "CCLF5",
    "CCLF6",
    "CCLFB",
    "CCLF7",
]
GIB = 1024**3
NOT_A_CCLF_NAME = "not a CCLF file name (P.<ACO>.ACO.ZC<n>Y<yy>.D<yymmdd>.T<hhmmsst>, or ZC<n>R<yy> for a run-out file)"


@dataclass
class PackageFile:
    path: Path
    name: CCLFName

    @property
    def file_type(self) -> str:
        return self.name.file_type


@dataclass
class Package:
    key: tuple[str, str, str, int, str]
    files: dict[str, PackageFile] = field(default_factory=dict)

    @property
    def produced_at(self) -> str:
        return min(f.name.produced_at for f in self.files.values()).isoformat()

    @property
    def is_runout(self) -> bool:
        return self.key[2] == RUNOUT

    @property
    def year(self) -> int:
        return self.key[3]

    @property
    def label(self) -> str:
        """The package's files' common name, the file number left out: ``P.L0001.ACO.ZC*R26.D270402``."""
        env, aco, kind, year, day = self.key
        return f"{env}.{aco}.ACO.ZC*{kind}{year % 100:02d}.D{day[2:]}"

    def data_files(self) -> list[PackageFile]:
        return [self.files[t] for t in FILE_ORDER if t in self.files]


@dataclass
class Discovery:
    packages: list[Package]
    skipped: list[tuple[str, str]]  # (file name, why it is not loaded)


def discover(folder: Path) -> Discovery:
    """Group the CCLF files of a folder (searched recursively) into packages, oldest first."""
    packages: dict[tuple[str, str, str, int, str], Package] = {}
    skipped: list[tuple[str, str]] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = parse_name(path.name)
        if name is None:
            skipped.append((path.name, NOT_A_CCLF_NAME))
            continue
        key = (name.environment, name.aco, name.kind, name.year, name.produced_at.strftime("%Y%m%d"))
        package = packages.setdefault(key, Package(key))
        if name.file_type in package.files:
            first = package.files[name.file_type].path.name
            skipped.append((path.name, f"a second {name.file_type} in package {package.label} (loaded: {first})"))
            continue
        package.files[name.file_type] = PackageFile(path, name)
    ordered = sorted(packages.values(), key=lambda p: (p.produced_at, p.key))
    return Discovery(ordered, skipped)


class ArchiveRefused(Exception):
    """A zip refused before anything is extracted: the member (or the zip), its field, the value
    that broke the limit and why."""

    def __init__(self, file_name: str, field: str, value: str, reason: str) -> None:
        super().__init__(f"{file_name}: {reason}")
        self.file_name, self.field, self.value, self.reason = file_name, field, value, reason


@dataclass(frozen=True)
class ZipLimits:
    """What a zip may expand to. A year of CCLF5 lines for a 300,000-beneficiary ACO is about 11 GB
    of text; CCLF text compresses 9 to 15 times (the generator's files; CMS's, with more blank
    filler, up to about 20), so no real file comes near 100 to 1, while a zip bomb (deflate reaches
    about 1,000 to 1) does. The ratio is only asked of members over ``ratio_from`` bytes: a small
    file of blanks is harmless whatever its ratio."""

    member_bytes: int = 16 * GIB
    total_bytes: int = 32 * GIB
    ratio: int = 100
    ratio_from: int = 1024 * 1024
    members: int = 1000
    # Left free on the disk of the temporary folder after extracting.
    spare_bytes: int = 1 * GIB


ZIP_LIMITS = ZipLimits()


def _size(n: int) -> str:
    return f"{n:,} bytes ({n / GIB:,.2f} GB)" if n >= GIB else f"{n:,} bytes ({n / (1024 * 1024):,.1f} MB)"


def check_archive(archive: zipfile.ZipFile, *, free_bytes: int, limits: ZipLimits | None = None) -> None:
    """Refuse (``ArchiveRefused``) a zip whose members declare more than the limits allow, from the
    zip's directory alone, before anything is extracted."""
    limits = limits or ZIP_LIMITS
    zip_name = Path(archive.filename or "upload.zip").name
    members = [m for m in archive.infolist() if not m.is_dir()]
    if len(members) > limits.members:
        raise ArchiveRefused(zip_name, "members", f"{len(members):,}", f"holds more than {limits.members:,} files")
    total = 0
    for member in members:
        name = Path(member.filename).name
        size = member.file_size
        if size > limits.member_bytes:
            raise ArchiveRefused(
                name,
                "size",
                f"{size:,}",
                f"declares {_size(size)} uncompressed, over the limit of {_size(limits.member_bytes)} for one "
                "file; nothing was extracted",
            )
        if size > limits.ratio_from and size > limits.ratio * max(member.compress_size, 1):
            ratio = size / max(member.compress_size, 1)
            raise ArchiveRefused(
                name,
                "size",
                f"{size:,}",
                f"declares {_size(size)} uncompressed from {_size(member.compress_size)} compressed, a ratio of "
                f"{ratio:,.0f} to 1, over the limit of {limits.ratio} to 1 (CCLF text compresses about 10 to 20 "
                "times): not a CMS file; nothing was extracted",
            )
        total += size
    if total > limits.total_bytes:
        raise ArchiveRefused(
            zip_name,
            "size",
            f"{total:,}",
            f"declares {_size(total)} uncompressed in all, over the limit of {_size(limits.total_bytes)}; "
            "nothing was extracted",
        )
    if total > free_bytes - limits.spare_bytes:
        raise ArchiveRefused(
            zip_name,
            "size",
            f"{total:,}",
            f"declares {_size(total)} uncompressed in all, more than the {_size(max(free_bytes, 0))} free for "
            f"extracting it (less {_size(limits.spare_bytes)} kept spare); nothing was extracted",
        )


@contextmanager
def opened(path: Path) -> Iterator[Path]:
    """A folder to read: the path itself, or a zip extracted to a temporary folder (after its
    declared sizes passed ``check_archive``)."""
    if path.is_dir():
        yield path
        return
    if not zipfile.is_zipfile(path):
        # A single CCLF file: its folder, limited to that file, is the package.
        with TemporaryDirectory(prefix="cclf-") as tmp:
            target = Path(tmp) / path.name
            target.symlink_to(path.resolve())
            yield Path(tmp)
        return
    with TemporaryDirectory(prefix="cclf-") as tmp, zipfile.ZipFile(path) as archive:
        check_archive(archive, free_bytes=shutil.disk_usage(tmp).free)
        for member in archive.infolist():
            if member.is_dir():
                continue
            # Only the base name: a zip cannot write outside the temporary folder.
            target = Path(tmp) / Path(member.filename).name
            written = 0
            with archive.open(member) as src, open(target, "wb") as dst:
                while chunk := src.read(16 * 1024 * 1024):
                    # zipfile stops at the declared size; counting is the belt to its braces.
                    written += len(chunk)
                    if written > member.file_size:
                        raise ArchiveRefused(
                            target.name, "size", f"{member.file_size:,}", "holds more than the size it declares"
                        )
                    dst.write(chunk)
        yield Path(tmp)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(16 * 1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()
