"""Following up on a development agreement, about six months after it was made.

Owns: when a follow-up is due (:func:`follow_up_state`), setting the date when the
conversation is agreed (:func:`schedule_follow_up`), the follow-up conversation itself
(:func:`follow_up_conversation`), the review of each goal's status with notes
(:class:`GoalReview`, :func:`review_rows`) and the adjusted agreement that comes out of
it (:func:`adjusted_agreement`): a new agreement superseding the old, signed again by both.

The Syddjurs concept makes the follow-up mandatory, at an agreed time about six months
later; the date can be moved, but not into the past.

Must not touch: Flet, the vault, the share, cryptography.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Collection, Mapping, Sequence
from typing import ClassVar

from conversations.agreements import amended
from conversations.model import (
    FOLLOW_UP_MONTHS,
    MAX_ANSWER_CHARS,
    Agreement,
    Conversation,
    Goal,
    GoalStatus,
    InputRejected,
    Kind,
    State,
    follow_up_date,
    storable_text,
)
from conversations.records import Versioned

__all__ = [
    "FOLLOW_UP_SHEET_ID",
    "FOLLOW_UP_SHEET_VERSION",
    "FOLLOW_UP_TIME",
    "MAX_MONTHS",
    "MIN_MONTHS",
    "NOTICE_DAYS",
    "FollowUpState",
    "GoalReview",
    "adjusted_agreement",
    "follow_up_conversation",
    "follow_up_state",
    "review_rows",
    "schedule_follow_up",
]

NOTICE_DAYS = 30
MIN_MONTHS = 1
MAX_MONTHS = 24
FOLLOW_UP_SHEET_ID = "follow_up"
FOLLOW_UP_SHEET_VERSION = 1
FOLLOW_UP_TIME = dt.time(10, 0)


class FollowUpState(enum.StrEnum):
    NOT_DUE = "not_due"
    DUE = "due"
    OVERDUE = "overdue"
    DONE = "done"


def follow_up_state(due: dt.date | None, today: dt.date, *, done: bool = False) -> FollowUpState:
    """DONE when done; DUE from ``NOTICE_DAYS`` before ``due`` up to and including the due
    day; OVERDUE after it; NOT_DUE before the notice or when there is no date.

    The same notice as home's task list (:func:`conversations.model.task_for`).
    """
    if done:
        return FollowUpState.DONE
    if due is None:
        return FollowUpState.NOT_DUE
    if today > due:
        return FollowUpState.OVERDUE
    if today >= due - dt.timedelta(days=NOTICE_DAYS):
        return FollowUpState.DUE
    return FollowUpState.NOT_DUE


def schedule_follow_up(
    conversation: Conversation,
    agreed_on: dt.date,
    *,
    months: int = FOLLOW_UP_MONTHS,
    due: dt.date | None = None,
    today: dt.date,
    author: str,
) -> Conversation:
    """The conversation agreed, with its follow-up date: ``due``, else ``months`` after
    ``agreed_on``.

    A held conversation moves to AGREED; an agreed one just gets the new date (one new
    version either way). Refused: ``months`` outside 1–24, a date before ``today``, and
    any other state (``error.state_change``).
    """
    if not MIN_MONTHS <= months <= MAX_MONTHS:
        raise InputRejected("error.follow_up_months", min=MIN_MONTHS, max=MAX_MONTHS)
    when = due if due is not None else follow_up_date(agreed_on, months)
    if when < today:
        raise InputRejected("error.date_past", date=when.isoformat())
    if conversation.state not in (State.HELD, State.AGREED):
        raise InputRejected("error.state_change", current=conversation.state, wanted=State.AGREED)
    return conversation.revised(author=author, state=State.AGREED, follow_up_due=when)


def follow_up_conversation(original: Conversation, *, author: str,
                           sheet_version: int = FOLLOW_UP_SHEET_VERSION) -> Conversation:
    """The follow-up conversation: same leader (and delegate) and participants, on the
    follow-up sheet (``sheet_version``: the newest the organisation has), planned on the
    due date at 10:00. Refused without a due date."""
    if original.follow_up_due is None:
        raise InputRejected("error.no_follow_up_due")
    return Conversation(
        kind=Kind.FOLLOW_UP,
        sheet_id=FOLLOW_UP_SHEET_ID,
        sheet_version=sheet_version,
        leader_id=original.leader_id,
        delegate_leader_id=original.delegate_leader_id,
        participant_ids=original.participant_ids,
        follow_up_of=original.id,
        planned_at=dt.datetime.combine(original.follow_up_due, FOLLOW_UP_TIME),
        state=State.PLANNED,
        author=author,
    )


@dataclasses.dataclass(frozen=True, kw_only=True)
class GoalReview(Versioned):
    """How each goal of an agreement stands at the follow-up, with a note per goal."""

    record_type: ClassVar[str] = "follow_up"

    conversation_id: str  # the follow-up conversation
    agreement_id: str  # the agreement whose goals are reviewed
    statuses: Mapping[str, GoalStatus] = dataclasses.field(default_factory=dict)
    notes: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def with_status(self, goal_id: str, status: GoalStatus) -> GoalReview:
        return self.revised(statuses={**self.statuses, goal_id: GoalStatus(status)})

    def with_note(self, goal_id: str, text: str) -> GoalReview:
        """The note cleaned of invisible characters (Word's quotes, dashes and bullets
        stay); an empty note removes it; longer than ``MAX_ANSWER_CHARS`` is refused."""
        text = storable_text(text)
        if len(text) > MAX_ANSWER_CHARS:
            raise InputRejected("error.answer_too_long", limit=MAX_ANSWER_CHARS, length=len(text))
        notes = dict(self.notes)
        if text.strip():
            notes[goal_id] = text
        else:
            notes.pop(goal_id, None)
        return self.revised(notes=notes)


def review_rows(
    agreement: Agreement, review: GoalReview | None
) -> tuple[tuple[Goal, GoalStatus, str], ...]:
    """Each goal with its reviewed status (else the goal's own) and note (else "")."""
    if review is not None and review.agreement_id != agreement.id:
        raise ValueError(f"the review is of {review.agreement_id}, not {agreement.id}")
    statuses = review.statuses if review else {}
    notes = review.notes if review else {}
    return tuple(
        (goal, statuses.get(goal.id, goal.status), notes.get(goal.id, ""))
        for goal in agreement.goals
    )


def adjusted_agreement(
    agreement: Agreement,
    review: GoalReview,
    changes: Mapping[str, str],
    *,
    drop: Collection[str] = (),
    add: Sequence[Goal] = (),
    author: str,
    today: dt.date,
) -> Agreement:
    """A new agreement superseding ``agreement``, for both to sign again.

    Goals keep their order and carry the reviewed status; ``changes`` gives new texts by
    goal id, ``drop`` leaves goals out, ``add`` appends new ones. A goal id in
    ``changes`` or ``drop`` that the agreement does not have is refused
    (``error.goal_unknown``), and so is an agreement left without goals.
    """
    if review.agreement_id != agreement.id:
        raise ValueError(f"the review is of {review.agreement_id}, not {agreement.id}")
    known = {goal.id for goal in agreement.goals}
    if any(goal_id not in known for goal_id in (*changes, *drop)):
        raise InputRejected("error.goal_unknown")
    kept = [
        dataclasses.replace(
            goal,
            status=review.statuses.get(goal.id, goal.status),
            what=changes.get(goal.id, goal.what),
        )
        for goal in agreement.goals
        if goal.id not in drop
    ]
    taken = {goal.id for goal in kept}
    for goal in add:
        if goal.id in taken:
            raise ValueError(f"goal id {goal.id} is used twice")
        taken.add(goal.id)
    return amended(agreement, (*kept, *add), author, today)
