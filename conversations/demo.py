"""A demo organisation to try everything at once: a home-care team and its leader.

Pure data: builds domain records; the caller stores them in a vault.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Mapping

from conversations.competence import JobProfile, Level
from conversations.identity import preparation_id
from conversations.model import (
    CompetenceRatings,
    Conversation,
    Kind,
    Person,
    Preparation,
    Role,
    State,
)
from conversations.sheets import QuestionSheet, QuestionType

DEMO_PIN = "123456"
ORGANISATION = "Demo Kommune"
UNIT = "Sundhed og Omsorg"
TEAM = "Hjemmeplejen Nord"


@dataclasses.dataclass(frozen=True)
class DemoOrganisation:
    leader: Person
    employees: tuple[Person, ...]
    hr: Person

    @property
    def people(self) -> tuple[Person, ...]:
        return (self.leader, *self.employees, self.hr)


def organisation() -> DemoOrganisation:
    leader = Person(
        id="d0000000000000000000000000000001",
        name="Mette Holm",
        roles=frozenset({Role.LEADER}),
        unit=UNIT,
        team=TEAM,
        title="Teamleder",
    )
    staff = [
        ("d0000000000000000000000000000002", "Anna Sørensen", "Ergoterapeut"),
        ("d0000000000000000000000000000003", "Jonas Nielsen", "Social- og sundhedsassistent"),
        ("d0000000000000000000000000000004", "Fatima Ali", "Fysioterapeut"),
        ("d0000000000000000000000000000005", "Lars Kristensen", "Social- og sundhedshjælper"),
    ]
    employees = tuple(
        Person(
            id=pid,
            name=name,
            unit=UNIT,
            team=TEAM,
            leader_id=leader.id,
            job_profile="therapist-carer",
            title=title,
        )
        for pid, name, title in staff
    )
    hr = Person(
        id="d0000000000000000000000000000009",
        name="Henrik Lund",
        roles=frozenset({Role.HR}),
        unit="HR og Personale",
        title="HR-konsulent",
    )
    return DemoOrganisation(leader=leader, employees=employees, hr=hr)


def conversations(
    org: DemoOrganisation,
    today: dt.date,
    sheet: QuestionSheet | None,
    profiles: Mapping[str, JobProfile],
) -> list[tuple[Conversation, list[Preparation]]]:
    """The team's year so far: Anna's MUS coming up (she has started preparing), a team
    conversation, and last year's MUS with its follow-up due soon. Each conversation
    exists once; everyone taking part keeps the same record."""
    leader, anna = org.leader, org.employees[0]
    at_ten = dt.time(10, 0)
    mus = Conversation(
        kind=Kind.MUS,
        sheet_id="mus",
        sheet_version=1,
        leader_id=leader.id,
        participant_ids=(anna.id,),
        planned_at=dt.datetime.combine(today + dt.timedelta(days=14), at_ten),
        state=State.PREPARING,
        author=leader.id,
    )
    tus = Conversation(
        kind=Kind.TUS,
        sheet_id="tus",
        sheet_version=1,
        leader_id=leader.id,
        participant_ids=tuple(p.id for p in org.employees),
        planned_at=dt.datetime.combine(today + dt.timedelta(days=40), dt.time(9, 0)),
        state=State.INVITED,
        author=leader.id,
    )
    last_year = Conversation(
        kind=Kind.MUS,
        sheet_id="mus",
        sheet_version=1,
        leader_id=leader.id,
        participant_ids=(anna.id,),
        planned_at=dt.datetime.combine(today - dt.timedelta(days=170), at_ten),
        state=State.AGREED,
        follow_up_due=today + dt.timedelta(days=10),
        author=leader.id,
    )
    started = Preparation(id=preparation_id(mus.id, anna.id), conversation_id=mus.id,
                          author=anna.id)
    questions = sheet.all_questions() if sheet else ()
    text = next((q for q in questions if q.type is QuestionType.TEXT), None)
    if text is not None:
        started = started.with_answer(
            text.id, "Genoptræning i borgernes hjem og vurdering af hjælpemidler."
        )
    rated = next((q for q in questions if q.type is QuestionType.COMPETENCE), None)
    profile = profiles.get(rated.job_profile or "") if rated else None
    if profile is not None and profile.competences:
        started = started.with_rating(profile.competences[0].id, Level.PROFICIENT)
    return [(mus, [started]), (tus, []), (last_year, [])]


def ratings(
    org: DemoOrganisation, today: dt.date, profiles: Mapping[str, JobProfile]
) -> list[CompetenceRatings]:
    """Last year's self-assessments of the team, so the competence overview has
    something to show: every employee on every competence of their job profile, a few
    below what the profile expects (the same levels every time)."""
    found = []
    for number, person in enumerate(org.employees):
        profile = profiles.get(person.job_profile or "")
        if profile is None:
            continue
        levels = {}
        for index, competence in enumerate(profile.competences):
            step = (number * 7 + index * 3) % 10
            level = Level.NOVICE if step == 0 else Level.ADVANCED_BEGINNER if step < 3 \
                else Level.COMPETENT if step < 7 else Level.PROFICIENT
            levels[competence.id] = level
        seed = f"demo-ratings|{person.id}".encode()
        found.append(CompetenceRatings(
            id=hashlib.sha256(seed).hexdigest()[:32],
            person_id=person.id,
            conversation_id=hashlib.sha256(seed + b"|shard").hexdigest()[:32],
            year=today.year - 1,
            ratings=levels,
            author=person.id,
        ))
    return found


def takes_part(person_id: str, conversation: Conversation) -> bool:
    return person_id in (
        conversation.leader_id, conversation.delegate_leader_id, *conversation.participant_ids
    )
