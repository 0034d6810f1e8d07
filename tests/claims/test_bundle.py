"""Dataset bundles (docs/bundles.md): acos.csv, the two lists, voluntary alignments, quality
submissions and a CCLF package from one folder; and the two management commands."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.acos.lists import RowError
from apps.acos.models import ACO, Election, ParticipantTIN, PreferredProvider
from apps.claims.bundle import dataset_load
from apps.claims.models import CCLFFile, IngestRun, PartBLine, VoluntaryAlignment
from apps.quality.models import QualitySubmission
from tests.claims.cclf_builders import (
    beneficiary,
    file_name,
    mbi,
    part_b,
    row_counts,
    splice,
    write_package,
    xref,
)

pytestmark = pytest.mark.django_db

ACOS = """aco_id,legal_name,risk_option,alignment_approach,newly_entering,states
L0201,Chesapeake Care Partners ACO LLC,global,prospective,false,MD;VA
L0202,Blue Ridge Health ACO LLC,professional,hybrid,true,VA
"""
# L0201's rows are bundle lines 2 and 4: a per-ACO check sees them as its lines 2 and 3.
PARTICIPANTS = """aco_id,performance_year,tin,legal_name,ccns,practice_zip,facility_type,new_to_aco
L0201,2027,111000001,Harbor Family Medicine,,21201,,false
L0202,2027,111000002,Valley Clinic,,21201,,false
L0201,2027,111000003,Blue Ridge Rural Health Clinic,493801,24293,RHC,true
"""
PREFERRED = """aco_id,performance_year,tin,npi,name,specialty_code,capitation
L0201,2027,222000001,1234567893,Cardiology Associates,06,none
"""
VOLUNTARY = """mbi,aco_id,tin,npi,signed_date,channel
1AA0AA0AA01,L0201,111000001,1234567893,2026-05-01,medicare_gov
1AA0AA0AA02,L0202,111000002,1234567893,2026-06-01,sva_form
"""
QUALITY = """aco_id,performance_year,measure,numerator,denominator,score
L0201,2027,cahps,,,82.5
L0202,2027,bp_control,70,100,
"""
CSV_FILES = {
    "acos.csv": ACOS,
    "participants.csv": PARTICIPANTS,
    "preferred_providers.csv": PREFERRED,
    "voluntary_alignments.csv": VOLUNTARY,
    "quality_submissions.csv": QUALITY,
}


def claims_files() -> dict[str, list[str]]:
    return {
        "CCLF9": [xref(mbi(8), mbi(1))],
        "CCLF8": [beneficiary(mbi(1)), beneficiary(mbi(2))],
        "CCLF5": [part_b(1, "B1"), part_b(2, "B2", BENE_MBI_ID=mbi(8))],
    }


def make_bundle(
    folder: Path, changes: dict[str, str] | None = None, claims: dict[str, list[str]] | None = None
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (CSV_FILES | (changes or {})).items():
        (folder / name).write_text(text)
    write_package(folder, claims or claims_files())
    return folder


def loaded_counts() -> dict[str, int]:
    return {
        "acos": ACO.objects.count(),
        "elections": Election.objects.count(),
        "participants": ParticipantTIN.objects.count(),
        "preferred": PreferredProvider.objects.count(),
        "voluntary": VoluntaryAlignment.objects.count(),
        "quality": QualitySubmission.objects.count(),
        "runs": IngestRun.objects.count(),
        **{f"claims:{k}": v for k, v in row_counts().items()},
    }


def test_a_bundle_loads_acos_elections_lists_alignments_quality_and_claims(tmp_path: Path) -> None:
    outcome = dataset_load(folder=make_bundle(tmp_path / "bundle"))
    assert outcome.errors == []
    assert outcome.ok
    assert outcome.counts == {
        "acos": 2,
        "participants": 3,
        "preferred_providers": 1,
        "voluntary_alignments": 2,
        "quality_submissions": 2,
    }
    assert list(ACO.objects.filter(aco_id__startswith="L02").values_list("aco_id", "legal_name", "states")) == [
        ("L0201", "Chesapeake Care Partners ACO LLC", ["MD", "VA"]),
        ("L0202", "Blue Ridge Health ACO LLC", ["VA"]),
    ]
    assert sorted(
        Election.objects.values_list(
            "aco__aco_id", "performance_year", "risk_option", "alignment_approach", "newly_entering"
        )
    ) == [("L0201", 2027, "global", "prospective", False), ("L0202", 2027, "professional", "hybrid", True)]
    assert sorted(ParticipantTIN.objects.values_list("aco__aco_id", "tin", "facility_type", "ccns", "new_to_aco")) == [
        ("L0201", "111000001", "", [], False),
        ("L0201", "111000003", "RHC", ["493801"], True),
        ("L0202", "111000002", "", [], False),
    ]
    assert list(PreferredProvider.objects.values_list("aco__aco_id", "tin", "npi", "specialty_code")) == [
        ("L0201", "222000001", "1234567893", "06")
    ]
    assert sorted(VoluntaryAlignment.objects.values_list("mbi", "aco__aco_id", "signed_date", "channel")) == [
        (mbi(1), "L0201", datetime.date(2026, 5, 1), "medicare_gov"),
        (mbi(2), "L0202", datetime.date(2026, 6, 1), "sva_form"),
    ]
    assert sorted(
        QualitySubmission.objects.values_list("aco__aco_id", "measure", "numerator", "denominator", "score")
    ) == [("L0201", "cahps", None, None, Decimal("82.5")), ("L0202", "bp_control", 70, 100, None)]
    run = outcome.ingest_run
    assert run is not None and run.status == IngestRun.Status.SUCCEEDED
    # B2 was filed under mbi(8), which CCLF9 replaces by mbi(1).
    assert sorted(PartBLine.objects.values_list("clm_cntl_num", "current_mbi")) == [("B1", mbi(1)), ("B2", mbi(1))]
    assert "Ignored" not in run.message  # the bundle's own CSV files are not strays


BAD_ROWS = {
    # The second alignment's NPI fails the Luhn check (…893 is the valid one).
    "bad-npi": (
        {"voluntary_alignments.csv": VOLUNTARY.replace("1234567893,2026-06-01", "1234567890,2026-06-01")},
        [
            (
                "voluntary_alignments.csv",
                RowError(3, "npi", "1234567890", "fails the NPI check digit (Luhn with prefix 80840)"),
            )
        ],
    ),
    "unknown-measure": (
        {"quality_submissions.csv": QUALITY.replace("cahps", "hba1c")},
        [
            (
                "quality_submissions.csv",
                RowError(2, "measure", "hba1c", "must be cahps, hba1c_poor_control or bp_control"),
            )
        ],
    ),
    # Line 4 of the bundle file is the third row of L0201's list: found only when the list is
    # checked per ACO, inside the load, which must then be rolled back.
    "eight-digit-tin": (
        {"participants.csv": PARTICIPANTS.replace("111000003", "11100000")},
        [("participants.csv", RowError(4, "tin", "11100000", "a TIN is exactly 9 digits"))],
    ),
    # L0202 is then not an ACO of the bundle: its rows in the other files are errors too.
    "unknown-risk-option": (
        {"acos.csv": ACOS.replace("professional", "full")},
        [
            ("acos.csv", RowError(3, "risk_option", "full", "must be global or professional")),
            ("participants.csv", RowError(3, "aco_id", "L0202", "is not in acos.csv")),
            (
                "voluntary_alignments.csv",
                RowError(3, "aco_id", "L0202", "is not an ACO of the portal or of this bundle"),
            ),
            ("quality_submissions.csv", RowError(3, "aco_id", "L0202", "is not an ACO of the portal")),
        ],
    ),
    "list-for-an-unknown-aco": (
        {"preferred_providers.csv": PREFERRED.replace("L0201", "L0999")},
        [("preferred_providers.csv", RowError(2, "aco_id", "L0999", "is not in acos.csv"))],
    ),
    "bad-specialty": (
        {"preferred_providers.csv": PREFERRED.replace(",06,", ",ZZ,")},
        [
            (
                "preferred_providers.csv",
                RowError(2, "specialty_code", "ZZ", "is not a known CMS provider specialty code"),
            )
        ],
    ),
    # Blank lines count: the bad TIN is on line 5 of the file (DictReader skips line 3 silently).
    "line-after-a-blank-line": (
        {
            "participants.csv": PARTICIPANTS.replace("\nL0202", "\n\nL0202").replace("111000003", "11100000"),
        },
        [("participants.csv", RowError(5, "tin", "11100000", "a TIN is exactly 9 digits"))],
    ),
    "alignment-after-a-blank-line": (
        {
            "voluntary_alignments.csv": VOLUNTARY.replace("\n1AA0AA0AA02", "\n\n1AA0AA0AA02").replace(
                ",sva_form", ",fax"
            )
        },
        [("voluntary_alignments.csv", RowError(4, "channel", "fax", "must be medicare_gov or sva_form"))],
    ),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_a_bad_row_in_any_csv_rejects_the_whole_bundle(tmp_path: Path, case: str) -> None:
    changes, expected = BAD_ROWS[case]
    before = loaded_counts()
    outcome = dataset_load(folder=make_bundle(tmp_path / "bundle", changes))
    assert outcome.errors == expected
    assert not outcome.ok
    assert outcome.ingest_run is None  # the claims are not even tried
    assert loaded_counts() == before


def test_a_bundle_without_acos_csv_is_rejected(tmp_path: Path) -> None:
    folder = make_bundle(tmp_path / "bundle")
    (folder / "acos.csv").unlink()
    outcome = dataset_load(folder=folder)
    assert outcome.errors == [("acos.csv", RowError(0, "file", str(folder), "the bundle has no acos.csv"))]
    assert loaded_counts()["acos"] == 0


def test_rejected_claims_in_a_bundle_fail_the_load(tmp_path: Path) -> None:
    claims = claims_files()
    claims["CCLF5"][1] = splice(claims["CCLF5"][1], "CCLF5", "CLM_EFCTV_DT", "2026-13-01")
    outcome = dataset_load(folder=make_bundle(tmp_path / "bundle", claims=claims))
    assert outcome.errors == []
    assert not outcome.ok
    run = outcome.ingest_run
    assert run is not None and run.status == IngestRun.Status.FAILED
    assert [(e.file_name, e.line, e.field, e.value) for e in run.errors.all()] == [
        (file_name("CCLF5"), 2, "CLM_EFCTV_DT", "2026-13-01")
    ]
    assert set(row_counts().values()) == {0}


# --- management commands -----------------------------------------------------------------------


def test_load_dataset_command_reports_what_it_loaded(tmp_path: Path) -> None:
    out = StringIO()
    call_command("load_dataset", str(make_bundle(tmp_path / "bundle")), stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "Loaded acos: 2, participants: 3, preferred_providers: 1, voluntary_alignments: 2" in text
    assert "Claims (ingest run" in text and f"  {file_name('CCLF5')}: 2 records" in text
    assert PartBLine.objects.count() == 2


def test_load_dataset_command_without_claims(tmp_path: Path) -> None:
    call_command("load_dataset", str(make_bundle(tmp_path / "bundle")), "--no-claims", stdout=StringIO())
    assert ACO.objects.filter(aco_id__in=["L0201", "L0202"]).count() == 2
    assert (IngestRun.objects.count(), CCLFFile.objects.count()) == (0, 0)


def test_load_dataset_command_fails_on_a_bad_row(tmp_path: Path) -> None:
    changes, _ = BAD_ROWS["bad-npi"]
    err = StringIO()
    with pytest.raises(CommandError, match=r"1 problem\(s\) in the bundle; nothing was loaded"):
        call_command("load_dataset", str(make_bundle(tmp_path / "bundle", changes)), stdout=StringIO(), stderr=err)
    assert "voluntary_alignments.csv line 3: npi '1234567890' fails the NPI check digit" in err.getvalue()
    assert ACO.objects.filter(aco_id__in=["L0201", "L0202"]).count() == 0


def test_load_dataset_command_fails_on_rejected_claims(tmp_path: Path) -> None:
    claims = claims_files()
    claims["CCLF5"][0] += " "
    err = StringIO()
    with pytest.raises(CommandError, match=r"Claims rejected \(ingest run \d+\): Rejected: 1 problem"):
        call_command(
            "load_dataset", str(make_bundle(tmp_path / "bundle", claims=claims)), stdout=StringIO(), stderr=err
        )
    assert (
        f"{file_name('CCLF5')} line 1: record length '389 characters' a CCLF5 record is 388 characters long"
        in err.getvalue()
    )
    assert PartBLine.objects.count() == 0


def test_load_dataset_command_needs_a_folder(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("load_dataset", str(tmp_path / "missing"))


def test_ingest_cclf_command_loads_a_package(tmp_path: Path) -> None:
    write_package(tmp_path / "pkg", claims_files())
    out = StringIO()
    call_command("ingest_cclf", str(tmp_path / "pkg"), stdout=out, stderr=StringIO())
    run = IngestRun.objects.get()
    assert out.getvalue().splitlines() == [
        f"Ingest run {run.pk}: {run.message}",
        f"  {file_name('CCLF9')}: 1 record",
        f"  {file_name('CCLF8')}: 2 records",
        f"  {file_name('CCLF5')}: 2 records",
    ]
    assert run.status == IngestRun.Status.SUCCEEDED and run.created_by is None
    assert PartBLine.objects.count() == 2


def test_ingest_cclf_command_fails_on_a_bad_package(tmp_path: Path) -> None:
    claims = claims_files()
    claims["CCLF5"][0] = splice(claims["CCLF5"][0], "CCLF5", "CLM_LINE_FROM_DT", "2025-02-30")
    write_package(tmp_path / "pkg", claims)
    err = StringIO()
    with pytest.raises(CommandError, match=r"Ingest run \d+: Rejected: 1 problem found; nothing was loaded"):
        call_command("ingest_cclf", str(tmp_path / "pkg"), stdout=StringIO(), stderr=err)
    assert f"{file_name('CCLF5')} line 1: CLM_LINE_FROM_DT '2025-02-30' is not a date (YYYY-MM-DD)" in err.getvalue()
    assert set(row_counts().values()) == {0}
    assert IngestRun.objects.get().status == IngestRun.Status.FAILED


def test_ingest_cclf_command_needs_an_existing_path(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        call_command("ingest_cclf", str(tmp_path / "nowhere.zip"))
    assert IngestRun.objects.count() == 0


def test_ingest_cclf_command_takes_a_single_file(tmp_path: Path) -> None:
    # One CCLF file alone is a package without CCLF0: rejected, saying so.
    paths = write_package(tmp_path / "pkg", claims_files())
    with pytest.raises(CommandError, match="Rejected"):
        call_command("ingest_cclf", str(paths["CCLF5"]), stdout=StringIO(), stderr=StringIO())
    assert [e.reason for e in IngestRun.objects.get().errors.all()] == ["the package has no CCLF0 summary file"]
