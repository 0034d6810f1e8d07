"""REST API of the GLP-1 dashboard: an ACO's figures (``/api/acos/{aco_id}/glp1/summary/``, what its page shows)
and CMS's table of every ACO (``/api/glp1/acos/``). The same selectors as the pages; aggregates only, so
nothing is access-logged. Amounts are in cents, shares in percent, PDC as a proportion (0–1)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.selectors import request_user
from apps.acos.api import PY_PARAM, ACOScopedViewSet
from apps.acos.mixins import resolve_performance_year

from . import selectors_dashboard as dash
from .models import Glp1Run

NOT_CAUSAL = "Observational, not causal: the same beneficiaries before and after their start."
LIFESTYLE_NOT_CAUSAL = (
    "Observational, not causal: those who join a lifestyle programme differ from those who do not. In a programme: "
    "an enrolment recorded by the ACO, current or ended."
)


class Glp1DashboardRunSerializer(serializers.ModelSerializer[Glp1Run]):
    adherence_threshold = serializers.SerializerMethodField(help_text="The PDC that counts as adherent (0–1).")

    class Meta:
        model = Glp1Run
        fields = ["id", "performance_year", "alignment_run", "as_of", "through", "finished_at", "adherence_threshold"]
        read_only_fields = fields

    def get_adherence_threshold(self, obj: Glp1Run) -> float:
        return dash.adherence_threshold(obj)


class Glp1HeadlineSerializer(serializers.Serializer[Any]):
    aligned = serializers.IntegerField()
    likely = serializers.IntegerField(help_text="Likely eligible, not started.")
    confirm = serializers.IntegerField(help_text="Needs clinical confirmation.")
    not_eligible = serializers.IntegerField()
    part_d = serializers.IntegerField(help_text="On a GLP-1 under Part D for another indication.")
    treated = serializers.IntegerField(help_text="Started under the GLP-1 Bridge.")
    eligible = serializers.IntegerField(help_text="likely + confirm + treated.")
    share_treated = serializers.FloatField(allow_null=True, help_text="treated as a % of eligible.")
    observed_90 = serializers.IntegerField(help_text="Started at least 90 days before the as-of date.")
    adherent_90 = serializers.IntegerField(help_text="Of observed_90, PDC over the first 90 days ≥ the threshold.")
    share_adherent_90 = serializers.FloatField(allow_null=True)
    observed_180 = serializers.IntegerField(help_text="Started at least 180 days before the as-of date.")
    adherent_180 = serializers.IntegerField(help_text="Of observed_180, PDC over the first 180 days ≥ the threshold.")
    share_adherent_180 = serializers.FloatField(allow_null=True)
    mean_pdc = serializers.FloatField(allow_null=True, help_text="Mean PDC of the treated, start to as-of (0–1).")
    drug_cost_cents = serializers.IntegerField(help_text="Months supplied × the Bridge net price.")
    copay_cents = serializers.IntegerField(help_text="Months supplied × the Bridge copay.")


class Glp1FunnelStageSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    # Named like the selectors' field; DRF's Field has a ``label`` attribute of another type.
    label = serializers.CharField()  # type: ignore[assignment]
    beneficiaries = serializers.IntegerField()
    of = serializers.IntegerField(help_text="The stage's base (the previous stage, or the observed starters).")
    share = serializers.FloatField(allow_null=True, help_text="beneficiaries as a % of of.")
    note = serializers.CharField()


class Glp1CurvePointSerializer(serializers.Serializer[Any]):
    day = serializers.IntegerField(help_text="Days since therapy start.")
    at_risk = serializers.IntegerField(
        help_text="Starters still followed that day: not discontinued before it and started at least that many "
        "days before the as-of date (the Kaplan–Meier risk set)."
    )
    share = serializers.FloatField(
        allow_null=True,
        help_text="Kaplan–Meier estimate of the % still on therapy that day (each starter counts until they stop "
        "or until the as-of date); never rises from one day to the next. Null when nobody has been followed that "
        "long (0 when everyone followed had stopped).",
    )


class Glp1CurveSerializer(serializers.Serializer[Any]):
    product = serializers.CharField(help_text='The product of the first Bridge fill, or "All products".')
    starters = serializers.IntegerField()
    points = Glp1CurvePointSerializer(many=True)


class Glp1CostSerializer(serializers.Serializer[Any]):
    treated = serializers.IntegerField()
    drug_cost_cents = serializers.IntegerField()
    copay_cents = serializers.IntegerField()
    net_of_copay_cents = serializers.IntegerField()
    patient_paid_cents = serializers.IntegerField(help_text="What the CCLF7 fills show the beneficiaries paid.")
    drug_cost_per_treated_cents = serializers.IntegerField(allow_null=True)
    copay_per_treated_cents = serializers.IntegerField(allow_null=True)


class Glp1SpendingSerializer(serializers.Serializer[Any]):
    note = serializers.CharField()
    beneficiaries = serializers.IntegerField(help_text="Treated, with months observed before and after the start.")
    spend_before_cents = serializers.IntegerField()
    months_before = serializers.IntegerField()
    per_month_before_cents = serializers.IntegerField(allow_null=True)
    spend_after_cents = serializers.IntegerField()
    months_after = serializers.IntegerField()
    per_month_after_cents = serializers.IntegerField(allow_null=True)


class Glp1TinSerializer(serializers.Serializer[Any]):
    tin = serializers.CharField(allow_blank=True, help_text="Aligning TIN (or CCN).")
    name = serializers.CharField(allow_blank=True)
    aligned = serializers.IntegerField()
    eligible = serializers.IntegerField()
    treated = serializers.IntegerField()
    share_treated = serializers.FloatField(allow_null=True)
    mean_pdc = serializers.FloatField(allow_null=True)


class Glp1StatusSerializer(serializers.Serializer[Any]):
    status = serializers.CharField()
    # Named like the selectors' field; DRF's Field has a ``label`` attribute of another type.
    label = serializers.CharField()  # type: ignore[assignment]
    beneficiaries = serializers.IntegerField()


class Glp1ReasonSerializer(serializers.Serializer[Any]):
    status = serializers.CharField(help_text="not_eligible or confirm")
    reason = serializers.CharField()
    beneficiaries = serializers.IntegerField(help_text="A beneficiary with several reasons counts under each.")


class Glp1LifestyleRowSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(help_text=f"{dash.IN_PROGRAMME} or {dash.NOT_IN_PROGRAMME}")
    # Named like the selectors' field; DRF's Field has a ``label`` attribute of another type.
    label = serializers.CharField()  # type: ignore[assignment]
    treated = serializers.IntegerField(help_text="Treated beneficiaries in the group.")
    mean_pdc = serializers.FloatField(allow_null=True, help_text="Mean PDC, start to as-of (0–1).")
    observed_90 = serializers.IntegerField(help_text="Started at least 90 days before the as-of date.")
    adherent_90 = serializers.IntegerField(help_text="Of observed_90, PDC over the first 90 days ≥ the threshold.")
    share_adherent_90 = serializers.FloatField(allow_null=True, help_text="adherent_90 as a % of observed_90.")
    sessions = serializers.IntegerField(help_text="Lifestyle sessions recorded for the group (0: not in one).")
    sessions_per_participant = serializers.FloatField(
        allow_null=True, help_text="sessions / treated for those in a programme; null for those not in one."
    )


class Glp1LifestyleSerializer(serializers.Serializer[Any]):
    note = serializers.CharField()
    rows = Glp1LifestyleRowSerializer(
        many=True, help_text="In a lifestyle programme, then not in one; empty when nobody is treated."
    )


class Glp1SummarySerializer(serializers.Serializer[Any]):
    aco_id = serializers.CharField()
    performance_year = serializers.IntegerField()
    run = Glp1DashboardRunSerializer(allow_null=True, help_text="Null: no GLP-1 run of the PY yet (figures empty).")
    headline = Glp1HeadlineSerializer()
    funnel = Glp1FunnelStageSerializer(many=True)
    statuses = Glp1StatusSerializer(many=True)
    reasons = Glp1ReasonSerializer(many=True)
    persistence = Glp1CurveSerializer(many=True)
    cost = Glp1CostSerializer()
    spending = Glp1SpendingSerializer()
    tins = Glp1TinSerializer(many=True)
    lifestyle = Glp1LifestyleSerializer(help_text="Adherence of the treated by lifestyle participation.")


def headline_data(h: dash.Headline) -> dict[str, Any]:
    return {
        **{k: getattr(h, k) for k in dash.Headline.__dataclass_fields__},
        "eligible": h.eligible,
        "share_treated": h.share_treated,
        "share_adherent_90": h.share_adherent_90,
        "share_adherent_180": h.share_adherent_180,
    }


def summary_data(d: dash.Dashboard, aco_id: str) -> dict[str, Any]:
    c, s = d.cost, d.spending
    return {
        "aco_id": aco_id,
        "performance_year": d.performance_year,
        "run": d.run,
        "headline": headline_data(d.headline),
        "funnel": [
            {
                "key": f.key,
                "label": f.label,
                "beneficiaries": f.beneficiaries,
                "of": f.of,
                "share": f.share,
                "note": f.note,
            }
            for f in d.stages
        ],  # fmt: skip
        "statuses": d.statuses.rows,
        "reasons": d.statuses.reasons,
        "persistence": [
            {
                "product": curve.product,
                "starters": curve.starters,
                "points": [{"day": p.day, "at_risk": p.at_risk, "share": p.share} for p in curve.points],
            }
            for curve in d.curves
        ],
        "cost": {
            "treated": c.treated,
            "drug_cost_cents": c.drug_cost_cents,
            "copay_cents": c.copay_cents,
            "net_of_copay_cents": c.net_of_copay_cents,
            "patient_paid_cents": c.patient_paid_cents,
            "drug_cost_per_treated_cents": c.per_treated(c.drug_cost_cents),
            "copay_per_treated_cents": c.per_treated(c.copay_cents),
        },
        "spending": {
            "note": NOT_CAUSAL,
            "beneficiaries": s.beneficiaries,
            "spend_before_cents": s.spend_before_cents,
            "months_before": s.months_before,
            "per_month_before_cents": s.per_month_before_cents,
            "spend_after_cents": s.spend_after_cents,
            "months_after": s.months_after,
            "per_month_after_cents": s.per_month_after_cents,
        },
        "tins": [
            {
                "tin": t.tin,
                "name": t.name,
                "aligned": t.aligned,
                "eligible": t.eligible,
                "treated": t.treated,
                "share_treated": t.share_treated,
                "mean_pdc": t.mean_pdc,
            }
            for t in d.tins
        ],  # fmt: skip
        "lifestyle": {
            "note": LIFESTYLE_NOT_CAUSAL,
            "rows": [
                {
                    "key": r.key,
                    "label": r.label,
                    "treated": r.treated,
                    "mean_pdc": r.mean_pdc,
                    "observed_90": r.observed_90,
                    "adherent_90": r.adherent_90,
                    "share_adherent_90": r.share_adherent_90,
                    "sessions": r.sessions,
                    "sessions_per_participant": r.sessions_per_participant,
                }
                for r in d.lifestyle
            ],
        },
    }


class Glp1SummaryViewSet(ACOScopedViewSet):
    """The ACO's GLP-1 dashboard figures from the PY's latest successful GLP-1 run."""

    serializer_class = Glp1SummarySerializer
    pagination_class = None

    @extend_schema(parameters=[PY_PARAM], responses=Glp1SummarySerializer)
    def summary(self, request: Request, aco_id: str) -> Response:
        d = dash.aco_dashboard(aco_id=self.aco.pk, performance_year=self.performance_year)
        return Response(Glp1SummarySerializer(summary_data(d, self.aco.aco_id)).data)


class Glp1ACOFiguresSerializer(Glp1HeadlineSerializer):
    aco_id = serializers.CharField()
    legal_name = serializers.CharField()


class Glp1ComparisonSerializer(serializers.Serializer[Any]):
    performance_year = serializers.IntegerField()
    run = Glp1DashboardRunSerializer(allow_null=True, help_text="Null: no GLP-1 run of the PY yet.")
    totals = Glp1HeadlineSerializer(help_text="Every ACO of the run together.")
    acos = Glp1ACOFiguresSerializer(many=True)


class Glp1ACOsViewSet(viewsets.GenericViewSet):
    """Every ACO's headline GLP-1 figures (CMS's page and CSV). CMS staff only: anyone else gets 404."""

    serializer_class = Glp1ComparisonSerializer
    pagination_class = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not getattr(self, "swagger_fake_view", False) and not request_user(request).is_cms:
            raise Http404("Not found.")

    @extend_schema(parameters=[PY_PARAM], responses=Glp1ComparisonSerializer)
    def table(self, request: Request) -> Response:
        py = resolve_performance_year(request.query_params.get("py"))
        c = dash.cms_comparison(user=request_user(request), performance_year=py)
        body = {
            "performance_year": py,
            "run": c.run,
            "totals": headline_data(c.total),
            "acos": [{"aco_id": r.aco_id, "legal_name": r.legal_name, **headline_data(r.figures)} for r in c.rows],
        }
        return Response(Glp1ComparisonSerializer(body).data)
