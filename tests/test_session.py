"""The app's actions without any screen: profiles, home groups, preparing, saving."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conversations.competence import Level
from conversations.model import MAX_ANSWER_CHARS, InputRejected, Kind, Task
from conversations.sheets import load_library
from storage import Device, KdfParams, WrongPin
from views.session import AppSession

TODAY = dt.date(2026, 11, 22)
LIBRARY = load_library()


def session_on(root: Path) -> AppSession:
    device = Device(root, kdf=KdfParams.FAST_FOR_TESTS)
    return AppSession(device, LIBRARY, today=lambda: TODAY)


@pytest.fixture
def session(data_dir: Path) -> AppSession:
    return session_on(data_dir)


def first_text_question(session: AppSession, cid: str) -> str:
    draft = session.drafts[cid]
    return next(q.id for q in draft.sheet.all_questions() if q.type.value == "text")


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


def test_the_demo_makes_an_employee_and_a_leader_profile(session: AppSession) -> None:
    session.create_demo()
    assert len(session.profiles()) == 2
    assert session.me is not None and session.me.name == "Anna Sørensen"


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
    now = [0.0]
    session = AppSession(Device(data_dir, kdf=KdfParams.FAST_FOR_TESTS), LIBRARY,
                         idle_seconds=60, clock=lambda: now[0])
    assert not session.idle_expired()
    session.create_profile("Anna", "246810", "246810", leader=False, symbol=0)
    now[0] = 59
    assert not session.idle_expired()
    session.touch()
    now[0] = 100
    assert not session.idle_expired()
    now[0] = 120
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
    stored = session._vault().read_shard(cid)["preparations"][second.id]
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
    from views.session import _task_from_catalog

    entry = {"kind": "MUS", "state": "preparing", "leader_id": "L", "delegate_leader_id": "D",
             "planned_at": "2026-11-22T10:00:00", "participant_ids": ["E"]}
    assert _task_from_catalog(entry, "D", TODAY) is Task.HOLD
    assert _task_from_catalog(entry, "E", TODAY) is Task.PREPARE


def test_a_new_profile_is_offered_a_symbol_nobody_else_has(session: AppSession) -> None:
    assert session.free_symbol() == 0
    session.create_profile("Anna", "246810", "246810", leader=False, symbol=0)
    session.lock()
    assert session.free_symbol() == 1
