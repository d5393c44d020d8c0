"""One record per person and conversation, whichever device starts it.

A person may work on several devices, each offline for a while. A record there is only
one of — a person's preparation, a conversation's minutes, agreement or team plan, a
person's competence ratings, a follow-up's review — gets an id every device derives
alike from what it is (record type, conversation, person), not a random one. Two first
versions made on two devices are then versions of one record, and the sync engine
merges them per field; as they share no earlier version, it merges them against the
record's :func:`blank` (every field at its default), so a field only one side filled in
is simply taken and only the same answer written differently on both sides is a
conflict with both values.

The derived id names nothing secret: the share's envelope headers already show the
record's type, its conversation and who wrote it. Because anyone can compute it,
``conversations.rights`` refuses a record carrying the derived id of someone else's
preparation or ratings (see :func:`claimed_by_another`).

Records kept from before this (random ids, in old vaults and on old shares) stay as
they are; :func:`folded` reads a person's several preparations as one, so none is hidden.

Must not touch: files, the clock, the vault, the share, Flet.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from conversations.follow_up import GoalReview
from conversations.model import (
    Agreement,
    CompetenceRatings,
    Minutes,
    Preparation,
    TeamPlan,
)
from conversations.records import Versioned, derived_id, encode

Record = Mapping[str, Any]
V = TypeVar("V")

_CLASSES: Mapping[str, type[Versioned]] = {
    cls.record_type: cls
    for cls in (Preparation, Minutes, Agreement, TeamPlan, CompetenceRatings, GoalReview)
}
_IDENTITY = frozenset({"id", "type", "author", "parents", "version"})


def preparation_id(conversation_id: str, person_id: str) -> str:
    return derived_id("preparation", conversation_id, person_id)


def minutes_id(conversation_id: str) -> str:
    return derived_id("minutes", conversation_id)


def team_plan_id(conversation_id: str) -> str:
    return derived_id("team_plan", conversation_id)


def agreement_id(conversation_id: str, supersedes: str | None = None) -> str:
    """The conversation's first agreement, or the one that replaces ``supersedes``: two
    devices amending the same signed agreement make one new draft, not two."""
    return derived_id("agreement", conversation_id, supersedes or "")


def review_id(conversation_id: str, agreement: str) -> str:
    return derived_id("follow_up", conversation_id, agreement)


def ratings_id(person_id: str, conversation_id: str, by_leader: bool) -> str:
    """One ratings record per person, conversation and assessor: a new share replaces
    the old instead of counting twice. (Its seed predates :func:`derived_id` and stays,
    so ratings already on the share keep their id.)"""
    seed = f"{person_id}|{conversation_id}|{'leader' if by_leader else 'self'}"
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


def own_id(record: Record) -> str | None:
    """The id ``record`` would have if a device started it today: derived from its own
    fields; None for a record type that is not one per person or conversation."""
    kind, cid = record.get("type"), record.get("conversation_id")
    if not isinstance(cid, str):
        return None
    if kind == "preparation":
        author = record.get("author")
        return preparation_id(cid, author) if isinstance(author, str) else None
    if kind == "minutes":
        return minutes_id(cid)
    if kind == "team_plan":
        return team_plan_id(cid)
    if kind == "agreement":
        supersedes = record.get("supersedes")
        return agreement_id(cid, supersedes if isinstance(supersedes, str) else None)
    if kind == "follow_up":
        agreement = record.get("agreement_id")
        return review_id(cid, agreement) if isinstance(agreement, str) else None
    if kind == "competence_ratings":
        person = record.get("person_id")
        by_leader = record.get("by_leader") is True
        return ratings_id(person, cid, by_leader) if isinstance(person, str) else None
    return None


def claimed_by_another(record: Record, people: Iterable[Any]) -> bool:
    """Whether ``record`` carries the derived id of one of ``people``'s preparations or
    ratings in its conversation without being that record by its own fields: a
    colleague squatting an id that belongs to someone else."""
    kind, cid, rid = record.get("type"), record.get("conversation_id"), record.get("id")
    if not isinstance(cid, str) or rid == own_id(record):
        return False
    everyone = {p for p in people if isinstance(p, str) and p}
    if kind == "preparation":
        return rid in {preparation_id(cid, p) for p in everyone}
    if kind == "competence_ratings":
        return rid in {ratings_id(p, cid, b) for p in everyone for b in (True, False)}
    return False


def blank(record: Record) -> dict[str, Any] | None:
    """The version a one-per record starts from on any device: its id and type and every
    field that has a default at that default. Fields without one (which conversation,
    whose ratings, which year) are left out, so two devices that disagree there still
    meet as a conflict. None for a type this module does not know."""
    kind = record.get("type")
    cls = _CLASSES.get(kind) if isinstance(kind, str) else None
    if cls is None or not isinstance(record.get("id"), str):
        return None
    base: dict[str, Any] = {"id": record["id"], "type": kind}
    for field in dataclasses.fields(cls):
        if field.name in _IDENTITY or not field.init:
            continue
        if field.default is not dataclasses.MISSING:
            base[field.name] = encode(field.default)
        elif field.default_factory is not dataclasses.MISSING:
            base[field.name] = encode(field.default_factory())
    return base


def folded(preparations: Iterable[Preparation], conversation_id: str,
           person_id: str) -> tuple[Preparation | None, list[Preparation]]:
    """A person's preparations in one conversation: the one with the derived id (None
    when no device has started it yet), and those kept from before ids were derived,
    by id. Every device writes only the first and takes the others into it
    (:func:`fill_from`), so a second record is never hidden and all devices end in one."""
    mine = sorted((p for p in preparations if p.author == person_id), key=lambda p: p.id)
    wanted = preparation_id(conversation_id, person_id)
    main = next((p for p in mine if p.id == wanted), None)
    return main, [p for p in mine if p is not main]


def read_as_one(preparations: Iterable[Preparation], conversation_id: str,
                person_id: str) -> Preparation | None:
    """What to show of a person's preparation: :func:`folded`'s records as one (where
    two hold different answers to one question, the first one's)."""
    main, others = folded(preparations, conversation_id, person_id)
    if main is None and others:
        main, others = others[0], others[1:]
    return fill_from(main, others)[0] if main is not None else None


def fill_from(main: Preparation, others: Iterable[Preparation]
              ) -> tuple[Preparation, list[tuple[str, str, Any, Any]]]:
    """``main`` with every answer and rating it lacks taken from ``others`` (shared once
    any of them was), and the clashes: (field, key, main's value, the other's value)
    where both hold a different value — main's stays, the other must be shown."""
    answers, ratings = dict(main.answers), dict(main.ratings)
    shared = main.shared_with_leader
    clashes: list[tuple[str, str, Any, Any]] = []
    for other in others:
        clashes += [("answers", *clash) for clash in _fill(answers, other.answers)]
        clashes += [("ratings", *clash) for clash in _fill(ratings, other.ratings)]
        shared = shared or other.shared_with_leader
    if (answers, ratings, shared) == (dict(main.answers), dict(main.ratings),
                                       main.shared_with_leader):
        return main, clashes
    return main.revised(answers=answers, ratings=ratings, shared_with_leader=shared), clashes


def _fill(mine: dict[str, V], theirs: Mapping[str, V]) -> list[tuple[str, Any, Any]]:
    """Takes into ``mine`` each key it lacks; returns (key, mine, theirs) where both
    hold a different value."""
    clashes = []
    for key, value in theirs.items():
        if key not in mine:
            mine[key] = value
        elif encode(mine[key]) != encode(value):
            clashes.append((key, encode(mine[key]), encode(value)))
    return clashes
