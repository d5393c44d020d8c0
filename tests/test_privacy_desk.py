"""Retention, a person's own export, the erasure request and the audit trail, through
the session on one tablet with the demo organisation; and deleting a shard durably."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

import storage.vault
from conversations import demo
from conversations.model import Conversation, InputRejected, Kind, State
from services.app import AppSession
from services.privacy_desk import PrivacyDesk, parse_years
from storage.schema import AUDIT_KEY
from tests.app_fixtures import first_text_question, session_on
from tests.clock import NOW, TODAY, frozen_clock
from tests.test_meeting import switch
from tests.vault_fixtures import (
    PIN,
    conversation_id,
    make_device,
    new_vault,
    preparation,
    shard_path,
)

ORG = demo.organisation()
ANNA, METTE = ORG.employees[0], ORG.leader
ANNA_SECRET = "Anna skriver kun til sig selv om sin ryg"
METTE_OWN = "Mettes egne stikord til samtalen"
_ID = re.compile(r"[0-9a-f]{32}")


# --- Vault.delete_shard ------------------------------------------------------------------


def test_a_deleted_shard_is_gone_from_disk_index_and_memory_after_reopening(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = tmp_path / "data"
    device = make_device(root)
    vault, _code = new_vault(device)
    doomed, kept = conversation_id(), conversation_id()
    for cid in (doomed, kept):
        vault.put_record(cid, "preparations", preparation("r-" + cid[:6]))
    vault.put_index({doomed: {"kind": "MUS"}, kept: {"kind": "MUS"}})
    assert vault.read_shard(doomed)  # decrypted and cached in memory
    synced: list[Path] = []
    real_sync = storage.files.sync_folder

    def recording(folder: Path) -> None:
        synced.append(folder)
        real_sync(folder)

    monkeypatch.setattr(storage.vault, "sync_folder", recording)
    path = shard_path(root, vault, doomed)

    vault.delete_shard(doomed)

    assert not path.exists()
    assert synced == [path.parent]  # the unlink was made durable by a folder fsync
    assert vault.read_shard(doomed) == {}  # not served from the cache either
    vault.lock()
    reopened = device.unlock(vault.id, PIN)
    assert reopened.shard_ids() == [kept]
    assert set(reopened.index()) == {kept}
    assert reopened.read_shard(doomed) == {}
    assert reopened.read_shard(kept)


def test_deleting_a_shard_that_is_already_gone_only_clears_the_index(tmp_path: Path) -> None:
    vault, _code = new_vault(make_device(tmp_path / "data"))
    cid = conversation_id()
    vault.put_index({cid: {"kind": "MUS"}})
    vault.delete_shard(cid)
    assert vault.index() == {}
    with pytest.raises(ValueError):
        vault.delete_shard("../index")


# --- the demo with old conversations ------------------------------------------------------


def old_conversation(planned: dt.date, state: State, **fields: object) -> Conversation:
    return Conversation(
        kind=Kind.MUS, sheet_id="mus", sheet_version=1, leader_id=METTE.id,
        participant_ids=(ANNA.id,), planned_at=dt.datetime.combine(planned, dt.time(10)),
        state=state, author=METTE.id, **fields,  # type: ignore[arg-type]
    )


@pytest.fixture
def mette(tmp_path: Path) -> AppSession:
    session = session_on(tmp_path)
    session.clock = frozen_clock()
    session.create_demo()
    switch(session, 6)
    return session


def with_old_conversations(session: AppSession) -> tuple[str, str]:
    """An old held MUS (three years ago) and an older one still agreed with its
    follow-up open; returns their ids."""
    held = old_conversation(TODAY - dt.timedelta(days=3 * 365 + 200), State.HELD)
    agreed_on = TODAY - dt.timedelta(days=6 * 365)
    agreed = old_conversation(agreed_on, State.AGREED,
                              follow_up_due=agreed_on + dt.timedelta(days=180))
    for conversation in (held, agreed):
        session.store_conversation(conversation, [])
    return held.id, agreed.id


def test_the_preview_lists_old_conversations_but_never_an_agreed_one_with_open_follow_up(
    mette: AppSession,
) -> None:
    held, agreed = with_old_conversations(mette)
    desk = PrivacyDesk(mette)
    assert [item.conversation_id for item in desk.preview(1)] == [held]
    assert [item.conversation_id for item in desk.preview(3)] == [held]
    assert desk.preview(4) == []
    for years in range(1, 11):
        assert agreed not in {item.conversation_id for item in desk.preview(years)}


def test_deleting_the_previewed_conversations_removes_them_and_keeps_the_rest(
    mette: AppSession,
) -> None:
    held, agreed = with_old_conversations(mette)
    before = set(mette.unlocked_vault().shard_ids())
    desk = PrivacyDesk(mette)

    assert desk.delete(desk.preview(1)) == 1

    vault = mette.unlocked_vault()
    assert set(vault.shard_ids()) == before - {held}
    assert held not in vault.index() and agreed in vault.index()
    assert [(e["action"], e["subject_id"], e["count"]) for e in desk.audit()] == [
        ("retention_delete", held, 1)]


def test_an_employee_may_not_apply_the_retention_rule(mette: AppSession) -> None:
    switch(mette, 1)
    desk = PrivacyDesk(mette)
    assert not desk.may_retain()
    with pytest.raises(InputRejected) as caught:
        desk.preview(5)
    assert caught.value.key == "error.retention_not_allowed"


@pytest.mark.parametrize("typed", ["", "0", "11", "fem", "2.5", "-1"])
def test_a_retention_period_outside_one_to_ten_whole_years_is_refused(typed: str) -> None:
    with pytest.raises(InputRejected) as caught:
        parse_years(typed)
    assert caught.value.key == "error.retention_years"
    assert parse_years(" 7 ") == 7


# --- my own data -----------------------------------------------------------------------------


def mus_with_both_preparations(session: AppSession) -> str:
    """Anna writes her demo MUS preparation (one private answer) and shares it; Mette
    writes her own private preparation for the same MUS. Ends as Mette."""
    switch(session, 1)
    cid = next(s.id for _, items in session.home() for s in items
               if s.kind is Kind.MUS and s.answered)
    session.open_draft(cid)
    session.set_answer(cid, first_text_question(session, cid), ANNA_SECRET)
    session.set_shared(cid, True)
    session.close_draft(cid)
    session.sync()
    switch(session, 6)
    session.open_draft(cid)
    session.set_answer(cid, first_text_question(session, cid), METTE_OWN)
    session.close_draft(cid)
    return cid


def test_my_export_holds_my_own_records_and_pdfs_but_no_one_elses_preparation(
    mette: AppSession,
) -> None:
    cid = mus_with_both_preparations(mette)
    shard = mette.unlocked_vault().read_shard(cid)
    assert any(p["author"] == ANNA.id for p in shard["preparations"].values())  # it is here

    archive = zipfile.ZipFile(io.BytesIO(PrivacyDesk(mette).export_mine()))

    data = json.loads(archive.read("data.json"))
    assert data["person_id"] == METTE.id
    records = data["records"]
    assert [p["author"] for p in records["preparation"]] == [METTE.id]
    assert METTE_OWN in json.dumps(records["preparation"], ensure_ascii=False)
    assert [r["id"] for r in records["person"]] == [METTE.id]
    assert cid in {c["id"] for c in records["conversation"]}
    assert ANNA_SECRET not in archive.read("data.json").decode()
    pdfs = [name for name in archive.namelist() if name.endswith(".pdf")]
    assert any(name.endswith("-samtale.pdf") for name in pdfs)
    assert all(archive.read(name).startswith(b"%PDF") for name in pdfs)


def test_the_audit_trail_holds_ids_actions_counts_and_times_only(mette: AppSession) -> None:
    mus_with_both_preparations(mette)
    held, _agreed = with_old_conversations(mette)
    desk = PrivacyDesk(mette)
    desk.export_mine()
    erased, kept = desk.request_erasure()
    desk.delete(desk.preview(1))

    assert erased >= 1 and kept >= 1  # her own preparation; her conversations
    trail = desk.audit()
    assert sorted(e["action"] for e in trail) == ["erasure", "erasure_request", "export",
                                                  "retention_delete"]
    assert {e["subject_id"] for e in trail} == {METTE.id, held}
    for entry in trail:
        assert set(entry) == {"at", "actor_id", "action", "subject_id", "count"}
        assert entry["actor_id"] == METTE.id and _ID.fullmatch(entry["subject_id"])
        assert isinstance(entry["count"], int)
        assert dt.datetime.fromisoformat(entry["at"]) == NOW
    stored = json.dumps(mette.unlocked_vault().get_meta(AUDIT_KEY), ensure_ascii=False)
    for text in (METTE.name, ANNA.name, METTE_OWN, ANNA_SECRET, "Holm", "Sørensen"):
        assert text not in stored


def test_an_erasure_request_empties_only_the_persons_own_content_and_counts_the_kept(
    mette: AppSession,
) -> None:
    switch(mette, 1)
    vault = mette.unlocked_vault()
    before = {cid: vault.read_shard(cid) for cid in vault.shard_ids()}
    desk = PrivacyDesk(mette)
    erased, kept = desk.request_erasure()
    # her started MUS preparation and the demo's self-assessment from last year
    assert erased == 2 and kept >= 1
    after = {cid: vault.read_shard(cid) for cid in vault.shard_ids()}
    for cid, tables in before.items():
        assert after[cid].get("conversation") == tables.get("conversation")
        for prep in after[cid].get("preparations", {}).values():
            assert prep["answers"] == {} and prep["ratings"] == {}
    assert sorted(e["action"] for e in desk.audit()) == ["erasure", "erasure_request"]
