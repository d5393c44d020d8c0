"""One person, several devices: whichever device starts a preparation (or the minutes,
agreement or team plan), it is one record, and what each device kept is never hidden —
present, or in a conflict the person is shown."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversations.demo import DEMO_PIN
from conversations.identity import (
    agreement_id,
    minutes_id,
    preparation_id,
    ratings_id,
    team_plan_id,
)
from conversations.model import Preparation
from conversations.records import new_id
from services.app import AppSession
from storage.schema import CONFLICTS_KEY, MINUTES_TABLE, PREPARATION_TABLE
from sync.folder import FolderShare
from sync.share import ShareUnavailable
from tests.app_fixtures import (
    anna_on_two_devices,
    leaders_device_for,
    second_device_for,
    session_on,
)
from tests.sync_fixtures import CutShare

SECOND_PIN = "246810"  # second_device_for's PIN
ANNA_DEVICES = ("tablet", "office", "phone")
EVERY_DEVICE = (*ANNA_DEVICES, "leader")


def text_questions(session: AppSession, cid: str) -> list[str]:
    draft = session.open_draft(cid)
    return [q.id for q in draft.sheet.all_questions() if q.type.value == "text"]


def answer(session: AppSession, cid: str, question: str, text: str) -> None:
    """Writes one answer and leaves the preparation (saved, and queued to send)."""
    session.open_draft(cid)
    session.set_answer(cid, question, text)
    session.close_draft(cid)


def visible(session: AppSession, cid: str) -> dict[str, set[Any]]:
    """Per question, every value the person can see on this device: the answer, and
    both sides of any conflict about it."""
    session.drafts.pop(cid, None)
    seen: dict[str, set[Any]] = {
        q: {text} for q, text in session.open_draft(cid).preparation.answers.items()}
    for clash in session.open_conflicts():
        if clash.shard == cid and clash.field == "answers" and clash.key is not None:
            seen.setdefault(clash.key, set()).update(
                v for v in (clash.ours, clash.theirs) if isinstance(v, str))
    return seen


def own_preparations(session: AppSession, cid: str) -> list[dict[str, Any]]:
    me = session.current_person().id
    table = session.unlocked_vault().read_shard(cid).get(PREPARATION_TABLE, {})
    return [p for p in table.values() if p.get("author") == me]


# --- the reported bug ----------------------------------------------------------------


@pytest.mark.parametrize("first", ["tablet", "office"])
def test_two_devices_that_start_the_same_preparation_offline_hide_no_answer(
    tmp_path: Path, first: str
) -> None:
    tablet, office, cid = anna_on_two_devices(tmp_path)
    devices = {"tablet": tablet, "office": office}
    started, other, third = text_questions(tablet, cid)[:3]
    on_tablet = tablet.open_draft(cid).preparation.answers[started]  # the demo's answer
    tablet.close_draft(cid)
    # Neither has seen the other's preparation: the office starts its own.
    assert own_preparations(office, cid) == []
    answer(tablet, cid, other, "Skrevet på tabletten")
    answer(office, cid, third, "Skrevet på kontoret")
    answer(office, cid, started, "Det samme spørgsmål, besvaret på kontoret")

    second = "office" if first == "tablet" else "tablet"
    for name in (first, second, first):
        devices[name].sync()

    for device in (tablet, office):
        [record] = own_preparations(device, cid)
        assert record["id"] == preparation_id(cid, device.current_person().id)
        seen = visible(device, cid)
        assert seen[other] == {"Skrevet på tabletten"}
        assert seen[third] == {"Skrevet på kontoret"}
        assert seen[started] == {on_tablet, "Det samme spørgsmål, besvaret på kontoret"}
        [clash] = device.open_conflicts()
        assert clash.key == started
        assert device.unlocked_vault().get_meta(CONFLICTS_KEY) == {"shards": [cid]}


def test_only_the_person_is_asked_to_settle_her_own_answers(
    four_devices: tuple[Path, str], tmp_path: Path
) -> None:
    """Her leader's device holds both of her shared lines too, and shows one of the
    answers; it never offers him a choice he may not make."""
    template, cid = four_devices
    devices = opened(template, tmp_path)
    question = text_questions(devices["tablet"], cid)[0]
    for name in ("tablet", "office"):
        device = devices[name]
        device.open_draft(cid)
        device.set_answer(cid, question, f"skrevet på {name}")
        device.set_shared(cid, True)
        device.close_draft(cid)
    for _ in range(2):
        for name in EVERY_DEVICE:
            devices[name].sync()
    assert [c.key for c in devices["tablet"].open_conflicts()] == [question]
    leader = devices["leader"]
    anna = devices["tablet"].current_person().id
    shard = leader.unlocked_vault().read_shard(cid)
    assert shard[PREPARATION_TABLE][preparation_id(cid, anna)]["answers"][question] in {
        "skrevet på tablet", "skrevet på office"}
    assert leader.open_conflicts() == []


def test_one_per_records_have_the_id_every_device_derives() -> None:
    cid, anna, mette = new_id(), new_id(), new_id()
    assert preparation_id(cid, anna) == preparation_id(cid, anna) != preparation_id(cid, mette)
    assert len({preparation_id(cid, anna), minutes_id(cid), team_plan_id(cid),
                agreement_id(cid), agreement_id(cid, "earlier"),
                ratings_id(anna, cid, False), ratings_id(anna, cid, True)}) == 7


def test_two_preparations_kept_from_before_are_read_as_one_with_the_clash_shown(
    tmp_path: Path,
) -> None:
    """Old vaults started a preparation with a random id on each device: after a sync
    both are there. The person sees every answer from both, a question both answered
    differently as a conflict, and after settling it every device holds the same."""
    tablet, office, cid = anna_on_two_devices(tmp_path)
    q1, q2, q3 = text_questions(tablet, cid)[1:4]  # the demo answered the first
    tablet.close_draft(cid)
    me = tablet.current_person().id
    for device, answers in ((tablet, {q1: "tablet", q2: "kun på tabletten"}),
                            (office, {q1: "kontor", q3: "kun på kontoret"})):
        old = Preparation(id=new_id(), conversation_id=cid, author=me, answers=answers,
                          shared_with_leader=True)
        device.unlocked_vault().put_record(cid, PREPARATION_TABLE, old.to_dict())
        device.publish(cid, PREPARATION_TABLE, old.to_dict())
    for device in (tablet, office, tablet):
        device.sync()

    for device in (tablet, office):
        seen = visible(device, cid)
        assert seen[q2] == {"kun på tabletten"}
        assert seen[q3] == {"kun på kontoret"}
        assert seen[q1] == {"tablet", "kontor"}
        device.close_draft(cid)
    for device in (office, tablet, office):
        device.sync()
    [clash] = tablet.open_conflicts()
    assert {clash.ours, clash.theirs} == {"tablet", "kontor"}
    tablet.settle(clash, "theirs")  # (keeping "ours" may be offered again elsewhere)
    for device in (tablet, office, tablet):
        device.sync()
    final = []
    for device in (tablet, office):
        seen = visible(device, cid)
        final.append(device.drafts[cid].preparation.answers)
        assert seen[q1] == {clash.theirs}
        assert seen[q2] == {"kun på tabletten"} and seen[q3] == {"kun på kontoret"}
    assert final[0] == final[1]


def test_the_leader_reads_both_preparations_kept_from_before_as_one(tmp_path: Path) -> None:
    tablet, _office, cid = anna_on_two_devices(tmp_path)
    q1, q2 = text_questions(tablet, cid)[1:3]  # the demo answered the first
    tablet.close_draft(cid)
    me = tablet.current_person().id
    for answers in ({q1: "første"}, {q2: "anden"}):
        old = Preparation(id=new_id(), conversation_id=cid, author=me, answers=answers,
                          shared_with_leader=True)
        tablet.unlocked_vault().put_record(cid, PREPARATION_TABLE, old.to_dict())
    meeting = tablet.meetings.load(cid)
    assert {q1: "første", q2: "anden"}.items() <= meeting.preparations[me].answers.items()


def test_a_colleague_cannot_take_the_id_of_someone_elses_preparation() -> None:
    from conversations.directory import Directory, Member
    from conversations.model import Role
    from conversations.rights import refusal

    cid, anna, olga, mette = new_id(), new_id(), new_id(), new_id()
    directory = Directory(version=1, members={
        p: Member(id=p, name=n, roles=frozenset({r})) for p, n, r in (
            (anna, "Anna", Role.EMPLOYEE), (olga, "Olga", Role.EMPLOYEE),
            (mette, "Mette", Role.LEADER))})
    team = {"id": cid, "type": "conversation", "leader_id": mette,
            "participant_ids": [anna, olga]}

    def prep(record_id: str, author: str) -> dict[str, Any]:
        return Preparation(id=record_id, conversation_id=cid, author=author).to_dict()

    def judged(record: dict[str, Any], signer: str) -> str | None:
        return refusal(record, [], team, directory, conversation_id=cid, signer=signer)

    assert judged(prep(preparation_id(cid, olga), olga), olga) is None
    assert judged(prep(new_id(), olga), olga) is None  # an id from before: still hers
    assert judged(prep(preparation_id(cid, anna), olga), olga) == (
        "the id is another person's preparation")
    ratings = {"id": ratings_id(anna, cid, False), "type": "competence_ratings",
               "person_id": olga, "conversation_id": cid, "year": 2027, "ratings": {},
               "by_leader": False, "author": olga, "parents": []}
    assert judged(ratings, olga) == "the id is another person's ratings"


def test_the_blank_a_first_version_merges_against_holds_only_defaults() -> None:
    from conversations.identity import blank

    record = Preparation(id=preparation_id("c", "p"), conversation_id="c", author="p",
                         answers={"q": "x"}).to_dict()
    assert blank(record) == {"id": record["id"], "type": "preparation", "answers": {},
                             "ratings": {}, "shared_with_leader": False}
    assert blank({"id": "x", "type": "conversation"}) is None


# --- many devices, many orders ---------------------------------------------------------


@pytest.fixture(scope="module")
def four_devices(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """Anna's tablet (the demo), her office PC and phone with her keys, and her leader
    Mette's own device; every vault locked. Returns the folder and Anna's MUS."""
    root = tmp_path_factory.mktemp("four")
    tablet = session_on(root / "tablet")
    tablet.create_demo()
    share = tablet.default_share()
    cid = next(s for _, items in tablet.home() for s in items if s.answered).id
    started = tablet.open_draft(cid).preparation  # the demo's: sent, not yet fetched
    tablet.publish(cid, PREPARATION_TABLE, started.to_dict())
    for name in ("office", "phone"):
        second_device_for(tablet, root / name, share).lock()
    leaders_device_for(tablet, root / "leader", share)
    yield root, cid


def opened(template: Path, into: Path) -> dict[str, AppSession]:
    shutil.copytree(template, into, dirs_exist_ok=True)
    share = str(into / "tablet" / "share")
    sessions = {}
    for name in EVERY_DEVICE:
        session = session_on(into / name)
        if name == "tablet":
            anna = next(p.id for p in session.profiles() if p.symbol == 1)
            session.unlock(anna, DEMO_PIN)
        else:
            session.unlock(session.profiles()[0].id, SECOND_PIN)
        session.set_share(share, "", "")
        sessions[name] = session
    return sessions


def cut_sync(session: AppSession, cut_at: int, mode: str) -> None:
    """A sync whose connection to the share drops at its ``cut_at``-th operation."""
    whole = session._open_share()
    assert isinstance(whole, FolderShare)
    cut = CutShare(whole, cut_at=cut_at, mode=mode)
    session._open_share = lambda: cut  # type: ignore[method-assign]
    try:
        session.sync()
    except ShareUnavailable:
        pass
    finally:
        del session._open_share


def steps_on(devices: tuple[str, ...]) -> st.SearchStrategy[list[tuple[str, str, int]]]:
    """Offline edits on the person's ``devices`` and the leader's, syncs in any order,
    and syncs cut at any operation of the share."""
    everyone = (*devices, "leader")
    step = st.one_of(
        st.tuples(st.just("answer"), st.sampled_from(devices), st.integers(0, 2)),
        st.tuples(st.just("share"), st.sampled_from(devices), st.just(0)),
        st.tuples(st.just("note"), st.just("leader"), st.integers(0, 1)),
        st.tuples(st.just("sync"), st.sampled_from(everyone), st.just(0)),
        st.tuples(st.just("cut"), st.sampled_from(everyone), st.integers(1, 60)),
    )
    return st.lists(step, min_size=1, max_size=12)


EXAMPLES = int(os.environ.get("SAMTALE_DEVICE_EXAMPLES", "25"))
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])
CUTS = st.sampled_from(["before", "after", "partial"])
RUNS: dict[str, float] = {"examples": 0, "seconds": 0.0, "conflicts": 0}


@PROPERTY
@given(steps=steps_on(ANNA_DEVICES[:2]), mode=CUTS)
def test_whatever_two_devices_kept_is_shown_and_they_end_alike(
    four_devices: tuple[Path, str], steps: list[tuple[str, str, int]], mode: str
) -> None:
    many_devices(four_devices, steps, mode, ANNA_DEVICES[:2])


@PROPERTY
@given(steps=steps_on(ANNA_DEVICES), mode=CUTS)
def test_whatever_three_devices_kept_is_shown_and_they_end_alike(
    four_devices: tuple[Path, str], steps: list[tuple[str, str, int]], mode: str
) -> None:
    many_devices(four_devices, steps, mode, ANNA_DEVICES)


def many_devices(four_devices: tuple[Path, str], steps: list[tuple[str, str, int]],
                 mode: str, anna_devices: tuple[str, ...]) -> None:
    """Runs ``steps``, then syncs everyone until quiet; afterwards every value a device
    saved and nobody wrote over while seeing it is shown on each of the person's
    devices (as the answer or in a conflict), and they all show the same."""
    template, cid = four_devices
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        devices = opened(template, Path(folder))
        questions = text_questions(devices["tablet"], cid)[:3]
        demo_answer = devices["tablet"].drafts[cid].preparation.answers[questions[0]]
        devices["tablet"].close_draft(cid)
        kept = {(questions[0], demo_answer)}  # what a device saved and said so
        replaced: set[tuple[str, str]] = set()  # what a person then wrote over, seeing it
        notes: dict[str, str] = {}
        for number, (what, name, n) in enumerate(steps):
            device = devices[name]
            if what == "answer":
                question, text = questions[n], f"{name} {number}"
                replaced |= {(question, v) for v in visible(device, cid).get(question, ())}
                answer(device, cid, question, text)
                kept.add((question, text))
            elif what == "share":
                device.open_draft(cid)
                device.set_shared(cid, True)
                device.close_draft(cid)
            elif what == "note":
                meeting = device.meetings.load(cid)
                key = meeting.sheet.themes[n % len(meeting.sheet.themes)].id
                device.meetings.set_note(cid, key, f"referat {number}")
                device.meetings.persist(cid)
                saved = device.meetings.open[cid].saved_minutes
                assert saved is not None and saved.id == minutes_id(cid)
                device.publish(cid, MINUTES_TABLE, saved.to_dict())
                notes[key] = f"referat {number}"
            elif what == "sync":
                device.sync()
            else:
                cut_sync(device, n, mode)
        for _ in range(3):
            for name in (*anna_devices, "leader"):
                devices[name].sync()

        states = []
        for name in anna_devices:
            device = devices[name]
            seen = visible(device, cid)
            for question, text in kept - replaced:
                assert text in seen.get(question, set()), (name, question, text, seen)
            [record] = own_preparations(device, cid)
            assert record["id"] == preparation_id(cid, device.current_person().id)
            # Alike as the person sees it: every question's values, and whether shared.
            # (Which side of an open conflict the answer field shows first may differ:
            # each device merges in the order versions reached it, and a merge with a
            # conflict stays on the device until the person settles it.)
            RUNS["conflicts"] += len(device.open_conflicts())
            states.append(({q: sorted(v) for q, v in seen.items()},
                           device.drafts[cid].preparation.shared_with_leader))
            minutes = device.meetings.load(cid).minutes
            assert notes.items() <= dict(minutes.notes).items()
        assert states[1:] == states[:-1], states
    RUNS["examples"] += 1
    RUNS["seconds"] += time.monotonic() - began
