"""Merging two devices' versions of one record: fast-forwards, per-field and per-key
merges, conflicts that keep both values, resolving them, and the base in the DAG."""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations import merge as merge_module
from conversations.competence import Level
from conversations.merge import (
    ABSENT,
    DISPUTED,
    IDENTITY,
    AgreementSigned,
    Conflict,
    ConflictOutdated,
    Merge,
    NoValue,
    RecordMismatch,
    common_ancestor,
    merge,
    merge_base,
    resolve,
    version_of,
)
from conversations.model import Agreement, Conversation, Goal, Kind, Preparation, Signature
from conversations.records import canonical_json

NO_DATABASE = settings(database=None)  # nothing written into the working tree


def stamp(
    fields: Mapping[str, Any], *, parents: list[str] | None = None, author: str = "E"
) -> dict[str, Any]:
    record = {"id": "r1", "type": "minutes", "author": author, "parents": parents or [],
              **fields}
    record["version"] = version_of(record)
    return record


def child(parent: Mapping[str, Any], author: str = "E", **changes: Any) -> dict[str, Any]:
    fields = {k: v for k, v in parent.items() if k not in IDENTITY}
    fields.update(changes)
    return stamp(fields, parents=[parent["version"]], author=author)


def history(*records: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {r["version"]: r for r in records}


def show(value: Any) -> Any:
    """A value as stored, so ``1`` and ``True`` differ; markers by name."""
    return value.name if isinstance(value, NoValue) else canonical_json(value)


# --- examples -------------------------------------------------------------------------


def test_version_of_a_record_dict_is_the_version_the_record_has() -> None:
    prep = Preparation(conversation_id="c", author="E").with_answer("q1", "Forflytning")
    prep = prep.with_rating("c1", Level.COMPETENT)
    agreement = Agreement(
        conversation_id="c", goals=(Goal(id="g", theme_id="t", what="Kursus",
                                         deadline=dt.date(2027, 3, 1)),))
    conversation = Conversation(kind=Kind.MUS, sheet_id="mus", sheet_version=1,
                                leader_id="L", participant_ids=("E",))
    for record in (prep, agreement, conversation):
        assert version_of(record.to_dict()) == record.version


def test_answers_to_different_questions_on_two_devices_both_survive() -> None:
    base = Preparation(conversation_id="c", author="E").with_answer("q0", "fælles")
    tablet = base.with_answer("q1", "Hjemmetræning").with_rating("c1", Level.EXPERT)
    phone = base.with_answer("q2", "Sparring med kollega")

    result = merge(base.to_dict(), tablet.to_dict(), phone.to_dict())

    assert result.kind == "merged"
    assert result.conflicts == ()
    assert result.record["answers"] == {
        "q0": "fælles", "q1": "Hjemmetræning", "q2": "Sparring med kollega"}
    assert result.record["ratings"] == {"c1": 5}
    assert result.record["parents"] == sorted([tablet.version, phone.version])
    again = Preparation.from_dict({**result.record, "version": ""})
    assert again.version == result.record["version"]


def test_the_same_answer_changed_on_both_devices_is_a_conflict_that_keeps_ours() -> None:
    base = stamp({"notes": {"q1": "kort"}})
    ours = child(base, author="L", notes={"q1": "lederens tekst"})
    theirs = child(base, author="E", notes={"q1": "medarbejderens tekst"})

    result = merge(base, ours, theirs)

    assert result.kind == "merged"
    assert result.conflicts == (
        Conflict("notes", "q1", "kort", "lederens tekst", "medarbejderens tekst"),)
    assert result.record["notes"] == {"q1": "lederens tekst"}


def test_a_field_both_changed_differently_is_a_field_conflict() -> None:
    base = stamp({"state": "held", "notes": {}})
    result = merge(base, child(base, state="agreed"), child(base, state="cancelled"))
    assert result.conflicts == (Conflict("state", None, "held", "agreed", "cancelled"),)
    assert result.record["state"] == "agreed"


def test_resolving_a_conflict_makes_a_child_of_the_merge() -> None:
    base = stamp({"notes": {"q1": "kort"}, "state": "held"})
    result = merge(base, child(base, notes={"q1": "A"}), child(base, notes={"q1": "B"}))
    conflict = result.conflicts[0]

    theirs = resolve(result.record, conflict, "theirs", author="L")
    written = resolve(result.record, conflict, "A og B")

    assert theirs["notes"] == {"q1": "B"}
    assert theirs["author"] == "L"
    assert theirs["parents"] == [result.record["version"]]
    assert theirs["version"] == version_of(theirs)
    assert written["notes"] == {"q1": "A og B"}
    assert resolve(result.record, conflict, "ours")["notes"] == {"q1": "A"}
    assert result.record["notes"] == {"q1": "A"}, "the merged record is left as it was"


def test_a_conflict_cannot_be_resolved_twice() -> None:
    base = stamp({"state": "held"})
    result = merge(base, child(base, state="agreed"), child(base, state="cancelled"))
    settled = resolve(result.record, result.conflicts[0], "theirs")
    with pytest.raises(ConflictOutdated):
        resolve(settled, result.conflicts[0], "ours")


def test_a_deletion_on_one_side_wins_over_no_change_on_the_other() -> None:
    base = stamp({"notes": {"q1": "x", "q2": "y"}})
    ours = child(base, notes={"q2": "y"})
    theirs = child(base, notes={"q1": "x", "q2": "y2"})
    result = merge(base, ours, theirs)
    assert result.conflicts == ()
    assert result.record["notes"] == {"q2": "y2"}


def test_a_deletion_against_a_change_is_a_conflict_and_the_change_can_be_restored() -> None:
    base = stamp({"notes": {"q1": "x"}})
    result = merge(base, child(base, notes={}), child(base, notes={"q1": "rettet"}))
    assert result.conflicts == (Conflict("notes", "q1", "x", ABSENT, "rettet"),)
    assert result.record["notes"] == {}
    assert resolve(result.record, result.conflicts[0], "theirs")["notes"] == {"q1": "rettet"}


def test_one_side_still_at_the_base_fast_forwards_to_the_other() -> None:
    base = stamp({"state": "held"})
    edited = child(base, state="agreed")
    assert merge(base, base, edited) == Merge(edited, (), "fast_forward_theirs")
    assert merge(base, edited, base) == Merge(edited, (), "fast_forward_ours")


def test_the_same_content_from_two_histories_settles_on_one_version_on_both_devices() -> None:
    base = stamp({"state": "held"})
    leader = child(base, author="L", state="agreed")
    employee = child(base, author="E", state="agreed")
    on_leaders_device = merge(base, leader, employee)
    on_employees_device = merge(base, employee, leader)
    assert on_leaders_device.kind == on_employees_device.kind == "same"
    assert on_leaders_device.record == on_employees_device.record


def test_the_person_merging_is_the_author_of_the_merge() -> None:
    base = stamp({"notes": {}})
    ours = child(base, author="E", notes={"q1": "a"})
    theirs = child(base, author="L", notes={"q2": "b"})
    assert merge(base, ours, theirs).record["author"] == "E"
    assert merge(base, ours, theirs, author="L").record["author"] == "L"


def test_without_a_base_every_difference_is_a_conflict_and_one_sided_keys_stay() -> None:
    ours = stamp({"notes": {"q1": "a", "q2": "x"}, "state": "held"})
    theirs = stamp({"notes": {"q1": "b", "q3": "y"}, "state": "held"}, author="L")
    result = merge(None, ours, theirs)
    assert result.conflicts == (Conflict("notes", "q1", ABSENT, "a", "b"),)
    assert result.record["notes"] == {"q1": "a", "q2": "x", "q3": "y"}


def test_versions_of_different_records_are_not_merged() -> None:
    one = stamp({"state": "held"})
    other = {**stamp({"state": "agreed"}), "id": "r2"}
    with pytest.raises(RecordMismatch):
        merge(None, one, other)


def signed_agreement_versions() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    draft = Agreement(conversation_id="c", author="L",
                      goals=(Goal(id="g1", theme_id="t", what="Kursus i forflytning"),))
    signature = Signature(signer_id="E", signed_at=dt.datetime(2026, 11, 22, 10),
                          content_hash=draft.version, public_key="cGs=", signature="c2ln")
    signed = draft.revised(author="E", signatures=(signature,))
    edited = draft.revised(goals=(Goal(id="g1", theme_id="t", what="Mentorordning"),))
    return draft.to_dict(), signed.to_dict(), edited.to_dict()


def test_a_signed_agreement_is_never_merged() -> None:
    draft, signed, edited = signed_agreement_versions()
    with pytest.raises(AgreementSigned):
        merge(draft, signed, edited)
    with pytest.raises(AgreementSigned):
        merge(draft, edited, signed)


def test_a_draft_fast_forwards_to_its_signed_version() -> None:
    draft, signed, _ = signed_agreement_versions()
    assert merge(draft, draft, signed) == Merge(signed, (), "fast_forward_theirs")
    assert merge(draft, signed, signed).kind == "same"


def test_merging_never_reads_a_clock() -> None:
    source = Path(merge_module.__file__).read_text("utf-8")
    tree = ast.parse(source)
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)
                for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree)
                 if isinstance(n, ast.ImportFrom) and n.module}
    assert not imported & {"datetime", "time", "calendar"}
    assert "now(" not in source


# --- the parents DAG ------------------------------------------------------------------


def test_the_common_ancestor_of_a_line_is_the_older_version() -> None:
    a = stamp({"state": "planned"})
    b = child(a, state="held")
    c = child(b, state="agreed")
    versions = history(a, b, c)
    assert common_ancestor(versions, c["version"], a["version"]) == a["version"]
    assert common_ancestor(versions, b["version"], c["version"]) == b["version"]
    assert common_ancestor(versions, c["version"], c["version"]) == c["version"]


def test_the_common_ancestor_of_a_fork_is_where_it_forked() -> None:
    base = stamp({"state": "held"})
    agreed = child(base, state="agreed")
    left = child(agreed, state="followed_up")
    right = child(base, notes={"q": "x"})
    versions = history(base, agreed, left, right)
    assert common_ancestor(versions, left["version"], right["version"]) == base["version"]
    assert merge_base(versions, left["version"], right["version"]) == base


def test_unrelated_or_missing_history_gives_no_base() -> None:
    one, other = stamp({"state": "held"}), stamp({"state": "agreed"}, author="L")
    assert common_ancestor(history(one, other), one["version"], other["version"]) is None
    lost = stamp({"state": "planned"})
    left, right = child(lost, state="held"), child(lost, state="agreed")
    versions = history(left, right)  # the shared parent was never received
    assert common_ancestor(versions, left["version"], right["version"]) == lost["version"]
    assert merge_base(versions, left["version"], right["version"]) is None


def test_a_conflict_both_devices_settled_their_own_way_comes_back_after_a_criss_cross() -> None:
    base = stamp({"notes": {"q1": "x"}, "state": "held"})
    leader = child(base, author="L", notes={"q1": "L"})
    employee = child(base, author="E", notes={"q1": "E"})
    start = history(base, leader, employee)
    on_l = merge(merge_base(start, leader["version"], employee["version"]), leader, employee)
    on_e = merge(merge_base(start, employee["version"], leader["version"]), employee, leader)
    settled_l = resolve(on_l.record, on_l.conflicts[0], "ours", author="L")
    settled_e = resolve(on_e.record, on_e.conflicts[0], "ours", author="E")
    then_e = child(settled_e, author="E", state="agreed")
    versions = history(base, leader, employee, on_l.record, on_e.record, settled_l,
                       settled_e, then_e)

    assert common_ancestor(versions, settled_l["version"], then_e["version"]) is None
    result = merge(merge_base(versions, settled_l["version"], then_e["version"]),
                   settled_l, then_e)

    assert result.conflicts == (Conflict("notes", "q1", DISPUTED, "L", "E"),)
    assert result.record["state"] == "agreed", "a later one-sided edit still merges"
    naive = merge(leader, settled_l, then_e)  # one of the two nearest ancestors as base
    assert naive.conflicts == () and naive.record["notes"] == {"q1": "E"}, "why not"


def test_a_deletion_after_a_criss_cross_is_not_undone_silently() -> None:
    base = stamp({"notes": None, "state": "held"})
    employee = child(base, author="E", notes={"q1": "a"})
    leader = child(base, author="L", state="agreed")
    on_e = merge(base, employee, leader).record
    on_l = merge(base, leader, employee, author="L").record
    added = child(on_e, author="E", notes={"q1": "a", "q2": "b"})
    deleted = child(on_l, author="L", notes={})
    versions = history(base, employee, leader, on_e, on_l, added, deleted)

    result = merge(merge_base(versions, added["version"], deleted["version"]), added, deleted)

    assert result.conflicts == (Conflict("notes", "q1", DISPUTED, "a", ABSENT),
                                Conflict("notes", "q2", DISPUTED, "b", ABSENT))


def test_two_devices_that_merged_the_same_pair_settle_on_one_version() -> None:
    base = stamp({"notes": {}, "state": "held"})
    leader = child(base, author="L", notes={"q1": "L"})
    employee = child(base, author="E", notes={"q2": "E"})
    on_l = merge(base, leader, employee).record
    on_e = merge(base, employee, leader).record
    assert on_l["version"] != on_e["version"]
    versions = history(base, leader, employee, on_l, on_e)
    base_again = merge_base(versions, on_l["version"], on_e["version"])
    assert merge(base_again, on_l, on_e).record == merge(base_again, on_e, on_l).record
    assert merge(base_again, on_l, on_e).kind == "same"


# --- properties -----------------------------------------------------------------------

KEYS = ("q1", "q2", "q3")
NAMES = ("state", "notes", "answers", "title")
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(0, 2), st.sampled_from(["", "a", "b"]))
MAPS = st.dictionaries(st.sampled_from(KEYS), SCALARS, max_size=3)
VALUES = st.one_of(SCALARS, MAPS)


@st.composite
def edited(draw: st.DrawFn, fields: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in NAMES:
        action = draw(st.sampled_from(["keep", "set", "drop", "keys", "keys", "keys"]))
        old = fields.get(name, ABSENT)
        if action == "set":
            out[name] = draw(VALUES)
        elif action == "keys" and isinstance(old, dict):
            inner = dict(old)
            for key in KEYS:
                step = draw(st.sampled_from(["keep", "set", "set", "drop"]))
                if step == "set":
                    inner[key] = draw(SCALARS)
                elif step == "drop":
                    inner.pop(key, None)
            out[name] = inner
        elif action != "drop" and old is not ABSENT:
            out[name] = old
    return out


@st.composite
def forks(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    fields = draw(st.fixed_dictionaries({"notes": MAPS, "answers": MAPS},
                                        optional={"state": VALUES, "title": VALUES}))
    base = stamp(fields, author="L")
    sides = [
        stamp(draw(edited(fields)), parents=[base["version"]],
              author=draw(st.sampled_from(["L", "E"])))
        for _ in range(2)
    ]
    return base, sides[0], sides[1]


def at(record: Mapping[str, Any], field: str, key: str | None = None) -> Any:
    value = record.get(field, ABSENT)
    if key is None:
        return value
    return value.get(key, ABSENT) if isinstance(value, Mapping) else ABSENT


def without_conflicts(result: Merge) -> bytes:
    content = {k: v for k, v in result.record.items() if k not in IDENTITY}
    for c in result.conflicts:
        if c.key is None:
            content.pop(c.field, None)
        else:
            content[c.field] = {k: v for k, v in content[c.field].items() if k != c.key}
    return canonical_json(content)


@NO_DATABASE
@given(forks())
def test_merging_a_version_with_itself_gives_it_back(fork: tuple[Any, Any, Any]) -> None:
    base, ours, _ = fork
    assert merge(base, ours, ours) == Merge(ours, (), "same")


@NO_DATABASE
@given(forks())
def test_a_side_still_at_the_base_fast_forwards_to_the_other(fork: tuple[Any, Any, Any]) -> None:
    base, _, theirs = fork
    forward, back = merge(base, base, theirs), merge(base, theirs, base)
    if without_conflicts(forward) == without_conflicts(merge(base, base, base)):
        assert forward.kind == back.kind == "same"
    else:
        assert forward == Merge(theirs, (), "fast_forward_theirs")
        assert back == Merge(theirs, (), "fast_forward_ours")


@NO_DATABASE
@given(forks())
def test_merge_is_symmetric_apart_from_which_side_is_ours(fork: tuple[Any, Any, Any]) -> None:
    base, ours, theirs = fork
    one, other = merge(base, ours, theirs), merge(base, theirs, ours)
    swap = {"fast_forward_ours": "fast_forward_theirs", "fast_forward_theirs": "fast_forward_ours"}
    assert swap.get(one.kind, one.kind) == other.kind
    assert without_conflicts(one) == without_conflicts(other)
    assert {(c.field, c.key, show(c.base), show(c.ours), show(c.theirs)) for c in one.conflicts} \
        == {(c.field, c.key, show(c.base), show(c.theirs), show(c.ours)) for c in other.conflicts}
    assert one.record["parents"] == other.record["parents"]


@NO_DATABASE
@given(forks())
def test_no_edit_of_either_side_is_ever_lost(fork: tuple[Any, Any, Any]) -> None:
    base, ours, theirs = fork
    result = merge(base, ours, theirs)

    def kept(field: str, key: str | None, value: Any) -> bool:
        return show(at(result.record, field, key)) == show(value) or any(
            (c.field, c.key) == (field, key) and show(value) in (show(c.ours), show(c.theirs))
            for c in result.conflicts
        )

    for side in (ours, theirs):
        for field in (set(side) | set(base)) - IDENTITY:
            value, old = at(side, field), at(base, field)
            if show(value) == show(old) or kept(field, None, value):
                continue
            assert isinstance(value, dict) and isinstance(at(result.record, field), dict)
            old_keys = old if isinstance(old, dict) else {}
            for key in set(value) | set(old_keys):
                if show(value.get(key, ABSENT)) != show(old_keys.get(key, ABSENT)):
                    assert kept(field, key, value.get(key, ABSENT)), (field, key)


@NO_DATABASE
@given(forks())
def test_a_conflict_is_only_where_both_sides_changed_differently(
    fork: tuple[Any, Any, Any],
) -> None:
    for c in merge(*fork).conflicts:
        assert len({show(c.base), show(c.ours), show(c.theirs)}) == 3


@NO_DATABASE
@given(forks())
def test_every_result_is_a_well_formed_version(fork: tuple[Any, Any, Any]) -> None:
    base, ours, theirs = fork
    result = merge(base, ours, theirs)
    assert result.record["version"] == version_of(result.record)
    assert result.record["id"] == ours["id"]
    if result.kind == "merged":
        assert result.record["parents"] == sorted({ours["version"], theirs["version"]})
    settled = result.record
    for conflict in result.conflicts:
        settled = resolve(settled, conflict, "theirs")
        assert settled["version"] == version_of(settled)
    for conflict in result.conflicts:
        assert show(at(settled, conflict.field, conflict.key)) == show(conflict.theirs)


ANSWER_EDITS = st.lists(st.tuples(st.sampled_from(KEYS), st.sampled_from(["", "ja", "nej"])),
                        max_size=4)


@NO_DATABASE
@given(ANSWER_EDITS, ANSWER_EDITS, st.booleans())
def test_a_merged_preparation_hashes_like_one_made_by_the_model(
    tablet_edits: list[tuple[str, str]], phone_edits: list[tuple[str, str]], shared: bool,
) -> None:
    base = Preparation(conversation_id="c", author="E").with_answer("q1", "start")
    tablet, phone = base, base.revised(shared_with_leader=shared)
    for question, text in tablet_edits:
        tablet = tablet.with_answer(question, text)
    for question, text in phone_edits:
        phone = phone.with_answer(question, text)
    record = merge(base.to_dict(), tablet.to_dict(), phone.to_dict()).record
    assert Preparation.from_dict({**record, "version": ""}).version == record["version"]
