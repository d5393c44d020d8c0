"""Development agreements: what is signed, who has signed, and how an agreement changes.

Owns: the exact bytes a signature covers (:func:`signed_content`, :func:`content_digest`),
the status shown on screen (:func:`status_of`), adding a signature (:func:`with_signature`),
editing a draft (:func:`with_goals`), replacing a signed agreement by a new one
(:func:`amended`), and the checks on goals (:func:`check_goals`).

"Godkendt af lederen" has one meaning: the leader has finally approved the goal, and
nobody signs until every goal is approved. The sheets the app follows make approval the
leader's own act on goals ("egne mål …, som lederen godkender" in the GRUS sheet, done
in :mod:`conversations.team`), so the box stays rather than being folded into the
leader's signature. Approval comes before any signature because it is part of the
signed content: ticking it after someone signed would void their signature.

A signature covers the agreement's id, conversation, goals (every field) and what it
supersedes — never the signatures, version, parents or author, so adding a signature does
not change what the other party signed. Once anyone has signed, the goals are fixed: a
change is a new agreement (new id, ``supersedes`` the old one) that both sign again, and
the old one stays as it was, still readable and still verifiable.

Here a signature "counts" when its ``content_hash`` is the current digest; whether the
Ed25519 signature itself is genuine is ``sync.signing``'s question (no crypto here).

Must not touch: cryptography, the vault, the share, Flet.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
from collections.abc import Iterable, Mapping

from conversations.model import Agreement, Goal, InputRejected, Signature, storable_text
from conversations.records import canonical_json, derived_id, encode


class AgreementStatus(enum.StrEnum):
    DRAFT = "draft"  # no goals yet, or nobody has signed the current content
    AWAITING = "awaiting"  # some parties have signed, others have not
    SIGNED = "signed"  # every party has signed the current content


def signed_content(agreement: Agreement) -> bytes:
    """The canonical bytes a signature covers."""
    return canonical_json(
        {
            "id": agreement.id,
            "conversation_id": agreement.conversation_id,
            "goals": encode(agreement.goals),
            "supersedes": agreement.supersedes,
        }
    )


def content_digest(agreement: Agreement) -> str:
    """SHA-256 (64 hex digits) of :func:`signed_content`."""
    return hashlib.sha256(signed_content(agreement)).hexdigest()


def current_signatures(agreement: Agreement) -> tuple[Signature, ...]:
    """The signatures made over the agreement's content as it is now."""
    digest = content_digest(agreement)
    return tuple(s for s in agreement.signatures if s.content_hash == digest)


def status_of(
    agreement: Agreement, parties: Iterable[str]
) -> tuple[AgreementStatus, frozenset[str]]:
    """The agreement's status among ``parties``, and who it still waits for.

    Only signatures over the current content count; signatures by non-parties are ignored.
    """
    everyone = frozenset(parties)
    signed = frozenset(s.signer_id for s in current_signatures(agreement)) & everyone
    waiting_for = everyone - signed
    if not agreement.goals or not signed:
        return AgreementStatus.DRAFT, waiting_for
    if waiting_for:
        return AgreementStatus.AWAITING, waiting_for
    return AgreementStatus.SIGNED, waiting_for


def with_signature(agreement: Agreement, signature: Signature) -> Agreement:
    """A new version of ``agreement`` carrying ``signature``.

    Refused when there is nothing to sign, when the signature is over other content than
    the current one, or when the signer has already signed it. An older signature by the
    same signer over other content (which no longer counts) is dropped.
    """
    if not agreement.goals:
        raise InputRejected("error.goals_required")
    waiting = [str(n) for n, g in enumerate(agreement.goals, 1) if not g.approved_by_leader]
    if waiting:
        raise InputRejected("error.goals_not_approved", numbers=", ".join(waiting))
    digest = content_digest(agreement)
    if signature.content_hash != digest:
        raise InputRejected("error.signature_stale")
    if any(s.signer_id == signature.signer_id for s in current_signatures(agreement)):
        raise InputRejected("error.already_signed")
    kept = tuple(s for s in agreement.signatures if s.signer_id != signature.signer_id)
    return agreement.revised(author=signature.signer_id, signatures=(*kept, signature))


def with_goals(
    agreement: Agreement, goals: Iterable[Goal], author: str, today: dt.date
) -> Agreement:
    """The draft with new goals (a new version of the same record).

    Refused once anyone has signed: a signed agreement is changed by :func:`amended`.
    """
    if agreement.signatures:
        raise InputRejected("error.agreement_signed")
    checked = check_goals(goals, today, known=_deadlines(agreement))
    return agreement.revised(author=author, goals=checked)


def amended(agreement: Agreement, goals: Iterable[Goal], author: str, today: dt.date) -> Agreement:
    """A new agreement record superseding ``agreement``, with ``goals`` and no signatures.

    ``agreement`` itself is not changed. A goal carried over with its deadline unchanged
    is not refused for that deadline having passed since.
    """
    checked = check_goals(goals, today, known=_deadlines(agreement))
    return Agreement(
        id=derived_id("agreement", agreement.conversation_id, agreement.id),
        conversation_id=agreement.conversation_id,
        goals=checked,
        supersedes=agreement.id,
        author=author,
    )


def check_goals(
    goals: Iterable[Goal],
    today: dt.date,
    *,
    known: Mapping[str, dt.date | None] | None = None,
) -> tuple[Goal, ...]:
    """The goals, text cleaned and trimmed, or InputRejected.

    At least one goal; each has a description, a theme and a practice field someone
    chose, and no deadline before ``today`` — except a deadline ``known`` already for that
    goal id (carried over from an earlier version).
    """
    known = known or {}
    checked: list[Goal] = []
    for number, given in enumerate(goals, 1):
        goal = dataclasses.replace(given, what=storable_text(given.what).strip())
        if not goal.theme_id:
            raise InputRejected("error.goal_theme_required", number=number)
        if goal.practice_field is None:
            raise InputRejected("error.goal_practice_required", number=number)
        carried = goal.id in known and known[goal.id] == goal.deadline
        (dataclasses.replace(goal, deadline=None) if carried else goal).check(today)
        checked.append(goal)
    if not checked:
        raise InputRejected("error.goals_required")
    return tuple(checked)


def _deadlines(agreement: Agreement) -> dict[str, dt.date | None]:
    return {goal.id: goal.deadline for goal in agreement.goals}
