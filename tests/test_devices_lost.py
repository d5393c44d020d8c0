"""A person's devices over time: two devices added with a code edit one preparation
offline and both end with both answers (over a real Samba share); a lost device's keys
open nothing new once HR approved new keys, its later journal segments are refused and
history stays; someone who left reads nothing new."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conversations import rights, visibility
from conversations.demo import DEMO_PIN
from conversations.model import InputRejected
from services.app import AppSession
from services.devices import Joining
from services.session import Session
from storage.schema import DEVICES_SHARD
from storage.sealing import Identity
from sync.envelope import EnvelopeRejected, open_envelope, read_header
from sync.identity import device_id_of, identity_of
from sync.share import ShareUnavailable
from tests.app_fixtures import LIBRARY, paired_device, session_on
from tests.clock import day_clock
from tests.samba import SambaServer, samba_fixture, samba_server_fixture  # noqa: F401

ANNA, METTE, HENRIK = 1, 6, 2  # the demo's symbols


def other_profile(session: AppSession, symbol: int) -> AppSession:
    """Another demo profile on the same device, in a session of its own."""
    other = AppSession(session.device, LIBRARY, clock=day_clock())
    other.unlock(next(p.id for p in other.profiles() if p.symbol == symbol), DEMO_PIN)
    return other


def annas_mus(session: AppSession) -> str:
    return next(s for _, items in session.home() for s in items if s.answered).id


def text_questions(session: AppSession, cid: str) -> list[str]:
    """The text questions the demo left unanswered (the demo's answers were stored
    without a version history to merge against)."""
    draft = session.open_draft(cid)
    return [q.id for q in draft.sheet.all_questions()
            if q.type.value == "text" and q.id not in draft.preparation.answers]


def answer(session: AppSession, cid: str, question: str, text: str) -> None:
    session.open_draft(cid)
    session.set_answer(cid, question, text)
    session.close_draft(cid)


def answers(session: AppSession, cid: str) -> dict[str, str]:
    session.drafts.pop(cid, None)
    return dict(session.open_draft(cid).preparation.answers)


def test_two_devices_added_with_a_code_keep_both_offline_answers_over_samba(
    samba: SambaServer, tmp_path: Path
) -> None:
    tablet = session_on(tmp_path / "tablet")
    tablet.create_demo()
    shutil.copytree(tablet.default_share(), samba.share_dir / "pairing-demo")
    location = samba.location("pairing-demo")
    tablet.set_share(location, samba.username, samba.password)

    phone = session_on(tmp_path / "phone")
    code = tablet.devices.start_adding()
    joining = Joining(phone.device, phone.clock)
    digits = joining.start(location, samba.username, samba.password, code, "Telefon")
    assert tablet.devices.waiting() == ("Telefon", digits)
    tablet.devices.confirm()
    assert joining.poll()
    joining.finish(phone, "246810", "246810", symbol=3)
    assert phone.share_settings()["location"] == location
    assert not [p for p in (samba.share_dir / "pairing-demo" / "pairing").rglob("*")
                if p.is_file()]

    cid = annas_mus(tablet)
    first, second = text_questions(tablet, cid)[:2]
    answer(tablet, cid, first, "Mere tid til dokumentation")  # both offline: no sync
    answer(phone, cid, second, "Sparring med en kollega")
    for device in (tablet, phone, tablet):
        device.sync()
    for device in (tablet, phone):
        seen = answers(device, cid)
        assert seen[first] == "Mere tid til dokumentation"
        assert seen[second] == "Sparring med en kollega"
        assert device.open_conflicts() == []


def envelopes(share: str) -> set[Path]:
    return {p for p in (Path(share) / "objects").rglob("*") if p.is_file()}


def opened_by(paths: set[Path], person_id: str, identity: Identity, session: AppSession,
              *, besides_device: str) -> int:
    """How many of these envelopes ``identity`` opens (the thief's own left out)."""
    count = 0
    for path in paths:
        blob = path.read_bytes()
        if read_header(blob).device == besides_device:
            continue
        try:
            open_envelope(blob, path.name, session.directory, person_id, identity)
        except EnvelopeRejected:
            continue
        count += 1
    return count


def test_a_lost_devices_keys_open_nothing_new_and_its_later_writes_are_refused(
    tmp_path: Path,
) -> None:
    tablet = session_on(tmp_path / "tablet")
    tablet.create_demo()
    share = tablet.default_share()
    phone = paired_device(tablet, tmp_path / "phone", share)
    cid = annas_mus(tablet)
    first, second, third = text_questions(tablet, cid)[:3]
    answer(phone, cid, first, "Skrevet på telefonen")
    phone.sync()
    tablet.sync()
    before = answers(tablet, cid)
    assert before[first] == "Skrevet på telefonen"
    stolen_keys = identity_of(phone.unlocked_vault())
    stolen = device_id_of(phone.unlocked_vault())
    anna = tablet.current_person().id

    tablet.devices.mark_lost(stolen)
    assert tablet.devices.new_keys_waiting()
    henrik = other_profile(tablet, HENRIK)
    henrik.sync()
    [request] = henrik.join_requests()
    assert request.rekey is not None and request.rekey.lost == (stolen,)
    henrik.decide_join(request, approve=True)
    seen_before = envelopes(share)

    tablet.sync()  # takes the new keys
    assert identity_of(tablet.unlocked_vault()).public() != stolen_keys.public()
    mette = other_profile(tablet, METTE)
    mette.sync()
    mette.office.remind(cid)  # something new for Anna from someone else
    answer(tablet, cid, second, "Skrevet efter tabet")
    for device in (mette, tablet, henrik):
        device.sync()

    answer(phone, cid, third, "Tyven skriver")  # the thief, with the old keys
    with pytest.raises(InputRejected) as shut_out:
        phone.sync()  # the app on the lost phone says it is shut out …
    assert shut_out.value.key == "devices.shut_out"
    Session.sync(phone)  # … and a thief's copy without that check pushes all the same
    report = tablet.sync()
    new = envelopes(share) - seen_before
    assert len(new) >= 3
    assert opened_by(new, anna, stolen_keys, tablet, besides_device=stolen) == 0
    # the thief's push went to the inbox of the old keys, which no device of Anna's reads
    # any more; an entry of it in another inbox would be refused (retired_key)
    assert not any(p.reason != "retired_key" for p in report.inbox_problems)
    after = answers(tablet, cid)
    assert after[first] == "Skrevet på telefonen"  # history stays
    assert after[second] == "Skrevet efter tabet"
    assert third not in after or after[third] == before.get(third)
    assert henrik.directory.member(anna) is not None
    assert stolen in henrik.directory.member(anna).lost_devices()  # type: ignore[union-attr]


def test_history_from_before_the_loss_still_counts_for_a_device_that_reads_it_first(
    tmp_path: Path,
) -> None:
    tablet = session_on(tmp_path / "tablet")
    tablet.create_demo()
    share = tablet.default_share()
    phone = paired_device(tablet, tmp_path / "phone", share)
    cid = annas_mus(tablet)
    question = text_questions(tablet, cid)[0]
    answer(phone, cid, question, "Før tabet")
    phone.sync()
    tablet.sync()
    tablet.devices.mark_lost(device_id_of(phone.unlocked_vault()))
    henrik = other_profile(tablet, HENRIK)
    henrik.sync()
    [request] = henrik.join_requests()
    henrik.decide_join(request, approve=True)
    tablet.sync()
    office = paired_device(tablet, tmp_path / "office", share, name="Kontor")
    office.unlocked_vault().put_meta("sync.cursors", {})
    report = office.sync()
    assert not [p for p in report.inbox_problems if p.reason != "moved"]
    assert answers(office, cid)[question] == "Før tabet"


def test_someone_who_left_reads_nothing_new(tmp_path: Path) -> None:
    tablet = session_on(tmp_path / "tablet")
    tablet.create_demo()
    share = tablet.default_share()
    anna = tablet.current_person().id
    anna_keys = identity_of(tablet.unlocked_vault())
    henrik = other_profile(tablet, HENRIK)
    henrik.sync()
    henrik.remove_member(anna)  # HR, on the organisation screen
    assert henrik.directory.member(anna) is None
    seen_before = envelopes(share)
    mette = other_profile(tablet, METTE)
    mette.sync()
    mette.office.remind(annas_mus(tablet))
    mette.sync()
    tablet.sync()
    new = envelopes(share) - seen_before
    assert new
    assert opened_by(new, anna, anna_keys, mette, besides_device="") == 0
    assert tablet.directory.member(anna) is not None  # her device keeps what it had


def test_hr_removes_nobody_by_mistake_and_only_hr_removes(tmp_path: Path) -> None:
    tablet = session_on(tmp_path / "tablet")
    tablet.create_demo()
    anna = tablet.current_person().id
    henrik, mette = other_profile(tablet, HENRIK), other_profile(tablet, METTE)
    henrik.sync()
    before = henrik.directory.version
    for who, person, key in ((henrik, henrik.current_person().id, "error.remove_self"),
                             (henrik, "f" * 32, "error.member_unknown"),
                             (mette, anna, "error.not_org_keeper")):
        with pytest.raises(InputRejected) as refused:
            who.remove_member(person)
        assert refused.value.key == key
    assert henrik.directory.version == before
    assert [m.name for m in henrik.members_matching("SØR")] == ["Anna Sørensen"]
    assert henrik.members_matching("  ") == []
    assert len(henrik.members_matching("e", most=3)) == 3


def test_without_the_old_device_hr_gives_the_person_new_keys_and_shuts_the_old_out(
    tmp_path: Path,
) -> None:
    tablet = session_on(tmp_path / "tablet")
    tablet.create_demo()
    share = tablet.default_share()
    anna = tablet.current_person().id
    old_keys = identity_of(tablet.unlocked_vault())
    old_device = device_id_of(tablet.unlocked_vault())
    tablet.sync()

    new = session_on(tmp_path / "new-phone")
    new.create_profile("Anna Sørensen", "246810", "246810", leader=False, symbol=1)
    new.set_share(share, "", "")
    new.request_to_join(new.find_organisation(), "", "")
    henrik = other_profile(tablet, HENRIK)
    henrik.sync()
    [request] = henrik.join_requests()
    assert request.replaces is None and request.rekey is None  # a newcomer, as far as HR sees
    henrik.devices.approve_as(request, anna)
    assert henrik.join_requests() == []
    listed = henrik.directory.member(anna)
    assert listed is not None and listed.sign_key == identity_of(new.unlocked_vault()).public().sign
    assert listed.retired[0].lost == (old_device,)
    assert listed.roles == tablet.current_person().roles

    seen_before = envelopes(share)
    new.sync()
    assert new.current_person().id == anna
    assert new.directory.member(anna) == listed
    mette = other_profile(tablet, METTE)
    mette.sync()
    mette.office.remind(annas_mus(tablet))
    mette.sync()
    answer(tablet, annas_mus(tablet), text_questions(tablet, annas_mus(tablet))[0], "Gammel")
    with pytest.raises(InputRejected):
        tablet.sync()  # the old device says it is shut out
    Session.sync(tablet)  # pushed all the same, its new segment is refused
    report = henrik.sync()  # nothing of it is for HR, so HR reads none of it
    assert not any(p.reason != "retired_key" for p in report.inbox_problems)
    new_envelopes = envelopes(share) - seen_before
    assert opened_by(new_envelopes, anna, old_keys, henrik, besides_device=old_device) == 0


def test_hr_lists_a_device_added_with_a_code_once_its_journal_is_the_persons(
    tmp_path: Path,
) -> None:
    tablet = session_on(tmp_path / "tablet")
    tablet.create_demo()
    phone = paired_device(tablet, tmp_path / "phone", tablet.default_share())
    anna = tablet.current_person().id
    phone_id = device_id_of(phone.unlocked_vault())
    henrik = other_profile(tablet, HENRIK)
    henrik.sync()
    assert phone_id not in henrik.directory.members[anna].devices  # nothing from it yet
    tablet.sync()  # the device entries go out
    answer(phone, annas_mus(phone), text_questions(phone, annas_mus(phone))[0], "Fra telefonen")
    phone.sync()
    henrik.sync()
    assert phone_id in henrik.directory.members[anna].devices
    tablet.sync()
    assert phone_id in tablet.directory.members[anna].devices
    names = {e.name for e in henrik.devices.entries()}  # HR's own, not Anna's
    assert "Telefon" not in names


def test_a_persons_device_records_reach_them_and_hr_only(tmp_path: Path) -> None:
    tablet = session_on(tmp_path / "tablet")
    tablet.create_demo()
    tablet.devices.ensure_listed("Tablet")
    [entry] = tablet.devices.entries()
    readers = visibility.readers(entry.to_dict(), None, tablet.directory)
    assert readers == {tablet.current_person().id} | tablet.directory.hr_ids()
    anna = tablet.current_person().id
    mette = next(m.id for m in tablet.directory.members.values() if m.name == "Mette Holm")
    forged = entry.revised(author=mette, name="Mettes").to_dict()
    assert rights.refusal(forged, [entry.to_dict()], None, tablet.directory,
                          conversation_id=DEVICES_SHARD, signer=mette) is not None
    own = entry.revised(name="Tablet i bilen").to_dict()
    assert rights.refusal(own, [entry.to_dict()], None, tablet.directory,
                          conversation_id=DEVICES_SHARD, signer=anna) is None


def test_a_samba_share_cut_mid_pairing_changes_nothing_and_the_pairing_goes_on(
    samba: SambaServer, tmp_path: Path
) -> None:
    tablet = session_on(tmp_path / "tablet")
    tablet.create_demo()
    shutil.copytree(tablet.default_share(), samba.share_dir / "pairing-cut")
    location = samba.location("pairing-cut")
    tablet.set_share(location, samba.username, samba.password)
    phone = session_on(tmp_path / "phone")
    code = tablet.devices.start_adding()
    joining = Joining(phone.device, phone.clock)
    joining.start(location, samba.username, samba.password, code, "Telefon")
    assert tablet.devices.waiting() is not None
    entries = tablet.devices.entries()
    samba.stop()
    try:
        with pytest.raises(ShareUnavailable):
            tablet.devices.confirm()
        with pytest.raises(ShareUnavailable):
            joining.poll()
    finally:
        samba.start()
    assert phone.profiles() == []
    assert tablet.devices.entries() == entries
    tablet.devices.confirm()
    assert joining.poll()
    joining.finish(phone, "246810", "246810", symbol=3)
    assert phone.current_person() == tablet.current_person()


def test_once_new_keys_are_approved_a_second_request_for_the_old_ones_is_refused(
    tmp_path: Path,
) -> None:
    tablet = session_on(tmp_path / "tablet")
    tablet.create_demo()
    phone = paired_device(tablet, tmp_path / "phone", tablet.default_share())
    tablet.devices.mark_lost(device_id_of(phone.unlocked_vault()))
    phone.devices.mark_lost(device_id_of(tablet.unlocked_vault()))  # the thief does the same
    henrik = other_profile(tablet, HENRIK)
    henrik.sync()
    requests = henrik.join_requests()
    assert len(requests) == 2
    ours = next(r for r in requests if r.device == device_id_of(tablet.unlocked_vault()))
    theirs = next(r for r in requests if r is not ours)
    henrik.decide_join(ours, approve=True)
    assert henrik.join_requests() == []  # the other is out of date: no longer offered
    with pytest.raises(InputRejected) as stale:
        henrik.decide_join(theirs, approve=True)
    assert stale.value.key == "error.rekey_stale"


def test_a_request_for_new_keys_hr_refuses_is_told_once_and_the_device_goes_on(
    tmp_path: Path,
) -> None:
    tablet = session_on(tmp_path / "tablet")
    tablet.create_demo()
    phone = paired_device(tablet, tmp_path / "phone", tablet.default_share())
    keys = identity_of(tablet.unlocked_vault()).public()
    tablet.devices.mark_lost(device_id_of(phone.unlocked_vault()))
    henrik = other_profile(tablet, HENRIK)
    henrik.sync()
    [request] = henrik.join_requests()
    henrik.decide_join(request, approve=False)
    with pytest.raises(InputRejected) as told:
        tablet.sync()
    assert told.value.key == "devices.new_keys_refused"
    assert not tablet.devices.new_keys_waiting()
    cid = annas_mus(tablet)
    answer(tablet, cid, text_questions(tablet, cid)[0], "Skrevet efter afslaget")
    tablet.sync()  # goes on with the keys it has
    assert identity_of(tablet.unlocked_vault()).public() == keys
    phone.sync()
    assert "Skrevet efter afslaget" in answers(phone, cid).values()


def test_a_refusal_nobody_in_hr_signed_changes_nothing(tmp_path: Path) -> None:
    tablet = session_on(tmp_path / "tablet")
    tablet.create_demo()
    phone = paired_device(tablet, tmp_path / "phone", tablet.default_share())
    tablet.devices.mark_lost(device_id_of(phone.unlocked_vault()))
    waiting = tablet.unlocked_vault().get_meta("new_keys")
    assert waiting is not None
    request = waiting["request"]
    refused = Path(tablet.default_share()) / "organisation" / "refused"
    refused.mkdir(parents=True, exist_ok=True)
    (refused / request).write_bytes(b"a colleague's forged refusal")
    with pytest.raises(InputRejected) as told:
        tablet.sync()
    assert told.value.key == "devices.waiting_for_hr"
    assert tablet.devices.new_keys_waiting()
