"""The team conversation (GRUS, TUS): the dialog deck, the summary timer and the team plan.

Owns: the deck of dialog cards a TUS is held on (the sheet's cards plus one card per
answer the members prepared and shared, shown without who wrote it), drawing a card,
the 15-minute summary at the end, the team development plan's actions (short and long
term), GRUS members' own goals and the leader's approval of them, and the individual
follow-up conversations a GRUS leads to. Also the ground rules and exercise cards of a
sheet as plain, localized texts for the screens.

Everything here is a pure function of its arguments: a changed plan is a new version
(:meth:`Versioned.revised`), never an edit in place. Bad input raises
:class:`~conversations.model.InputRejected` with a translated message key.

Must not touch: Flet, the vault, the share, cryptography.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
from collections.abc import Collection, Iterable, Mapping, Sequence

from conversations.follow_up import FOLLOW_UP_SHEET_ID, FOLLOW_UP_SHEET_VERSION, FOLLOW_UP_TIME
from conversations.model import (
    Conversation,
    Goal,
    GoalStatus,
    InputRejected,
    Kind,
    Preparation,
    State,
    TeamAction,
    TeamPlan,
    clean_text,
    follow_up_date,
    storable_text,
)
from conversations.records import new_id
from conversations.sheets import QuestionSheet, QuestionType
from conversations.texts import localize

__all__ = [
    "DEFAULT_SUMMARY_MINUTES",
    "Card",
    "SummaryTimer",
    "approve_member_goal",
    "cards_on_wheel",
    "dialog_deck",
    "draw_card",
    "exercise_cards",
    "ground_rules",
    "individual_follow_ups",
    "summary_timer",
    "unapproved_goals",
    "with_action",
    "with_action_status",
    "with_card_placed",
    "with_member_goal",
    "without_action",
]

DEFAULT_SUMMARY_MINUTES = 15
ANSWER_PREFIX = "answer:"


# --- the dialog deck --------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Card:
    """One dialog card, its text already in the chosen language.

    A card built from members' answers never says who wrote it: the deck is shown to
    the whole team, and the answers are shared to be talked about, not to be owned.
    """

    id: str  # the sheet's card id, or "answer:<question_id>:<n>"
    field_id: str  # the wheel field it belongs to ("" when none)
    text: str
    from_answers: bool


def dialog_deck(
    sheet: QuestionSheet, preparations: Iterable[Preparation], lang: str
) -> tuple[Card, ...]:
    """The sheet's dialog cards, then one card per distinct shared answer.

    Only preparations shared with the leader count, and only answers to the sheet's text
    questions. An answer card belongs to the wheel field whose id is the question's theme
    id (else to no field). Order is fixed whatever order the preparations come in: sheet
    cards in sheet order, then answers by question order and then by text. The same text
    given twice (ignoring case and surrounding spaces) becomes one card, the first kept.
    ``n`` in an answer card's id counts that question's cards from 1.
    """
    cards = [
        Card(id=card.id, field_id=card.field, text=localize(card.text, lang), from_answers=False)
        for card in sheet.dialog_cards
    ]
    shared = [p for p in preparations if p.shared_with_leader]
    wheel_ids = {field.id for field in sheet.wheel}
    seen: set[str] = set()
    for theme in sheet.themes:
        field_id = theme.id if theme.id in wheel_ids else ""
        for question in theme.questions:
            if question.type is not QuestionType.TEXT:
                continue
            texts = {
                text for p in shared if (text := clean_text(p.answers.get(question.id, "")).strip())
            }
            n = 0
            for text in sorted(texts, key=lambda t: (t.casefold(), t)):
                key = text.casefold()
                if key in seen:
                    continue
                seen.add(key)
                n += 1
                cards.append(
                    Card(
                        id=f"{ANSWER_PREFIX}{question.id}:{n}",
                        field_id=field_id,
                        text=text,
                        from_answers=True,
                    )
                )
    return tuple(cards)


def draw_card(
    deck: Sequence[Card],
    done: Collection[str],
    rng: random.Random,
    *,
    field_id: str | None = None,
) -> Card | None:
    """A random card whose id is not in ``done`` (only from ``field_id`` when given).

    None when every such card is done. With the same ``rng`` state the same card comes.
    """
    left = [
        card
        for card in deck
        if card.id not in done and (field_id is None or card.field_id == field_id)
    ]
    return rng.choice(left) if left else None


def with_card_placed(
    placed: Mapping[str, str], deck: Sequence[Card], sheet: QuestionSheet, card_id: str,
    field_id: str,
) -> dict[str, str]:
    """Where the cards lie once ``card_id`` is laid on the wheel field ``field_id`` (or
    taken off the wheel with ``field_id`` ""). A card is laid on one field at a time: laid
    again, it moves. A card not in the deck (``error.card_unknown``) or a field the
    sheet's wheel does not have (``error.field_unknown``) is refused."""
    if not any(card.id == card_id for card in deck):
        raise InputRejected("error.card_unknown")
    result = dict(placed)
    if not field_id:
        result.pop(card_id, None)
        return result
    if sheet.wheel_field(field_id) is None:
        raise InputRejected("error.field_unknown")
    result[card_id] = field_id
    return result


def cards_on_wheel(
    deck: Sequence[Card], placed: Mapping[str, str], sheet: QuestionSheet
) -> dict[str, tuple[Card, ...]]:
    """Per wheel field (in the sheet's order), the cards laid on it, in deck order; a
    placement naming a card or field that is no longer there is left out."""
    on: dict[str, list[Card]] = {field.id: [] for field in sheet.wheel}
    for card in deck:
        field_id = placed.get(card.id)
        if field_id in on:
            on[field_id].append(card)
    return {field_id: tuple(cards) for field_id, cards in on.items()}


# --- the summary at the end -------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SummaryTimer:
    """The minutes set aside at the end of a TUS for the team development plan.

    Times are monotonic seconds (``time.monotonic()``), so a changed wall clock does not
    stretch or cut the summary.
    """

    started_at: float
    minutes: int = DEFAULT_SUMMARY_MINUTES

    def remaining(self, now: float) -> float:
        """Seconds left, never below 0."""
        return max(0.0, self.started_at + self.minutes * 60 - now)

    def expired(self, now: float) -> bool:
        return self.remaining(now) <= 0

    def label(self, now: float) -> str:
        """What is left as ``MM:SS``, counted up to whole seconds (15:00 at the start)."""
        seconds = math.ceil(self.remaining(now))
        return f"{seconds // 60:02d}:{seconds % 60:02d}"


def summary_timer(sheet: QuestionSheet, started_at: float) -> SummaryTimer:
    """The summary timer for ``sheet``: its ``summary_minutes``, else 15."""
    return SummaryTimer(started_at, sheet.summary_minutes or DEFAULT_SUMMARY_MINUTES)


# --- the team development plan ----------------------------------------------------------


def with_action(
    plan: TeamPlan,
    what: str,
    *,
    long_term: bool,
    responsible_id: str,
    deadline: dt.date | None,
    today: dt.date,
    author: str,
) -> TeamPlan:
    """The plan with a new action at the end (a new id).

    The text is cleaned of invisible characters and trimmed; an empty text, or a
    deadline before ``today``, is refused.
    """
    text = storable_text(what).strip()
    if not text:
        raise InputRejected("error.action_empty")
    if deadline is not None and deadline < today:
        raise InputRejected("error.deadline_past", deadline=deadline.isoformat())
    action = TeamAction(
        id=new_id(),
        what=text,
        long_term=long_term,
        responsible_id=responsible_id,
        deadline=deadline,
    )
    return plan.revised(author=author, actions=(*plan.actions, action))


def with_action_status(plan: TeamPlan, action_id: str, status: GoalStatus, author: str) -> TeamPlan:
    """The plan with one action's status changed; an unknown action is refused."""
    _action_index(plan, action_id)
    actions = tuple(
        dataclasses.replace(a, status=GoalStatus(status)) if a.id == action_id else a
        for a in plan.actions
    )
    return plan.revised(author=author, actions=actions)


def without_action(plan: TeamPlan, action_id: str, author: str) -> TeamPlan:
    """The plan without one action; an unknown action is refused."""
    _action_index(plan, action_id)
    return plan.revised(author=author, actions=tuple(a for a in plan.actions if a.id != action_id))


def _action_index(plan: TeamPlan, action_id: str) -> int:
    for index, action in enumerate(plan.actions):
        if action.id == action_id:
            return index
    raise InputRejected("error.action_unknown")


def with_member_goal(
    plan: TeamPlan, member_id: str, goal: Goal, today: dt.date, author: str
) -> TeamPlan:
    """GRUS: the plan with a member's own goal added, or replacing the one with its id.

    The goal is checked (a description, no deadline in the past — unless it is the
    deadline the goal already had), its text cleaned and trimmed, and it waits for the
    leader's approval again: any change needs a new approval.
    """
    goal = dataclasses.replace(goal, what=storable_text(goal.what).strip(),
                               approved_by_leader=False)
    goals = plan.member_goals.get(member_id, ())
    earlier = next((g for g in goals if g.id == goal.id), None)
    carried = earlier is not None and earlier.deadline == goal.deadline
    (dataclasses.replace(goal, deadline=None) if carried else goal).check(today)
    if earlier is None:
        updated = (*goals, goal)
    else:
        updated = tuple(goal if g.id == goal.id else g for g in goals)
    return plan.revised(author=author, member_goals={**plan.member_goals, member_id: updated})


def approve_member_goal(
    plan: TeamPlan, member_id: str, goal_id: str, leader_id: str, author: str
) -> TeamPlan:
    """The plan with a member's goal approved by the leader.

    Refused for a goal the member does not have (``error.goal_unknown``) and when the
    approver is the member themself (``error.not_leader``).
    """
    goals = plan.member_goals.get(member_id, ())
    if not any(g.id == goal_id for g in goals):
        raise InputRejected("error.goal_unknown")
    if not leader_id or leader_id == member_id:
        raise InputRejected("error.not_leader")
    updated = tuple(
        dataclasses.replace(g, approved_by_leader=True) if g.id == goal_id else g for g in goals
    )
    return plan.revised(author=author, member_goals={**plan.member_goals, member_id: updated})


def unapproved_goals(plan: TeamPlan) -> dict[str, tuple[Goal, ...]]:
    """Per member, the goals still waiting for the leader; members with none left out."""
    waiting = {
        member: tuple(g for g in goals if not g.approved_by_leader)
        for member, goals in plan.member_goals.items()
    }
    return {member: goals for member, goals in waiting.items() if goals}


def individual_follow_ups(
    conversation: Conversation,
    plan: TeamPlan,
    held_on: dt.date,
    *,
    months: int = 6,
    author: str,
    sheet_version: int = FOLLOW_UP_SHEET_VERSION,
) -> tuple[Conversation, ...]:
    """GRUS: the individual conversation each member has afterwards, one per participant.

    Each is planned ``months`` after ``held_on`` at 10:00 with the same leader (and
    delegate), on the follow-up sheet (``sheet_version``: the newest the organisation
    has). Refused for anything but a GRUS; ``plan`` must be that conversation's plan.
    """
    if conversation.kind is not Kind.GRUS:
        raise InputRejected("error.not_team")
    if plan.conversation_id != conversation.id:
        raise ValueError(f"the plan belongs to {plan.conversation_id}, not {conversation.id}")
    planned_at = dt.datetime.combine(follow_up_date(held_on, months), FOLLOW_UP_TIME)
    return tuple(
        Conversation(
            kind=Kind.FOLLOW_UP,
            sheet_id=FOLLOW_UP_SHEET_ID,
            sheet_version=sheet_version,
            leader_id=conversation.leader_id,
            delegate_leader_id=conversation.delegate_leader_id,
            participant_ids=(member,),
            follow_up_of=conversation.id,
            planned_at=planned_at,
            state=State.PLANNED,
            author=author,
        )
        for member in dict.fromkeys(conversation.participant_ids)
    )


# --- what the sheet brings to the room --------------------------------------------------


def ground_rules(sheet: QuestionSheet, lang: str) -> tuple[str, ...]:
    """The sheet's ground rules in ``lang`` (Danish where a text has no ``lang``)."""
    return tuple(localize(rule.text, lang) for rule in sheet.ground_rules)


def exercise_cards(sheet: QuestionSheet, lang: str) -> tuple[tuple[str, str, str, int], ...]:
    """Each exercise card as (id, title, instructions, minutes), in sheet order.

    The blank card (``"blank": true`` in the sheet, where the team writes its own
    exercise) is included; a card without a time, like the blank one, has minutes 0.
    """
    return tuple(
        (
            card.id,
            localize(card.title, lang),
            localize(card.instructions, lang),
            card.minutes or 0,
        )
        for card in sheet.exercise_cards
    )
