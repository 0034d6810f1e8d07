"""The BE/BEI catalogue for PY2027–PY2029 (docs/benefits.md). Limits come from the model parameters'
defaults: Substance Access $500.00 per beneficiary per year, Care Management Home Visits 20 a year,
Part D Premium Buydown first offered in PY2029. CMS admins change items in the administration pages."""

from decimal import Decimal

from django.db import migrations

YEARS = (2027, 2028, 2029)
SA_CAP = Decimal("500.00")
VISIT_CAP = 20
BUYDOWN_FIRST_PY = 2029

ITEMS = [
    {
        "code": "medical_nutrition_therapy",
        "name": "Medical Nutrition Therapy",
        "kind": "be",
        "description": "Extends covered medical nutrition therapy beyond diabetes and renal disease to other "
        "diet-sensitive conditions. Only for ACOs taking Global (full) risk.",
        "global_only": True,
    },
    {
        "code": "part_d_premium_buydown",
        "name": "Part D Premium Buydown",
        "kind": "be",
        "description": "The ACO pays some or all of an aligned beneficiary's Part D premium.",
        "first_performance_year": BUYDOWN_FIRST_PY,
    },
    {
        "code": "chronic_disease_prevention_reward",
        "name": "Chronic Disease Prevention Reward",
        "kind": "bei",
        "description": "Healthy food products for beneficiaries who take part in healthy living activities "
        "and evidence-based programs.",
    },
    {
        "code": "substance_access",
        "name": "Substance Access",
        "kind": "bei",
        "description": "Consultation on eligible hemp products at the ACO's expense, only in states where such "
        "products are legal: at most 0.3% delta-9 THC by dry weight and 3 mg THC per serving, taken by mouth; "
        "up to $500 per beneficiary per year. The plan lists products, dosing and frequency.",
        "legal_states_only": True,
        "annual_cap_dollars": SA_CAP,
        "extra_plan_fields": ["products", "dosing", "frequency"],
    },
    {
        "code": "snf_3day_waiver",
        "name": "3-Day SNF Rule Waiver",
        "kind": "be",
        "description": "Skilled nursing facility care without the usual prior three-day inpatient stay.",
    },
    {
        "code": "telehealth",
        "name": "Telehealth",
        "kind": "be",
        "description": "Telehealth services without the usual originating-site and geographic limits.",
    },
    {
        "code": "post_discharge_home_visits",
        "name": "Post-Discharge Home Visits",
        "kind": "be",
        "description": "Home visits by auxiliary personnel under general supervision after a discharge.",
    },
    {
        "code": "care_management_home_visits",
        "name": "Care Management Home Visits",
        "kind": "be",
        "description": "Home visits by auxiliary personnel to manage care, before a need for hospital care; "
        "up to 20 visits per beneficiary per year.",
        "annual_cap_count": VISIT_CAP,
    },
    {
        "code": "home_health_homebound_waiver",
        "name": "Home Health Homebound Waiver",
        "kind": "be",
        "description": "Home health services for beneficiaries who are not homebound.",
    },
    {
        "code": "concurrent_care_hospice",
        "name": "Concurrent Care for Hospice",
        "kind": "be",
        "description": "Curative care alongside the hospice benefit.",
    },
    {
        "code": "nurse_practitioner_services",
        "name": "Nurse Practitioner Services",
        "kind": "be",
        "description": "Nurse practitioners may certify and order services otherwise reserved to physicians.",
    },
    {
        "code": "part_b_cost_sharing_support",
        "name": "Part B Cost-Sharing Support",
        "kind": "bei",
        "description": "The ACO pays some or all of a beneficiary's Part B cost sharing for certain services.",
    },
]


def load(apps, schema_editor):
    BenefitItem = apps.get_model("benefits", "BenefitItem")
    for year in YEARS:
        for item in ITEMS:
            defaults = {k: v for k, v in item.items() if k != "code"}
            BenefitItem.objects.update_or_create(performance_year=year, code=item["code"], defaults=defaults)


def unload(apps, schema_editor):
    apps.get_model("benefits", "BenefitItem").objects.filter(performance_year__in=YEARS).delete()


class Migration(migrations.Migration):
    dependencies = [("benefits", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
