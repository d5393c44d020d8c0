"""With no device of hers left, a person gets her keys back on a new one with her
recovery code: her conversations come back from the share, the lost device can then be
reported and shut out; a wrong, mistyped or damaged code changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from conversations.model import InputRejected
from services.app import AppSession
from services.devices import Recovering
from services.session import remember_recovery_place
from storage.schema import CONVERSATION_TABLE, RECOVERY_PLACE_KEY
from storage.sealing import new_recovery_code
from sync.folder import FolderShare
from sync.identity import device_id_of, identity_of
from sync.recovery import NoRecovery, entries, recovery_place
from tests.app_fixtures import session_on
from tests.test_devices_lost import (
    HENRIK,
    METTE,
    annas_mus,
    answer,
    answers,
    other_profile,
    text_questions,
)

NEW_PIN = "135792"


def anna_with_code(tmp: Path) -> tuple[AppSession, str, str]:
    """The demo on Anna's tablet, her recovery place remembered as setup does, one
    answer of hers written and synced. Returns the tablet, her code and her MUS."""
    tablet = session_on(tmp / "tablet")
    tablet.create_demo()
    code = new_recovery_code()
    remember_recovery_place(tablet.unlocked_vault(), code)
    cid = annas_mus(tablet)
    mette = other_profile(tablet, METTE)  # her leader sends the conversation out
    held = mette.unlocked_vault().read_shard(cid)[CONVERSATION_TABLE][cid]
    mette.publish(cid, CONVERSATION_TABLE, held)
    mette.sync()
    answer(tablet, cid, text_questions(tablet, cid)[0], "Mere tid til dokumentation")
    tablet.sync()
    return tablet, code, cid


def test_a_new_profile_remembers_where_its_recovery_code_keeps_its_keys(
    tmp_path: Path,
) -> None:
    session = session_on(tmp_path / "phone")
    code = session.create_profile("Birgitte Holm", "246810", "246810", leader=False,
                                  symbol=4)
    kept = session.unlocked_vault().get_meta(RECOVERY_PLACE_KEY)
    assert kept == recovery_place(code).to_dict()
    assert code.replace("-", "") not in str(kept)  # the place, never the code


def test_a_new_device_with_the_recovery_code_is_the_person_again_with_her_history(
    tmp_path: Path,
) -> None:
    tablet, code, cid = anna_with_code(tmp_path)
    share = Path(tablet.default_share())
    written = [p for p in (share / "recovery").rglob("*") if p.is_file()]
    assert len(written) == 1
    assert b"Anna" not in written[0].read_bytes()

    phone = session_on(tmp_path / "phone")
    recovering = Recovering(phone.device)
    assert recovering.start(str(share), "", "", code) == "Anna Sørensen"
    new_code = recovering.finish(phone, NEW_PIN, NEW_PIN, symbol=1)
    assert new_code != code
    assert identity_of(phone.unlocked_vault()).public() == \
        identity_of(tablet.unlocked_vault()).public()
    assert device_id_of(phone.unlocked_vault()) != device_id_of(tablet.unlocked_vault())
    phone.sync()
    assert "Mere tid til dokumentation" in answers(phone, cid).values()
    # The old code no longer finds anything; the new one does after the phone's sync.
    with pytest.raises(NoRecovery):
        Recovering(session_on(tmp_path / "third").device).start(str(share), "", "", code)
    assert entries(FolderShare(str(share)), recovery_place(new_code)) == [1]


def test_after_recovering_the_lost_device_is_reported_and_opens_nothing_new(
    tmp_path: Path,
) -> None:
    tablet, code, cid = anna_with_code(tmp_path)
    share = tablet.default_share()
    lost = device_id_of(tablet.unlocked_vault())
    phone = session_on(tmp_path / "phone")
    recovering = Recovering(phone.device)
    recovering.start(share, "", "", code)
    recovering.finish(phone, NEW_PIN, NEW_PIN, symbol=1)
    phone.sync()
    phone.devices.mark_lost(lost)
    henrik = other_profile(tablet, HENRIK)
    henrik.sync()
    [request] = henrik.join_requests()
    assert request.rekey is not None and request.rekey.lost == (lost,)
    henrik.decide_join(request, approve=True)
    phone.sync()  # takes the new keys
    assert identity_of(phone.unlocked_vault()).public() != \
        identity_of(tablet.unlocked_vault()).public()
    answer(phone, cid, text_questions(phone, cid)[1], "Skrevet efter tabet")
    phone.sync()
    assert "Skrevet efter tabet" in answers(phone, cid).values()


@pytest.mark.parametrize("typed", ["", "ikke en kode", "K7QM-3XHD"])
def test_something_that_is_not_a_recovery_code_is_told_and_changes_nothing(
    tmp_path: Path, typed: str
) -> None:
    tablet, _code, _cid = anna_with_code(tmp_path)
    phone = session_on(tmp_path / "phone")
    with pytest.raises(InputRejected) as told:
        Recovering(phone.device).start(tablet.default_share(), "", "", typed)
    assert told.value.key == "error.recovery_code_bad"
    assert phone.profiles() == []


def test_a_wrong_code_or_a_damaged_entry_finds_nothing_and_changes_nothing(
    tmp_path: Path,
) -> None:
    tablet, code, _cid = anna_with_code(tmp_path)
    phone = session_on(tmp_path / "phone")
    with pytest.raises(NoRecovery):
        Recovering(phone.device).start(tablet.default_share(), "", "", new_recovery_code())
    [entry] = [p for p in (Path(tablet.default_share()) / "recovery").rglob("*")
               if p.is_file()]
    damaged = bytearray(entry.read_bytes())
    damaged[-1] ^= 1
    entry.write_bytes(bytes(damaged))
    with pytest.raises(NoRecovery):
        Recovering(phone.device).start(tablet.default_share(), "", "", code)
    assert phone.profiles() == []
