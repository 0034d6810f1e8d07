"""The GLP-1 demo (``manage.py glp1_demo``, run by ``manage.py demo``): on the latest PY2027 GLP-1 run, L0001's
administrator has begun outreach on the worklist (a few beneficiaries contacted, referred, started or
declining, assigned to the ACO's analyst or to the administrator) and recorded lifestyle programmes for some of
the beneficiaries treated under the Bridge, with sessions every two weeks from their therapy start. Every write
goes through the services, as a user's would. Safe to run again: what is already recorded is left as it is."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from apps.accounts.models import User
from apps.acos import selectors as aco_selectors
from apps.acos.models import ACO

from . import lifestyle, outreach, selectors
from .models import EligibilityStatus, LifestyleEnrolment, LifestyleProgramme, Outreach, OutreachStatus

PY = 2027
ACO_ID = "L0001"
ADMIN, ANALYST = "cvhp.admin", "cvhp.analyst"
# Outreach on the first worklist rows (by name): status, assigned to the analyst?, note.
OUTREACH = [
    (OutreachStatus.CONTACTED, True, "Left a voicemail; call back after the 15th."),
    (OutreachStatus.REFERRED, True, "Referred to Dr. Patel for a BMI check and the prior authorization."),
    (OutreachStatus.STARTED, False, "Started Wegovy; first fill picked up."),
    (OutreachStatus.DECLINED, False, "Prefers to try the nutrition programme first."),
    (OutreachStatus.CONTACTED, True, ""),
    (OutreachStatus.REFERRED, False, "Needs confirmation that the hypertension is uncontrolled."),
]
PROGRAMMES = [LifestyleProgramme.COACHING, LifestyleProgramme.NUTRITION]


@dataclass
class Outcome:
    notes: list[str] = field(default_factory=list)


def demo_load() -> Outcome:
    outcome = Outcome()
    run = selectors.latest_run(performance_year=PY)
    aco = ACO.objects.filter(aco_id=ACO_ID).first()
    admin = User.objects.filter(username=ADMIN).first()
    analyst = User.objects.filter(username=ANALYST).first()
    if run is None or aco is None or admin is None:
        outcome.notes.append("GLP-1 demo: no PY2027 GLP-1 run or no L0001 administrator; nothing recorded.")
        return outcome
    rows = selectors.beneficiaries(run=run, aco_id=aco.pk)
    worklist = rows.filter(status__in=(EligibilityStatus.LIKELY, EligibilityStatus.CONFIRM)).order_by(
        "last_name", "first_name", "mbi"
    )
    done = set(Outreach.objects.filter(aco=aco).values_list("mbi", flat=True))
    recorded = 0
    for (status, to_analyst, note), row in zip(OUTREACH, worklist, strict=False):
        if row.mbi in done:
            continue
        outreach.outreach_update(
            aco=aco, mbi=row.mbi, acting_user=admin, status=status,
            assignee=analyst if to_analyst and analyst is not None else admin, note=note,
        )  # fmt: skip
        recorded += 1
    today = aco_selectors.portal_today()
    enrolled = set(LifestyleEnrolment.objects.filter(aco=aco).values_list("mbi", flat=True))
    treated = rows.filter(status=EligibilityStatus.TREATED, therapy_start__isnull=False).order_by(
        "therapy_start", "mbi"
    )
    enrolments = sessions = 0
    for i, row in enumerate(treated[:40]):
        if i % 2 or row.mbi in enrolled or row.therapy_start is None:
            continue  # every other treated beneficiary, so the dashboard compares both groups
        start = row.therapy_start
        try:
            enrolment = lifestyle.enrolment_create(
                aco=aco, acting_user=admin, performance_year=PY, mbi=row.mbi,
                programme=PROGRAMMES[(i // 2) % 2], enrolled_on=start,
            )  # fmt: skip
        except ValidationError:
            continue  # not enrollable under the rules (e.g. no longer aligned): the demo skips it
        enrolments += 1
        for k in range(1, 1 + (i % 5) * 2 + 2):
            day = start + dt.timedelta(days=14 * k)
            if day > min(today, run.as_of):
                break
            lifestyle.session_record(enrolment=enrolment, acting_user=admin, session_date=day, minutes=45)
            sessions += 1
    outcome.notes.append(
        f"GLP-1 demo: outreach recorded for {recorded} worklist beneficiaries of {ACO_ID}; {enrolments} lifestyle "
        f"enrolments with {sessions} sessions for beneficiaries treated under the Bridge."
    )
    return outcome
