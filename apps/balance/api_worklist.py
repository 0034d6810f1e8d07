"""REST API of the GLP-1 outreach worklist, scoped as the pages are (the same selectors and the same outreach
services): the worklist with its filters, a beneficiary's GLP-1 detail with the fills and the lifestyle
participation, and the outreach (read, ``PATCH``, and a bulk change). Another ACO's beneficiary answers 404; an
analyst's write answers 403; every read of beneficiary-level data is access-logged."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import User
from apps.accounts.selectors import request_user
from apps.acos.api import PY_PARAM, ACOScopedViewSet

from . import outreach as services
from . import packet, selectors
from . import selectors_worklist as worklist
from .models import (
    EligibilityStatus,
    Glp1Beneficiary,
    Glp1Fill,
    Glp1Run,
    LifestyleProgramme,
    OutreachChange,
    OutreachStatus,
)


class WorklistRowSerializer(serializers.ModelSerializer[Glp1Beneficiary]):
    """A beneficiary on the worklist: eligibility, the BMI code, what to confirm, and the ACO's outreach."""

    status = serializers.CharField(
        read_only=True, help_text="Eligibility: likely, confirm, not_eligible, treated or part_d"
    )  # text, not an enum: "status" names other choice sets in the schema
    outreach_status = serializers.ChoiceField(
        choices=OutreachStatus.choices, read_only=True, help_text="not_contacted when nothing is recorded"
    )
    outreach_assignee = serializers.SerializerMethodField(help_text="Username of the person assigned (null: no one)")
    outreach_note = serializers.CharField(read_only=True)

    class Meta:
        model = Glp1Beneficiary
        fields = [
            "mbi",
            "last_name",
            "first_name",
            "age",
            "tin",
            "npi",
            "status",
            "criterion",
            "reasons",
            "bmi_class",
            "bmi_code",
            "bmi_date",
            "part_d_active",
            "part_d_last_fill",
            "outreach_status",
            "outreach_assignee",
            "outreach_note",
        ]
        read_only_fields = fields

    def get_outreach_assignee(self, obj: Glp1Beneficiary) -> str | None:
        people: dict[int, User] = self.context.get("people", {})
        person = people.get(getattr(obj, "outreach_assignee_id", None) or 0)
        return person.get_username() if person else None


class FillSerializer(serializers.ModelSerializer[Glp1Fill]):
    class Meta:
        model = Glp1Fill
        fields = ["fill_date", "ndc", "product", "bridge", "days_supply", "claim_id", "patient_paid_cents"]
        read_only_fields = fields


class OutreachChangeSerializer(serializers.ModelSerializer[OutreachChange]):
    """What one change made the outreach: its status, assignee and note (``outreach_status``: one name for the
    outreach's status across the API, apart from the beneficiary's eligibility ``status``)."""

    outreach_status = serializers.ChoiceField(choices=OutreachStatus.choices, source="status", read_only=True)
    by = serializers.SerializerMethodField()
    assignee = serializers.SerializerMethodField()

    class Meta:
        model = OutreachChange
        fields = ["at", "by", "outreach_status", "assignee", "note"]
        read_only_fields = fields

    def get_by(self, obj: OutreachChange) -> str | None:
        return obj.by.get_username() if obj.by else None

    def get_assignee(self, obj: OutreachChange) -> str | None:
        return obj.assignee.get_username() if obj.assignee else None


class OutreachSerializer(serializers.Serializer[Any]):
    outreach_status = serializers.ChoiceField(choices=OutreachStatus.choices)
    assignee = serializers.CharField(allow_null=True, help_text="Username (null: no one)")
    note = serializers.CharField(allow_blank=True)
    updated_at = serializers.DateTimeField(allow_null=True)
    updated_by = serializers.CharField(allow_null=True)
    history = OutreachChangeSerializer(many=True, help_text="Every change, newest first")


class LifestyleParticipationSerializer(serializers.Serializer[Any]):
    """The beneficiary's lifestyle participation with the ACO (enrolments current or ended)."""

    enrolled = serializers.BooleanField(help_text="False: not enrolled in a lifestyle programme")
    # Text, not an enum: the programme's choice set already has its name in the schema.
    programmes = serializers.ListField(
        child=serializers.CharField(), help_text=f"Programme codes: {', '.join(LifestyleProgramme.values)}"
    )
    programme_labels = serializers.ListField(child=serializers.CharField(), help_text="The programmes' names")
    sessions = serializers.IntegerField(help_text="Sessions attended across the programmes")
    last_session = serializers.DateField(allow_null=True, help_text="Null: no session yet")


class BeneficiaryDetailSerializer(serializers.ModelSerializer[Glp1Beneficiary]):
    """A beneficiary's GLP-1 eligibility with its evidence, therapy, adherence, cost, fills and outreach."""

    status = serializers.CharField(
        read_only=True, help_text="Eligibility: likely, confirm, not_eligible, treated or part_d"
    )  # text, not an enum: "status" names other choice sets in the schema
    fills_list = FillSerializer(many=True, read_only=True, source="fill_rows", help_text="Oldest first")
    questions = serializers.ListField(child=serializers.DictField(), read_only=True, source="question_rows")
    outreach = OutreachSerializer(read_only=True, source="outreach_data")
    lifestyle = LifestyleParticipationSerializer(read_only=True, source="lifestyle_data")

    class Meta:
        model = Glp1Beneficiary
        fields = [
            "mbi", "last_name", "first_name", "tin", "npi", "status", "criterion", "reasons", "age",
            "part_d_active", "part_d_last_fill", "bmi_code", "bmi_date", "bmi_claim_id", "bmi_source", "bmi_class",
            "comorbidities", "therapy_start", "product", "products", "switched", "fills", "days_supply", "last_fill",
            "covered_through", "pdc", "pdc_90", "pdc_180", "gaps", "discontinued_on", "months_supplied",
            "drug_cost_cents", "copay_cents", "patient_paid_cents", "spend_before_cents", "months_before",
            "spend_after_cents", "months_after", "fills_list", "questions", "outreach", "lifestyle",
        ]  # fmt: skip
        read_only_fields = fields


class OutreachPatchSerializer(serializers.Serializer[Any]):
    """Send only what changes."""

    outreach_status = serializers.ChoiceField(choices=OutreachStatus.choices, required=False)
    assignee = serializers.CharField(
        required=False, allow_null=True, max_length=150, help_text="A username of one of the ACO's users; null: no one"
    )
    note = serializers.CharField(required=False, allow_blank=True, trim_whitespace=True)


class OutreachBulkSerializer(serializers.Serializer[Any]):
    mbis = serializers.ListField(
        child=serializers.CharField(max_length=11), min_length=1, max_length=services.MAX_BULK,
        help_text="MBIs of the ACO's GLP-1 beneficiaries",
    )  # fmt: skip
    outreach_status = serializers.ChoiceField(choices=OutreachStatus.choices, required=False)
    assignee = serializers.CharField(
        required=False, allow_null=True, max_length=150, help_text="Username; null: no one"
    )


class OutreachBulkResultSerializer(serializers.Serializer[Any]):
    changed = serializers.IntegerField(help_text="Outreach records that changed")


WORKLIST_FILTERS = [
    PY_PARAM,
    OpenApiParameter("status", str, enum=[s.value for s in worklist.WORKLIST_STATUSES], description="Default: both"),
    OpenApiParameter("tin", str, description="Aligning TIN or CCN"),
    OpenApiParameter("npi", str, description="Aligning NPI"),
    OpenApiParameter("outreach", str, enum=OutreachStatus.values),
    OpenApiParameter("assignee", str, description='"me", "none" (no one) or a username; default: anyone'),
    OpenApiParameter("q", str, description="Start of an MBI, a last or a first name"),
    OpenApiParameter("sort", str, enum=list(worklist.SORTS), description=f"Default: {worklist.DEFAULT_SORT}"),
]


class Glp1WorklistViewSet(ACOScopedViewSet):
    """The ACO's GLP-1 outreach worklist in the PY's latest GLP-1 run, a beneficiary's GLP-1 detail, and the
    outreach to each (ACO administrators write it; an analyst gets 403)."""

    serializer_class = WorklistRowSerializer

    def get_run(self) -> Glp1Run:
        run = selectors.latest_run(performance_year=self.performance_year)
        if run is None:
            raise Http404(f"GLP-1 eligibility has not been computed for PY{self.performance_year} yet.")
        return run

    def get_row(self, mbi: str) -> tuple[Glp1Run, Glp1Beneficiary]:
        run = self.get_run()
        row = selectors.beneficiary(run=run, aco_id=self.aco.pk, mbi=mbi.strip().upper())
        if row is None:
            raise Http404("This beneficiary is not one of the ACO's in the latest GLP-1 run.")
        return run, row

    def _user(self, username: str | None) -> User | None:
        if username is None:
            return None
        try:
            return services.assignee_named(aco=self.aco, username=username)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc

    def _outreach(self, mbi: str) -> dict[str, Any]:
        current = worklist.outreach_get(aco=self.aco, mbi=mbi)
        return {
            "outreach_status": current.status if current else OutreachStatus.NOT_CONTACTED,
            "assignee": current.assignee.get_username() if current and current.assignee else None,
            "note": current.note if current else "",
            "updated_at": current.updated_at if current else None,
            "updated_by": current.updated_by.get_username() if current and current.updated_by else None,
            "history": list(worklist.outreach_changes(aco=self.aco, mbi=mbi)),
        }

    @extend_schema(parameters=WORKLIST_FILTERS, responses=WorklistRowSerializer(many=True))
    def list(self, request: Request, aco_id: str) -> Response:
        run = self.get_run()
        params = request.query_params
        status = params.get("status", "")
        if status and status not in worklist.WORKLIST_STATUSES:
            raise ValidationError({"status": ["Give likely or confirm."]})
        outreach_status = params.get("outreach", "")
        if outreach_status and outreach_status not in OutreachStatus.values:
            raise ValidationError({"outreach": [f"Give one of {', '.join(OutreachStatus.values)}."]})
        sort = params.get("sort", "") or worklist.DEFAULT_SORT
        if sort not in worklist.SORTS:
            raise ValidationError({"sort": [f"Give one of {', '.join(worklist.SORTS)}."]})
        qs = worklist.worklist(
            aco=self.aco,
            run=run,
            user=request_user(request),
            status=status,
            tin=params.get("tin", "")[:9],
            npi=params.get("npi", "")[:10],
            outreach=outreach_status,
            assignee=params.get("assignee", "")[:150],
            search=params.get("q", "")[:40],
            sort=sort,
        )
        page = self.paginate_queryset(qs) or []
        people = worklist.users_by_id({getattr(r, "outreach_assignee_id", None) for r in page})
        self.log("glp1_worklist", f"run {run.pk}", "API")
        return self.get_paginated_response(WorklistRowSerializer(page, many=True, context={"people": people}).data)

    @extend_schema(parameters=[PY_PARAM], responses=BeneficiaryDetailSerializer)
    def retrieve(self, request: Request, aco_id: str, mbi: str) -> Response:
        run, row = self.get_row(mbi)
        fills = list(selectors.fills(run=run, aco_id=self.aco.pk, mbi=row.mbi))
        row.fill_rows = fills  # type: ignore[attr-defined]
        row.question_rows = [  # type: ignore[attr-defined]
            {"number": q.number, "question": q.text, "claims_show": q.claims_show, "evidence": list(q.evidence)}
            for q in packet.questions(row=row, fills=fills, parameters=run.parameters or {}, as_of=run.as_of)
        ]
        row.outreach_data = self._outreach(row.mbi)  # type: ignore[attr-defined]
        row.lifestyle_data = worklist.beneficiary_lifestyle(aco=self.aco, mbi=row.mbi)  # type: ignore[attr-defined]
        self.log("glp1_beneficiary", row.mbi, f"run {run.pk} API")
        data = dict(BeneficiaryDetailSerializer(row).data)
        data["run"] = run.pk
        data["status_label"] = EligibilityStatus(row.status).label
        return Response(data)

    @extend_schema(parameters=[PY_PARAM], responses=OutreachSerializer)
    def outreach_read(self, request: Request, aco_id: str, mbi: str) -> Response:
        _, row = self.get_row(mbi)
        self.log("glp1_outreach", row.mbi, "API")
        return Response(OutreachSerializer(self._outreach(row.mbi)).data)

    @extend_schema(parameters=[PY_PARAM], request=OutreachPatchSerializer, responses=OutreachSerializer)
    def outreach_patch(self, request: Request, aco_id: str, mbi: str) -> Response:
        _, row = self.get_row(mbi)
        serializer = OutreachPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "outreach_status" in data:
            data["status"] = data.pop("outreach_status")
        if "assignee" in data:
            data["assignee"] = self._user(data["assignee"])
        try:
            services.outreach_update(aco=self.aco, mbi=row.mbi, acting_user=request_user(request), **data)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(OutreachSerializer(self._outreach(row.mbi)).data)

    @extend_schema(request=OutreachBulkSerializer, responses=OutreachBulkResultSerializer)
    def outreach_bulk(self, request: Request, aco_id: str) -> Response:
        serializer = OutreachBulkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        changes: dict[str, Any] = {}
        if "outreach_status" in data:
            changes["status"] = data["outreach_status"]
        if "assignee" in data:
            changes["assignee"] = self._user(data["assignee"])
        try:
            changed = services.outreach_bulk_update(
                aco=self.aco, mbis=data["mbis"], acting_user=request_user(request), **changes
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(OutreachBulkResultSerializer({"changed": changed}).data)
