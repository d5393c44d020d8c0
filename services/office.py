"""The leader's and HR's desk, in plain Python: no Flet here.

- Competence ratings reach the people who may read them: when a person shares a
  preparation with their leader, its self-assessment goes out as a ``competence_ratings``
  record (readers: the person, their leader, HR); the leader's own ratings in an
  employee's conversation go out the same way, marked as the leader's assessment.
- The leader's board and year: their people's conversations from the index, bulk
  planning of a conversation kind across the year, and reminders about overdue
  follow-ups that reach the person's home.
- HR's competence overview and course catalogue; MED's anonymous trends.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence

from conversations.competence import JobProfile, Level
from conversations.courses import (
    Completion,
    Course,
    Delivery,
    Demand,
    competence_catalogue,
    new_course,
    suggested_demand,
)
from conversations.directory import Member
from conversations.model import (
    Agreement,
    CompetenceRatings,
    Conversation,
    Coverage,
    Goal,
    InputRejected,
    Kind,
    Reminder,
    Role,
    State,
)
from conversations.overview import (
    HELD_OR_LATER,
    Assessment,
    BoardRow,
    Cell,
    Grouping,
    Rating,
    RatingBook,
    competence_overview,
    leader_board,
    may_see_individual,
)
from conversations.trends import TrendCell, med_trends
from services.meeting import Meetings
from services.session import Session
from storage.schema import (
    AGREEMENT_TABLE,
    CATALOGUE_SHARD,
    COMPLETION_TABLE,
    COURSE_TABLE,
    COVERAGE_TABLE,
    PREPARATION_TABLE,
    RATINGS_TABLE,
    REMINDER_TABLE,
    REMINDERS_KEY,
)

INDIVIDUAL_KINDS = (Kind.MUS, Kind.PUS, Kind.LUS)


def coverage_id(leader_id: str, year: int) -> str:
    """The shard and record id of a leader's coverage for a year."""
    return hashlib.sha256(f"coverage|{leader_id}|{year}".encode()).hexdigest()[:32]


class Office:
    def __init__(self, session: Session, meetings: Meetings) -> None:
        self.session = session
        self.meetings = meetings

    # --- who I am here ---------------------------------------------------------------------

    def me(self) -> Member:
        person = self.session.current_person()
        member = self.session.directory.member(person.id)
        if member is None:
            raise InputRejected("error.vault_locked")
        return member

    def is_hr(self) -> bool:
        return Role.HR in self.session.current_person().roles

    def is_med(self) -> bool:
        return bool({Role.MED, Role.HR} & set(self.session.current_person().roles))

    def led(self) -> list[Member]:
        """The people I lead, by name."""
        me = self.session.current_person().id
        return sorted((m for m in self.session.directory.members.values()
                       if m.leader_id == me), key=lambda m: m.name.casefold())

    def is_leader(self) -> bool:
        return bool(self.led()) or Role.LEADER in self.session.current_person().roles

    def members(self) -> dict[str, Member]:
        return dict(self.session.directory.members)

    def profiles(self) -> Mapping[str, JobProfile]:
        return self.session.library.job_profiles


    def ratings(self) -> RatingBook:
        """Blocking. Every competence rating this person may read, kept per record (a
        book reads as a sequence of ``Rating`` and makes the overview fast)."""
        vault = self.session.unlocked_vault()
        found: list[Assessment] = []
        for shard_id in vault.shard_ids():
            table = vault.read_shard(shard_id).get(RATINGS_TABLE, {})
            for raw in table.values():
                record = CompetenceRatings.from_dict(raw)
                found.append(Assessment(
                    person_id=record.person_id, year=record.year, by_leader=record.by_leader,
                    levels={competence: int(Level(level))
                            for competence, level in record.ratings.items()},
                ))
        return RatingBook(found)

    def overview(self, grouping: Grouping, year: int,
                 ratings: Sequence[Rating] | None = None) -> dict[str, dict[str, Cell]]:
        """Blocking. The competence overview; single people only where this person may
        see them (the person, their leader, HR)."""
        rows = self.ratings() if ratings is None else ratings
        cells = competence_overview(rows, self.members(), self.profiles(), grouping=grouping,
                                    year=year)
        if grouping is Grouping.INDIVIDUAL:
            me, directory = self.me(), self.session.directory
            cells = {person: row for person, row in cells.items()
                     if may_see_individual(me, person, directory)}
        return cells

    def med(self, year: int) -> list[TrendCell]:
        """Blocking. MED's anonymous trends: only numbers from enough people."""
        policy = self.session.directory.policy
        return med_trends(self.ratings(), self.members(), year=year,
                          min_group=policy.med_min_group)

    # --- the leader's board and year -------------------------------------------------------------

    def conversations(self) -> list[Conversation]:
        """Blocking. The conversations this person leads, from the index (no shard reads)."""
        me = self.session.current_person().id
        found = []
        for cid, entry in self.session.index().items():
            if entry.leading(me):
                found.append(entry.conversation(cid, me))
        return found

    def board(self, year: int) -> list[BoardRow]:
        """Blocking. One row per person I lead: where their conversation of the year is.
        The counts (never the names) go to my own leader for their coverage view."""
        conversations = self.conversations()
        prepared = self._prepared(c for c in conversations
                                  if c.state in (State.PLANNED, State.INVITED, State.PREPARING))
        rows = leader_board(self.led(), conversations, self.session.today(), year=year,
                            prepared=prepared, kinds=INDIVIDUAL_KINDS)
        self.share_coverage(year, rows)
        return rows

    def share_coverage(self, year: int, rows: Sequence[BoardRow] | None = None) -> None:
        """Blocking. Sends how many of my people have had the year's conversation, when
        that changed since last time and I have a leader to tell."""
        session = self.session
        me = session.current_person().id
        if session.directory.leader_of(me) is None or not self.led():
            return
        if rows is None:
            rows = leader_board(self.led(), self.conversations(), session.today(), year=year,
                                kinds=INDIVIDUAL_KINDS)
        done = sum(1 for row in rows if row.state in HELD_OR_LATER)
        shard = coverage_id(me, year)
        earlier = session.unlocked_vault().read_shard(shard).get(COVERAGE_TABLE, {}).get(shard)
        if earlier is not None:
            before = Coverage.from_dict(earlier)
            if (before.done, before.led) == (done, len(rows)):
                return
            record = before.revised(author=me, done=done, led=len(rows))
        else:
            record = Coverage(id=shard, leader_id=me, year=year, done=done, led=len(rows),
                              author=me)
        session.publish(shard, COVERAGE_TABLE, record.to_dict())

    def _prepared(self, conversations: Iterable[Conversation]) -> set[str]:
        vault = self.session.unlocked_vault()
        done = set()
        for conversation in conversations:
            preps = vault.read_shard(conversation.id).get(PREPARATION_TABLE, {}).values()
            if any(p.get("shared_with_leader") and p.get("author") in
                   conversation.participant_ids for p in preps):
                done.add(conversation.id)
        return done

    def coverage(self, year: int) -> dict[str, tuple[int, int]]:
        """Blocking. For the leader's leader: per leader below them, how many of their
        people have had this year's conversation (held or later) out of how many, as
        those leaders' devices last reported it."""
        me = self.session.current_person().id
        leaders = {m.id for m in self.session.directory.members.values() if m.leader_id == me}
        vault = self.session.unlocked_vault()
        found = {}
        for leader in leaders:
            shard = coverage_id(leader, year)
            raw = vault.read_shard(shard).get(COVERAGE_TABLE, {}).get(shard)
            if raw is not None:
                record = Coverage.from_dict(raw)
                found[leader] = (record.done, record.led)
        return found

    def plan_many(self, kind: Kind, slots: Iterable[tuple[Sequence[str], dt.date]],
                  at: dt.time = dt.time(10, 0)) -> list[str]:
        """Blocking. Plans every slot of a year plan; stops at the first refusal with
        what was planned so far kept."""
        planned = []
        for people, day in slots:
            planned.append(self.meetings.plan(kind, people, day, at=at).conversation_id)
        return planned

    def remind(self, conversation_id: str, note_key: str = "reminder.follow_up") -> None:
        """Blocking. A reminder about this conversation that shows on the participants'
        home screens after their next sync."""
        session = self.session
        conversation = self.meetings.conversation(conversation_id)
        me = session.current_person().id
        if me not in (conversation.leader_id, conversation.delegate_leader_id):
            raise InputRejected("error.leader_only")
        reminder = Reminder(conversation_id=conversation_id, about=note_key,
                            sent_at=session.clock.now(),
                            author=me)
        session.unlocked_vault().put_record(conversation_id, REMINDER_TABLE, reminder.to_dict())
        session.publish(conversation_id, REMINDER_TABLE, reminder.to_dict())

    def reminders(self) -> list[tuple[Reminder, Conversation]]:
        """Blocking. Reminders others sent me about my conversations, newest first (from
        the index a sync keeps, and the index: no shard is read)."""
        vault, me = self.session.unlocked_vault(), self.session.current_person().id
        index = self.session.index()
        found = []
        for raw in (vault.get_meta(REMINDERS_KEY) or {}).get("items", {}).values():
            reminder = Reminder.from_dict(raw)
            entry = index.get(reminder.conversation_id)
            if entry is not None and me in entry.participant_ids:
                found.append((reminder, entry.conversation(reminder.conversation_id, me)))
        return sorted(found, key=lambda pair: pair[0].sent_at, reverse=True)

    # --- courses -------------------------------------------------------------------------------

    def courses(self) -> list[Course]:
        """Blocking. The course catalogue, newest dates last."""
        table = self.session.unlocked_vault().read_shard(CATALOGUE_SHARD).get(COURSE_TABLE, {})
        courses = [Course.from_dict(raw) for raw in table.values()]
        return sorted(courses, key=lambda c: (c.dates[:1] or (dt.date.max,), c.title))

    def create_course(self, title: str, competence_ids: Sequence[str], delivery: Delivery, *,
                      provider: str = "", teacher_id: str | None = None,
                      dates: Sequence[dt.date] = (), seats: int | None = None,
                      description: str = "") -> Course:
        """Blocking. HR adds a course; every member gets it with the next sync."""
        if not self.is_hr():
            raise InputRejected("error.hr_only")
        course = new_course(title=title, competence_ids=tuple(competence_ids),
                            delivery=delivery, provider=provider, teacher_id=teacher_id,
                            dates=tuple(dates), seats=seats, description=description,
                            today=self.session.today(), author=self.session.current_person().id)
        self.session.unlocked_vault().put_record(CATALOGUE_SHARD, COURSE_TABLE, course.to_dict())
        self.session.publish(CATALOGUE_SHARD, COURSE_TABLE, course.to_dict())
        return course

    def completions(self) -> list[Completion]:
        """Blocking. Course completions this person may read."""
        table = self.session.unlocked_vault().read_shard(CATALOGUE_SHARD).get(COMPLETION_TABLE, {})
        return [Completion.from_dict(raw) for raw in table.values()]

    def complete(self, course_id: str, completed_on: dt.date, consent: bool) -> Completion:
        """Blocking. I took a course; with consent it shows in the competence catalogue.
        Marking it again changes the consent (or the date) of the same record."""
        me, today = self.session.current_person().id, self.session.today()
        if completed_on > today:
            raise InputRejected("error.completed_in_future")
        if not any(c.id == course_id for c in self.courses()):
            raise InputRejected("error.course_unknown")
        record_id = hashlib.sha256(f"completion|{me}|{course_id}".encode()).hexdigest()[:32]
        earlier = next((c for c in self.completions() if c.id == record_id), None)
        if earlier is None:
            record = Completion(id=record_id, person_id=me, course_id=course_id,
                                completed_on=completed_on, consent_to_publish=consent,
                                author=me)
        else:
            record = earlier.with_consent(consent, me)
            if record.completed_on != completed_on:
                record = record.revised(author=me, completed_on=completed_on)
            if record is earlier:
                return earlier
        self.session.publish(CATALOGUE_SHARD, COMPLETION_TABLE, record.to_dict())
        return record

    def competence_catalogue(self) -> dict[str, list[tuple[str, str]]]:
        """Blocking. Competence → [(name, course)] of colleagues who consented."""
        courses = {c.id: c for c in self.courses()}
        members = self.members()
        found = competence_catalogue(self.completions(), courses)
        return {competence: [(members[p].name if p in members else "?", title)
                             for p, title in entries] for competence, entries in found.items()}

    def gaps(self, year: int, ratings: Sequence[Rating] | None = None
             ) -> dict[str, dict[str, int]]:
        """Blocking. Per person: expected minus rated level, for the people this person
        may see individually."""
        rows = self.ratings() if ratings is None else ratings
        members, profiles = self.members(), self.profiles()
        me, directory = self.me(), self.session.directory
        levels: dict[str, dict[str, Level]] = {}
        for rating in rows:
            if rating.year == year and not rating.by_leader:
                levels.setdefault(rating.person_id, {})[rating.competence_id] = rating.level
        gaps = {}
        for person, rated in levels.items():
            member = members.get(person)
            profile = profiles.get(member.job_profile or "") if member else None
            if profile is not None and may_see_individual(me, person, directory):
                gaps[person] = profile.gap(rated)
        return gaps

    def demand(self, year: int) -> list[Demand]:
        """Blocking. Course demand from gaps and from agreement goals of type course."""
        vault = self.session.unlocked_vault()
        goals: list[tuple[str, Goal]] = []
        for shard_id in vault.shard_ids():
            for raw in vault.read_shard(shard_id).get(AGREEMENT_TABLE, {}).values():
                agreement = Agreement.from_dict(raw)
                goals.extend((goal.responsible_id, goal) for goal in agreement.goals)
        known = [c.id for p in self.profiles().values() for c in p.competences]
        return suggested_demand(self.gaps(year), goals, known=known)

    def competence_name(self, competence_id: str) -> str:
        for profile in self.profiles().values():
            for competence in profile.competences:
                if competence.id == competence_id:
                    return self.session.texts.localize(competence.name)
        return competence_id
