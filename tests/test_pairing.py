"""Adding a device with a one-time code (``sync.pairing``, ``services.devices``): the
new device gets the person's keys and records and works offline at once; a wrong or
expired code, a bundle for another device, a changed byte or a share that goes away
mid-pairing changes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from conversations.model import InputRejected
from services.app import AppSession
from services.clock import Clock
from services.devices import Joining
from storage.schema import DEVICES_SHARD
from storage.sealing import KdfParams, new_identity
from sync import pairing
from sync.folder import FolderShare
from sync.identity import device_id_of, identity_of
from sync.pairing import BundleRejected, CodeExpired, NotForThisDevice, WrongCode
from sync.share import ShareUnavailable
from tests.app_fixtures import paired_device, session_on

PIN = "246810"


def demo_tablet(tmp: Path) -> tuple[AppSession, str]:
    tablet = session_on(tmp / "tablet")
    tablet.create_demo()
    return tablet, tablet.default_share()


def conversations_of(session: AppSession) -> dict[str, dict[str, dict[str, Any]]]:
    """Every shard but the devices' (the old device records the new one after sending)."""
    vault = session.unlocked_vault()
    return {sid: vault.read_shard(sid) for sid in vault.shard_ids() if sid != DEVICES_SHARD}


def test_a_device_added_with_the_code_has_the_persons_keys_and_records(tmp_path: Path) -> None:
    tablet, share = demo_tablet(tmp_path)
    phone = paired_device(tablet, tmp_path / "phone", share)
    assert identity_of(phone.unlocked_vault()).public() == identity_of(
        tablet.unlocked_vault()).public()
    assert device_id_of(phone.unlocked_vault()) != device_id_of(tablet.unlocked_vault())
    assert phone.current_person() == tablet.current_person()
    assert conversations_of(phone) == conversations_of(tablet)
    assert phone.home() == tablet.home()
    assert phone.organisation() == tablet.organisation()
    names = {e.name for e in tablet.devices.entries()}
    assert "Telefon" in names


def test_the_pairing_files_are_gone_afterwards(tmp_path: Path) -> None:
    tablet, share = demo_tablet(tmp_path)
    paired_device(tablet, tmp_path / "phone", share)
    folder = FolderShare(share)
    assert all(folder.list(f"pairing/{slot}") == [] for slot in folder.list("pairing"))


def test_the_new_device_works_offline_at_once(tmp_path: Path) -> None:
    tablet, share = demo_tablet(tmp_path)
    phone = paired_device(tablet, tmp_path / "phone", share)
    Path(share).rename(tmp_path / "away")
    cid = next(s for _, items in phone.home() for s in items if s.answered).id
    draft = phone.open_draft(cid)
    question = next(q.id for q in draft.sheet.all_questions() if q.type.value == "text")
    phone.set_answer(cid, question, "Skrevet i toget")
    phone.close_draft(cid)
    phone.drafts.clear()
    assert phone.open_draft(cid).preparation.answers[question] == "Skrevet i toget"


def new_joining(tmp: Path, clock: Clock | None = None) -> tuple[AppSession, Joining]:
    new = session_on(tmp / "phone")
    return new, Joining(new.device, clock or new.clock)


def nothing_made(new: AppSession) -> bool:
    return new.profiles() == []


def test_a_wrong_code_is_told_and_changes_nothing(tmp_path: Path) -> None:
    tablet, share = demo_tablet(tmp_path)
    code = tablet.devices.start_adding()
    new, joining = new_joining(tmp_path)
    wrong = ("Z" if code[0] != "Z" else "Y") + code[1:]
    with pytest.raises(WrongCode):
        joining.start(share, "", "", wrong, "Telefon")
    with pytest.raises(WrongCode):
        joining.start(share, "", "", "not a code", "Telefon")
    assert tablet.devices.waiting() is None
    assert nothing_made(new)


def test_an_expired_code_is_told_and_changes_nothing(tmp_path: Path) -> None:
    tablet, share = demo_tablet(tmp_path)
    code = tablet.devices.start_adding()
    later = Clock.frozen(tablet.clock.now() + pairing.CODE_VALID + dt.timedelta(minutes=1))
    new, joining = new_joining(tmp_path, later)
    with pytest.raises(CodeExpired):
        joining.start(share, "", "", code, "Telefon")
    assert nothing_made(new)


def test_the_old_device_refuses_to_send_once_the_code_expired(tmp_path: Path) -> None:
    tablet, share = demo_tablet(tmp_path)
    code = tablet.devices.start_adding()
    _, joining = new_joining(tmp_path)
    joining.start(share, "", "", code, "Telefon")
    adding = tablet.devices.adding
    assert adding is not None
    adding.expires = tablet.clock.now() - dt.timedelta(seconds=1)
    with pytest.raises(InputRejected) as refused:
        tablet.devices.confirm()
    assert refused.value.key == "error.pairing_expired"
    assert not (Path(share) / "pairing" / adding.place.slot / "bundle").exists()


def started(tmp: Path, *, drive: bool = False,
            ) -> tuple[AppSession, str, AppSession, Joining, pairing.Rendezvous]:
    """A pairing up to the six digits; ``drive``: over a network drive's folder rather
    than the demo's local share (which the app makes again when it is missing)."""
    tablet, share = demo_tablet(tmp)
    if drive:
        share = str(tmp / "drive")
        Path(share).mkdir()
        tablet.set_share(share, "", "")
    code = tablet.devices.start_adding()
    new, joining = new_joining(tmp)
    joining.start(share, "", "", code, "Telefon")
    assert tablet.devices.waiting() is not None
    adding = tablet.devices.adding
    assert adding is not None
    return tablet, share, new, joining, adding.place


def test_a_tampered_bundle_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    tablet, share, new, joining, place = started(tmp_path)
    tablet.devices.confirm()
    path = Path(share) / place.path("bundle")
    blob = bytearray(path.read_bytes())
    for position in (10, len(blob) // 2, len(blob) - 1):
        changed = bytearray(blob)
        changed[position] ^= 1
        path.unlink()
        path.write_bytes(bytes(changed))
        with pytest.raises(BundleRejected):
            joining.poll()
    assert nothing_made(new)


def test_a_bundle_for_another_device_is_refused(tmp_path: Path) -> None:
    tablet, _, new, joining, _ = started(tmp_path)
    tablet.devices.confirm()
    joining.device_id = "0" * 32
    with pytest.raises(NotForThisDevice):
        joining.poll()
    assert nothing_made(new)


def test_a_bundle_signed_by_someone_else_is_refused(tmp_path: Path) -> None:
    _, share, new, joining, place = started(tmp_path)
    request = pairing.read_request(FolderShare(share), place)
    assert request is not None
    stranger = new_identity()
    pairing.write_bundle(FolderShare(share), place, request, stranger,
                         {"identity": pairing.identity_text(stranger)})
    with pytest.raises(BundleRejected):
        joining.poll()
    assert nothing_made(new)


def test_a_share_cut_mid_pairing_changes_nothing_and_can_go_on(tmp_path: Path) -> None:
    tablet, share, new, joining, _ = started(tmp_path, drive=True)
    entries = tablet.devices.entries()
    Path(share).rename(tmp_path / "away")
    with pytest.raises(ShareUnavailable):
        tablet.devices.confirm()
    with pytest.raises(ShareUnavailable):
        joining.poll()
    assert nothing_made(new)
    assert tablet.devices.entries() == entries
    (tmp_path / "away").rename(share)
    tablet.devices.confirm()
    assert joining.poll()
    joining.finish(new, PIN, PIN, symbol=3)
    assert new.current_person() == tablet.current_person()


def test_the_new_pin_is_checked_before_anything_is_made(tmp_path: Path) -> None:
    tablet, _, new, joining, _ = started(tmp_path)
    tablet.devices.confirm()
    assert joining.poll()
    with pytest.raises(InputRejected):
        joining.finish(new, "12", "12", symbol=3)
    with pytest.raises(InputRejected):
        joining.finish(new, PIN, PIN + "x", symbol=3)
    assert nothing_made(new)


def test_the_six_digits_differ_for_another_devices_key() -> None:
    place = pairing.rendezvous("7QMK-3XHD", KdfParams.FAST_FOR_TESTS)
    one, two = new_identity().public().enc, new_identity().public().enc
    assert pairing.confirmation(place, one) != pairing.confirmation(place, two)
    assert pairing.rendezvous("7qmk 3xhd", KdfParams.FAST_FOR_TESTS) == place


def test_the_code_and_the_slot_say_nothing_of_each_other() -> None:
    code = pairing.new_code()
    place = pairing.rendezvous(code, KdfParams.FAST_FOR_TESTS)
    assert code.replace("-", "").lower() not in place.slot
    assert len(place.slot) == 32


def test_someone_who_answers_the_code_first_is_caught_by_the_six_digits(tmp_path: Path) -> None:
    tablet, share = demo_tablet(tmp_path)
    code = tablet.devices.start_adding()
    _, mine = new_joining(tmp_path)
    digits_on_mine = mine.start(share, "", "", code, "Telefon")
    snoop = Joining(session_on(tmp_path / "snoop").device, tablet.clock)
    digits_on_theirs = snoop.start(share, "", "", code, "Telefon")
    shown = tablet.devices.waiting()
    assert shown is not None
    assert shown[1] == digits_on_theirs != digits_on_mine  # the person sees they differ
    tablet.devices.cancel()
    assert not snoop.poll()
    assert not (Path(share) / "pairing" / tablet_slot(code)).exists() or not any(
        (Path(share) / "pairing" / tablet_slot(code)).iterdir())


def tablet_slot(code: str) -> str:
    return pairing.rendezvous(code, KdfParams.FAST_FOR_TESTS).slot


def test_nothing_readable_reaches_the_share_or_the_new_devices_disk(tmp_path: Path) -> None:
    tablet, share = demo_tablet(tmp_path)
    code = tablet.devices.start_adding()
    new, joining = new_joining(tmp_path)
    joining.start(share, "", "", code, "Telefon")
    tablet.devices.waiting()
    tablet.devices.confirm()
    on_share = [p.read_bytes() for p in (Path(share) / "pairing").rglob("*") if p.is_file()]
    assert len(on_share) == 3  # offer, request, bundle: before the new device took it
    assert joining.poll()
    joining.finish(new, PIN, PIN, symbol=3)
    written = on_share + [p.read_bytes() for p in (tmp_path / "phone").rglob("*")
                          if p.is_file()]
    for secret in ("Anna Sørensen", "Genoptræning", "Telefon", code, code.replace("-", "")):
        assert not any(secret.encode() in blob for blob in written), secret
