"""Claims data as CMS sends it (CCLF1–CCLF9, CCLFA, CCLFB), with lineage, plus the runs that loaded it.

The per-file tables hold every field of the CCLF layout (``reference/cclf/layouts.csv``, column
names are the CMS names in lower case) so nothing CMS sent is lost, and every row points to the
file it came from (file name, file date, ingest run). Derived columns the loader maintains:

- ``current_mbi``: the beneficiary's current MBI after following CCLF9 links;
- ``is_current``: the row is the netted version of its claim (docs/claims.md: the greatest
  (CLM_EFCTV_DT, CUR_CLM_UNIQ_ID) per natural key wins, and a winning cancellation voids it);
  CCLF2/3/4 and CCLFA rows follow their CCLF1 header, CCLFB rows their CCLF5/CCLF6 line;
- ``is_denied`` (Part B): CLM_CARR_PMT_DNL_CD = "0", the line counts for nothing.

The field classes below were written from the layout file; keep them in step with it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models


class IngestRun(models.Model):
    """One load of a CCLF package or dataset bundle: a job row claimed by a conditional UPDATE."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Waiting to start"
        RUNNING = "running", "Loading"
        SUCCEEDED = "succeeded", "Loaded"
        UNCHANGED = "unchanged", "Already loaded: nothing changed"
        FAILED = "failed", "Rejected: nothing loaded"

    source = models.CharField(max_length=255, help_text="Folder, zip or uploaded file name.")
    upload = models.FileField(upload_to="ingest/%Y/%m/", blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of the worker loading it (lead_portal.jobs)."
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    # {"CCLF5": {"expected": n, "parsed": n, "loaded": n}, ...}: feeds the progress bar.
    progress = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    # Every problem found, even beyond the error rows kept (IngestError stops at a limit).
    error_count = models.PositiveIntegerField(default=0)
    # What the load noticed besides errors: {"packages": [...], "skipped": [{"name", "reason"}],
    # "notes": [{"file", "note"}]} (files not loaded and why, records padded, CRLF line ends, ...).
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Ingest {self.pk} {self.source} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.UNCHANGED, self.Status.FAILED)

    @property
    def percent(self) -> int:
        expected = sum(int(p.get("expected") or 0) for p in self.progress.values())
        done = sum(int(p.get("parsed") or 0) + int(p.get("loaded") or 0) for p in self.progress.values())
        if self.is_finished:
            return 100
        return min(99, int(50 * done / expected)) if expected else 0


class IngestError(models.Model):
    """One problem found in a package: where (file, line, field), what (value) and why."""

    run = models.ForeignKey(IngestRun, on_delete=models.CASCADE, related_name="errors")
    file_name = models.CharField(max_length=255)
    line = models.PositiveIntegerField(null=True, blank=True)
    field = models.CharField(max_length=64, blank=True)
    value = models.CharField(max_length=255, blank=True)
    reason = models.CharField(max_length=1000)

    class Meta:
        ordering = ["run", "id"]

    def __str__(self) -> str:
        return f"{self.file_name}:{self.line} {self.field} {self.reason}"


class CCLFFile(models.Model):
    """A loaded CCLF file. Its hash makes loading the same bytes twice a no-op. Empty files (CMS
    sends a file with no records when there is nothing of its kind) all have the same hash, so
    they are told apart by name instead."""

    run = models.ForeignKey(IngestRun, on_delete=models.PROTECT, related_name="files")
    name = models.CharField(max_length=255)
    file_type = models.CharField(max_length=6, db_index=True)
    produced_at = models.DateTimeField(help_text="File date and time from the CMS file name.")
    performance_year = models.PositiveSmallIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    records = models.PositiveIntegerField()
    size = models.BigIntegerField()
    runout = models.BooleanField(
        default=False, help_text="From a run-out package (ZC<n>R<yy>): claims of the year paid after it closed."
    )
    package = models.CharField(
        max_length=64, blank=True, help_text="The package the file came with (environment, ACO, kind, year, date)."
    )

    class Meta:
        ordering = ["produced_at", "file_type"]
        verbose_name = "CCLF file"
        constraints = [
            models.UniqueConstraint(fields=["sha256"], condition=models.Q(size__gt=0), name="cclf_file_unique_bytes"),
            models.UniqueConstraint(fields=["name"], condition=models.Q(size=0), name="cclf_file_unique_empty_name"),
        ]

    def __str__(self) -> str:
        return self.name


class CCLFRow(models.Model):
    # No database-level constraint: a per-row foreign-key trigger would cost more than the rest of
    # the bulk load; the loader creates the file row first, in the same transaction.
    file = models.ForeignKey(CCLFFile, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    # Indexed per table (Meta.indexes below): a plain b-tree, without the pattern-matching twin
    # Django adds for db_index on PostgreSQL, which nothing here would use.
    current_mbi = models.CharField(max_length=11, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk} from {self.file_id}"


class NettedRow(CCLFRow):
    is_current = models.BooleanField(default=False)

    class Meta:
        abstract = True


class PartAClaim(NettedRow):
    """Part A claim header (CCLF1): every field of the layout, lossless."""

    FILE_TYPE = "CCLF1"

    cur_clm_uniq_id = models.BigIntegerField(null=True)
    prvdr_oscar_num = models.CharField(max_length=6, blank=True)
    bene_mbi_id = models.CharField(max_length=11, blank=True)
    bene_hic_num = models.CharField(max_length=11, blank=True)
    clm_type_cd = models.IntegerField(null=True)
    clm_from_dt = models.DateField(null=True)
    clm_thru_dt = models.DateField(null=True)
    clm_bill_fac_type_cd = models.CharField(max_length=1, blank=True)
    clm_bill_clsfctn_cd = models.CharField(max_length=1, blank=True)
    prncpl_dgns_cd = models.CharField(max_length=7, blank=True)
    admtg_dgns_cd = models.CharField(max_length=7, blank=True)
    clm_mdcr_npmt_rsn_cd = models.CharField(max_length=2, blank=True)
    clm_pmt_amt = models.DecimalField(max_digits=19, decimal_places=2, null=True)
    clm_nch_prmry_pyr_cd = models.CharField(max_length=1, blank=True)
    prvdr_fac_fips_st_cd = models.CharField(max_length=2, blank=True)
    bene_ptnt_stus_cd = models.CharField(max_length=2, blank=True)
    dgns_drg_cd = models.CharField(max_length=4, blank=True)
    clm_op_srvc_type_cd = models.CharField(max_length=1, blank=True)
    fac_prvdr_npi_num = models.CharField(max_length=10, blank=True)
    oprtg_prvdr_npi_num = models.CharField(max_length=10, blank=True)
    atndg_prvdr_npi_num = models.CharField(max_length=10, blank=True)
    othr_prvdr_npi_num = models.CharField(max_length=10, blank=True)
    clm_adjsmt_type_cd = models.CharField(max_length=2, blank=True)
    clm_efctv_dt = models.DateField(null=True)
    clm_idr_ld_dt = models.DateField(null=True)
    bene_eqtbl_bic_hicn_num = models.CharField(max_length=11, blank=True)
    clm_admsn_type_cd = models.CharField(max_length=2, blank=True)
    clm_admsn_src_cd = models.CharField(max_length=2, blank=True)
    clm_bill_freq_cd = models.CharField(max_length=1, blank=True)
    clm_query_cd = models.CharField(max_length=1, blank=True)
    dgns_prcdr_icd_ind = models.CharField(max_length=1, blank=True)
    clm_mdcr_instnl_tot_chrg_amt = models.DecimalField(max_digits=17, decimal_places=2, null=True)
    clm_mdcr_ip_pps_cptl_ime_amt = models.DecimalField(max_digits=17, decimal_places=2, null=True)
    clm_oprtnl_ime_amt = models.DecimalField(max_digits=24, decimal_places=2, null=True)
    clm_mdcr_ip_pps_dsprprtnt_amt = models.DecimalField(max_digits=17, decimal_places=2, null=True)
    clm_hipps_uncompd_care_amt = models.DecimalField(max_digits=17, decimal_places=2, null=True)
    clm_oprtnl_dsprprtnt_amt = models.DecimalField(max_digits=24, decimal_places=2, null=True)
    clm_blg_prvdr_oscar_num = models.CharField(max_length=20, blank=True)
    clm_blg_prvdr_npi_num = models.CharField(max_length=10, blank=True)
    clm_oprtg_prvdr_npi_num = models.CharField(max_length=10, blank=True)
    clm_atndg_prvdr_npi_num = models.CharField(max_length=10, blank=True)
    clm_othr_prvdr_npi_num = models.CharField(max_length=10, blank=True)
    clm_cntl_num = models.CharField(max_length=40, blank=True)
    clm_org_cntl_num = models.CharField(max_length=40, blank=True)
    clm_cntrctr_num = models.CharField(max_length=5, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["current_mbi", "prvdr_oscar_num", "clm_from_dt", "clm_thru_dt", "clm_type_cd"]),
            models.Index(fields=["current_mbi"]),
            models.Index(fields=["cur_clm_uniq_id"]),
        ]


class PartARevenueLine(NettedRow):
    """Part A revenue center line (CCLF2): every field of the layout, lossless."""

    FILE_TYPE = "CCLF2"

    cur_clm_uniq_id = models.BigIntegerField(null=True)
    clm_line_num = models.BigIntegerField(null=True)
    bene_mbi_id = models.CharField(max_length=11, blank=True)
    bene_hic_num = models.CharField(max_length=11, blank=True)
    clm_type_cd = models.IntegerField(null=True)
    clm_line_from_dt = models.DateField(null=True)
    clm_line_thru_dt = models.DateField(null=True)
    clm_line_prod_rev_ctr_cd = models.CharField(max_length=4, blank=True)
    clm_line_instnl_rev_ctr_dt = models.DateField(null=True)
    clm_line_hcpcs_cd = models.CharField(max_length=5, blank=True)
    bene_eqtbl_bic_hicn_num = models.CharField(max_length=11, blank=True)
    prvdr_oscar_num = models.CharField(max_length=6, blank=True)
    clm_from_dt = models.DateField(null=True)
    clm_thru_dt = models.DateField(null=True)
    clm_line_srvc_unit_qty = models.DecimalField(max_digits=26, decimal_places=4, null=True)
    clm_line_cvrd_pd_amt = models.DecimalField(max_digits=19, decimal_places=2, null=True)
    hcpcs_1_mdfr_cd = models.CharField(max_length=2, blank=True)
    hcpcs_2_mdfr_cd = models.CharField(max_length=2, blank=True)
    hcpcs_3_mdfr_cd = models.CharField(max_length=2, blank=True)
    hcpcs_4_mdfr_cd = models.CharField(max_length=2, blank=True)
    hcpcs_5_mdfr_cd = models.CharField(max_length=2, blank=True)
    clm_rev_apc_hipps_cd = models.CharField(max_length=5, blank=True)
    clm_fac_prvdr_oscar_num = models.CharField(max_length=20, blank=True)

    class Meta:
        indexes = [models.Index(fields=["cur_clm_uniq_id"]), models.Index(fields=["current_mbi"])]


class PartAProcedure(NettedRow):
    """Part A procedure code (CCLF3): every field of the layout, lossless."""

    FILE_TYPE = "CCLF3"

    cur_clm_uniq_id = models.BigIntegerField(null=True)
    bene_mbi_id = models.CharField(max_length=11, blank=True)
    bene_hic_num = models.CharField(max_length=11, blank=True)
    clm_type_cd = models.IntegerField(null=True)
    clm_val_sqnc_num = models.IntegerField(null=True)
    clm_prcdr_cd = models.CharField(max_length=7, blank=True)
    clm_prcdr_prfrm_dt = models.DateField(null=True)
    bene_eqtbl_bic_hicn_num = models.CharField(max_length=11, blank=True)
    prvdr_oscar_num = models.CharField(max_length=6, blank=True)
    clm_from_dt = models.DateField(null=True)
    clm_thru_dt = models.DateField(null=True)
    dgns_prcdr_icd_ind = models.CharField(max_length=1, blank=True)
    clm_blg_prvdr_oscar_num = models.CharField(max_length=20, blank=True)

    class Meta:
        indexes = [models.Index(fields=["cur_clm_uniq_id"]), models.Index(fields=["current_mbi"])]


class PartADiagnosis(NettedRow):
    """Part A diagnosis code (CCLF4): every field of the layout, lossless."""

    FILE_TYPE = "CCLF4"

    cur_clm_uniq_id = models.BigIntegerField(null=True)
    bene_mbi_id = models.CharField(max_length=11, blank=True)
    bene_hic_num = models.CharField(max_length=11, blank=True)
    clm_type_cd = models.IntegerField(null=True)
    clm_prod_type_cd = models.CharField(max_length=1, blank=True)
    clm_val_sqnc_num = models.IntegerField(null=True)
    clm_dgns_cd = models.CharField(max_length=7, blank=True)
    bene_eqtbl_bic_hicn_num = models.CharField(max_length=11, blank=True)
    prvdr_oscar_num = models.CharField(max_length=6, blank=True)
    clm_from_dt = models.DateField(null=True)
    clm_thru_dt = models.DateField(null=True)
    clm_poa_ind = models.CharField(max_length=7, blank=True)
    dgns_prcdr_icd_ind = models.CharField(max_length=1, blank=True)
    clm_blg_prvdr_oscar_num = models.CharField(max_length=20, blank=True)

    class Meta:
        indexes = [models.Index(fields=["cur_clm_uniq_id"]), models.Index(fields=["current_mbi"])]


class PartBLine(NettedRow):
    """Part B physician/supplier line (CCLF5): every field of the layout, lossless."""

    FILE_TYPE = "CCLF5"

    cur_clm_uniq_id = models.BigIntegerField(null=True)
    clm_line_num = models.BigIntegerField(null=True)
    bene_mbi_id = models.CharField(max_length=11, blank=True)
    bene_hic_num = models.CharField(max_length=11, blank=True)
    clm_type_cd = models.IntegerField(null=True)
    clm_from_dt = models.DateField(null=True)
    clm_thru_dt = models.DateField(null=True)
    rndrg_prvdr_type_cd = models.CharField(max_length=3, blank=True)
    rndrg_prvdr_fips_st_cd = models.CharField(max_length=2, blank=True)
    clm_prvdr_spclty_cd = models.CharField(max_length=2, blank=True)
    clm_fed_type_srvc_cd = models.CharField(max_length=1, blank=True)
    clm_pos_cd = models.CharField(max_length=2, blank=True)
    clm_line_from_dt = models.DateField(null=True)
    clm_line_thru_dt = models.DateField(null=True)
    clm_line_hcpcs_cd = models.CharField(max_length=5, blank=True)
    clm_line_cvrd_pd_amt = models.DecimalField(max_digits=17, decimal_places=2, null=True)
    clm_line_prmry_pyr_cd = models.CharField(max_length=1, blank=True)
    clm_line_dgns_cd = models.CharField(max_length=7, blank=True)
    clm_rndrg_prvdr_tax_num = models.CharField(max_length=10, blank=True)
    rndrg_prvdr_npi_num = models.CharField(max_length=10, blank=True)
    clm_carr_pmt_dnl_cd = models.CharField(max_length=2, blank=True)
    clm_prcsg_ind_cd = models.CharField(max_length=2, blank=True)
    clm_adjsmt_type_cd = models.CharField(max_length=2, blank=True)
    clm_efctv_dt = models.DateField(null=True)
    clm_idr_ld_dt = models.DateField(null=True)
    clm_cntl_num = models.CharField(max_length=40, blank=True)
    bene_eqtbl_bic_hicn_num = models.CharField(max_length=11, blank=True)
    clm_line_alowd_chrg_amt = models.DecimalField(max_digits=19, decimal_places=2, null=True)
    clm_line_srvc_unit_qty = models.DecimalField(max_digits=26, decimal_places=4, null=True)
    hcpcs_1_mdfr_cd = models.CharField(max_length=2, blank=True)
    hcpcs_2_mdfr_cd = models.CharField(max_length=2, blank=True)
    hcpcs_3_mdfr_cd = models.CharField(max_length=2, blank=True)
    hcpcs_4_mdfr_cd = models.CharField(max_length=2, blank=True)
    hcpcs_5_mdfr_cd = models.CharField(max_length=2, blank=True)
    clm_disp_cd = models.CharField(max_length=2, blank=True)
    clm_dgns_1_cd = models.CharField(max_length=7, blank=True)
    clm_dgns_2_cd = models.CharField(max_length=7, blank=True)
    clm_dgns_3_cd = models.CharField(max_length=7, blank=True)
    clm_dgns_4_cd = models.CharField(max_length=7, blank=True)
    clm_dgns_5_cd = models.CharField(max_length=7, blank=True)
    clm_dgns_6_cd = models.CharField(max_length=7, blank=True)
    clm_dgns_7_cd = models.CharField(max_length=7, blank=True)
    clm_dgns_8_cd = models.CharField(max_length=7, blank=True)
    dgns_prcdr_icd_ind = models.CharField(max_length=1, blank=True)
    clm_dgns_9_cd = models.CharField(max_length=7, blank=True)
    clm_dgns_10_cd = models.CharField(max_length=7, blank=True)
    clm_dgns_11_cd = models.CharField(max_length=7, blank=True)
    clm_dgns_12_cd = models.CharField(max_length=7, blank=True)
    hcpcs_betos_cd = models.CharField(max_length=3, blank=True)
    clm_rndrg_prvdr_npi_num = models.CharField(max_length=10, blank=True)
    clm_rfrg_prvdr_npi_num = models.CharField(max_length=10, blank=True)
    clm_cntrctr_num = models.CharField(max_length=5, blank=True)
    is_denied = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["clm_cntl_num", "clm_line_num"]), models.Index(fields=["current_mbi"])]


class DMELine(NettedRow):
    """Part B DME line (CCLF6): every field of the layout, lossless."""

    FILE_TYPE = "CCLF6"

    cur_clm_uniq_id = models.BigIntegerField(null=True)
    clm_line_num = models.BigIntegerField(null=True)
    bene_mbi_id = models.CharField(max_length=11, blank=True)
    bene_hic_num = models.CharField(max_length=11, blank=True)
    clm_type_cd = models.IntegerField(null=True)
    clm_from_dt = models.DateField(null=True)
    clm_thru_dt = models.DateField(null=True)
    clm_fed_type_srvc_cd = models.CharField(max_length=1, blank=True)
    clm_pos_cd = models.CharField(max_length=2, blank=True)
    clm_line_from_dt = models.DateField(null=True)
    clm_line_thru_dt = models.DateField(null=True)
    clm_line_hcpcs_cd = models.CharField(max_length=5, blank=True)
    clm_line_cvrd_pd_amt = models.DecimalField(max_digits=17, decimal_places=2, null=True)
    clm_prmry_pyr_cd = models.CharField(max_length=1, blank=True)
    payto_prvdr_npi_num = models.CharField(max_length=10, blank=True)
    ordrg_prvdr_npi_num = models.CharField(max_length=10, blank=True)
    clm_carr_pmt_dnl_cd = models.CharField(max_length=2, blank=True)
    clm_prcsg_ind_cd = models.CharField(max_length=2, blank=True)
    clm_adjsmt_type_cd = models.CharField(max_length=2, blank=True)
    clm_efctv_dt = models.DateField(null=True)
    clm_idr_ld_dt = models.DateField(null=True)
    clm_cntl_num = models.CharField(max_length=40, blank=True)
    bene_eqtbl_bic_hicn_num = models.CharField(max_length=11, blank=True)
    clm_line_alowd_chrg_amt = models.DecimalField(max_digits=19, decimal_places=2, null=True)
    clm_disp_cd = models.CharField(max_length=2, blank=True)
    clm_blg_prvdr_npi_num = models.CharField(max_length=10, blank=True)
    clm_rfrg_prvdr_npi_num = models.CharField(max_length=10, blank=True)
    is_denied = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["clm_cntl_num", "clm_line_num"]), models.Index(fields=["current_mbi"])]


class PartDEvent(NettedRow):
    """Part D prescription drug event (CCLF7): every field of the layout, lossless."""

    FILE_TYPE = "CCLF7"

    cur_clm_uniq_id = models.BigIntegerField(null=True)
    bene_mbi_id = models.CharField(max_length=11, blank=True)
    bene_hic_num = models.CharField(max_length=11, blank=True)
    clm_line_ndc_cd = models.CharField(max_length=11, blank=True)
    clm_type_cd = models.IntegerField(null=True)
    clm_line_from_dt = models.DateField(null=True)
    prvdr_srvc_id_qlfyr_cd = models.CharField(max_length=2, blank=True)
    clm_srvc_prvdr_gnrc_id_num = models.CharField(max_length=20, blank=True)
    clm_dspnsng_stus_cd = models.CharField(max_length=1, blank=True)
    clm_daw_prod_slctn_cd = models.CharField(max_length=1, blank=True)
    clm_line_srvc_unit_qty = models.DecimalField(max_digits=26, decimal_places=4, null=True)
    clm_line_days_suply_qty = models.DecimalField(max_digits=11, decimal_places=4, null=True)
    prvdr_prsbng_id_qlfyr_cd = models.CharField(max_length=2, blank=True)
    clm_prsbng_prvdr_gnrc_id_num = models.CharField(max_length=20, blank=True)
    clm_line_bene_pmt_amt = models.DecimalField(max_digits=15, decimal_places=2, null=True)
    clm_adjsmt_type_cd = models.CharField(max_length=2, blank=True)
    clm_efctv_dt = models.DateField(null=True)
    clm_idr_ld_dt = models.DateField(null=True)
    clm_line_rx_srvc_rfrnc_num = models.BigIntegerField(null=True)
    clm_line_rx_fill_num = models.CharField(max_length=9, blank=True)
    clm_phrmcy_srvc_type_cd = models.CharField(max_length=2, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["current_mbi"]),
            models.Index(
                fields=[
                    "clm_srvc_prvdr_gnrc_id_num",
                    "clm_line_rx_srvc_rfrnc_num",
                    "clm_line_from_dt",
                    "clm_line_rx_fill_num",
                ]
            ),
            models.Index(fields=["is_current"]),
        ]


class PartABenefitCodes(NettedRow):
    """Part A Benefit Enhancement and demonstration codes (CCLFA), one row per Part A claim: every
    field of the layout, lossless. Rows follow their CCLF1 header by CUR_CLM_UNIQ_ID. The ``*_SW``
    indicators are "Y" when the claim used that Benefit Enhancement; CLM_PBP_RDCTN_AMT is what CMS
    withheld from the fee-for-service payment for a capitated provider."""

    FILE_TYPE = "CCLFA"

    cur_clm_uniq_id = models.BigIntegerField(null=True)
    bene_mbi_id = models.CharField(max_length=11, blank=True)
    bene_hic_num = models.CharField(max_length=11, blank=True)
    clm_type_cd = models.IntegerField(null=True)
    clm_actv_care_from_dt = models.DateField(null=True)
    clm_ngaco_pbpmt_sw = models.CharField(max_length=1, blank=True)
    clm_ngaco_pdschrg_hcbs_sw = models.CharField(max_length=1, blank=True)
    clm_ngaco_snf_wvr_sw = models.CharField(max_length=1, blank=True)
    clm_ngaco_tlhlth_sw = models.CharField(max_length=1, blank=True)
    clm_ngaco_cptatn_sw = models.CharField(max_length=1, blank=True)
    clm_demo_1st_num = models.CharField(max_length=2, blank=True)
    clm_demo_2nd_num = models.CharField(max_length=2, blank=True)
    clm_demo_3rd_num = models.CharField(max_length=2, blank=True)
    clm_demo_4th_num = models.CharField(max_length=2, blank=True)
    clm_demo_5th_num = models.CharField(max_length=2, blank=True)
    clm_pbp_inclsn_amt = models.DecimalField(max_digits=21, decimal_places=2, null=True)
    clm_pbp_rdctn_amt = models.DecimalField(max_digits=21, decimal_places=2, null=True)
    clm_ngaco_cmg_wvr_sw = models.CharField(max_length=1, blank=True)
    clm_instnl_per_diem_amt = models.DecimalField(max_digits=21, decimal_places=2, null=True)
    clm_mdcr_ip_bene_ddctbl_amt = models.DecimalField(max_digits=17, decimal_places=2, null=True)
    clm_mdcr_coinsrnc_amt = models.DecimalField(max_digits=21, decimal_places=2, null=True)
    clm_blood_lblty_amt = models.DecimalField(max_digits=17, decimal_places=2, null=True)
    clm_instnl_prfnl_amt = models.DecimalField(max_digits=17, decimal_places=2, null=True)
    clm_ncvrd_chrg_amt = models.DecimalField(max_digits=21, decimal_places=2, null=True)
    clm_mdcr_ddctbl_amt = models.DecimalField(max_digits=21, decimal_places=2, null=True)
    clm_rlt_cond_cd = models.CharField(max_length=2, blank=True)
    clm_oprtnl_outlr_amt = models.DecimalField(max_digits=21, decimal_places=2, null=True)
    clm_mdcr_new_tech_amt = models.DecimalField(max_digits=21, decimal_places=2, null=True)
    clm_islet_isoln_amt = models.DecimalField(max_digits=21, decimal_places=2, null=True)
    clm_sqstrtn_rdctn_amt = models.DecimalField(max_digits=21, decimal_places=2, null=True)
    clm_1_rev_cntr_ansi_rsn_cd = models.CharField(max_length=3, blank=True)
    clm_1_rev_cntr_ansi_grp_cd = models.CharField(max_length=2, blank=True)
    clm_mips_pmt_amt = models.DecimalField(max_digits=21, decimal_places=2, null=True)

    class Meta:
        verbose_name = "Part A BE and demo codes"
        verbose_name_plural = "Part A BE and demo codes"
        indexes = [models.Index(fields=["cur_clm_uniq_id"]), models.Index(fields=["current_mbi"])]


class PartBBenefitCodes(NettedRow):
    """Part B Benefit Enhancement and demonstration codes (CCLFB), one row per Part B or DME claim
    line: every field of the layout, lossless. Rows follow their CCLF5/CCLF6 line by
    (CUR_CLM_UNIQ_ID, CLM_LINE_NUM)."""

    FILE_TYPE = "CCLFB"

    cur_clm_uniq_id = models.BigIntegerField(null=True)
    clm_line_num = models.BigIntegerField(null=True)
    bene_mbi_id = models.CharField(max_length=11, blank=True)
    bene_hic_num = models.CharField(max_length=11, blank=True)
    clm_type_cd = models.IntegerField(null=True)
    clm_line_ngaco_pbpmt_sw = models.CharField(max_length=1, blank=True)
    clm_line_ngaco_pdschrg_hcbs_sw = models.CharField(max_length=1, blank=True)
    clm_line_ngaco_snf_wvr_sw = models.CharField(max_length=1, blank=True)
    clm_line_ngaco_tlhlth_sw = models.CharField(max_length=1, blank=True)
    clm_line_ngaco_cptatn_sw = models.CharField(max_length=1, blank=True)
    clm_demo_1st_num = models.CharField(max_length=2, blank=True)
    clm_demo_2nd_num = models.CharField(max_length=2, blank=True)
    clm_demo_3rd_num = models.CharField(max_length=2, blank=True)
    clm_demo_4th_num = models.CharField(max_length=2, blank=True)
    clm_demo_5th_num = models.CharField(max_length=2, blank=True)
    clm_pbp_inclsn_amt = models.DecimalField(max_digits=17, decimal_places=2, null=True)
    clm_pbp_rdctn_amt = models.DecimalField(max_digits=17, decimal_places=2, null=True)
    clm_ngaco_cmg_wvr_sw = models.CharField(max_length=1, blank=True)
    clm_mdcr_ddctbl_amt = models.DecimalField(max_digits=21, decimal_places=2, null=True)
    clm_sqstrtn_rdctn_amt = models.DecimalField(max_digits=17, decimal_places=2, null=True)
    clm_line_carr_hpsa_scrcty_cd = models.CharField(max_length=1, blank=True)

    class Meta:
        verbose_name = "Part B BE and demo codes"
        verbose_name_plural = "Part B BE and demo codes"
        indexes = [
            models.Index(fields=["cur_clm_uniq_id", "clm_line_num"]),
            models.Index(fields=["current_mbi"]),
        ]


class BeneficiarySnapshot(CCLFRow):
    """Beneficiary demographics as of one file (CCLF8): every field of the layout, lossless."""

    FILE_TYPE = "CCLF8"

    bene_mbi_id = models.CharField(max_length=11, blank=True)
    bene_hic_num = models.CharField(max_length=11, blank=True)
    bene_fips_state_cd = models.IntegerField(null=True)
    bene_fips_cnty_cd = models.IntegerField(null=True)
    bene_zip_cd = models.CharField(max_length=5, blank=True)
    bene_dob = models.DateField(null=True)
    bene_sex_cd = models.CharField(max_length=1, blank=True)
    bene_race_cd = models.CharField(max_length=1, blank=True)
    bene_age = models.IntegerField(null=True)
    bene_mdcr_stus_cd = models.CharField(max_length=2, blank=True)
    bene_dual_stus_cd = models.CharField(max_length=2, blank=True)
    bene_death_dt = models.DateField(null=True)
    bene_rng_bgn_dt = models.DateField(null=True)
    bene_rng_end_dt = models.DateField(null=True)
    bene_1st_name = models.CharField(max_length=30, blank=True)
    bene_midl_name = models.CharField(max_length=15, blank=True)
    bene_last_name = models.CharField(max_length=40, blank=True)
    bene_orgnl_entlmt_rsn_cd = models.CharField(max_length=1, blank=True)
    bene_entlmt_buyin_ind = models.CharField(max_length=1, blank=True)
    bene_part_a_enrlmt_bgn_dt = models.DateField(null=True)
    bene_part_b_enrlmt_bgn_dt = models.DateField(null=True)
    bene_line_1_adr = models.CharField(max_length=45, blank=True)
    bene_line_2_adr = models.CharField(max_length=45, blank=True)
    bene_line_3_adr = models.CharField(max_length=40, blank=True)
    bene_line_4_adr = models.CharField(max_length=40, blank=True)
    bene_line_5_adr = models.CharField(max_length=40, blank=True)
    bene_line_6_adr = models.CharField(max_length=40, blank=True)
    geo_zip_plc_name = models.CharField(max_length=100, blank=True)
    geo_usps_state_cd = models.CharField(max_length=2, blank=True)
    geo_zip5_cd = models.CharField(max_length=5, blank=True)
    geo_zip4_cd = models.CharField(max_length=4, blank=True)

    class Meta:
        indexes = [models.Index(fields=["current_mbi"])]


class MBIXref(CCLFRow):
    """MBI crosswalk row (CCLF9): every field of the layout, lossless."""

    FILE_TYPE = "CCLF9"

    hicn_mbi_xref_ind = models.CharField(max_length=1, blank=True)
    crnt_num = models.CharField(max_length=11, blank=True)
    prvs_num = models.CharField(max_length=11, blank=True)
    prvs_id_efctv_dt = models.DateField(null=True)
    prvs_id_obslt_dt = models.DateField(null=True)
    bene_rrb_num = models.CharField(max_length=12, blank=True)

    class Meta:
        indexes = [models.Index(fields=["current_mbi"])]


class MBIMap(models.Model):
    """Every MBI seen, resolved to the current MBI by following CCLF9 links (docs/claims.md).
    A cycle is a data error for that beneficiary: ``problem`` says so and nothing is guessed."""

    mbi = models.CharField(max_length=11, primary_key=True)
    current_mbi = models.CharField(max_length=11, db_index=True, blank=True)
    hops = models.PositiveSmallIntegerField(default=0)
    problem = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"{self.mbi} -> {self.current_mbi or '?'}"


class Beneficiary(models.Model):
    """A beneficiary as of the most recent CCLF8 record of their current MBI (rebuilt each load)."""

    mbi = models.CharField("MBI", max_length=11, primary_key=True)
    snapshot = models.ForeignKey(BeneficiarySnapshot, on_delete=models.PROTECT, related_name="+")
    first_name = models.CharField(max_length=30, blank=True)
    last_name = models.CharField(max_length=40, blank=True)
    birth_date = models.DateField(null=True)
    sex = models.CharField(max_length=1, blank=True)
    zip_code = models.CharField(max_length=5, blank=True)
    state = models.CharField(max_length=2, blank=True)
    death_date = models.DateField(null=True)
    medicare_status = models.CharField(max_length=2, blank=True)
    dual_status = models.CharField(max_length=2, blank=True)
    part_a_start = models.DateField(null=True)
    part_b_start = models.DateField(null=True)
    as_of = models.DateTimeField(help_text="Date of the CCLF8 file the record comes from.")

    class Meta:
        ordering = ["mbi"]
        verbose_name_plural = "beneficiaries"
        indexes = [models.Index(fields=["last_name", "first_name"])]

    def __str__(self) -> str:
        return self.mbi


class VoluntaryAlignment(models.Model):
    """A beneficiary's designation of a primary clinician (Medicare.gov or a signed SVA form).
    Which record counts, and whether it is valid for a performance year, is alignment's rule
    (docs/alignment.md, rule 10); this table keeps every record received."""

    class Channel(models.TextChoices):
        MEDICARE_GOV = "medicare_gov", "Medicare.gov"
        SVA_FORM = "sva_form", "Signed SVA form"

    mbi = models.CharField("MBI", max_length=11, db_index=True)
    aco = models.ForeignKey("acos.ACO", on_delete=models.CASCADE, related_name="voluntary_alignments")
    tin = models.CharField("TIN", max_length=9)
    npi = models.CharField("NPI", max_length=10)
    signed_date = models.DateField()
    channel = models.CharField(max_length=16, choices=Channel.choices)
    source = models.CharField(max_length=255, blank=True, help_text="File or person the record came from.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["mbi", "-signed_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["mbi", "aco", "tin", "npi", "signed_date"], name="voluntary_alignment_unique_record"
            )
        ]
        # The voluntary alignment page finds an ACO's records by the Participant TINs they designate.
        indexes = [models.Index(fields=["tin"], name="voluntary_alignment_tin")]

    def __str__(self) -> str:
        return f"{self.mbi} → {self.tin}/{self.npi} ({self.signed_date})"


class ClaimFact(models.Model):
    """Narrow claim facts: per claim line (CCLF5, CCLF6, CCLF2) and per Part A claim header (CCLF1), only
    what the computations read, kept by the loader beside the wide row it was cut from (``source``: the
    CCLF file number, ``row_id``: the wide row's id) and exact as later packages net claims and CCLF9
    moves MBIs. Steps read these instead of the wide tables (docs/claims.md, "Narrow claim facts").

    On PostgreSQL the table is partitioned by ``service_year`` (the year of ``from_date``; 0 when the date
    is missing), one partition per year, created by the loader as years arrive; its text columns are
    ``char(n)``, so a binary COPY of them has a fixed width per row. Codes are trimmed; amounts are whole
    cents (an empty allowed amount is 0, an empty paid amount NULL, as expenditure skips it). A Part B line's
    diagnosis codes travel in one comma-separated text (``diagnoses``), which the risk step splits."""

    pk = models.CompositePrimaryKey("source", "row_id", "service_year")
    source = models.PositiveSmallIntegerField(help_text="CCLF file number: 1, 2, 5 or 6.")
    row_id = models.BigIntegerField(
        help_text="The id of the wide row (PartAClaim, PartARevenueLine, PartBLine, DMELine)."
    )
    service_year = models.PositiveSmallIntegerField()
    claim_id = models.BigIntegerField(null=True, help_text="CUR_CLM_UNIQ_ID.")
    current_mbi = models.CharField(max_length=11, blank=True)
    from_date = models.DateField(null=True, help_text="The line's from-date (the claim's for a CCLF1 header).")
    thru_date = models.DateField(null=True)
    claim_type = models.SmallIntegerField(null=True, help_text="CLM_TYPE_CD.")
    tin = models.CharField(max_length=10, blank=True, help_text="Rendering TIN (CCLF5).")
    ccn = models.CharField(max_length=6, blank=True, help_text="PRVDR_OSCAR_NUM (CCLF1, CCLF2).")
    npi = models.CharField(
        max_length=10, blank=True, help_text="Rendering NPI (CCLF5), pay-to NPI (CCLF6), attending NPI (CCLF1)."
    )
    specialty = models.CharField(max_length=2, blank=True, help_text="CLM_PRVDR_SPCLTY_CD (CCLF5).")
    hcpcs = models.CharField(max_length=5, blank=True)
    pos = models.CharField(max_length=2, blank=True, help_text="Place of service (CCLF5, CCLF6).")
    revenue_center = models.CharField(max_length=4, blank=True, help_text="CLM_LINE_PROD_REV_CTR_CD (CCLF2).")
    bill_type = models.CharField(
        max_length=2, blank=True, help_text="Facility type and service classification (CCLF1): '71' is an RHC."
    )
    allowed_cents = models.BigIntegerField(default=0, help_text="CLM_LINE_ALOWD_CHRG_AMT (CCLF5, CCLF6).")
    paid_cents = models.BigIntegerField(
        null=True, help_text="CLM_PMT_AMT (CCLF1), CLM_LINE_CVRD_PD_AMT (CCLF2, CCLF5, CCLF6); NULL when empty."
    )
    is_current = models.BooleanField(default=False)
    is_denied = models.BooleanField(default=False)
    diagnoses = models.TextField(
        blank=True,
        default="",
        help_text=(
            "CCLF5: the line's diagnosis code and the claim's twelve, trimmed, in file order, the empty ones "
            "left out, joined by commas; empty for the other sources."
        ),
    )

    class Meta:
        verbose_name = "claim fact"

    def __str__(self) -> str:
        return f"CCLF{self.source} row {self.row_id}"

    @staticmethod
    def dollars(cents: Any) -> Decimal:
        """A sum of fact cents (int, or Decimal from PostgreSQL's SUM; None for no rows) as dollars with
        two places."""
        return (Decimal(int(cents or 0)) / 100).quantize(Decimal("0.01"))
