"""People, conversations and what comes out of them.

States follow the yearly cycle: planned → invited → preparing → held → agreed →
followed up, and a conversation can be cancelled until it is held. Goals come from the
development agreement; a signed agreement is never edited, only superseded.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import enum
import unicodedata
from collections.abc import Iterable, Mapping
from typing import ClassVar

from conversations.competence import Level
from conversations.records import Versioned

MAX_ANSWER_CHARS = 20_000
FOLLOW_UP_MONTHS = 6


class InputRejected(ValueError):
    """Input a person gave that cannot be kept. ``key`` names a translated message."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class Role(enum.StrEnum):
    EMPLOYEE = "employee"
    LEADER = "leader"
    HR = "hr"
    TR = "tr"
    MED = "med"


class Kind(enum.StrEnum):
    MUS = "MUS"
    PUS = "PUS"
    LUS = "LUS"
    GRUS = "GRUS"
    TUS = "TUS"
    FOLLOW_UP = "FOLLOW_UP"

    @property
    def is_team(self) -> bool:
        return self in (Kind.GRUS, Kind.TUS)


class State(enum.StrEnum):
    PLANNED = "planned"
    INVITED = "invited"
    PREPARING = "preparing"
    HELD = "held"
    AGREED = "agreed"
    FOLLOWED_UP = "followed_up"
    CANCELLED = "cancelled"


_NEXT: Mapping[State, frozenset[State]] = {
    State.PLANNED: frozenset({State.INVITED, State.PREPARING, State.CANCELLED}),
    State.INVITED: frozenset({State.PREPARING, State.HELD, State.CANCELLED}),
    State.PREPARING: frozenset({State.HELD, State.CANCELLED}),
    State.HELD: frozenset({State.AGREED}),
    State.AGREED: frozenset({State.FOLLOWED_UP}),
    State.FOLLOWED_UP: frozenset(),
    State.CANCELLED: frozenset(),
}


class Task(enum.StrEnum):
    """What a conversation asks of a person now: how home groups them."""

    PREPARE = "prepare"
    HOLD = "hold"
    SIGN = "sign"
    FOLLOW_UP = "follow_up"
    DONE = "done"


class PracticeField(enum.StrEnum):
    COURSE = "course"
    NEW_TASK = "new_task"
    SPARRING = "sparring"
    KNOWLEDGE_SHARING = "knowledge_sharing"
    SIDE_BY_SIDE = "side_by_side"
    MENTOR = "mentor"
    JOB_SWAP = "job_swap"
    OTHER = "other"


class GoalStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Person(Versioned):
    record_type: ClassVar[str] = "person"

    name: str
    roles: frozenset[Role] = frozenset({Role.EMPLOYEE})
    unit: str = ""
    team: str = ""
    leader_id: str | None = None
    job_profile: str | None = None
    title: str = ""

    def __post_init__(self) -> None:
        if not storable_text(self.name).strip():
            raise InputRejected("error.name_required")
        super().__post_init__()


@dataclasses.dataclass(frozen=True, kw_only=True)
class Conversation(Versioned):
    record_type: ClassVar[str] = "conversation"

    kind: Kind
    sheet_id: str
    sheet_version: int
    leader_id: str
    participant_ids: tuple[str, ...]
    planned_at: dt.datetime | None = None
    state: State = State.PLANNED
    delegate_leader_id: str | None = None
    companion_id: str | None = None
    follow_up_of: str | None = None
    follow_up_due: dt.date | None = None

    def moved_to(self, state: State, author: str) -> Conversation:
        if state not in _NEXT[self.state]:
            raise InputRejected("error.state_change", current=self.state, wanted=state)
        return self.revised(author=author, state=state)

    def task_for(self, person_id: str, today: dt.date) -> Task:
        return task_for(
            self.state,
            leading=person_id in (self.leader_id, self.delegate_leader_id),
            planned_on=self.planned_at.date() if self.planned_at else None,
            follow_up_due=self.follow_up_due,
            today=today,
        )


FOLLOW_UP_NOTICE = dt.timedelta(days=30)


def task_for(
    state: State,
    *,
    leading: bool,
    planned_on: dt.date | None,
    follow_up_due: dt.date | None,
    today: dt.date,
) -> Task:
    """What a conversation in ``state`` asks of a person today."""
    if state in (State.PLANNED, State.INVITED, State.PREPARING):
        if leading and planned_on is not None and planned_on <= today:
            return Task.HOLD
        return Task.PREPARE
    if state is State.HELD:
        return Task.SIGN
    if state is State.AGREED and follow_up_due is not None:
        return Task.FOLLOW_UP if follow_up_due <= today + FOLLOW_UP_NOTICE else Task.DONE
    return Task.DONE


@dataclasses.dataclass(frozen=True, kw_only=True)
class Preparation(Versioned):
    """One participant's answers and self-assessment; private until shared."""

    record_type: ClassVar[str] = "preparation"

    conversation_id: str
    answers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    ratings: Mapping[str, Level] = dataclasses.field(default_factory=dict)
    shared_with_leader: bool = False

    def with_answer(self, question_id: str, text: str) -> Preparation:
        text = storable_text(text)
        if len(text) > MAX_ANSWER_CHARS:
            raise InputRejected("error.answer_too_long", limit=MAX_ANSWER_CHARS, length=len(text))
        answers = dict(self.answers)
        if text.strip():
            answers[question_id] = text
        else:
            answers.pop(question_id, None)
        return self.revised(answers=answers)

    def with_rating(self, competence_id: str, level: Level | None) -> Preparation:
        ratings = dict(self.ratings)
        if level is None:
            ratings.pop(competence_id, None)
        else:
            ratings[competence_id] = Level(level)
        return self.revised(ratings=ratings)

    def answered(self, question_ids: tuple[str, ...]) -> int:
        return sum(
            1 for q in question_ids if self.answers.get(q, "").strip() or q in self.ratings
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class Minutes(Versioned):
    record_type: ClassVar[str] = "minutes"

    conversation_id: str
    notes: Mapping[str, str] = dataclasses.field(default_factory=dict)
    done_cards: tuple[str, ...] = ()  # a team conversation's dialog cards talked through
    # Where the team laid each dialog card on the conversation wheel: card id → field id.
    # A mapping, so two devices placing different cards merge card by card.
    placed_cards: Mapping[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Goal:
    id: str
    theme_id: str
    what: str
    # None until someone chooses: a goal never gets a theme or practice field nobody
    # picked (a default "course" once put a side-by-side training in HR's course demand).
    practice_field: PracticeField | None = None
    responsible_id: str = ""
    deadline: dt.date | None = None
    status: GoalStatus = GoalStatus.OPEN
    approved_by_leader: bool = False

    def check(self, today: dt.date) -> None:
        if not self.what.strip():
            raise InputRejected("error.goal_empty")
        if self.deadline is not None and self.deadline < today:
            raise InputRejected("error.deadline_past", deadline=self.deadline.isoformat())


@dataclasses.dataclass(frozen=True, kw_only=True)
class Signature:
    signer_id: str
    signed_at: dt.datetime
    content_hash: str
    public_key: str
    signature: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class Agreement(Versioned):
    record_type: ClassVar[str] = "agreement"

    conversation_id: str
    goals: tuple[Goal, ...] = ()
    signatures: tuple[Signature, ...] = ()
    supersedes: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class TeamAction:
    id: str
    what: str
    long_term: bool = False
    responsible_id: str = ""
    deadline: dt.date | None = None
    status: GoalStatus = GoalStatus.OPEN


@dataclasses.dataclass(frozen=True, kw_only=True)
class TeamPlan(Versioned):
    record_type: ClassVar[str] = "team_plan"

    conversation_id: str
    actions: tuple[TeamAction, ...] = ()
    member_goals: Mapping[str, tuple[Goal, ...]] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, kw_only=True)
class SubGoal:
    """A team's sub-goal in the unit's year plan, most often gathered from one action of
    that team's TUS/GRUS plan (``from_action``), then worded for the unit."""

    id: str
    team: str
    what: str
    responsible_id: str = ""
    deadline: dt.date | None = None
    status: GoalStatus = GoalStatus.OPEN
    from_action: str = ""  # the team action it was gathered from ("" when typed in)


@dataclasses.dataclass(frozen=True, kw_only=True)
class UnitPriority:
    id: str
    what: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class UnitPlan(Versioned):
    """The unit's year plan: the leader's priorities for the whole unit and each team's
    sub-goals. Written by a leader of the unit, read by everyone in it."""

    record_type: ClassVar[str] = "unit_plan"

    unit: str
    year: int
    priorities: tuple[UnitPriority, ...] = ()
    sub_goals: tuple[SubGoal, ...] = ()


@dataclasses.dataclass(frozen=True, kw_only=True)
class CompetenceRatings(Versioned):
    """A person's competence levels from one conversation, as they themself (or, with
    ``by_leader``, their leader) assessed them; read by the person, their leader and HR."""

    record_type: ClassVar[str] = "competence_ratings"

    person_id: str
    conversation_id: str
    year: int
    ratings: Mapping[str, Level] = dataclasses.field(default_factory=dict)
    by_leader: bool = False


@dataclasses.dataclass(frozen=True, kw_only=True)
class Reminder(Versioned):
    """A leader's nudge about a conversation (e.g. an overdue follow-up); no content."""

    record_type: ClassVar[str] = "reminder"

    conversation_id: str
    about: str
    sent_at: dt.datetime


@dataclasses.dataclass(frozen=True, kw_only=True)
class Coverage(Versioned):
    """How many of a leader's people have had the year's conversation: counts only, for
    the leader's own leader."""

    record_type: ClassVar[str] = "coverage"

    leader_id: str
    year: int
    done: int
    led: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class ErasureRequest(Versioned):
    """A person asked to have their data erased; read by HR. No content."""

    record_type: ClassVar[str] = "erasure_request"

    person_id: str
    requested_at: dt.datetime


def shared_by(conversation: Conversation, preparations: Iterable[Preparation]) -> tuple[str, ...]:
    """The participants (in the conversation's order) whose preparation reached the
    leader: shared, and in the leader's hands. The leader's own does not count."""
    shared = {p.author for p in preparations if p.shared_with_leader}
    return tuple(pid for pid in conversation.participant_ids if pid in shared)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def follow_up_date(agreed_on: dt.date, months: int = FOLLOW_UP_MONTHS) -> dt.date:
    return add_months(agreed_on, months)


_WORD_PUNCTUATION = str.maketrans(
    {"\u00a0": " ", "\u200b": None, "\ufeff": None, "\r": None, "\x00": None,
     "\x0b": "\n", "\x0c": "\n"}
)
_KEPT_CONTROLS = frozenset("\t\n")


def clean_text(text: str) -> str:
    """Keeps what a person typed or pasted, minus invisible characters that break search
    and PDFs (no-break and zero-width spaces, byte-order marks, carriage returns, NUL;
    vertical tabs and form feeds from Word become line breaks). Typographic quotes,
    dashes and bullets from Word stay as they are."""
    return text.translate(_WORD_PUNCTUATION)


def storable_text(text: str) -> str:
    """``clean_text(text)``, or InputRejected (``error.text_unstorable``) when what is
    left cannot be kept: a lone surrogate (half of a character, which no file can hold
    as UTF-8 — a broken paste or a script) or another control character (anything but
    tab and line break). Every text a person gives goes through this before it is kept."""
    if not isinstance(text, str):
        raise InputRejected("error.text_unstorable", character="?")
    text = clean_text(text)
    for character in text:
        code = ord(character)
        if 0xD800 <= code <= 0xDFFF or (
            unicodedata.category(character) == "Cc" and character not in _KEPT_CONTROLS
        ):
            raise InputRejected("error.text_unstorable", character=f"U+{code:04X}")
    return text
