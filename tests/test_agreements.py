"""Signing development agreements: both sign, tampering shows, edits need new signatures."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversations.agreements import (
    AgreementStatus,
    amended,
    check_goals,
    content_digest,
    signed_content,
    status_of,
    with_goals,
    with_signature,
)
from conversations.directory import Directory, Member
from conversations.model import Agreement, Goal, InputRejected, PracticeField, Role
from storage.sealing import new_identity
from sync.signing import fingerprint_of, sign_agreement, verified_status, verify_signatures

TODAY = dt.date(2025, 3, 1)
NOW = dt.datetime(2025, 3, 1, 10, 30, tzinfo=dt.UTC)
PARTIES = ("anna", "bo")

ANNA = new_identity()
BO = new_identity()
DIRECTORY = Directory(
    1,
    {
        "bo": Member(id="bo", name="Bo", roles=frozenset({Role.LEADER}), sign_key=BO.public().sign),
        "anna": Member(id="anna", name="Anna", leader_id="bo", sign_key=ANNA.public().sign),
    },
)


def goal(goal_id: str = "g1", what: str = "Tage kursus i Excel", **more: Any) -> Goal:
    """A goal as the leader leaves it for signing: a chosen practice field, approved."""
    chosen: dict[str, Any] = {"theme_id": "t1", "practice_field": PracticeField.OTHER,
                              "approved_by_leader": True}
    return Goal(id=goal_id, what=what, **(chosen | more))


def draft(*goals: Goal) -> Agreement:
    return Agreement(
        conversation_id="c1",
        goals=goals or (goal(deadline=dt.date(2025, 9, 1)), goal("g2", "Sparring med Bo")),
        author="bo",
    )


def signed_by_both(agreement: Agreement | None = None) -> Agreement:
    agreement = sign_agreement(agreement or draft(), "anna", ANNA, NOW)
    return sign_agreement(agreement, "bo", BO, NOW)


def with_what(agreement: Agreement, index: int, what: str) -> Agreement:
    goals = list(agreement.goals)
    goals[index] = dataclasses.replace(goals[index], what=what)
    return dataclasses.replace(agreement, goals=tuple(goals))


def test_both_signing_makes_the_agreement_signed() -> None:
    agreement = signed_by_both()
    assert status_of(agreement, PARTIES) == (AgreementStatus.SIGNED, frozenset())
    assert verify_signatures(agreement, DIRECTORY) == {"anna": True, "bo": True}
    assert verified_status(agreement, PARTIES, DIRECTORY)[0] is AgreementStatus.SIGNED


def test_one_signature_awaits_the_other_party() -> None:
    agreement = sign_agreement(draft(), "anna", ANNA, NOW)
    assert status_of(agreement, PARTIES) == (AgreementStatus.AWAITING, frozenset({"bo"}))
    assert verify_signatures(agreement, DIRECTORY) == {"anna": True}


def test_unsigned_agreement_is_a_draft_waiting_for_everyone() -> None:
    assert status_of(draft(), PARTIES) == (AgreementStatus.DRAFT, frozenset(PARTIES))


def test_signing_makes_a_new_version_of_the_same_record() -> None:
    before = draft()
    after = sign_agreement(before, "anna", ANNA, NOW)
    assert after.id == before.id
    assert after.parents == (before.version,)
    assert before.signatures == ()
    assert content_digest(after) == content_digest(before)


def test_signed_content_leaves_out_signatures_version_parents_and_author() -> None:
    agreement = signed_by_both()
    assert signed_content(agreement) == signed_content(draft_like(agreement))
    assert b"signature" not in signed_content(agreement)
    assert len(content_digest(agreement)) == 64


def draft_like(agreement: Agreement) -> Agreement:
    return Agreement(
        id=agreement.id,
        conversation_id=agreement.conversation_id,
        goals=agreement.goals,
        supersedes=agreement.supersedes,
        author="someone else",
    )


def test_one_changed_character_after_signing_fails_verification_for_both() -> None:
    agreement = signed_by_both()
    tampered = with_what(agreement, 0, agreement.goals[0].what.replace("Excel", "Excal"))
    assert verify_signatures(tampered, DIRECTORY) == {"anna": False, "bo": False}
    status, waiting = status_of(tampered, PARTIES)
    assert status is not AgreementStatus.SIGNED
    assert waiting == frozenset(PARTIES)


def test_tampering_that_also_forges_the_content_hash_still_fails() -> None:
    agreement = with_what(signed_by_both(), 1, "Sparring med Bo!")
    digest = content_digest(agreement)
    forged = dataclasses.replace(
        agreement,
        signatures=tuple(dataclasses.replace(s, content_hash=digest) for s in agreement.signatures),
    )
    assert status_of(forged, PARTIES)[0] is AgreementStatus.SIGNED  # what the record claims
    assert verify_signatures(forged, DIRECTORY) == {"anna": False, "bo": False}
    assert verified_status(forged, PARTIES, DIRECTORY)[0] is AgreementStatus.DRAFT


def test_moving_the_time_of_a_signature_fails_verification() -> None:
    agreement = signed_by_both()
    anna, bo = agreement.signatures
    moved = dataclasses.replace(anna, signed_at=NOW - dt.timedelta(days=30))
    backdated = dataclasses.replace(agreement, signatures=(moved, bo))
    assert verify_signatures(backdated, DIRECTORY) == {"anna": False, "bo": True}


def test_a_signature_by_a_key_that_is_not_the_members_does_not_verify() -> None:
    impostor = new_identity()
    agreement = sign_agreement(draft(), "anna", impostor, NOW)
    assert verify_signatures(agreement, DIRECTORY) == {"anna": False}


def test_a_signature_claiming_the_members_key_but_made_with_another_does_not_verify() -> None:
    impostor = new_identity()
    agreement = sign_agreement(draft(), "anna", impostor, NOW)
    sig = dataclasses.replace(agreement.signatures[0], public_key=ANNA.public().sign)
    forged = dataclasses.replace(agreement, signatures=(sig,))
    assert verify_signatures(forged, DIRECTORY) == {"anna": False}


def test_a_signer_missing_from_the_directory_does_not_verify() -> None:
    agreement = sign_agreement(draft(), "carl", new_identity(), NOW)
    assert verify_signatures(agreement, DIRECTORY) == {"carl": False}


def test_a_garbled_signature_does_not_verify() -> None:
    agreement = sign_agreement(draft(), "anna", ANNA, NOW)
    sig = dataclasses.replace(agreement.signatures[0], signature="not base64!")
    assert verify_signatures(dataclasses.replace(agreement, signatures=(sig,)), DIRECTORY) == {
        "anna": False
    }


def test_signing_twice_is_refused() -> None:
    agreement = sign_agreement(draft(), "anna", ANNA, NOW)
    with pytest.raises(InputRejected) as rejected:
        sign_agreement(agreement, "anna", ANNA, NOW)
    assert rejected.value.key == "error.already_signed"


def test_a_signature_over_other_content_is_refused() -> None:
    other = sign_agreement(draft(goal(what="Noget andet")), "anna", ANNA, NOW).signatures[0]
    with pytest.raises(InputRejected) as rejected:
        with_signature(draft(), other)
    assert rejected.value.key == "error.signature_stale"


def test_an_agreement_without_goals_cannot_be_signed() -> None:
    with pytest.raises(InputRejected) as rejected:
        sign_agreement(Agreement(conversation_id="c1"), "anna", ANNA, NOW)
    assert rejected.value.key == "error.goals_required"


def test_a_goal_nobody_chose_a_practice_field_for_is_refused_by_its_number() -> None:
    before = draft()
    with pytest.raises(InputRejected) as rejected:
        with_goals(before, (goal(), goal("g2", "Sidemandsoplæring", practice_field=None)),
                   "bo", TODAY)
    assert rejected.value.key == "error.goal_practice_required"
    assert rejected.value.params == {"number": 2}


def test_nobody_signs_until_the_leader_has_approved_every_goal() -> None:
    waiting = draft(goal(), goal("g2", approved_by_leader=False),
                    goal("g3", approved_by_leader=False))
    for signer, identity in (("anna", ANNA), ("bo", BO)):
        with pytest.raises(InputRejected) as rejected:
            sign_agreement(waiting, signer, identity, NOW)
        assert rejected.value.key == "error.goals_not_approved"
        assert rejected.value.params == {"numbers": "2, 3"}
    assert waiting.signatures == ()
    approved = with_goals(waiting, [dataclasses.replace(g, approved_by_leader=True)
                                    for g in waiting.goals], "bo", TODAY)
    assert sign_agreement(approved, "bo", BO, NOW).signatures


def test_amending_makes_a_new_record_that_needs_both_signatures_and_keeps_the_old() -> None:
    old = signed_by_both()
    new_goals = (*old.goals, goal("g3", "Jobbytte i to uger"))
    new = amended(old, new_goals, "bo", TODAY)
    assert new.id != old.id
    assert new.supersedes == old.id
    assert new.signatures == ()
    assert status_of(new, PARTIES) == (AgreementStatus.DRAFT, frozenset(PARTIES))
    assert status_of(old, PARTIES)[0] is AgreementStatus.SIGNED
    assert verify_signatures(old, DIRECTORY) == {"anna": True, "bo": True}
    half = sign_agreement(new, "bo", BO, NOW)
    assert status_of(half, PARTIES) == (AgreementStatus.AWAITING, frozenset({"anna"}))
    assert status_of(sign_agreement(half, "anna", ANNA, NOW), PARTIES)[0] is (
        AgreementStatus.SIGNED
    )


def test_old_signatures_cannot_be_moved_onto_the_amendment() -> None:
    old = signed_by_both()
    new = amended(old, old.goals, "bo", TODAY)  # same goals, still other content
    assert content_digest(new) != content_digest(old)
    with pytest.raises(InputRejected) as rejected:
        with_signature(new, old.signatures[0])
    assert rejected.value.key == "error.signature_stale"


def test_amending_keeps_a_carried_over_deadline_that_has_since_passed() -> None:
    old = draft(goal(deadline=dt.date(2025, 2, 1)))
    new = amended(old, old.goals, "bo", TODAY)
    assert new.goals[0].deadline == dt.date(2025, 2, 1)
    moved = dataclasses.replace(old.goals[0], deadline=dt.date(2025, 2, 2))
    with pytest.raises(InputRejected) as rejected:
        amended(old, (moved,), "bo", TODAY)
    assert rejected.value.key == "error.deadline_past"


def test_a_draft_can_be_edited_but_not_once_someone_signed() -> None:
    before = draft()
    edited = with_goals(before, (goal(what="  Nyt mål  "),), "bo", TODAY)
    assert edited.id == before.id
    assert edited.goals[0].what == "Nyt mål"
    signed = sign_agreement(edited, "anna", ANNA, NOW)
    with pytest.raises(InputRejected) as rejected:
        with_goals(signed, (goal(what="Andet"),), "bo", TODAY)
    assert rejected.value.key == "error.agreement_signed"


@pytest.mark.parametrize(
    ("goals", "key"),
    [
        ((), "error.goals_required"),
        ((goal(what=""),), "error.goal_empty"),
        ((goal(what=" \u00a0\u200b "),), "error.goal_empty"),
        ((goal(deadline=dt.date(2025, 2, 28)),), "error.deadline_past"),
        ((goal(), goal("g2", what="   ")), "error.goal_empty"),
        ((goal(theme_id=""),), "error.goal_theme_required"),
        ((goal(practice_field=None),), "error.goal_practice_required"),
        ((goal(), goal("g2", practice_field=None)), "error.goal_practice_required"),
    ],
)
def test_bad_goals_are_refused_with_their_text_key(goals: tuple[Goal, ...], key: str) -> None:
    with pytest.raises(InputRejected) as rejected:
        check_goals(goals, TODAY)
    assert rejected.value.key == key
    with pytest.raises(InputRejected):
        amended(draft(), goals, "bo", TODAY)


def test_goal_text_is_trimmed_and_todays_deadline_is_fine() -> None:
    (checked,) = check_goals((goal(what="  Lære SQL\r\n", deadline=TODAY),), TODAY)
    assert checked.what == "Lære SQL"


def test_fingerprint_of_a_signature_is_the_signers_key_fingerprint() -> None:
    sig = sign_agreement(draft(), "anna", ANNA, NOW).signatures[0]
    assert fingerprint_of(sig) == fingerprint_of(
        dataclasses.replace(sig, public_key=ANNA.public().sign)
    )
    assert len(fingerprint_of(sig)) == 19
    assert fingerprint_of(dataclasses.replace(sig, public_key="garbage")) == ""


def test_a_signed_agreement_survives_the_round_trip_through_its_dict_form() -> None:
    agreement = signed_by_both()
    again = Agreement.from_dict(agreement.to_dict())
    assert again == agreement
    assert verify_signatures(again, DIRECTORY) == {"anna": True, "bo": True}


_SIGNED = signed_by_both()


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_change_to_any_goals_text_invalidates_every_signature(data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(_SIGNED.goals) - 1), label="goal")
    field = data.draw(st.sampled_from(["what", "theme_id", "id", "responsible_id"]))
    old = getattr(_SIGNED.goals[index], field)
    new = data.draw(st.text(max_size=40).filter(lambda s: s != old), label="new text")
    goals = list(_SIGNED.goals)
    changes: dict[str, Any] = {field: new}
    goals[index] = dataclasses.replace(goals[index], **changes)
    tampered = dataclasses.replace(_SIGNED, goals=tuple(goals))
    assert verify_signatures(tampered, DIRECTORY) == {"anna": False, "bo": False}
    assert status_of(tampered, PARTIES)[0] is AgreementStatus.DRAFT
