"""The sync engine between vaults over one folder share: what arrives where, what does not,
concurrent edits, clocks, and envelopes that must be turned away."""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path
from typing import Any

import pytest

from conversations.directory import Directory, Policy
from conversations.merge import resolve, version_of
from conversations.model import Agreement, Goal, Role, Signature
from conversations.visibility import readers
from storage import sealing
from storage.schema import CONFLICTS_TABLE, OUTBOX_KEY
from sync.engine import SyncEngine
from sync.envelope import EnvelopeRejected, digest_of, object_path, open_envelope, seal_envelope
from sync.folder import FolderShare
from sync.identity import device_id_of, identity_of, install_identity
from sync.inbox import entry_path, inbox_folder, inbox_of
from sync.journal import make_segment, segment_path
from sync.share import ShareUnavailable
from tests.sync_fixtures import (
    LOG,
    CountingShare,
    CutShare,
    Person,
    announce,
    anyone_writes,
    conversation,
    directory_of,
    make_person,
    minutes,
    preparation,
    records_of,
    revised,
    share_in,
    unverifiable_files,
)
from tests.vault_fixtures import FakeClock

CONVERSATION = "c0" * 16


class Org:
    """Emma (employee) and Lars (her leader), Olga (a colleague), Hanne (HR)."""

    def __init__(
        self, tmp: Path, clocks: dict[str, FakeClock] | None = None, *, rights: Any = None
    ) -> None:
        clocks = clocks or {}
        self.share = share_in(tmp)
        self.people = {
            "emma": make_person(tmp, "emma", Role.EMPLOYEE, clock=clocks.get("emma")),
            "lars": make_person(tmp, "lars", Role.LEADER, clock=clocks.get("lars")),
            "olga": make_person(tmp, "olga", Role.EMPLOYEE, clock=clocks.get("olga")),
            "hanne": make_person(tmp, "hanne", Role.HR, clock=clocks.get("hanne")),
        }
        self.directory = directory_of(
            self.people.values(), {"emma": "lars", "olga": "lars", "hanne": "lars"}
        )
        options = {} if rights is None else {"rights": rights}
        self.engines = {
            pid: person.engine(
                self.share, self.directory, clock=clocks.get(pid, FakeClock()), **options
            )
            for pid, person in self.people.items()
        }

    def __getitem__(self, person_id: str) -> SyncEngine:
        return self.engines[person_id]

    def records(self, person_id: str) -> dict[str, Any]:
        return records_of(self.people[person_id].vault)

    def table(self, person_id: str, table: str) -> dict[str, Any]:
        found: dict[str, Any] = self.records(person_id).get(CONVERSATION, {}).get(table, {})
        return found

    def sync_all(self, *order: str) -> None:
        for person_id in order or ("lars", "emma", "olga", "hanne", "lars", "emma"):
            self[person_id].sync()


@pytest.fixture
def org(tmp_path: Path) -> Org:
    return Org(tmp_path)


@pytest.fixture
def open_org(tmp_path: Path) -> Org:
    """An organisation whose engines let anyone write anything (see ``anyone_writes``)."""
    return Org(tmp_path, rights=anyone_writes)


def start_conversation(org: Org) -> dict[str, Any]:
    """Lars plans the conversation with Emma; both devices hold it after a sync."""
    held = conversation("emma", "lars", CONVERSATION)
    org["lars"].publish(CONVERSATION, "conversation", held)
    org.sync_all("lars", "emma")
    return held


def test_a_shared_preparation_reaches_the_leader_and_minutes_come_back(org: Org) -> None:
    start_conversation(org)
    assert org.table("emma", "conversation")  # the conversation she prepares for
    prep = preparation(CONVERSATION, "emma", {"q1": "Mere faglig sparring"})
    org["emma"].publish(CONVERSATION, "preparations", prep)
    assert org["emma"].sync().pushed == 1
    assert org["lars"].sync().pulled == 1
    assert org.table("lars", "preparations") == {prep["id"]: prep}
    notes = minutes(CONVERSATION, "lars", {"t1": "Aftalt: sparring hver 14. dag"})
    org["lars"].publish(CONVERSATION, "minutes", notes)
    org["lars"].sync()
    report = org["emma"].sync()
    assert report.changed == [CONVERSATION]
    assert org.table("emma", "minutes") == {notes["id"]: notes}


def test_publishing_keeps_the_version_in_the_vault_at_once_and_never_waits_for_the_share(
    tmp_path: Path,
) -> None:
    class Unreachable:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"publish touched the share ({name})")

    emma = make_person(tmp_path, "emma")
    engine = emma.engine(Unreachable(), directory_of([emma]))
    prep = preparation(CONVERSATION, "emma", {"q1": "svar"}, shared=False)
    engine.publish(CONVERSATION, "preparations", prep)
    assert records_of(emma.vault)[CONVERSATION]["preparations"] == {prep["id"]: prep}
    assert engine.pending() == 1


def test_publishing_a_record_whose_version_is_not_its_hash_is_refused(org: Org) -> None:
    prep = preparation(CONVERSATION, "emma", {"q1": "svar"})
    with pytest.raises(ValueError):
        org["emma"].publish(CONVERSATION, "preparations", {**prep, "version": "f" * 32})
    with pytest.raises(ValueError):
        org["emma"].publish(CONVERSATION, "versions", prep)
    assert org["emma"].pending() == 0


def test_a_colleague_on_the_same_share_can_open_nothing_and_gets_no_records(org: Org) -> None:
    start_conversation(org)
    org["emma"].publish(CONVERSATION, "preparations",
                        preparation(CONVERSATION, "emma", {"q1": "Hemmeligt svar"}))
    org["emma"].publish(CONVERSATION, "preparations",
                        preparation(CONVERSATION, "emma", {"q1": "Privat"}, shared=False))
    org.sync_all("lars", "emma", "lars")
    org["lars"].publish(CONVERSATION, "minutes", minutes(CONVERSATION, "lars", {"t": "note"}))
    org["lars"].sync()
    report = org["olga"].sync()
    assert (report.pulled, report.rejected, org.records("olga")) == (0, [], {})
    olga = org.people["olga"]
    objects = sorted((org.share.root / "objects").rglob("*"))
    objects = [p for p in objects if p.is_file()]
    assert len(objects) == 4
    for path in objects:
        with pytest.raises(EnvelopeRejected) as caught:
            open_envelope(path.read_bytes(), path.name, org.directory, "olga", olga.identity)
        assert caught.value.reason == "not_for_me"


def test_a_private_preparation_stays_with_its_author_and_their_other_device(
    tmp_path: Path,
) -> None:
    org = Org(tmp_path)
    phone = make_person(tmp_path, "emma", device="-phone")
    install_identity(phone.vault, org.people["emma"].identity)
    assert device_id_of(phone.vault) != org.people["emma"].device
    phone_engine = phone.engine(org.share, org.directory)
    start_conversation(org)
    private = preparation(CONVERSATION, "emma", {"q1": "kun til mig"}, shared=False)
    org["emma"].publish(CONVERSATION, "preparations", private)
    org.sync_all("lars", "emma", "lars")
    phone_engine.sync()
    assert records_of(phone.vault)[CONVERSATION]["preparations"] == {private["id"]: private}
    assert org.table("lars", "preparations") == {}


def test_a_second_identity_is_never_installed_over_the_first(tmp_path: Path) -> None:
    emma = make_person(tmp_path, "emma")
    identity_of(emma.vault)
    with pytest.raises(ValueError):
        install_identity(emma.vault, sealing.new_identity())
    install_identity(emma.vault, identity_of(emma.vault))  # the same one: nothing to do


def agreement(
    signed: bool, goals: tuple[str, ...], parents: tuple[str, ...] = ()
) -> dict[str, Any]:
    signatures = (
        Signature(signer_id="emma", signed_at=dt.datetime(2031, 3, 4, 10, 0),
                  content_hash="h", public_key="k", signature="s"),
    ) if signed else ()
    return Agreement(
        id="a" * 32, conversation_id=CONVERSATION, author="lars", parents=parents,
        goals=tuple(Goal(id=f"g{i}", theme_id="t1", what=what) for i, what in enumerate(goals)),
        signatures=signatures,
    ).to_dict()


def competence_ratings(person: str) -> dict[str, Any]:
    data = {"id": "r" * 32, "type": "competence_ratings", "author": person, "parents": [],
            "person_id": person, "conversation_id": CONVERSATION, "ratings": {"c1": 3}}
    return {**data, "version": version_of(data)}


@pytest.mark.parametrize("to_hr", [True, False])
def test_hr_receives_exactly_what_the_readers_rule_allows(tmp_path: Path, to_hr: bool) -> None:
    org = Org(tmp_path)
    org.directory = Directory(2, org.directory.members, Policy(agreements_to_hr=to_hr))
    for engine in org.engines.values():
        engine.directory = org.directory
    held = start_conversation(org)
    published = [
        ("preparations", preparation(CONVERSATION, "emma", {"q1": "svar"}), "emma"),
        ("minutes", minutes(CONVERSATION, "lars", {"t": "note"}), "lars"),
        ("agreements", agreement(False, ("Kursus i sår",)), "lars"),
        ("competences", competence_ratings("emma"), "emma"),
    ]
    for table, record, author in published:
        org[author].publish(CONVERSATION, table, record)
    org.sync_all("lars", "emma", "lars", "hanne")
    expected = {
        (table, record["id"])
        for table, record, _ in [("conversation", held, "lars"), *published]
        if "hanne" in readers(record, held, org.directory)
    }
    got = {(t, rid) for t, rows in org.records("hanne").get(CONVERSATION, {}).items()
           for rid in rows}
    assert got == expected
    assert ("competences", "r" * 32) in got
    assert (("agreements", "a" * 32) in got) is to_hr


def test_readers_are_whoever_the_injected_rule_names(tmp_path: Path) -> None:
    org = Org(tmp_path, rights=anyone_writes)
    def only_hr(record: Any, conv: Any, directory: Any) -> frozenset[str]:
        return frozenset({"hanne"})

    emma = org.people["emma"].engine(org.share, org.directory, readers=only_hr,
                                     rights=anyone_writes)
    prep = preparation(CONVERSATION, "emma", {"q1": "svar"})
    emma.publish(CONVERSATION, "conversation", conversation("emma", "emma", CONVERSATION))
    emma.publish(CONVERSATION, "preparations", prep)
    emma.sync()
    org.sync_all("lars", "olga", "hanne")
    assert org.table("hanne", "preparations") == {prep["id"]: prep}
    assert org.records("lars") == {} and org.records("olga") == {}
    assert set(org.records("hanne")[CONVERSATION]) == {"conversation", "preparations"}


def concurrent_edits(org: Org) -> dict[str, Any]:
    start_conversation(org)
    prep = preparation(CONVERSATION, "emma", {"q1": "start", "q2": "fælles"},
                       record_id="p" * 32)
    org["emma"].publish(CONVERSATION, "preparations", prep)
    org.sync_all("lars", "emma", "lars")
    org["emma"].publish(CONVERSATION, "preparations",
                        revised(prep, answers={"q1": "Emmas svar", "q2": "fælles"}))
    org["lars"].publish(CONVERSATION, "preparations",
                        revised(prep, answers={"q1": "Lars' svar", "q2": "ændret af Lars"}))
    return prep


def test_concurrent_edits_keep_both_values_and_report_a_conflict(open_org: Org) -> None:
    org = open_org
    concurrent_edits(org)
    org["emma"].sync()
    report = org["lars"].sync()
    assert [(c.record_id, c.fields, c.kind) for c in report.conflicts] == [
        ("p" * 32, ("answers.q1",), "fields")
    ]
    report = org["emma"].sync()
    assert len(report.conflicts) == 1
    for person in ("emma", "lars"):
        merged = org.table(person, "preparations")["p" * 32]
        assert merged["answers"]["q2"] == "ændret af Lars"  # a change on one side only
        assert merged["answers"]["q1"] in {"Emmas svar", "Lars' svar"}
        (conflict,) = org.table(person, CONFLICTS_TABLE).values()
        kept = {r["answers"]["q1"] for r in conflict["records"].values()}
        assert kept == {"Emmas svar", "Lars' svar"}  # no value dropped
        assert {conflict["fields"][0]["ours"], conflict["fields"][0]["theirs"]} == kept
    assert org.records("emma") == org.records("lars")


def test_a_settled_conflict_reaches_the_other_device_without_a_new_conflict(open_org: Org) -> None:
    org = open_org
    concurrent_edits(org)
    org.sync_all("emma", "lars", "emma")
    merged = org.table("emma", "preparations")["p" * 32]
    (doc,) = org.table("emma", CONFLICTS_TABLE).values()
    from conversations.merge import Conflict

    field = doc["fields"][0]
    conflict = Conflict(field["field"], field["key"], field["base"], field["ours"],
                        field["theirs"])
    settled = resolve(merged, conflict, "Begge dele", author="emma")
    org["emma"].publish(CONVERSATION, "preparations", settled)
    org["emma"].sync()
    report = org["lars"].sync()
    assert report.conflicts == []
    assert org.table("lars", "preparations")["p" * 32] == settled


def test_a_device_that_missed_both_edits_follows_the_settled_version(open_org: Org) -> None:
    org = open_org
    """Hanne-as-Lars' second device: it only ever sees the merge via its descendant."""
    concurrent_edits(org)
    org.sync_all("emma", "lars")
    merged = org.table("lars", "preparations")["p" * 32]
    settled = revised(merged, answers={**merged["answers"], "q1": "Aftalt"})
    org["lars"].publish(CONVERSATION, "preparations", settled)
    org.sync_all("lars", "emma")
    assert org.table("emma", "preparations")["p" * 32] == settled


def test_signed_agreements_are_never_merged_and_both_versions_are_kept(open_org: Org) -> None:
    org = open_org
    start_conversation(org)
    signed = agreement(True, ("Kursus",))
    org["lars"].publish(CONVERSATION, "agreements", signed)
    org.sync_all("lars", "emma")
    mine = agreement(True, ("Kursus", "Mentor"), parents=(signed["version"],))
    theirs = agreement(True, ("Jobbytte",), parents=(signed["version"],))
    org["emma"].publish(CONVERSATION, "agreements", mine)
    org["lars"].publish(CONVERSATION, "agreements", theirs)
    org.sync_all("emma", "lars", "emma")
    for person in ("emma", "lars"):
        (doc,) = org.table(person, CONFLICTS_TABLE).values()
        assert doc["kind"] == "agreement"
        assert set(doc["records"]) == {mine["version"], theirs["version"]}
    held = {org.table(p, "agreements")["a" * 32]["version"] for p in ("emma", "lars")}
    assert len(held) == 1  # both devices keep the same one in the table
    assert held <= {mine["version"], theirs["version"]}


def test_a_later_version_of_a_signed_agreement_replaces_the_older(open_org: Org) -> None:
    org = open_org
    start_conversation(org)
    signed = agreement(True, ("Kursus",))
    org["lars"].publish(CONVERSATION, "agreements", signed)
    org.sync_all("lars", "emma")
    newer = agreement(True, ("Kursus", "Mentor"), parents=(signed["version"],))
    org["lars"].publish(CONVERSATION, "agreements", newer)
    org.sync_all("lars", "emma")
    assert org.table("emma", "agreements")["a" * 32] == newer
    assert org.table("emma", CONFLICTS_TABLE) == {}


def scenario(tmp: Path, clocks: dict[str, FakeClock]) -> dict[str, Any]:
    org = Org(tmp, clocks, rights=anyone_writes)
    concurrent_edits(org)
    org["emma"].publish(CONVERSATION, "minutes",
                        minutes(CONVERSATION, "emma", {"t": "x"}, record_id="m" * 32))
    org.sync_all("emma", "lars", "emma", "hanne", "olga", "lars")
    return {pid: org.records(pid) for pid in org.people}


def test_clocks_a_day_apart_change_nothing(tmp_path: Path) -> None:
    day = 24 * 3600.0
    same = scenario(tmp_path / "same", {})
    skewed = scenario(tmp_path / "skewed", {
        "emma": FakeClock(1_800_000_000.0 + day),
        "lars": FakeClock(1_800_000_000.0 - day),
        "hanne": FakeClock(1_800_000_000.0 + day / 2),
    })
    assert same == skewed
    reversed_skew = scenario(tmp_path / "reversed", {
        "emma": FakeClock(1_800_000_000.0 - day),
        "lars": FakeClock(1_800_000_000.0 + day),
    })
    assert same == reversed_skew


# -- envelopes that must be turned away --------------------------------------------------


def outsider_write(share: FolderShare, person: Person, directory_for_me: Any, seq: int,
                   blobs: list[bytes]) -> list[str]:
    """Writes envelopes, one journal segment and its hint as ``person`` (whatever the
    directory says), the way a device with its own code might."""
    hashes = [digest_of(b) for b in blobs]
    for digest, blob in zip(hashes, blobs, strict=True):
        share.write_once(object_path(digest), blob)
    share.write_once(segment_path(person.device, seq), make_segment(
        person.identity, sender=person.id, device=person.device, seq=seq, objects=hashes))
    announce(share, person, directory_for_me, seq, blobs)
    return hashes


def test_damaged_and_forged_envelopes_are_rejected_with_a_log_line_and_the_rest_arrives(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    org = Org(tmp_path, rights=anyone_writes)
    eve = make_person(tmp_path, "eve")  # on the share, not in the directory
    start_conversation(org)
    first = preparation(CONVERSATION, "emma", {"q1": "v1"}, record_id="p" * 32)
    org["emma"].publish(CONVERSATION, "preparations", first)
    org.sync_all("emma", "lars")
    second = revised(first, answers={"q1": "v2"})
    records = [minutes(CONVERSATION, "emma", {"t": str(i)}) for i in range(3)]
    org["emma"].publish(CONVERSATION, "preparations", second)
    for record in records:
        org["emma"].publish(CONVERSATION, "minutes", record)
    org["emma"].sync()
    flipped, truncated, *_ = _segment_hashes(org.share, org.people["emma"].device, 2)
    path = org.share.root / object_path(flipped)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x40
    path.write_bytes(bytes(data))
    path = org.share.root / object_path(truncated)
    path.write_bytes(path.read_bytes()[:-10])

    old = (org.share.root / object_path(_segment_hashes(org.share, org.people["emma"].device,
                                                         1)[0])).read_bytes()
    olga = org.people["olga"]
    body = old[: -sealing.SIGNATURE_SIZE]
    resigned = body + sealing.sign(olga.identity, body)
    _, from_eve = seal_envelope(
        minutes(CONVERSATION, "eve", {"t": "eve"}), shard=CONVERSATION, table="minutes",
        sender="eve", device=eve.device, identity=eve.identity,
        recipients={"lars": org.people["lars"].identity.public().enc})
    late = minutes(CONVERSATION, "olga", {"t": "efter de dårlige"})
    _, late_blob = seal_envelope(
        late, shard=CONVERSATION, table="minutes", sender="olga", device=olga.device,
        identity=olga.identity, recipients={"lars": org.people["lars"].identity.public().enc})
    replayed = digest_of(old)
    olga_hashes = outsider_write(org.share, olga, org.directory, 1,
                                 [old, resigned, from_eve, late_blob])
    assert olga_hashes[0] == replayed
    outsider_write(org.share, eve, org.directory, 1, [from_eve])

    caplog.set_level(logging.WARNING, logger=LOG)
    report = org["lars"].sync()
    lines = [r.getMessage() for r in caplog.records if r.name == LOG]
    assert f"rejected envelope {flipped}: hash_mismatch" in lines
    assert f"rejected envelope {truncated}: hash_mismatch" in lines
    assert f"rejected envelope {olga_hashes[1]}: bad_signature" in lines
    assert f"rejected envelope {olga_hashes[2]}: unknown_sender" in lines
    from_outsider = [line for line in lines if line.startswith("rejected inbox entry")]
    lars_inbox = inbox_folder(inbox_of(org.people["lars"].identity.public().enc))
    assert [line.split(": ")[1] for line in from_outsider] == ["unknown_sender"]
    assert from_outsider[0].startswith(f"rejected inbox entry {lars_inbox}/")
    assert len(report.rejected) == 5
    assert not any("v1" in line or "v2" in line for line in lines)  # never the content
    prep = org.table("lars", "preparations")["p" * 32]
    assert prep == first  # v2 was damaged; the replayed v1 changes nothing
    got = org.table("lars", "minutes")
    assert set(got) == {records[1]["id"], records[2]["id"], late["id"]}  # the rest arrived
    report = org["lars"].sync()  # nothing is read twice, nor reported twice
    assert report.rejected == []


def test_a_replayed_old_version_never_takes_back_a_newer_one(org: Org) -> None:
    start_conversation(org)
    first = preparation(CONVERSATION, "emma", {"q1": "v1"}, record_id="p" * 32)
    org["emma"].publish(CONVERSATION, "preparations", first)
    org.sync_all("lars", "emma", "lars")
    second = revised(first, answers={"q1": "v2"})
    org["emma"].publish(CONVERSATION, "preparations", second)
    org.sync_all("emma", "lars")
    old_hash = _segment_hashes(org.share, org.people["emma"].device, 1)[0]
    olga = org.people["olga"]
    outsider_write(org.share, olga, org.directory, 1,
                   [(org.share.root / object_path(old_hash)).read_bytes()])
    report = org["lars"].sync()
    assert (report.pulled, report.rejected, report.changed) == (0, [], [])
    assert org.table("lars", "preparations")["p" * 32] == second


def _segment_hashes(share: FolderShare, device: str, seq: int) -> list[str]:
    import json

    blob = (share.root / segment_path(device, seq)).read_bytes()
    return list(json.loads(blob[5 : -sealing.SIGNATURE_SIZE])["objects"])


# -- pushing again, and what a sync costs -------------------------------------------------------


def test_pushing_the_same_versions_again_writes_nothing_new(org: Org) -> None:
    start_conversation(org)
    prep = preparation(CONVERSATION, "emma", {"q1": "svar"})
    org["emma"].publish(CONVERSATION, "preparations", prep)
    org["emma"].publish(CONVERSATION, "preparations", prep)
    assert org["emma"].pending() == 1
    vault = org.people["emma"].vault
    org["emma"]._sealed(org["emma"]._outbox()["items"])  # sealed, as a push does first
    before_push = vault.get_meta(OUTBOX_KEY)
    assert before_push is not None
    org["emma"].sync()
    files = sorted(p.relative_to(org.share.root) for p in org.share.root.rglob("*"))
    assert org["emma"].pending() == 0
    vault.put_meta(OUTBOX_KEY, before_push)  # as if the app died before the outbox was cleared
    report = org["emma"].sync()
    assert report.pushed == 1
    assert sorted(p.relative_to(org.share.root) for p in org.share.root.rglob("*")) == files
    assert org["emma"].pending() == 0
    assert unverifiable_files(org.share.root) == []


def test_a_sync_reads_only_this_persons_inbox_and_what_it_names(org: Org) -> None:
    start_conversation(org)
    for i in range(5):
        org["emma"].publish(CONVERSATION, "preparations",
                            preparation(CONVERSATION, "emma", {"t": str(i)}))
    org.sync_all("lars", "emma", "olga", "hanne", "lars")
    counting = CountingShare(org.share)
    lars = org.people["lars"].engine(counting, org.directory, clock=FakeClock())
    lars.sync()
    inbox = inbox_of(org.people["lars"].identity.public().enc)
    assert len(counting.calls) == 1  # nothing new: one look, at the next slot of his inbox
    op, next_slot = counting.calls[0]
    assert op == "read" and next_slot.startswith(inbox_folder(inbox) + "/")
    n = int(next_slot.rsplit("/", 1)[1])
    org["emma"].publish(CONVERSATION, "preparations",
                        preparation(CONVERSATION, "emma", {"t": "ny"}))
    org["olga"].publish(CONVERSATION, "preparations",
                        preparation(CONVERSATION, "olga", {"t": "til mig selv"}, shared=False))
    org["emma"].sync()
    org["olga"].sync()  # for Olga alone: costs Lars nothing
    counting.calls.clear()
    assert lars.sync().pulled == 1
    assert [c for c in counting.calls if not c[1].startswith("objects/")] == [
        ("read", entry_path(inbox, n)), ("read", entry_path(inbox, n + 1)),
    ]
    assert len([c for c in counting.calls if c[1].startswith("objects/")]) == 1


def test_the_daily_look_lists_only_this_persons_inbox_never_the_whole_share(org: Org) -> None:
    start_conversation(org)
    clock = FakeClock()
    counting = CountingShare(org.share)
    lars = org.people["lars"].engine(counting, org.directory, clock=clock)
    lars.sync()
    counting.calls.clear()
    clock.advance(25 * 3600)
    lars.sync()
    inbox = inbox_folder(inbox_of(org.people["lars"].identity.public().enc))
    assert {c[1] for c in counting.calls if c[0] == "list"} <= {
        inbox, *(f"{inbox}/{f:07d}" for f in range(10))}
    assert ("list", inbox) in counting.calls
    assert not any(c[0] == "sweep_temps" for c in counting.calls)  # no write of his was cut
    assert not any(c[1].startswith(("journals", "heads")) for c in counting.calls)
    counting.calls.clear()
    lars.sync()
    assert not any(c[0] == "list" for c in counting.calls)


def test_temp_files_of_a_cut_write_are_swept_in_that_folder_alone(org: Org) -> None:
    start_conversation(org)
    clock = FakeClock()
    cut = CutShare(org.share, mode="partial")
    emma = org.people["emma"].engine(cut, org.directory, clock=clock)
    emma.publish(CONVERSATION, "preparations", preparation(CONVERSATION, "emma", {"q": "a"}))
    cut.cut_at = cut.count + 1  # her first write: an envelope
    with pytest.raises(ShareUnavailable):
        emma.sync()
    cut.reconnect()
    assert emma.sync().pushed == 1
    temps = [p for p in org.share.root.rglob(".tmp-*")]
    assert len(temps) == 1
    old = temps[0].stat().st_mtime - 3600
    os.utime(temps[0], (old, old))
    counting = CountingShare(org.share)
    emma.share = counting
    clock.advance(25 * 3600)
    emma.sync()
    folder = temps[0].parent.relative_to(org.share.root).as_posix()
    assert [c for c in counting.calls if c[0] == "sweep_temps"] == [("sweep_temps", folder)]
    assert not temps[0].exists()


def test_an_inbox_entry_emptied_before_it_was_read_is_passed_on_the_daily_look(
    org: Org,
) -> None:
    start_conversation(org)
    clock = FakeClock()
    lars = org.people["lars"].engine(org.share, org.directory, clock=clock)
    lars.sync()
    lost = preparation(CONVERSATION, "emma", {"t": "slettet"})
    org["emma"].publish(CONVERSATION, "preparations", lost)
    org["emma"].sync()
    kept = preparation(CONVERSATION, "emma", {"t": "efter"})
    org["emma"].publish(CONVERSATION, "preparations", kept)
    org["emma"].sync()
    inbox = inbox_of(org.people["lars"].identity.public().enc)
    entries = sorted((org.share.root / inbox_folder(inbox)).rglob("0*[0-9]"))
    entries[-2].unlink()  # someone with write access deleted it
    assert lars.sync().pulled == 0  # an empty slot ends the read
    clock.advance(25 * 3600)
    report = lars.sync()
    assert org.table("lars", "preparations").keys() >= {kept["id"]}
    n = int(entries[-2].name)
    assert [(p.first, p.last, p.reason) for p in report.inbox_problems] == [(n, n, "missing")]


def test_an_unreachable_share_keeps_the_outbox(tmp_path: Path) -> None:
    emma = make_person(tmp_path, "emma")
    share = FolderShare(tmp_path / "not-mounted")
    engine = emma.engine(share, directory_of([emma]))
    engine.publish(CONVERSATION, "conversation", conversation("emma", "emma", CONVERSATION))
    engine.publish(CONVERSATION, "preparations", preparation(CONVERSATION, "emma", {"q": "a"}))
    with pytest.raises(ShareUnavailable):
        engine.sync()
    assert engine.pending() == 2
    (tmp_path / "not-mounted").mkdir()
    assert engine.sync().pushed == 2
    assert engine.pending() == 0


def test_a_record_waits_in_the_outbox_until_its_conversation_has_arrived(org: Org) -> None:
    held = conversation("emma", "lars", CONVERSATION)
    org["lars"].publish(CONVERSATION, "conversation", held)
    org["lars"].sync()
    prep = preparation(CONVERSATION, "emma", {"q1": "skrevet før samtalen kom"})
    org["emma"].publish(CONVERSATION, "preparations", prep)  # before she has the conversation
    report = org["emma"].sync()
    assert (report.pulled, report.pushed, org["emma"].pending()) == (1, 1, 0)
    org["lars"].sync()
    assert org.table("lars", "preparations") == {prep["id"]: prep}


def test_autosaved_versions_between_two_shares_follow_on_without_a_conflict(org: Org) -> None:
    start_conversation(org)
    first = preparation(CONVERSATION, "emma", {"q1": "v1"}, record_id="p" * 32)
    org["emma"].publish(CONVERSATION, "preparations", first)
    org.sync_all("emma", "lars")
    emma = org.people["emma"].vault
    draft = first
    for text in ("v2", "v3", "v4"):  # autosaves: versions that are never published
        draft = revised(draft, answers={"q1": text})
        emma.put_record(CONVERSATION, "preparations", draft)
    org["emma"].publish(CONVERSATION, "preparations", draft)
    org["emma"].sync()
    report = org["lars"].sync()
    assert (report.pulled, report.conflicts) == (1, [])
    assert org.table("lars", "preparations")["p" * 32] == draft
    # and the next share, after more autosaves, follows on from that one
    for text in ("v5", "v6"):
        draft = revised(draft, answers={"q1": text})
        emma.put_record(CONVERSATION, "preparations", draft)
    org["emma"].publish(CONVERSATION, "preparations", draft)
    org.sync_all("emma", "lars")
    assert org.table("lars", "preparations")["p" * 32] == draft
    assert org.table("lars", CONFLICTS_TABLE) == {}


def test_an_unshared_autosave_meets_an_edit_from_elsewhere_as_a_three_way_merge(
    open_org: Org,
) -> None:
    org = open_org
    start_conversation(org)
    first = preparation(CONVERSATION, "emma", {"q1": "start", "q2": "start"},
                        record_id="p" * 32)
    org["emma"].publish(CONVERSATION, "preparations", first)
    org.sync_all("emma", "lars")
    draft = revised(revised(first, answers={"q1": "Emma", "q2": "start"}),
                    answers={"q1": "Emma igen", "q2": "start"})
    org.people["emma"].vault.put_record(CONVERSATION, "preparations", draft)  # autosaved only
    org["lars"].publish(CONVERSATION, "preparations",
                        revised(first, answers={"q1": "start", "q2": "Lars"}))
    org["lars"].sync()
    report = org["emma"].sync()
    assert report.conflicts == []  # each changed a different answer
    merged = org.table("emma", "preparations")["p" * 32]
    assert merged["answers"] == {"q1": "Emma igen", "q2": "Lars"}
    org["emma"].publish(CONVERSATION, "preparations", revised(merged, answers=merged["answers"]))
    org.sync_all("emma", "lars")
    assert org.table("lars", "preparations")["p" * 32]["answers"] == merged["answers"]
    assert org.table("lars", CONFLICTS_TABLE) == {}


def test_publishing_while_a_sync_runs_loses_nothing(org: Org) -> None:
    import threading

    start_conversation(org)
    published = [preparation(CONVERSATION, "emma", {"t": str(i)}) for i in range(30)]
    emma = org.people["emma"]

    def publish_all() -> None:
        engine = emma.engine(org.share, org.directory)  # a new engine per call, as the app
        for record in published:
            engine.publish(CONVERSATION, "preparations", record)

    writer = threading.Thread(target=publish_all)
    writer.start()
    while writer.is_alive():
        emma.engine(org.share, org.directory).sync()
    writer.join()
    org["emma"].sync()
    org["lars"].sync()
    assert org["emma"].pending() == 0
    assert set(org.table("lars", "preparations")) == {r["id"] for r in published}
