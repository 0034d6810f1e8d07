"""CCLF5 ingest rate on PostgreSQL, next to a plain COPY of the same rows as CSV.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/lead_bench .venv/bin/python benchmarks/ingest.py [LINES]

Builds a CCLF package with LINES Part B lines (default 5,000,000; claim versions included so
netting has work to do), loads it through the portal's loader into a fresh database, then COPYs
the same rows, already split into CSV columns, into a table of the same shape: the physical floor
on this machine. Prints one line: lines, seconds and lines/s for both, the ratio, peak memory.
"""

from __future__ import annotations

import datetime
import mmap
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lead_portal.settings.test")


def build_package(folder: Path, lines: int) -> tuple[Path, Path]:
    """A CCLF0 + CCLF5 package. Records are a template with varying ids, dates and amounts,
    written block-wise with numpy; about one claim in ten has a later adjustment."""
    from apps.claims.filenames import make_name
    from apps.claims.fixedwidth import format_cclf0, format_record
    from apps.claims.layouts import layout

    cclf5 = layout("CCLF5")
    template = format_record(
        cclf5,
        {
            "CUR_CLM_UNIQ_ID": 1,
            "CLM_LINE_NUM": 1,
            "BENE_MBI_ID": "1EG4TE5MK73",
            "CLM_TYPE_CD": 71,
            "CLM_FROM_DT": "2025-01-02",
            "CLM_THRU_DT": "2025-01-02",
            "CLM_PRVDR_SPCLTY_CD": "08",
            "CLM_POS_CD": "11",
            "CLM_LINE_FROM_DT": "2025-01-02",
            "CLM_LINE_THRU_DT": "2025-01-02",
            "CLM_LINE_HCPCS_CD": "99213",
            "CLM_LINE_CVRD_PD_AMT": "80.00",
            "CLM_LINE_DGNS_CD": "E119",
            "CLM_RNDRG_PRVDR_TAX_NUM": "111000001",
            "RNDRG_PRVDR_NPI_NUM": "1234567893",
            "CLM_CARR_PMT_DNL_CD": "1",
            "CLM_ADJSMT_TYPE_CD": "0",
            "CLM_EFCTV_DT": "2025-01-10",
            "CLM_CNTL_NUM": "C",
            "CLM_LINE_ALOWD_CHRG_AMT": "100.00",
            "CLM_LINE_SRVC_UNIT_QTY": "1",
        },
    ).encode()
    width = cclf5.record_length
    when = datetime.datetime(2027, 1, 15, 12, 0, 0)
    path5 = folder / make_name(aco="LEAD0", file_number="5", year=2027, produced_at=when)
    rng = np.random.default_rng(7)

    def put(matrix: np.ndarray, name: str, values: np.ndarray) -> None:
        f = cclf5.field(name)
        matrix[:, f.slice] = np.frombuffer(values.astype(f"S{f.length}").tobytes(), dtype=np.uint8).reshape(
            -1, f.length
        )

    block = 500_000
    with open(path5, "wb") as out:
        for start in range(0, lines, block):
            n = min(block, lines - start)
            ids = np.arange(start + 1, start + n + 1)
            claim = np.where(ids % 10 == 0, ids - 1, ids)  # every tenth line re-sends the claim before it
            matrix = np.empty((n, width + 1), dtype=np.uint8)
            matrix[:, :width] = np.frombuffer(template, dtype=np.uint8)
            matrix[:, width] = 10
            put(matrix, "CUR_CLM_UNIQ_ID", np.char.zfill(ids.astype("U13"), 13))
            put(matrix, "CLM_CNTL_NUM", np.char.ljust(np.char.add("C", claim.astype("U12")), 40))
            put(matrix, "BENE_MBI_ID", np.char.add("1EG4TE", np.char.zfill((claim % 99999).astype("U5"), 5)))
            put(matrix, "CLM_ADJSMT_TYPE_CD", np.where(ids % 10 == 0, "2 ", "0 "))
            put(matrix, "CLM_EFCTV_DT", np.where(ids % 10 == 0, "2025-02-10", "2025-01-10"))
            amounts = rng.integers(1000, 30000, n) / 100
            put(matrix, "CLM_LINE_CVRD_PD_AMT", np.char.rjust(np.char.mod("%.2f", amounts), 15))
            out.write(matrix.tobytes())
    path0 = folder / make_name(aco="LEAD0", file_number="0", year=2027, produced_at=when)
    path0.write_text(format_cclf0({"CCLF5": lines}))
    return path5, path0


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000_000
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is emptied and migrated).")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from apps.claims import services
    from apps.claims.layouts import layout
    from apps.claims.parsing import FileCheck, copy_text, iter_blocks

    call_command("flush", interactive=False, verbosity=0) if _has_tables() else None
    call_command("migrate", verbosity=0)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        folder = Path(tmp)
        path5, _ = build_package(folder, lines)
        run = services.ingest_run_create(source=str(folder), acting_user=None, queue=False)
        sampler = AnonPeak()
        t0 = time.perf_counter()
        with sampler:
            run = services.ingest_run_execute(run_id=run.pk, path=folder)
        ingest_s = time.perf_counter() - t0
        # Taken before the floor is built: the load's own peak (the package was written block-wise).
        # The resident peak counts the pages of the memory-mapped file the loader reads (page cache,
        # given back under pressure); the anonymous peak is the memory the load itself holds.
        load_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if run.status != run.Status.SUCCEEDED:
            sys.exit(f"ingest failed: {run.message} {list(run.errors.values_list('reason', flat=True)[:5])}")

        # The floor: the same rows already split into columns (tab-separated text, the form COPY
        # reads fastest), COPYed into a table of the same shape without indexes.
        cclf5 = layout("CCLF5")
        floor_path = folder / "cclf5.tsv"
        with open(floor_path, "wb") as dst:
            check = FileCheck()
            with open(path5, "rb") as fh:
                data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)  # closed with its last reference
                for block in iter_blocks(memoryview(data), cclf5, check):
                    lead = np.zeros((block.matrix.shape[0], 0), dtype=np.uint8)
                    dst.write(copy_text(block.matrix, cclf5, lead, lead.astype(bool)) or b"")
        columns = ", ".join(f.name.lower() for f in cclf5.fields)
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_copy")
            cursor.execute("CREATE TABLE bench_copy AS SELECT * FROM claims_partbline WITH NO DATA")
            t0 = time.perf_counter()
            with cursor.copy(f"COPY bench_copy ({columns}) FROM STDIN WITH (FORMAT text)") as copy:
                with open(floor_path, "rb") as fh:
                    while chunk := fh.read(8 * 1024 * 1024):
                        copy.write(chunk)
            copy_s = time.perf_counter() - t0
            cursor.execute("DROP TABLE bench_copy")
    print(
        f"ingest CCLF5 {lines:,} lines: portal {ingest_s:.1f} s = {lines / ingest_s:,.0f} lines/s "
        f"(check + COPY + index build + netting + beneficiaries); plain COPY of the same columns {copy_s:.1f} s = "
        f"{lines / copy_s:,.0f} lines/s; ratio {ingest_s / copy_s:.2f}x; "
        f"peak memory of the load {sampler.peak_mb:,.0f} MB "
        f"(resident with the mapped file's pages {load_peak_mb:,.0f} MB)"
    )


class AnonPeak:
    """The highest anonymous resident memory (RssAnon in /proc/self/status) while the block runs,
    sampled every 20 ms by a thread."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            with open("/proc/self/status") as status:
                for line in status:
                    if line.startswith("RssAnon:"):
                        self.peak_mb = max(self.peak_mb, int(line.split()[1]) / 1024)

    def __enter__(self) -> AnonPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _has_tables() -> bool:
    from django.db import connection

    return "claims_partbline" in connection.introspection.table_names()


if __name__ == "__main__":
    main()
