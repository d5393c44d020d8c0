"""The app's actions without any screen: profiles, home groups, preparing, saving."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conversations.competence import Level
from conversations.model import MAX_ANSWER_CHARS, InputRejected, Kind, Task
from services.app import AppSession
from storage import Device, KdfParams, WrongPin
from tests.app_fixtures import (
    LIBRARY,
    anna_on_two_devices,
    conflicting_edits,
    first_text_question,
    newcomer_beside_demo,
    session_on,
)
from tests.clock import TODAY, SteppedClock


@pytest.fixture
def session(data_dir: Path) -> AppSession:
    return session_on(data_dir)


def test_a_new_profile_needs_a_name_and_matching_pins(session: AppSession) -> None:
    for name, pin, again, key in [
        ("", "246810", "246810", "error.name_required"),
        ("Anna", "12345", "12345", "error.pin_too_short"),
        ("Anna", "246810", "108642", "error.pin_mismatch"),
    ]:
        with pytest.raises(InputRejected) as raised:
            session.create_profile(name, pin, again, leader=False, symbol=0)
        assert raised.value.key == key
    assert session.profiles() == []


def test_an_answer_is_there_after_locking_and_unlocking(session: AppSession,
                                                        data_dir: Path) -> None:
    code = session.create_profile("Anna", "246810", "246810", leader=False, symbol=2)
    assert len(code) >= 16
    cid = session.start_conversation(Kind.MUS, "Mette Holm", TODAY + dt.timedelta(days=7))
    session.open_draft(cid)
    question = first_text_question(session, cid)
    session.set_answer(cid, question, "Genoptræning i hjemmet")
    assert session.persist(cid)
    session.lock()

    again = session_on(data_dir)
    profile = again.profiles()[0]
    with pytest.raises(WrongPin):
        again.unlock(profile.id, "999999")
    again.unlock(profile.id, "246810")
    assert again.me is not None and again.me.name == "Anna"
    draft = again.open_draft(cid)
    assert draft.preparation.answers[question] == "Genoptræning i hjemmet"


def test_home_groups_conversations_by_what_they_need(session: AppSession) -> None:
    session.create_demo()
    groups = dict(session.home())
    assert Task.PREPARE in groups and Task.FOLLOW_UP in groups
    kinds = {s.kind for s in groups[Task.PREPARE]}
    assert {Kind.MUS, Kind.TUS} <= kinds
    mus = next(s for s in groups[Task.PREPARE] if s.kind is Kind.MUS)
    assert mus.with_whom == "Mette Holm"
    assert 0 < mus.answered < mus.total


def test_the_demo_makes_an_employee_a_leader_and_an_hr_profile_in_one_directory(
    session: AppSession,
) -> None:
    session.create_demo()
    assert len(session.profiles()) == 3
    assert session.me is not None and session.me.name == "Anna Sørensen"
    with_keys = {m.name for m in session.directory.members.values() if m.enc_key and m.sign_key}
    assert with_keys == {"Anna Sørensen", "Mette Holm", "Henrik Lund"}
    assert len(session.directory.hr_ids()) == 1


def test_progress_on_home_follows_the_saved_answers(session: AppSession) -> None:
    session.create_profile("Anna", "246810", "246810", leader=False, symbol=0)
    cid = session.start_conversation(Kind.MUS, "Mette", None)
    draft = session.open_draft(cid)
    session.set_answer(cid, first_text_question(session, cid), "svar")
    competence = next(i for i in draft.items if "." not in i)
    session.set_rating(cid, competence, Level.NOT_RELEVANT)
    session.close_draft(cid)
    (task, [summary]), = session.home()
    assert task is Task.PREPARE
    assert summary.answered == 2 and summary.total == len(draft.items)


def test_an_overlong_answer_changes_nothing(session: AppSession) -> None:
    session.create_profile("Anna", "246810", "246810", leader=False, symbol=0)
    cid = session.start_conversation(Kind.MUS, "Mette", None)
    session.open_draft(cid)
    question = first_text_question(session, cid)
    session.set_answer(cid, question, "første svar")
    session.persist(cid)
    with pytest.raises(InputRejected):
        session.set_answer(cid, question, "x" * (MAX_ANSWER_CHARS + 1))
    assert session.drafts[cid].preparation.answers[question] == "første svar"
    assert not session.drafts[cid].dirty


def test_a_conversation_in_the_past_or_without_a_leader_is_refused(session: AppSession) -> None:
    session.create_profile("Anna", "246810", "246810", leader=False, symbol=0)
    with pytest.raises(InputRejected, match="date_past"):
        session.start_conversation(Kind.MUS, "Mette", TODAY - dt.timedelta(days=1))
    with pytest.raises(InputRejected, match="leader_required"):
        session.start_conversation(Kind.MUS, "  ", None)
    assert session.home() == []


def test_the_vault_locks_after_the_idle_time(data_dir: Path) -> None:
    clock = SteppedClock()
    session = AppSession(Device(data_dir, kdf=KdfParams.FAST_FOR_TESTS), LIBRARY,
                         idle_seconds=60, clock=clock)
    assert not session.idle_expired()
    session.create_profile("Anna", "246810", "246810", leader=False, symbol=0)
    clock.seconds = 59
    assert not session.idle_expired()
    session.touch()
    clock.seconds = 100
    assert not session.idle_expired()
    clock.seconds = 120
    assert session.idle_expired()


def test_a_saved_language_follows_the_profile(session: AppSession, data_dir: Path) -> None:
    session.create_profile("Anna", "246810", "246810", leader=False, symbol=0)
    session.set_language("en")
    session.lock()
    again = session_on(data_dir)
    again.unlock(again.profiles()[0].id, "246810")
    assert again.texts.lang == "en"


def test_saved_versions_form_an_unbroken_chain(session: AppSession) -> None:
    session.create_profile("Anna", "246810", "246810", leader=False, symbol=0)
    cid = session.start_conversation(Kind.MUS, "Mette", None)
    session.open_draft(cid)
    question = first_text_question(session, cid)
    for text in ("H", "He", "Hej"):
        session.set_answer(cid, question, text)
    session.persist(cid)
    first = session.drafts[cid].saved
    for text in ("Hej m", "Hej med dig"):
        session.set_answer(cid, question, text)
    session.persist(cid)
    second = session.drafts[cid].saved
    assert first is not None and second is not None
    assert first.parents == ()
    assert second.parents == (first.version,)
    stored = session.unlocked_vault().read_shard(cid)["preparations"][second.id]
    assert stored["version"] == second.version


def test_edits_while_a_draft_closes_are_refused_not_dropped(session: AppSession) -> None:
    session.create_profile("Anna", "246810", "246810", leader=False, symbol=0)
    cid = session.start_conversation(Kind.MUS, "Mette", None)
    session.open_draft(cid)
    question = first_text_question(session, cid)
    session.drafts[cid].closing = True
    with pytest.raises(InputRejected, match="draft_closing"):
        session.set_answer(cid, question, "for sent")
    session.drafts[cid].closing = False
    session.close_draft(cid)
    session.close_draft(cid)  # a second tap on "back" does nothing
    with pytest.raises(InputRejected, match="vault_locked"):
        session.set_answer(cid, question, "efter lukning")


def test_saving_everything_keeps_drafts_open(session: AppSession) -> None:
    session.create_profile("Anna", "246810", "246810", leader=False, symbol=0)
    cid = session.start_conversation(Kind.MUS, "Mette", None)
    session.open_draft(cid)
    question = first_text_question(session, cid)
    session.set_answer(cid, question, "før afbrydelsen")
    session.save_all()
    assert not session.drafts[cid].dirty
    (_task, [summary]), = session.home()
    assert summary.answered == 1
    session.set_answer(cid, question, "efter afbrydelsen")
    assert session.persist(cid)


def test_a_delegate_leader_is_asked_to_hold_the_conversation(session: AppSession) -> None:
    from services.index import IndexEntry
    from services.session import _task_from_index

    entry = IndexEntry.from_dict({
        "kind": "MUS", "state": "preparing", "leader_id": "L", "delegate_leader_id": "D",
        "planned_at": f"{TODAY.isoformat()}T08:00:00", "participant_ids": ["E"]})
    assert _task_from_index(entry, "D", TODAY) is Task.HOLD
    assert _task_from_index(entry, "E", TODAY) is Task.PREPARE


def test_a_new_profile_is_offered_a_symbol_nobody_else_has(session: AppSession) -> None:
    assert session.free_symbol() == 0
    session.create_profile("Anna", "246810", "246810", leader=False, symbol=0)
    session.lock()
    assert session.free_symbol() == 1


def test_a_shared_preparation_reaches_the_leader_through_the_share_and_nobody_else(
    data_dir: Path,
) -> None:
    from conversations.demo import DEMO_PIN

    anna = session_on(data_dir)
    anna.create_demo()
    mus = next(s for _, items in anna.home() for s in items if s.answered)
    anna.open_draft(mus.id)
    question = first_text_question(anna, mus.id)
    anna.set_answer(mus.id, question, "Jeg vil gerne lære mere om demens og rehabilitering")
    anna.set_shared(mus.id, True)
    anna.close_draft(mus.id)
    assert anna.sync().pushed >= 1
    anna.lock()

    by_name = {}
    for info in session_on(data_dir).profiles():
        other = session_on(data_dir)
        other.unlock(info.id, DEMO_PIN)
        assert other.me is not None
        by_name[other.me.name] = other
    mette, henrik = by_name["Mette Holm"], by_name["Henrik Lund"]
    mette.sync()
    henrik.sync()

    received = mette.unlocked_vault().read_shard(mus.id).get("preparations", {})
    answers = [p["answers"].get(question) for p in received.values()]
    assert "Jeg vil gerne lære mere om demens og rehabilitering" in answers
    # HR receives the self-assessment's levels for the competence overview, never the
    # preparation or the conversation itself.
    assert set(henrik.unlocked_vault().read_shard(mus.id)) == {"competence_ratings", "versions"}
    share = Path(anna.default_share())
    for path in share.rglob("*"):
        if path.is_file():
            assert b"demens" not in path.read_bytes()
            assert b"Anna" not in path.read_bytes()


def test_the_same_answer_changed_on_two_devices_becomes_a_conflict_the_person_settles(
    tmp_path: Path,
) -> None:
    tablet, office, cid = anna_on_two_devices(tmp_path)
    question = conflicting_edits(
        tablet, office, cid, first="Genoptræning",
        at_office="Genoptræning og hjælpemidler (skrevet på kontoret)",
        on_tablet="Genoptræning i hjemmet (skrevet på tabletten)",
    )
    office.sync()

    [clash] = tablet.open_conflicts()
    assert clash.key == question
    assert {clash.ours, clash.theirs} == {"Genoptræning og hjælpemidler (skrevet på kontoret)",
                                          "Genoptræning i hjemmet (skrevet på tabletten)"}
    assert "Hvilke opgaver" in clash.label
    keep = "ours" if "tabletten" in str(clash.ours) else "theirs"
    tablet.settle(clash, keep)
    assert tablet.open_conflicts() == []
    tablet.sync()
    office.sync()
    if keep == "theirs":  # settled elsewhere with the other value: nothing left to choose
        assert office.open_conflicts() == []
    for device in (tablet, office):
        device.drafts.clear()
        answers = device.open_draft(cid).preparation.answers
        assert answers[question] == "Genoptræning i hjemmet (skrevet på tabletten)"


def test_a_clash_is_open_only_while_the_record_holds_the_first_value() -> None:
    from services.session import still_open

    clash = {"field": "answers", "key": "q1", "ours": "A", "theirs": "B"}
    assert still_open({"answers": {"q1": "A"}}, clash)
    assert not still_open({"answers": {"q1": "B"}}, clash)
    assert not still_open({"answers": {"q1": "something new"}}, clash)
    removed = {"field": "answers", "key": "q1", "ours": {"no_value": "absent"}, "theirs": "B"}
    assert still_open({"answers": {}}, removed)
    assert not still_open({"answers": {"q1": "B"}}, removed)


def test_a_removed_answer_in_a_clash_is_the_absent_marker_again() -> None:
    from conversations.merge import ABSENT
    from services.session import marker

    assert marker({"no_value": "absent"}) is ABSENT
    assert marker("tekst") == "tekst"


def test_a_preparation_reads_as_draft_then_ready_to_send_then_sent(data_dir: Path) -> None:
    session = session_on(data_dir)
    session.create_demo()
    mus = next(s for _, items in session.home() for s in items if s.answered)
    session.open_draft(mus.id)
    assert session.preparation_state(mus.id) == "record.draft"
    session.set_shared(mus.id, True)
    assert session.preparation_state(mus.id) == "record.ready"
    session.close_draft(mus.id)
    session.open_draft(mus.id)
    assert session.preparation_state(mus.id) == "record.ready"  # in the outbox
    session.sync()
    assert session.preparation_state(mus.id) == "record.sent"


def test_a_new_person_asks_to_join_and_hr_approves_through_the_share(tmp_path: Path) -> None:
    from conversations.demo import DEMO_PIN, ORGANISATION

    birgitte, share = newcomer_beside_demo(tmp_path)
    assert birgitte.organisation() is None
    card = birgitte.find_organisation()
    assert card.name == ORGANISATION and len(card.fingerprint) >= 16
    birgitte.request_to_join(card, "Sundhed og Omsorg", "Hjemmeplejen Nord")
    pin = birgitte.organisation()
    assert pin is not None and not pin.get("listed")

    hr = session_on(tmp_path / "office")
    henrik = next(info for info in hr.profiles() if info.symbol == 2)
    hr.unlock(henrik.id, DEMO_PIN)
    [request] = hr.join_requests()
    assert request.claim.name == "Birgitte Holm" and request.claim.team == "Hjemmeplejen Nord"
    assert hr.fingerprint_of(request)
    hr.decide_join(request, approve=True)
    assert hr.join_requests() == []

    birgitte.sync()
    pin = birgitte.organisation()
    assert pin is not None and pin.get("listed")
    assert birgitte.me is not None
    assert birgitte.directory.member(birgitte.me.id) is not None
    assert birgitte.directory.member("d0000000000000000000000000000001") is not None  # Mette
    for path in Path(share).rglob("*"):
        if path.is_file():
            assert b"Birgitte" not in path.read_bytes()


def test_a_member_takes_a_hire_and_a_leaver_from_the_change_files_and_keeps_the_keys(
    tmp_path: Path,
) -> None:
    from conversations.demo import DEMO_PIN
    from conversations.directory import Member
    from storage.schema import DIRECTORY_KEY
    from sync.organisation import change_path, directory_path

    anna = session_on(tmp_path / "tablet")
    anna.create_demo()
    share = Path(anna.share_settings()["location"])
    anna.sync()
    hr = session_on(tmp_path / "tablet")
    henrik = next(info for info in hr.profiles() if info.symbol == 2)
    hr.unlock(henrik.id, DEMO_PIN)
    hired = hr.directory.with_member(Member(id="e9" * 16, name="Ny Kollega"))
    hr.sign_directory(hired)
    anna.sync()
    assert anna.directory == hired
    left = hired.without_member("e9" * 16)
    hr.sign_directory(left)
    anna.sync()
    assert anna.directory == left
    for version in (hired.version, left.version):
        assert (share / change_path(version)).is_file()
        assert not (share / directory_path(version)).exists()
    kept = anna.unlocked_vault().get_meta(DIRECTORY_KEY)
    assert kept is not None and kept["chain"]["version"] == left.version
