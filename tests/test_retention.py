"""Data protection: retention, the audit trail, a person's export and erasure."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
from typing import Any

import pytest

from conversations.competence import Level
from conversations.courses import Completion, Course, Delivery
from conversations.model import (
    Agreement,
    Conversation,
    Goal,
    InputRejected,
    Kind,
    Minutes,
    Person,
    Preparation,
    Signature,
    State,
)
from conversations.records import Versioned, hash_content
from conversations.retention import (
    AuditEntry,
    RetentionPolicy,
    StoredItem,
    audit_entry,
    audit_line,
    erasure_plan,
    personal_export,
    pseudonymised,
    to_delete,
)

TODAY = dt.date(2026, 6, 15)
ANNA, BO, LEADER, TR, HR = "a" * 32, "b" * 32, "l" * 32, "t" * 32, "h" * 32
AT = dt.datetime(2026, 6, 15, 9, 30, tzinfo=dt.UTC)


def item(conversation_id: str = "c1", **changes: Any) -> StoredItem:
    fields: dict[str, Any] = {
        "conversation_id": conversation_id, "kind": Kind.MUS, "planned_at": None,
        "state": State.FOLLOWED_UP, "person_ids": (ANNA, LEADER),
        "last_changed": dt.date(2020, 1, 1),
    }
    fields.update(changes)
    return StoredItem(**fields)


# --- retention ------------------------------------------------------------------------------


@pytest.mark.parametrize("years", [0, 11, -1, True])
def test_retention_outside_one_to_ten_years_is_refused(years: int) -> None:
    with pytest.raises(InputRejected) as caught:
        RetentionPolicy(years)
    assert caught.value.key == "error.retention_years"
    assert caught.value.params == {"min": 1, "max": 10}


def test_the_preview_lists_conversations_older_than_the_period_oldest_first() -> None:
    old = item("old", last_changed=dt.date(2019, 3, 1))
    older = item("older", last_changed=dt.date(2018, 3, 1))
    recent = item("recent", last_changed=dt.date(2024, 3, 1))
    assert to_delete([old, recent, older], RetentionPolicy(5), TODAY) == [older, old]


def test_the_period_ends_on_the_same_day_years_later() -> None:
    policy = RetentionPolicy(5)
    assert to_delete([item(last_changed=dt.date(2021, 6, 15))], policy, TODAY) == []
    edge = item(last_changed=dt.date(2021, 6, 14))
    assert to_delete([edge], policy, TODAY) == [edge]


def test_a_later_planned_date_keeps_a_conversation_longer() -> None:
    planned = item(last_changed=dt.date(2018, 1, 1), planned_at=dt.datetime(2025, 9, 1, 10))
    assert to_delete([planned], RetentionPolicy(1), TODAY) == []
    assert to_delete([planned], RetentionPolicy(1), dt.date(2026, 9, 2)) == [planned]


def test_preview_never_lists_an_agreement_whose_follow_up_is_open() -> None:
    open_follow_up = item(state=State.AGREED, last_changed=dt.date(2016, 1, 1))
    assert to_delete([open_follow_up], RetentionPolicy(1), TODAY) == []


def test_cancelled_conversations_go_after_the_same_period() -> None:
    cancelled = item(state=State.CANCELLED, last_changed=dt.date(2020, 1, 1))
    assert to_delete([cancelled], RetentionPolicy(5), TODAY) == [cancelled]
    assert to_delete([cancelled], RetentionPolicy(7), TODAY) == []


# --- the audit trail ------------------------------------------------------------------------


def test_audit_entries_hold_no_text() -> None:
    assert [f.name for f in dataclasses.fields(AuditEntry)] == [
        "at", "actor_id", "action", "subject_id", "count"
    ]
    for text in ("Anna Sørensen", "svarede at hun er træt", "", "x" * 200):
        with pytest.raises(ValueError):
            audit_entry("export", text, ANNA, AT)
        with pytest.raises(ValueError):
            audit_entry("export", HR, text, AT)


def test_an_unknown_audit_action_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown"):
        audit_entry("read_answers", HR, ANNA, AT)


def test_an_audit_count_is_never_negative() -> None:
    with pytest.raises(ValueError):
        audit_entry("retention_delete", HR, "c1", AT, count=-1)


def test_an_audit_line_is_json_with_utc_time() -> None:
    copenhagen = dt.timezone(dt.timedelta(hours=2))
    entry = audit_entry("erasure", HR, ANNA, dt.datetime(2026, 6, 15, 11, 30,
                                                          tzinfo=copenhagen), count=7)
    line = audit_line(entry)
    assert json.loads(json.dumps(line)) == {
        "at": "2026-06-15T09:30:00+00:00", "actor_id": HR, "action": "erasure",
        "subject_id": ANNA, "count": 7,
    }


@pytest.mark.parametrize("action", ["retention_delete", "export", "erasure",
                                    "erasure_request"])
def test_every_known_action_is_accepted(action: str) -> None:
    assert audit_entry(action, HR, ANNA, AT).action == action


# --- a small organisation's records ---------------------------------------------------------


def organisation() -> dict[str, Versioned]:
    anna = Person(id=ANNA, name="Anna Sørensen", leader_id=LEADER, author=HR)
    bo = Person(id=BO, name="Bo Berg", leader_id=LEADER, author=HR)
    leader = Person(id=LEADER, name="Mette Holm", author=HR)
    mus = Conversation(id="mus-anna", kind=Kind.MUS, sheet_id="mus", sheet_version=1,
                       leader_id=LEADER, participant_ids=(ANNA,), companion_id=TR,
                       author=LEADER, state=State.AGREED)
    mus_bo = Conversation(id="mus-bo", kind=Kind.MUS, sheet_id="mus", sheet_version=1,
                          leader_id=LEADER, participant_ids=(BO,), author=LEADER)
    signature = Signature(signer_id=ANNA, signed_at=dt.datetime(2026, 3, 1, 10),
                          content_hash="h", public_key="k", signature="s")
    return {
        "anna": anna, "bo": bo, "leader": leader, "mus": mus, "mus_bo": mus_bo,
        "prep_anna": Preparation(id="prep-anna", conversation_id="mus-anna", author=ANNA,
                                 answers={"q1": "Jeg er glad for mit arbejde"},
                                 ratings={"dementia": Level.COMPETENT}),
        "prep_leader": Preparation(id="prep-leader", conversation_id="mus-anna",
                                   author=LEADER, answers={"q1": "Anna trives"},
                                   shared_with_leader=True),
        "prep_bo": Preparation(id="prep-bo", conversation_id="mus-bo", author=BO,
                               answers={"q1": "Bo's svar"}),
        "minutes": Minutes(id="min-anna", conversation_id="mus-anna", author=LEADER,
                           notes={"q1": "Vi talte om demens"}),
        "minutes_bo": Minutes(id="min-bo", conversation_id="mus-bo", author=LEADER),
        "agreement": Agreement(id="agr-anna", conversation_id="mus-anna", author=LEADER,
                               goals=(Goal(id="g1", theme_id="dementia", what="Kursus",
                                           responsible_id=ANNA),),
                               signatures=(signature,)),
        "course": Course(id="k1", title="Forflytning", competence_ids=("transfers_aids",),
                         delivery=Delivery.INTERNAL, teacher_id=BO, author=HR),
        "completion": Completion(id="done-anna", person_id=ANNA, course_id="k1",
                                 completed_on=dt.date(2026, 2, 1), author=HR),
    }


def dicts(records: dict[str, Versioned]) -> list[dict[str, Any]]:
    return [r.to_dict() for r in records.values()]


def ids(export: dict[str, Any]) -> set[str]:
    return {r["id"] for group in export["records"].values() for r in group}


# --- the personal export ------------------------------------------------------------------------


def test_the_export_holds_what_names_the_person_grouped_by_type() -> None:
    export = personal_export(ANNA, dicts(organisation()))
    assert export["person_id"] == ANNA
    assert ids(export) == {ANNA, "mus-anna", "prep-anna", "min-anna", "agr-anna", "done-anna"}
    assert sorted(export["records"]) == [
        "agreement", "conversation", "course_completion", "minutes", "person", "preparation"
    ]
    assert export["records"]["preparation"][0]["answers"] == {
        "q1": "Jeg er glad for mit arbejde"
    }


def test_the_export_leaves_out_someone_elses_private_preparation() -> None:
    export = personal_export(ANNA, dicts(organisation()))
    assert "prep-leader" not in ids(export)
    assert "prep-bo" not in ids(export)
    assert "Anna trives" not in json.dumps(export, ensure_ascii=False)


def test_a_companion_gets_the_conversation_but_not_what_was_said() -> None:
    assert ids(personal_export(TR, dicts(organisation()))) == {"mus-anna"}


def test_a_teacher_gets_the_course_they_teach() -> None:
    assert ids(personal_export(BO, dicts(organisation()))) == {
        BO, "mus-bo", "prep-bo", "min-bo", "k1"
    }


def test_the_export_is_json_ready_and_the_same_in_any_order() -> None:
    records = dicts(organisation())
    first = personal_export(ANNA, records)
    shuffled = list(records)
    random.Random(4).shuffle(shuffled)
    assert personal_export(ANNA, shuffled + records[:3]) == first
    assert json.loads(json.dumps(first)) == first


def test_the_export_includes_every_version_once() -> None:
    org = organisation()
    prep = org["prep_anna"]
    assert isinstance(prep, Preparation)
    newer = prep.with_answer("q2", "Mere tid til dokumentation")
    export = personal_export(ANNA, [*dicts(org), newer.to_dict(), newer.to_dict()])
    versions = [p["version"] for p in export["records"]["preparation"]]
    assert sorted(versions) == sorted([prep.version, newer.version])


# --- erasure ------------------------------------------------------------------------------------


def test_erasure_deletes_own_records_and_pseudonymises_shared_ones() -> None:
    delete, keep = erasure_plan(ANNA, dicts(organisation()))
    assert delete == sorted([ANNA, "prep-anna", "done-anna"])
    assert keep == sorted(["mus-anna", "agr-anna"])


def test_erasure_never_touches_someone_elses_preparation_or_minutes() -> None:
    delete, keep = erasure_plan(ANNA, dicts(organisation()))
    assert not {"prep-leader", "prep-bo", "min-anna", "min-bo", BO, LEADER} & {*delete, *keep}


def test_erasing_a_leader_keeps_the_people_they_led() -> None:
    delete, keep = erasure_plan(LEADER, dicts(organisation()))
    assert delete == [LEADER, "prep-leader"]
    assert {ANNA, BO, "mus-anna", "mus-bo", "min-anna", "min-bo", "agr-anna"} <= set(keep)


def test_a_pseudonymised_agreement_no_longer_names_the_person() -> None:
    agreement = organisation()["agreement"].to_dict()
    alias = "erased-0001"
    changed = pseudonymised(agreement, ANNA, alias)
    assert ANNA not in json.dumps(changed)
    assert changed["goals"][0]["responsible_id"] == alias
    assert changed["signatures"][0]["signer_id"] == alias
    assert changed["goals"][0]["what"] == "Kursus"
    assert agreement["goals"][0]["responsible_id"] == ANNA


def test_a_pseudonymised_record_is_the_next_version_of_the_original() -> None:
    conversation = organisation()["mus"].to_dict()
    changed = pseudonymised(conversation, ANNA, "erased-0001")
    assert changed["participant_ids"] == ["erased-0001"]
    assert changed["parents"] == [conversation["version"]]
    content = {k: v for k, v in changed.items() if k != "version"}
    assert changed["version"] == hash_content(content)
    assert Conversation.from_dict(changed).version == changed["version"]


def test_pseudonymising_a_record_that_does_not_name_the_person_changes_nothing() -> None:
    minutes = organisation()["minutes"].to_dict()
    assert pseudonymised(minutes, ANNA, "erased-0001") == minutes


def test_pseudonymising_replaces_whole_ids_and_person_keys_only() -> None:
    record = {"id": "x", "type": "team_plan", "note": f"see {ANNA}",
              "member_goals": {ANNA: [], BO: []}}
    changed = pseudonymised(record, ANNA, "erased-0001")
    assert changed["note"] == f"see {ANNA}"
    assert set(changed["member_goals"]) == {"erased-0001", BO}


def test_an_alias_must_differ_from_the_id() -> None:
    with pytest.raises(ValueError):
        pseudonymised({"author": ANNA}, ANNA, ANNA)
    with pytest.raises(ValueError):
        pseudonymised({"author": ANNA}, ANNA, "")
